"""Running totals along a dimension: cumsum and cumprod.

``cumsum``'s backward is a running total too, taken from the other end: an element
counts in every later partial sum, so it gets the sum of their gradients (flip, cumsum,
flip back). ``cumprod``'s backward divides the later products by the element when no
element is 0; with a 0 it cannot, and instead multiplies out the product of the *other*
elements for each position, as PyTorch does, so the gradient stays exact.
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..tensor import _wrap
from .numpy_names import accepts_numpy_names
from .out import into_out
from .pointwise import where
from .reduction import _numpy_dtype, _sum_dtype  # ints and bools add up as int64
from .reorder import flip
from .shape import normalize_dim


def _reversed_cumsum(grad, dim):
    """Σ_{j ≥ i} grad_j along ``dim``: each element's share of the later running totals."""
    return flip(flip(grad, dim).cumsum(dim), dim)


class CumsumBackward0(Node):
    """``cumsum(a, dim)``: out_i = a_0 + a_1 + … + a_i along ``dim``."""

    derivatives = Derivatives("cumsum(a, dim)", a=Words("the sum of grad_out from position i "
                                                        "to the end along dim"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        ctx.dim = dim
        if a.ndim == 0:
            return a.astype(_sum_dtype(a, dtype))
        return np.cumsum(a, axis=dim, dtype=_sum_dtype(a, dtype))

    @staticmethod
    def backward(ctx, grad_output):
        if grad_output.dim() == 0:
            return grad_output
        return _reversed_cumsum(grad_output, ctx.dim)


class CumprodBackward0(Node):
    """``cumprod(a, dim)``: out_i = a_0 · a_1 · … · a_i along ``dim``."""

    derivatives = Derivatives("cumprod(a, dim)", a=Words(
        "Σ over j ≥ i of grad_out_j · (out_j / a_i), the product of the others up to j "
        "(computed without dividing where a holds a 0)"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        ctx.dim = dim
        out = a.astype(_sum_dtype(a, dtype)) if a.ndim == 0 else \
            np.cumprod(a, axis=dim, dtype=_sum_dtype(a, dtype))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, out = ctx.saved_tensors
        if a.dim() == 0 or a.numel() == 0 or a.shape[ctx.dim] == 1:  # out = a: grad passes as is
            return grad_output
        if not (a == 0).any().item():
            return _reversed_cumsum(grad_output * out, ctx.dim) / a
        return _cumprod_gradient_with_zeros(a, grad_output, ctx.dim)


def _cumprod_gradient_with_zeros(a, grad_output, dim):
    """grad_i = Σ_{j ≥ i} grad_j · Π_{k ≤ j, k ≠ i} a_k, one row of products per position i.

    For each i, a copy of ``a`` with a_i replaced by 1; its running product at j is the
    product of the others up to j. n copies of a length-n slice: fine for the sizes one
    teaches with, and made of tensor ops, so it can be differentiated again.
    """
    last = a.dim() - 1
    values, grad = a.transpose(dim, last), grad_output.transpose(dim, last)
    n = values.shape[-1]
    eye = _wrap(np.eye(n, dtype=bool))
    upper = _wrap(np.triu(np.ones((n, n), dtype=bool)))  # j ≥ i
    copies = where(eye, values.new_ones(()), values.unsqueeze(-2).expand(*values.shape[:-1], n, n))
    products = copies.cumprod(-1)  # [..., i, j] = Π_{k ≤ j, k ≠ i} a_k
    terms = where(upper, grad.unsqueeze(-2) * products, grad.new_zeros(()))
    return terms.sum(-1).transpose(dim, last)


def _running(name, node, input, dim, dtype, out):
    if out is not None:
        return into_out(name, out, _running, name, node, input, dim, dtype, None)
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    dim = normalize_dim(dim, input._data.ndim)
    return node.apply(input, dim=dim, dtype=_numpy_dtype(dtype))


@accepts_numpy_names
def cumsum(input, dim=None, *, dtype=None, out=None):
    """The running sum along ``dim``: out_i = x_0 + … + x_i."""
    return _running("cumsum", CumsumBackward0, input, dim, dtype, out)


@accepts_numpy_names
def cumprod(input, dim=None, *, dtype=None, out=None):
    """The running product along ``dim``: out_i = x_0 · … · x_i (exact gradients with zeros)."""
    return _running("cumprod", CumprodBackward0, input, dim, dtype, out)
