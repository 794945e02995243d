"""What a capture knows, in columns: one list per field, one entry (row) per recorded tensor.

A 50,000-op cell records 50,000 tensors. One object per tensor, each with weak
references to its tensor and its inputs, cost the cell more in garbage
collection than the recording itself; so ``Records`` keeps parallel lists
instead (``ops[row]``, ``codes[row]``, ``inputs[row]``… all describe one
tensor), holding numbers, strings and shared objects that the collector does
not have to visit. ``Record`` is a view of one row, made only when someone
asks (``cap.records``, ``explain()``, the boxes a graph draws).

While its capture runs, the store holds the tensors the capture keeps (up to
its ``keep_bytes``) and weak references to the others; when the capture ends
every reference becomes weak (``release``), so the last few stores stay
readable for ``explain()`` (``recent.py``) without keeping a tensor alive.
"""
import gc
import linecache
import weakref

from .source import line_of, source_span

_WEAK = weakref.ref
_GONE_REF = _WEAK(set())  # a reference already dead: stands for inputs whose row was dropped


class Records:
    """The rows of one capture, in the order the tensors were first seen.

    Columns (lists, one entry per row): ``refs`` (the tensor, or a weak
    reference to it), ``nodes`` (the grad_fn it was made with, or None; weak
    like ``refs``), ``ops``, ``codes`` / ``lastis`` (the user's code object and
    instruction), ``grad_enabled``, ``calls``, ``shapes``, ``dtypes`` and
    ``input_ends``: a row's inputs are ``input_keys[start:end]`` with ``end =
    input_ends[row]`` and ``start`` the previous row's end; a key is a row, or
    ``-1 - k`` for the k-th of ``outside`` (the inputs the capture did not
    record), and ``input_required[start:end]`` says whether each required grad.
    (Flat lists of numbers: no tuple per row for the collector to track.)
    Rare facts are kept by row: ``not_created`` (a set), ``changes`` and
    ``part_of`` (dicts). ``index_of``: ``{id(tensor): row}``. Also
    ``backward_calls`` and the ``names`` a graph was drawn with.
    """

    def __init__(self):
        self.refs = []
        self.nodes = []
        self.ops = []
        self.codes = []
        self.lastis = []
        self.grad_enabled = []
        self.calls = []
        self.shapes = []  # equal shapes are one tuple (see ``shape_of``)
        self.dtypes = []
        self.input_ends = []
        self.input_keys = []
        self.input_required = []
        self.shape_of = {}  # shape -> the one tuple the rows share
        self.not_created = set()  # rows of tensors made before the capture, changed in place
        self.changes = {}  # row -> [Change], in order
        self.part_of = {}  # row -> the row of the tensor an in-place op made it for
        self.index_of = {}  # id(tensor) -> row
        self.outside = []  # weak references to inputs the capture did not record
        self.outside_index = {}  # id(tensor) -> k in ``outside``
        self.positions = None  # after ``compacted()``: each row's position in the capture
        self.released = False  # True once its capture ended (every reference is weak)
        self.backward_calls = []
        self.names = {}  # the last ``name_tensors`` result: {id(tensor): [names]}
        self.name_refs = {}  # {id(tensor): weakref}, to check those ids
        self._views = {}  # row -> its Record, so that a row is always the same object

    def __len__(self):
        return len(self.refs)

    # ------------------------------------------------------------- reading
    def tensor(self, row):
        """The tensor of ``row``, or None once it is gone."""
        ref = self.refs[row]
        return ref() if ref.__class__ is _WEAK else ref

    def row_of(self, tensor):
        """The row of ``tensor``, or None."""
        row = self.index_of.get(id(tensor))
        return row if row is not None and self.tensor(row) is tensor else None

    def input_span(self, row):
        """``(start, end)``: where the inputs of ``row`` are in ``input_keys``."""
        return self.input_ends[row - 1] if row else 0, self.input_ends[row]

    def input_tensors(self, row):
        """The input tensors of ``row`` that are still alive."""
        found = []
        start, end = self.input_span(row)
        for key in self.input_keys[start:end]:
            tensor = self.tensor(key) if key >= 0 else self.outside[-1 - key]()
            if tensor is not None:
                found.append(tensor)
        return tuple(found)

    def record(self, row):
        """The ``Record`` of ``row`` (always the same object)."""
        view = self._views.get(row)
        if view is None:
            view = self._views[row] = Record(self, row)
        return view

    def record_of(self, tensor):
        """The ``Record`` of ``tensor``, or None."""
        row = self.row_of(tensor)
        return self.record(row) if row is not None else None

    def live_records(self):
        """The records whose tensor is alive, in the order ``index_of`` lists them."""
        return [self.record(row) for row in self.index_of.values() if self.tensor(row) is not None]

    # ------------------------------------------------------------- after the capture
    def release(self):
        """Make every reference weak; returns the tensors that were held (its capture keeps them)."""
        held = []
        refs = self.refs
        self.released = True
        collecting = gc.isenabled()
        gc.disable()  # one weak reference per row: no cycles to find among them, only time to lose
        try:
            for row, ref in enumerate(refs):
                if ref.__class__ is not _WEAK:
                    held.append(ref)
                    refs[row] = _WEAK(ref)
            nodes = self.nodes
            for row, node in enumerate(nodes):
                if node is not None and node.__class__ is not _WEAK:
                    nodes[row] = _WEAK(node)
        finally:
            if collecting:
                gc.enable()
        return held

    def compacted(self):
        """These records without the rows whose tensor is gone, once the capture ended (None when
        none is gone, or while it runs). A new store: records handed out keep reading this one."""
        if not self.released:
            return None
        alive = [row for row in range(len(self.refs)) if self.refs[row]() is not None]
        if len(alive) == len(self.refs):
            return None
        new = Records()
        new.released = True
        renumbered = {old: new_row for new_row, old in enumerate(alive)}
        gone = -1 - len(self.outside)  # the key of an input whose row is dropped
        for old in alive:
            new.refs.append(self.refs[old])
            new.nodes.append(self.nodes[old])
            new.ops.append(self.ops[old])
            new.codes.append(self.codes[old])
            new.lastis.append(self.lastis[old])
            new.grad_enabled.append(self.grad_enabled[old])
            start, end = self.input_span(old)
            for key, required in zip(self.input_keys[start:end], self.input_required[start:end]):
                new.input_keys.append(renumbered.get(key, gone) if key >= 0 else key)
                new.input_required.append(required)
            new.input_ends.append(len(new.input_keys))
            new.calls.append(self.calls[old])
            new.shapes.append(self.shapes[old])
            new.dtypes.append(self.dtypes[old])
        new.not_created = {renumbered[row] for row in self.not_created if row in renumbered}
        new.changes = {renumbered[row]: changes for row, changes in self.changes.items()
                       if row in renumbered}
        new.part_of = {renumbered[row]: renumbered[of] for row, of in self.part_of.items()
                       if row in renumbered and of in renumbered}
        new.index_of = {key: renumbered[row] for key, row in self.index_of.items()
                        if row in renumbered}
        new.outside, new.outside_index = self.outside + [_GONE_REF], dict(self.outside_index)
        new.positions = [self.positions[row] if self.positions else row for row in alive]
        new.backward_calls, new.names, new.name_refs = self.backward_calls, self.names, self.name_refs
        return new


class Record:
    """What a capture knows about one tensor (a view of one row of ``Records``).

    ``tensor`` (None once the tensor is gone), ``op``: the public operation
    the user called (``"__mul__"``, ``"pow"``, ``"tensor"``, ``"detach"``,
    ``"gt"``, ``"argmax"``, or a module class name such as ``"Linear"``);
    ``filename`` / ``lineno``: the user's line; ``grad_enabled``: the grad
    mode when it was made; ``inputs``: the tensors passed to that op and
    ``inputs_required_grad`` whether each required grad at that moment;
    ``created``: False for a tensor made before the capture and only changed
    in place during it; ``changes``: its in-place changes; ``index``: its
    position in creation order; ``shape`` / ``dtype`` when recorded; ``node``:
    the grad_fn it was made with (an in-place change may replace it later);
    ``part_of``: for a tensor an in-place op made internally (the tensor's
    old value, kept for backward, or the raw result before it was written
    back), the record of the tensor that was changed; ``call``: tensors made
    by one call of a public op share this number.
    """

    __slots__ = ("_records", "_row")

    def __init__(self, records, row):
        self._records, self._row = records, row

    @property
    def tensor(self):
        return self._records.tensor(self._row)

    @property
    def op(self):
        return self._records.ops[self._row]

    @property
    def node(self):
        """The grad_fn the tensor was made with (None: a leaf or constant, or gone)."""
        node = self._records.nodes[self._row]
        return node() if node.__class__ is _WEAK else node

    @property
    def filename(self):
        """The file (or IPython cell) of the user's line, or None."""
        code = self._records.codes[self._row]
        return code.co_filename if code is not None else None

    @property
    def lineno(self):
        """The user's line number, or None."""
        return line_of(self._records.codes[self._row], self._records.lastis[self._row])

    @property
    def grad_enabled(self):
        return self._records.grad_enabled[self._row]

    @property
    def inputs(self):
        """The op's input tensors that are still alive."""
        return self._records.input_tensors(self._row)

    @property
    def inputs_required_grad(self):
        start, end = self._records.input_span(self._row)
        return tuple(self._records.input_required[start:end])

    @property
    def created(self):
        return self._row not in self._records.not_created

    @property
    def changes(self):
        return self._records.changes.get(self._row, ())

    @property
    def index(self):
        positions = self._records.positions
        return positions[self._row] if positions is not None else self._row

    @property
    def call(self):
        return self._records.calls[self._row]

    @property
    def shape(self):
        return self._records.shapes[self._row]

    @property
    def dtype(self):
        return self._records.dtypes[self._row].name

    @property
    def part_of(self):
        row = self._records.part_of.get(self._row)
        return self._records.record(row) if row is not None else None

    @property
    def source(self):
        """The text of the user's line (from linecache; IPython registers its cells there)."""
        filename, lineno = self.filename, self.lineno
        if filename is None or lineno is None:
            return ""
        return linecache.getline(filename, lineno).strip()

    @property
    def expression(self):
        """The text of the user's expression that made the tensor (``x ** 2``, ``y.sum()``).

        Python 3.11+ knows the exact columns of the instruction that was running;
        on 3.10 it is found from the bytecode, else it is the line (see
        ``source.py``). Empty when unknown. Read lazily, only when drawn.
        """
        code = self._records.codes[self._row]
        return source_span(code, self._records.lastis[self._row]) if code is not None else ""

    def __repr__(self):
        return f"Record(op={self.op!r}, line={self.lineno}, shape={list(self.shape)})"


class Change:
    """One in-place change of a recorded tensor (``w -= lr * w.grad``, ``y.add_(1)``):
    the op, the user's line, the grad mode, the other tensors the op read (``inputs``) and
    the grad_fn the tensor had right after it (``node``: the op's node, or CopySlices)."""

    __slots__ = ("op", "filename", "lineno", "grad_enabled", "_input_refs", "_node_ref", "_code",
                 "_lasti")

    def __init__(self, op, filename, lineno, grad_enabled, inputs=(), node=None, code=None,
                 lasti=-1):
        self.op, self.filename, self.lineno, self.grad_enabled = op, filename, lineno, grad_enabled
        self._input_refs = tuple(weakref.ref(t) for t in inputs)
        self._node_ref = weakref.ref(node) if node is not None else None
        self._code, self._lasti = code, lasti

    @property
    def inputs(self):
        return tuple(t for t in (ref() for ref in self._input_refs) if t is not None)

    @property
    def node(self):
        """The grad_fn the changed tensor got from this change (None: untracked, or gone)."""
        return self._node_ref() if self._node_ref is not None else None

    @property
    def expression(self):
        """The user's code that made the change: ``y.add_(1)``, ``y += 1``, or the whole
        statement for a write through an index (``h[0] = y``), as ``Record.expression``."""
        if self._code is None:
            return ""
        if self.op == "__setitem__" and self.filename is not None and self.lineno is not None:
            return " ".join(linecache.getline(self.filename, self.lineno).split())
        return source_span(self._code, self._lasti)

    def __repr__(self):
        return f"Change(op={self.op!r}, line={self.lineno})"


class BackwardCall:
    """A ``backward()`` / ``autograd.grad()`` call seen while capturing."""

    __slots__ = ("function", "_output_refs", "filename", "lineno")

    def __init__(self, function, outputs, filename, lineno):
        self.function = function
        self._output_refs = tuple(weakref.ref(t) for t in outputs)
        self.filename, self.lineno = filename, lineno

    @property
    def outputs(self):
        return tuple(t for t in (ref() for ref in self._output_refs) if t is not None)

    def __repr__(self):
        return f"BackwardCall({self.function}, line={self.lineno})"
