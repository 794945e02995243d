"""Copies: ``clone`` (a new tensor, same values, still in the graph) and dtype
casts (``to``, ``float()``, ``double()``), whose gradient is cast back."""
import numpy as np

from .. import dtypes
from ..autograd.derivative import Derivatives
from ..autograd.node import Node
from ..device import check_device, device as _device
from ..tensor import Tensor, _wrap
from .strides import copy_in_order, laid_out, layout_like


class CloneBackward0(Node):
    """``clone(a)``: a copy of ``a`` in new memory, still in the graph."""

    derivatives = Derivatives("clone(a)", a="1")
    output_layout = None  # laid out by forward: like ``a`` or, for ``contiguous()``, row-major

    @staticmethod
    def forward(ctx, a, memory_format=None):
        order, strides = layout_like(a, memory_format)
        return laid_out(copy_in_order(a, order), order, strides)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class ToCopyBackward0(Node):
    """``a.to(dtype)``: a copy of ``a`` converted to another dtype (its gradient is cast back)."""

    derivatives = Derivatives("a.to(dtype)", a="1")

    @staticmethod
    def forward(ctx, a, dtype):
        with np.errstate(over="ignore", invalid="ignore"):  # 1e5 -> float16 is inf, silently
            return a.astype(dtype.numpy_dtype)  # always a copy, even to the same dtype

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output  # the engine casts it to the input's dtype


def clone(input, *, memory_format=None):
    """A copy in new memory, laid out like ``input`` (or row-major: ``torch.contiguous_format``)."""
    return CloneBackward0.apply(input, memory_format=memory_format)


def _is_dtype(value):
    return isinstance(value, (dtypes.dtype, np.dtype)) or value is float or value is int or value is bool


def to(input, *args, dtype=None, device=None, copy=False, non_blocking=False, memory_format=None):
    """``t.to(dtype)``, ``t.to("cpu")``, ``t.to(other_tensor)``, ``t.to(device, dtype)``.

    Returns ``input`` itself when nothing changes (unless ``copy=True``);
    otherwise a converted copy, whose grad_fn is ``ToCopyBackward0``.
    """
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        dtype = other.dtype
    elif args and not _is_dtype(args[0]):
        device = args.pop(0)
        if device is not None and not isinstance(device, (str, _device, int)):
            raise TypeError(f"to() received an invalid argument: {device!r} is neither a dtype, "
                            "a device nor a tensor")
    if args and _is_dtype(args[0]):
        dtype = args.pop(0)
    if args and isinstance(args[0], bool):
        args.pop(0)  # non_blocking: nothing to wait for on the CPU
    if args and isinstance(args[0], bool):
        copy = args.pop(0)
    if args:
        raise TypeError(
            f"to() received an invalid combination of arguments: {args!r} left over; "
            "use t.to(dtype), t.to(device), t.to(device, dtype) or t.to(other_tensor)"
        )
    check_device(device)
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.from_numpy(input._data.dtype)
    if target.numpy_dtype == input._data.dtype and not copy:
        return input
    if input.requires_grad and not target.is_floating_point:
        with np.errstate(invalid="ignore"):
            return _wrap(input._data.astype(target.numpy_dtype))  # integer results cannot carry grad
    return ToCopyBackward0.apply(input, target)
