"""%%autograd --step over a long session (gradlab/notebook/magics.py): re-running a cell closes the
stepper it showed before, so memory stays flat — in an IPython shell, and in a real ipykernel
driven through jupyter_client as JupyterLab drives it (each cell sent with its ``cellId``).

The rest of the magics' behaviour is in test_magics.py.
"""
import queue
import sys

import pytest

pytest.importorskip("IPython")
pytest.importorskip("ipywidgets")
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

from gradlab.notebook import magics

STEP = """\
%%autograd --step
x = torch.tensor([2.0, 3.0], requires_grad=True)
loss = (x ** 2).sum()
"""

# a 1,000-node graph: 500 multiply-adds, each two grad_fn nodes
CHAIN = """\
%%autograd --step
x = torch.tensor([0.5], requires_grad=True)
w = torch.tensor([0.9], requires_grad=True)
b = torch.tensor([0.1], requires_grad=True)
y = x
for _ in range(500):
    y = y * w + b
loss = y.sum()
"""


@pytest.fixture
def shell(monkeypatch):
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ipython = InteractiveShell.instance(config=config)
    ipython.run_line_magic("load_ext", "gradlab")
    ipython.run_cell("import gradlab as torch")
    shown = []
    monkeypatch.setattr(magics, "display", shown.append)
    ipython.shown = shown
    yield ipython
    ipython.run_line_magic("unload_ext", "gradlab")
    ipython.reset(new_session=False)


def run(shell, cell, cell_id=None):
    with capture_output():
        result = shell.run_cell(cell, store_history=True, cell_id=cell_id)
    assert result.error_in_exec is None and result.error_before_exec is None
    return shell.shown[-1]


def test_rerunning_a_cell_closes_the_stepper_it_showed(shell):
    first = run(shell, STEP, cell_id="cell-a")
    other = run(shell, STEP.replace("2.0", "5.0"), cell_id="cell-b")
    assert not first.closed and not other.closed
    second = run(shell, STEP, cell_id="cell-a")  # cell-a again
    assert first.closed and not second.closed and not other.closed
    edited = run(shell, STEP.replace("2.0", "4.0"), cell_id="cell-a")  # edited, same cell
    assert second.closed and not edited.closed and not other.closed


def test_without_cell_ids_the_same_text_is_the_same_cell(shell):
    first = run(shell, STEP)
    other = run(shell, STEP.replace("2.0", "5.0"))
    second = run(shell, STEP)
    assert first.closed and not other.closed and not second.closed


def test_rerunning_without_step_also_closes_the_old_stepper(shell):
    first = run(shell, STEP, cell_id="cell-a")
    graph_display = run(shell, STEP.replace(" --step", ""), cell_id="cell-a")
    assert first.closed and not hasattr(graph_display, "closed")


def test_a_stepper_the_student_closed_is_forgotten(shell):
    run(shell, STEP, cell_id="cell-a").close()
    run(shell, STEP, cell_id="cell-b")
    assert list(shell.magics_manager.registry["AutogradMagics"]._steppers) == ["cell-b"]


# ---------------------------------------------------------------- a real kernel, 100 cells

RSS = "int(open('/proc/self/statm').read().split()[1]) * __import__('os').sysconf('SC_PAGE_SIZE')"
MEASURE = ("import gc; gc.collect(); "
           "from ipywidgets.widgets.widget import _instances as _gradlab_widgets")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the kernel's RSS in /proc")
def test_100_step_cells_in_a_real_kernel_keep_memory_flat():
    """JupyterLab re-running one ``%%autograd --step`` cell on a 1,000-node graph 100 times:
    the kernel's memory grows by less than 20 MB (it grew +149 MB before close()). About 12 s:
    not marked slow."""
    manager = pytest.importorskip("jupyter_client.manager")
    kernel, client = manager.start_new_kernel(kernel_name="python3")
    try:
        def execute(code, cell_id=None, expressions=None):
            content = dict(code=code, silent=False, store_history=True, allow_stdin=False,
                           user_expressions=expressions or {}, stop_on_error=True)
            message = client.session.msg("execute_request", content,
                                         metadata={"cellId": cell_id} if cell_id else {})
            client.shell_channel.send(message)
            while True:
                reply = client.get_shell_msg(timeout=120)
                if reply["parent_header"].get("msg_id") == message["header"]["msg_id"]:
                    break
            while True:  # drop the outputs: the widget states are large, nobody reads them here
                try:
                    client.get_iopub_msg(timeout=0.01)
                except queue.Empty:
                    break
            assert reply["content"]["status"] == "ok", reply["content"]
            return {name: value["data"]["text/plain"]
                    for name, value in reply["content"]["user_expressions"].items()}

        def measure():
            found = execute(MEASURE, expressions={"rss": RSS, "widgets": "len(_gradlab_widgets)"})
            return int(found["rss"]), int(found["widgets"])

        execute("%load_ext gradlab\nimport gradlab as torch")
        for _ in range(5):  # warm up: imports, caches, the first widgets' classes
            execute(CHAIN, cell_id="chain-cell")
        rss, widgets = measure()
        for _ in range(100):
            execute(CHAIN, cell_id="chain-cell")
        grown_rss, grown_widgets = measure()
        assert grown_widgets == widgets  # only the last stepper is open, as before
        assert grown_rss - rss < 20_000_000, f"+{(grown_rss - rss) / 1e6:.1f} MB after 100 cells"
    finally:
        client.stop_channels()
        kernel.shutdown_kernel(now=True)
