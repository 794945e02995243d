"""%%autograd and %grad_fn (gradlab/notebook/magics.py), run in a real IPython shell."""
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
    assert isinstance(ran.error, UsageError)
    assert "usage: %%autograd" in ran.stderr
    assert "x" not in shell.user_ns  # the cell did not run


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
