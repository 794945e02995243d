"""gradlab.viz.labels: the graph, explain() and the stepper in the names of the student's code."""
import sys

import pytest

import gradlab as torch
import gradlab.nn as nn
import gradlab.nn.functional as F
from gradlab.viz import capture, explain, graph, to_text
from gradlab.viz.labels import forward_text, named_derivatives, operand_names, shorten
from gradlab.viz.recording import BackwardRecording

exact_columns = pytest.mark.skipif(sys.version_info < (3, 11), reason="columns need Python 3.11+")


def _grad_fn_boxes(model):
    return {node.label: node for node in model.nodes if node.kind == "grad_fn"}


@exact_columns
def test_a_capture_labels_each_node_with_the_code_that_made_it():
    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        w = torch.tensor(3.0, requires_grad=True)
        loss = w * w + w
        z = y.sum()
    assert [record.expression for record in cap.records] == [
        "torch.tensor([2.0, 3.0], requires_grad=True)", "x ** 2",
        "torch.tensor(3.0, requires_grad=True)", "w * w", "w * w + w", "y.sum()"]
    boxes = _grad_fn_boxes(graph(cap, names={"x": x, "y": y, "w": w, "loss": loss, "z": z}))
    assert boxes["PowBackward0"].lines[0] == "x ** 2"
    assert boxes["SumBackward0"].lines[0] == "y.sum()"
    assert boxes["AddBackward0"].lines[0] == "w * w + w"
    power = boxes["PowBackward0"].details
    # the generic formula stays in the hover text, next to the named derivative
    assert power["formula"] == "out = a ** exponent"
    assert power["derivatives"] == "∂y/∂x = 2 · x"
    assert power["formula_derivatives"] == "∂out/∂a = 2 · a^(2-1)"


@exact_columns
def test_nested_calls_and_modules_get_their_own_expression():
    with capture() as cap:
        h = torch.randn(2, 3)
        W1 = torch.randn(3, 4, requires_grad=True)
        b1 = torch.randn(4, requires_grad=True)
        out = F.relu(h @ W1 + b1)
    texts = {record.tensor.grad_fn.name(): record.expression for record in cap.records
             if record.tensor.grad_fn is not None}
    assert texts == {"MmBackward0": "h @ W1", "AddBackward0": "h @ W1 + b1",
                     "ReluBackward0": "F.relu(h @ W1 + b1)"}
    boxes = _grad_fn_boxes(graph(cap, names={"h": h, "W1": W1, "b1": b1, "out": out}))
    assert boxes["ReluBackward0"].lines[0] == "F.relu(h @ W1 + b1)"


def test_one_arrow_per_use():
    with capture() as cap:
        w = torch.tensor(3.0, requires_grad=True)
        loss = w * w + w
    model = graph(cap, names={"w": w, "loss": loss})
    mul = _grad_fn_boxes(model)["MulBackward0"].id
    into_mul = [edge for edge in model.edges if edge.target == mul]
    assert len(into_mul) == 2 and {edge.source for edge in into_mul} == {"t0"}
    text = to_text(model)
    assert text.count("w  (see above)") == 2  # one more line per use


def test_outside_a_capture_the_formula_gets_the_known_names():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    w = torch.tensor(3.0, requires_grad=True)
    y = x ** 2
    loss = w * w + w
    boxes = _grad_fn_boxes(graph([y, loss], names={"x": x, "w": w, "y": y, "loss": loss}))
    assert boxes["PowBackward0"].lines[0] == "x ** 2"
    assert boxes["AddBackward0"].lines[0] == "w * w + w"  # the unnamed w * w, one level deep
    assert boxes["PowBackward0"].details["derivatives"] == "∂y/∂x = 2 · x"
    assert boxes["MulBackward0"].details["derivatives"] == "∂out/∂w = w; ∂out/∂w = w"


def test_formulas_are_filled_and_simplified_from_the_node_record():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    w = torch.tensor(3.0, requires_grad=True)
    node = (x ** 3).grad_fn
    assert forward_text(node, ["x"]) == "x ** 3"
    assert named_derivatives(node, "q", ["x"]) == ["∂q/∂x = 3 · x²"]
    assert named_derivatives((x / w).grad_fn, "q", ["x", "w"]) == ["∂q/∂x = 1 / w", "∂q/∂w = -x / w²"]
    assert named_derivatives((x / w).grad_fn, "q", ["x", "w"], positions={1}) == ["∂q/∂w = -x / w²"]
    half = (x * 0.5).grad_fn
    names = operand_names(half, lambda target, output_nr: "x" if target is x else None)
    assert names == ["x", "0.5"] and forward_text(half, names) == "x * 0.5"
    assert named_derivatives(half, None, names) == ["∂out/∂x = 0.5"]
    assert forward_text(x.sum(0).grad_fn, [None]).startswith("sum(a")  # unknown stays generic


def test_shorten_keeps_the_outer_call():
    assert shorten("x ** 2") == "x ** 2"
    assert shorten("F.cross_entropy(model(inputs.view(-1, 784)), targets)") == "F.cross_entropy(…, targets)"
    assert len(shorten("a_very_long_name_indeed + another_very_long_name_too", 20)) <= 20


def test_pooling_indices_are_part_of_their_node():
    with capture() as cap:
        x = torch.randn(1, 1, 4, 4)
        conv = nn.Conv2d(1, 2, 3, padding=1)
        out = nn.MaxPool2d(2)(conv(x)).sum()
    model = graph(cap, names={"x": x, "conv": conv, "out": out})
    assert not [node for node in model.nodes if node.details.get("dtype") == "torch.int64"]
    pool = _grad_fn_boxes(model)["MaxPool2DWithIndicesBackward0"]
    assert "saves indices [1, 2, 2, 2] · int64" in pool.lines
    assert "kept for backward" in pool.details["saved_state"]
    assert not any("left out" in note for note in model.notes)


def test_explain_speaks_the_names_of_the_code():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    y.sum().backward()
    text = str(explain(x, y.sum()))
    assert "PowBackward0 (y = x ** 2): ∂y/∂x = 2 · x" in text
    assert "exponent" not in text and " e " not in text


def test_the_stepper_shows_the_code_and_the_named_derivative():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    loss = y.sum()
    recording = BackwardRecording(loss, names={"x": x, "y": y, "loss": loss})
    power = next(record for record in recording.steps if record.name == "PowBackward0")
    # without a capture the code is made from the graph, so it does not claim to be the student's
    assert "as code: y = x ** 2   ∂y/∂x = 2 · x" in power.text
    assert "out = a ** exponent" in power.text  # the class's own formula stays


def test_nodes_the_engine_made_are_not_called_the_students_code():
    x = torch.tensor(2.0, requires_grad=True)
    (dy,) = torch.autograd.grad(x ** 3, x, create_graph=True)
    recording = BackwardRecording(dy, names={"x": x, "dy": dy})
    assert "in your code" not in "\n".join(record.text for record in recording.steps)


def test_a_lone_surrogate_in_a_name_does_not_break_labels():
    x = torch.tensor([2.0], requires_grad=True)
    y = x * x
    boxes = _grad_fn_boxes(graph(y, names={"a\ud800b": x, "y": y}))
    assert "a\ud800b" in boxes["MulBackward0"].lines[0]


def test_pooling_indices_under_no_grad_are_not_drawn_either():
    with capture() as cap:
        x = torch.randn(1, 1, 4, 4)
        with torch.no_grad():
            pooled = nn.MaxPool2d(2)(x)
    model = graph(cap, names={"x": x, "pooled": pooled})
    assert not [node for node in model.nodes if node.details.get("dtype") == "torch.int64"]
    assert not model.notes


def test_pooling_indices_stay_inside_their_node_after_backward():
    with capture() as cap:
        x = torch.randn(1, 1, 4, 4)
        conv = nn.Conv2d(1, 2, 3, padding=1)
        out = nn.Sequential(conv, nn.MaxPool2d(2))(x).sum()
        out.backward()  # frees what the node saved
    model = graph(cap, names={"x": x, "conv": conv, "out": out})
    assert not [node for node in model.nodes if node.details.get("dtype") == "torch.int64"]
    assert "saves indices [1, 2, 2, 2] · int64" in _grad_fn_boxes(model)["MaxPool2DWithIndicesBackward0"].lines


@exact_columns
def test_nodes_made_inside_one_call_say_which():
    with capture() as cap:
        logits = torch.randn(3, 4, requires_grad=True)
        target = torch.tensor([0, 2, 1])
        loss = F.cross_entropy(logits, target)
    boxes = _grad_fn_boxes(graph(cap, names={"logits": logits, "target": target, "loss": loss}))
    assert boxes["NllLossBackward0"].lines[0] == "F.cross_entropy(logits, target)"
    inner = boxes["LogSoftmaxBackward0"]
    assert inner.lines[0].startswith("log_softmax(logits")
    assert inner.details["made_inside"] == "F.cross_entropy(logits, target)"
