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
import gc
import weakref

import numpy as np

from ..autograd.node import AccumulateGrad
from ..printing import printoptions
from ..tensor import Tensor
from .boxes import accumulate_grad_node, grad_fn_node, summary_node, tensor_node
from .capture import Capture, name_tensors
from .collapse import Summary, collapse
from .cuts import cut_reason, op_text
from .labels import forward_text, named_derivatives, operand_names
from .model import Cut, Edge, Graph

_TENSOR_KINDS = ("leaf", "nonleaf", "constant")


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
    collecting = gc.isenabled()
    gc.disable()  # ~100,000 short-lived lists and tuples: no cycles to find, only time to lose
    try:
        return _graph(target, names, values, grads, accumulate_grad, max_nodes)
    finally:
        if collecting:
            gc.enable()


def _graph(target, names, values, grads, accumulate_grad, max_nodes):
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
        self.store = None  # a capture's Records
        self.rows = {}  # item index -> its row in the store
        self.edges = []  # (source index, target index, kind, label)
        self.edge_seen = set()
        self.cuts = {}  # item index -> (reason, short, record)
        self.owner = {}  # (id(grad_fn), output_nr) -> tensor
        self.alias_of = {}  # id(tensor) -> owner tensor
        self.snapshots = {}  # id(old-value tensor) -> (record of changed tensor, op)
        self.saved_state = {}  # id(tensor) -> the grad_fn node that saved it (pooling indices)
        self.call_results = {}  # a record's call number -> index of its last record with a grad_fn
        self.made_by_node = {}  # id(grad_fn) -> the row of the tensor it made (in a capture)
        self.changed_by_node = {}  # id(grad_fn) -> the in-place Change that made it
        self.nodes_after = {}  # row of a tensor made without a node -> next node's sequence number
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
        if tensor._grad_fn is not None:
            kind = "nonleaf"
        else:
            kind = "leaf" if tensor._requires_grad else "constant"
        return self._add(tensor, kind)

    def _edge(self, source, target, kind="flow", label=None, use=None):
        """An edge, once; ``use``: the input position of a flow edge, so that a tensor used
        twice by one node (``w * w``) gets an arrow for each use."""
        key = (source, target, kind) if use is None else (source, target, kind, use)
        if source != target and key not in self.edge_seen:
            self.edge_seen.add(key)
            self.edges.append((source, target, kind, label))

    def _claim(self, tensor):
        """Make ``tensor`` the box for its grad_fn output, unless another already is."""
        if tensor._grad_fn is None:
            return True
        key = (id(tensor._grad_fn), tensor._output_nr)
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
        self._walk([t._grad_fn for t in tensors if t._grad_fn is not None])

    def add_capture(self, cap, namespace_tensors, name_map):
        # a 50,000-op cell has 50,000 rows: read the store's columns, make Records only for
        # the rows that are drawn (``record_at``)
        store = self.store = cap.store
        calls, part_of, ops, nodes = store.calls, store.part_of, store.ops, store.nodes
        not_created, changes, made_by_node = store.not_created, store.changes, self.made_by_node
        live_rows, live = [], []  # the rows whose tensor is drawn, and those tensors
        call_results, waiting, nodes_after = self.call_results, [], self.nodes_after
        for row, ref in enumerate(store.refs):
            tensor = ref() if ref.__class__ is weakref.ref else ref  # (``store.tensor``, written out)
            if tensor is None:
                continue
            if part_of and row in part_of:
                if not self._is_snapshot(store, row, tensor):
                    continue
            elif ops[row] == "__setitem__" and row not in not_created and id(tensor) not in name_map:
                continue  # made inside ``t[i] = v`` (the region written, v as a tensor): t shows it
            live_rows.append(row)
            live.append(tensor)
            node = tensor._grad_fn
            if node is not None:
                call_results[calls[row]] = row
                if waiting:  # the rows made without a node just before this node (see ranks)
                    for early in waiting:
                        nodes_after[early] = node._sequence_nr
                    waiting = []
            else:
                waiting.append(row)
            if row not in not_created and (not part_of or row not in part_of):
                # which code made each grad_fn the tensor has had (see ``_grad_fn_box``)
                made = nodes[row]
                made = made() if made.__class__ is weakref.ref else made
                if made is not None:
                    made_by_node.setdefault(id(made), row)
                if changes and row in changes and tensor._base is None:
                    for change in changes[row]:  # (a view's new grad_fn only re-reads its base)
                        if change.node is not None:
                            self.changed_by_node[id(change.node)] = change
        self._find_saved_state(store, live_rows, live, name_map)
        # a grad_fn output is drawn as one box: named tensors claim it first, then tensors
        # changed in place, then temporaries (the others become aliases of the box)
        for tensor in live:
            if id(tensor) in name_map:
                self._claim(tensor)
        for tensor in namespace_tensors:
            self._claim(tensor)
        if store.changes:
            for row, tensor in zip(live_rows, live):
                if row in store.changes:
                    self._claim(tensor)
        owner, alias_of = self.owner, self.alias_of
        rows, index_of, objects, kinds = self.rows, self.index_of, self.objects, self.kinds
        roots = []
        for row, tensor in zip(live_rows, live):
            node = tensor._grad_fn
            if node is not None:
                roots.append(node)
                current = owner.setdefault((id(node), tensor._output_nr), tensor)  # (``_claim``)
                if current is not tensor:
                    alias_of[id(tensor)] = current
                    continue
            elif id(tensor) in alias_of:
                continue
            index = index_of.get(id(tensor))
            if index is None:  # (``_add_tensor``, written out: it runs for every row)
                index = index_of[id(tensor)] = len(objects)
                objects.append(tensor)
                if node is not None:
                    kinds.append("nonleaf")
                else:
                    kinds.append("leaf" if tensor._requires_grad else "constant")
            rows[index] = row
        self._walk(roots)
        self._link_records(store)

    def _is_snapshot(self, store, row, tensor):
        """A tensor an in-place op made inside (``part_of``): drawn when it is the changed
        tensor's old value, kept for backward; an alias of the changed tensor when it shares its
        grad_fn; left out when it is the raw result of an untracked op (written back, gone)."""
        if tensor._grad_fn is None:
            return False
        changed_row = store.part_of[row]
        changed = store.tensor(changed_row)
        if changed is not None and tensor._grad_fn is changed._grad_fn:
            self.alias_of[id(tensor)] = changed
            return False
        if changed is not None and changed._base is not None:
            return False  # a write through a view: its node lives inside the base's CopySlices
        self.snapshots[id(tensor)] = (store.record(changed_row), store.ops[row])
        return True

    def record_at(self, index):
        """The capture's Record of the item at ``index``, or None."""
        row = self.rows.get(index)
        return self.store.record(row) if row is not None else None

    def _find_saved_state(self, store, live_rows, live, name_map):
        """Tensors an op made only to keep for backward (max pooling's indices): a tensor without
        a grad_fn, made by the same call as a node's output, saved by that node and not named
        by the student (``values, indices = x.max(1)`` asked for the indices: they stay a box)."""
        calls, shapes = store.calls, store.shapes
        by_call = {}
        previous_row = previous = None
        for row, tensor in zip(live_rows, live):
            node = tensor._grad_fn
            if node is not None:
                if node._num_outputs > 1:
                    by_call.setdefault(calls[row], []).append(node)
            elif previous is not None and calls[previous_row] == calls[row] \
                    and not tensor._requires_grad \
                    and id(tensor) not in name_map and tensor._data.dtype.kind in "iu" \
                    and previous._data.dtype.kind == "f" and shapes[row] == shapes[previous_row]:
                # indices made right after their values by the same call (their node's saved
                # values may be freed by backward already; under no_grad there is no node)
                self.saved_state[id(tensor)] = previous._grad_fn
            previous_row, previous = row, tensor
        if not by_call:
            return
        for row, tensor in zip(live_rows, live):
            if tensor._grad_fn is not None or tensor._requires_grad or calls[row] not in by_call \
                    or id(tensor) in name_map:
                continue
            for node in by_call[calls[row]]:
                if any(saved is tensor or getattr(saved, "tensor", None).__class__ is weakref.ref
                       and saved.tensor() is tensor for saved in node._saved):
                    self.saved_state[id(tensor)] = node
                    break

    # ---------------------------------------------------------------- the walk
    def _walk(self, roots):
        """Every grad_fn node reachable from ``roots`` (iterative DFS), with its edges.

        Items are numbered in the order of the walk; the edges of the graph are its own
        (``next_functions``), each met once, so they are appended without ``_edge``'s check.
        """
        # nodes and their output tensors are numbered in the order the walk first meets them
        order = []
        seen = set()
        owner, index_of, edges = self.owner, self.index_of, self.edges
        objects, kinds = self.objects, self.kinds
        accumulate_grad = self.accumulate_grad
        for root in roots:  # (the same walk as one stack holding every root, first on top)
            if id(root) in seen:
                continue
            stack = [root]
            while stack:
                node = stack.pop()
                if id(node) in seen:
                    continue
                seen.add(id(node))
                order.append(node)
                if node.__class__ is AccumulateGrad:
                    self._add_tensor(node.variable)
                    if accumulate_grad:
                        self._add(node, "accumulate_grad")
                    continue
                index = index_of.get(id(node))
                if index is None:
                    index = index_of[id(node)] = len(objects)
                    objects.append(node)
                    kinds.append("grad_fn")
                for output_nr in range(node._num_outputs) if node._num_outputs > 1 else (0,):
                    tensor = owner.get((id(node), output_nr))  # (an owner is never an alias)
                    if tensor is not None:
                        output = index_of.get(id(tensor))
                        if output is None:
                            output = self._add_tensor(tensor)
                        edges.append((index, output, "flow", None))
                for next_node in reversed(node._next_nodes):
                    if next_node is not None and id(next_node) not in seen:
                        stack.append(next_node)
        for node in order:  # the inputs of each node, now that every item has its number
            if node.__class__ is AccumulateGrad:
                if accumulate_grad:
                    edges.append((index_of[id(node.variable)], index_of[id(node)], "flow", None))
                continue
            index = index_of[id(node)]
            indices = node._next_indices
            position = -1
            for next_node in node._next_nodes:
                position += 1
                if next_node is None:
                    continue
                if next_node.__class__ is AccumulateGrad:
                    source = next_node if accumulate_grad else next_node.variable
                    edges.append((index_of[id(source)], index, "flow", None))
                    continue
                output_nr = indices[position] if indices else 0
                tensor = owner.get((id(next_node), output_nr))
                if tensor is not None:
                    edges.append((index_of[id(tensor)], index, "flow", None))
                else:
                    label = f"output {output_nr}" if next_node._num_outputs > 1 else None
                    edges.append((index_of[id(next_node)], index, "flow", label))

    def _link_records(self, store):
        """Edges the grad_fn graph does not have: constant inputs, cuts, untracked ops.

        Only rows changed in place and rows with an input outside the grad_fn graph (no
        node, or an input that did not require grad) can add one: found from the columns.
        """
        ends, required = store.input_ends, store.input_required
        changes, index_of = store.changes, self.index_of
        for index, row in list(self.rows.items()):
            start, end = (ends[row - 1] if row else 0), ends[row]
            tensor = self.objects[index]
            if row in changes:
                for change in changes[row]:
                    # an untracked in-place change (the SGD step under no_grad): drawn, not recorded
                    if not change.grad_enabled or not tensor._requires_grad:
                        for source in change.inputs:
                            self._edge(self._add_tensor(source), index, "untracked",
                                       op_text(change.op))
            if start == end:
                continue
            node = tensor._grad_fn
            if node is not None and all(required[start:end]):
                continue  # every input is in the grad_fn graph already: nothing to add
            if id(tensor) in self.saved_state:
                continue  # pooling indices: drawn inside the node that saved them
            record = store.record(row)
            inputs = [t for t in record.inputs if t is not tensor]
            if not inputs:
                continue
            required_of = dict(zip((id(t) for t in record.inputs), record.inputs_required_grad))
            if node is None and tensor._requires_grad:
                continue  # a new leaf (zeros_like(x, requires_grad=True)): not cut from anything
            if node is not None:
                if record.part_of is not None or self.kinds[index] != "nonleaf":
                    continue
                free_slots = sum(1 for n in node._next_nodes if n is None)
                target = index_of.get(id(node))
                for source in inputs:
                    if free_slots <= 0 or target is None:
                        break
                    if not required_of.get(id(source), False) and source.grad_fn is None:
                        self._edge(self._add_tensor(source), target, "constant")
                        free_slots -= 1
            elif record.created and record.part_of is None:
                if any(required_of.get(id(t), False) for t in inputs):
                    reason, short = cut_reason(record, tensor)
                    self.cuts[index] = (reason, short, record)
                    for source in inputs:
                        if required_of.get(id(source), False):
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
        names = self._all_names(name_map)
        linked = set()  # items at an end of some edge
        for source, target, _, _ in self.edges:
            linked.add(source)
            linked.add(target)
        kinds, saved_state, objects = self.kinds, self.saved_state, self.objects
        dropped = [i for i in range(count)
                   if kinds[i] == "constant" and not names[i] and i not in linked]
        notes = list(self.notes)
        shown_elsewhere = sum(1 for i in dropped if id(objects[i]) in saved_state)
        if len(dropped) > shown_elsewhere:
            dropped_count = len(dropped) - shown_elsewhere
            notes.append(f"left out {dropped_count} unnamed tensor{'s' if dropped_count > 1 else ''} "
                         "that do not require grad and are not connected to anything")
        keep = [True] * count
        for i in dropped:
            keep[i] = False
        labels = ["tensor" if kind in _TENSOR_KINDS else type(obj).__name__
                  for obj, kind in zip(objects, kinds)]  # what repeated blocks are compared by
        order = self._creation_ranks() if count > max_nodes else None
        collapsed = collapse(count, keep, self.edges, labels, names, max_nodes, order)
        notes.extend(collapsed.notes)
        return self._materialize(collapsed, names, values, grads, notes, max_nodes)

    def _creation_ranks(self):
        """Each item's place in the order things were made, for ``collapse``: a grad_fn node by
        its sequence number, a tensor right after its node, a tensor made without a node just
        before the next node made after it, tensors from before the capture first. Edges run
        from lower to higher ranks, except around an in-place change or a cycle (``collapse``
        checks, and walks the graph item by item then)."""
        store, rows, nodes_after = self.store, self.rows, self.nodes_after
        not_created = store.not_created if store is not None else ()
        within = 2 * (len(store) + 2) if store is not None else 2  # room for a second key
        ranks = []
        last = 0
        for obj, kind in zip(self.objects, self.kinds):
            if kind == "grad_fn":
                last = max(last, obj._sequence_nr)
                ranks.append((4 * obj._sequence_nr + 4) * within)
            elif kind != "accumulate_grad" and obj._grad_fn is not None:
                ranks.append((4 * obj._grad_fn._sequence_nr + 5) * within)
            else:
                ranks.append(None)  # below, once the last sequence number is known
        for index, rank in enumerate(ranks):
            if rank is None and self.kinds[index] != "accumulate_grad":
                row = rows.get(index)
                if row is None or row in not_created:
                    ranks[index] = 0
                else:
                    ranks[index] = (4 * nodes_after.get(row, last + 1) + 3) * within + 2 * (row + 1)
        for index, rank in enumerate(ranks):
            if rank is None:  # an AccumulateGrad node: right after its leaf
                ranks[index] = ranks[self.index_of[id(self.objects[index].variable)]] + 1
        return np.array(ranks, dtype=np.int64)

    def _all_names(self, name_map):
        """The names of every item (``_names_of``), looked up only for the items that have any."""
        names = [()] * len(self.objects)
        index_of = self.index_of
        candidates = {index_of[key] for key in name_map if key in index_of}
        candidates.update(index_of[key] for key in self.aliases if key in index_of)
        candidates.update(index_of[key] for key in self.snapshots if key in index_of)
        for index in candidates:
            names[index] = self._names_of(index, name_map)
        return names

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

    # ---------------------------------------------------------------- labels
    def _grad_fn_box(self, node_id, node, names):
        """A grad_fn box in the student's words: the code that made it (in a capture), else
        the class's formula with the operand names; derivatives with the same names."""
        operands = operand_names(node, lambda target, output_nr: self._operand_name(
            target, output_nr, names))
        output = self._output_of(node)
        out_name = record = None
        user_text = inside = ""
        if output is not None:
            index = self.index_of.get(id(output))
            out_names = names[index] if index is not None else ()
            out_name = out_names[0] if out_names else None
            record = self.record_at(index)
        # a tensor changed in place has had several grad_fns: each is labelled with the code
        # that made it (``y.add_(1)``, ``h[0] = y``), its first with the expression that made y
        change = self.changed_by_node.get(id(node))
        made = self.made_by_node.get(id(node))
        record = self.store.record(made) if made is not None else record
        if change is not None:
            user_text = change.expression
        elif record is not None and record.created and record.part_of is None:
            if self.call_results.get(record.call) == record.index:
                user_text = record.expression
            else:  # one of several nodes a call made (a layer inside ``model(x)``)
                inside = record.expression
        expression = user_text or forward_text(node, operands)
        named = named_derivatives(node, out_name, operands)
        saved_state = [("indices", tensor) for tensor in self._saved_state_of(node)]
        box = grad_fn_node(node_id, node, expression, named, saved_state)
        box.details["_from_code"] = bool(user_text)  # the student's own text, or made from the graph
        if inside:
            box.details["made_inside"] = inside
        if change is not None and user_text:
            box.details["_in_place"] = True  # the code is a statement, not ``name = expression``
        return box

    def _output_of(self, node):
        tensor = self.owner.get((id(node), 0))
        if tensor is None:
            return None
        return self.alias_of.get(id(tensor), tensor)

    def _operand_name(self, target, output_nr, names):
        """What a node's input is called: its variable name, else (in a capture) its short code."""
        node = None
        if not isinstance(target, Tensor):
            node, target = target, self.owner.get((id(target), output_nr))
        if target is not None:
            target = self.alias_of.get(id(target), target)
            index = self.index_of.get(id(target))
            if index is not None and names[index]:
                return names[index][0]
            record = self.record_at(index) if index is not None else None
            if record is not None and record.created \
                    and self.call_results.get(record.call) == record.index:
                text = record.expression
                return text if text and len(text) <= 16 else None
            node = node or target._grad_fn
        if node is None or node.__class__ is AccumulateGrad or node.derivatives is None:
            return None
        # an unnamed intermediate: its own formula, one level deep (``w * w`` in ``w * w + w``)
        inner = operand_names(node, lambda t, nr: self._plain_name(t, nr, names))
        if not inner or None in inner:
            return None  # ``a + w`` inside another label would mix the class's letters in
        text = forward_text(node, inner)
        return text if len(text) <= 16 else None

    def _plain_name(self, target, output_nr, names):
        if not isinstance(target, Tensor):
            target = self.owner.get((id(target), output_nr))
            if target is None:
                return None
        index = self.index_of.get(id(self.alias_of.get(id(target), target)))
        return names[index][0] if index is not None and names[index] else None

    def _saved_state_of(self, node):
        if not self.saved_state:
            return []
        return [self.objects[self.index_of[key]] for key, owner in self.saved_state.items()
                if owner is node and key in self.index_of]

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
                    nodes.append(self._grad_fn_box(node_id, obj, names))
                elif kind == "accumulate_grad":
                    leaf_names = names[self.index_of[id(obj.variable)]]
                    nodes.append(accumulate_grad_node(node_id, obj, leaf_names))
                else:
                    cut = self.cuts.get(item)
                    record = self.record_at(item)
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
