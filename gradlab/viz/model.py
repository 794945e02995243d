"""The graph model: plain data describing an autograd graph, ready for any renderer.

A ``Graph`` holds

- tensor nodes: ``leaf`` (made by the user, requires_grad), ``nonleaf``
  (made by an op, has a grad_fn) and ``constant`` (requires_grad=False);
- ``grad_fn`` nodes, labelled with PyTorch's class name (``PowBackward0``),
  and, on request, the ``AccumulateGrad`` nodes that write into a leaf's
  ``.grad``;
- edges in the direction data flows in the forward pass (``x → PowBackward0
  → y``); gradients travel against them during backward;
- ``cuts``: where no gradient can flow back (a tensor made under
  ``no_grad``, by ``detach()``, by a comparison or by ``argmax``), each with
  the reason in plain words (``cuts.py``);
- ``summary`` nodes standing for collapsed parts of a large graph
  (``collapse.py``), and ``notes`` saying what was collapsed or left out.

Only the data lives here. ``build.py`` makes a ``Graph`` from a tensor or a
``Capture`` (``graph()``), ``layout.py`` places its nodes, ``svg.py``,
``text.py`` and ``dot.py`` draw them.
"""
import collections

KINDS = ("leaf", "nonleaf", "constant", "grad_fn", "accumulate_grad", "summary")
BADGES = {"leaf": "leaf", "nonleaf": "non-leaf", "constant": "no grad",
          "grad_fn": "", "accumulate_grad": "", "summary": "collapsed"}


class GraphNode:
    """One box of the picture.

    ``id`` (stable: ``t0``, ``f3``, ``a1``, ``s0``), ``kind`` (one of ``KINDS``),
    ``label`` (the names, the grad_fn class name or a summary title),
    ``names`` (variable names of a tensor, sorted), ``badge`` (the kind in
    words: "leaf", "non-leaf", "no grad"), ``lines`` (what the box shows below
    its label), ``details`` (the hover text, as a dict: value, grad, shape,
    dtype, requires_grad, is_leaf, grad_fn, ...; keys starting with ``_`` are
    gradlab's own notes, never shown), ``cut`` (the reason no
    gradient flows back into this tensor, or None), ``count`` (nodes a summary
    stands for).
    """

    __slots__ = ("id", "kind", "label", "names", "badge", "lines", "details", "cut", "count")

    def __init__(self, id, kind, label, names=(), lines=(), details=None, cut=None, count=1):
        self.id = id
        self.kind = kind
        self.label = label
        self.names = list(names)
        self.badge = BADGES[kind]
        self.lines = list(lines)
        self.details = dict(details or {})
        self.cut = cut
        self.count = count

    @property
    def is_tensor(self):
        return self.kind in ("leaf", "nonleaf", "constant")

    def __repr__(self):
        return f"GraphNode({self.id}, {self.kind}, {self.label!r})"


class Edge:
    """An arrow in the direction of the forward data flow.

    ``kind``: "flow" (part of the autograd graph), "constant" (an input that
    needs no gradient), "cut" (no gradient flows back along it), "untracked"
    (made from tensors none of which required grad: nothing recorded) or
    "summary" (to or from a collapsed part). ``label``: optional short text.
    """

    __slots__ = ("source", "target", "kind", "label")

    def __init__(self, source, target, kind="flow", label=None):
        self.source, self.target, self.kind, self.label = source, target, kind, label

    def __repr__(self):
        return f"Edge({self.source} -> {self.target}, {self.kind})"


class Cut:
    """Where the graph is cut: ``node`` (id of the tensor node), ``reason`` (plain words),
    ``short`` (a few words), ``op`` (the op that made it), ``line`` (user's line number or None),
    ``source`` (the text of that line, when known)."""

    __slots__ = ("node", "reason", "short", "op", "line", "source")

    def __init__(self, node, reason, short, op=None, line=None, source=""):
        self.node, self.reason, self.short = node, reason, short
        self.op, self.line, self.source = op, line, source

    def __repr__(self):
        return f"Cut({self.node}: {self.reason})"


class Graph:
    """``nodes``, ``edges``, ``cuts`` and ``notes``; ``len(g)`` counts nodes."""

    def __init__(self, nodes=(), edges=(), cuts=(), notes=(), options=None):
        self.nodes = list(nodes)
        self.edges = list(edges)
        self.cuts = list(cuts)
        self.notes = list(notes)
        self.options = dict(options or {})
        self._by_id = {node.id: node for node in self.nodes}
        self._object_ids = {}  # id(tensor or grad_fn) -> node id

    def __len__(self):
        return len(self.nodes)

    @property
    def is_empty(self):
        return not self.nodes

    def node(self, node_id):
        """The node with this id."""
        return self._by_id[node_id]

    def node_id(self, obj):
        """The id of the node drawing a tensor or grad_fn object, or None (e.g. collapsed)."""
        return self._object_ids.get(id(obj))

    def __repr__(self):
        counts = collections.Counter(node.kind for node in self.nodes)
        parts = ", ".join(f"{counts[k]} {k}" for k in KINDS if counts[k])
        return f"<Graph: {len(self.nodes)} nodes ({parts}), {len(self.edges)} edges, {len(self.cuts)} cuts>"
