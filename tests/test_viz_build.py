"""gradlab.viz.build: a tensor, tensors or a Capture → the graph model (kinds, names, edges, details)."""
import pytest

import gradlab as torch
from gradlab.viz import Graph, capture, graph


def _by_label(g):
    return {node.label: node for node in g.nodes}


def _edges(g):
    labels = {node.id: node.label for node in g.nodes}
    return {(labels[e.source], labels[e.target], e.kind) for e in g.edges}


def _seed():
    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        z = y.sum()
        z.backward()
    return cap, {"x": x, "y": y, "z": z}


def test_seed_example_kinds_labels_edges():
    cap, namespace = _seed()
    g = graph(cap, names=namespace)
    assert isinstance(g, Graph) and len(g) == 5 and not g.is_empty
    nodes = _by_label(g)
    assert nodes["x"].kind == "leaf" and nodes["x"].badge == "leaf"
    assert nodes["y"].kind == "nonleaf" and nodes["y"].badge == "non-leaf"
    assert nodes["PowBackward0"].kind == "grad_fn" and nodes["SumBackward0"].kind == "grad_fn"
    # arrows follow the forward data flow
    assert _edges(g) == {("x", "PowBackward0", "flow"), ("PowBackward0", "y", "flow"),
                         ("y", "SumBackward0", "flow"), ("SumBackward0", "z", "flow")}
    details = nodes["x"].details
    assert details["value"] == "[2., 3.]" and details["grad"] == "[4., 6.]"
    assert details["shape"] == [2] and details["dtype"] == "torch.float32"
    assert details["requires_grad"] is True and details["is_leaf"] is True and details["grad_fn"] is None
    assert nodes["y"].details["grad_fn"] == "PowBackward0" and nodes["y"].details["grad"] is None
    assert "value [2., 3.]" in nodes["x"].lines and "grad [4., 6.]" in nodes["x"].lines
    assert g.node_id(namespace["x"]) == nodes["x"].id
    assert g.node(nodes["x"].id) is nodes["x"]


def test_values_and_grads_can_be_hidden_but_stay_in_details():
    cap, namespace = _seed()
    g = graph(cap, names=namespace, values=False, grads=False)
    x = _by_label(g)["x"]
    assert not any(line.startswith(("value", "grad")) for line in x.lines)
    assert x.details["grad"] == "[4., 6.]"


def test_ids_are_stable_and_not_addresses():
    cap, namespace = _seed()
    first = [(n.id, n.kind, n.label) for n in graph(cap, names=namespace).nodes]
    cap, namespace = _seed()
    second = [(n.id, n.kind, n.label) for n in graph(cap, names=namespace).nodes]
    assert first == second
    assert all(len(node_id) <= 4 for node_id, _, _ in first)


def test_graph_of_a_tensor_walks_grad_fn_and_accumulate_grad_on_request():
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = a + 5
    c = torch.tensor([1.0, 1.0])
    d = b * c
    g = graph(d)
    kinds = sorted(node.kind for node in g.nodes)
    assert kinds == ["grad_fn", "grad_fn", "leaf", "nonleaf"]  # b is not known without names
    g = graph(d, names={"a": a, "b": b, "d": d}, accumulate_grad=True)
    assert _edges(g) == {("a", "AccumulateGrad", "flow"), ("AccumulateGrad", "AddBackward0", "flow"),
                         ("AddBackward0", "b", "flow"), ("b", "MulBackward0", "flow"),
                         ("MulBackward0", "d", "flow")}
    assert _by_label(g)["AccumulateGrad"].kind == "accumulate_grad"
    assert _by_label(g)["AccumulateGrad"].lines == ["a.grad += grad"]
    g = graph([b, d], names={"a": a})
    assert sum(node.is_tensor for node in g.nodes) == 3


def test_prepared_names_mapping_and_several_names():
    x = torch.tensor([1.0], requires_grad=True)
    y = x * 2
    g = graph(y, names={id(x): ["u", "x"], id(y): ["y"]})
    assert _by_label(g)["u, x"].names == ["u", "x"]


def test_constants_and_constant_inputs():
    with capture() as cap:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        c = torch.tensor([3.0, 4.0])
        y = x * c
        plain = c + 1
    g = graph(cap, names={"x": x, "c": c, "y": y, "plain": plain})
    nodes = _by_label(g)
    assert nodes["c"].kind == "constant" and nodes["c"].badge == "no grad"
    assert ("c", "MulBackward0", "constant") in _edges(g)
    assert ("c", "plain", "untracked") in _edges(g)
    assert not g.cuts


def test_in_place_change_draws_the_old_value():
    with capture() as cap:
        x = torch.tensor([1.0], requires_grad=True)
        q = x * 2
        q += 1
    g = graph(cap, names={"x": x, "q": q})
    nodes = _by_label(g)
    assert "q before +=" in nodes
    assert ("q before +=", "AddBackward0", "flow") in _edges(g)
    assert ("AddBackward0", "q", "flow") in _edges(g)
    assert nodes["q"].details["changed_in_place"] == "+= (line 4)" or \
        nodes["q"].details["changed_in_place"].startswith("+=")


def test_each_grad_fn_of_a_tensor_changed_in_place_is_labelled_with_its_own_code():
    with capture() as cap:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        q = x * 2
        q.add_(1)
    nodes = _by_label(graph(cap, names={"x": x, "q": q}))
    assert nodes["AddBackward0"].details["expression"] == "q.add_(1)"
    assert nodes["AddBackward0"].details["_in_place"] is True
    assert nodes["MulBackward0"].details["expression"] == "x * 2"


def test_a_change_through_a_detached_alias_keeps_the_label_of_the_node_that_made_the_tensor():
    with capture() as cap:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.detach().zero_()  # y's memory changes (and its version), its history does not
    nodes = _by_label(graph(cap, names={"x": x, "y": y}))
    assert nodes["ExpBackward0"].details["expression"] == "x.exp()"
    assert "_in_place" not in nodes["ExpBackward0"].details
    assert "changed in place ×1" in nodes["y"].lines


def _write_into_a_view():
    with capture() as cap:
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = torch.tensor(5.0, requires_grad=True)
        h = x * 2
        h[0] = y
        loss = (h * h).sum()
    return cap, {"x": x, "y": y, "h": h, "loss": loss}


def test_a_write_into_a_view_is_drawn_as_pytorch_records_it():
    """``h[0] = y``: h's grad_fn is CopySlices(MulBackward0, y), and nothing else. The view
    setitem writes into and the CopyBackwards node CopySlices wraps are not in the graph (as in
    PyTorch: no next_functions lead to them), so they are not drawn as loose branches."""
    cap, namespace = _write_into_a_view()
    g = graph(cap, names=namespace)
    assert sorted(node.label for node in g.nodes) == [
        "", "CopySlices", "MulBackward0", "MulBackward0", "SumBackward0", "h", "loss", "x", "y"]
    # ("" is the unnamed h * h; no SelectBackward0, CopyBackwards or AsStridedBackward0)
    assert {("MulBackward0", "CopySlices", "flow"), ("y", "CopySlices", "flow"),
            ("CopySlices", "h", "flow"), ("h", "MulBackward0", "flow")} <= _edges(g)
    expressions = {n.details["expression"] for n in g.nodes if n.kind == "grad_fn"}
    assert expressions == {"h[0] = y", "x * 2", "h * h", "(h * h).sum()"}
    assert _by_label(g)["CopySlices"].details["expression"] == "h[0] = y"
    assert "changed in place ×1" in _by_label(g)["h"].lines


def test_an_augmented_write_into_a_view_keeps_its_read_back_view():
    """``h[:, 1] += z`` is three steps in Python: read the view, add in place, write it back;
    PyTorch's graph has a CopySlices for each write and the view read back between them."""
    with capture() as cap:
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        z = torch.tensor([10.0, 20.0], requires_grad=True)
        h = x * 2
        h[:, 1] += z
    g = graph(cap, names={"x": x, "z": z, "h": h})
    kinds = sorted(node.details.get("grad_fn", "") for node in g.nodes if node.kind == "grad_fn")
    assert kinds == ["AsStridedBackward0", "CopySlices", "CopySlices", "MulBackward0"]
    assert [n.details["expression"] for n in g.nodes if n.label == "CopySlices"] == ["h[:, 1] += z"] * 2


def test_sgd_update_under_no_grad_is_not_a_cut():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with capture() as cap:
        with torch.no_grad():
            w -= 0.1 * w.grad
    g = graph(cap, names={"w": w})
    assert not g.cuts
    node = _by_label(g)["w"]
    assert node.kind == "leaf" and "under no_grad" in node.details["changed_in_place"]


def test_isolated_unnamed_constants_are_left_out_with_a_note():
    with capture() as cap:
        x = torch.tensor([1.0], requires_grad=True)
        torch.ones(3)
    g = graph(cap, names={"x": x})
    assert len(g) == 1
    assert "left out 1 unnamed tensor" in g.notes[0]


def test_empty_capture_gives_an_empty_graph():
    with capture() as cap:
        pass
    g = graph(cap)
    assert g.is_empty and len(g) == 0


def test_bad_arguments():
    with pytest.raises(TypeError, match="Tensor"):
        graph([1, 2])
    with pytest.raises(ValueError, match="max_nodes"):
        graph(torch.ones(1), max_nodes=0)


def test_100000_node_chain_builds_without_recursion():
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0
    g = graph(y)  # 50,000 grad_fn nodes + tensors: 100,002 ids to walk
    assert len(g) <= 300
    assert "100002 nodes" in g.notes[0] or "50002 nodes" in g.notes[0]


def test_tensors_from_earlier_cells_are_drawn_with_their_names():
    namespace = {"x": torch.tensor([1.0, 2.0], requires_grad=True)}
    namespace["h"] = namespace["x"] * 2  # an earlier cell
    with capture() as cap:
        namespace["z"] = namespace["h"].sum()
    g = graph(cap, names=cap.name_tensors(namespace))  # the prepared mapping, as %%autograd passes
    assert _edges(g) == {("x", "MulBackward0", "flow"), ("MulBackward0", "h", "flow"),
                         ("h", "SumBackward0", "flow"), ("SumBackward0", "z", "flow")}


def test_untracked_in_place_update_is_drawn_with_its_operator():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with capture() as cap:
        with torch.no_grad():
            step = 0.1 * w.grad
            w -= step
    g = graph(cap, names={"w": w, "step": step})
    assert ("step", "w", "untracked") in _edges(g)
    assert ("w.grad", "step", "untracked") in _edges(g)
    assert [e.label for e in g.edges if e.kind == "untracked" and g.node(e.target).label == "w"] == ["-="]

