"""Reductions: sum, mean, max, min, argmax, norm, var/std, logsumexp, softmax.

A reduction's backward spreads the gradient back over the elements that were
combined: ``sum`` copies it to every element, ``mean`` divides it by their
count, ``max`` sends it only to the winner.
"""
import numpy as np

from ..autograd.node import Node
from .shape import normalize_dims


def _restore_reduced_dims(grad, shape, dims, keepdim):
    """Put back the reduced dimensions as size 1, so ``grad`` broadcasts over the input."""
    if keepdim or not dims:
        return grad
    kept_shape = [1 if i in dims else size for i, size in enumerate(shape)]
    return grad.reshape(kept_shape)


class SumBackward0(Node):
    """out = Σ a (all elements)          d/da_i = 1"""

    expression = "sum(a)"
    local_derivatives = ("∂out/∂a_i = 1",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a_i} = 1",)

    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.shape = a.shape
        return np.sum(a, dtype=_sum_dtype(a, dtype))

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.expand(ctx.shape)


class SumBackward1(Node):
    """out = Σ over dims of a          d/da_i = 1"""

    expression = "sum(a, dim)"
    local_derivatives = ("∂out/∂a_i = 1",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a_i} = 1",)

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        return np.sum(a, axis=dims, keepdims=keepdim, dtype=_sum_dtype(a, dtype))

    @staticmethod
    def backward(ctx, grad_output):
        grad = _restore_reduced_dims(grad_output, ctx.shape, ctx.dims, ctx.keepdim)
        return grad.expand(ctx.shape)


class MeanBackward0(Node):
    """out = (Σ a) / n          d/da_i = 1 / n"""

    expression = "mean(a)"
    local_derivatives = ("∂out/∂a_i = 1 / n",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a_i} = \frac{1}{n}",)

    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.shape = a.shape
        return np.mean(a, dtype=dtype).astype(dtype or a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        count = int(np.prod(ctx.shape))
        return (grad_output / count).expand(ctx.shape)


class MeanBackward1(Node):
    """out = mean over dims of a          d/da_i = 1 / n  (n = elements per mean)"""

    expression = "mean(a, dim)"
    local_derivatives = ("∂out/∂a_i = 1 / n",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a_i} = \frac{1}{n}",)

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        return np.mean(a, axis=dims, keepdims=keepdim, dtype=dtype).astype(dtype or a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        count = int(np.prod([ctx.shape[d] for d in ctx.dims]))
        grad = _restore_reduced_dims(grad_output, ctx.shape, ctx.dims, ctx.keepdim)
        return (grad / count).expand(ctx.shape)


def _sum_dtype(a, dtype):
    if dtype is not None:
        return dtype
    return np.int64 if a.dtype.kind in "biu" else a.dtype  # PyTorch sums ints and bools as int64


def _numpy_dtype(dtype):
    if dtype is None:
        return None
    from ..dtypes import as_dtype

    return as_dtype(dtype).numpy_dtype


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001, A002 - PyTorch's names
    """Add up all elements, or along ``dim`` (an int or a tuple of ints)."""
    dtype = _numpy_dtype(dtype)
    if dim is None:
        return SumBackward0.apply(input, dtype=dtype)
    dims = normalize_dims(dim, input._data.ndim)
    return SumBackward1.apply(input, dims=dims, keepdim=keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The average of all elements, or along ``dim``; only for floating-point tensors."""
    dtype = _numpy_dtype(dtype)
    if input._data.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype.name.capitalize()} (convert first with .float())"
        )
    if dim is None:
        return MeanBackward0.apply(input, dtype=dtype)
    dims = normalize_dims(dim, input._data.ndim)
    return MeanBackward1.apply(input, dims=dims, keepdim=keepdim, dtype=dtype)
