"""gradlab.viz.cuts: where no gradient flows back, and why, in plain words."""
import pytest

import gradlab as torch
from gradlab.viz import capture, graph
from gradlab.viz.cuts import op_text


def _by_label(g):
    return {node.label: node for node in g.nodes}


def _edges(g):
    labels = {node.id: node.label for node in g.nodes}
    return {(labels[e.source], labels[e.target], e.kind) for e in g.edges}

@pytest.mark.parametrize("code, reason", [
    ("with torch.no_grad():\n    out = x * 2", "made under torch.no_grad(): no gradient flows back"),
    ("out = x.detach()", "detach() cut the graph"),
    ("out = x > 0", "comparison (>) gives a bool tensor: not differentiable"),
    ("out = x.argmax()", "argmax gives integer indices: not differentiable"),
    ("out = torch.lt(x, 0)", "comparison (<) gives a bool tensor: not differentiable"),
    ("out = x.data", ".data gives the values outside the graph (like detach()): no gradient flows back"),
])
def test_cuts_and_their_reasons(code, reason):
    namespace = {"torch": torch, "x": torch.tensor([1.0, -2.0], requires_grad=True)}
    with capture() as cap:
        exec(compile(code, "<cell>", "exec"), namespace)
    g = graph(cap, names=namespace)
    assert len(g.cuts) == 1
    cut = g.cuts[0]
    assert cut.reason == reason
    out = _by_label(g)["out"]
    assert cut.node == out.id and out.cut == reason and out.kind == "constant"
    assert cut.line == code.count("\n") + 1
    assert ("x", "out", "cut") in _edges(g)
    assert any(line.startswith("✂") for line in out.lines)


def test_max_indices_are_a_cut_and_values_are_not():
    x = torch.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    with capture() as cap:
        result = x.max(1)
    g = graph(cap, names={"x": x, "result": result})
    nodes = _by_label(g)
    assert nodes["result.values"].kind == "nonleaf"
    assert nodes["result.indices"].cut == "max gives integer indices: not differentiable"



def test_op_text_reads_an_op_as_in_a_sentence():
    assert [op_text(op) for op in ("__mul__", "__gt__", "__iadd__", "__setitem__", "argmax", "Linear")] == \
        ["*", ">", "+=", "[...] =", "argmax()", "Linear"]
    assert op_text(None) == "an operation"
