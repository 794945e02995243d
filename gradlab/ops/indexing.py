"""Indexing: reading ``t[index]``, writing ``t[index] = value``, ``gather`` and ``index_select``.

Reading follows PyTorch step by step, so the graph is the one PyTorch builds:

- *basic* indices are applied one after the other, each a view: an int is a
  ``select`` (SelectBackward0), a slice a ``slice`` (SliceBackward0), ``None``
  an ``unsqueeze`` (UnsqueezeBackward0).  ``x[0, 1:]`` is a SliceBackward0
  whose input is a SelectBackward0; ``x[...]`` is an alias (AliasBackward0).
- *advanced* indices (lists, integer tensors, boolean masks) are then applied
  together, in one copy: IndexBackward0.  Its gradient *adds up*: an element
  picked twice (``x[[0, 0]]``) receives both gradients.

Writing is an in-place write into the region the basic indices pick:
``copy_``/``fill_``, or ``index_put_`` (IndexPutBackward0) for advanced
indices.  When that region is a view, the tensor records CopySlices around
the write (``views.py``), as PyTorch does.  The gradient for the old values
is the output gradient with the written region zeroed (those values were
overwritten); the gradient for the value is that region of the output gradient.
"""
import collections.abc
import math
import operator
import warnings

import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.node import Node
from .. import dtypes
from ..tensor import Tensor, _to_nested, _wrap
from . import inplace
from .shape import UnsqueezeBackward0, _along, expand, normalize_dim, view
from .strides import element_strides, index_order, laid_out


# ------------------------------------------------------- basic indices: views
class SelectBackward0(Node):
    """``a.select(dim, index)``: the position ``index`` along ``dim`` (that dimension disappears), a view."""

    derivatives = Derivatives("a.select(dim, index)", a=Words("1 at position index along dim, 0 elsewhere"))
    is_view = True

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.input_shape, ctx.dim, ctx.index = a.shape, dim, index
        return a[_along(dim, index)]

    @staticmethod
    def backward(ctx, grad_output):
        return SelectBackwardBackward0.apply(grad_output, input_shape=ctx.input_shape,
                                             dim=ctx.dim, index=ctx.index)


class SelectBackwardBackward0(Node):
    """``select_backward(grad, input_shape, dim, index)``: zeros of ``input_shape`` with ``grad``
    placed at ``index`` along ``dim`` (the gradient of a select)."""

    derivatives = Derivatives("select_backward(grad, input_shape, dim, index)",
                              grad=Words("1 at position index along dim"))

    @staticmethod
    def forward(ctx, grad, input_shape, dim, index):
        ctx.dim, ctx.index = dim, index
        out = np.zeros(input_shape, grad.dtype)
        out[_along(dim, index)] = grad
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return SelectBackward0.apply(grad_output, dim=ctx.dim, index=ctx.index)


class SliceBackward0(Node):
    """``a[..., start:stop:step]`` along ``dim``: a view."""

    derivatives = Derivatives("a[start:stop:step] along dim",
                              a=Words("1 at the sliced positions, 0 elsewhere"))
    is_view = True

    @staticmethod
    def forward(ctx, a, dim, start, stop, step):
        ctx.input_shape, ctx.dim, ctx.bounds = a.shape, dim, (start, stop, step)
        return a[_along(dim, slice(start, stop, step))]

    @staticmethod
    def backward(ctx, grad_output):
        start, stop, step = ctx.bounds
        return SliceBackwardBackward0.apply(grad_output, input_shape=ctx.input_shape, dim=ctx.dim,
                                            start=start, stop=stop, step=step)


class SliceBackwardBackward0(Node):
    """``slice_backward(grad, input_shape, dim, start, stop, step)``: zeros of ``input_shape`` with
    ``grad`` placed at start:stop:step along ``dim`` (the gradient of a slice)."""

    derivatives = Derivatives("slice_backward(grad, input_shape, dim, start, stop, step)",
                              grad=Words("1 at the sliced positions"))

    @staticmethod
    def forward(ctx, grad, input_shape, dim, start, stop, step):
        ctx.dim, ctx.bounds = dim, (start, stop, step)
        out = np.zeros(input_shape, grad.dtype)
        out[_along(dim, slice(start, stop, step))] = grad
        return out

    @staticmethod
    def backward(ctx, grad_output):
        start, stop, step = ctx.bounds
        return SliceBackward0.apply(grad_output, dim=ctx.dim, start=start, stop=stop, step=step)


class AliasBackward0(Node):
    """``a[...]``: the same memory as a new tensor object."""

    derivatives = Derivatives("a[...]", a="1")
    is_view = True

    @staticmethod
    def forward(ctx, a):
        return a.view()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


def select(input, dim, index):
    """The slice at position ``index`` along ``dim`` (a view without that dimension)."""
    ndim = input._data.ndim
    if ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = normalize_dim(dim, ndim)
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {dim}")
    return SelectBackward0.apply(input, dim=dim, index=index % size)


def slice_along(input, dim, start=None, stop=None, step=1):
    """``input[..., start:stop:step]`` along ``dim`` (a view), bounds clamped as in Python."""
    start, stop, step = slice(start, stop, step).indices(input._data.shape[dim])
    return SliceBackward0.apply(input, dim=dim, start=start, stop=stop, step=step)


def narrow(input, dim, start, length):
    """``length`` consecutive positions from ``start`` along ``dim`` (a view, ``SliceBackward0``)."""
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = normalize_dim(dim, input._data.ndim)
    size = input._data.shape[dim]
    start, length = operator.index(start), operator.index(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_along(input, dim, start, start + length)


# ----------------------------------------------- advanced indices: copies
class IndexBackward0(Node):
    """``a[indices]`` with integer arrays or masks: the picked elements, copied."""

    derivatives = Derivatives("a[indices]", a=Words("1 where out was read from a (summed over repeats)"))
    output_layout = None  # forward lays it out as PyTorch's index does (NumPy's order differs)

    @staticmethod
    def forward(ctx, a, indices):
        ctx.input_shape, ctx.indices = a.shape, indices
        # kept as saved values, as PyTorch keeps its index tensors: freed by backward
        ctx.save_for_backward(*[i for i in indices if isinstance(i, np.ndarray)])
        return laid_out(a[_numpy_index(indices)], index_order(a.shape, element_strides(a), indices))

    @staticmethod
    def backward(ctx, grad_output):
        ctx.saved_tensors  # noqa: B018 - refuses once backward freed the index tensors
        zeros = np.zeros(ctx.input_shape, grad_output._data.dtype)
        return IndexPutImplBackward0.apply(zeros, grad_output, indices=ctx.indices, accumulate=True)


class IndexPutBackward0(Node):
    """``a.index_put(indices, values, accumulate)``: a copy of ``a`` with ``out[indices] = values``
    (``+= values`` when ``accumulate``)."""

    derivatives = Derivatives("a.index_put(indices, values, accumulate)",
                              a=Words("0 at the written positions (1 when accumulating), 1 elsewhere"),
                              values=Words("1 at the written positions"))

    @staticmethod
    def forward(ctx, a, values, indices, accumulate=False):
        ctx.indices, ctx.accumulate = indices, accumulate
        out = a.copy()
        if accumulate:
            np.add.at(out, _numpy_index(indices), values)
        else:
            out[_numpy_index(indices)] = values
        return out

    @staticmethod
    def backward(ctx, grad_output):
        needs_a, needs_values = ctx.needs_input_grad
        grad_a = grad_values = None
        if needs_a:
            grad_a = grad_output if ctx.accumulate else IndexPutBackward0.apply(
                grad_output, 0, indices=ctx.indices, accumulate=False)
        if needs_values:
            grad_values = IndexBackward0.apply(grad_output, indices=ctx.indices)
        return grad_a, grad_values  # the engine sums grad_values to the values' shape


class IndexPutImplBackward0(IndexPutBackward0):
    """The same index_put, under the name PyTorch gives it inside IndexBackward0's gradient."""


def _numpy_index(indices):
    """gradlab's advanced index (None = whole dimension) as a NumPy index tuple."""
    return tuple(slice(None) if i is None else i for i in indices)


# ------------------------------------------------------- from index to plan
_INVALID_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                  "are valid indices (got {})")
_SEQUENCE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in "
    "pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as "
    "tensor index, x[torch.tensor(seq)], which will result either in an error or a different result"
)


class _Plan:
    """An index taken apart the way PyTorch applies it.

    ``steps``: the basic views in order, each ``("select", dim, i)``,
    ``("slice", dim, start, stop, step)`` or ``("unsqueeze", dim)``;
    ``indices``: None, or one entry per leading dimension of the result of the
    steps (None for a whole dimension, an int64 array otherwise; masks are
    already turned into the positions of their True elements);
    ``shape``: the shape after the steps;
    ``one_mask``: the only index tensor is a boolean mask (a write then fills, as PyTorch's
    ``masked_fill_``, and takes a one-element value of any dtype).
    """

    __slots__ = ("steps", "indices", "shape", "one_mask")

    def __init__(self, steps, indices, shape, one_mask=False):
        self.steps, self.indices, self.shape = tuple(steps), indices, tuple(shape)
        self.one_mask = one_mask


def _type_name(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _as_integer(value):
    """An int for int-like indices (Python/NumPy ints, 0-d integer tensors), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, Tensor) and value._data.ndim == 0 and value._data.dtype.kind in "iu" \
            and value._data.dtype != np.uint8:
        return int(value._data)
    return None


def _treat_as_tuple(index):
    """PyTorch (like old NumPy) reads ``x[[0, slice(1, None)]]`` as ``x[0, 1:]``."""
    if isinstance(index, (Tensor, np.ndarray, str, bytes)):
        return False
    if not isinstance(index, collections.abc.Sequence):
        return False
    if len(index) >= 32:
        return False
    return any(isinstance(item, (Tensor, collections.abc.Sequence, np.ndarray, slice)) or item is None
               or item is Ellipsis for item in index)


def _index_array(value):
    """A list / array / tensor used as an index: a bool mask or int64 positions."""
    if isinstance(value, Tensor):
        data = value._data
        if data.dtype == np.uint8:
            warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                          "torch.bool instead.", UserWarning, stacklevel=6)
            return data.astype(bool)
        if data.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return data if data.dtype == bool else data.astype(np.int64)
    if isinstance(value, np.ndarray):
        data = value
    else:
        if _contains_str(value):
            raise TypeError("new(): invalid data type 'str'")
        try:
            data = np.asarray(_to_nested(value))
        except ValueError:
            raise IndexError("an index list must be rectangular (every row the same length)") from None
    if data.dtype == bool:
        return data
    if data.dtype.kind not in "iuf" and data.size:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return data.astype(np.int64)  # PyTorch turns index lists into long tensors (floats truncated)


def _contains_str(value):
    if isinstance(value, (str, bytes)):
        return True
    return isinstance(value, (list, tuple)) and any(_contains_str(v) for v in value)


def _convert(item):
    """One element of an index, as: None, Ellipsis, slice, bool, int or an index array."""
    if item is None or item is Ellipsis or isinstance(item, slice):
        return item
    if isinstance(item, bool):
        return item
    integer = _as_integer(item)
    if integer is not None:
        return integer
    data = item._data if isinstance(item, Tensor) else item
    if isinstance(data, np.ndarray) and data.ndim == 0:
        if data.dtype in (np.bool_, np.uint8):
            return bool(data)  # a 0-d bool (or byte) tensor acts like True / False
        if data.dtype.kind in "iu":
            return int(data)  # a 0-d integer tensor acts like an int
    if isinstance(item, (Tensor, np.ndarray, list, tuple, range)):
        return _index_array(item)
    if isinstance(item, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
    raise IndexError(_INVALID_INDEX.format(_type_name(item)))


def _slice_bounds(item, size, optimize):
    """(start, stop, step) clamped as in Python, or None for a full ``:`` that PyTorch skips."""
    try:
        start, stop, step = (None if v is None else _as_slice_int(v)
                             for v in (item.start, item.stop, item.step))
    except TypeError:
        raise TypeError("slice indices must be integers or None or have an __index__ method") from None
    step = 1 if step is None else step
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    if optimize and (start or 0) == 0 and step == 1 and (stop is None or stop >= size):
        return None
    return slice(start, stop, step).indices(size)


def _as_slice_int(value):
    integer = _as_integer(value)
    if integer is None:
        raise TypeError(value)
    return integer


def _plan(tensor, index, setitem=False):
    """Take ``index`` apart into basic steps and advanced indices, checking it as PyTorch does."""
    shape = tensor._data.shape
    ndim = len(shape)
    if isinstance(index, tuple):
        items, single = index, False
    elif _treat_as_tuple(index):
        warnings.warn(_SEQUENCE_WARNING, UserWarning, stacklevel=4)  # point at the user's line
        items, single = tuple(index), False
    else:
        items, single = (index,), True
        if ndim == 0 and _as_integer(index) is not None:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        if ndim == 0 and isinstance(index, slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    converted = []
    for item in items:  # a plain loop keeps the warning's stacklevel the same on every Python
        converted.append(_convert(item))
    items = converted
    specified = sum(item.ndim if isinstance(item, np.ndarray) and item.dtype == bool else 1
                    for item in items
                    if not (item is None or item is Ellipsis or isinstance(item, bool)))
    if specified > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")

    # a full ``:`` is skipped inside a tuple (x[:, 0] is one SelectBackward0) but kept alone (x[:])
    optimize = setitem or not single
    sizes, steps, advanced = list(shape), [], {}
    dim = 0
    for position, item in enumerate(items):
        if item is Ellipsis:
            dim += ndim - specified
        elif item is None or isinstance(item, bool):
            steps.append(("unsqueeze", dim))
            sizes.insert(dim, 1)
            if isinstance(item, bool):
                advanced[dim] = np.array([item])  # True keeps the new size-1 dimension, False empties it
            dim += 1
        elif isinstance(item, int):
            size = sizes[dim]
            if not -size <= item < size:
                raise IndexError(f"index {item} is out of bounds for dimension {position} with size {size}")
            steps.append(("select", dim, item % size))
            del sizes[dim]
        elif isinstance(item, slice):
            bounds = _slice_bounds(item, sizes[dim], optimize)
            if bounds is not None:
                steps.append(("slice", dim) + bounds)
                sizes[dim] = len(range(*bounds))
            dim += 1
        else:
            advanced[dim] = item
            dim += item.ndim if item.dtype == bool else 1
    indices = _advanced_indices(advanced, sizes) if advanced else None
    tensors = [item for item in items if isinstance(item, np.ndarray) or item is False]
    one_mask = len(tensors) == 1 and tensors[0] is not False and tensors[0].dtype == bool
    return _Plan(steps, indices, sizes, one_mask)


def _advanced_indices(advanced, sizes):
    """Masks to positions, bounds and broadcasting checked: one entry per leading dimension."""
    indices = [None] * len(sizes)
    last = 0
    for dim, array in sorted(advanced.items()):
        if array.dtype == bool:
            for j, mask_size in enumerate(array.shape):
                if mask_size != sizes[dim + j]:
                    raise IndexError(
                        f"The shape of the mask {list(array.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(sizes)} at index {dim + j}"
                    )
            for j, positions in enumerate(np.nonzero(array)):
                indices[dim + j] = positions
            last = max(last, dim + array.ndim)
        else:
            indices[dim] = array
            last = max(last, dim + 1)
    arrays = [a for a in indices if a is not None]
    for k, (dim, array) in enumerate((d, a) for d, a in enumerate(indices) if a is not None):
        size = sizes[dim]
        outside = (array < -size) | (array >= size)
        if outside.any():
            raise IndexError(f"index {array[outside].flat[0]} is out of bounds for dimension {k} "
                             f"with size {size}")
        if (array < 0).any():
            indices[dim] = np.where(array < 0, array + size, array)
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(str(list(a.shape)) for a in arrays)
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with "
                         f"shapes {shapes}") from None
    return tuple(indices[:last])


def _apply_steps(array, steps):
    """The basic steps applied to a NumPy array: a view of the indexed region."""
    for step in steps:
        if step[0] == "select":
            array = array[_along(step[1], step[2])]
        elif step[0] == "slice":
            array = array[_along(step[1], slice(*step[2:]))]
        else:
            array = np.expand_dims(array, step[1])
    return array


def _basic_view(tensor, steps):
    """The basic steps as recorded view ops: the indexed region, a view of ``tensor``
    (``tensor`` itself when there are no steps)."""
    result = tensor
    for step in steps:
        if step[0] == "select":
            result = SelectBackward0.apply(result, dim=step[1], index=step[2])
        elif step[0] == "slice":
            result = SliceBackward0.apply(result, dim=step[1], start=step[2], stop=step[3], step=step[4])
        else:
            result = UnsqueezeBackward0.apply(result, dim=step[1])
    return result


def _read(tensor, plan):
    """The basic steps then the advanced indices, as recorded tensor operations."""
    result = _basic_view(tensor, plan.steps)
    if plan.indices is not None:
        result = IndexBackward0.apply(result, indices=plan.indices)
    return result


# ------------------------------------------------------------------ reading
def getitem(tensor, index):
    """``tensor[index]``: views for basic indices, a copy (IndexBackward0) for advanced ones."""
    plan = _plan(tensor, index)
    if not plan.steps and plan.indices is None:
        return AliasBackward0.apply(tensor)  # x[...], x[:, :], x[()]: a new tensor, same memory
    return _read(tensor, plan)


# ------------------------------------------------------------------ writing
_SCALARS = (bool, int, float, complex, np.number, np.bool_)


def setitem(tensor, index, value):
    """``tensor[index] = value`` as PyTorch does it: the region the basic indices pick, as a view
    (the tensor itself without them), then an in-place write into it: ``copy_``, ``fill_`` for a
    0-d value, or ``index_put_`` for advanced indices. Through a view, the tensor records it as
    CopySlices around that write (views.py)."""
    if index is False:
        return  # PyTorch: t[False] = v selects nothing and writes nothing
    if index is True:  # t[True] = v writes the whole tensor, seen with a new leading dimension
        plan = _Plan([("unsqueeze", 0)], None, (1,) + tensor._data.shape)
    else:
        plan = _plan(tensor, index, setitem=True)
    if not isinstance(value, (Tensor,) + _SCALARS):
        raise TypeError(f"can't assign a {_type_name(value)} to a {tensor.type()}")
    if not isinstance(value, Tensor):
        value = _number_as_tensor(value, tensor)
    if _grad_state.enabled and (tensor.requires_grad or value.requires_grad):
        region = _basic_view(tensor, plan.steps)
    else:  # nothing to record: the region's memory, without the view ops' bookkeeping
        region = _untracked_region(tensor, plan.steps)
    if plan.indices is None:
        value = _fit_for_copy(value, region._data.shape)
        if value._data.ndim == 0 and region._data.ndim:
            inplace.apply_inplace(region, inplace.FillBackward3, value, casts=True, overlap=None)
        else:
            inplace.copy_(region, value)  # also a 0-d value into a 0-d region, as PyTorch
    else:
        value = _fit_for_index_put(tensor, value, region._data.shape, plan)
        inplace.apply_inplace(region, IndexPutBackward0, value, casts=True, overlap="any",
                              indices=plan.indices)


# The dtypes whose range PyTorch checks a number against, with its name for each and the range
_NUMBER_RANGES = {np.dtype(kind): (name, info.min, info.max) for kind, name, info in [
    (np.int8, "int8_t", np.iinfo(np.int8)), (np.uint8, "uint8_t", np.iinfo(np.uint8)),
    (np.int16, "int16_t", np.iinfo(np.int16)), (np.int32, "int", np.iinfo(np.int32)),
    (np.int64, "int64_t", np.iinfo(np.int64)), (np.float32, "float", np.finfo(np.float32))]}


def _number_as_tensor(value, tensor):
    """A number as PyTorch's setitem takes it: a 0-d tensor of ``tensor``'s dtype. One that does
    not fit the dtype is refused, with PyTorch's exceptions: infinities fit floats, and an
    integer down to -max fits an unsigned type (it wraps around)."""
    limits = _NUMBER_RANGES.get(tensor._data.dtype)
    if limits is not None and not isinstance(value, (bool, np.bool_, complex)):
        name, lowest, highest = limits
        if tensor._data.dtype.kind == "f":
            fits = not math.isfinite(value) or -float(highest) <= value <= float(highest)
        else:
            if tensor._data.dtype.kind == "u" and isinstance(value, (int, np.integer)):
                lowest = -int(highest)
            fits = int(lowest) <= value <= int(highest)  # False for nan and infinities too
        if not fits:
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return _wrap(np.asarray(value).astype(tensor._data.dtype))  # (float16: 1e10 becomes inf)


def _untracked_region(tensor, steps):
    """The region as a plain tensor on ``tensor``'s memory (sharing its version counter)."""
    if not steps:
        return tensor
    region = _wrap(_apply_steps(tensor._data, steps))
    region._memory_owner = tensor._memory_owner if tensor._memory_owner is not None else tensor
    return region


def _without_leading_ones(shape):
    shape = tuple(shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    return shape


def _fit_for_copy(value, region_shape):
    """PyTorch's copy rule: drop leading 1s of the value's shape, then expand it to the region."""
    if value._data.shape == tuple(region_shape) or value._data.ndim == 0:
        return value
    value = view(value, _without_leading_ones(value._data.shape))
    if value._data.shape != tuple(region_shape):
        value = expand(value, region_shape)
    return value


def _fit_for_index_put(tensor, value, region_shape, plan):
    """PyTorch's index_put rule: same dtype (but a mask takes one element of any), leading 1s
    dropped, broadcastable to the result."""
    if value._data.dtype != tensor._data.dtype and not (plan.one_mask and value._data.size == 1):
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{dtypes.type_name(tensor.dtype)} for the destination and "
                           f"{dtypes.type_name(value.dtype)} for the source.")
    result_shape = np.broadcast_to(np.zeros((), np.int8), region_shape)[_numpy_index(plan.indices)].shape
    stripped = _without_leading_ones(value._data.shape)
    try:
        fits = np.broadcast_shapes(stripped, result_shape) == result_shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(value._data.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(result_shape)}")
    return view(value, stripped) if stripped != value._data.shape else value


# ------------------------------------------------------ gather / index_select
def _one_dim(array):
    """A 0-d array read as a 1-element 1-d one, as gather and scatter read every 0-d tensor
    (``a``, ``index`` or ``src``): ``zeros(10).scatter_(0, tensor(3), value=1)`` is one-hot."""
    return array.reshape(1) if array.ndim == 0 else array


def _gather_positions(index, dim):
    """out[i][j][k] = a[i][index[i][j][k]][k] (dim=1) as a NumPy index into ``a`` (``index``
    and ``a`` at least 1-d)."""
    ndim = index.ndim
    # np.ix_'s open grid, built directly (np.ix_ checks its arguments: slow for a small index)
    grid = [np.arange(n).reshape((1,) * d + (n,) + (1,) * (ndim - d - 1))
            for d, n in enumerate(index.shape)]
    grid[dim] = index
    return tuple(grid)


class GatherBackward0(Node):
    """``a.gather(dim, index)``: ``out[i][j] = a[i][index[i][j]]`` (dim=1)."""

    derivatives = Derivatives("a.gather(dim, index)", a=Words("1 where index points (summed over repeats)"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.dim, ctx.index = dim, index
        ctx.save_for_backward(a)  # only its shape is read, but PyTorch keeps a: changing it fails
        if index.size == 0:
            return np.zeros(index.shape, a.dtype)
        return _one_dim(a)[_gather_positions(_one_dim(index), dim)].reshape(index.shape)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        zeros = np.zeros(a._data.shape, grad_output._data.dtype)
        return ScatterAddBackward0.apply(zeros, grad_output, dim=ctx.dim, index=ctx.index)


class ScatterAddBackward0(Node):
    """``a.scatter_add(dim, index, src)``: a copy of ``a`` with ``out[i][index[i][j]] += src[i][j]``
    (dim=1)."""

    derivatives = Derivatives("a.scatter_add(dim, index, src)", a="1", src=Words("1 where index points"))

    @staticmethod
    def forward(ctx, a, src, dim, index):
        ctx.dim, ctx.index = dim, index
        out, index = _one_dim(a.copy()), _one_dim(index)
        if index.size:
            np.add.at(out, _gather_positions(index, dim),
                      _one_dim(src)[tuple(slice(0, n) for n in index.shape)])
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad_output):
        needs_a, needs_src = ctx.needs_input_grad
        return (grad_output if needs_a else None,
                GatherBackward0.apply(grad_output, dim=ctx.dim, index=ctx.index) if needs_src else None)


class ScatterBackward0(Node):
    """``a.scatter(dim, index, src)``: a copy of ``a`` with ``out[i][index[i][j]] = src[i][j]``
    (dim=1). max(dim)'s backward is one: the gradient written at the indices of the maxima."""

    derivatives = Derivatives("a.scatter(dim, index, src)", a=Words("0 where index points, else 1"),
                              src=Words("1 where index points"))

    @staticmethod
    def forward(ctx, a, src, dim, index):
        ctx.dim, ctx.index = dim, index
        out, index = _one_dim(a.copy()), _one_dim(index)
        if index.size:
            out[_gather_positions(index, dim)] = _one_dim(src)[tuple(slice(0, n) for n in index.shape)]
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad_output):
        needs_a, needs_src = ctx.needs_input_grad
        return (ScatterBackward1.apply(grad_output, dim=ctx.dim, index=ctx.index, value=0)
                if needs_a else None,
                GatherBackward0.apply(grad_output, dim=ctx.dim, index=ctx.index) if needs_src else None)


class ScatterBackward1(Node):
    """``a.scatter(dim, index, value)``: a copy of ``a`` with ``value`` (a number) wherever
    ``index`` points."""

    derivatives = Derivatives("a.scatter(dim, index, value)", a=Words("0 where index points, else 1"))

    @staticmethod
    def forward(ctx, a, dim, index, value):
        ctx.dim, ctx.index = dim, index
        out = _one_dim(a.copy())
        if index.size:
            out[_gather_positions(_one_dim(index), dim)] = value
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad_output):
        return ScatterBackward1.apply(grad_output, dim=ctx.dim, index=ctx.index, value=0)


class IndexSelectBackward0(Node):
    """``a.index_select(dim, index)``: the positions ``index`` of ``a`` along ``dim``, in that order (a
    copy)."""

    derivatives = Derivatives("a.index_select(dim, index)",
                              a=Words("1 at the selected positions (summed over repeats)"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.input_shape, ctx.dim = a.shape, dim
        ctx.save_for_backward(index)  # as PyTorch keeps it: freed by backward
        return np.take(a, index, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        (index,) = ctx.saved_tensors
        zeros = np.zeros(ctx.input_shape, grad_output._data.dtype)
        return IndexAddBackward0.apply(zeros, grad_output, dim=ctx.dim, index=index._data)


class IndexAddBackward0(Node):
    """``a.index_add(dim, index, source, alpha=1)``: a copy of ``a`` with
    ``out[index[k]] += alpha · source[k]`` along ``dim``."""

    derivatives = Derivatives("a.index_add(dim, index, source, alpha)",
                              a="1",
                              source=Words("alpha at the indexed positions"))

    @staticmethod
    def forward(ctx, a, source, dim, index, alpha=1):
        ctx.dim, ctx.index, ctx.alpha = dim, index, alpha
        out = a.copy()
        np.add.at(out, _along(dim, index), source if alpha == 1 else alpha * source)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        needs_a, needs_source = ctx.needs_input_grad
        grad_source = None
        if needs_source:
            grad_source = IndexSelectBackward0.apply(grad_output, dim=ctx.dim, index=ctx.index)
            if ctx.alpha != 1:
                grad_source = grad_source * ctx.alpha
        return grad_output if needs_a else None, grad_source


def _integer_index(name, index, expected):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{name}(): Expected dtype {expected} for index")
    return index._data.astype(np.int64)


def _check_in_bounds(positions, size, dim):
    """gather's and scatter's refusal of a position outside ``0 … size - 1`` along ``dim``."""
    outside = (positions < 0) | (positions >= size)
    if outside.any():
        raise RuntimeError(f"index {positions[outside].flat[0]} is out of bounds for dimension "
                           f"{dim} with size {size}")


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[i][index[i][j]]`` for dim=1: pick one position per entry of ``index``."""
    ndim = input._data.ndim
    dim = normalize_dim(dim, ndim)
    positions = _integer_index("gather", index, "int32/int64")
    if positions.size == 0:
        return GatherBackward0.apply(input, dim=dim, index=positions)
    # a 0-d input or index is read as 1-d of size 1
    shape, index_shape = input._data.shape or (1,), positions.shape or (1,)
    if len(index_shape) != len(shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(len(shape)):
        if d != dim and index_shape[d] > shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(positions.shape)} to be "
                f"no larger than self {list(input._data.shape)} apart from dimension {dim}"
            )
    _check_in_bounds(positions, shape[dim], dim)
    return GatherBackward0.apply(input, dim=dim, index=positions)


def index_select(input, dim, index):
    """The positions ``index`` (a 1-d integer tensor) of ``input`` along ``dim``, in that order."""
    ndim = input._data.ndim
    dim = normalize_dim(dim, ndim)
    positions = _integer_index("index_select", index, "int32 or int64")
    if positions.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    positions = positions.reshape(-1)
    size = input._data.shape[dim] if ndim else 1
    outside = (positions < 0) | (positions >= size)
    if outside.any():
        if dim == 1:  # PyTorch's CPU kernel for dim 1 checks with its own words and type
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={positions[outside][0]} "
                               f"axis_dim={size}")
        raise IndexError("index out of range in self")
    if ndim == 0:  # read a 0-d input as 1-d
        if positions.size != 1:
            raise IndexError(f"index_select(): Index to scalar can have only 1 value, got "
                             f"{positions.size} value(s)")
        return index_select(input.reshape(1), 0, index.reshape(1)).reshape(())
    return IndexSelectBackward0.apply(input, dim=dim, index=positions)
