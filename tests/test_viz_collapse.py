"""gradlab.viz.collapse: large graphs become at most max_nodes boxes (repeated blocks, long chains)."""
import gradlab as torch
from gradlab.viz import capture, graph
import random

import numpy as np

from gradlab.viz.collapse import capped_depths, collapse, connected_parts
from gradlab.viz.layout import longest_paths


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


def test_connected_parts_are_named_by_their_smallest_member_whatever_the_edge_order():
    edges = [(5, 3), (3, 9), (7, 1)]
    for order in (edges, edges[::-1], [(t, s) for s, t in edges]):
        sources, targets = (np.array(ends) for ends in zip(*order))
        parts = connected_parts(10, sources, targets)
        assert parts.tolist() == [0, 1, 2, 3, 4, 3, 6, 1, 8, 3]
    chain = np.random.default_rng(0).permutation(1000)  # one long path, numbered at random
    assert set(connected_parts(1000, chain[:-1], chain[1:]).tolist()) == {0}


def _random_dag(rng, count, edges):
    rank = list(range(count))
    rng.shuffle(rank)
    pairs = [sorted(rng.sample(range(count), 2), key=rank.__getitem__) for _ in range(edges)]
    return np.array(rank), np.array([s for s, _ in pairs]), np.array([t for _, t in pairs])


def test_capped_depths_are_the_longest_paths_from_the_nearer_end_capped():
    rng = random.Random(1)
    for _ in range(20):
        rank, sources, targets = _random_dag(rng, 60, rng.randint(0, 150))
        successors, predecessors = {i: [] for i in range(60)}, {i: [] for i in range(60)}
        for s, t in zip(sources.tolist(), targets.tolist()):
            successors[s].append(t)
            predecessors[t].append(s)
        forward, backward = longest_paths(range(60), successors), longest_paths(range(60), predecessors)
        depth = capped_depths(60, sources, targets, 4, rank)
        assert depth.tolist() == [min(forward[i], backward[i], 4) for i in range(60)]
    # no order, or an edge against it (a cycle may hide there): the caller walks item by item
    assert capped_depths(3, np.array([0, 1]), np.array([1, 0]), 4, np.array([0, 1, 2])) is None
    assert capped_depths(3, np.array([0]), np.array([1]), 4) is None


def test_a_known_order_collapses_exactly_as_the_walk_item_by_item():
    rng = random.Random(2)
    for _ in range(10):
        rank, sources, targets = _random_dag(rng, 400, 520)
        edges = [(s, t, "flow", None) for s, t in zip(sources.tolist(), targets.tolist())]
        labels = [rng.choice(["tensor", "MulBackward0"]) for _ in range(400)]
        names = [["v"] if rng.random() < 0.05 else [] for _ in range(400)]
        for max_nodes in (30, 120):
            walked = collapse(400, [True] * 400, edges, labels, names, max_nodes)
            ranked = collapse(400, [True] * 400, edges, labels, names, max_nodes, order=rank)
            assert [getattr(item, "first", item) for item in walked.order] == \
                [getattr(item, "first", item) for item in ranked.order]
            assert [(getattr(s, "first", s), getattr(t, "first", t), k, label)
                    for s, t, k, label in walked.edges] == \
                [(getattr(s, "first", s), getattr(t, "first", t), k, label) for s, t, k, label in ranked.edges]
            assert walked.notes == ranked.notes
