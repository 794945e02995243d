"""Copies: ``clone`` (a new tensor, same values, still in the graph) and dtype
casts (``to``, ``float()``, ``double()``), whose gradient is cast back."""
import numpy as np

from .. import dtypes
from ..autograd.node import Node
from ..device import check_device
from ..tensor import Tensor


class CloneBackward0(Node):
    """out = a (a copy)          d/da = 1"""

    expression = "clone(a)"
    local_derivatives = ("∂out/∂a = 1",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 1",)

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class ToCopyBackward0(Node):
    """out = a converted to another dtype          d/da = 1 (cast back to a's dtype)"""

    expression = "a.to(dtype)"
    local_derivatives = ("∂out/∂a = 1",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 1",)

    @staticmethod
    def forward(ctx, a, dtype):
        return a.astype(dtype.numpy_dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output  # the engine casts it to the input's dtype

    @classmethod
    def apply(cls, a, dtype):
        return super().apply(a, dtype=dtype)


def clone(input, *, memory_format=None):  # noqa: A002 - PyTorch's argument name
    return CloneBackward0.apply(input)


def to(input, *args, dtype=None, device=None, copy=False, non_blocking=False, memory_format=None):  # noqa: A002
    """``t.to(dtype)``, ``t.to("cpu")``, ``t.to(other_tensor)``, ``t.to(device, dtype)``."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, dtypes.dtype) or arg in (float, int, bool) or isinstance(arg, np.dtype):
            dtype = dtypes.as_dtype(arg)
        else:
            check_device(arg)
    check_device(device)
    if dtype is None or dtypes.as_dtype(dtype).numpy_dtype == input._data.dtype:
        return clone(input) if copy else input
    dtype = dtypes.as_dtype(dtype)
    if input._requires_grad and not dtype.is_floating_point:
        from ..tensor import _wrap

        return _wrap(input._data.astype(dtype.numpy_dtype))  # integer results cannot carry grad
    return ToCopyBackward0.apply(input, dtype)
