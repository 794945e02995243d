"""Reordering elements: sort, argsort, topk, flip, roll; and dims: movedim, tile.

None of these computes new values, so each backward puts every gradient back where its
element came from: ``sort`` and ``topk`` write it at the ``indices`` they returned (into
zeros, so an element that was not picked gets exactly 0), ``flip`` flips it back and
``roll`` rolls it back by the opposite shift.
"""
import builtins

import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..tensor import Tensor, _wrap
from .indexing import ScatterBackward0
from .reduction import _ReductionResult
from .shape import normalize_dim


_SortResult, _TopkResult = _ReductionResult.named("sort"), _ReductionResult.named("topk")


def _sorting_order(a, dim, descending):
    """Indices that sort ``a`` along ``dim``, ties kept in their order, NaN counted as largest."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")
    # descending and stable: sort the reversed values ascending, then read that backwards
    n = a.shape[dim]
    ascending = np.argsort(np.flip(a, dim), axis=dim, kind="stable")
    return n - 1 - np.flip(ascending, dim)


class _SelectsByIndex(Node):
    """sort/topk: the elements at ``order`` along ``dim``; the gradient of each goes back to
    where it came from, written into zeros (``scatter``), so an element not picked gets 0."""

    output_layout = "contiguous"

    @staticmethod
    def _take(ctx, a, dim, order):
        """``a``'s elements at ``order`` along ``dim`` and ``order`` as int64 indices (saved);
        a 0-d ``a`` is its one element, at index 0 (``order`` None)."""
        ctx.shape, ctx.dim = a.shape, dim
        if a.ndim == 0:
            values, indices = a.copy(), np.zeros((), np.int64)
        else:
            values, indices = np.take_along_axis(a, order, axis=dim), order.astype(np.int64)
        ctx.save_for_backward(indices)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad_output, grad_indices=None):
        (indices,) = ctx.saved_tensors
        if not ctx.shape:  # a 0-d input: its one element
            return grad_output
        zeros = np.zeros(ctx.shape, grad_output._data.dtype)
        return ScatterBackward0.apply(zeros, grad_output, dim=ctx.dim, index=indices._data)


class SortBackward0(_SelectsByIndex):
    """``values, indices = sort(a, dim)``: the elements along ``dim`` in order."""

    derivatives = Derivatives("sort(a, dim)", a=Words("1 at the position each value came from"))

    @classmethod
    def forward(cls, ctx, a, dim, descending):
        order = _sorting_order(a, dim, descending) if a.ndim else None
        return cls._take(ctx, a, dim, order)


class SortBackward1(SortBackward0):
    """``sort(a, dim, stable=...)``: the same sort, called with ``stable`` (ties keep their order)."""

    derivatives = Derivatives("sort(a, dim, stable)", a=Words("1 at the position each value came from"))


class TopkBackward0(_SelectsByIndex):
    """``values, indices = topk(a, k, dim)``: the ``k`` largest (or smallest) elements along ``dim``."""

    derivatives = Derivatives("topk(a, k, dim)", a=Words("1 at the position each value came from, "
                                                         "0 at the elements not picked"))

    @classmethod
    def forward(cls, ctx, a, k, dim, largest):
        order = None
        if a.ndim:
            order = np.take(_sorting_order(a, dim, descending=largest), np.arange(k), axis=dim)
        return cls._take(ctx, a, dim, order)


def _sort_dim(name, input, dim):
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return normalize_dim(int(dim), input._data.ndim)


def sort(input, dim=-1, descending=False, *, stable=None):
    """``(values, indices)``: the elements along ``dim`` in increasing order (``descending``:
    decreasing); ties keep their order, NaN sorts as the largest value."""
    node = SortBackward0 if stable is None else SortBackward1
    values, indices = node.apply(input, dim=_sort_dim("sort", input, dim), descending=descending)
    return _SortResult(values, indices)


def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices that sort ``input`` along ``dim`` (no gradient: int64 positions)."""
    dim = _sort_dim("argsort", input, dim)
    data = input._data
    if data.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    return _wrap(_sorting_order(data, dim, descending).astype(np.int64))


def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the ``k`` largest elements along ``dim`` (``largest=False``: smallest)."""
    dim = _sort_dim("topk", input, dim)
    size = input._data.shape[dim] if input._data.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"topk(): argument 'k' (position 1) must be int, not {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range (k={k}, but dim {dim} has {size} elements)")
    values, indices = TopkBackward0.apply(input, k=int(k), dim=dim, largest=largest)
    return _TopkResult(values, indices)


# ------------------------------------------------------------------ flip, roll
class FlipBackward0(Node):
    """``flip(a, dims)``: the order of the elements reversed along each of ``dims``."""

    derivatives = Derivatives("flip(a, dims)", a=Words("1 at the mirrored position"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.flip(a, dims).copy()

    @staticmethod
    def backward(ctx, grad_output):
        return FlipBackward0.apply(grad_output, dims=ctx.dims)


def _int_tuple(name, argument, position, values):
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        return (int(values),)
    if isinstance(values, (tuple, list)) and builtins.all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return tuple(int(v) for v in values)
    raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be tuple of ints, "
                    f"not {type(values).__name__}")


def flip(input, *dims):
    """``input`` with the order of its elements reversed along each of ``dims``."""
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if len(dims) == 1:
        if isinstance(dims[0], (int, np.integer)) and not isinstance(dims[0], bool):
            # torch.flip(x, 0) is refused; x.flip(0) (a method) is not, and reads like x.flip((0,))
            dims = (int(dims[0]),)
        else:
            dims = _int_tuple("flip", "dims", 2, dims[0])
    else:
        dims = _int_tuple("flip", "dims", 2, dims)
    dims = [normalize_dim(d, input._data.ndim) for d in dims]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return FlipBackward0.apply(input, dims=tuple(dims) if input._data.ndim else ())


def flip_function(input, dims):
    """``torch.flip(input, dims)``: ``dims`` must be a tuple or list (an int is refused, as in PyTorch)."""
    if isinstance(dims, Tensor) or not isinstance(dims, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not "
                        f"{type(dims).__name__}")
    return flip(input, tuple(dims))


class RollBackward0(Node):
    """``roll(a, shifts, dims)``: the elements moved ``shifts`` places along ``dims``, wrapping
    around (no dims: along the flattened tensor)."""

    derivatives = Derivatives("roll(a, shifts, dims)", a=Words("1 at the position shifted back"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        if not dims:
            return np.roll(a.reshape(-1), shifts).reshape(a.shape)
        return np.roll(a, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad_output):
        shifts = tuple(-shift for shift in ctx.shifts)
        return RollBackward0.apply(grad_output, shifts=shifts, dims=ctx.dims)


def roll(input, shifts, dims=None):
    """Move the elements ``shifts`` places along ``dims`` (the flattened tensor without dims),
    those pushed off one end coming back at the other."""
    shifts = _int_tuple("roll", "shifts", 2, shifts)
    dims = () if dims is None else _int_tuple("roll", "dims", 3, dims)
    if not dims and len(shifts) != 1:
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
    if dims and len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(normalize_dim(d, input._data.ndim) for d in dims)
    if input._data.ndim == 0:  # one element: nothing moves
        shifts, dims = (0,), ()
    return RollBackward0.apply(input, shifts=shifts, dims=dims)


# ------------------------------------------------------------ movedim, tile
def movedim(input, source, destination):
    """Move dims ``source`` to the positions ``destination`` (the others keep their order):
    a ``permute`` (grad_fn ``PermuteBackward0``, as in PyTorch)."""
    ndim = input._data.ndim
    if isinstance(source, (int, np.integer)) != isinstance(destination, (int, np.integer)):
        raise TypeError("movedim(): source and destination must both be ints or both be tuples of "
                        f"ints, got {type(source).__name__} and {type(destination).__name__}")
    source = [normalize_dim(d, ndim) for d in _int_tuple("movedim", "source", 2, source)]
    destination = [normalize_dim(d, ndim) for d in _int_tuple("movedim", "destination", 3, destination)]
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({source} dims) "
                           f"should contain the same number of dims as destination ({destination} dims)")
    for name, dims in (("source", source), ("destination", destination)):
        for d in dims:
            if dims.count(d) > 1:
                raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    order = [None] * ndim
    for s, d in zip(source, destination):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in source)
    order = [next(rest) if d is None else d for d in order]
    return input.permute(tuple(order))


moveaxis = movedim


def tile(input, dims):
    """``input`` repeated ``dims[i]`` times along each dim (missing leading ones count as 1):
    a ``repeat`` (grad_fn ``RepeatBackward0``)."""
    dims = _int_tuple("tile", "dims", 2, dims)
    missing = input._data.ndim - len(dims)
    return input.repeat(*((1,) * missing + dims))
