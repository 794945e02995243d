"""gradlab.widgets.BackpropStepper (gradlab/widgets/stepper.py), driven from Python (no browser).

The recording it shows and its chain-rule text have their own tests: test_viz_recording.py,
test_viz_chain_rule.py.
"""
import re
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
import gradlab
from gradlab.viz import capture
from gradlab.widgets import BackpropStepper
from gradlab.widgets._fallback import static_bundle
from recording_checks import line, mixed, record_of

WIDGET = "application/vnd.jupyter.widget-view+json"
HTML, TEXT = "text/html", "text/plain"
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


# ---------------------------------------------------------------- the records it shows are the engine's

def test_after_creation_the_grads_are_those_of_backward():
    loss, leaves = mixed(gradlab)
    stepper = BackpropStepper(loss, names=leaves)
    reference, reference_leaves = mixed(gradlab)
    reference.backward()
    for name in ("a", "b", "x"):
        assert np.array_equal(leaves[name].grad.numpy(), reference_leaves[name].grad.numpy()), name
    assert stepper.position == 0  # the student sees step 1, the walk is already complete


def test_a_partial_walk_shows_leaves_partly_filled():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    w = gradlab.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * w).sum()
    stepper = BackpropStepper(loss, names={"x": x, "w": w})
    names = [record.name for record in stepper.steps]
    assert names == ["SumBackward0", "MulBackward0", "AccumulateGrad", "AccumulateGrad"]
    first_leaf, other = "x", "w"  # PyTorch's order: MulBackward0's first input first
    assert stepper.steps[2].changed[0][0].label == first_leaf
    stepper.goto(2)  # one leaf filled, the other not yet
    assert re.search(rf"{first_leaf}\s+\.grad = \[\S+, \S+\]\s+◀ changed now", stepper.text())
    assert re.search(rf"{other}\s+\.grad = None", stepper.text())
    assert x.grad.tolist() == [3.0, 4.0] and w.grad.tolist() == [1.0, 2.0]  # real .grad: final
    stepper.goto(1)  # Back: from the copies, nothing recomputed
    assert re.search(r"x\s+\.grad = None", stepper.text()) and re.search(r"w\s+\.grad = None",
                                                                        stepper.text())
    stepper.goto(3)
    assert re.search(r"x\s+\.grad = \[3\., 4\.\]", stepper.text())
    assert re.search(r"w\s+\.grad = \[1\., 2\.\]", stepper.text())


def test_the_hover_grad_in_the_picture_follows_the_step():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * 3).sum()
    stepper = BackpropStepper(loss, names={"x": x})
    assert "grad: None" in _box(stepper.svg(), stepper.graph.node_id(x))
    stepper.goto(-1)
    assert "grad: [3., 3.]" in _box(stepper.svg(), stepper.graph.node_id(x))


def _box(svg, node_id):
    match = re.search(rf'<g class="gradlab-node[^"]*" data-node="{node_id}".*?</g>', svg, re.S)
    assert match, node_id
    return match.group(0)


# ---------------------------------------------------------------- moving through the steps

def test_next_previous_goto_reset_move_the_view():
    loss, leaves = mixed(gradlab)
    stepper = BackpropStepper(loss, names=leaves)
    first = (stepper._panel.value, stepper._picture.value, stepper.text())
    assert stepper.text().startswith(f"backward step 1 of {len(stepper.steps)}: SumBackward0")
    assert stepper.next().index == 1 and stepper.position == 1
    assert stepper.text().startswith("backward step 2 of")
    assert (stepper._panel.value, stepper._picture.value) != first[:2]
    assert stepper.previous().index == 0 and stepper.position == 0
    assert stepper.previous().index == 0  # stays on the first step
    stepper.goto(4)
    assert stepper.position == 4 and stepper._slider.value == 5
    assert stepper.text().startswith("backward step 5 of")
    stepper.goto(-1)
    assert stepper.position == len(stepper.steps) - 1
    assert stepper.next().index == len(stepper.steps) - 1  # stays on the last step
    with pytest.raises(IndexError, match="numbered 0 to"):
        stepper.goto(len(stepper.steps))
    stepper.mode = "forward"
    stepper.goto(2)
    stepper.reset()
    assert stepper.mode == "backward" and stepper.position == 0
    assert (stepper._panel.value, stepper._picture.value, stepper.text()) == first


def test_the_running_node_is_highlighted():
    loss, leaves = mixed(gradlab)
    stepper = BackpropStepper(loss, names=leaves)
    for k in (0, 3, len(stepper.steps) - 1):
        record = stepper.goto(k)
        assert record.node_id is not None
        assert 'fill="#ffe082"' in _box(stepper.svg(), record.node_id)
        assert stepper.svg().count('fill="#ffe082"') == 1


def test_reusing_the_arrows_draws_what_render_draws():
    from gradlab.viz.svg import render

    loss, leaves = mixed(gradlab)
    stepper = BackpropStepper(loss, names=leaves)
    for k in (0, 2, len(stepper.steps) - 1, 1):
        record = stepper.goto(k)
        expected = render(stepper._graph_at(k), stepper._recording.placed, highlight=(record.node_id,))
        assert stepper.svg() == expected
    assert stepper._edges  # the arrows were drawn once and reused


def test_buttons_slider_and_play_drive_the_stepper():
    loss, leaves = mixed(gradlab)
    stepper = BackpropStepper(loss, names=leaves)
    assert (stepper._back.description, stepper._next.description, stepper._reset.description) == \
        ("Back", "Next", "Reset")
    for button in (stepper._back, stepper._next, stepper._reset):
        assert button.tooltip.startswith(button.description)
    assert stepper._play.description == "Play" and stepper._play.tooltip
    link = stepper._link  # Play and the slider move together in the browser
    assert link.source == (stepper._play, "value") and link.target == (stepper._slider, "value")
    stepper._next.click()
    stepper._next.click()
    assert stepper.position == 2
    stepper._back.click()
    assert stepper.position == 1
    stepper._slider.value = 6
    assert stepper.position == 5 and stepper.text().startswith("backward step 6 of")
    stepper._reset.click()
    assert stepper.position == 0 and stepper._slider.value == 1 == stepper._play.value
    assert stepper._slider.max == len(stepper.steps)


# ---------------------------------------------------------------- the gradient table

def test_retained_grads_are_in_the_table():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    loss = y.sum()
    stepper = BackpropStepper(loss, names={"x": x, "y": y})
    mul = record_of(stepper, "MulBackward0")
    assert "y.grad (retain_grad) = [1., 1.]" in mul.text
    stepper.goto(mul.index)
    assert re.search(r"y\s+\.grad = \[1\., 1\.\]\s+◀ changed now", stepper.text())
    assert y.grad.tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- refusals, in plain words

def test_a_non_scalar_output_needs_a_gradient():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        BackpropStepper(y)
    assert x.grad is None  # nothing ran
    stepper = BackpropStepper(y, gradient=gradlab.tensor([1.0, 10.0]), names={"x": x, "y": y})
    assert x.grad.tolist() == [2.0, 20.0]
    assert line(stepper.steps[0], "gradient arriving") == \
        "gradient arriving at y: grad_out = [ 1., 10.]   (the gradient= you passed)"


def test_a_freed_graph_is_explained():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    loss = (x ** 2).sum()
    loss.backward()
    with pytest.raises(RuntimeError) as error:
        BackpropStepper(loss)
    message = str(error.value)
    assert "already used by a backward pass" in message
    assert "Run the forward computation again" in message and "retain_graph=True" in message
    assert x.grad.tolist() == [2.0, 4.0]  # not changed by the refused stepper


def test_a_tensor_without_graph_is_refused():
    with pytest.raises(RuntimeError, match="does not require grad"):
        BackpropStepper(gradlab.tensor(3.0))
    with pytest.raises(TypeError, match="needs a tensor"):
        BackpropStepper(3.0)


def test_a_leaf_output_is_one_accumulate_step():
    w = gradlab.tensor(2.0, requires_grad=True)
    stepper = BackpropStepper(w, names={"w": w})
    assert [r.name for r in stepper.steps] == ["AccumulateGrad"]
    assert w.grad.item() == 1.0
    assert "w.grad was None" in stepper.text()


# ---------------------------------------------------------------- the forward replay

def test_forward_mode_replays_a_capture_in_creation_order():
    with capture() as cap:
        x = gradlab.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        loss = (y * x).sum()
    stepper = BackpropStepper(loss, capture=cap, names={"x": x, "y": y, "loss": loss})
    stepper.mode = "forward"
    assert stepper.position == 0 and stepper._slider.max == len(stepper.forward_steps) == 4
    titles = [record.lines[0].text for record in stepper.forward_steps]
    assert [re.sub(r" \(line \d+\)", "", t) for t in titles] == [
        "forward op 1 of 4: x = gradlab.tensor([2.0, 3.0], requires_grad=True)",
        "forward op 2 of 4: y = x ** 2",
        "forward op 3 of 4: loss = (y * x).sum()",
        "forward op 4 of 4: loss = (y * x).sum()",
    ]
    assert "PowBackward0 recorded: out = a ** exponent" in stepper.forward_steps[1].text
    assert "kept for backward: a = [2., 3.], exponent = 2" in stepper.forward_steps[1].text
    # what the forward pass has not built yet is faded
    assert stepper.svg().count('opacity="0.15"') > 0
    stepper.goto(-1)
    assert 'opacity="0.15"' not in stepper.svg()
    stepper.mode = "backward"
    assert stepper.text().startswith("backward step 1 of")


# ---------------------------------------------------------------- what a saved notebook shows

def test_the_static_fallback_is_deterministic_and_has_no_addresses():
    bundles = []
    for _ in range(2):
        loss, leaves = mixed(gradlab)
        stepper = BackpropStepper(loss, names=leaves)
        stepper.goto(3)
        bundles.append(stepper._repr_mimebundle_())
    first, second = bundles
    assert set(first) == {WIDGET, HTML, TEXT}
    assert first[HTML] == second[HTML] and first[TEXT] == second[TEXT]
    for text in (first[HTML], first[TEXT]):
        assert not ADDRESS.search(text)
    assert "<svg" in first[HTML] and "backward step 4 of" in first[HTML]
    assert first[TEXT].startswith("BackpropStepper: backward step 4 of")
    assert "gradients so far (after step 4)" in first[TEXT]
    assert "0x" not in repr(stepper)


def test_static_bundle_adds_html_and_text_and_refuses_addresses():
    widget = {TEXT: "VBox(...)", WIDGET: {"model_id": "abc"}}
    bundle = static_bundle(widget, "<p>hi</p>", "hi")
    assert bundle == {TEXT: "hi", WIDGET: {"model_id": "abc"}, HTML: "<p>hi</p>"}
    assert widget[TEXT] == "VBox(...)"  # not changed
    assert static_bundle(None, "<p>x</p>", "x") == {HTML: "<p>x</p>", TEXT: "x"}
    with pytest.raises(ValueError, match="memory address"):
        static_bundle({}, "<p>object at 0x7f3a12345678</p>", "x")


# ---------------------------------------------------------------- big graphs, imports

def test_a_big_graph_steps_quickly_and_collapses():
    import time

    x = gradlab.tensor([0.5], requires_grad=True)
    w = gradlab.tensor([0.9], requires_grad=True)
    y = x
    for _ in range(300):
        y = y * w + 0.1
    stepper = BackpropStepper(y.sum(), names={"x": x, "w": w})
    assert len(stepper.steps) > 600 and len(stepper.graph) < 100  # drawn collapsed
    start = time.perf_counter()
    for _ in range(20):
        stepper.next()
    assert (time.perf_counter() - start) / 20 < 0.25  # generous: the benchmark's target is 50 ms
    inside = [r for r in stepper.steps if r.node_id is None]
    assert inside and "inside a collapsed part" in inside[0].text
    assert x.grad is not None and w.grad is not None


def test_imports_stay_light():
    code = ("import sys, gradlab, gradlab.widgets\n"
            "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
            "from gradlab.widgets import BackpropStepper\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported by the stepper'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_names_moved_to_viz_still_import_from_the_stepper():
    from gradlab.viz import chain_rule, recording
    from gradlab.widgets import stepper

    for name in ("StepRecord", "ForwardRecord"):
        assert getattr(stepper, name) is getattr(recording, name)
    for name in ("values_text", "input_symbols", "SHOWN_ELEMENTS"):
        assert getattr(stepper, name) is getattr(chain_rule, name)


def test_a_write_into_a_view_steps_through_copyslices():
    """``base[:2].mul_(w)`` into a tensor that does not require grad: the base's history is
    CopySlices, as PyTorch builds it, and the stepper walks it to PyTorch's w.grad = 9."""
    w = gradlab.tensor(2.0, requires_grad=True)
    base = gradlab.ones(3)
    base[:2].mul_(w)
    loss = (base * w).sum()
    stepper = BackpropStepper(loss, names={"w": w, "base": base, "loss": loss})
    assert [type(step.node).__name__ for step in stepper.steps] == [
        "SumBackward0", "MulBackward0", "CopySlices", "AccumulateGrad"]
    stepper.goto(2)
    text = stepper.text()
    assert text.startswith("backward step 3 of 4: CopySlices")
    assert "grad_others = fn's gradient for each, from the view's region = 4.   → w" in text
    stepper.goto(3)
    assert "w.grad = 9." in stepper.text()
    assert w.grad.item() == 9.0


def test_a_write_through_an_index_is_stepped_with_the_students_statement():
    """``h[0] = y`` in a capture (as ``%%autograd --step`` runs it): the CopySlices step quotes
    the statement, not the expression that first made h."""
    from gradlab.viz import capture

    with capture() as cap:
        x = gradlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = gradlab.tensor(5.0, requires_grad=True)
        h = x * 2
        h[0] = y
        loss = (h * h).sum()
    stepper = BackpropStepper(loss, names={"x": x, "y": y, "h": h, "loss": loss}, capture=cap)
    assert [type(step.node).__name__ for step in stepper.steps] == [
        "SumBackward0", "MulBackward0", "CopySlices", "AccumulateGrad", "MulBackward0",
        "AccumulateGrad"]
    stepper.goto(2)
    text = stepper.text()
    assert "in your code: h[0] = y   ∂h/∂" in text
    assert "grad_base = fn's gradient for the old values in the view's region, 1 elsewhere = " \
           "[ 0., 8., 12.]" in text
    stepper.goto(4)
    assert "in your code: x * 2" in stepper.text()
    stepper.goto(5)
    assert x.grad.tolist() == [0.0, 16.0, 24.0] and y.grad.item() == 10.0


# ---------------------------------------------------------------- buttons at the ends, fit to width

def _buttons(stepper):
    """(Back, Next, Reset) disabled?"""
    return stepper._back.disabled, stepper._next.disabled, stepper._reset.disabled


def test_back_and_reset_are_off_on_the_first_step_next_on_the_last():
    loss, leaves = mixed(gradlab)
    stepper = BackpropStepper(loss, names=leaves)
    last = len(stepper.steps) - 1
    assert _buttons(stepper) == (True, False, True)  # the first step: nothing before it
    stepper._next.click()
    assert _buttons(stepper) == (False, False, False)
    stepper.goto(last)
    assert _buttons(stepper) == (False, True, False)  # the last step: nothing after it
    stepper._slider.value = 1  # the slider too
    assert _buttons(stepper) == (True, False, True)
    stepper.mode = "forward"  # forward mode, first op: Reset still leads back to the backward pass
    assert _buttons(stepper) == (True, False, False)
    stepper.goto(-1)
    assert _buttons(stepper) == (False, True, False)
    stepper._reset.click()
    assert stepper.mode == "backward" and _buttons(stepper) == (True, False, True)


def test_a_one_step_walk_has_both_ends_off():
    x = gradlab.tensor(2.0, requires_grad=True)
    stepper = BackpropStepper(x, names={"x": x})
    assert len(stepper.steps) == 1 and _buttons(stepper) == (True, True, True)


def _svg_tag(html):
    return re.search(r"<svg[^>]*>", html).group()


def test_fit_to_width_scales_the_picture_and_switches_off():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    stepper = BackpropStepper((x * 3).sum(), names={"x": x})
    assert stepper._fit.description == "fit to width" and stepper._fit.tooltip.startswith("fit to width")
    assert stepper.fit_width is True and stepper._fit.value is True  # small graph: fitted by default
    tag = _svg_tag(stepper._picture.value)
    natural = re.search(r'viewBox="0 0 ([\d.]+) ', tag).group(1)
    assert 'width="100%"' in tag and f"max-width:{natural}px;height:auto" in tag and " height=" not in tag
    stepper._fit.value = False  # the toggle, as a click in the browser
    assert stepper.fit_width is False
    assert f'width="{natural}"' in _svg_tag(stepper._picture.value)
    stepper.fit_width = True  # from Python: the toggle follows
    assert stepper._fit.value is True and 'width="100%"' in _svg_tag(stepper._picture.value)
    stepper.next()  # every step keeps the choice
    assert 'width="100%"' in _svg_tag(stepper._picture.value)
    # the static fallback is the picture at its own size, as before
    assert 'width="100%"' not in stepper._repr_mimebundle_()[HTML]


def test_fit_to_width_is_off_by_default_for_a_graph_too_wide_to_read_fitted():
    from gradlab.widgets._picture import READABLE_WIDTH

    x = gradlab.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(40):
        y = y * 1.5
    stepper = BackpropStepper(y.sum(), names={"x": x}, max_nodes=5000)
    assert stepper._recording.placed.width > READABLE_WIDTH
    assert stepper.fit_width is False and 'width="100%"' not in stepper._picture.value


# ---------------------------------------------------------------- close() and memory

def _registered():
    from ipywidgets.widgets.widget import _instances
    return set(_instances)


def test_close_closes_every_part_and_lets_go_of_the_recording():
    import gc
    import weakref

    before = _registered()
    loss, leaves = mixed(gradlab)
    stepper = BackpropStepper(loss, names=leaves)
    assert len(_registered() - before) > 10  # buttons, slider, pictures, their layouts and styles
    recording = weakref.ref(stepper._recording)
    stepper.next()
    stepper.close()
    assert stepper.closed and _registered() <= before  # nothing of it stays registered
    gc.collect()
    assert recording() is None  # the records and the copies of every .grad are gone
    assert repr(stepper) == "<BackpropStepper: closed>"
    with pytest.raises(RuntimeError, match="was closed"):
        stepper.next()
    with pytest.raises(RuntimeError, match="was closed"):
        stepper.steps
    stepper.close()  # twice: nothing happens
    assert leaves["x"].grad is not None  # the student's tensors keep their gradients


def test_a_closed_stepper_is_freed_by_del():
    import gc
    import weakref

    loss, leaves = mixed(gradlab)
    stepper = BackpropStepper(loss, names=leaves)
    stepper._next.click()
    alive = weakref.ref(stepper)
    stepper.close()
    del stepper
    gc.collect()
    assert alive() is None  # no button or slider callback holds it


def test_clicks_after_the_stepper_is_gone_do_nothing():
    import gc

    loss, leaves = mixed(gradlab)
    stepper = BackpropStepper(loss, names=leaves)
    button = stepper._next
    stepper.close()
    del stepper
    gc.collect()
    button.click()  # the weak callback finds no stepper: no error


def _chain_of_1000():
    x = gradlab.tensor([0.5], requires_grad=True)
    w = gradlab.tensor([0.9], requires_grad=True)
    b = gradlab.tensor([0.1], requires_grad=True)
    y = x
    for _ in range(500):  # 1,000 grad_fn nodes
        y = y * w + b
    loss = y.sum()
    return loss, {"x": x, "w": w, "b": b, "loss": loss}


def _growth_after_steppers(count):
    """Bytes still allocated (tracemalloc) after making, stepping and closing ``count`` steppers."""
    import gc
    import tracemalloc

    def one():
        loss, names = _chain_of_1000()
        stepper = BackpropStepper(loss, names=names)
        stepper.next()
        stepper.goto(-1)
        stepper.close()

    one()  # first-use caches (imports, widget classes) are not growth
    gc.collect()
    registered = _registered()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(count):
            one()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert _registered() <= registered
    return grown


def test_closed_steppers_on_1000_node_graphs_leave_no_memory_behind():
    grown = _growth_after_steppers(3)
    assert grown < 1_000_000, f"{grown / 1e6:.1f} MB kept by 3 closed steppers"  # was 9 MB


@pytest.mark.slow
def test_100_closed_steppers_on_1000_node_graphs_grow_memory_by_less_than_20_mb():
    grown = _growth_after_steppers(100)
    assert grown < 20_000_000, f"{grown / 1e6:.1f} MB kept by 100 closed steppers"
