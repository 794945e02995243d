"""Building the graph model: a tensor, a list of tensors or a ``Capture`` → a ``Graph``.

``graph(target)`` walks ``next_functions`` from the target's grad_fn nodes
with an explicit stack (no recursion, so a graph of any depth can be
described), draws each grad_fn output as one box, and, for a ``Capture``,
adds what the grad_fn graph has no trace of: constant inputs, cuts
(``cuts.py``) and untracked in-place updates. Items are collected as indices
first; above ``max_nodes`` they are collapsed (``collapse.py``) before any
box is made (``boxes.py``), since formatting 100,000 values would be slow.
"""
import collections

from ..autograd.node import AccumulateGrad
from ..printing import printoptions
from ..tensor import Tensor
from .boxes import accumulate_grad_node, grad_fn_node, summary_node, tensor_node
from .capture import Capture, name_tensors
from .collapse import Summary, collapse
from .cuts import cut_reason, op_text
from .model import Cut, Edge, Graph


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
        try:
            tensors = (target,) if isinstance(target, Tensor) else tuple(target)
        except TypeError:  # not iterable: say what graph() takes, not "'int' object is not iterable"
            tensors = (target,)
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
        for _, tensor in live:
            if id(tensor) in name_map:
                self._claim(tensor)
        for tensor in namespace_tensors:
            self._claim(tensor)
        for record, tensor in live:
            if record.changes:
                self._claim(tensor)
        for _, tensor in live:
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
        collapsed = collapse(count, keep, self.edges, labels, names, max_nodes)
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
                if isinstance(item, Summary):
                    kind = "summary"
                else:
                    kind = self.kinds[item]
                prefix = prefixes[kind]
                node_id = f"{prefix}{counters[prefix]}"
                counters[prefix] += 1
                node_ids[item] = node_id  # an item index, or a Summary (never equal to an int)
                if isinstance(item, Summary):
                    nodes.append(summary_node(node_id, item))
                    continue
                obj = self.objects[item]
                object_ids[id(obj)] = node_id
                if kind == "grad_fn":
                    nodes.append(grad_fn_node(node_id, obj))
                elif kind == "accumulate_grad":
                    leaf_names = names[self.index_of[id(obj.variable)]]
                    nodes.append(accumulate_grad_node(node_id, obj, leaf_names))
                else:
                    cut = self.cuts.get(item)
                    record = self.records.get(item)
                    node = tensor_node(node_id, kind, obj, names[item], record, cut, values, grads)
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
