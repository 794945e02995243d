"""Capture: record the tensors a piece of code creates, in order, with the op and line that made each.

::

    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
    cap.records        # [Record(tensor, op="tensor", line 2), Record(tensor, op="__pow__", line 3)]
    cap.name_tensors(globals())   # {id(x): ["x"], id(y): ["y"]}

How it works: ``gradlab.tensor.observers`` holds callables that the engine
calls with every tensor it makes (and with a tensor changed in place). While
a capture is active its observer is in that list. For each tensor it walks
up the call stack (``sys._getframe``, only while capturing) to the first
frame outside gradlab: that frame is the user's line, and the gradlab frame
just below it is the public op they called (``__pow__``, ``detach``,
``argmax``), whose arguments are the op's input tensors. Knowing the op, the
grad mode and the inputs of tensors that have *no* grad_fn is what lets the
graph say where and why it is cut (``no_grad``, ``detach()``, a comparison).

Tensors the backward engine makes (gradients) are not recorded: a tensor
made while the engine's ``iter_backward`` is on the stack is skipped, and the
``backward()``/``grad()`` call itself is noted in ``cap.backward_calls``.

A capture keeps the tensors it recorded alive (so a cell's temporaries can be
drawn with their values) up to ``keep_bytes`` of tensor data; past that it
keeps weak references only. Records themselves hold weak references, and
the last few captures stay findable by ``explain`` (``recent_records``).
"""
import ast
import collections
import dis
import linecache
import os
import sys
import weakref

from ..autograd import engine as _engine
from ..autograd import function as _function
from ..autograd.grad_mode import _state as _grad_state
from ..ops import inplace as _inplace
from ..tensor import Tensor, observers

_GRADLAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_OUTSIDE, _GRADLAB, _ENGINE = 0, 1, 2
_code_kinds = {}  # code object -> _OUTSIDE / _GRADLAB / _ENGINE (cached: the walk runs per tensor)
_ENGINE_CODE = _engine.iter_backward.__code__
_INPLACE_CODE = _inplace.apply_inplace.__code__
_FUNCTION_APPLY_CODE = _function.Function.apply.__func__.__code__
_MODULE_CALLS = {"__call__", "_call_impl", "_wrapped_call_impl"}
_MAX_INPUTS = 64  # tensors read from one op's arguments (torch.cat of a long list)
_RECENT = collections.deque(maxlen=8)  # the last captures' _Provenance, for explain()


def _kind_of(code):
    kind = _code_kinds.get(code)
    if kind is None:
        if code is _ENGINE_CODE:
            kind = _ENGINE
        elif code.co_filename.startswith(_GRADLAB_DIR):
            kind = _GRADLAB
        else:
            kind = _OUTSIDE
        _code_kinds[code] = kind
    return kind


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


class Record:
    """What a capture knows about one tensor.

    ``tensor`` (None once the tensor is gone), ``op``: the public operation
    the user called (``"__mul__"``, ``"pow"``, ``"tensor"``, ``"detach"``,
    ``"gt"``, ``"argmax"``, or a module class name such as ``"Linear"``);
    ``filename`` / ``lineno``: the user's line; ``grad_enabled``: the grad
    mode when it was made; ``inputs``: the tensors passed to that op and
    ``inputs_required_grad`` whether each required grad at that moment;
    ``created``: False for a tensor made before the capture and only changed
    in place during it; ``changes``: its in-place changes; ``index``: its
    position in creation order; ``shape`` / ``dtype`` when recorded;
    ``part_of``: for a tensor an in-place op made internally (the tensor's
    old value, kept for backward, or the raw result before it was written
    back), the record of the tensor that was changed.
    """

    __slots__ = ("_ref", "op", "_where", "grad_enabled", "_input_refs", "inputs_required_grad",
                 "created", "changes", "index", "shape", "part_of", "_code", "_lasti", "call",
                 "_dtype", "_node_ref")

    def __init__(self, tensor, op, code, lasti, grad_enabled, inputs, created, index, call=0):
        # kept small and cheap: it runs for every tensor a captured cell makes
        self._ref = weakref.ref(tensor)
        self.op = op
        self._code, self._lasti = code, lasti  # the user's code and instruction (see ``lineno``)
        self._where = None  # (filename, lineno), worked out on first use
        self.call = call  # tensors made by one call of a public op share this number
        self.grad_enabled = grad_enabled
        if inputs:
            self._input_refs = tuple(map(weakref.ref, inputs))
            self.inputs_required_grad = tuple([t._requires_grad for t in inputs])
        else:
            self._input_refs = self.inputs_required_grad = ()
        self.created = created
        self.changes = ()  # a list from the first in-place change on
        self.index = index
        data = tensor._data
        self.shape = data.shape
        self._dtype = data.dtype  # its name is looked up when asked (costly per tensor)
        self.part_of = None  # for the old value / raw result an in-place op makes inside
        node = tensor._grad_fn  # the node that made it (an in-place change may replace it later)
        self._node_ref = weakref.ref(node) if node is not None and created else None

    @property
    def filename(self):
        """The file (or IPython cell) of the user's line, or None."""
        return self._code.co_filename if self._code is not None else None

    @property
    def lineno(self):
        """The user's line number, or None."""
        if self._where is None:
            self._where = (self.filename, _line_of(self._code, self._lasti))
        return self._where[1]

    @property
    def dtype(self):
        return self._dtype.name

    @property
    def tensor(self):
        return self._ref()

    @property
    def node(self):
        """The grad_fn the tensor was made with (None: a leaf or constant, or gone)."""
        return self._node_ref() if self._node_ref is not None else None

    @property
    def inputs(self):
        """The op's input tensors that are still alive."""
        return tuple([t for t in [ref() for ref in self._input_refs] if t is not None])

    @property
    def source(self):
        """The text of the user's line (from linecache; IPython registers its cells there)."""
        if self.filename is None or self.lineno is None:
            return ""
        return linecache.getline(self.filename, self.lineno).strip()

    @property
    def expression(self):
        """The text of the user's expression that made the tensor (``x ** 2``, ``y.sum()``).

        Python 3.11+ knows the exact columns of the instruction that was running
        (``co_positions``); on older versions it is the line (its right-hand side
        for an assignment). Empty when unknown. Read lazily, only when drawn.
        """
        return source_span(self._code, self._lasti) if self._code is not None else ""

    def __repr__(self):
        return f"Record(op={self.op!r}, line={self.lineno}, shape={list(self.shape)})"


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


class _Provenance:
    """What explain() may still look up after a capture is dropped: records (weak
    references to tensors), backward calls and names, without keeping tensors alive."""

    __slots__ = ("by_id", "backward_calls", "names", "name_refs")

    def __init__(self):
        self.by_id = {}
        self.backward_calls = []
        self.names = {}
        self.name_refs = {}

    def record_of(self, tensor):
        record = self.by_id.get(id(tensor))
        return record if record is not None and record._ref() is tensor else None

    def prune(self):
        for key in [key for key, record in self.by_id.items() if record._ref() is None]:
            del self.by_id[key]

    def names_of(self, tensor):
        ref = self.name_refs.get(id(tensor))
        return self.names.get(id(tensor), []) if ref is not None and ref() is tensor else []


class Capture:
    """Records tensors created (or changed in place) while the ``with`` block runs.

    ``records``: one ``Record`` per tensor, in the order first seen;
    ``tensors``: those tensors (still alive), same order, no duplicates;
    ``backward_calls``: the ``backward()``/``grad()`` calls made meanwhile;
    ``names``: the last result of ``name_tensors``; ``dropped``: tensors
    not recorded because ``limit`` was reached.
    """

    def __init__(self, keep_bytes=64 * 2**20, limit=100_000):
        self.records = []
        self.limit = limit
        self.dropped = 0  # tensors not recorded because ``limit`` was reached
        self._provenance = _Provenance()
        self.backward_calls = self._provenance.backward_calls
        self.keep_bytes = keep_bytes
        self._kept = []  # strong references, up to keep_bytes of data
        self._kept_bytes = 0
        self._by_id = self._provenance.by_id
        self._last_backward_frame = None
        self._last_user = self._last_below = None  # held while capturing: see ``_record``
        self._user_under_engine = False
        self._last_lasti = -1
        self._call = 0

    # ------------------------------------------------------------- the context
    def __enter__(self):
        observers.append(self._observe)
        if self._provenance not in _RECENT:
            _RECENT.append(self._provenance)
        return self

    def __exit__(self, *exc_info):
        if self._observe in observers:
            observers.remove(self._observe)
        self._last_backward_frame = self._last_user = self._last_below = None
        for provenance in _RECENT:  # records of tensors that are gone cannot be asked about
            if provenance is not self._provenance:
                provenance.prune()
        return False

    # ------------------------------------------------------------- recording
    def _observe(self, tensor):
        if len(self.records) >= self.limit and id(tensor) not in self._by_id:
            self.dropped += 1
            return
        try:
            self._record(tensor)
        except Exception:
            self.dropped += 1

    def _record(self, tensor):
        frame = sys._getframe(2)
        inplace = frame.f_back is not None and frame.f_back.f_code is _INPLACE_CODE
        below = user = None
        kinds = _code_kinds
        while frame is not None:
            kind = kinds.get(frame.f_code)
            if kind is None:
                kind = _kind_of(frame.f_code)
            if kind == _ENGINE:
                self._note_backward(frame)
                return  # a gradient made by the engine (or by a hook it runs)
            if kind == _OUTSIDE:
                if frame.f_back is not None and frame.f_back.f_code is _FUNCTION_APPLY_CODE:
                    return  # made inside a custom Function's forward: not part of the graph
                user = frame
                break
            below = frame
            frame = frame.f_back
        if user is not None and user is not self._last_user:
            # frames above the user's frame stay the same while it runs (a cell's loop):
            # look for the backward engine there once per user frame, not once per tensor
            above = user.f_back
            while above is not None and _kind_of(above.f_code) != _ENGINE:
                above = above.f_back
            self._last_user, self._user_under_engine = user, above is not None
        if user is not None and self._user_under_engine:
            return  # made by a hook the engine runs (user code called from backward)
        lasti = user.f_lasti if user is not None else -1
        if below is not self._last_below or lasti != self._last_lasti:
            # a new call of a public op (frames are held, so ``is`` cannot see a reused one)
            self._call += 1
            self._last_below, self._last_lasti = below, lasti
        op, inputs = _op_and_inputs(below)
        enabled = _grad_state.enabled
        record = self._by_id.get(id(tensor))
        if record is not None and record._ref() is tensor:
            if inplace:
                self._note_change(record, op, user, inputs, enabled)
            return
        record = Record(tensor, op, user.f_code if user is not None else None, lasti, enabled,
                        () if inplace else inputs, not inplace, len(self.records), self._call)
        if inplace:
            self._note_change(record, op, user, inputs, enabled)
        self.records.append(record)
        self._by_id[id(tensor)] = record
        size = tensor._data.nbytes
        if self._kept_bytes + size <= self.keep_bytes:
            self._kept.append(tensor)
            self._kept_bytes += size

    def _note_change(self, record, op, user, inputs, enabled):
        filename = user.f_code.co_filename if user is not None else None
        lineno = user.f_lineno if user is not None else None
        tensor = record._ref()
        others = [t for t in inputs if t is not tensor]
        # the grad_fn this change gave the tensor (none when its history did not change: an
        # untracked change, or a write through a detached alias of its memory)
        node = tensor._grad_fn if tensor is not None and enabled else None
        if node is not None and node is (record.changes[-1].node if record.changes else record.node):
            node = None
        if not record.changes:
            record.changes = []
        record.changes.append(Change(op, filename, lineno, enabled, others, node,
                                     user.f_code if user is not None else None,
                                     user.f_lasti if user is not None else -1))
        self._mark_parts(record)

    def _mark_parts(self, changed):
        """The tensors the in-place op just made for ``changed`` belong to that change."""
        change = changed.changes[-1]
        for record in reversed(self.records[-3:]):
            if record is changed or record.part_of is not None or not record.created \
                    or record.op != change.op or record.lineno != change.lineno \
                    or record.filename != change.filename:
                break
            record.part_of = changed

    def _note_backward(self, engine_frame):
        """Record the user's backward()/grad() call once (the first tensor it makes)."""
        frame, below = engine_frame, None
        while frame is not None and _kind_of(frame.f_code) != _OUTSIDE:
            below, frame = frame, frame.f_back
        if below is None or below is self._last_backward_frame:
            return
        self._last_backward_frame = below
        local = below.f_locals
        outputs = local.get("self", local.get("tensors", local.get("outputs")))
        outputs = _tensors_in(outputs)
        self.backward_calls.append(BackwardCall(
            below.f_code.co_name, outputs,
            frame.f_code.co_filename if frame is not None else None,
            frame.f_lineno if frame is not None else None))

    # ------------------------------------------------------------- reading
    @property
    def tensors(self):
        result = []
        for record in self.records:
            tensor = record._ref()
            if tensor is not None:
                result.append(tensor)
        return result

    def record_of(self, tensor):
        """The record of ``tensor`` in this capture, or None."""
        return self._provenance.record_of(tensor)

    @property
    def names(self):
        """The last result of ``name_tensors`` (``{id(tensor): [names]}``)."""
        return self._provenance.names

    def name_tensors(self, namespace):
        """``{id(tensor): [names...]}`` for the tensors a namespace (e.g. ``globals()``) holds.

        Top-level names, items of lists/tuples/dicts (``params[0]``), fields of
        named results (``result.indices``) and parameters of modules
        (``model.fc1.weight``). Names starting with ``_`` (IPython's output
        history) are skipped. The result is also kept as ``self.names``.
        """
        refs = {}
        names = name_tensors(namespace, refs)
        self._provenance.names, self._provenance.name_refs = names, refs
        return names

    def _named_tensors(self, name_map):
        """The live tensors ``name_tensors`` found that ``name_map`` names (in namespace order)."""
        found = []
        for key, ref in self._provenance.name_refs.items():
            tensor = ref()
            if tensor is not None and key in name_map:
                found.append(tensor)
        return found

    def __len__(self):
        return len(self.records)

    def __repr__(self):
        return f"<Capture of {len(self.records)} tensors>"


def capture(keep_bytes=64 * 2**20, limit=100_000):
    """A context that records the tensors created while it is active: ``with capture() as cap:``.

    ``keep_bytes``: how much tensor data the capture keeps alive (temporaries
    beyond it may be freed, and are then left out of the graph); ``limit``:
    at most this many tensors are recorded (``cap.dropped`` counts the rest).
    """
    return Capture(keep_bytes=keep_bytes, limit=limit)


# ------------------------------------------------------------------ helpers
_POSITIONS = weakref.WeakKeyDictionary()  # code object -> its instructions' source positions


def source_span(code, lasti):
    """The source text of the instruction at byte offset ``lasti`` of ``code``: ``x ** 2``.

    Python 3.11+ gives each instruction its lines and (UTF-8 byte) columns
    (``code.co_positions()``); before 3.11, the line, or the right-hand side of
    an assignment on it. Whitespace runs become one space. Empty when unknown
    (no source in ``linecache``, e.g. code typed into ``python -c``).
    """
    if lasti is None or lasti < 0:
        return ""
    if not hasattr(code, "co_positions"):  # Python 3.10
        try:
            found = _bytecode_expression(code, lasti)
        except Exception:  # a label must never break the picture: the line will do
            found = ""
        return found or _line_expression(code.co_filename, code.co_firstlineno, lasti, code)
    try:
        positions = _POSITIONS.get(code)
        if positions is None:
            positions = _POSITIONS[code] = list(code.co_positions())
        start, end, column, end_column = positions[lasti // 2]
    except (IndexError, TypeError):
        return ""
    if start is None or end is None or column is None or end_column is None:
        return ""
    lines = [linecache.getline(code.co_filename, number).encode("utf-8")
             for number in range(start, end + 1)]
    if not lines or not lines[0]:
        return ""
    if len(lines) == 1:
        text = lines[0][column:end_column]
    else:
        text = b" ".join([lines[0][column:], *lines[1:-1], lines[-1][:end_column]])
    return " ".join(text.decode("utf-8", "replace").split())


# Python 3.10: which kind of AST node each instruction that can make a tensor evaluates
_BINARY_OPS = {"ADD": ast.Add, "SUBTRACT": ast.Sub, "MULTIPLY": ast.Mult, "TRUE_DIVIDE": ast.Div,
               "FLOOR_DIVIDE": ast.FloorDiv, "MODULO": ast.Mod, "POWER": ast.Pow,
               "MATRIX_MULTIPLY": ast.MatMult, "AND": ast.BitAnd, "OR": ast.BitOr, "XOR": ast.BitXor}
_UNARY_OPS = {"UNARY_NEGATIVE": ast.USub, "UNARY_POSITIVE": ast.UAdd, "UNARY_INVERT": ast.Invert}


def _node_test(opname):
    """A test for the AST nodes that an instruction named ``opname`` evaluates (None: unknown)."""
    kind, _, operator = opname.partition("_")
    if opname.startswith("CALL_"):
        return lambda node: isinstance(node, ast.Call)
    if opname == "BINARY_SUBSCR":
        return lambda node: isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
    if opname == "COMPARE_OP":
        return lambda node: isinstance(node, ast.Compare)
    if opname in _UNARY_OPS:
        op = _UNARY_OPS[opname]
        return lambda node: isinstance(node, ast.UnaryOp) and isinstance(node.op, op)
    if kind in ("BINARY", "INPLACE") and operator in _BINARY_OPS:
        op, shape = _BINARY_OPS[operator], ast.BinOp if kind == "BINARY" else ast.AugAssign
        return lambda node: isinstance(node, shape) and isinstance(node.op, op)
    return None


def _post_order(node):
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                  ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            yield from _post_order(child)  # (their code runs in code objects of their own)
    yield node


def _bytecode_expression(code, lasti):
    """Before Python 3.11 (no column positions): the expression that the instruction at
    ``lasti`` evaluates, found as 3.11's positions would give it. CPython emits an expression's
    instructions in post-order, so the k-th instruction of its kind on the statement is the k-th
    node of that kind in a post-order walk of the statement. Empty when that does not line up."""
    instructions = list(dis.get_instructions(code))
    here = next((i for i in instructions if i.offset == lasti), None)
    test = _node_test(here.opname) if here is not None else None
    lines = linecache.getlines(code.co_filename)
    lineno = _line_at(code, lasti)
    if test is None or not lines or lineno is None:
        return ""
    source = "".join(lines)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    statement = _innermost_statement(tree, lineno)
    if statement is None:
        return ""
    first, last = statement.lineno, statement.end_lineno or statement.lineno
    line_of = _line_numbers(code)
    same_kind = [i.offset for i in instructions if first <= (line_of.get(i.offset) or 0) <= last
                 and _node_test(i.opname) is not None and _same_test(i.opname, here.opname)]
    nodes = [node for node in _post_order(statement) if test(node)]
    if len(same_kind) != len(nodes) or lasti not in same_kind:
        return ""
    text = ast.get_source_segment(source, nodes[same_kind.index(lasti)])
    return " ".join(text.split()) if text else ""


def _same_test(opname, other):
    calls = opname.startswith("CALL_") and other.startswith("CALL_")
    return calls or opname == other


def _innermost_statement(tree, lineno):
    """The innermost simple statement whose lines hold ``lineno``."""
    found = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= lineno <= (node.end_lineno or node.lineno) \
                and not hasattr(node, "body"):
            if found is None or node.lineno >= found.lineno:
                found = node
    return found


def _line_numbers(code):
    """Each instruction's line (dis.findlinestarts marks where lines start)."""
    starts, line, numbers = dict(dis.findlinestarts(code)), None, {}
    for instruction in dis.get_instructions(code):
        line = starts.get(instruction.offset, line)
        numbers[instruction.offset] = line
    return numbers


def _line_at(code, lasti):
    lineno = None
    for offset, number in dis.findlinestarts(code):
        if offset > lasti:
            break
        lineno = number
    return lineno


def _line_expression(filename, firstlineno, lasti, code):
    """Before Python 3.11: the executing line, or the value assigned on it."""
    lineno = _line_at(code, lasti)
    line = linecache.getline(filename, lineno).strip() if lineno else ""
    try:
        statement = ast.parse(line).body[0]
    except (SyntaxError, IndexError):
        return line
    if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)) \
            and statement.value is not None:
        return ast.get_source_segment(line, statement.value) or line
    return line


def _op_and_inputs(frame):
    """The public op a gradlab frame belongs to, and the tensors among its arguments."""
    if frame is None:
        return None, ()
    code = frame.f_code
    local = frame.f_locals
    op = code.co_name
    count = code.co_argcount + code.co_kwonlyargcount + (1 if code.co_flags & 0x04 else 0)
    inputs = []
    for name in code.co_varnames[:count]:
        value = local.get(name)
        if value.__class__ is Tensor or isinstance(value, Tensor):
            for seen in inputs:  # ``in`` would compare values; a loop is cheapest for 1-3 inputs
                if seen is value:
                    break
            else:
                inputs.append(value)
        elif isinstance(value, (list, tuple)):
            for tensor in _tensors_in(value):
                if len(inputs) < _MAX_INPUTS and not any(t is tensor for t in inputs):
                    inputs.append(tensor)
    if op in _MODULE_CALLS:
        owner = local.get("self")
        if owner is not None and not isinstance(owner, Tensor):
            op = type(owner).__name__
            inputs = [t for t in inputs if t is not owner]
    return op, inputs


def _line_of(code, lasti):
    """The line number of the instruction at byte offset ``lasti``, or None."""
    if code is None or lasti is None or lasti < 0:
        return None
    for start, end, line in code.co_lines():
        if start <= lasti < end:
            return line
    return None


def _tensors_in(value):
    if isinstance(value, Tensor):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(item for item in value[:_MAX_INPUTS] if isinstance(item, Tensor))
    return ()


def name_tensors(namespace, refs=None):
    """``{id(tensor): sorted names}`` for the tensors in ``namespace`` (see ``Capture.name_tensors``).

    ``refs``, when given, is filled with ``{id(tensor): weakref}`` (to check an id later).
    """
    found = {}

    def add(tensor, name):
        found.setdefault(id(tensor), set()).add(name)
        if refs is not None and id(tensor) not in refs:
            refs[id(tensor)] = weakref.ref(tensor)

    for name in sorted(namespace):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        value = namespace[name]
        if isinstance(value, Tensor):
            add(value, name)
            if value._grad is not None:
                add(value._grad, f"{name}.grad")
        elif isinstance(value, tuple) and hasattr(value, "_fields") \
                and len(value._fields) == len(value):
            for field, item in zip(value._fields, value):
                if isinstance(item, Tensor):
                    add(item, f"{name}.{field}")
        elif isinstance(value, (list, tuple)):
            for position, item in enumerate(value[:_MAX_INPUTS]):
                if isinstance(item, Tensor):
                    add(item, f"{name}[{position}]")
        elif isinstance(value, dict):
            for key in list(value)[:_MAX_INPUTS]:
                if isinstance(value[key], Tensor) and isinstance(key, (str, int)):
                    add(value[key], f"{name}[{key!r}]")
        elif not isinstance(value, type) and _is_gradlab_module(value):
            for parameter_name, parameter in value.named_parameters():
                if isinstance(parameter, Tensor):
                    add(parameter, f"{name}.{parameter_name}")
    return {key: sorted(names, key=_name_order) for key, names in found.items()}


def _is_gradlab_module(value):
    """A gradlab ``nn.Module`` (or a user's subclass of one): its parameters get names."""
    return callable(getattr(value, "named_parameters", None)) and any(
        cls.__module__.startswith("gradlab.") for cls in type(value).__mro__[:-1])


def _name_order(name):
    """Plain variable names first (``x`` before ``params[0]``), then alphabetical."""
    return ("[" in name or "." in name, name)


def recent_records(tensor):
    """The records of ``tensor`` in the last few captures (newest first)."""
    result = []
    for provenance in reversed(_RECENT):
        record = provenance.record_of(tensor)
        if record is not None:
            result.append(record)
    return result


def recent_backward_calls():
    """The backward()/grad() calls seen by the last few captures, newest first."""
    return [call for provenance in reversed(_RECENT) for call in reversed(provenance.backward_calls)]


def recent_names(tensor):
    """Names given to ``tensor`` by the last captures' ``name_tensors``."""
    for provenance in reversed(_RECENT):
        names = provenance.names_of(tensor)
        if names:
            return names
    return []


def recent_captures_records():
    """Every record of the last few captures whose tensor is alive, oldest first."""
    result = []
    for provenance in _RECENT:
        for record in provenance.by_id.values():
            if record._ref() is not None:
                result.append(record)
    return result
