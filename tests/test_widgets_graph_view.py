"""GraphView (gradlab/widgets/graph_view.py), driven from Python: no browser."""
import re
import pytest

import gradlab as torch
from gradlab.viz import capture, graph, to_text

pytest.importorskip("ipywidgets")
from gradlab.widgets import GraphView

HIGHLIGHT_FILL = 'fill="#ffe082"'


def highlighted(svg):
    """Ids of the nodes drawn with the highlight."""
    found = set()
    for part in svg.split('<g class="gradlab-node ')[1:]:
        node_id = re.match(r'[^"]*" data-node="([^"]+)"', part).group(1)
        if HIGHLIGHT_FILL in part.split("</g>")[0]:
            found.add(node_id)
    return found


@pytest.fixture
def square_sum():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    z = y.sum()
    return x, y, z, {"x": x, "y": y, "z": z}


def option_labels(view):
    return [label for label, _ in view.selector.options]


# ---------------------------------------------------------------- the selector
def test_selector_lists_tensors_and_grad_fn_nodes(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    labels = option_labels(view)
    assert "x  [t2 · leaf]" in labels
    assert "y  [t1 · non-leaf]" in labels
    assert "z  [t0 · non-leaf]" in labels
    assert any(label.startswith("PowBackward0  [f") for label in labels)
    assert any(label.startswith("SumBackward0  [f") for label in labels)
    assert [value for _, value in view.selector.options] == [node.id for node in view.graph.nodes]


def test_the_output_is_selected_first(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    assert view.selected == view.graph.node_id(z)
    assert highlighted(view.picture.value) == {view.selected}


def test_choosing_a_node_changes_the_details_and_the_highlight(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    before_details, before_svg = view.details.value, view.picture.value
    x_id = view.graph.node_id(x)
    view.selector.value = x_id  # what the dropdown does in the browser
    assert view.details.value != before_details
    assert view.picture.value != before_svg
    assert highlighted(view.picture.value) == {x_id}
    details = view.details.value
    assert "<b>x</b>" in details and "leaf tensor" in details
    for key, text in [("value", "[2., 3.]"), ("shape", "[2]"), ("dtype", "torch.float32"),
                      ("requires_grad", "True"), ("is_leaf", "True"), ("grad_fn", "None")]:
        assert re.search(rf">{key}</th><td[^>]*><code>{re.escape(text)}</code>", details), key
    assert "None (no backward has reached it yet)" in details


def test_select_takes_a_tensor_a_grad_fn_or_an_id(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    view.select(y.grad_fn)
    assert view.graph.node(view.selected).label == "PowBackward0"
    details = view.details.value
    assert "PowBackward0" in details and "a ** exponent" in details and "derivatives" in details
    assert highlighted(view.picture.value) == {view.selected}
    view.select(y)
    assert view.selected == view.graph.node_id(y)
    assert "retain_grad()" in view.details.value  # why a non-leaf has no .grad
    view.select("t2")
    assert view.selected == view.graph.node_id(x)


def test_select_explains_what_is_not_in_the_graph(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    with pytest.raises(ValueError, match="not drawn in the graph"):
        view.select(torch.tensor([1.0], requires_grad=True))
    with pytest.raises(ValueError, match="no node 'q7'"):
        view.select("q7")


# ---------------------------------------------------------------- options
def test_values_checkbox_redraws_without_values(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    assert ">value [2., 3.]</text>" in view.picture.value
    view.values_box.value = False
    assert ">value [2., 3.]</text>" not in view.picture.value
    assert "value: [2., 3.]" in view.picture.value  # the hover text keeps it
    assert view.graph.options["values"] is False


def test_grads_checkbox_and_refresh_after_backward(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    view.select(x)
    z.backward()
    assert ">grad [4., 6.]</text>" not in view.picture.value  # not read yet
    view.refresh()
    assert ">grad [4., 6.]</text>" in view.picture.value
    assert "<code>[4., 6.]</code>" in view.details.value
    assert view.selected == view.graph.node_id(x)  # the selection survives
    view.grads_box.value = False
    assert ">grad [4., 6.]</text>" not in view.picture.value
    assert "<code>[4., 6.]</code>" in view.details.value  # details always show .grad


def test_refresh_button_rebuilds(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names, direction="tb")
    assert view.direction == "TB"
    z.backward()
    view.refresh_button.click()
    assert ">grad [4., 6.]</text>" in view.picture.value


def test_accumulate_grad_checkbox_adds_the_nodes(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    view.select(x)
    assert "gradlab-accumulate_grad" not in view.picture.value
    view.accumulate_box.value = True
    assert any(label.startswith("AccumulateGrad (x.grad += grad)") for label in option_labels(view))
    assert 'class="gradlab-node gradlab-accumulate_grad"' in view.picture.value
    assert view.selected == view.graph.node_id(x)


def test_direction_buttons_redraw(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    left_right = view.picture.value
    view.direction_buttons.value = "TB"
    top_bottom = view.picture.value
    assert top_bottom != left_right
    assert highlighted(top_bottom) == highlighted(left_right)
    box = lambda svg: re.search(r'<svg[^>]* viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    width = lambda svg: float(box(svg).group(1))
    height = lambda svg: float(box(svg).group(2))
    assert width(left_right) / height(left_right) > width(top_bottom) / height(top_bottom)


def test_a_graph_is_fixed_data():
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.sin(x) * x
    fixed = graph(y, names={"x": x, "y": y}, values=False)
    view = GraphView(fixed)
    assert view.graph is fixed
    assert view.values_box.value is False and view.values_box.disabled
    assert view.refresh_button.disabled
    view.refresh()  # redraws what it has
    view.direction_buttons.value = "TB"
    view.select(x)
    assert highlighted(view.picture.value) == {view.graph.node_id(x)}


def test_a_capture_with_names():
    with capture() as cap:
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        h = torch.relu(w) * 3
        loss = h.mean()
    view = GraphView(cap, names={"w": w, "h": h, "loss": loss})
    labels = option_labels(view)
    assert any(label.startswith("w  [") for label in labels)
    assert any(label.startswith("ReluBackward0") for label in labels)
    assert view.graph.node(view.selected).label == "loss"


def test_bad_direction_is_refused(square_sum):
    with pytest.raises(ValueError, match="'LR' \\(left to right\\) or 'TB'"):
        GraphView(square_sum[2], direction="up")


@pytest.mark.parametrize("target, got", [
    (3, "got int"), (None, "got NoneType"), ("loss", "got str"),
    ([torch.ones(1), 3], "got a list with an element of type int"),
])
def test_something_that_is_no_graph_is_refused_with_what_graphview_takes(target, got):
    with pytest.raises(TypeError, match="GraphView takes a Tensor .*, a list of tensors, a Capture or a "
                                        f"Graph, {got}"):
        GraphView(target)
    with pytest.raises(TypeError, match="graph\\(\\) takes a Tensor, a list of tensors or a Capture"):
        graph(target)


def test_a_big_graph_is_collapsed_and_stays_quick():
    import time
    x = torch.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(400):
        y = torch.sin(y) * 1.01
    view = GraphView(y, max_nodes=60)
    assert len(view.selector.options) <= 60
    assert any("collapsed" in label for label in option_labels(view))
    start = time.perf_counter()
    view.select(x)
    assert time.perf_counter() - start < 0.5  # the layout is reused: only the SVG is redrawn


# ---------------------------------------------------------------- static fallback
def build_view():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    z = y.sum()
    z.backward()
    view = GraphView(z, names={"x": x, "y": y, "z": z})
    view.select(x)
    return view


def test_static_fallback_is_deterministic_and_has_no_addresses():
    first, second = build_view()._repr_mimebundle_(), build_view()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in first  # the live widget
    assert first["text/html"] == second["text/html"]
    assert first["text/plain"] == second["text/plain"]
    for text in (first["text/html"], first["text/plain"]):
        assert not re.search(r"0x[0-9a-fA-F]{4,}", text)
        assert "object at" not in text


def test_static_fallback_shows_the_svg_the_selection_and_the_text_form():
    view = build_view()
    bundle = view._repr_mimebundle_()
    html = bundle["text/html"]
    assert html.startswith('<div class="gradlab-graph-view"><svg ')
    assert highlighted(html) == {view.selected}
    assert "<code>[4., 6.]</code>" in html  # x.grad in the details
    plain = bundle["text/plain"]
    assert plain.startswith(to_text(view.graph))
    assert "selected (t2): x  [leaf]" in plain and "grad: [4., 6.]" in plain



# ---------------------------------------------------------------- fit to width, close()
def _svg_tag(html):
    return re.search(r"<svg[^>]*>", html).group()


def test_fit_to_width_toggle(square_sum):
    x, y, z, names = square_sum
    view = GraphView(z, names=names)
    assert view.fit_button.description == "fit to width"
    assert view.fit_width is True  # a small graph is fitted by default
    assert 'width="100%"' in _svg_tag(view.picture.value) and "height:auto" in _svg_tag(view.picture.value)
    view.fit_button.value = False  # a click
    assert view.fit_width is False and 'width="100%"' not in view.picture.value
    view.fit_width = True
    assert view.fit_button.value is True and 'width="100%"' in view.picture.value
    view.direction_buttons.value = "TB"  # other redraws keep it
    assert 'width="100%"' in view.picture.value
    assert 'width="100%"' not in view._repr_mimebundle_()["text/html"]  # the static picture: full size


def test_a_graph_too_wide_to_read_fitted_is_not_fitted_by_default():
    x = torch.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(40):
        y = y * 1.5
    view = GraphView(y, names={"x": x}, max_nodes=5000)
    assert view.fit_width is False and 'width="100%"' not in view.picture.value


def test_close_closes_every_part_and_frees_the_view(square_sum):
    import gc
    import weakref

    from ipywidgets.widgets.widget import _instances

    x, y, z, names = square_sum
    before = set(_instances)
    view = GraphView(z, names=names)
    assert len(set(_instances) - before) > 10
    view.values_box.value = False  # the callbacks have run
    view.refresh_button.click()
    alive = weakref.ref(view)
    view.close()
    assert view.closed and set(_instances) <= before
    assert view.target is None and view.graph.is_empty  # the tensors are let go
    view.close()  # twice: nothing happens
    del view
    gc.collect()
    assert alive() is None
