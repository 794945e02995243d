"""%%autograd and %grad_fn (gradlab/notebook/magics.py), run in a real IPython shell."""
import asyncio
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

pytest.importorskip("IPython")
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

from gradlab.notebook.magics import AFTER_ERROR, NO_TENSORS

POW = """\
%%autograd{options}
x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x ** 2
y.sum().backward()
"""

ADD = """\
%%autograd
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = a + 5
"""

SVG, HTML, TEXT = "image/svg+xml", "text/html", "text/plain"


@pytest.fixture(scope="module")
def ipython():
    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # leave the user's IPython history alone
    shell = InteractiveShell.instance(config=config)
    shell.run_line_magic("colors", "nocolor")  # plain tracebacks, to search in
    return shell


@pytest.fixture
def shell(ipython):
    """A shell with ``%load_ext gradlab`` and ``import gradlab as torch`` done, emptied after."""
    ipython.run_line_magic("load_ext", "gradlab")
    ipython.run_cell("import gradlab as torch")
    yield ipython
    ipython.run_line_magic("unload_ext", "gradlab")
    ipython.reset(new_session=False)


class Ran:
    """One cell's outcome: the execution result and everything it printed or displayed."""

    def __init__(self, result, captured):
        self.result = result
        self.error = result.error_in_exec or result.error_before_exec
        self.stdout = captured.stdout
        self.stderr = captured.stderr
        self.bundles = [output.data for output in captured.outputs]

    @property
    def graph(self):
        """The graph the cell displayed (its one rich output)."""
        assert len(self.bundles) == 1, (self.stdout, self.bundles)
        return self.bundles[0]


def run(shell, cell):
    with capture_output() as captured:
        result = shell.run_cell(cell, store_history=True)
    return Ran(result, captured)


def svg_texts(svg):
    """Every piece of text in an SVG, which must be well-formed XML."""
    root = ElementTree.fromstring(svg)
    return [text for element in root.iter() for text in (element.text, element.tail) if text]


# ---------------------------------------------------------------- the seed examples

def test_pow_example_draws_names_node_and_leaf(shell):
    ran = run(shell, POW.format(options=""))
    assert ran.error is None, ran.stdout
    bundle = ran.graph
    assert set(bundle) == {SVG, HTML, TEXT}
    texts = " ".join(svg_texts(bundle[SVG]))
    for word in ("x", "y", "PowBackward0", "leaf"):
        assert re.search(rf"\b{word}\b", texts), word
    assert bundle[SVG] in bundle[HTML]  # inline, so the hover titles show in JupyterLab
    assert "PowBackward0" in bundle[TEXT]
    assert re.search(r"\bx +\[leaf\].*grad \[4\., 6\.\]", bundle[TEXT])
    assert re.search(r"\by +\[non-leaf\]", bundle[TEXT])
    assert shell.user_ns["x"].grad.tolist() == [4.0, 6.0]  # the cell really ran


def test_add_example_draws_add_node(shell):
    ran = run(shell, ADD)
    assert ran.error is None, ran.stdout
    texts = " ".join(svg_texts(ran.graph[SVG]))
    for word in ("a", "b", "AddBackward0", "leaf"):
        assert re.search(rf"\b{word}\b", texts), word


def test_output_is_deterministic_and_has_no_addresses(shell):
    first = run(shell, POW.format(options="")).graph
    shell.reset(new_session=False)
    shell.run_cell("import gradlab as torch")
    second = run(shell, POW.format(options="")).graph
    assert first == second
    assert not re.search(r"0x[0-9a-fA-F]{6,}", first[TEXT] + first[SVG])


CUTS = """\
%%autograd
x = torch.tensor([2.0, 3.0], requires_grad=True)
with torch.no_grad():
    frozen = x * 2
detached = x.detach()
mask = x > 2
index = x.argmax()
odd = {"<b>&'": x * 3}
"""


def test_cuts_say_why_no_gradient_flows(shell):
    bundle = run(shell, CUTS).graph
    svg = " ".join(svg_texts(bundle[SVG]))
    for reason in ("no_grad", "detach()", "comparison", "argmax"):
        assert reason in bundle[TEXT] and reason in svg, reason
    assert re.search(r"no_grad.*\(line 4\)", bundle[TEXT])  # lines counted as the notebook does


def test_names_are_escaped_in_the_svg(shell):
    bundle = run(shell, CUTS).graph
    assert """odd["<b>&'"]""" in bundle[TEXT]
    assert """odd["<b>&'"]""" in " ".join(svg_texts(bundle[SVG]))  # parsed back from escapes
    assert "<b>" not in bundle[SVG] and "<b>" not in bundle[HTML]


def test_names_come_from_the_namespace_not_the_output_history(shell):
    ran = run(shell, "%%autograd --text\n"
                     "weight = torch.tensor([1.0, 2.0], requires_grad=True)\n"
                     "doubled = weight * 2\n"
                     "alias = doubled\n"
                     "doubled\n")  # also Out[n]: not a name to show
    text = ran.graph[TEXT]
    for name in ("weight", "doubled", "alias"):
        assert name in text
    assert "Out[" not in text


def test_last_expression_is_shown_as_out(shell):
    ran = run(shell, "%%autograd\nx = torch.tensor([2.0], requires_grad=True)\ny = x * 3\ny\n")
    assert ran.result.result is shell.user_ns["y"]
    assert "Out[" in ran.stdout and "tensor([6.], grad_fn=<MulBackward0>)" in ran.stdout
    assert "MulBackward0" in ran.graph[TEXT]
    quiet = run(shell, "%%autograd\nx = torch.tensor([2.0], requires_grad=True)\nx * 3;\n")
    assert quiet.result.result is None and "Out[" not in quiet.stdout


def test_a_plain_terminal_gets_the_text_form(shell):
    formats = shell.display_formatter.active_types
    shell.display_formatter.active_types = [TEXT]
    try:
        ran = run(shell, POW.format(options=""))
    finally:
        shell.display_formatter.active_types = formats
    assert set(ran.graph) == {TEXT}
    assert "PowBackward0" in ran.graph[TEXT]


# ---------------------------------------------------------------- errors

FAILING = """\
%%autograd
x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x ** 2
undefined_function(y)
after = 1
"""


def test_an_error_fails_the_cell_keeps_assignments_and_shows_the_graph_below(shell):
    ran = run(shell, FAILING)
    assert isinstance(ran.error, NameError)  # the cell fails: Run All stops here
    assert "undefined_function(y)" in ran.stdout  # the traceback shows the user's line
    assert re.search(r"In\[\d+\], line 4", ran.stdout)  # numbered as the notebook shows it
    assert "magics.py" not in ran.stdout.split("NameError")[1]  # magic frames hidden
    assert "y" in shell.user_ns and "after" not in shell.user_ns
    assert ran.stdout.index("undefined_function") < ran.stdout.index(AFTER_ERROR)
    assert "PowBackward0" in ran.graph[TEXT]


def test_the_traceback_names_the_running_cell(shell):
    run(shell, "1")
    number = shell.execution_count
    ran = run(shell, FAILING)
    assert f"In[{number}], line 4" in ran.stdout


@pytest.mark.parametrize("options", [
    "--bogus", "--direction XY", "--max-nodes 0", "--max-nodes many", "--backward",
    "--backward y.sum()", "extra",
])
def test_bad_options_raise_usage_error_with_usage(shell, options):
    ran = run(shell, POW.format(options=" " + options))
    assert_refused(shell, ran)


def assert_refused(shell, ran, *words):
    """A one-line UsageError, shown before the cell ran and before anything was drawn."""
    assert isinstance(ran.error, UsageError), (ran.error, ran.stdout)
    message = str(ran.error)
    assert "\n" not in message and message.startswith("%%autograd")
    assert ran.stderr.strip() == f"UsageError: {message}"  # IPython's one line, no traceback
    assert "x" not in shell.user_ns  # the cell did not run
    assert ran.bundles == [] and ran.stdout == ""
    for word in words:
        assert word in message, (word, message)


def test_a_cell_without_tensors_says_so(shell):
    ran = run(shell, "%%autograd\nanswer = 6 * 7\n")
    assert ran.error is None
    assert NO_TENSORS in ran.stdout and ran.bundles == []
    assert shell.user_ns["answer"] == 42


# ---------------------------------------------------------------- options

def test_backward_fills_the_grads(shell):
    ran = run(shell, "%%autograd --backward loss\n"
                     "x = torch.tensor([2.0, 3.0], requires_grad=True)\n"
                     "loss = (x ** 2).sum()\n")
    assert ran.error is None, ran.stdout
    assert shell.user_ns["x"].grad.tolist() == [4.0, 6.0]
    assert "SumBackward0" in ran.graph[TEXT]


@pytest.mark.parametrize("body, error, words", [
    ("y = x ** 2", RuntimeError, "scalar outputs"),
    ("y = 3", TypeError, "not a tensor"),
    ("z = x ** 2", NameError, "did not assign"),
])
def test_backward_needs_a_scalar_tensor(shell, body, error, words):
    ran = run(shell, "%%autograd --backward y\n"
                     "x = torch.tensor([2.0, 3.0], requires_grad=True)\n" + body + "\n")
    assert isinstance(ran.error, error)
    assert words in str(ran.error)
    assert "x" in shell.user_ns and ran.graph  # the forward graph is still shown


def test_text_shows_only_text(shell):
    ran = run(shell, POW.format(options=" --text"))
    assert set(ran.graph) == {TEXT}
    assert "PowBackward0" in ran.graph[TEXT]


def test_save_writes_the_svg(shell, tmp_path):
    path = tmp_path / "graph.svg"
    ran = run(shell, POW.format(options=f" --save {path}"))
    assert ran.error is None, ran.stdout
    assert path.read_text(encoding="utf-8") == ran.graph[SVG]


def test_direction_accumulate_grad_and_hiding_values(shell):
    left_right = run(shell, POW.format(options="")).graph
    top_bottom = run(shell, POW.format(options=" --direction tb")).graph
    assert top_bottom[SVG] != left_right[SVG]
    assert "AccumulateGrad" not in left_right[TEXT]
    assert "AccumulateGrad" in run(shell, POW.format(options=" --accumulate-grad")).graph[TEXT]
    quiet = run(shell, POW.format(options=" --no-values --no-grads")).graph
    assert "PowBackward0" in quiet[TEXT] and quiet[TEXT] != left_right[TEXT]


def test_max_nodes_summarises_a_long_chain(shell):
    ran = run(shell, "%%autograd --text --max-nodes 10\n"
                     "h = torch.tensor([1.0], requires_grad=True)\n"
                     "for _ in range(50):\n"
                     "    h = h * 1.01\n")
    assert ran.error is None, ran.stdout
    assert ran.graph[TEXT].count("MulBackward0") < 50


# ---------------------------------------------------------------- %grad_fn

def test_grad_fn_prints_the_chain(shell):
    shell.run_cell("x = torch.tensor([2.0, 3.0], requires_grad=True)\ny = (x ** 2).sum()")
    ran = run(shell, "%grad_fn y")
    assert ran.error is None
    assert "SumBackward0" in ran.stdout and "PowBackward0" in ran.stdout
    assert ran.stdout.index("SumBackward0") < ran.stdout.index("PowBackward0")


@pytest.mark.parametrize("expression, words", [
    ("x", "leaf"),
    ("torch.ones(2)", "does not require grad"),
    ("3", "not a tensor"),
])
def test_grad_fn_explains_what_has_none(shell, expression, words):
    shell.run_cell("x = torch.tensor([2.0, 3.0], requires_grad=True)")
    ran = run(shell, f"%grad_fn {expression}")
    assert ran.error is None
    assert words in ran.stdout


def test_grad_fn_without_an_expression_is_a_usage_error(shell):
    assert isinstance(run(shell, "%grad_fn").error, UsageError)


# ---------------------------------------------------------------- the extension

def test_unload_removes_both_magics(shell):
    magics = shell.magics_manager.magics
    assert "autograd" in magics["cell"] and "grad_fn" in magics["line"]
    shell.run_line_magic("unload_ext", "gradlab")
    assert "autograd" not in magics["cell"] and "grad_fn" not in magics["line"]
    shell.run_line_magic("load_ext", "gradlab")  # and it comes back
    assert run(shell, ADD).error is None


def test_import_gradlab_does_not_import_ipython():
    code = "import sys, gradlab; assert 'IPython' not in sys.modules, 'IPython imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- --step

STEP = """\
%%autograd --step{options}
x = torch.tensor([2.0, 3.0], requires_grad=True)
w = torch.tensor([1.0, -1.0], requires_grad=True)
y = x ** 2
loss = (y * w).sum()
"""
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_step_opens_a_stepper_for_the_last_scalar(shell):
    pytest.importorskip("ipywidgets")
    ran = run(shell, STEP.format(options=""))
    assert ran.error is None, ran.stdout
    bundle = ran.graph
    assert set(bundle) == {WIDGET, HTML, TEXT}
    assert bundle[TEXT].startswith("BackpropStepper: backward step 1 of 5")
    assert "gradient arriving at loss: grad_out = 1." in bundle[TEXT]
    assert "<svg" in bundle[HTML] and "SumBackward0" in bundle[HTML]
    assert shell.user_ns["x"].grad.tolist() == [4.0, -6.0]  # the stepper ran backward once
    assert shell.user_ns["w"].grad.tolist() == [4.0, 9.0]


def test_step_forward_mode_replays_the_cells_lines(shell, monkeypatch):
    pytest.importorskip("ipywidgets")
    from gradlab.notebook import magics

    shown = []
    monkeypatch.setattr(magics, "display", shown.append)
    assert run(shell, STEP.format(options="")).error is None
    stepper, = shown
    stepper.mode = "forward"
    titles = [record.lines[0].text for record in stepper.forward_steps]
    assert titles[:3] == [
        "forward op 1 of 5 (line 2): x = torch.tensor([2.0, 3.0], requires_grad=True)",
        "forward op 2 of 5 (line 3): w = torch.tensor([1.0, -1.0], requires_grad=True)",
        "forward op 3 of 5 (line 4): y = x ** 2",
    ]
    assert stepper.text().startswith("forward op 1 of 5 (line 2)")


def test_step_with_backward_names_the_tensor(shell):
    pytest.importorskip("ipywidgets")
    ran = run(shell, STEP.format(options=" --backward loss") + "other = x.sum()\n")
    assert ran.error is None, ran.stdout
    assert "gradient arriving at loss" in ran.graph[TEXT]
    assert shell.user_ns["x"].grad.tolist() == [4.0, -6.0]


def test_step_is_deterministic(shell):
    pytest.importorskip("ipywidgets")
    first = run(shell, STEP.format(options="")).graph
    second = run(shell, STEP.format(options="")).graph
    assert first[HTML] == second[HTML] and first[TEXT] == second[TEXT]
    assert not re.search(r"0x[0-9a-fA-F]{6,}", first[TEXT] + first[HTML])


def test_step_without_a_scalar_says_so_and_shows_the_graph(shell):
    ran = run(shell, "%%autograd --step\n"
                     "x = torch.tensor([2.0, 3.0], requires_grad=True)\n"
                     "y = x ** 2\n")
    assert ran.error is None
    assert "--step: the cell assigned no one-element tensor" in ran.stdout
    assert "PowBackward0" in ran.graph[TEXT] and WIDGET not in ran.graph


@pytest.mark.parametrize("body, error, words", [
    ("loss = (x ** 2).sum()\nloss.backward()", RuntimeError, "runs the backward pass itself"),
    ("y = x ** 2", RuntimeError, "scalar outputs"),
])
def test_step_refuses_in_plain_words(shell, body, error, words):
    name = "loss" if "loss" in body else "y"
    ran = run(shell, f"%%autograd --step --backward {name}\n"
                     "x = torch.tensor([2.0, 3.0], requires_grad=True)\n" + body + "\n")
    assert isinstance(ran.error, error)
    assert words in str(ran.error)
    assert ran.graph and WIDGET not in ran.graph  # the graph built so far is shown instead


def test_step_and_text_do_not_combine(shell):
    ran = run(shell, STEP.format(options=" --text"))
    assert isinstance(ran.error, UsageError)
    assert "x" not in shell.user_ns


def test_a_cell_whose_graph_cannot_be_read_still_runs(shell):
    """A split output whose base then changed in place has no readable grad_fn (PyTorch raises
    on reading it too): the cell's work stands and the magic says why there is no picture."""
    ran = run(shell, "%%autograd\n"
                     "x = torch.tensor([1., 2., 3., 4.], requires_grad=True)\n"
                     "base = x * 2\n"
                     "a, b = base.split(2)\n"
                     "base.mul_(3)\n"
                     "total = base.sum()")
    assert ran.error is None
    assert "the cell ran, but its graph cannot be drawn" in ran.stdout
    assert "multiple views" in ran.stdout
    assert shell.user_ns["total"].item() == 60.0


# ---------------------------------------------------------------- options read like a shell

@pytest.mark.parametrize("options, words", [
    ("--save 'my graphs/loss.svg", ["quote is not closed"]),
    ('--backward "loss', ["quote is not closed"]),
    ("--save loss.svg\\", ["lone backslash"]),
    ("--bogus", ["unrecognized arguments: --bogus", "%%autograd? lists the options"]),
    ("--direction XY", ["invalid choice"]),
    ("--max-nodes 0", ["positive whole number"]),
    ("--max-nodes many", ["positive whole number"]),
    ("--backward", ["expected one argument"]),
    ("--backward 'y.sum()'", ["variable name"]),
    ("--step --text", ["choose one"]),
])
def test_every_bad_option_is_one_usage_line(shell, options, words):
    assert_refused(shell, run(shell, POW.format(options=" " + options)), *words)


def test_quoted_save_path_with_spaces(shell, tmp_path):
    folder = tmp_path / "my graphs"
    folder.mkdir()
    for quoted in (f"'{folder}/loss.svg'", f'"{folder}/double.svg"', str(folder / "esc aped.svg").replace(" ", "\\ ")):
        ran = run(shell, POW.format(options=f" --save {quoted}"))
        assert ran.error is None, (quoted, ran.stderr)
    assert sorted(path.name for path in folder.iterdir()) == ["double.svg", "esc aped.svg",
                                                              "loss.svg"]
    assert (folder / "loss.svg").read_text(encoding="utf-8") == ran.graph[SVG]


def test_save_expands_home_and_python_variables(shell, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert run(shell, POW.format(options=" --save ~/home.svg")).error is None
    assert (tmp_path / "home.svg").is_file()
    # $name and {expression} are IPython's own expansion, as in every magic: Python values
    shell.user_ns["folder"] = str(tmp_path)
    assert run(shell, POW.format(options=" --save $folder/dollar.svg")).error is None
    assert run(shell, POW.format(options=" --save {folder}/braces.svg")).error is None
    assert (tmp_path / "dollar.svg").is_file() and (tmp_path / "braces.svg").is_file()


def test_an_environment_variable_is_not_a_python_variable(shell, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADLAB_TEST_FOLDER", str(tmp_path))  # IPython's %cd does not expand it
    ran = run(shell, POW.format(options=" --save $GRADLAB_TEST_FOLDER/g.svg"))
    assert_refused(shell, ran, "does not exist", "Python variable")


def test_save_formats_follow_the_extension(shell, tmp_path):
    for name in ("g.dot", "g.gv", "g.txt", "g.SVG"):
        ran = run(shell, POW.format(options=f" --save {tmp_path / name}"))
        assert ran.error is None, ran.stderr
    assert (tmp_path / "g.txt").read_text(encoding="utf-8") == ran.graph[TEXT]
    assert (tmp_path / "g.SVG").read_text(encoding="utf-8") == ran.graph[SVG]
    dot = (tmp_path / "g.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph autograd {") and "PowBackward0" in dot
    assert dot == (tmp_path / "g.gv").read_text(encoding="utf-8")


@pytest.mark.parametrize("target, words", [
    ("missing/g.svg", ["folder", "missing", "does not exist"]),
    ("folder", ["that is a folder", "folder/graph.svg"]),
    ("folder/", ["that is a folder"]),
    ("folder/g.png", ["cannot save a .png file", ".svg"]),
    ("folder/graph", ["without an extension"]),
    ("afile/g.svg", ["is a file, not a folder"]),
    ("'folder/a dir.svg'", ["that is a folder"]),
    ("''", ["needs a file name"]),
])
def test_an_unusable_save_path_is_refused_before_the_cell_runs(shell, tmp_path, monkeypatch,
                                                                target, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "a dir.svg").mkdir()
    (tmp_path / "afile").write_text("not a folder")
    before = sorted(path.name for path in tmp_path.rglob("*"))
    assert_refused(shell, run(shell, POW.format(options=f" --save {target}")), *words)
    assert sorted(path.name for path in tmp_path.rglob("*")) == before  # nothing written


def test_a_read_only_folder_is_refused_before_the_cell_runs(shell, tmp_path, monkeypatch):
    from gradlab.notebook import magics

    if hasattr(os, "geteuid") and os.geteuid() != 0:  # a real read-only folder (root writes anyway)
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            assert_refused(shell, run(shell, POW.format(options=f" --save {locked}/g.svg")),
                           "cannot write there", "permission denied")
        finally:
            locked.chmod(0o700)

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(magics.os, "open", read_only)  # as the kernel sees a read-only folder
    assert_refused(shell, run(shell, POW.format(options=f" --save {tmp_path}/g.svg")),
                   "cannot write there (permission denied)")
    assert not (tmp_path / "g.svg").exists()


def test_a_read_only_file_is_refused_and_left_unchanged(shell, tmp_path, monkeypatch):
    import builtins

    from gradlab.notebook import magics

    target = tmp_path / "old.svg"
    target.write_text("the student's old picture")
    real_open = builtins.open

    def refuse_writing(path, mode="r", *args, **kwargs):
        if str(path) == str(target) and mode != "r":
            raise PermissionError(13, "Permission denied")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(magics, "open", refuse_writing, raising=False)
    assert_refused(shell, run(shell, POW.format(options=f" --save {target}")), "cannot write")
    assert target.read_text() == "the student's old picture"


def test_an_existing_file_is_replaced_when_the_cell_succeeds_only(shell, tmp_path):
    target = tmp_path / "g.svg"
    target.write_text("old")
    ran = run(shell, FAILING.replace("%%autograd", f"%%autograd --save {target}"))
    assert isinstance(ran.error, NameError)
    assert target.read_text() == "old"  # checked, not touched: the cell failed
    assert run(shell, POW.format(options=f" --save {target}")).error is None
    assert target.read_text().startswith("<svg")


def test_a_save_that_fails_after_the_cell_ran_says_so_in_one_line(shell, tmp_path, monkeypatch):
    from gradlab.notebook import magics

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(magics, "save_graph", disk_full)
    ran = run(shell, POW.format(options=f" --save {tmp_path}/g.svg"))
    assert ran.error is None and shell.user_ns["x"].grad is not None  # the work stands
    assert ran.stdout == "(the graph was not saved: [Errno 28] No space left on device)\n"
    assert ran.graph  # and the picture was shown


# ---------------------------------------------------------------- top-level await

AWAITING = """\
%%autograd{options}
import asyncio
x = torch.tensor([2.0, 3.0], requires_grad=True)
await asyncio.sleep(0)
factor = await asyncio.sleep(0, result=3.0)
y = x * factor
loss = y.sum()
await asyncio.sleep(0, result=loss)
"""


@pytest.fixture
def no_running_loop():
    """A thread where no event loop runs, as in a plain IPython. IPython runs an awaiting cell on
    the loop running in its thread if there is one: in the full test run that is Playwright's
    (its sync API keeps a loop running for the browser tests' session), which cannot be re-entered."""
    running = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    yield
    asyncio._set_running_loop(running)


def test_top_level_await_works_as_in_a_plain_cell(no_running_loop, shell):
    plain = shell.run_cell("import asyncio\nawait asyncio.sleep(0, result=1)")
    assert plain.result == 1  # IPython allows it in a plain cell ...
    ran = run(shell, AWAITING.format(options=" --backward loss"))
    assert ran.error is None, ran.stdout + ran.stderr
    assert ran.result.result is shell.user_ns["loss"]  # ... and the last awaited value is Out
    assert "Out[" in ran.stdout
    assert shell.user_ns["factor"] == 3.0
    assert shell.user_ns["x"].grad.tolist() == [3.0, 3.0]
    texts = " ".join(svg_texts(ran.graph[SVG]))
    assert "MulBackward0" in texts and "SumBackward0" in texts


def test_async_for_and_async_with_work_too(no_running_loop, shell):
    ran = run(shell, "%%autograd --text\n"
                     "import contextlib\n"
                     "async def numbers():\n"
                     "    for k in (1.0, 2.0):\n"
                     "        yield k\n"
                     "x = torch.tensor([1.0], requires_grad=True)\n"
                     "async with contextlib.nullcontext():\n"
                     "    async for k in numbers():\n"
                     "        x = x * k\n")
    assert ran.error is None, ran.stdout
    assert ran.graph[TEXT].count("MulBackward0") == 2


def test_an_awaiting_cell_that_fails_reports_like_any_cell(no_running_loop, shell):
    ran = run(shell, AWAITING.format(options="").replace("loss = y.sum()", "undefined(y)"))
    assert isinstance(ran.error, NameError)
    assert re.search(r"In\[\d+\], line 7", ran.stdout)  # the student's line, counted from %%
    assert "undefined(y)" in ran.stdout
    assert ran.stdout.index("undefined") < ran.stdout.index(AFTER_ERROR)
    assert "y" in shell.user_ns


def test_an_awaiting_cell_still_checks_options_first(no_running_loop, shell, tmp_path):
    ran = run(shell, AWAITING.format(options=f" --save {tmp_path}/missing/g.svg"))
    assert isinstance(ran.error, UsageError) and "does not exist" in str(ran.error)
    assert "factor" not in shell.user_ns


def test_only_awaiting_autograd_cells_are_rewritten(shell):
    plain = "%%autograd\nx = torch.ones(2)\n"
    assert "run_cell_magic('autograd'" in shell.transform_cell(plain)
    assert shell.transform_cell("%%time\nawait f()\n").startswith("get_ipython().run_cell_magic")
    assert shell.transform_cell(AWAITING.format(options="")).startswith("await ")


def test_awaiting_outside_a_cell_is_refused_in_words(shell):
    shell.run_cell("import asyncio")
    with pytest.raises(UsageError, match="top-level await works in a cell that IPython runs"):
        shell.run_cell_magic("autograd", "", "x = 1\nawait asyncio.sleep(0)\n")
    assert "x" not in shell.user_ns


def test_without_autoawait_await_is_the_plain_cells_syntax_error(no_running_loop, shell):
    shell.autoawait = False
    try:
        plain = run(shell, "import asyncio\nawait asyncio.sleep(0)")
        ran = run(shell, AWAITING.format(options=""))
    finally:
        shell.autoawait = True
    assert isinstance(plain.error, SyntaxError) and isinstance(ran.error, SyntaxError)


def test_unload_removes_the_await_rewriting(shell):
    assert shell.transform_cell(AWAITING.format(options="")).startswith("await ")
    shell.run_line_magic("unload_ext", "gradlab")
    assert not shell.transform_cell(AWAITING.format(options="")).startswith("await ")
    shell.run_line_magic("load_ext", "gradlab")
    shell.run_line_magic("load_ext", "gradlab")  # twice: still one rewriting
    transformers = [f for f in shell.input_transformers_post if "await" in f.__name__]
    assert len(transformers) == 1


# ---------------------------------------------------------------- text safety

ODD_NAMES = """\
%%autograd{options}
x = torch.tensor([2.0, 3.0], requires_grad=True)
globals()['a\\ud800b'] = x * 2
globals()['two\\nlines <&>"\\''] = x + 1
loss = (x ** 2).sum()
"""


def test_odd_variable_names_reach_every_output_as_valid_escaped_text(shell, tmp_path):
    ran = run(shell, ODD_NAMES.format(options=f" --save {tmp_path}/g.svg"))
    assert ran.error is None, ran.stdout
    for kind, text in ran.graph.items():
        text.encode("utf-8")  # no lone surrogate: Jupyter and the file can carry it
        assert "\ud800" not in text, kind
    texts = " ".join(svg_texts(ran.graph[SVG]))  # well-formed XML
    assert "a\ufffdb" in texts and 'two\\nlines <&>"\'' in texts
    assert '<&>"' not in ran.graph[SVG]
    assert "a\ufffdb" in ran.graph[TEXT]
    assert all(not line.startswith("lines") for line in ran.graph[TEXT].splitlines())
    saved = (tmp_path / "g.svg").read_bytes().decode("utf-8")
    assert saved == ran.graph[SVG]
    grad_fn = run(shell, "%grad_fn globals()['a\\ud800b']")
    assert grad_fn.error is None and "MulBackward0" in grad_fn.stdout
    grad_fn.stdout.encode("utf-8")


def test_odd_variable_names_in_the_stepper(shell):
    pytest.importorskip("ipywidgets")
    ran = run(shell, ODD_NAMES.format(options=" --step"))
    assert ran.error is None, ran.stdout
    for kind in (HTML, TEXT):
        ran.graph[kind].encode("utf-8")
    assert '<&>"' not in ran.graph[HTML]


def test_await_and_refusals_in_a_real_kernel():
    """In ipykernel the cell runs inside the kernel's own running event loop."""
    pytest.importorskip("ipykernel")
    manager = pytest.importorskip("jupyter_client.manager")
    kernel, client = manager.start_new_kernel(kernel_name="python3")
    try:
        def execute(code):
            msg_id = client.execute(code)
            while True:  # a stale reply (an extra kernel_info from wait_for_ready) is not ours
                reply = client.get_shell_msg(timeout=60)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            outputs = []
            while True:
                message = client.get_iopub_msg(timeout=30)
                if message["parent_header"].get("msg_id") != msg_id:
                    continue
                if message["msg_type"] == "status" \
                        and message["content"]["execution_state"] == "idle":
                    return reply["content"]["status"], outputs
                if message["msg_type"] in ("stream", "display_data", "execute_result", "error"):
                    outputs.append(message["content"])

        assert execute("%load_ext gradlab\nimport gradlab as torch, asyncio")[0] == "ok"
        status, outputs = execute("%%autograd --backward loss\n"
                                  "x = torch.tensor([2.0], requires_grad=True)\n"
                                  "k = await asyncio.sleep(0.01, result=3.0)\n"
                                  "loss = (x * k).sum()\n")
        assert status == "ok", outputs
        assert any("image/svg+xml" in output.get("data", {}) for output in outputs)
        status, outputs = execute("print(x.grad.item())")
        assert outputs[-1]["text"] == "3.0\n"
        status, outputs = execute("%%autograd --save /no/such/folder/g.svg\nran = True")
        assert status == "error"  # Run All stops here
        assert outputs == [{"name": "stderr", "text": "UsageError: %%autograd --save "
                            "/no/such/folder/g.svg: the folder /no/such/folder does not exist; "
                            "create it first, or save elsewhere\n"}]
        execute("globals()['a\\ud800b'] = torch.tensor([1.], requires_grad=True)")
        status, outputs = execute("%%autograd\nz = globals()['a\\ud800b'] * 2")
        assert status == "ok", outputs  # the kernel could send it: valid UTF-8
        assert "a\ufffdb" in outputs[0]["data"]["text/plain"]
    finally:
        client.stop_channels()
        kernel.shutdown_kernel(now=True)
