"""gradlab.viz.model: the graph as plain data — nodes, edges, cuts, notes."""
from gradlab.viz.model import Cut, Edge, Graph, GraphNode


def _small_graph():
    nodes = [GraphNode("t0", "leaf", "x", ["x"]), GraphNode("f0", "grad_fn", "MulBackward0"),
             GraphNode("t1", "nonleaf", "y", ["y"]), GraphNode("s0", "summary", "3 nodes collapsed", count=3)]
    edges = [Edge("t0", "f0"), Edge("f0", "t1"), Edge("t1", "s0", "summary", "×2")]
    return Graph(nodes, edges, [Cut("t1", "detach() cut the graph", "detach()")], ["a note"])


def test_graph_holds_nodes_edges_cuts_and_notes():
    g = _small_graph()
    assert len(g) == 4 and not g.is_empty and Graph().is_empty
    assert g.node("f0").label == "MulBackward0"
    assert g.node_id(object()) is None  # only graph() knows which object a box draws
    assert repr(g) == "<Graph: 4 nodes (1 leaf, 1 nonleaf, 1 grad_fn, 1 summary), 3 edges, 1 cuts>"
    assert [e.kind for e in g.edges] == ["flow", "flow", "summary"] and g.notes == ["a note"]


def test_nodes_say_their_kind_in_words():
    g = _small_graph()
    assert [node.badge for node in g.nodes] == ["leaf", "", "non-leaf", "collapsed"]
    assert [node.is_tensor for node in g.nodes] == [True, False, True, False]
    assert GraphNode("t2", "constant", "c").badge == "no grad"
    assert repr(g.node("f0")) == "GraphNode(f0, grad_fn, 'MulBackward0')"
    assert repr(g.edges[0]) == "Edge(t0 -> f0, flow)" and repr(g.cuts[0]) == "Cut(t1: detach() cut the graph)"
