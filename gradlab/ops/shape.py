"""Shape operations: reshape/view, flatten, transpose, permute, squeeze, expand,
repeat, split/chunk/unbind, cat, stack.

They move or copy values without changing them, so each backward applies
the inverse movement to the gradient (a transpose of the gradient for a
transpose, a sum over the copies for an expand or a repeat, the pieces put
back together for a split).

Most of them are *views*, as in PyTorch: the output shares memory (and the
version counter) with the input, so ``y = x.t(); y[0, 0] = 5`` changes ``x``.
``repeat``, ``cat`` and ``stack`` copy.
"""
import math
import operator

import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..tensor import Tensor
from .broadcast import sum_to_shape
from .copy import clone
from .numpy_names import accepts_numpy_names
from .out import into_out
from .strides import (
    as_view, contiguous_format, element_strides, expand_strides, reshaped, view_strides,
)


# ------------------------------------------------------------------ helpers
def normalize_dim(dim, ndim):
    """A dimension index in ``range(ndim)``, accepting negatives; PyTorch's error otherwise."""
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {dim})"
        )
    return dim % size


def normalize_dims(dims, ndim):
    """A sorted tuple of dimension indices from an int or a sequence of ints."""
    if isinstance(dims, (int, np.integer)):
        dims = (dims,)
    result = tuple(sorted({normalize_dim(int(d), ndim) for d in dims}))
    if ndim == 0:
        return ()
    return result


def _int_sequence(values, name, argument="shape", position=1, required=False):
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` alike; ints only."""
    if required and not values:
        raise TypeError(f"{name}() missing the {argument}: pass it as {name}(2, 3) or "
                        f"{name}((2, 3)), or {name}(()) for a 0-d result")
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = tuple(values[0])
    result = []
    for value in values:
        if isinstance(value, bool) or isinstance(value, (float, np.floating)):
            raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be "
                            f"tuple of ints, not {type(value).__name__}")
        try:
            result.append(operator.index(value))
        except TypeError:
            raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be "
                            f"tuple of ints, not {type(value).__name__}") from None
    return tuple(result)


def _infer_shape(shape, numel):
    """Resolve one ``-1``; PyTorch's messages when the sizes do not fit."""
    shape = list(shape)
    unknown = None
    known = 1
    for index, size in enumerate(shape):
        if size == -1:
            if unknown is not None:
                raise RuntimeError("only one dimension can be inferred")
            unknown = index
        elif size < 0:
            raise RuntimeError(f"invalid shape dimension {size} at index {index} of shape {shape}")
        else:
            known *= size
    if numel == known or (unknown is not None and known > 0 and numel % known == 0):
        if unknown is not None:
            if known == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {shape} because the "
                    "unspecified dimension size -1 can be any value and is ambiguous"
                )
            shape[unknown] = numel // known
        return tuple(shape)
    raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")


def _along(dim, item):
    """A NumPy index that applies ``item`` to dimension ``dim`` and leaves the others whole.

    The trailing ``...`` keeps NumPy from turning a 0-d result into a scalar copy:
    ``a[0, ...]`` of a 1-d array is a 0-d *view*, as PyTorch's ``a[0]`` is.
    """
    return (slice(None),) * dim + (item, Ellipsis)


# ---------------------------------------------------------- reshape / view
class _Reshape(Node):
    """Shared by the three reshape nodes: the same values in the same order, read with
    a new shape; backward reads the gradient with the input's shape again."""

    @classmethod
    def forward(cls, ctx, a, shape):
        ctx.input_shape = a.shape
        if not cls.is_view:
            return np.reshape(a, shape)  # UnsafeView reads a fresh row-major copy
        return reshaped(a, shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.input_shape)


_RESHAPED_BACK = "reshape(grad_out, input_shape)"  # the gradient of every reshape node


class ViewBackward0(_Reshape):
    """``a.view(shape)``: the same memory read with a new shape (same values, same order)."""

    derivatives = Derivatives("a.view(shape)", a=_RESHAPED_BACK)
    is_view = True


class UnsafeViewBackward0(_Reshape):
    """``a.reshape(shape)`` of a fresh copy of ``a``.

    What ``reshape`` records when the memory layout does not allow a view
    (after a transpose): a copy (``CloneBackward0``) and then this node.
    """

    derivatives = Derivatives("a.reshape(shape)", a=_RESHAPED_BACK)


class ReshapeAliasBackward0(_Reshape):
    """``a.reshape(shape)`` sharing memory although ``a`` is not contiguous.

    What ``reshape`` records for a non-contiguous input whose layout still
    allows a view (``x.t().reshape(4, 1, 3)``); contiguous inputs get ViewBackward0.
    """

    derivatives = Derivatives("a.reshape(shape)", a=_RESHAPED_BACK)
    is_view = True


def _can_view(array, shape):
    """Can ``array``'s memory be read with ``shape`` without copying (PyTorch's rule,
    on strides laid out as PyTorch lays them out: see ``strides.py``)?"""
    return array.flags.c_contiguous or view_strides(array.shape, element_strides(array), shape) is not None


def view(input, *shape):
    """The same memory read with another shape; fails when the layout does not allow it."""
    shape = _infer_shape(_int_sequence(shape, "view", "size", required=True), input._data.size)
    if not _can_view(input._data, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return ViewBackward0.apply(input, shape=shape)


def reshape(input, *shape):
    """A view when the memory layout allows it, otherwise a row-major copy with the new shape."""
    shape = _infer_shape(_int_sequence(shape, "reshape", required=True), input._data.size)
    if input._data.flags.c_contiguous:
        return ViewBackward0.apply(input, shape=shape)
    if _can_view(input._data, shape):
        return ReshapeAliasBackward0.apply(input, shape=shape)
    return UnsafeViewBackward0.apply(clone(input, memory_format=contiguous_format), shape=shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one; the same tensor when nothing changes."""
    ndim = input._data.ndim
    if ndim == 0:
        return reshape(input, 1)
    start, end = normalize_dim(start_dim, ndim), normalize_dim(end_dim, ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input  # PyTorch returns the very same object here
    shape = input._data.shape
    merged = math.prod(shape[start:end + 1])
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


def unflatten(input, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1): always a view."""
    shape = input._data.shape
    dim = normalize_dim(dim, len(shape))
    sizes = list(_int_sequence((sizes,), "unflatten", "sizes", position=2))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(size for size in sizes if size != -1)
    fits = known == shape[dim] if -1 not in sizes else known > 0 and shape[dim] % known == 0
    if not fits:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of "
                           f"dim {dim} ({shape[dim]}) in the input tensor")
    if -1 in sizes:
        sizes[sizes.index(-1)] = shape[dim] // known
    return view(input, shape[:dim] + tuple(sizes) + shape[dim + 1:])


# ------------------------------------------------------- reordering dimensions
class TBackward0(Node):
    """``a.t()``: rows become columns (0-d and 1-d tensors are returned unchanged)."""

    derivatives = Derivatives("a.t()", a="grad_out.T")
    is_view = True

    @staticmethod
    def forward(ctx, a):
        return a.T

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.t()


def t(input):
    """Transpose a matrix (at most 2 dimensions; use ``transpose``/``mT`` for more)."""
    if input._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D"
        )
    return TBackward0.apply(input)


class TransposeBackward0(Node):
    """``a.transpose(dim0, dim1)``: ``a`` with dimensions dim0 and dim1 swapped."""

    derivatives = Derivatives("a.transpose(dim0, dim1)", a="transpose(grad_out, dim0, dim1)")
    is_view = True

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        ctx.dim0, ctx.dim1 = dim0, dim1
        return np.swapaxes(a, dim0, dim1) if a.ndim else a.view()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.transpose(ctx.dim0, ctx.dim1)


def transpose(input, dim0, dim1):
    """Swap two dimensions (a view)."""
    ndim = input._data.ndim
    return TransposeBackward0.apply(input, dim0=normalize_dim(dim0, ndim), dim1=normalize_dim(dim1, ndim))


swapaxes = swapdims = transpose


class PermuteBackward0(Node):
    """``a.permute(dims)``: ``a`` with its dimensions in the order ``dims``."""

    derivatives = Derivatives("a.permute(dims)", a="permute(grad_out, argsort(dims))")
    is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.permute(tuple(np.argsort(ctx.dims).tolist()))


def permute(input, *dims):
    """Reorder all dimensions: ``permute(2, 0, 1)`` or ``permute((2, 0, 1))``."""
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = _int_sequence(dims, "permute", "dims")
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(): number of dimensions in the tensor input does not match the length of "
            f"the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal to "
            f"len(dims) = {len(dims)}"
        )
    dims = tuple(normalize_dim(d, ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return PermuteBackward0.apply(input, dims=dims)


# ------------------------------------------------------ adding / removing 1s
class UnsqueezeBackward0(Node):
    """``a.unsqueeze(dim)``: ``a`` with a new dimension of size 1 at ``dim``."""

    derivatives = Derivatives("a.unsqueeze(dim)", a="squeeze(grad_out, dim)")
    is_view = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        shape = a.shape[:dim] + (1,) + a.shape[dim:]
        if a.flags.c_contiguous and 1 not in a.shape:
            return a.reshape(shape)  # row-major: NumPy's strides are PyTorch's
        strides = list(element_strides(a))  # the new dimension's stride as PyTorch sets it
        strides.insert(dim, a.shape[dim] * strides[dim] if dim < a.ndim else 1)
        return as_view(a, shape, strides)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.squeeze(ctx.dim)


def unsqueeze(input, dim):
    """Insert a dimension of size 1 at ``dim`` (from ``-ndim-1`` to ``ndim``)."""
    return UnsqueezeBackward0.apply(input, dim=normalize_dim(dim, input._data.ndim + 1))


class _Squeeze(Node):
    """Shared by the squeeze nodes: ``a`` without its size-1 dimensions ``removed``
    (ascending); backward puts them back."""

    is_view = True

    @staticmethod
    def forward(ctx, a, removed):
        ctx.removed = removed
        return np.squeeze(a, axis=removed) if removed else a.view()

    @staticmethod
    def backward(ctx, grad_output):
        for dim in ctx.removed:
            grad_output = grad_output.unsqueeze(dim)
        return grad_output


_UNSQUEEZED_BACK = "unsqueeze(grad_out, removed)"  # the gradient of every squeeze node


class SqueezeBackward0(_Squeeze):
    """``a.squeeze()``: ``a`` without any of its size-1 dimensions."""

    derivatives = Derivatives("a.squeeze()", a=_UNSQUEEZED_BACK)


class SqueezeBackward1(_Squeeze):
    """``a.squeeze(dim)``: ``a`` without dimension ``dim`` if its size is 1 (otherwise unchanged)."""

    derivatives = Derivatives("a.squeeze(dim)", a=_UNSQUEEZED_BACK)


class SqueezeBackward2(_Squeeze):
    """``a.squeeze(dims)``: ``a`` without those of ``dims`` whose size is 1."""

    derivatives = Derivatives("a.squeeze(dims)", a=_UNSQUEEZED_BACK)


def size_one_dims(shape, dims):
    """Those of ``dims`` (negative ones count from the end) whose size in ``shape`` is 1, ascending:
    what ``squeeze(dims)`` removes. A dimension named twice is refused, as in PyTorch."""
    ndim = len(shape)
    dims = [normalize_dim(operator.index(d), ndim) for d in dims]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(d for d in sorted(dims) if ndim and shape[d] == 1)


def squeeze(input, dim=None):
    """Remove size-1 dimensions: all of them, one (``dim``) or several (a tuple)."""
    shape = input._data.shape
    ndim = len(shape)
    if dim is None:
        return SqueezeBackward0.apply(input, tuple(d for d, size in enumerate(shape) if size == 1))
    if isinstance(dim, (tuple, list)):
        return SqueezeBackward2.apply(input, size_one_dims(shape, dim))
    dim = normalize_dim(operator.index(dim), ndim)
    return SqueezeBackward1.apply(input, (dim,) if ndim and shape[dim] == 1 else ())


# ------------------------------------------------------------ making copies
class ExpandBackward0(Node):
    """``a.expand(shape)``: ``a`` repeated along its size-1 dimensions, without copying."""

    derivatives = Derivatives("a.expand(shape)", a="1")
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        strides = expand_strides(a.shape, element_strides(a), shape)  # a kept size 1 keeps its stride
        if all(stride or size <= 1 for size, stride in zip(shape, strides)):
            return as_view(a, shape, strides)  # nothing repeats: writable, as in PyTorch
        expanded = np.broadcast_to(a, shape)  # read-only: its elements share memory
        return expanded if element_strides(expanded) == strides else as_view(expanded, shape, strides)

    @staticmethod
    def backward(ctx, grad_output):
        # summed back here, as PyTorch's rule does (sum_to): a direct call of the node gives
        # the input's shape too (the engine sums only what other rules leave broadcast)
        return sum_to_shape(grad_output, ctx._input_meta[0][0], ctx.name())


def expand(input, *sizes):
    """Repeat size-1 dimensions (and add leading ones); ``-1`` keeps a size."""
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size" '
                        "(the new shape, e.g. x.expand(3, 4); -1 keeps a size)")
    sizes = _int_sequence(sizes, "expand", "size")
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({input.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})"
        )
    offset = len(sizes) - len(shape)
    target = []
    for i, size in enumerate(sizes):
        current = shape[i - offset] if i >= offset else None
        if current is None:
            if size < 0:
                raise RuntimeError(f"The expanded size of the tensor ({size}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
        elif size == -1:
            size = current
        elif current != 1 and current != size:
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size ({current}) "
                f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
        target.append(size)
    return ExpandBackward0.apply(input, shape=tuple(target))


class RepeatBackward0(Node):
    """``a.repeat(repeats)``: ``a`` tiled ``repeats`` times along each dimension (a copy)."""

    derivatives = Derivatives("a.repeat(repeats)", a=Words("1 per tile (the tiles' gradients summed)"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, repeats):
        padded = (1,) * (len(repeats) - a.ndim) + a.shape
        ctx.input_shape, ctx.padded, ctx.repeats = a.shape, padded, repeats
        return np.tile(a.reshape(padded), repeats)

    @staticmethod
    def backward(ctx, grad_output):
        if 0 in ctx.repeats:
            return grad_output.new_zeros(ctx.input_shape)
        # The leading dimensions repeat added are summed away one by one; then each repeated
        # dimension is read as (tile, element) and the tiles added up, in one reshape and one
        # sum (none at all where every repeat is 1), as PyTorch's repeat_backward does
        grad, added = grad_output, len(ctx.repeats) - len(ctx.input_shape)
        for _ in range(added):
            grad = grad.sum(0)
        sizes, tile_dims = [], []
        for repeat, size in zip(ctx.repeats[added:], ctx.input_shape):
            if repeat != 1:
                tile_dims.append(len(sizes))
                sizes.append(repeat)
            sizes.append(size)
        return grad.reshape(sizes).sum(tile_dims) if tile_dims else grad


def repeat(input, *repeats):
    """Tile the tensor: ``repeat(2, 1)`` stacks two copies along dimension 0."""
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    repeats = _int_sequence(repeats, "repeat", "repeats")
    shape = input._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + shape
    result_shape = [r * s for r, s in zip(repeats, padded)]
    for size in result_shape:
        if size < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: {result_shape}")
    return RepeatBackward0.apply(input, repeats=repeats)


# ------------------------------------------------------------------ splitting
def _pieces(a, dim, sizes):
    """Views of consecutive pieces of ``a`` along ``dim`` with the given sizes."""
    starts = np.cumsum((0,) + tuple(sizes[:-1])).tolist()
    return tuple(a[_along(dim, slice(start, start + size))] for start, size in zip(starts, sizes))


class _SplitBase(Node):
    """Shared by split and split_with_sizes: the pieces are views, backward joins them."""

    is_view = True

    @staticmethod
    def forward(ctx, a, dim, sizes):
        ctx.dim = dim
        return _pieces(a, dim, sizes)

    @staticmethod
    def backward(ctx, *grad_outputs):
        # pieces that were not used arrive as zeros (the node materializes them, as PyTorch does)
        return cat(grad_outputs, ctx.dim)


# the derivative of every split node
_ON_ITS_PIECE = Words("1 on piece i (the pieces' gradients joined along dim, zeros for unused pieces)")


class SplitBackward0(_SplitBase):
    """``a.split(split_size, dim)``: ``a`` cut along ``dim`` into views of ``split_size``
    elements each (the last may be smaller)."""

    derivatives = Derivatives("a.split(split_size, dim)", a=_ON_ITS_PIECE)


class SplitWithSizesBackward0(_SplitBase):
    """``a.split(sizes, dim)``: ``a`` cut along ``dim`` into pieces of the given sizes, as views."""

    derivatives = Derivatives("a.split(sizes, dim)", a=_ON_ITS_PIECE)


def split(tensor, split_size_or_sections, dim=0):
    """Cut along ``dim`` into pieces of one size (an int) or of the given sizes (a list)."""
    ndim = tensor._data.ndim
    if ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = normalize_dim(dim, ndim)
    length = tensor._data.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [operator.index(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != length:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
                f"size at dimension {dim}), but got split_sizes={sizes}"
            )
        return SplitWithSizesBackward0.apply(tensor, dim=dim, sizes=tuple(sizes))
    size = operator.index(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0 and length != 0:
        raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {length}")
    count = max(-(-length // size), 1) if size else 1
    sizes = [size] * (count - 1) + [length - size * (count - 1)]
    return SplitBackward0.apply(tensor, dim=dim, sizes=tuple(sizes))


def chunk(input, chunks, dim=0):
    """Cut into ``chunks`` pieces of equal size (the last may be smaller; maybe fewer pieces)."""
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    dim_normalized = normalize_dim(dim, input._data.ndim)
    length = input._data.shape[dim_normalized]
    size = -(-length // chunks)
    if size == 0 and length == 0:
        return split(input, [0] * chunks, dim)
    return split(input, size, dim)


class UnbindBackward0(Node):
    """``a.unbind(dim)``: the slices of ``a`` along ``dim`` (that dimension removed), as views."""

    derivatives = Derivatives("a.unbind(dim)",
                              a=Words("1 on slice i (the slices' gradients stacked along dim)"))
    is_view = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return tuple(a[_along(dim, i)] for i in range(a.shape[dim]))

    @staticmethod
    def backward(ctx, *grad_outputs):
        return stack(grad_outputs, ctx.dim)  # unused slices arrive as zeros


def unbind(input, dim=0):
    """All slices along ``dim`` as a tuple of views (``dim`` removed from each)."""
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dim(dim, input._data.ndim)
    if input._data.shape[dim] == 0:
        return ()
    return UnbindBackward0.apply(input, dim=dim)


# ------------------------------------------------------------------ joining
class CatBackward0(Node):
    """``cat(tensors, dim)``: the tensors joined along the existing dimension ``dim``."""

    derivatives = Derivatives("cat(tensors, dim)", variadic=True,
                              tensors=Words("1 on its own slice of out along dim"))
    promotes_dtypes = True
    output_layout = "channels_last_if_all"

    @staticmethod
    def forward(ctx, *arrays, dim):
        # PyTorch still accepts (and skips) 1-d empty tensors of any other shape
        used = [not (a.ndim == 1 and a.size == 0) for a in arrays]
        ctx.dim, ctx.used = dim, used
        ctx.sizes = [a.shape[dim] if keep else 0 for a, keep in zip(arrays, used)]
        return np.concatenate([a for a, keep in zip(arrays, used) if keep] or arrays[:1], axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        grads, start = [], 0
        for size, keep in zip(ctx.sizes, ctx.used):
            if keep:
                grads.append(grad_output.narrow(ctx.dim, start, size))
            else:
                grads.append(grad_output.new_zeros(0))
            start += size
        return tuple(grads)


class StackBackward0(Node):
    """``stack(tensors, dim)``: same-shaped tensors joined along a new dimension ``dim``."""

    derivatives = Derivatives("stack(tensors, dim)", variadic=True,
                              tensors=Words("1 on its own slice of out along dim"))
    promotes_dtypes = True
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        count = grad_output.shape[ctx.dim]
        return tuple(grad_output.select(ctx.dim, i) for i in range(count))


def _check_sequence(name, tensors):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    if not tensors:
        if name == "cat":
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    for i, item in enumerate(tensors):
        if not isinstance(item, Tensor):
            raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                            f"but found element of type {type(item).__name__} at pos {i}")


@accepts_numpy_names
def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dimension (sizes must match elsewhere)."""
    if out is not None:
        return into_out("cat", out, cat, tensors, dim)
    _check_sequence("cat", tensors)
    joined = [t for t in tensors if not (t._data.ndim == 1 and t._data.size == 0)] or list(tensors[:1])
    reference = joined[0]._data.shape
    dim = normalize_dim(dim, len(reference))
    for i, item in enumerate(tensors):
        shape = item._data.shape
        if item._data.ndim == 1 and item._data.size == 0:
            continue
        if len(shape) != len(reference):
            raise RuntimeError("Tensors must have same number of dimensions: got "
                               f"{len(reference)} and {len(shape)}")
        for d, (s, r) in enumerate(zip(shape, reference)):
            if d != dim and s != r:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. "
                                   f"Expected size {r} but got size {s} for tensor number {i} in the list.")
    return CatBackward0.apply(*tensors, dim=dim)


concat = concatenate = cat


@accepts_numpy_names
def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dimension."""
    if out is not None:
        return into_out("stack", out, stack, tensors, dim)
    _check_sequence("stack", tensors)
    reference = tensors[0]._data.shape
    for i, item in enumerate(tensors):
        if item._data.shape != reference:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(reference)} "
                               f"at entry 0 and {list(item._data.shape)} at entry {i}")
    dim = normalize_dim(dim, len(reference) + 1)
    return StackBackward0.apply(*tensors, dim=dim)
