"""grad_fn nodes: the objects a tensor's ``grad_fn`` points to.

Every differentiable operation is one subclass of ``Node`` named as PyTorch
names it (``MulBackward0``), with its forward and backward side by side::

    class MulBackward0(Node):
        @staticmethod
        def forward(ctx, a, b):             # NumPy arrays in, a NumPy array out
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad_output):     # Tensors in, one gradient per input out
            a, b = ctx.saved_tensors
            return grad_output * b, grad_output * a

``forward`` computes values with NumPy.  ``backward`` is written with gradlab's
own tensor operations, so when ``create_graph=True`` the backward pass is
itself recorded and can be differentiated again.  ``ctx`` is the node itself:
what forward saves is what backward reads, and nothing else.

``Node.apply`` does the bookkeeping once for every op: it decides whether to
record, links ``next_functions``, remembers each input's shape and dtype (so
broadcast gradients are summed back in one place, ``_to_input_layout``) and
turns the arrays that forward saved back into tensors when backward asks.
"""
import itertools
import re
import sys
import weakref

import numpy as np

from ..dtypes import from_numpy, get_default_dtype, result_type, tensor_type_name
from ..ops.broadcast import sum_to_shape
from ..ops.strides import element_strides, grad_copy, is_plain_row_major, lay_out, layout_like
from ..tensor import (
    Tensor, _new_tensor, _wrap, announce, bump_version, observers, version_cell, version_of,
)
from .grad_mode import _state as _grad_state

_next_sequence_nr = itertools.count().__next__
_LAST_SEQUENCE_NR = 2**64 - 1  # PyTorch's UINT64_MAX: every AccumulateGrad's sequence number

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class _NoContext:
    """Stands in for the node when nothing is recorded: saving is skipped."""

    __slots__ = ()
    needs_input_grad = ()

    def save_for_backward(self, *values):
        pass

    def mark_non_differentiable(self, *outputs):
        pass

    def set_materialize_grads(self, value):
        pass

    def __setattr__(self, name, value):
        pass  # forward may store extras on ctx (ctx.dim = dim); not needed without a graph


NO_CONTEXT = _NoContext()


class _SavedOutput:
    """Marks a saved value that is one of the node's own outputs (kept as its array). The
    output is held weakly (it holds the node: a strong reference would be a cycle); its
    version counter is kept (``version``), so a change made before it was dropped is still seen."""

    __slots__ = ("index", "tensor", "version")

    def __init__(self, index, tensor):
        self.index = index
        self.tensor = weakref.ref(tensor)
        self.version = version_cell(tensor)




class RemovableHandle:
    """Returned by ``register_hook``: ``handle.remove()`` takes the hook away."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Node:
    """Base class of every ``grad_fn``; mirrors ``torch.autograd.graph.Node``.

    PyTorch's surface: ``name()``, ``next_functions`` (``(node or None, index)``
    pairs, one per input), ``register_hook``, ``register_prehook``,
    ``metadata`` and calling the node on output gradients.

    gradlab's teaching additions (names PyTorch does not use): ``derivatives``
    (the class's one record of its forward formula and the derivative for each
    input, see ``derivative.py``), ``expression`` and ``local_derivatives``
    (read from it), ``saved_values`` and ``saved_named``.

    A subclass states ``derivatives = Derivatives("a * b", a="b", b="a")``: its
    keys are the node's tensor inputs, in order, so ``apply(a, b, *params)``
    links the first two arguments as inputs and passes the rest to forward.
    """

    # Slots keep nodes small; "__dict__" holds what an op's forward stores on ctx
    # and the rarer fields below, which start from these class defaults.
    # The edges are kept as two flat tuples (nodes, and output indices or None when all are
    # 0) instead of PyTorch's tuple of pairs: fewer objects per op for the garbage
    # collector to walk. ``next_functions`` builds the pairs when asked.
    __slots__ = ("_next_nodes", "_next_indices", "_input_meta", "_sequence_nr", "_saved",
                 "_saved_sources", "__dict__", "__weakref__")
    _saved_versions = ()
    _output_data = None  # arrays of the outputs, kept only when forward saved an output
    _freed = False  # set by backward when it released the saved values
    _hooks = None  # register_hook: post-hooks, hook(grad_inputs, grad_outputs)
    _pre_hooks = None  # register_prehook: hook(grad_outputs)
    _tensor_pre_hooks = None  # {output_nr: [hooks]}: Tensor.register_hook on an output
    _retained_outputs = None  # {output_nr: weak reference}: outputs that called retain_grad()

    derivatives = None  # the Derivatives record (gradlab.autograd.derivative)
    expression = None  # its forward formula, e.g. "a * b"
    _input_count = None  # how many leading arguments of apply are inputs (None: all)
    is_view = False  # output shares memory (and version counter) with input 0
    promotes_dtypes = False  # output dtype follows PyTorch's promotion of the inputs
    output_layout = "pointwise"  # how PyTorch lays out a new output in memory (ops/strides.py)
    _num_outputs = 1

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        record = cls.__dict__.get("derivatives")
        if record is not None:
            cls.expression = record.expression
            cls._input_count = None if record.variadic else len(record.inputs)

    @property
    def local_derivatives(self):
        """gradlab addition: the derivative for each input, as text, with this node's numbers
        in place of their names (``a + 5``: ``∂out/∂b = 1``, where the class says ``alpha``)."""
        if self.derivatives is None:
            return ()
        numbers = {name: str(value) for name, value in self.__dict__.items()
                   if value.__class__ in (int, float) and not name.startswith("_")}
        return tuple(formula.shown(numbers) for formula in self.derivatives.formulas)

    # ----------------------------------------------------------------- recording
    @classmethod
    def apply(cls, *args, **params):
        """Run ``forward`` on the inputs' arrays and return the output tensor(s).

        The first ``len(derivatives.inputs)`` arguments are the inputs (the
        edges of the graph); further ones are parameters for ``forward``. A
        node is created only when grad mode is on and some input requires grad.
        """
        count = cls._input_count
        if count is not None and len(args) > count:
            inputs, extra = args[:count], args[count:]
        else:
            inputs, extra = args, ()
        raw = [value._data if isinstance(value, Tensor) else value for value in inputs]
        if extra:
            raw.extend(extra)
        node = None
        if _grad_state.enabled:
            for value in inputs:
                if isinstance(value, Tensor) and (value._requires_grad or value._base is not None
                                                  and value.requires_grad):  # (see _link_inputs)
                    node = cls.__new__(cls)
                    node._link_inputs(inputs)
                    break
        try:
            output = cls.forward(node or NO_CONTEXT, *raw, **params)
        except (ValueError, TypeError, IndexError, FloatingPointError) as error:
            raise _explain_forward_error(cls, error, inputs) from None
        if output.__class__ is tuple:
            return _wrap_many(cls, output, node, inputs)
        # one output (the common case, kept short because every op passes here)
        array = output if output.__class__ is np.ndarray else np.asarray(output)
        if cls.promotes_dtypes:
            array = _promote(cls, array, inputs)
        if cls.output_layout is not None and not cls.is_view:
            array = lay_out(array, raw[:len(inputs)], cls.output_layout)
        result = _new_tensor(Tensor)
        result._data = array
        result._grad_fn = node
        result._requires_grad = node is not None
        if cls.is_view:
            _share_with_base((result,), inputs[0])
        if node is not None and node._saved:
            node._resolve_saved(node._saved, inputs, (output,), (result,))
        if observers:
            announce(result)
        return result

    def _link_inputs(self, inputs):
        next_nodes = []
        input_meta = []
        indices = None
        for value in inputs:
            # A view requires grad when its base does, and its grad_fn property first brings it
            # up to date if its memory was changed in place since (ops/views.py).
            if isinstance(value, Tensor) and (value._requires_grad or value._base is not None
                                              and value.requires_grad):
                grad_fn = value._grad_fn if value._base is None else value.grad_fn
                if grad_fn is not None:
                    next_nodes.append(grad_fn)
                    if value._output_nr:
                        indices = indices or {}
                        indices[len(next_nodes) - 1] = value._output_nr
                elif value._requires_grad:
                    next_nodes.append(grad_accumulator(value))
                else:  # a view made under no_grad of a base that requires grad: no edge (PyTorch)
                    next_nodes.append(None)
                    input_meta.append(None)
                    continue
                input_meta.append((value._data.shape, value._data.dtype))
            else:
                next_nodes.append(None)
                input_meta.append(None)
        self._next_nodes = tuple(next_nodes)
        self._next_indices = None if indices is None else \
            tuple(indices.get(position, 0) for position in range(len(next_nodes)))
        self._input_meta = tuple(input_meta)
        self._sequence_nr = _next_sequence_nr()
        self._saved = self._saved_sources = ()

    @property
    def next_functions(self):
        """One ``(node, output index)`` pair per input; ``(None, 0)`` where no gradient flows."""
        return tuple(zip(self._next_nodes, self._next_indices or (0,) * len(self._next_nodes)))

    # ------------------------------------------------------------- ctx interface
    @property
    def needs_input_grad(self):
        """One bool per input: does backward need to compute that gradient?"""
        return tuple([meta is not None for meta in self._input_meta])

    def save_for_backward(self, *values):
        """Keep values (inputs, outputs or intermediate arrays) for backward.

        ``apply`` resolves them right after forward returns: an input's array
        becomes that input tensor, an output's array a reference to the output.
        """
        self._saved = values

    def mark_non_differentiable(self, *outputs):
        """Outputs (such as argmax indices) that get no grad_fn."""
        self._non_differentiable = outputs

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        """What forward saved, as tensors; fails once backward has freed them."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        unpacked = []
        for value, version in zip(self._saved, self._saved_versions):
            if isinstance(value, Tensor):
                if version_of(value) != version:
                    raise RuntimeError(_modified_message(self, value, version))
                unpacked.append(value)
            elif value.__class__ is _SavedOutput:
                unpacked.append(self._unpack_output(value, version))
            elif value.__class__ is np.ndarray:
                unpacked.append(_wrap(value))
            else:
                unpacked.append(value)  # None or a Python number
        return tuple(unpacked)

    def _unpack_output(self, saved, version):
        # A weak reference: the output holds this node, so a strong one would be a cycle.
        output = saved.tensor()
        current = version_of(output) if output is not None else saved.version[0]
        data = self._output_data[saved.index]
        if current != version:
            changed = output if output is not None else _wrap(data, self, saved.index)
            raise RuntimeError(_modified_message(self, changed, version, producer=self,
                                                 current=current))
        return _wrap(data, self, saved.index)

    @property
    def saved_values(self):
        """gradlab addition: what this node keeps for backward, as a tuple of tensors."""
        return self.saved_tensors

    def saved_named(self):
        """gradlab addition: the names a derivative formula reads, with their values.

        Saved inputs under their names in ``derivatives`` (``a``, ``b``), a saved
        output as ``out``, other saved values as ``saved[i]``, then what forward
        stored on ctx (``alpha``, ``dim``).
        """
        named = {}
        names = self.derivatives.input_names(len(self._next_nodes)) if self.derivatives else []
        sources = self._saved_sources or (None,) * len(self._saved)
        for position, (value, source) in enumerate(zip(self.saved_tensors, sources)):
            if value is None:
                continue
            kind, index = source or ("saved", position)
            if kind == "input" and index < len(names):
                named[names[index]] = value
            elif kind == "output":
                named["out" if self._num_outputs == 1 else f"out{index}"] = value
            else:
                named[f"saved[{position}]"] = value
        for key, value in self.__dict__.items():
            if not key.startswith("_"):
                named.setdefault(key, value)
        return named

    # ------------------------------------------------------------ running backward
    def _run_backward(self, grad_outputs, to_input_layout=True):
        """Call ``backward`` and bring each gradient to its input's shape and dtype.

        The engine does that second part (PyTorch's ``validate_outputs``); a node called
        directly (``__call__``) skips it, as in PyTorch, with ``to_input_layout=False``.
        """
        if self._num_outputs > 1 or grad_outputs[0] is None:
            grad_outputs = self._materialize(grad_outputs)
        grads = self.backward(self, *grad_outputs)
        if grads.__class__ is not tuple:
            grads = tuple(grads) if isinstance(grads, list) else (grads,)
        meta = self._input_meta
        if len(grads) != len(meta):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {len(meta)}, got {len(grads)})"
            )
        result = []
        for index, grad in enumerate(grads):
            expected = meta[index]
            if grad is None or expected is None:
                result.append(None)
            elif grad.__class__ is Tensor and grad._data.shape == expected[0] \
                    and grad._data.dtype == expected[1]:
                result.append(grad)
            elif not to_input_layout and isinstance(grad, Tensor):
                result.append(grad)
            else:
                result.append(_to_input_layout(self, index, grad, expected))
        return tuple(result)

    def _materialize(self, grad_outputs):
        """Zeros for outputs that received no gradient (as PyTorch does by default)."""
        result = list(grad_outputs)
        for index, grad in enumerate(result):
            if grad is None and getattr(self, "_output_meta", None) is not None:
                shape, dtype = self._output_meta[index]
                result[index] = _wrap(np.zeros(shape, dtype))
        return result

    def _release(self):
        """Free what forward saved (done by backward unless retain_graph=True)."""
        if self._saved:
            self._freed = True
            self._saved = self._saved_versions = ()
            if self._output_data is not None:
                self._output_data = None

    def __call__(self, *grad_outputs):
        """Input gradients for the given output gradients, aligned with next_functions.

        As PyTorch's ``Node.__call__``: what ``backward`` returns, before the engine's part —
        the gradient of a broadcast input keeps the output's shape (and dtype) until the
        engine sums it back; only None arrived (no gradient) gives None for every input.
        """
        for position, grad in enumerate(grad_outputs):
            if grad is not None and not isinstance(grad, Tensor):
                raise TypeError(
                    f"argument {position} is not a Variable: {self.name()} is called on gradient "
                    f"tensors (or None), e.g. node(torch.ones_like(output)), not on a "
                    f"{type(grad).__name__}"
                )
        if len(grad_outputs) != self._num_outputs:
            raise TypeError(f"{self.name()} expects {self._num_outputs} output gradient(s)")
        if all(grad is None for grad in grad_outputs):
            result = (None,) * len(self._next_nodes)
        else:
            result = self._run_backward(list(grad_outputs), to_input_layout=False)
        return result[0] if len(result) == 1 else result  # PyTorch returns a lone tensor bare

    # ------------------------------------------------------------------ identity
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def metadata(self):
        try:
            return self._metadata
        except AttributeError:
            self._metadata = {}
            return self._metadata

    @property
    def requires_grad(self):
        return True

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` runs after this node; it may return new grad_inputs:
        a tuple of the same length, each a tensor of the same shape and dtype, or None."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` runs before this node; it may return new grad_outputs (a tuple,
        checked as register_hook's result is)."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(hook)
        return RemovableHandle(self._pre_hooks, hook)

    def _register_tensor_hook(self, output_nr, hook):
        if self._tensor_pre_hooks is None:
            self._tensor_pre_hooks = {}
        hooks = self._tensor_pre_hooks.setdefault(output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    @property
    def local_derivative(self):
        """gradlab addition: the local derivative with respect to each input, as one line."""
        return "; ".join(self.local_derivatives)


class AccumulateGrad(Node):
    """The node at the end of every path: adds the arriving gradient into a leaf's ``.grad``.

    One per leaf, shared by every operation that uses the leaf, so a leaf used
    twice receives the sum of both gradients in a single step.
    """

    expression = "leaf.grad += grad"

    def __init__(self, variable):
        self.variable = variable
        self._next_nodes = ()
        self._next_indices = None
        self._input_meta = []
        # PyTorch's number for every AccumulateGrad, the largest: the engine runs a leaf's
        # accumulation as soon as its gradient is complete
        self._sequence_nr = _LAST_SEQUENCE_NR
        self._created = _next_sequence_nr()  # gradlab: creation order, to list leaves stably
        self._saved = self._saved_sources = ()

    @property
    def _tensor_pre_hooks(self):
        """A leaf's ``register_hook`` hooks, read from the leaf itself: it outlives this node."""
        hooks = self.variable._hooks
        return {0: hooks} if hooks else None

    def name(self):
        return "torch::autograd::AccumulateGrad"  # PyTorch's name() for this C++ node

    def _run_backward(self, grad_outputs, to_input_layout=True, take=False):
        """``take``: the caller hands ``grad_outputs`` over and keeps no record of it (an engine
        that yields no step records): a gradient nothing else holds may then become ``.grad``."""
        grad = grad_outputs[0]
        if not to_input_layout and grad._data.shape != self.variable._data.shape:
            grad = _broadcast_to_leaf(self.variable, grad)  # called directly: any shape may come
        # held by the caller's list, ``grad`` and getrefcount's argument, and nothing else
        take = take and sys.getrefcount(grad) <= 3
        accumulate(self.variable, grad, _grad_state.enabled, take)
        return ()

    def _release(self):
        pass


def _broadcast_to_leaf(tensor, grad):
    """A gradient given to AccumulateGrad by hand, broadcast to the leaf's shape as PyTorch
    broadcasts it (``copy_`` / ``+=`` into ``.grad``), or PyTorch's error."""
    shape, grad_shape = tensor._data.shape, grad._data.shape
    where = f" (AccumulateGrad: a gradient of shape {list(grad_shape)} for a leaf of shape {list(shape)})"
    for position in range(1, len(grad_shape) + 1):
        size = shape[-position] if position <= len(shape) else 1
        if grad_shape[-position] not in (1, size) and size != 1:
            raise RuntimeError(
                f"The size of tensor a ({size}) must match the size of tensor b "
                f"({grad_shape[-position]}) at non-singleton dimension "
                f"{max(len(shape), len(grad_shape)) - position}" + where)
    if len(grad_shape) > len(shape) or np.broadcast_shapes(shape, grad_shape) != shape:
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(shape, grad_shape))}" + where)
    return grad.expand(shape)


def accumulate(tensor, grad, keep_graph, take=False):
    """``tensor.grad += grad``: in place into the same ``.grad`` object, or
    out of place when the backward pass is being recorded (``create_graph``).

    The first gradient is copied, as PyTorch copies it: with ``copy_`` into a new
    tensor when recording, so a gradient that has a graph gets ``CopyBackwards``.
    With ``take`` (no one else holds the tensor ``grad``), its memory becomes ``.grad``
    instead when nothing else sees that memory either and it is laid out as the
    leaf's gradient must be: PyTorch's AccumulateGrad "steals" such a gradient.
    (The leaf's hooks have run already: they are AccumulateGrad's tensor hooks.)
    """
    tensor._grad_accumulations += 1
    if tensor._grad is None:
        tensor._grad_accumulations = 1
        if keep_graph and grad._requires_grad:
            tensor._grad = _wrap(np.empty_like(tensor._data)).copy_(grad)
        elif take and not keep_graph and _can_take(grad, tensor):
            tensor._grad = _wrap(grad._data)
        else:
            tensor._grad = _wrap(grad_copy(grad._data, tensor._data))
    elif keep_graph or tensor._grad._requires_grad:
        tensor._grad = tensor._grad + grad
    else:
        existing = tensor._grad
        np.add(existing._data, grad._data, out=existing._data, casting="unsafe")
        bump_version(existing)


def _can_take(grad, variable):
    """May the gradient tensor ``grad`` give its memory to ``variable.grad`` as it is? Only if
    no other array or tensor shares that memory and it keeps PyTorch's gradient layout
    contract (``grad_copy``): the variable's strides when its elements fill their memory,
    else row-major."""
    if not _memory_is_unshared(grad):
        return False
    array, leaf = grad._data, variable._data
    if array.dtype != leaf.dtype or array.shape != leaf.shape or not array.flags.writeable:
        return False
    if is_plain_row_major(leaf):
        return array.flags.c_contiguous
    strides = layout_like(leaf)[1]
    if strides is None:
        return array.flags.c_contiguous
    return all(stride == wanted if size != 1 else stride != 0
               for size, stride, wanted in zip(array.shape, element_strides(array), strides))


def _memory_is_unshared(grad):
    """Is ``grad._data`` the only way to its memory? (References counted: the holders named
    in the comments, this function's own names and getrefcount's argument.)"""
    if sys.getrefcount(grad._data) > 2:  # held by grad._data and by something else
        return False
    owner, source = grad._data.base, grad._memory_owner  # source: the tensor a view of it reads
    if owner is None:
        return source is None
    if (owner.__class__ is not np.ndarray or owner.base is not None
            or owner.size != grad._data.size):
        return False  # part of a bigger array, or memory NumPy did not allocate
    if source is None:
        return sys.getrefcount(owner) <= 3  # grad._data.base, owner
    # a view of a tensor that nothing but the view holds (grad._memory_owner, grad._base)
    held_by_grad = 2 if grad._base is source else 1
    return (source._data is owner and sys.getrefcount(source) <= held_by_grad + 2  # + source
            and sys.getrefcount(owner) <= 4)  # grad._data.base, source._data, owner


def retain_output(node, output_nr, tensor):
    """retain_grad(): backward stores the gradient of ``node``'s output ``output_nr`` in
    ``tensor.grad`` (a weak reference: the node must not keep its output alive)."""
    if node._retained_outputs is None:
        node._retained_outputs = {}
    node._retained_outputs[output_nr] = weakref.ref(tensor)


def move_retained_grad(tensor, old_node, old_output_nr):
    """An in-place op gave ``tensor`` a new grad_fn: retain_grad() follows it there, so ``.grad``
    holds the new value's gradient (as in PyTorch); hooks registered before stay on the old node."""
    if old_node._retained_outputs:
        old_node._retained_outputs.pop(old_output_nr, None)
    retain_output(tensor._grad_fn, tensor._output_nr, tensor)


# ------------------------------------------------------------------- helpers
def _wrap_many(cls, outputs, node, inputs):
    arrays = [a if a.__class__ is np.ndarray else np.asarray(a) for a in outputs]
    if cls.promotes_dtypes:
        arrays = [_promote(cls, a, inputs) for a in arrays]
    if cls.output_layout is not None and not cls.is_view:
        arrays = [lay_out(a, [v._data if isinstance(v, Tensor) else v for v in inputs], cls.output_layout)
                  for a in arrays]
    if node is None:
        tensors = tuple(_wrap(a) for a in arrays)
    else:
        skip = getattr(node, "_non_differentiable", None) or ()
        tensors = tuple(
            _wrap(a) if any(a is s for s in skip) else _wrap(a, node, index)
            for index, a in enumerate(arrays)
        )
        node._num_outputs = len(arrays)
        node._output_meta = [(a.shape, a.dtype) for a in arrays]
    if cls.is_view:
        _share_with_base(tensors, inputs[0], multiple_outputs=True)
    if node is not None and node._saved:
        node._resolve_saved(node._saved, inputs, outputs, tensors)
    return tensors


def _promote(cls, array, inputs):
    """Cast NumPy's result to PyTorch's result dtype where the two rules differ."""
    dtype = array.dtype
    seen_tensor = False
    for value in inputs:
        if value.__class__ is float:
            continue
        if isinstance(value, Tensor):
            if value._data.dtype != dtype:
                break
            seen_tensor = True
    else:
        # every tensor already has the result's dtype: NumPy and PyTorch agree
        if seen_tensor and (cls.promotes_dtypes is True or dtype.kind == "f"):
            return array
    target = result_type(*inputs)
    if cls.promotes_dtypes == "float" and not target.is_floating_point:
        target = get_default_dtype()
    target = target.numpy_dtype
    return array if dtype == target else array.astype(target)


def _share_with_base(views, source, multiple_outputs=False):
    """A view shares its base's memory, so it also shares its version counter (the memory owner's).

    For autograd (ops/views.py) it also keeps its ``_base`` (the tensor it was taken from through
    views), the version its grad_fn describes, and whether it was made in a way that forbids
    changing it in place (under no_grad, or as one of several views of one op), as PyTorch does.
    """
    owner = source._memory_owner if source._memory_owner is not None else source
    base = source._base if source._base is not None else source
    creation = source._view_creation  # a view of such a view inherits it
    if not _grad_state.enabled:
        creation = "no_grad"
    elif multiple_outputs:
        creation = "multi_output"
    for view in views:
        view._memory_owner = owner
        view._base = base
        view._view_version = owner._changes
        if creation is not None:
            view._view_creation = creation


def _resolve_saved(self, values, inputs, forward_outputs, output_tensors):
    """Map each saved array back to what it is: an input tensor, an output, or a constant."""
    saved = []
    versions = []
    sources = []  # ("input", i), ("output", i) or None: names for derivative formulas
    for value in values:
        entry, version, source = value, 0, None  # an intermediate array, a number or None
        for position, item in enumerate(inputs):
            if isinstance(item, Tensor) and (value is item._data or value is item):
                entry, version, source = item, version_of(item), ("input", position)
                break
        else:
            for index, produced in enumerate(forward_outputs):
                if value is produced or value is output_tensors[index]:
                    if self._output_data is None:
                        self._output_data = tuple(t._data for t in output_tensors)
                    entry = _SavedOutput(index, output_tensors[index])
                    version = version_of(output_tensors[index])
                    source = ("output", index)
                    break
            else:
                if isinstance(value, Tensor):
                    entry, version = value, version_of(value)
        saved.append(entry)
        versions.append(version)
        sources.append(source)
    self._saved = tuple(saved)
    self._saved_versions = tuple(versions)
    self._saved_sources = tuple(sources)


Node._resolve_saved = _resolve_saved


def _to_input_layout(node, index, grad, meta):
    """Sum a broadcast gradient back to the input's shape and cast it to its dtype."""
    if not isinstance(grad, Tensor):
        raise TypeError(
            f"{node.name()}: backward returned a {type(grad).__name__} for input {index}; "
            "expected a Tensor or None"
        )
    shape, dtype = meta
    if grad._data.shape != shape:
        grad = sum_to_shape(grad, shape, node.name(), index)
    if grad._data.dtype != dtype:
        grad = grad.to(from_numpy(dtype))
    return grad


def _explain_forward_error(cls, error, inputs):
    """Turn a NumPy error from inside forward into a sentence with PyTorch's meaning."""
    message = str(error)
    shapes = [tuple(v._data.shape) for v in inputs if isinstance(v, Tensor)]
    if "could not be broadcast" in message and len(shapes) >= 2:
        a, b = shapes[0], shapes[1]
        for position in range(1, max(len(a), len(b)) + 1):
            size_a = a[-position] if position <= len(a) else 1
            size_b = b[-position] if position <= len(b) else 1
            if size_a != size_b and 1 not in (size_a, size_b):
                dim = max(len(a), len(b)) - position
                return RuntimeError(
                    f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                    f"at non-singleton dimension {dim} ({cls.__name__[:-len('Backward0')] or cls.__name__}"
                    f" of shapes {list(a)} and {list(b)})"
                )
    return type(error)(f"{cls.__name__}: {message}") if isinstance(error, TypeError) else \
        RuntimeError(f"{cls.__name__}: {message}")


def _modified_message(node, tensor, version, producer=None, current=None):
    """PyTorch's message for a saved value changed in place, plus what to do about it."""
    kind = tensor_type_name(tensor._data.dtype)
    shape = ", ".join(str(n) for n in tensor._data.shape)
    producer = producer if producer is not None else tensor.grad_fn
    source = ""
    if producer is not None:
        # PyTorch names the op without "Backward0": output 0 of Mul, of Pow1, ...
        short = re.sub(r"Backward(\d+)$", lambda m: "" if m.group(1) == "0" else m.group(1),
                       producer.name())
        source = f", which is output {tensor._output_nr} of {short},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{kind} [{shape}]]{source} is at version "
        f"{version_of(tensor) if current is None else current}; expected "
        f"version {version} instead. {node.name()} saved it for backward. Hint: use an "
        "out-of-place operation (y = y + 1 instead of y += 1) on tensors that backward still "
        "needs, or clone() them first."
    )



def grad_accumulator(tensor):
    """The leaf's one AccumulateGrad node, made on first use and shared afterwards."""
    node = tensor._accumulator() if tensor._accumulator is not None else None
    if node is None:
        node = AccumulateGrad(tensor)
        tensor._accumulator = weakref.ref(node)
    return node

