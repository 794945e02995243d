"""The recorder: a ``Capture`` writes down every tensor made while it runs, with its op and line.

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

The observer runs for every op of a captured cell, so it only appends to the
columns of a ``Records`` store (``records.py``): no object per tensor, no
text looked up (lines and expressions are read when a graph is drawn).
"""
import os
import sys
import weakref

from ...autograd import engine as _engine
from ...autograd import function as _function
from ...autograd.grad_mode import _state as _grad_state
from ...ops import inplace as _inplace
from ...tensor import Tensor, observers
from . import recent
from .names import MAX_ITEMS, name_tensors
from .records import BackwardCall, Change, Records
from .source import line_of

_GRADLAB_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep
_OUTSIDE, _GRADLAB, _ENGINE = 0, 1, 2
# Caches keyed by id(code): a code object's own hash reads its whole bytecode and constants,
# every time (microseconds per frame walked). The codes are kept in _known_codes, so no id is
# reused while it is a key.
_code_kinds = {}  # id(code) -> _OUTSIDE / _GRADLAB / _ENGINE
_known_codes = []
_ENGINE_CODE = _engine.iter_backward.__code__
_INPLACE_CODE = _inplace.apply_inplace.__code__
_FUNCTION_APPLY_CODE = _function.Function.apply.__func__.__code__
_MODULE_CALLS = {"__call__", "_call_impl", "_wrapped_call_impl"}
_arguments = {}  # id(a public op's code) -> (its name, its argument names, a module's __call__?)
_getframe = sys._getframe
_weak = weakref.ref


def _kind_of(code):
    kind = _code_kinds.get(id(code))
    if kind is None:
        if code is _ENGINE_CODE:
            kind = _ENGINE
        elif code.co_filename.startswith(_GRADLAB_DIR):
            kind = _GRADLAB
        else:
            kind = _OUTSIDE
        _known_codes.append(code)
        _code_kinds[id(code)] = kind
    return kind


class Capture:
    """Records tensors created (or changed in place) while the ``with`` block runs.

    ``records``: one ``Record`` per tensor, in the order first seen;
    ``tensors``: those tensors (still alive), same order, no duplicates;
    ``backward_calls``: the ``backward()``/``grad()`` calls made meanwhile;
    ``names``: the last result of ``name_tensors``; ``dropped``: tensors
    not recorded because ``limit`` was reached; ``store``: the same records
    as columns (``Records``), which ``graph()`` reads.
    """

    def __init__(self, keep_bytes=64 * 2**20, limit=100_000):
        self.store = Records()
        self.limit = limit
        self.dropped = 0  # tensors not recorded because ``limit`` was reached
        self.backward_calls = self.store.backward_calls
        self.keep_bytes = keep_bytes
        self._kept = []  # strong references, up to keep_bytes of data (once the capture ended)
        self._kept_bytes = 0
        self._last_backward_frame = None
        self._last_user = self._last_below = None  # held while capturing: see ``_observe``
        self._user_under_engine = False
        self._last_lasti = -1
        self._call = 0

    # ------------------------------------------------------------- the context
    def __enter__(self):
        self.store.released = False
        observers.append(self._observe)
        recent.remember(self.store)
        return self

    def __exit__(self, *exc_info):
        if self._observe in observers:
            observers.remove(self._observe)
        self._last_backward_frame = self._last_user = self._last_below = None
        self._kept.extend(self.store.release())  # the store's references become weak
        recent.forget_gone(keep=self.store)
        return False

    # ------------------------------------------------------------- recording
    def _observe(self, tensor):
        """The observer the engine calls with every tensor it makes or changes in place.

        Kept lean (one call, no object per tensor, no text looked up): it runs for every op
        of a captured cell. Never raises: a tensor it cannot read is left out and counted in
        ``dropped``.
        """
        store = self.store
        if len(store.refs) >= self.limit and id(tensor) not in store.index_of:
            self.dropped += 1
            return
        try:
            frame = _getframe(2)  # the caller of ``announce`` (0: here, 1: announce)
            inplace = frame.f_code is _INPLACE_CODE
            below = None
            kinds = _code_kinds
            while True:
                kind = kinds.get(id(frame.f_code))
                if kind is None:
                    kind = _kind_of(frame.f_code)
                if kind == _GRADLAB:
                    below = frame
                    frame = frame.f_back
                    if frame is None:
                        break
                    continue
                if kind == _ENGINE:
                    self._note_backward(frame)
                    return  # a gradient made by the engine (or by a hook it runs)
                back = frame.f_back  # outside gradlab: the user's frame, unless...
                if back is not None and back.f_code is _FUNCTION_APPLY_CODE:
                    return  # made inside a custom Function's forward: not part of the graph
                break
            user = frame
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
            row = store.index_of.get(id(tensor))
            if row is not None and store.tensor(row) is tensor:
                if inplace:
                    self._note_change(row, tensor, op, user, inputs, enabled)
                return
            row = len(store.refs)
            if inplace:  # first seen when changed in place: made before the capture
                store.not_created.add(row)
                self._note_change(row, tensor, op, user, inputs, enabled)
            elif inputs:
                index_of, refs = store.index_of, store.refs
                for input in inputs:  # its row, or (made before the capture) a key in ``outside``
                    key = index_of.get(id(input))
                    if key is None or (refs[key] is not input and store.tensor(key) is not input):
                        key = self._outside_key(input, store)
                    store.input_keys.append(key)
                    store.input_required.append(input._requires_grad)
            data = tensor._data
            size = data.nbytes
            if self._kept_bytes + size <= self.keep_bytes:
                store.refs.append(tensor)  # kept alive, to be drawn with its values
                self._kept_bytes += size
            else:
                store.refs.append(_weak(tensor))
            store.nodes.append(None if inplace else tensor._grad_fn)  # the node it was made with
            store.ops.append(op)
            store.codes.append(user.f_code if user is not None else None)
            store.lastis.append(lasti)
            store.grad_enabled.append(enabled)
            store.calls.append(self._call)
            store.input_ends.append(len(store.input_keys))
            shape = data.shape
            store.shapes.append(store.shape_of.setdefault(shape, shape))
            store.dtypes.append(data.dtype)  # its name is looked up when asked (costly per tensor)
            store.index_of[id(tensor)] = row
        except Exception:  # a picture is never worth breaking the student's computation
            self.dropped += 1

    @staticmethod
    def _outside_key(tensor, store):
        """The key of an input the capture did not record: ``-1 - k`` for the k-th in ``outside``."""
        key = store.outside_index.get(id(tensor))
        if key is None or store.outside[key]() is not tensor:
            key = store.outside_index[id(tensor)] = len(store.outside)
            store.outside.append(_weak(tensor))
        return -1 - key

    def _note_change(self, row, tensor, op, user, inputs, enabled):
        filename = user.f_code.co_filename if user is not None else None
        lineno = user.f_lineno if user is not None else None
        others = [t for t in inputs if t is not tensor]
        store = self.store
        # the grad_fn this change gave the tensor (none when its history did not change: an
        # untracked change, or a write through a detached alias of its memory)
        node = tensor._grad_fn if enabled else None
        changes = store.changes.get(row)
        if node is not None:
            if changes:
                before = changes[-1].node
            else:
                before = store.nodes[row] if row < len(store.nodes) else None
                before = before() if before.__class__ is _weak else before
            if node is before:
                node = None
        change = Change(op, filename, lineno, enabled, others, node,
                        user.f_code if user is not None else None,
                        user.f_lasti if user is not None else -1)
        store.changes.setdefault(row, []).append(change)
        self._mark_parts(row, change)

    def _mark_parts(self, changed, change):
        """The tensors the in-place op just made for row ``changed`` belong to that change."""
        store = self.store
        for row in range(len(store.refs) - 1, max(-1, len(store.refs) - 4), -1):
            code = store.codes[row]
            if row == changed or row in store.part_of or row in store.not_created \
                    or store.ops[row] != change.op \
                    or line_of(code, store.lastis[row]) != change.lineno \
                    or (code.co_filename if code is not None else None) != change.filename:
                break
            store.part_of[row] = changed

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
    def records(self):
        store = self.store
        return [store.record(row) for row in range(len(store))]

    @property
    def tensors(self):
        store = self.store
        return [tensor for tensor in map(store.tensor, range(len(store))) if tensor is not None]

    @property
    def has_tensors(self):
        """True when a tensor it recorded is still alive (``bool(cap.tensors)``, without the list)."""
        store = self.store
        return any(store.tensor(row) is not None for row in range(len(store)))

    def record_of(self, tensor):
        """The record of ``tensor`` in this capture, or None."""
        return self.store.record_of(tensor)

    @property
    def names(self):
        """The last result of ``name_tensors`` (``{id(tensor): [names]}``)."""
        return self.store.names

    def name_tensors(self, namespace):
        """``{id(tensor): [names...]}`` for the tensors a namespace (e.g. ``globals()``) holds.

        Top-level names, items of lists/tuples/dicts (``params[0]``), fields of
        named results (``result.indices``) and parameters of modules
        (``model.fc1.weight``). Names starting with ``_`` (IPython's output
        history) are skipped. The result is also kept as ``self.names``.
        """
        refs = {}
        names = name_tensors(namespace, refs)
        self.store.names, self.store.name_refs = names, refs
        return names

    def _named_tensors(self, name_map):
        """The live tensors ``name_tensors`` found that ``name_map`` names (in namespace order)."""
        found = []
        for key, ref in self.store.name_refs.items():
            tensor = ref()
            if tensor is not None and key in name_map:
                found.append(tensor)
        return found

    def __len__(self):
        return len(self.store)

    def __repr__(self):
        return f"<Capture of {len(self.store)} tensors>"


def capture(keep_bytes=64 * 2**20, limit=100_000):
    """A context that records the tensors created while it is active: ``with capture() as cap:``.

    ``keep_bytes``: how much tensor data the capture keeps alive (temporaries
    beyond it may be freed, and are then left out of the graph); ``limit``:
    at most this many tensors are recorded (``cap.dropped`` counts the rest).
    """
    return Capture(keep_bytes=keep_bytes, limit=limit)


# ------------------------------------------------------------------ the op below the user's line
def _op_and_inputs(frame):
    """The public op a gradlab frame belongs to, and the tensors among its arguments."""
    if frame is None:
        return None, ()
    code = frame.f_code
    about = _arguments.get(id(code))
    if about is None:
        _kind_of(code)  # (keeps the code object, so its id stays its own)
        count = code.co_argcount + code.co_kwonlyargcount + (1 if code.co_flags & 0x04 else 0)
        about = _arguments[id(code)] = (code.co_name, code.co_varnames[:count],
                                        code.co_name in _MODULE_CALLS)
    op, names, module_call = about
    local = frame.f_locals
    inputs = []
    for name in names:
        value = local.get(name)
        if value.__class__ is Tensor or isinstance(value, Tensor):
            for seen in inputs:  # ``in`` would compare values; a loop is cheapest for 1-3 inputs
                if seen is value:
                    break
            else:
                inputs.append(value)
        elif isinstance(value, (list, tuple)):
            for tensor in _tensors_in(value):
                if len(inputs) < MAX_ITEMS and not any(t is tensor for t in inputs):
                    inputs.append(tensor)
    if module_call:
        owner = local.get("self")
        if owner is not None and not isinstance(owner, Tensor):
            op = type(owner).__name__
            inputs = [t for t in inputs if t is not owner]
    return op, inputs


def _tensors_in(value):
    if isinstance(value, Tensor):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(item for item in value[:MAX_ITEMS] if isinstance(item, Tensor))
    return ()
