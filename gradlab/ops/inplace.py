"""In-place operations: ``add_``, ``mul_``, ``zero_``, ``+=``, ... and autograd's rules for them.

Changing a tensor's memory is risky for autograd, so PyTorch enforces rules
that gradlab mirrors:

- a leaf that requires grad may not be changed in place while recording
  (``with no_grad(): w -= lr * w.grad`` is the way: it keeps ``w`` the same leaf);
- every tensor carries a version counter, bumped by each in-place change; a
  node that saved a tensor for backward checks the version when backward
  runs, so a value changed after it was saved fails loudly instead of giving
  a wrong gradient.  Whether that happens depends on what the node saved:
  ``b = a.exp()`` saves its *output*, so changing ``a`` afterwards is fine,
  while ``b = a * a`` saves ``a`` and fails;
- a non-leaf changed in place while recording gets a new ``grad_fn``: the
  op's node, whose input is the tensor's previous value;
- a *view* changed in place changes its base: the base's new ``grad_fn`` is
  ``CopySlices``, wrapping the op's node (``views.py``);
- the result must fit the tensor: an int tensor cannot take ``+= 1.5``, and
  ``x += y`` may not broadcast ``x`` to a bigger shape.
"""
import numpy as np

from .. import dtypes
from ..autograd.derivative import Derivatives
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.node import Node, _SavedOutput
from ..tensor import Tensor, _wrap, announce, bump_version, observers, tensor_from_data, version_of
from . import arithmetic, pointwise, strides, views
from .copy import clone
from .comparison import _same_shape_error


def check_inplace(tensor, operands=()):
    """Refuse in-place changes that would make autograd's answer wrong."""
    if not _grad_state.enabled:
        return
    if tensor._base is not None:
        views.check_inplace(tensor, _any_requires_grad(operands))
    elif tensor._grad_fn is None and tensor._requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation. "
            "(Update parameters inside `with torch.no_grad():`, or use an out-of-place "
            "operation such as w = w + 1.)"
        )


def _any_requires_grad(operands):
    return any(isinstance(o, Tensor) and o.requires_grad for o in operands)


def _check_result_dtype(tensor, values, float_result=False):
    """An op writing into ``tensor`` may not need a higher category (int += 1.5)."""
    result = dtypes.result_type(tensor, *values)
    if float_result and not result.is_floating_point:
        result = dtypes.get_default_dtype()
    if result.category > tensor.dtype.category:
        raise RuntimeError(
            f"result type {result._type_name} can't be cast to the desired output type "
            f"{tensor.dtype._type_name}"
        )


def _check_shape(tensor, operands):
    """``x += y`` writes into ``x``: ``y`` may broadcast to ``x``'s shape, not beyond it."""
    shapes = [o._data.shape for o in operands if isinstance(o, Tensor)]
    if not shapes:
        return
    try:
        shape = np.broadcast_shapes(tensor._data.shape, *shapes)
    except ValueError:
        raise _same_shape_error(tensor._data.shape, shapes[0]) from None
    if shape != tensor._data.shape:
        raise RuntimeError(
            f"output with shape {list(tensor._data.shape)} doesn't match the broadcast shape "
            f"{list(shape)} (an in-place result keeps its tensor's shape; use x = x + y instead)"
        )


def apply_inplace(tensor, node_class, *operands, casts=False, float_result=False, overlap="partial",
                  same_everywhere=False, **params):
    """Run ``node_class`` on ``tensor`` and write the result into ``tensor``'s memory.

    ``casts=True`` allows any result dtype (``copy_``, ``fill_``); otherwise a
    result that does not fit the tensor's dtype (int tensor += 1.5) is refused;
    ``float_result=True``: the op makes floats of integers (``exp_``, ``/=``), refused for them too.
    ``overlap``: which operands sharing the tensor's memory are refused, as PyTorch
    does: "partial" ones (``a[1:].add_(a[:3])``), "any" (``index_put_``) or None.
    ``same_everywhere``: every element sharing memory gets the same value (``fill_``, ``zero_``,
    a copy of the tensor onto itself), so PyTorch writes into an expanded tensor too.
    """
    check_inplace(tensor, operands)
    if overlap is not None:
        for operand in operands:
            if isinstance(operand, Tensor):
                views.check_overlap(tensor._data, operand._data, full_ok=overlap == "partial")
    if not casts:
        _check_result_dtype(tensor, operands, float_result)
    if _grad_state.enabled and (tensor.requires_grad or _any_requires_grad(operands)) \
            and tensor._data.dtype.kind in "fc":  # (copy_ into an int tensor: no history)
        # Record: the node's input is the old value (with the tensor's history so far), the
        # tensor becomes its output (a view's base becomes CopySlices around that node).
        previous = _snapshot(tensor)
        result = node_class.apply(previous, *operands, **params)
        _keep_old_value(result.grad_fn, previous)
        _write(tensor, result._data, same_everywhere)
        _saved_output_is(result.grad_fn, tensor)
        if tensor._base is not None:
            views.rebase(tensor, result.grad_fn)
        else:
            views.set_history(tensor, result.grad_fn)
    else:
        _write(tensor, node_class.apply(tensor, *operands, **params)._data, same_everywhere)  # unrecorded
    if observers:
        announce(tensor)  # the same tensor, changed in place (gradlab.viz.capture records it)
        changed_too = tensor._base if tensor._base is not None else tensor._memory_owner
        if changed_too is not None:
            announce(changed_too)  # the base whose memory (and history) the write changed
    return tensor


def _snapshot(tensor):
    """The tensor's old value, with its history so far: the in-place op's input."""
    previous = _wrap(tensor._data.copy(), tensor.grad_fn, tensor._output_nr)
    previous._requires_grad = tensor._requires_grad
    return previous


def _keep_old_value(node, previous):
    """What ``node`` saved of the old value for backward is a recorded copy of it, as PyTorch
    keeps it (``original_self = self.clone()``: CloneBackward0, seen by double backward)."""
    if any(entry is previous for entry in node._saved):
        old = clone(previous)
        node._saved = tuple(old if entry is previous else entry for entry in node._saved)
        node._saved_versions = tuple(version_of(old) if entry is old else version
                                     for entry, version in zip(node._saved, node._saved_versions))


def _saved_output_is(node, tensor):
    """An op that saved its output (exp_, tanh_, sigmoid_) saved ``tensor`` itself: its memory
    now holds the output, so a later in-place change of it makes backward fail, as in PyTorch."""
    if not any(entry.__class__ is _SavedOutput for entry in node._saved):
        return
    node._output_data = (tensor._data,)
    node._saved = tuple(_SavedOutput(0, tensor) if entry.__class__ is _SavedOutput else entry
                        for entry in node._saved)
    node._saved_versions = tuple(version_of(tensor) if entry.__class__ is _SavedOutput else version
                                 for entry, version in zip(node._saved, node._saved_versions))


def _write(tensor, values, same_everywhere=False):
    target = tensor._data
    if not target.flags.writeable:
        # raises if two elements are one (an expanded dimension), unless they get one value
        target = views.writable(tensor, same_everywhere)
    elif not (target.flags.c_contiguous or same_everywhere):
        views.refuse_repeated_elements(target)  # an as_strided view of expanded memory
    np.copyto(target, values, casting="unsafe")
    bump_version(tensor)


def _operand(value, op):
    return arithmetic._operand(value, op)


# ------------------------------------------------------------ arithmetic ops
def add_(tensor, other, *, alpha=1):
    other = _operand(other, "+=")
    _check_shape(tensor, (other,))
    return apply_inplace(tensor, arithmetic.AddBackward0, other, alpha=alpha)


def sub_(tensor, other, *, alpha=1):
    other = _operand(other, "-=")
    _check_shape(tensor, (other,))
    return apply_inplace(tensor, arithmetic.SubBackward0, other, alpha=alpha)


def mul_(tensor, other):
    other = _operand(other, "*=")
    _check_shape(tensor, (other,))
    return apply_inplace(tensor, arithmetic.MulBackward0, other)


def div_(tensor, other, *, rounding_mode=None):
    other = _operand(other, "/=")
    _check_shape(tensor, (other,))
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                               f"but found '{rounding_mode}'")
        return apply_inplace(tensor, arithmetic.DivBackward2, other, rounding_mode=rounding_mode)
    return apply_inplace(tensor, arithmetic.DivBackward0, other, float_result=True)  # int /= 2: a float


def pow_(tensor, exponent):
    exponent = _operand(exponent, "**=")
    if isinstance(exponent, Tensor):
        _check_shape(tensor, (exponent,))
        return apply_inplace(tensor, arithmetic.PowBackward1, exponent)
    _check_result_dtype(tensor, (exponent,))
    return apply_inplace(tensor, arithmetic.PowBackward0, exponent=exponent)


def clamp_(tensor, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        bounds = (min, max)
        _check_shape(tensor, bounds)
        return apply_inplace(tensor, pointwise.ClampBackward0, *bounds)
    _check_result_dtype(tensor, (min, max))
    return apply_inplace(tensor, pointwise.ClampBackward1, min=min, max=max)


# ---------------------------------------------------- element-wise functions
# (exp_, log_, sqrt_, tanh_, sigmoid_ make floats, which an integer tensor cannot hold)
def exp_(tensor):
    return apply_inplace(tensor, pointwise.ExpBackward0, float_result=True)


def log_(tensor):
    return apply_inplace(tensor, pointwise.LogBackward0, float_result=True)


def sqrt_(tensor):
    return apply_inplace(tensor, pointwise.SqrtBackward0, float_result=True)


def tanh_(tensor):
    return apply_inplace(tensor, pointwise.TanhBackward0, float_result=True)


def sigmoid_(tensor):
    return apply_inplace(tensor, pointwise.SigmoidBackward0, float_result=True)


def abs_(tensor):
    return apply_inplace(tensor, pointwise.AbsBackward0)


def relu_(tensor):
    return apply_inplace(tensor, pointwise.ReluBackward0)


def neg_(tensor):
    return apply_inplace(tensor, arithmetic.NegBackward0)


# --------------------------------------------------------------- overwriting
class ZeroBackward0(Node):
    """``a.zero_()``: every element becomes 0."""

    derivatives = Derivatives("a.zero_()", a="0")

    @staticmethod
    def forward(ctx, a):
        return np.zeros_like(a)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.new_zeros(grad_output.shape)


class FillBackward2(Node):
    """``a.fill_(value)`` with ``value`` a number: every element becomes ``value``."""

    derivatives = Derivatives("a.fill_(value)", a="0")

    @staticmethod
    def forward(ctx, a, value):
        return np.full_like(a, value)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.new_zeros(grad_output.shape)


class FillBackward3(Node):
    """``a.fill_(value)`` with ``value`` a 0-d tensor, and ``a[...] = value`` / ``a[:] = value``
    with a number or a 0-d tensor: every element becomes ``value`` (as in PyTorch, both record
    this node; its ``value`` edge is None when the value needs no gradient)."""

    derivatives = Derivatives("a.fill_(value)", a="0", value="1")

    @staticmethod
    def forward(ctx, a, value):
        return np.full_like(a, value)

    @staticmethod
    def backward(ctx, grad_output):
        needs_a, needs_value = ctx.needs_input_grad
        return (grad_output.new_zeros(grad_output.shape) if needs_a else None,
                grad_output.sum() if needs_value else None)


class CopyBackwards(Node):
    """``a.copy_(source)``: every element of ``a`` overwritten by ``source``, broadcast to ``a``'s shape
    and cast to its dtype."""

    derivatives = Derivatives("a.copy_(source)", a="0", source="1")

    def name(self):
        return "torch::autograd::CopyBackwards"  # PyTorch's name() for this C++ node

    @staticmethod
    def forward(ctx, a, source):
        return np.broadcast_to(source, a.shape).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        needs_a, needs_source = ctx.needs_input_grad
        # the engine sums the source's gradient to its shape and casts it to its dtype
        return (grad_output.new_zeros(grad_output.shape) if needs_a else None,
                grad_output if needs_source else None)


def zero_(tensor):
    return apply_inplace(tensor, ZeroBackward0, same_everywhere=True)


def fill_(tensor, value):
    """Every element becomes ``value`` (a number, or a 0-d tensor that may require grad)."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value._data.ndim} dimensions."
            )
        # reads value.item(); unlike a number, PyTorch refuses a tensor value into an expanded tensor
        return apply_inplace(tensor, FillBackward3, value, casts=True, overlap=None)
    if not isinstance(value, dtypes.NUMBER_TYPES):
        raise TypeError(f"fill_(): argument 'value' must be a number, not {type(value).__name__}")
    return apply_inplace(tensor, FillBackward2, value=value, casts=True, same_everywhere=True)


def copy_(tensor, source, non_blocking=False):
    """Overwrite ``tensor`` with ``source``'s values (broadcast and cast to fit)."""
    if not isinstance(source, Tensor):
        if not isinstance(source, (bool, int, float, np.number, np.bool_, np.ndarray)):
            raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                            f"{type(source).__name__}")

        source = tensor_from_data(source)
    _check_shape(tensor, (source,))
    return apply_inplace(tensor, CopyBackwards, source, casts=True,
                         same_everywhere=_same_layout(tensor._data, source._data))


def _same_layout(target, source):
    """Is ``source`` the very memory of ``target`` (x.copy_(x), or a second x.expand(3, 2))?"""
    return (target.shape == source.shape and target.strides == source.strides
            and target.dtype == source.dtype and target.size > 0
            and strides.address(target) == strides.address(source))


def round_(tensor, *, decimals=0):
    if decimals:
        return apply_inplace(tensor, pointwise.RoundBackward1, decimals=decimals)
    return apply_inplace(tensor, pointwise.RoundBackward0)
