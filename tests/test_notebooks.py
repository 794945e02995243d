"""What nbval does not catch in the stored lessons (see shared/ECOSYSTEM.md, "Traps").

nbval replays each lesson and compares outputs, but an IPython ``UsageError``
(unknown magic, bad option, extension not loaded) is printed to stderr and
passes; a cell saved with ``execution_count: null`` is run but not compared;
``raises-exception`` does not check that anything was raised. So this reads
every stored lesson and rejects those, plus lessons without goals, a summary
or 2–4 exercises. nbval does not compare the bytes of a matplotlib figure
either (they change with matplotlib's version: tests/nbval_sanitize.cfg), so
each lesson's ``DerivativePlot`` is rebuilt here and checked for what it shows.
"""
import html
import importlib
import json
import re

import nbformat
import numpy as np
import pytest

import gradlab
from gradlab.lessons import available_lessons
from gradlab.exercises.core import NOT_ANSWERED, Exercise

LESSONS = available_lessons()
EXPECTED = [
    "01_differentiable_functions.ipynb", "02_requires_grad_and_leaves.ipynb",
    "03_the_computational_graph.ipynb", "04_backprop_step_by_step.ipynb",
    "05_non_differentiable_operations.ipynb", "06_broadcasting_and_reductions.ipynb",
    "07_custom_functions_and_gradcheck.ipynb", "08_activations_losses_higher_order.ipynb",
    "09_training_a_network.ipynb", "10_vector_jacobian_products.ipynb",
    "11_when_autograd_says_no.ipynb", "12_build_your_own_engine.ipynb",
    "13_backprop_by_hand.ipynb",
]
CHECK_CALL = re.compile(r"\bexercises\.(\w+)\.check\(")


def source(cell):
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def output_texts(output):
    """Every piece of text an output holds (stream, error, and text-like data)."""
    if output.get("output_type") == "stream":
        yield source({"source": output.get("text", "")})
    elif output.get("output_type") == "error":
        yield output.get("ename", "")
        yield output.get("evalue", "")
        yield "\n".join(output.get("traceback", []))
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") or mime == "image/svg+xml":  # not base64 images or widget JSON
            yield source({"source": value})


def code_cells(notebook):
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.fixture(params=LESSONS, ids=[lesson.path.stem for lesson in LESSONS])
def lesson(request):
    lesson = request.param
    lesson.notebook = json.loads(lesson.path.read_text(encoding="utf-8"))
    return lesson


def test_the_lessons_are_all_there():
    assert [lesson.name for lesson in LESSONS] == EXPECTED


def test_valid_notebook_with_the_python3_kernel(lesson):
    nbformat.validate(nbformat.reads(lesson.path.read_text(encoding="utf-8"), as_version=4))
    assert lesson.notebook["metadata"]["kernelspec"]["name"] == "python3"


def test_no_hidden_usage_error(lesson):
    for number, cell in enumerate(code_cells(lesson.notebook), 1):
        for output in cell.get("outputs", []):
            for text in output_texts(output):
                assert "UsageError" not in text, (
                    f"code cell {number} printed a UsageError (nbval lets it pass):\n{text}\n"
                    f"--- cell ---\n{source(cell)}")


def test_no_traceback_hidden_in_stderr(lesson):
    for number, cell in enumerate(code_cells(lesson.notebook), 1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                assert "Traceback" not in source({"source": output["text"]}), (
                    f"code cell {number} printed a traceback to stderr:\n{source(cell)}")


def test_errors_only_where_tagged_and_tagged_cells_really_raise(lesson):
    for number, cell in enumerate(code_cells(lesson.notebook), 1):
        errors = [output for output in cell.get("outputs", []) if output.get("output_type") == "error"]
        if "raises-exception" in tags(cell):
            assert errors, (f"code cell {number} is tagged raises-exception but raised nothing "
                            f"(nbval would not notice):\n{source(cell)}")
        else:
            assert not errors, (f"code cell {number} stored an error "
                                f"({errors[0].get('ename')}: {errors[0].get('evalue')}) without the "
                                f"raises-exception tag:\n{source(cell)}")


def test_stored_errors_show_no_path_of_the_machine_that_ran_them(lesson):
    for number, cell in enumerate(code_cells(lesson.notebook), 1):
        for output in cell.get("outputs", []):
            for text in output_texts(output):
                plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
                assert not re.search(r"File (/|[A-Za-z]:\\)\S*gradlab", plain), (
                    f"code cell {number} stored an absolute path; re-run "
                    f"`python scripts/execute_lessons.py {lesson.number}` (it makes them relative)")


def test_every_code_cell_ran_once_in_order(lesson):
    counts = [cell.get("execution_count") for cell in code_cells(lesson.notebook)]
    unexecuted = [number for number, count in enumerate(counts, 1) if count is None]
    assert not unexecuted, (f"code cells {unexecuted} were saved unexecuted (nbval does not compare "
                            f"them); run `python scripts/execute_lessons.py {lesson.number}`")
    assert counts == list(range(1, len(counts) + 1)), (
        f"execution counts {counts}: the stored outputs are not from one clean top-to-bottom run; "
        f"run `python scripts/execute_lessons.py {lesson.number}`")


def test_goals_at_the_top_and_summary_at_the_end(lesson):
    cells = lesson.notebook["cells"]
    headings = [(index, line.lstrip("#").strip()) for index, cell in enumerate(cells)
                if cell["cell_type"] == "markdown"
                for line in source(cell).splitlines() if line.startswith("#")]
    assert cells[0]["cell_type"] == "markdown" and source(cells[0]).startswith("# "), "no title"
    goals = [index for index, text in headings if text.lower().startswith("goals")]
    assert goals and goals[0] <= 1, "a 'Goals' heading belongs in the first cells"
    summary = [index for index, text in headings if text.lower().startswith("summary")]
    assert summary and summary[-1] >= len(cells) - 2, "a 'Summary' heading belongs at the end"
    last_check = max(index for index, cell in enumerate(cells) if CHECK_CALL.search(source(cell)))
    assert summary[-1] > last_check, "the summary comes after the exercises"


def test_first_code_cell_imports_gradlab_as_torch(lesson):
    cells = code_cells(lesson.notebook)
    assert "import gradlab as torch" in source(cells[0])
    uses_magics = any(re.search(r"^%%autograd|^%grad_fn", source(cell), re.M) for cell in cells)
    if uses_magics:
        first_magic = next(i for i, cell in enumerate(cells)
                           if re.search(r"^%%autograd|^%grad_fn", source(cell), re.M))
        assert any("%load_ext gradlab" in source(cell) for cell in cells[:first_magic]), (
            "the magics are used before %load_ext gradlab")


def test_two_to_four_exercises_from_this_lessons_module(lesson):
    sources = [source(cell) for cell in code_cells(lesson.notebook)]
    module_name = f"lesson{lesson.number}"
    assert any(f"from gradlab.exercises import {module_name} as exercises" in text for text in sources), (
        f"the lesson should import its exercises: from gradlab.exercises import {module_name} as exercises")
    names = list(dict.fromkeys(name for text in sources for name in CHECK_CALL.findall(text)))
    assert 2 <= len(names) <= 4, f"{len(names)} exercises checked ({names}); a lesson has 2 to 4"
    module = importlib.import_module(f"gradlab.exercises.{module_name}")
    for name in names:
        assert isinstance(getattr(module, name, None), Exercise), f"{module_name} has no exercise {name}"


def test_stored_exercises_are_unanswered(lesson):
    """The student gets placeholders, not the answers: every stored check says 'not answered yet'."""
    for cell in code_cells(lesson.notebook):
        if CHECK_CALL.search(source(cell)):
            printed = "".join(source({"source": output.get("text", "")})
                              for output in cell.get("outputs", []) if output.get("output_type") == "stream")
            assert printed.startswith(NOT_ANSWERED), (
                f"this exercise cell's stored output is not '{NOT_ANSWERED} …':\n{source(cell)}\n"
                f"--- printed ---\n{printed}")


def test_execute_lessons_runs_from_a_clean_kernel_in_the_lessons_folder(tmp_path):
    """scripts/execute_lessons.py: fixed cwd and hash seed, counts from 1, tagged errors allowed."""
    import importlib.util
    import pathlib

    script = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "execute_lessons.py"
    spec = importlib.util.spec_from_file_location("execute_lessons", script)
    execute_lessons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(execute_lessons)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Lesson 0 · Test"),
        nbformat.v4.new_code_cell("import os\nprint(os.getcwd(), os.environ['PYTHONHASHSEED'])"),
        nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
        nbformat.v4.new_code_cell("print('after')"),
    ]
    path = tmp_path / "00_test.ipynb"
    nbformat.write(notebook, path)
    execute_lessons.execute(path, timeout=60)
    cells = code_cells(json.loads(path.read_text()))
    assert [cell["execution_count"] for cell in cells] == [1, 2, 3]
    assert source({"source": cells[0]["outputs"][0]["text"]}) == f"{tmp_path} {execute_lessons.HASH_SEED}\n"
    assert cells[1]["outputs"][0]["ename"] == "ZeroDivisionError"
    assert source({"source": cells[2]["outputs"][0]["text"]}) == "after\n"
    assert "execution" not in cells[0]["metadata"]  # no timing noise in the diff


# ---------------------------------------------------------------------------
# the plots: what each lesson's DerivativePlot shows (nbval skips its SVG bytes)
# ---------------------------------------------------------------------------

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# a plot's title: f and f′ written with NumPy, and the kinks and jumps in the plotted range
PLOTTED = {
    "f(x) = x²": (np.square, lambda x: 2 * x, []),
    "sin": (np.sin, np.cos, []),
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x)), []),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2, []),
    "relu": (lambda x: np.maximum(x, 0), lambda x: np.where(x > 0, 1.0, 0.0), [("kink", 0)]),
    "abs": (np.abs, np.sign, [("kink", 0)]),
    "round": (np.round, np.zeros_like, [("jump", -1.5), ("jump", -0.5), ("jump", 0.5), ("jump", 1.5)]),
}
PLOT_CELLS = [
    (lesson, cell) for lesson in LESSONS
    for cell in code_cells(json.loads(lesson.path.read_text(encoding="utf-8")))
    if source(cell).lstrip().startswith("DerivativePlot(")
]


def _stored_texts(cell):
    """The words in the SVG picture stored under the cell (title, axis labels, legends, ticks)."""
    stored = "".join(source({"source": output["data"]["text/html"]}) for output in cell["outputs"]
                     if "text/html" in output.get("data", {}))
    return [html.unescape(text) for text in re.findall(r"<text\b[^>]*>([^<]*)</text>", stored)]


def test_the_lessons_have_plots():
    assert len(PLOT_CELLS) >= 5


@pytest.mark.parametrize("lesson, cell", PLOT_CELLS,
                         ids=[f"{lesson.number}-{source(cell).strip()}" for lesson, cell in PLOT_CELLS])
def test_each_plot_shows_its_function_its_derivative_and_its_kinks(lesson, cell):
    pytest.importorskip("ipywidgets")
    pytest.importorskip("matplotlib")
    from gradlab.widgets import DerivativePlot

    plot = eval(source(cell), {"torch": gradlab, "DerivativePlot": DerivativePlot})
    try:
        assert plot.title in PLOTTED, f"no reference for the plot {plot.title!r}: add f, f′ and its kinks"
        f, derivative, special_points = PLOTTED[plot.title]
        top, bottom = plot.axes
        assert plot.figure.get_suptitle() == plot.title
        assert (top.get_ylabel(), bottom.get_ylabel(), bottom.get_xlabel()) == ("f(x)", "f′(x)", "x")
        assert [(point.kind, point.x) for point in plot.special_points] == special_points

        # the curves (the longest line in each axes), away from the kinks and jumps
        for axes, expected in ((top, f), (bottom, derivative)):
            line = max(axes.get_lines(), key=lambda line: len(line.get_xdata()))
            xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
            assert (xs.min(), xs.max()) == (plot.low, plot.high)
            away = np.isfinite(ys)
            for point in plot.special_points:
                away &= np.abs(xs - point.x) > 1e-9
            assert away.sum() >= plot.points - 2 * len(plot.special_points)
            np.testing.assert_allclose(ys[away], expected(xs[away]), rtol=1e-9, atol=1e-12)

        # the point and the tangent through it, with autograd's slope
        assert plot.value == pytest.approx(f(plot.x), rel=1e-12, abs=1e-12)
        if plot.special is None:
            assert plot.slope == pytest.approx(derivative(plot.x), rel=1e-12, abs=1e-12)
        (x0, y0), (x1, y1) = plot.tangent
        assert x0 <= plot.x <= x1
        assert (y1 - y0) / (x1 - x0) == pytest.approx(plot.slope, rel=1e-9, abs=1e-12)
        assert y0 + plot.slope * (plot.x - x0) == pytest.approx(plot.value, rel=1e-9, abs=1e-12)

        # the picture stored in the lesson shows the same title, labels and legends
        shown = [plot.title, "f(x)", "f′(x)", "x"] + [
            text.get_text() for axes in plot.axes for text in axes.get_legend().get_texts()]
        stored = _stored_texts(cell)
        missing = [text for text in shown if text not in stored]
        assert not missing, (f"the stored picture lacks {missing}: it is out of date; "
                             f"run `python scripts/execute_lessons.py {lesson.number}`")
    finally:
        for widget in (*plot.children, plot):
            widget.close()
