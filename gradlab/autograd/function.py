"""``gradlab.autograd.Function``: define your own operation with its own backward.

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 2 * x

    y = Square.apply(x)          # y.grad_fn is a SquareBackward node

``forward`` receives tensors and runs without recording (its inner operations
are not part of the graph); ``backward`` returns one gradient per argument of
forward (None for arguments that need none).  Because backward is written
with tensor operations, it is recorded when ``create_graph=True``, so custom
Functions can be differentiated twice.
"""
from ..tensor import Tensor, _wrap
from .grad_mode import _state as _grad_state
from .node import Node


class BackwardCFunction(Node):
    """The grad_fn of a custom Function's outputs (named ``<Function>Backward``)."""

    _function = None

    def __repr__(self):
        return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    @property
    def needs_input_grad(self):
        return self._needs_input_grad

    @staticmethod
    def backward(ctx, *grad_outputs):
        grads = ctx._function.backward(ctx, *grad_outputs)
        if grads.__class__ is not tuple:
            grads = tuple(grads) if isinstance(grads, list) else (grads,)
        expected = len(ctx._needs_input_grad)
        if len(grads) != expected:
            raise RuntimeError(
                f"function {ctx.name()} returned an incorrect number of gradients "
                f"(expected {expected}, got {len(grads)})"
            )
        # keep the gradients of tensor arguments only, aligned with next_functions
        return tuple(grad for grad, position in zip(grads, range(expected))
                     if position in ctx._tensor_positions)

    def _materialize(self, grad_outputs):
        if not getattr(self, "_materialize_grads", True):
            return grad_outputs
        return Node._materialize(self, grad_outputs)


class _FunctionMeta(type):
    """Gives every Function subclass its own node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        cls._backward_cls = type(f"{name}Backward", (BackwardCFunction,), {"_function": cls})


class Function(metaclass=_FunctionMeta):
    """Base class for operations with a hand-written backward (see the module docstring)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, ...) as a staticmethod")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, ...) to be differentiated")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Optional (PyTorch 2 style): save for backward here when forward takes no ctx."""

    @classmethod
    def apply(cls, *args, **kwargs):
        node = cls._backward_cls.__new__(cls._backward_cls)
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        node._link_inputs(tensor_args)
        node._tensor_positions = {i for i, a in enumerate(args) if isinstance(a, Tensor)}
        node._needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        node._non_differentiable = None
        node._materialize_grads = True
        recording = _grad_state.enabled and any(node._needs_input_grad)

        previous_mode = _grad_state.enabled
        _grad_state.enabled = False
        try:
            if _defines_setup_context(cls):
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, outputs)
            else:
                outputs = cls.forward(node, *args, **kwargs)
        finally:
            _grad_state.enabled = previous_mode

        multiple = isinstance(outputs, tuple)
        results = outputs if multiple else (outputs,)
        for value in results:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"{cls.__name__}.forward must return a Tensor or a tuple of Tensors, "
                    f"got {type(value).__name__}"
                )
        if not recording:
            return outputs
        skip = node._non_differentiable or ()
        wrapped = []
        for index, value in enumerate(results):
            differentiable = value._data.dtype.kind == "f" and not any(value is s for s in skip)
            wrapped.append(_wrap(value._data, node if differentiable else None, index))
        node._num_outputs = len(wrapped)
        node._output_meta = [(t._data.shape, t._data.dtype) for t in wrapped]
        if node._saved:
            _check_saved(node._saved)
            node._resolve_saved(node._saved, tensor_args, results, wrapped)
        return tuple(wrapped) if multiple else wrapped[0]


def _check_saved(values):
    """Only tensors (or None) may be saved, as in PyTorch (which checks when it records)."""
    for position, value in enumerate(values):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(
                f"save_for_backward can only save variables, but argument {position} is of type "
                f"{_type_name(value)} (save tensors with it; keep other values on ctx: ctx.k = 3)"
            )


def _type_name(value):
    """The type's name as Python's C API spells it: ``int``, ``Foo``, ``numpy.ndarray``."""
    kind = type(value)
    if kind.__module__ == "builtins" or kind.__flags__ & (1 << 9):  # a class defined in Python
        return kind.__name__
    return f"{kind.__module__}.{kind.__name__}"


def _defines_setup_context(cls):
    return any("setup_context" in vars(k) for k in cls.__mro__ if k is not Function)


class once_differentiable:
    """Decorator for a backward that cannot itself be differentiated (accepted as is)."""

    def __new__(cls, function):
        return function


