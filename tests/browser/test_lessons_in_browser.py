"""Every lesson, run in JupyterLab in headless Chromium, as a student would see it.

Each lesson: Run All Cells, no error output (cells tagged ``raises-exception`` excepted), an SVG graph
under each ``%%autograd`` cell. Then the widgets and an exercise, by mouse and keyboard.
"""
import re

import pytest

from gradlab.lessons import available_lessons

pytestmark = pytest.mark.browser

LESSON_NAMES = [lesson.name for lesson in available_lessons()]
STEPPER_LESSON = next(name for name in LESSON_NAMES if name.startswith("04_"))
DERIVATIVE_LESSON = next(name for name in LESSON_NAMES if name.startswith("01_"))
KEEP_OPEN = {STEPPER_LESSON, DERIVATIVE_LESSON}  # the interaction tests below reuse these pages

ERROR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
HIGHLIGHTED_NODE = """(root) => {
    const mark = root.querySelector('g.gradlab-node rect[fill="#ffe082"]');
    return mark ? mark.closest('g.gradlab-node').getAttribute('data-node') : null;
}"""


def _expect():
    from playwright.sync_api import expect
    return expect


def _error_text(cell):
    """The error a cell shows, or ''."""
    for output in cell.locator(ERROR_OUTPUT).all():
        text = output.inner_text()
        if "Traceback" in text or "Error" in text:
            return text
    for output in cell.locator(".jp-OutputArea-output .jp-RenderedText").all():
        text = output.inner_text()
        if "Traceback" in text or re.search(r"\b\w*Error\b", text):
            return text
    return ""


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_lesson_runs_without_errors_and_draws_its_graphs(notebooks, name):
    notebook = notebooks.open(name)
    try:
        notebook.screenshot(notebooks.screenshots, name.removesuffix(".ipynb"))
        errors = {}
        for index in notebook.code_indices():
            if "raises-exception" in notebook.tags(index):
                continue
            text = _error_text(notebook.cell(index))
            if text:
                errors[index] = text[:600]
        assert not errors, f"{name}: cells show errors: {errors}"
        autograd = notebook.code_indices("%%autograd")
        without_graph = [index for index in autograd
                         if notebook.cell(index).locator(".jp-OutputArea svg").count() == 0]
        assert not without_graph, f"{name}: %%autograd cells {without_graph} show no SVG graph"
    finally:
        if name not in KEEP_OPEN:
            notebooks.close(name)


def test_stepper_next_back_reset(notebooks):
    expect = _expect()
    notebook = notebooks.open(STEPPER_LESSON)
    index = notebook.code_indices("%%autograd --step")[0]
    cell = notebook.cell(index)
    output = cell.locator(".jp-OutputArea")
    next_button = output.get_by_role("button", name="Next", exact=True)
    next_button.scroll_into_view_if_needed()
    panel = output.locator(".widget-htmlmath").first
    graph = output.locator(".gradlab-stepper-graph").first
    expect(output.get_by_role("button", name="Back", exact=True)).to_be_visible()
    expect(output.get_by_role("button", name="Reset", exact=True)).to_be_visible()
    expect(panel).not_to_be_empty()

    def state():
        return panel.inner_text(), graph.evaluate(HIGHLIGHTED_NODE)

    history = [state()]
    first_text, first_node = history[0]
    assert first_node is not None, "the first step highlights no node"
    assert re.search(r"step 1 of \d+", first_text), first_text
    for step in (2, 3, 4):
        next_button.click()
        expect(panel).to_contain_text(f"step {step} of")
        expect(graph.locator('g.gradlab-node rect[fill="#ffe082"]')).to_have_count(1)
        history.append(state())
    texts = [text for text, _ in history]
    nodes = [node for _, node in history]
    assert len(set(texts)) == len(texts), texts
    assert len(set(nodes)) > 1, f"the highlighted node never moved: {nodes}"
    cell.scroll_into_view_if_needed()
    notebook.screenshot(notebooks.screenshots, "04_stepper_after_three_steps")

    output.get_by_role("button", name="Back", exact=True).click()
    expect(panel).to_contain_text("step 3 of")
    assert panel.inner_text() == texts[2]
    assert graph.evaluate(HIGHLIGHTED_NODE) == nodes[2]

    output.get_by_role("button", name="Reset", exact=True).click()
    expect(panel).to_contain_text("step 1 of")
    assert panel.inner_text() == first_text
    assert graph.evaluate(HIGHLIGHTED_NODE) == first_node


def test_derivative_plot_slider_moves_the_readout(notebooks):
    expect = _expect()
    notebook = notebooks.open(DERIVATIVE_LESSON)
    index = notebook.code_indices("DerivativePlot(")[0]
    output = notebook.cell(index).locator(".jp-OutputArea")
    readout = output.locator(".widget-html").last  # picture, slider, readout
    expect(readout).to_contain_text("(autograd)")
    before = readout.inner_text()
    handle = output.locator(".widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(3):
        handle.press("ArrowLeft")
    expect(readout).not_to_have_text(before)
    after = readout.inner_text()
    slope = re.compile(r"f′\(x\) = ([^ ]+)")
    assert slope.search(before) and slope.search(after), (before, after)
    assert slope.search(before).group(1) != slope.search(after).group(1), (before, after)
    notebook.screenshot(notebooks.screenshots, "01_derivative_slider_moved")


def _answer(notebook, index, source):
    """Replace the cell's text in its CodeMirror editor and run it (Shift+Enter)."""
    expect = _expect()
    cell = notebook.cell(index)
    editor = cell.locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page = notebook.page
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    expect(editor).to_have_text("")
    page.keyboard.insert_text(source)
    expect(editor).to_contain_text(source.splitlines()[0])
    page.keyboard.press("Shift+Enter")
    return cell.locator(".jp-OutputArea")


def test_exercise_feedback_for_a_right_and_a_wrong_answer(notebooks):
    expect = _expect()
    notebook = notebooks.open(DERIVATIVE_LESSON)
    index = next(i for i in notebook.code_indices("answer = ...")
                 if "gradient_of_square.check" in "".join(notebook.cells[i]["source"]))
    output = _answer(notebook, index, "answer = torch.tensor([-2.0, 1.0, 8.0])\n"
                                      "exercises.gradient_of_square.check(answer)")
    expect(output).to_contain_text("✓ Correct", timeout=30_000)
    notebook.wait_idle()
    output = _answer(notebook, index, "answer = torch.tensor([1.0, 0.25, 16.0])\n"
                                      "exercises.gradient_of_square.check(answer)")
    expect(output).to_contain_text("✗ Not yet", timeout=30_000)
    expect(output).not_to_contain_text("✓ Correct")
    notebook.screenshot(notebooks.screenshots, "01_exercise_not_yet")
