"""gradlab.viz: see the autograd graph — capture a cell, model its graph, lay it out, draw it.

::

    from gradlab.viz import capture, graph, to_svg, to_text
    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        z = y.sum()
    g = graph(cap, names=globals())
    print(to_text(g))
    svg = to_svg(g)                # a self-contained SVG string
    print(explain(x, z))           # why x.grad is what it is

One module per step: ``capture`` (record tensors as they are made),
``model`` (the graph as plain data), ``build`` (a tensor or capture → that
data, with ``cuts``: why no gradient flows back, ``boxes``: what each box
says, and ``collapse``: summaries of a large graph), ``layout`` (a layered
drawing), ``svg`` / ``text`` / ``dot`` (renderers) and ``explain``
(plain-words answers about ``.grad``). For the backprop stepper:
``recording`` (one real backward pass, kept step by step) and ``chain_rule``
(each step in words and numbers, from the nodes' own derivative records).
Pure Python and NumPy: no widgets, no Graphviz needed.
"""
from .build import graph
from .capture import Capture, capture
from .dot import to_dot
from .explain import explain
from .layout import layout
from .model import Cut, Edge, Graph, GraphNode
from .svg import save_svg, to_svg
from .text import to_text

__all__ = ["Capture", "Cut", "Edge", "Graph", "GraphNode", "capture", "explain", "graph",
           "layout", "save_svg", "to_dot", "to_svg", "to_text"]
