"""gradlab.viz.collapse: large graphs become at most max_nodes boxes (repeated blocks, long chains)."""
import gradlab as torch
from gradlab.viz import capture, graph
from gradlab.viz.collapse import _UnionFind, collapse


def _by_label(g):
    return {node.label: node for node in g.nodes}


def _chain(length):
    x = torch.tensor([0.5], requires_grad=True)
    w = torch.tensor([0.9], requires_grad=True)
    y = x
    for _ in range(length):
        y = y * w
    return x, w, y


def test_long_chain_collapses_into_a_summary_box():
    x, w, y = _chain(400)
    g = graph(y, names={"x": x, "w": w, "y": y}, max_nodes=100)
    assert len(g) <= 100
    summaries = [node for node in g.nodes if node.kind == "summary"]
    assert len(summaries) == 1
    assert summaries[0].count > 350 and "MulBackward0" in summaries[0].details["contents"]
    assert any("collapsed" in note and "max_nodes=100" in note for note in g.notes)
    labels = {node.label for node in g.nodes}
    assert {"x", "w", "y"} <= labels
    assert any(edge.kind == "summary" and edge.label and edge.label.startswith("×") for edge in g.edges)
    # below the limit nothing is collapsed
    small = graph(_chain(10)[2])
    assert not any(node.kind == "summary" for node in small.nodes) and not small.notes


def test_repeated_blocks_collapse_to_the_last_iteration():
    w = torch.tensor([0.5, -0.5], requires_grad=True)
    with capture() as cap:
        for step in range(30):
            inputs = torch.tensor([1.0, float(step)])
            loss = ((inputs * w).sum() - 1.0) ** 2
            loss.backward()
    g = graph(cap, names={"w": w, "loss": loss}, max_nodes=40)
    assert len(g) <= 40
    summary = [node for node in g.nodes if node.kind == "summary"]
    assert summary and summary[0].label == "29 repeated blocks"
    assert _by_label(g)["loss"].kind == "nonleaf"


def test_very_wide_graphs_stay_bounded():
    x = torch.tensor([1.0], requires_grad=True)
    outs = [x * float(i) for i in range(500)]
    g = graph(outs, max_nodes=50)
    assert len(g) <= 50


def test_identical_parallel_branches_collapse_around_their_hubs():
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    branches = []
    for branch in range(20):
        y = x * (branch + 1.0)
        for _ in range(5):
            y = y.sin()
        branches.append(y.sum())
    out = torch.stack(branches).sum()
    g = graph(out, names={"x": x, "out": out}, max_nodes=60)
    summaries = [node for node in g.nodes if node.kind == "summary"]
    assert [s.label for s in summaries] == ["19 repeated blocks"]
    assert "StackBackward0" in {node.label for node in g.nodes}
    labels = {node.id: node.label for node in g.nodes}
    assert {(labels[e.source], labels[e.target], e.label) for e in g.edges if e.kind == "summary"} == \
        {("x", "19 repeated blocks", "×19"), ("19 repeated blocks", "StackBackward0", "×19")}


def test_nothing_is_collapsed_below_max_nodes():
    edges = [(0, 1, "flow", None), (1, 2, "flow", None), (2, 3, "constant", "c")]
    result = collapse(4, [True, True, True, False], edges, ["tensor"] * 4, [[], [], [], []], max_nodes=3)
    assert result.order == [0, 1, 2] and result.edges == edges[:2] and result.notes == []


def test_union_find_names_each_set_by_its_smallest_member_whatever_the_union_order():
    for unions in ([(5, 3), (3, 9), (7, 1)], [(9, 3), (1, 7), (3, 5)]):
        sets = _UnionFind([9, 7, 5, 3, 1, 0])
        for first, second in unions:
            sets.union(first, second)
        assert sets.sets() == {3: [9, 5, 3], 1: [7, 1], 0: [0]}
        assert sets.find(9) == 3 and 5 in sets and 4 not in sets
