"""The graph model: plain data describing an autograd graph, ready for any renderer.

``graph(target)`` turns a tensor, a list of tensors or a ``Capture`` into a
``Graph``:

- tensor nodes: ``leaf`` (made by the user, requires_grad), ``nonleaf``
  (made by an op, has a grad_fn) and ``constant`` (requires_grad=False);
- ``grad_fn`` nodes, labelled with PyTorch's class name (``PowBackward0``),
  and, on request, the ``AccumulateGrad`` nodes that write into a leaf's
  ``.grad``;
- edges in the direction data flows in the forward pass (``x → PowBackward0
  → y``); gradients travel against them during backward;
- ``cuts``: where no gradient can flow back (a tensor made under
  ``no_grad``, by ``detach()``, by a comparison or by ``argmax``), each with
  the reason in plain words. Cuts are only known for captured tensors: a
  grad_fn graph has no trace of what was cut from it;
- ``summary`` nodes when the graph is larger than ``max_nodes``: repeated
  blocks (the iterations of a training loop) and the middle of long chains
  are collapsed, and ``notes`` says so.

No drawing here: ``layout.py`` places the nodes, ``svg.py``, ``text.py`` and
``dot.py`` draw them. The walk over ``next_functions`` uses an explicit stack
(no recursion), so a graph of any depth can be described.
"""
import collections
import re

from ..autograd.node import AccumulateGrad
from ..printing import format_tensor, printoptions
from ..tensor import Tensor
from .capture import Capture, name_tensors

KINDS = ("leaf", "nonleaf", "constant", "grad_fn", "accumulate_grad", "summary")
MAX_KEPT_DEPTH = 10  # when collapsing long paths, layers kept at each end
HUB_DEGREE = 4  # a node with this many edges in or out separates repeated blocks
BADGES = {"leaf": "leaf", "nonleaf": "non-leaf", "constant": "no grad",
          "grad_fn": "", "accumulate_grad": "", "summary": "collapsed"}


# ====================================================================== data
class GraphNode:
    """One box of the picture.

    ``id`` (stable: ``t0``, ``f3``, ``a1``, ``s0``), ``kind`` (one of ``KINDS``),
    ``label`` (the names, the grad_fn class name or a summary title),
    ``names`` (variable names of a tensor, sorted), ``badge`` (the kind in
    words: "leaf", "non-leaf", "no grad"), ``lines`` (what the box shows below
    its label), ``details`` (the hover text, as a dict: value, grad, shape,
    dtype, requires_grad, is_leaf, grad_fn, ...), ``cut`` (the reason no
    gradient flows back into this tensor, or None), ``count`` (nodes a summary
    stands for).
    """

    __slots__ = ("id", "kind", "label", "names", "badge", "lines", "details", "cut", "count")

    def __init__(self, id, kind, label, names=(), lines=(), details=None, cut=None, count=1):  # noqa: A002
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


# ====================================================================== cut reasons
_COMPARISONS = {
    "__gt__": ">", "gt": ">", "greater": ">", "__lt__": "<", "lt": "<", "less": "<",
    "__ge__": ">=", "ge": ">=", "greater_equal": ">=", "__le__": "<=", "le": "<=",
    "less_equal": "<=", "__eq__": "==", "eq": "==", "__ne__": "!=", "ne": "!=",
    "not_equal": "!=",
}
_LOGICAL = {"__and__": "&", "__or__": "|", "__xor__": "^", "__invert__": "~", "__rand__": "&",
            "__ror__": "|", "__rxor__": "^", "logical_and": "logical_and", "logical_or": "logical_or",
            "logical_xor": "logical_xor", "logical_not": "logical_not"}
_INTEGER_CASTS = {"long", "int", "short", "to", "type", "bool"}
_COPIES = {"tensor", "as_tensor", "from_numpy", "Tensor", "new_tensor"}
INPLACE_SYMBOLS = {"__iadd__": "+=", "__isub__": "-=", "__imul__": "*=", "__itruediv__": "/=",
                   "__setitem__": "[...] ="}


def op_text(op):
    """How an op reads in a sentence: ``__mul__`` → ``*``, ``argmax`` → ``argmax()``."""
    if op is None:
        return "an operation"
    if op in _COMPARISONS:
        return _COMPARISONS[op]
    if op in INPLACE_SYMBOLS:
        return INPLACE_SYMBOLS[op]
    symbol = _OPERATORS.get(op)
    if symbol:
        return symbol
    if op[:1].isupper():  # a module call: Linear, ReLU
        return op
    return f"{op}()"


_OPERATORS = {"__add__": "+", "__radd__": "+", "__sub__": "-", "__rsub__": "-", "__mul__": "*",
              "__rmul__": "*", "__truediv__": "/", "__rtruediv__": "/", "__pow__": "**",
              "__rpow__": "**", "__matmul__": "@", "__rmatmul__": "@", "__neg__": "-",
              "__getitem__": "[...]", "__floordiv__": "//", "__mod__": "%", "__abs__": "abs()"}


def cut_reason(record, tensor):
    """Why no gradient flows back into ``tensor`` (made by ``record``): ``(reason, short)``."""
    op = record.op
    changes = [change.op for change in record.changes]
    if "detach_" in changes:
        return "detach_() cut the graph", "detach_()"
    if op in ("detach", "detach_"):
        return "detach() cut the graph", "detach()"
    if op == "data":
        return ".data gives the values outside the graph (like detach()): no gradient flows back", ".data"
    dtype = record.dtype
    if dtype == "bool":
        if op in _COMPARISONS:
            return f"comparison ({_COMPARISONS[op]}) gives a bool tensor: not differentiable", \
                f"comparison {_COMPARISONS[op]}"
        if op in _LOGICAL:
            return f"logical op ({_LOGICAL[op]}) gives a bool tensor: not differentiable", _LOGICAL[op]
        return f"{op_text(op)} gives a bool tensor: not differentiable", op_text(op)
    if dtype.startswith(("int", "uint")):
        if op in ("argmax", "argmin", "max", "min", "sort", "argsort", "topk", "kthvalue", "mode",
                  "median", "nonzero", "unique"):
            return f"{op} gives integer indices: not differentiable", op
        if op in _INTEGER_CASTS:
            return f"{op_text(op)} converts to an integer tensor: not differentiable", op_text(op)
        return f"{op_text(op)} gives an integer tensor: not differentiable", op_text(op)
    if not record.grad_enabled:
        return "made under torch.no_grad(): no gradient flows back", "no_grad"
    if op in _COPIES:
        return f"torch.{op}() copies the values into a new tensor outside the graph", f"{op}()"
    return f"{op_text(op)} made a tensor outside the graph: no gradient flows back", op_text(op)


# ====================================================================== building
def graph(target, *, names=None, values=True, grads=True, accumulate_grad=False, max_nodes=300):
    """The graph model of ``target``: a Tensor, a list/tuple of tensors, or a ``Capture``.

    ``names``: a namespace dict (``globals()``, IPython's ``user_ns``) or a
    prepared ``{id(tensor): [names]}`` mapping (``Capture.name_tensors``); for a
    Capture without ``names``, the names it last resolved. ``values`` /
    ``grads``: show tensor values / ``.grad`` in the boxes (always in hover
    details). ``accumulate_grad``: draw AccumulateGrad nodes. ``max_nodes``:
    above it, repeated structure is collapsed into summary boxes.
    """
    if max_nodes is None or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive number, got {max_nodes!r}")
    builder = _Builder(accumulate_grad)
    namespace_tensors = ()
    if isinstance(names, dict) and names and all(isinstance(k, str) for k in names):
        namespace_tensors = _namespace_tensors(names)
        # a capture keeps the names it was drawn with, for explain()
        names = target.name_tensors(names) if isinstance(target, Capture) else name_tensors(names)
    if isinstance(target, Capture):
        name_map = dict(target.names) if names is None else dict(names)
        if not namespace_tensors:  # the tensors behind the capture's own names, while alive
            namespace_tensors = target._named_tensors(name_map)
        builder.add_capture(target, namespace_tensors, name_map)
        if target.dropped:
            builder.notes.append(f"the capture recorded its first {target.limit} tensors; "
                                 f"{target.dropped} more are not shown")
    else:
        tensors = (target,) if isinstance(target, Tensor) else tuple(target)
        for tensor in tensors:
            if not isinstance(tensor, Tensor):
                raise TypeError(f"graph() takes a Tensor, a list of tensors or a Capture, "
                                f"got {type(tensor).__name__}")
        name_map = dict(names or {})
        builder.add_tensors(tensors, namespace_tensors)
    return builder.finish(name_map, values, grads, max_nodes)


def _namespace_tensors(namespace):
    found = []
    for name in sorted(namespace):
        if isinstance(name, str) and not name.startswith("_") and isinstance(namespace[name], Tensor):
            found.append(namespace[name])
    return found


class _Builder:
    """Collects items (tensors and grad_fn nodes) as indices first; boxes are made at the end,
    only for what survives collapsing (formatting 100,000 values would be slow)."""

    def __init__(self, accumulate_grad):
        self.accumulate_grad = accumulate_grad
        self.objects = []  # item index -> tensor or autograd node
        self.kinds = []
        self.index_of = {}  # id(object) -> item index
        self.records = {}  # item index -> Record
        self.edges = []  # (source index, target index, kind, label)
        self.edge_seen = set()
        self.cuts = {}  # item index -> (reason, short, record)
        self.owner = {}  # (id(grad_fn), output_nr) -> tensor
        self.alias_of = {}  # id(tensor) -> owner tensor
        self.snapshots = {}  # id(old-value tensor) -> (record of changed tensor, op)
        self.notes = []

    # ---------------------------------------------------------------- items
    def _add(self, obj, kind):
        index = self.index_of.get(id(obj))
        if index is None:
            index = len(self.objects)
            self.objects.append(obj)
            self.kinds.append(kind)
            self.index_of[id(obj)] = index
        return index

    def _add_tensor(self, tensor):
        tensor = self.alias_of.get(id(tensor), tensor)
        if tensor.grad_fn is not None:
            kind = "nonleaf"
        else:
            kind = "leaf" if tensor._requires_grad else "constant"
        return self._add(tensor, kind)

    def _edge(self, source, target, kind="flow", label=None):
        key = (source, target, kind)
        if source != target and key not in self.edge_seen:
            self.edge_seen.add(key)
            self.edges.append((source, target, kind, label))

    def _claim(self, tensor):
        """Make ``tensor`` the box for its grad_fn output, unless another already is."""
        if tensor.grad_fn is None:
            return True
        key = (id(tensor.grad_fn), tensor._output_nr)
        current = self.owner.get(key)
        if current is None:
            self.owner[key] = tensor
            return True
        if current is not tensor:
            self.alias_of[id(tensor)] = current
            return False
        return True

    # ---------------------------------------------------------------- sources
    def add_tensors(self, tensors, namespace_tensors):
        for tensor in tensors:
            self._claim(tensor)
        for tensor in namespace_tensors:
            self._claim(tensor)
        for tensor in tensors:
            self._add_tensor(tensor)
        self._walk([t.grad_fn for t in tensors if t.grad_fn is not None])

    def add_capture(self, cap, namespace_tensors, name_map):
        live = []
        for record in cap.records:
            tensor = record.tensor
            if tensor is None:
                continue
            changed = record.part_of.tensor if record.part_of is not None else None
            if record.part_of is not None:
                if tensor.grad_fn is None:
                    continue  # the raw result of an untracked in-place op: written back, gone
                if changed is not None and tensor.grad_fn is changed.grad_fn:
                    self.alias_of[id(tensor)] = changed
                    continue
                self.snapshots[id(tensor)] = (record.part_of, record.op)
            live.append((record, tensor))
        # a grad_fn output is drawn as one box: named tensors claim it first, then tensors
        # changed in place, then temporaries (the others become aliases of the box)
        for record, tensor in live:
            if id(tensor) in name_map:
                self._claim(tensor)
        for tensor in namespace_tensors:
            self._claim(tensor)
        for record, tensor in live:
            if record.changes:
                self._claim(tensor)
        for record, tensor in live:
            self._claim(tensor)
        for record, tensor in live:
            if id(tensor) in self.alias_of:
                continue
            index = self._add_tensor(tensor)
            self.records[index] = record
        self._walk([t.grad_fn for _, t in live if t.grad_fn is not None])
        self._link_records()

    # ---------------------------------------------------------------- the walk
    def _walk(self, roots):
        """Every grad_fn node reachable from ``roots`` (iterative DFS), with its edges."""
        order = []
        seen = set()
        stack = list(reversed(roots))
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            order.append(node)
            if node.__class__ is AccumulateGrad:
                continue
            for next_node in reversed(node._next_nodes):
                if next_node is not None and id(next_node) not in seen:
                    stack.append(next_node)
        owner = self.owner
        accumulate_grad = self.accumulate_grad
        for node in order:
            if node.__class__ is AccumulateGrad:
                self._add_tensor(node.variable)
                if accumulate_grad:
                    self._add(node, "accumulate_grad")
                continue
            index = self._add(node, "grad_fn")
            for output_nr in range(node._num_outputs):
                tensor = owner.get((id(node), output_nr))
                if tensor is not None:
                    self._edge(index, self._add_tensor(tensor))
        for node in order:
            if node.__class__ is AccumulateGrad:
                if accumulate_grad:
                    self._edge(self.index_of[id(node.variable)], self.index_of[id(node)])
                continue
            index = self.index_of[id(node)]
            indices = node._next_indices
            for position, next_node in enumerate(node._next_nodes):
                if next_node is None:
                    continue
                output_nr = indices[position] if indices else 0
                if next_node.__class__ is AccumulateGrad:
                    source = next_node if accumulate_grad else next_node.variable
                    self._edge(self.index_of[id(source)], index)
                    continue
                tensor = owner.get((id(next_node), output_nr))
                if tensor is not None:
                    self._edge(self.index_of[id(tensor)], index)
                else:
                    label = f"output {output_nr}" if next_node._num_outputs > 1 else None
                    self._edge(self.index_of[id(next_node)], index, label=label)

    def _link_records(self):
        """Edges the grad_fn graph does not have: constant inputs, cuts, untracked ops."""
        for index, record in list(self.records.items()):
            tensor = self.objects[index]
            for change in record.changes:
                # an untracked in-place change (the SGD step under no_grad): drawn, not recorded
                if not change.grad_enabled or not tensor._requires_grad:
                    for source in change.inputs:
                        self._edge(self._add_tensor(source), index, "untracked", op_text(change.op))
            inputs = [t for t in record.inputs if t is not tensor]
            if not inputs:
                continue
            required = dict(zip((id(t) for t in record.inputs), record.inputs_required_grad))
            node = tensor.grad_fn
            if node is None and tensor._requires_grad:
                continue  # a new leaf (zeros_like(x, requires_grad=True)): not cut from anything
            if node is not None:
                if record.part_of is not None or self.kinds[index] != "nonleaf":
                    continue
                free_slots = sum(1 for n in node._next_nodes if n is None)
                target = self.index_of.get(id(node))
                for source in inputs:
                    if free_slots <= 0 or target is None:
                        break
                    if not required.get(id(source), False) and source.grad_fn is None:
                        self._edge(self._add_tensor(source), target, "constant")
                        free_slots -= 1
            elif record.created and record.part_of is None:
                if any(required.get(id(t), False) for t in inputs):
                    reason, short = cut_reason(record, tensor)
                    self.cuts[index] = (reason, short, record)
                    for source in inputs:
                        if required.get(id(source), False):
                            self._edge(self._add_tensor(source), index, "cut", short)
                else:
                    for source in inputs:
                        self._edge(self._add_tensor(source), index, "untracked")

    # ---------------------------------------------------------------- finishing
    def finish(self, name_map, values, grads, max_nodes):
        count = len(self.objects)
        self.aliases = collections.defaultdict(list)
        for alias_id, owner in self.alias_of.items():
            self.aliases[id(owner)].append(alias_id)
        names = [self._names_of(index, name_map) for index in range(count)]
        degree = [0] * count
        for source, target, _, _ in self.edges:
            degree[source] += 1
            degree[target] += 1
        dropped = [i for i in range(count)
                   if self.kinds[i] == "constant" and not names[i] and not degree[i]]
        notes = list(self.notes)
        if dropped:
            notes.append(f"left out {len(dropped)} unnamed tensor{'s' if len(dropped) > 1 else ''} "
                         "that do not require grad and are not connected to anything")
        keep = [True] * count
        for i in dropped:
            keep[i] = False
        labels = [self._signature(i) for i in range(count)]
        collapsed = _collapse(count, keep, self.edges, labels, names, max_nodes)
        notes.extend(collapsed.notes)
        return self._materialize(collapsed, names, values, grads, notes, max_nodes)

    def _names_of(self, index, name_map):
        obj = self.objects[index]
        found = list(name_map.get(id(obj), ()))
        if not isinstance(obj, Tensor):
            return found
        for alias_id in self.aliases.get(id(obj), ()):
            for alias in name_map.get(alias_id, ()):
                if alias not in found:
                    found.append(alias)
        snapshot = self.snapshots.get(id(obj))
        if snapshot is not None and not found:
            record, op = snapshot
            changed = record.tensor
            base = name_map.get(id(changed)) if changed is not None else None
            if base:
                found.append(f"{base[0]} before {op_text(op)}")
        return found

    def _signature(self, index):
        obj = self.objects[index]
        kind = self.kinds[index]
        if kind in ("grad_fn", "accumulate_grad"):
            return type(obj).__name__
        return "tensor"

    def _materialize(self, collapsed, names, values, grads, notes, max_nodes):
        counters = collections.Counter()
        prefixes = {"leaf": "t", "nonleaf": "t", "constant": "t", "grad_fn": "f",
                    "accumulate_grad": "a", "summary": "s"}
        node_ids = {}
        nodes = []
        object_ids = {}
        cuts = []
        with printoptions(threshold=24, edgeitems=3, linewidth=60):
            for item in collapsed.order:
                if isinstance(item, _Summary):
                    kind = "summary"
                else:
                    kind = self.kinds[item]
                prefix = prefixes[kind]
                node_id = f"{prefix}{counters[prefix]}"
                counters[prefix] += 1
                node_ids[item] = node_id  # an item index, or a _Summary (never equal to an int)
                if isinstance(item, _Summary):
                    nodes.append(_summary_node(node_id, item))
                    continue
                obj = self.objects[item]
                object_ids[id(obj)] = node_id
                if kind == "grad_fn":
                    nodes.append(_grad_fn_node(node_id, obj))
                elif kind == "accumulate_grad":
                    leaf_names = names[self.index_of[id(obj.variable)]]
                    nodes.append(_accumulate_node(node_id, obj, leaf_names))
                else:
                    cut = self.cuts.get(item)
                    record = self.records.get(item)
                    node = _tensor_node(node_id, kind, obj, names[item], record, cut, values, grads)
                    nodes.append(node)
                    if cut is not None:
                        reason, short, cut_record = cut
                        cuts.append(Cut(node_id, reason, short, cut_record.op, cut_record.lineno,
                                        cut_record.source))
        edges = []
        for source, target, kind, label in collapsed.edges:
            edges.append(Edge(node_ids[source], node_ids[target], kind, label))
        hidden_cuts = sum(1 for index in self.cuts if index not in node_ids)
        if hidden_cuts:
            notes.append(f"{hidden_cuts} cut{'s' if hidden_cuts > 1 else ''} inside collapsed parts "
                         "not shown")
        options = {"values": values, "grads": grads, "accumulate_grad": self.accumulate_grad,
                   "max_nodes": max_nodes}
        result = Graph(nodes, edges, cuts, notes, options)
        result._object_ids = object_ids
        return result


# ====================================================================== boxes
def _format(array):
    """PyTorch's printed form of the values (without ``tensor(`` and the dtype)."""
    text = format_tensor(array, array.dtype.name, prefix="")
    text = re.sub(r",\s*dtype=torch\.\w+", "", text)
    return text[:-1] if text.endswith(")") else text


def _compact(array, full):
    flat = " ".join(full.split())
    if len(flat) <= 34:
        return flat
    with printoptions(threshold=4, edgeitems=1, linewidth=200):
        flat = " ".join(_format(array).split())
    return flat if len(flat) <= 34 else flat[:33] + "…"


def _shape_text(shape):
    return "scalar" if not shape else "[" + ", ".join(str(n) for n in shape) + "]"


def _tensor_node(node_id, kind, tensor, names, record, cut, values, grads):
    data = tensor._data
    value = _format(data)
    grad = tensor._grad
    grad_text = _format(grad._data) if grad is not None else None
    details = {
        "value": value,
        "grad": grad_text,
        "shape": list(data.shape),
        "dtype": f"torch.{data.dtype.name}",
        "requires_grad": tensor._requires_grad,
        "is_leaf": tensor.grad_fn is None,
        "grad_fn": type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else None,
    }
    if tensor.grad_fn is not None and tensor._retains_grad:
        details["retains_grad"] = True
    if grad is not None and tensor._grad_accumulations > 1:
        details["grad_accumulated"] = f"sum of {tensor._grad_accumulations} backward passes"
    lines = [f"{_shape_text(data.shape)} · {data.dtype.name}"]
    if values:
        lines.append(f"value {_compact(data, value)}")
    if grads and grad is not None:
        lines.append(f"grad {_compact(grad._data, grad_text)}")
    if record is not None:
        made = f"{op_text(record.op)}"
        if record.lineno is not None:
            made += f" (line {record.lineno})"
        details["made_by"] = made if record.created else "made before the capture"
        if record.changes:
            changes = ", ".join(
                f"{op_text(c.op)}" + (f" (line {c.lineno})" if c.lineno is not None else "")
                + ("" if c.grad_enabled else " under no_grad") for c in record.changes)
            details["changed_in_place"] = changes
            lines.append(f"changed in place ×{len(record.changes)}")
    cut_text = None
    if cut is not None:
        cut_text = cut[0]
        details["cut"] = cut_text
        lines.extend(_wrap("✂ " + cut_text, 34))
    label = ", ".join(names) if names else ""
    return GraphNode(node_id, kind, label, names, lines, details, cut=cut_text)


def _grad_fn_node(node_id, node):
    name = type(node).__name__
    details = {"grad_fn": name}
    lines = []
    if node.expression:
        details["expression"] = node.expression
        lines.append(node.expression)
    if node.local_derivatives:
        details["local_derivatives"] = "; ".join(node.local_derivatives)
    inputs = []
    for next_node, _ in node.next_functions:
        inputs.append("None" if next_node is None else type(next_node).__name__)
    details["next_functions"] = ", ".join(inputs) if inputs else "()"
    if node._freed:
        details["saved"] = "freed by backward (use retain_graph=True to keep it)"
    elif node._saved:
        details["saved"] = f"{len(node._saved)} value{'s' if len(node._saved) > 1 else ''} for backward"
    return GraphNode(node_id, "grad_fn", name, (), lines, details)


def _accumulate_node(node_id, node, leaf_names):
    target = f"{leaf_names[0]}.grad" if leaf_names else "leaf.grad"
    details = {"grad_fn": "AccumulateGrad", "expression": f"{target} += incoming gradient"}
    return GraphNode(node_id, "accumulate_grad", "AccumulateGrad", (), [f"{target} += grad"], details)


def _summary_node(node_id, summary):
    counts = summary.contents.most_common()
    lines = [f"{label} ×{number}" for label, number in counts[:3]]
    if len(counts) > 3:
        rest = sum(n for _, n in counts[3:])
        lines.append(f"+{rest} other node{'s' if rest > 1 else ''}")
    details = {"collapsed": summary.size,
               "contents": ", ".join(f"{label} ×{number}" for label, number in counts),
               "why": summary.why}
    return GraphNode(node_id, "summary", summary.title, (), lines, details, count=summary.size)


def _wrap(text, width):
    words = text.split(" ")
    lines, current = [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines[:3]


# ====================================================================== collapsing
class _Summary:
    """A collapsed part of the graph (an item of the collapsed order)."""

    __slots__ = ("size", "contents", "title", "why", "first")

    def __init__(self, members, labels, title, why):
        self.size = len(members)
        self.contents = collections.Counter(labels[m] for m in members)
        self.title = title
        self.why = why
        self.first = min(members)


class _Collapsed:
    __slots__ = ("order", "edges", "notes")


def _collapse(count, keep, edges, labels, names, max_nodes):
    """Reduce the graph to at most ``max_nodes`` boxes; linear work in nodes + edges.

    1. Repeated blocks: the parts left when shared inputs (parameters) are
       removed are grouped by their contents; all but the last of a group
       (a training loop's earlier iterations) become one summary box.
    2. Long paths: nodes within K layers of a start or an end of the graph
       stay, the middle is collapsed, one box per connected stretch.
    3. Whatever is still too much becomes one box.
    """
    result = _Collapsed()
    items = [i for i in range(count) if keep[i]]
    alive_edges = [(s, t, k, label) for s, t, k, label in edges if keep[s] and keep[t]]
    notes = []
    if len(items) <= max_nodes:
        result.order, result.edges, result.notes = items, alive_edges, notes
        return result
    group_of = {}  # item -> _Summary
    total = len(items)

    # -------- 1. repeated blocks
    blocks = _repeated_blocks(items, alive_edges, labels)
    for members, copies in blocks:
        summary = _Summary(members, labels, f"{copies} repeated blocks",
                           f"{copies} copies of the same structure (e.g. loop iterations); "
                           "the last copy is drawn")
        for m in members:
            group_of[m] = summary
    remaining = [i for i in items if i not in group_of]
    summaries = list(dict.fromkeys(group_of.values()))
    max_summaries = max(1, min(20, max_nodes // 5))

    # -------- 2. the middle of long paths
    if len(remaining) + len(summaries) > max_nodes:
        budget = max(1, max_nodes - max_summaries - len(summaries))
        removed = _middle_of_paths(remaining, alive_edges, budget)
        if removed:
            parts = _components(removed, alive_edges)
            parts.sort(key=lambda part: (-len(part), min(part)))
            room = max(1, max_summaries - len(summaries))
            if len(parts) > room:
                rest = [m for part in parts[room - 1:] for m in part]
                parts = parts[:room - 1] + [rest]
            for part in parts:
                summary = _Summary(part, labels, f"{len(part)} nodes collapsed",
                                   "long stretch of the graph between its inputs and outputs")
                for m in part:
                    group_of[m] = summary
            remaining = [i for i in remaining if i not in group_of]
            summaries = list(dict.fromkeys(group_of.values()))

    # -------- 3. last resort: keep the first nodes, one box for the rest
    if len(remaining) + len(summaries) > max_nodes:
        room = max(1, max_nodes - 1)
        summaries_kept = summaries[:max(0, min(len(summaries), room // 2))]
        room -= len(summaries_kept)
        ranked = sorted(remaining, key=lambda i: (not names[i], i))
        kept = set(ranked[:room])
        rest = [i for i in remaining if i not in kept]
        for s in summaries[len(summaries_kept):]:
            rest.extend(m for m, g in group_of.items() if g is s)
        summary = _Summary(rest, labels, f"{len(rest)} nodes collapsed",
                           "the graph is larger than max_nodes")
        for m in rest:
            group_of[m] = summary
        remaining = [i for i in remaining if i in kept]
        summaries = list(dict.fromkeys(group_of.values()))

    # -------- edges to and from the boxes, counted
    merged = {}
    for source, target, kind, label in alive_edges:
        s = group_of.get(source, source)
        t = group_of.get(target, target)
        if s is t:
            continue
        if isinstance(s, _Summary) or isinstance(t, _Summary):
            key = (s, t)
            entry = merged.get(key)
            if entry is None:
                merged[key] = [s, t, "summary", 1]
            else:
                entry[3] += 1
        else:
            merged[(s, t, kind)] = [s, t, kind, label]
    new_edges = []
    for entry in merged.values():
        s, t, kind, label = entry
        if kind == "summary":
            label = f"×{label}" if label > 1 else None
        new_edges.append((s, t, kind, label))
    order = sorted(remaining + summaries,
                   key=lambda item: item.first if isinstance(item, _Summary) else item)
    collapsed_count = total - len(remaining)
    notes.append(f"collapsed {collapsed_count} nodes into {len(summaries)} summary "
                 f"box{'es' if len(summaries) > 1 else ''} (the graph has {total} nodes, "
                 f"more than max_nodes={max_nodes})")
    result.order, result.edges, result.notes = order, new_edges, notes
    return result


def _repeated_blocks(items, edges, labels):
    """Groups of identical blocks: the parts left when inputs and hubs are taken out.

    Inputs (no incoming edge) and hubs (HUB_DEGREE or more edges in or out: a
    parameter used by every iteration, the ``stack`` joining 40 branches)
    stay drawn; what falls apart without them is grouped by its contents.
    """
    indegree = collections.Counter(t for _, t, _, _ in edges)
    outdegree = collections.Counter(s for s, _, _, _ in edges)
    inputs = {i for i in items if not indegree[i]}
    hubs = {i for i in items if indegree[i] >= HUB_DEGREE or outdegree[i] >= HUB_DEGREE}
    sources = inputs | hubs
    parent = {i: i for i in items if i not in sources}

    def find(i):
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    successors = collections.defaultdict(set)
    for s, t, _, _ in edges:
        if s in sources:
            successors[s].add(t)
        elif t not in sources:
            a, b = find(s), find(t)
            if a != b:
                parent[max(a, b)] = min(a, b)
    members = collections.defaultdict(list)
    for i in parent:
        members[find(i)].append(i)
    for source in sorted(inputs - hubs):  # inputs used by one block only belong to it
        roots = {find(t) for t in successors[source] if t in parent}
        if len(roots) == 1:
            members[roots.pop()].append(source)
    block_of = {m: root for root, part in members.items() for m in part}
    internal = collections.Counter()
    shared = collections.defaultdict(set)  # block -> the hubs and shared inputs it touches
    for s, t, _, _ in edges:
        if s in block_of and t in block_of:
            internal[block_of[t]] += 1
        elif t in block_of:
            shared[block_of[t]].add(("in", s))
        elif s in block_of:
            shared[block_of[s]].add(("out", t))
    groups = collections.defaultdict(list)
    for root, part in members.items():
        signature = (tuple(sorted(collections.Counter(labels[m] for m in part).items())),
                     internal[root], tuple(sorted(shared[root])))
        groups[signature].append(sorted(part))
    result = []
    for parts in groups.values():
        # a lone node repeated (the same update made in every iteration) needs 3 copies
        if len(parts) < 2 or (len(parts[0]) == 1 and len(parts) < 3):
            continue
        parts.sort(key=lambda part: part[-1])
        collapsed = [m for part in parts[:-1] for m in part]
        result.append((collapsed, len(parts) - 1))
    result.sort(key=lambda entry: min(entry[0]))
    return result


def _middle_of_paths(items, edges, budget):
    """Nodes more than K layers away from both ends of the graph, K as large as the budget allows."""
    item_set = set(items)
    successors = collections.defaultdict(list)
    predecessors = collections.defaultdict(list)
    for s, t, _, _ in edges:
        if s in item_set and t in item_set:
            successors[s].append(t)
            predecessors[t].append(s)
    forward = _longest_paths(items, predecessors, successors)
    backward = _longest_paths(items, successors, predecessors)
    distance = {i: min(forward[i], backward[i]) for i in items}
    histogram = collections.Counter(distance.values())
    kept, limit = 0, 0
    for level in sorted(histogram):
        if kept + histogram[level] > budget or level >= MAX_KEPT_DEPTH:
            break
        kept += histogram[level]
        limit = level + 1
    return [i for i in items if distance[i] >= limit]


def _longest_paths(items, predecessors, successors):
    """Longest path from any start, in topological order (Kahn); nodes on cycles get 0."""
    remaining = {i: len(predecessors[i]) for i in items}
    level = {i: 0 for i in items}
    ready = [i for i in items if not remaining[i]]
    ready.reverse()
    while ready:
        node = ready.pop()
        for nxt in successors[node]:
            if level[node] + 1 > level[nxt]:
                level[nxt] = level[node] + 1
            remaining[nxt] -= 1
            if not remaining[nxt]:
                ready.append(nxt)
    return level


def _components(part, edges):
    members = set(part)
    parent = {i: i for i in part}

    def find(i):
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    for s, t, _, _ in edges:
        if s in members and t in members:
            a, b = find(s), find(t)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups = collections.defaultdict(list)
    for i in part:
        groups[find(i)].append(i)
    return [sorted(g) for g in groups.values()]
