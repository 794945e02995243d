"""A matrix's diagonal and the triangles beside it: tril, triu, diag and trace.

``tril``/``triu`` keep one triangle and zero the rest, so the gradient passes where the
elements were kept and is 0 elsewhere (the same triangle of it). ``diag`` takes the
diagonal out of a matrix, or puts a vector on the diagonal of a square matrix of zeros;
each one's backward is the other. ``trace`` sums the diagonal: its gradient is the
gradient on the diagonal and 0 off it.
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..tensor import Tensor


class _KeepsTriangle(Node):
    """tril/triu: ``a`` where the triangle's mask holds, 0 elsewhere; the gradient is the same
    triangle of ``grad_output`` (so backward is the op itself)."""

    output_layout = "contiguous"
    _lower = None  # True for tril, False for triu, set by the subclass

    @classmethod
    def forward(cls, ctx, a, diagonal):
        ctx.diagonal = diagonal
        rows, columns = a.shape[-2:]
        if cls._lower:
            kept = np.tri(rows, columns, diagonal, dtype=bool)
        else:
            kept = ~np.tri(rows, columns, diagonal - 1, dtype=bool)
        return np.where(kept, a, np.zeros((), a.dtype))

    @classmethod
    def backward(cls, ctx, grad_output):
        return cls.apply(grad_output, diagonal=ctx.diagonal)


class TrilBackward0(_KeepsTriangle):
    """``tril(a, diagonal)``: the elements on and below the ``diagonal``-th diagonal; 0 above."""

    derivatives = Derivatives("tril(a, diagonal)", a=Words("1 on and below the diagonal, else 0"))
    _lower = True


class TriuBackward0(_KeepsTriangle):
    """``triu(a, diagonal)``: the elements on and above the ``diagonal``-th diagonal; 0 below."""

    derivatives = Derivatives("triu(a, diagonal)", a=Words("1 on and above the diagonal, else 0"))
    _lower = False


def _triangle(name, node, input, diagonal):
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    if not isinstance(diagonal, (int, np.integer)) or isinstance(diagonal, bool):
        raise TypeError(f"{name}(): argument 'diagonal' (position 2) must be int, not "
                        f"{type(diagonal).__name__}")
    return node.apply(input, diagonal=int(diagonal))


def tril(input, diagonal=0):
    """The lower triangle of the (last two dims of) ``input``, zeros above ``diagonal``."""
    return _triangle("tril", TrilBackward0, input, diagonal)


def triu(input, diagonal=0):
    """The upper triangle of the (last two dims of) ``input``, zeros below ``diagonal``."""
    return _triangle("triu", TriuBackward0, input, diagonal)


# ------------------------------------------------------------------ diag, trace
def _diagonal_positions(rows, columns, offset):
    """(row indices, column indices) of the ``offset``-th diagonal of a rows × columns matrix."""
    start_row, start_column = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(rows - start_row, columns - start_column))
    steps = np.arange(length)
    return start_row + steps, start_column + steps


class DiagonalBackward0(Node):
    """``diag(a, offset)`` of a matrix: its ``offset``-th diagonal, as a vector (a copy)."""

    derivatives = Derivatives("diag(a, offset)", a=Words("1 on the diagonal, else 0"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, offset):
        ctx.shape, ctx.offset = a.shape, offset
        return a[_diagonal_positions(*a.shape, offset)].copy()

    @staticmethod
    def backward(ctx, grad_output):
        return DiagEmbedBackward0.apply(grad_output, offset=ctx.offset, shape=ctx.shape)


DiagonalBackward0.__name__ = DiagonalBackward0.__qualname__ = "DiagonalBackward0_copy"  # PyTorch's name


class DiagEmbedBackward0(Node):
    """``diag(v, offset)`` of a vector: a square matrix of zeros with ``v`` on its ``offset``-th
    diagonal (``shape``: of another size, for diag's backward)."""

    derivatives = Derivatives("diag(v, offset)", v=Words("1 from its place on the diagonal"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, v, offset, shape=None):
        ctx.offset = offset
        if shape is None:
            size = v.shape[0] + abs(offset)
            shape = (size, size)
        out = np.zeros(shape, v.dtype)
        out[_diagonal_positions(*shape, offset)] = v
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return DiagonalBackward0.apply(grad_output, offset=ctx.offset)


def diag(input, diagonal=0):
    """A vector's values on the diagonal of a square matrix, or a matrix's diagonal as a vector."""
    ndim = input._data.ndim
    if ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
    if ndim == 1:
        return DiagEmbedBackward0.apply(input, offset=int(diagonal))
    return DiagonalBackward0.apply(input, offset=int(diagonal))


class TraceBackward0(Node):
    """``trace(a)``: the sum of a matrix's diagonal."""

    derivatives = Derivatives("trace(a)", a=Words("1 on the diagonal, else 0"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        dtype = np.int64 if a.dtype.kind in "biu" else a.dtype
        return np.asarray(np.trace(a, dtype=dtype))

    @staticmethod
    def backward(ctx, grad_output):
        return DiagEmbedBackward0.apply(grad_output.expand(min(ctx.shape)), offset=0, shape=ctx.shape)


def trace(input):
    """The sum of the diagonal of a matrix."""
    if not isinstance(input, Tensor) or input._data.ndim != 2:
        ndim = input._data.ndim if isinstance(input, Tensor) else 0
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {ndim}")
    return TraceBackward0.apply(input)
