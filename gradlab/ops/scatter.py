"""Writing at chosen positions: ``index_add``, ``scatter``, ``scatter_add``, ``masked_fill_``
(each also in place), and ``take``, which reads positions of the flattened tensor.

They are the counterparts of the reads in ``indexing.py`` (whose nodes they record):
``index_add`` adds rows where ``index_select`` reads them, ``scatter_add`` adds entries
where ``gather`` reads them, so each one's gradient is the other::

    out = a.index_add(0, index, source)     grad_source = grad_out.index_select(0, index)
    out = a.scatter_add(1, index, src)      grad_src    = grad_out.gather(1, index)
    out = a.scatter(1, index, src)          grad_a      = grad_out with 0 where index points
    out = a.take(index)                     grad_a      = zeros, with grad_out added at index
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..tensor import Tensor
from . import inplace, pointwise
from .indexing import (
    IndexAddBackward0, ScatterAddBackward0, ScatterBackward0, ScatterBackward1, _check_in_bounds,
    _integer_index,
)
from .shape import normalize_dim


def _index_array(name, index):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype not in (np.int32, np.int64):
        return None
    return index._data.astype(np.int64)


# ------------------------------------------------------------------ index_add
def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha · source[k]`` added at position ``index[k]`` along ``dim``."""
    return IndexAddBackward0.apply(input, source, **_index_add_params(input, dim, index, source, alpha))


def index_add_(tensor, dim, index, source, *, alpha=1):
    params = _index_add_params(tensor, dim, index, source, alpha)
    return inplace.apply_inplace(tensor, IndexAddBackward0, source, **params)


def _index_add_params(input, dim, index, source, alpha):
    ndim = input._data.ndim
    if ndim == 0:
        raise NotImplementedError("index_add of a 0-d tensor is not supported by gradlab; "
                                  "use a 1-element tensor (t.reshape(1)) instead")
    dim = normalize_dim(dim, ndim)
    positions = _index_array("index_add_", index)
    if positions is None:
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{index.dtype._type_name}")
    if positions.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{positions.ndim} with type: {index.dtype._type_name} and size: "
                         f"{list(positions.shape)}")
    positions = positions.reshape(-1)
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add(): argument 'source' must be Tensor, not {type(source).__name__}")
    shape, source_shape = input._data.shape, source._data.shape
    if len(source_shape) != ndim or any(a != b for d, (a, b) in enumerate(zip(shape, source_shape))
                                        if d != dim):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(shape)} source.shape = {list(source_shape)}")
    if positions.size != source_shape[dim]:
        raise RuntimeError(f"index_add_(): Number of indices ({positions.size}) should be equal to "
                           f"source.size(dim): ({source_shape[dim]}), for dim: {dim}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype._type_name}) and source "
                           f"({source.dtype._type_name}) must have the same scalar type")
    _check_in_bounds(positions, shape[dim], dim)
    return {"dim": dim, "index": positions, "alpha": alpha}


# ------------------------------------------------------------------ scatter
def _nonempty_shape(array):
    """The shape gather and scatter check: a 0-d tensor counts as 1-d of size 1."""
    return array.shape or (1,)


def _scatter_params(input, dim, index, src):
    """Check ``input.scatter(dim, index, src)`` (or ``scatter_add``, in place or not) as PyTorch
    does, with its messages (all say ``scatter()``); the ``dim`` and the index array.

    A 0-d ``input``, ``index`` or ``src`` is read as 1-d of size 1, as PyTorch reads it."""
    dim = normalize_dim(dim, input._data.ndim)
    positions = _integer_index("scatter", index, "int32/int64")
    if isinstance(src, Tensor) and src.dtype != input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if positions.size == 0:
        return dim, positions
    shape, index_shape = _nonempty_shape(input._data), _nonempty_shape(positions)
    if len(index_shape) != len(shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    too_big = any(index_shape[d] > shape[d] for d in range(len(shape)) if d != dim)
    if isinstance(src, Tensor):
        src_shape = _nonempty_shape(src._data)
        if not too_big:
            for d in range(len(shape)):
                if d >= len(src_shape):  # PyTorch reads src.size(d) here
                    raise IndexError(f"Dimension out of range (expected to be in range of "
                                     f"[{-len(src_shape)}, {len(src_shape) - 1}], but got {d})")
                too_big = too_big or index_shape[d] > src_shape[d]
        if too_big:
            raise RuntimeError(f"Expected index {list(positions.shape)} to be no larger than self "
                               f"{list(input._data.shape)} apart from dimension {dim} and to be no "
                               f"larger size than src {list(src._data.shape)}")
        if len(src_shape) != len(index_shape):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    elif too_big:
        raise RuntimeError(f"Expected index {list(positions.shape)} to be no larger than self "
                           f"{list(input._data.shape)} apart from dimension {dim}")
    _check_in_bounds(positions, shape[dim], dim)
    return dim, positions


def _scatter_node(input, dim, index, src, name, reduce):
    if reduce is not None:
        raise NotImplementedError(f"{name}(reduce={reduce!r}) is not supported by gradlab; use "
                                  "scatter_add for reduce='add'")
    dim, positions = _scatter_params(input, dim, index, src)
    if isinstance(src, Tensor):
        return ScatterBackward0, (src,), {"dim": dim, "index": positions}
    return ScatterBackward1, (), {"dim": dim, "index": positions, "value": src}


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``src[i][j]`` (or the number ``value``) written at
    ``out[i][index[i][j]]`` (dim=1)."""
    src = value if src is None else src
    node, operands, params = _scatter_node(input, dim, index, src, "scatter", reduce)
    return node.apply(input, *operands, **params)


def scatter_(tensor, dim, index, src=None, *, value=None, reduce=None):
    src = value if src is None else src
    node, operands, params = _scatter_node(tensor, dim, index, src, "scatter_", reduce)
    return inplace.apply_inplace(tensor, node, *operands, **params)


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src[i][j]`` added at ``out[i][index[i][j]]`` (dim=1)."""
    dim, positions = _scatter_params(input, dim, index, _src_tensor(src))
    return ScatterAddBackward0.apply(input, src, dim=dim, index=positions)


def scatter_add_(tensor, dim, index, src):
    dim, positions = _scatter_params(tensor, dim, index, _src_tensor(src))
    return inplace.apply_inplace(tensor, ScatterAddBackward0, src, dim=dim, index=positions)


def _src_tensor(src):
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 3) must be Tensor, not "
                        f"{type(src).__name__}")
    return src


# ------------------------------------------------------------------ masked_fill_
def masked_fill_(tensor, mask, value):
    """``tensor`` with ``value`` written wherever ``mask`` (broadcast to its shape) is True."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = mask.dtype._cpp_name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{got}")
    inplace._check_shape(tensor, (mask,))
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        return inplace.apply_inplace(tensor, pointwise.MaskedFillBackward1, value, mask,
                                     overlap=None)
    return inplace.apply_inplace(tensor, pointwise.MaskedFillBackward0, mask, value=value,
                                 overlap=None)


# ------------------------------------------------------------------ take
class TakeBackward0(Node):
    """``a.take(index)``: the entries of the flattened ``a`` at ``index`` (any shape; negative
    positions count from the end)."""

    derivatives = Derivatives("a.take(index)", a=Words("1 where index points (summed over repeats)"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        return a.reshape(-1)[index]

    @staticmethod
    def backward(ctx, grad_output):
        zeros = np.zeros(int(np.prod(ctx.shape)), grad_output._data.dtype)
        flat = IndexAddBackward0.apply(zeros, grad_output.reshape(-1), dim=0,
                                       index=ctx.index.reshape(-1))
        return flat.reshape(ctx.shape)


def take(input, index):
    """The entries of ``input`` (read as 1-d) at the positions ``index``; the result has
    ``index``'s shape."""
    positions = _index_array("take", index)
    if positions is None or index._data.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{index.dtype._type_name}")
    size = input._data.size
    outside = (positions < -size) | (positions >= size)
    if outside.any():
        raise IndexError(f"out of range: tried to access index {positions[outside].flat[0]} on a "
                         f"tensor of {size} elements.")
    return TakeBackward0.apply(input, index=np.where(positions < 0, positions + size, positions))
