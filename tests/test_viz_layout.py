"""gradlab.viz.layout: layered, deterministic, no overlaps, fewer crossings, bounded work."""
import itertools
import time

import pytest

import gradlab as torch
from gradlab.viz import Edge, Graph, GraphNode, capture, graph, layout


def _manual(layers, edges):
    """A Graph from layers of names (nodes listed in that order) and (source, target) edges."""
    nodes = [GraphNode(name, "grad_fn", name.upper()) for layer in layers for name in layer]
    return Graph(nodes, [Edge(s, t) for s, t in edges])


def _crossings(g, placed):
    """Crossing pairs among edges between consecutive layers, from the final coordinates."""
    cross = {node_id: (box.y if placed.direction == "LR" else box.x) for node_id, box in placed.boxes.items()}
    by_layers = {}
    for edge in g.edges:
        key = (placed.layers[edge.source], placed.layers[edge.target])
        by_layers.setdefault(key, []).append((cross[edge.source], cross[edge.target]))
    count = 0
    for pairs in by_layers.values():
        for (a1, b1), (a2, b2) in itertools.combinations(pairs, 2):
            if (a1 - a2) * (b1 - b2) < 0:
                count += 1
    return count


def _overlaps(placed):
    boxes = list(placed.boxes.values())
    for a, b in itertools.combinations(boxes, 2):
        if a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom:
            return True
    return False


def _seed_graph():
    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        z = y.sum()
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        mask = w > 0
        loss = (y * w + z).sum()
        loss.backward()
    return graph(cap, names={"x": x, "y": y, "z": z, "w": w, "mask": mask, "loss": loss},
                 accumulate_grad=True)


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_every_arrow_points_forward_and_no_boxes_overlap(direction):
    g = _seed_graph()
    placed = layout(g, direction)
    assert not _overlaps(placed)
    for edge in g.edges:
        source, target = placed.boxes[edge.source], placed.boxes[edge.target]
        if direction == "LR":
            assert source.right < target.left
        else:
            assert source.bottom < target.top
    for box in placed.boxes.values():
        assert box.left >= 0 and box.top >= 0
        assert box.right <= placed.width and box.bottom <= placed.height
    for _, points in placed.routes:
        assert len(points) >= 2


def test_fewer_crossings_than_the_naive_order():
    # in the given order: 3 crossings between the first two layers, 5 between the last two
    layers = [["a0", "a1", "a2"], ["b0", "b1", "b2"], ["c0", "c1", "c2", "c3"]]
    edges = [("a0", "b2"), ("a1", "b1"), ("a2", "b0"),
             ("b0", "c3"), ("b1", "c2"), ("b2", "c1"), ("b2", "c0")]
    g = _manual(layers, edges)
    naive = 0
    position = {name: i for layer in layers for i, name in enumerate(layer)}
    for (s1, t1), (s2, t2) in itertools.combinations(edges, 2):
        if s1[0] == s2[0] and (position[s1] - position[s2]) * (position[t1] - position[t2]) < 0:
            naive += 1
    assert naive == 8
    placed = layout(g)
    assert _crossings(g, placed) < naive
    assert _crossings(g, placed) == placed.crossings == 0
    assert not _overlaps(placed)


def test_long_edges_get_routed_through_the_layers_between():
    g = _manual([["a"], ["b"], ["c"], ["d"]], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    placed = layout(g)
    long_route = [points for edge, points in placed.routes if (edge.source, edge.target) == ("a", "d")][0]
    assert len(long_route) == 4  # start, a point in each of the two layers between, end
    assert not _overlaps(placed)


def test_inputs_sit_next_to_their_first_consumer():
    g = _manual([["a"], ["b"], ["c"], ["k"]], [("a", "b"), ("b", "c"), ("k", "c")])
    placed = layout(g)
    assert placed.layers["k"] == placed.layers["b"]


def test_layout_is_deterministic():
    first = layout(_seed_graph())
    second = layout(_seed_graph())
    assert {k: (b.x, b.y, b.width, b.height) for k, b in first.boxes.items()} == \
        {k: (b.x, b.y, b.width, b.height) for k, b in second.boxes.items()}
    assert [points for _, points in first.routes] == [points for _, points in second.routes]


def test_cycles_do_not_hang():
    g = _manual([["a"], ["b"], ["c"]], [("a", "b"), ("b", "c"), ("c", "a")])
    placed = layout(g)
    assert len(placed.routes) == 3 and not _overlaps(placed)


def test_bad_direction():
    with pytest.raises(ValueError, match="LR"):
        layout(_seed_graph(), "diagonal")


def test_a_thousand_nodes_are_laid_out_quickly_without_overlaps():
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    with capture() as cap:
        outs = []
        for branch in range(40):
            y = x * (branch + 1.0)
            for step in range(11):
                y = y.sin() if step % 2 else y * 0.5
            outs.append(y.sum())
        total = torch.stack(outs).sum()
    g = graph(cap, names={"x": x, "total": total}, max_nodes=2000)
    assert len(g) > 1000
    start = time.perf_counter()
    placed = layout(g)
    assert time.perf_counter() - start < 5
    assert not _overlaps_fast(placed)


def _overlaps_fast(placed):
    """Overlap check for many boxes: sort by left edge, compare neighbours in a sweep."""
    boxes = sorted(placed.boxes.values(), key=lambda b: b.left)
    active = []
    for box in boxes:
        active = [a for a in active if a.right > box.left]
        for other in active:
            if other.top < box.bottom and box.top < other.bottom:
                return True
        active.append(box)
    return False
