"""Strides: where a tensor's elements lie in memory, chosen as PyTorch chooses them.

A tensor is a NumPy array, and its strides say how many elements to step in memory
along each dimension. They decide what is free and what copies: ``view`` reads the
same memory with another shape and fails when the strides do not allow it, ``reshape``
then copies, and ``is_contiguous()`` asks whether the elements lie in row-major order.

NumPy and PyTorch do not always lay out a new result the same way (NumPy's
``x[:, [2, 0]]`` is column-major, PyTorch's row-major; NumPy's ``x.t().clone()`` is
row-major, PyTorch's keeps the transposed order), so ``Node.apply`` lays out every
new result the way PyTorch does (a copy only where NumPy chose otherwise), by the
node's ``output_layout``:

- ``"pointwise"``, the default (``x + y``, ``x.exp()``, ``x > 0``): PyTorch's
  TensorIterator orders the result's dimensions by its inputs' strides, the first
  input deciding and the next ones breaking its ties: ``x.t().exp()`` is laid out
  like ``x.t()``. If an input does not broadcast to the result, it is row-major;
- ``"contiguous"`` (reductions, ``mm``, ``softmax``, ``masked_fill``): row-major;
- ``"channels_last_if_any"`` (convolution, pooling, padding) and ``"channels_last_if_all"``
  (``cat``): row-major, or channels-last (N, H, W, C in memory) when any / all of the
  inputs are images laid out that way;
- ``None``: the forward lays out its result itself (``clone``, ``where``, ``a[indices]``).

Views keep their input's memory, with the strides PyTorch gives them (``view_strides``
is its rule for reading memory with another shape). Even the strides of size-1
dimensions, which never move an element, follow PyTorch's: they break ties in the
pointwise order and decide whether ``matmul`` can fold a batch into one ``mm``.
"""
import math

import numpy as np


class memory_format:
    """``torch.contiguous_format`` / ``torch.preserve_format``: the layout a copy asks for."""

    __module__ = "gradlab"  # <class 'gradlab.memory_format'>, as torch.memory_format

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"torch.{self._name}"


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")


def element_strides(array):
    """The array's strides counted in elements (NumPy counts bytes)."""
    return tuple(step // array.itemsize for step in array.strides)


def _memory_start(array):
    """The array that owns ``array``'s memory (NumPy's ``.base`` chain, through ``as_strided``'s
    wrapper objects)."""
    owner, base = array, array.base
    while base is not None:
        if isinstance(base, np.ndarray):
            owner = base
        base = getattr(base, "base", None)
    return owner


def address(array):
    """Where ``array``'s first element lies in memory (PyTorch's ``data_ptr()``)."""
    return array.__array_interface__["data"][0]


def storage_offset(array):
    """How many elements into its memory ``array``'s first element lies (PyTorch's
    ``storage_offset()``: 0 for a new tensor, 3 for ``x[1:]`` of a 1-d ``x`` … of rows of 3)."""
    return (address(array) - address(_memory_start(array))) // array.itemsize


# ------------------------------------------------------------------ views
def view_strides(shape, strides, new_shape):
    """The strides that read memory laid out as ``shape``/``strides`` with ``new_shape``;
    None when that is impossible without a copy (PyTorch's ``computeStride``).

    The old dimensions fall into chunks that are contiguous among themselves; each new
    dimension must lie inside one chunk, so a chunk's elements are only re-split.
    """
    if not shape:
        return (1,) * len(new_shape)
    if math.prod(shape) == 0:  # nothing to read: any strides do
        if tuple(shape) == tuple(new_shape):
            return tuple(strides)
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_dim = len(new_shape) - 1
    chunk_stride = strides[-1]  # the step between neighbours inside the current chunk
    chunk_numel = view_numel = 1
    for dim in range(len(shape) - 1, -1, -1):
        chunk_numel *= shape[dim]
        chunk_ends = dim == 0 or (shape[dim - 1] != 1 and strides[dim - 1] != chunk_numel * chunk_stride)
        if not chunk_ends:
            continue
        while view_dim >= 0 and (view_numel < chunk_numel or new_shape[view_dim] == 1):
            new_strides[view_dim] = view_numel * chunk_stride
            view_numel *= new_shape[view_dim]
            view_dim -= 1
        if view_numel != chunk_numel:
            return None  # a new dimension would span two chunks
        if dim > 0:
            chunk_stride, chunk_numel, view_numel = strides[dim - 1], 1, 1
    return tuple(new_strides) if view_dim == -1 else None


def reshaped(array, shape):
    """``array``'s memory read with ``shape`` and PyTorch's strides (a view must exist)."""
    if array.flags.c_contiguous and 1 not in shape and 0 not in shape:
        return array.reshape(shape)  # row-major in and out: NumPy's strides are PyTorch's
    return as_view(array, shape, view_strides(array.shape, element_strides(array), shape))


def expand_strides(shape, strides, target):
    """The strides of ``expand(target)``: 0 where a size-1 dimension repeats or a new one
    is added, the old ones elsewhere."""
    offset = len(target) - len(shape)
    return (0,) * offset + tuple(stride if size == new_size else 0 for size, new_size, stride
                                 in zip(shape, target[offset:], strides))


def as_view(array, shape, strides):
    """``array``'s memory read with ``shape`` and ``strides`` (in elements)."""
    return np.lib.stride_tricks.as_strided(array, shape, [s * array.itemsize for s in strides])


def contiguous_strides(shape):
    """Row-major strides (a size-0 or size-1 dimension counts as 1 for the ones before it)."""
    strides, step = [0] * len(shape), 1
    for dim in range(len(shape) - 1, -1, -1):
        strides[dim] = step
        step *= max(shape[dim], 1)
    return tuple(strides)


# ------------------------------------------------------------ new results
def pointwise_order(shape, operands):
    """The dimensions of a pointwise result of ``shape``, outermost first, as PyTorch's
    TensorIterator orders them from its inputs' ``(shape, strides)``.

    Each input is compared over the result's dimensions (stride 0 where it is
    broadcast, and such a dimension tells nothing); the first input that orders two
    dimensions decides, by stride and, for equal strides, the smaller size inside.
    """
    ndim = len(shape)
    aligned = []
    for operand_shape, operand_strides in operands:
        offset = ndim - len(operand_shape)
        aligned.append((0,) * offset + tuple(
            0 if size == 1 and shape[offset + i] != 1 else stride
            for i, (size, stride) in enumerate(zip(operand_shape, operand_strides))))

    def comes_later(dim0, dim1):  # 1: dim0 is outside dim1, -1: inside, 0: no input says
        for strides in aligned:
            stride0, stride1 = strides[dim0], strides[dim1]
            if stride0 == 0 or stride1 == 0:
                continue
            if stride0 != stride1:
                return 1 if stride0 > stride1 else -1
            if shape[dim0] > shape[dim1]:
                return 1
        return 0

    order = list(range(ndim - 1, -1, -1))  # innermost first, as PyTorch sorts
    for i in range(1, ndim):  # an insertion sort that steps over undecided pairs
        moving = i
        for j in range(i - 1, -1, -1):
            comparison = comes_later(order[j], order[moving])
            if comparison > 0:
                order[j], order[moving] = order[moving], order[j]
                moving = j
            elif comparison < 0:
                break
    return order[::-1]


def index_order(shape, strides, indices):
    """The dimensions of ``a[indices]`` (gradlab's advanced index: one entry per leading
    dimension, None for a whole one), outermost first, as PyTorch's ``index`` orders them.

    PyTorch runs a TensorIterator over ``a`` with the indexed dimensions replaced by the
    indices' broadcast shape (stride 0: the indices choose) and over the index arrays;
    when the indexed dimensions are not next to each other, they come first.
    """
    indices = tuple(indices) + (None,) * (len(shape) - len(indices))
    positions = [dim for dim, index in enumerate(indices) if index is not None]
    if positions != list(range(positions[0], positions[-1] + 1)):
        dims = positions + [dim for dim, index in enumerate(indices) if index is None]
        shape, strides = [shape[d] for d in dims], [strides[d] for d in dims]
        indices = [indices[d] for d in dims]
        positions = list(range(len(positions)))
    broadcast = np.broadcast_shapes(*(indices[d].shape for d in positions))
    before, after = positions[0], positions[-1] + 1
    result_shape = tuple(shape[:before]) + broadcast + tuple(shape[after:])
    operands = [(result_shape, tuple(strides[:before]) + (0,) * len(broadcast) + tuple(strides[after:]))]
    index_shape = (1,) * before + broadcast + (1,) * (len(shape) - after)
    for dim in positions:  # each index expanded to the broadcast shape, then reshaped
        index = indices[dim]
        strides = expand_strides(index.shape, element_strides(index), broadcast)
        operands.append((index_shape, view_strides(broadcast, strides, index_shape)))
    return pointwise_order(result_shape, operands)


def strides_for_order(shape, order):
    """Dense strides that lay out ``shape`` with its dimensions in ``order`` (outermost first)."""
    strides, step = [0] * len(shape), 1
    for dim in reversed(order):
        strides[dim] = step
        step *= shape[dim]
    return tuple(strides)


def has_strides(array, strides):
    """Does ``array`` lie in memory with these strides? (Those of size-1 dimensions
    never matter; neither do any when it is empty.)"""
    if array.size == 0:
        return True
    itemsize = array.itemsize
    return all(size == 1 or actual == stride * itemsize
               for size, actual, stride in zip(array.shape, array.strides, strides))


def preserved_order(array):
    """The order of ``array``'s dimensions in memory, outermost first (PyTorch's
    ``preserve_format``: a copy of a transposed tensor is laid out transposed)."""
    return pointwise_order(array.shape, [(array.shape, element_strides(array))])


def layout_like(array, memory_format=None):
    """``(order, strides)`` of a new tensor made like ``array`` (``clone``, ``zeros_like``):
    ``array``'s own strides when its elements fill their memory, else its order of
    dimensions; row-major for ``memory_format=torch.contiguous_format``."""
    if memory_format is contiguous_format:
        return list(range(array.ndim)), None
    strides = element_strides(array)
    return preserved_order(array), strides if _is_dense(array.shape, strides) else None


def copy_in_order(array, order):
    """A copy of ``array`` whose memory holds its dimensions in ``order`` (outermost first)."""
    result = np.empty([array.shape[d] for d in order], array.dtype).transpose(np.argsort(order))
    np.copyto(result, array)
    return result


def laid_out(array, order, strides=None):
    """``array`` in memory with its dimensions in ``order`` (outermost first): itself when
    it already is, else a copy. The strides of size-1 dimensions are set as PyTorch
    sets them too (no copy needed): matmul's choice between ``mm`` and ``bmm`` reads them.
    ``strides``: exactly these (dense, in ``order``) instead of the usual ones."""
    strides = strides or strides_for_order(array.shape, order)
    if array.size == 0 or element_strides(array) == strides:
        return array
    if not has_strides(array, strides):
        array = copy_in_order(array, order)
    return array if element_strides(array) == strides else as_view(array, array.shape, strides)


def grad_copy(grad, variable):
    """A copy of ``grad`` to become ``variable.grad``, laid out by PyTorch's "gradient
    layout contract": like the variable when its elements fill their memory, else row-major."""
    if is_plain_row_major(variable):  # the usual leaf (a parameter): a row-major copy
        return np.array(grad, order="C")
    order, strides = layout_like(variable)
    if strides is None:
        return grad.copy(order="C")
    return laid_out(copy_in_order(grad, order), order, strides)


def is_plain_row_major(array):
    """Is ``array`` laid out row-major with the strides NumPy gives a new array of its shape
    (no size-1 or empty dimension, whose stride could be anything)?"""
    return array.flags.c_contiguous and 1 not in array.shape and 0 not in array.shape


def _is_dense(shape, strides):
    """Do the elements fill a block of memory without gaps or overlaps (in any order)?"""
    dims = sorted((stride, size) for size, stride in zip(shape, strides) if size > 1)
    expected = 1
    for stride, size in dims:
        if stride != expected:
            return False
        expected *= size
    return True


def _is_row_major(array, order):
    """``is_contiguous`` for the dimension ``order`` (size-1 dimensions do not count)."""
    expected = 1
    for dim in reversed(order):
        if array.shape[dim] != 1:
            if array.strides[dim] != expected * array.itemsize:
                return False
            expected *= array.shape[dim]
    return True


def _is_channels_last(array):
    """Is a 4-d ``array`` laid out as N, H, W, C (PyTorch's ``suggest_memory_format``,
    which calls ambiguous layouts row-major)?"""
    if array.ndim != 4:
        return False
    shape, strides = array.shape, element_strides(array)
    if strides[1] == 0:
        return False
    smallest = 0
    for dim in (1, 3, 2, 0):
        if shape[dim] == 0 or strides[dim] < smallest or (dim == 0 and smallest == strides[1]):
            return False
        smallest = strides[dim] * (shape[dim] if shape[dim] > 1 else 1)
    return True


def _broadcasts_to(shape, result_shape):
    offset = len(result_shape) - len(shape)
    return offset >= 0 and all(size == 1 or size == result_shape[offset + i]
                               for i, size in enumerate(shape))


def lay_out(array, operands, layout):
    """A node's new result ``array``, laid out as PyTorch lays it out (see the module
    docstring); ``operands``: the node's inputs, as arrays or numbers."""
    if array.ndim <= 1 and (array.ndim == 0 or array.strides[0] == array.itemsize):
        return array  # at most one dimension: one order only, and NumPy's stride is PyTorch's
    if array.flags.c_contiguous and 1 not in array.shape:
        # the common case, kept fast because every op passes here: row-major in, row-major out
        if layout == "contiguous":
            return array
        if layout == "pointwise":
            for operand in operands:
                if operand.__class__ is np.ndarray and not operand.flags.c_contiguous:
                    break
            else:
                return array
    arrays = [a for a in operands if a.__class__ is np.ndarray]
    shape = array.shape
    if layout == "pointwise" and all(_broadcasts_to(a.shape, shape) for a in arrays):
        with_numbers = len(arrays) < sum(o is not None for o in operands)
        return laid_out(array, *_pointwise_layout(shape, arrays, with_numbers))
    if layout.startswith("channels_last") and array.ndim == 4:
        images = [_is_channels_last(a) for a in arrays if a.ndim == 4]
        if images and (any(images) if layout == "channels_last_if_any" else all(images)):
            return laid_out(array, [0, 2, 3, 1])
    return laid_out(array, list(range(array.ndim)))


def _pointwise_layout(shape, arrays, with_numbers):
    """(order, strides or None) of a pointwise result; ``with_numbers``: a number is an
    operand too (PyTorch wraps it in a 0-d tensor)."""
    if not with_numbers and all(a.shape == shape for a in arrays):
        # PyTorch's shortcuts when every operand has the result's shape
        if all(_is_row_major(a, range(a.ndim)) for a in arrays):
            return list(range(len(shape))), None
        if len(shape) == 4 and all(_is_row_major(a, (0, 2, 3, 1)) for a in arrays):
            return [0, 2, 3, 1], None
        first = element_strides(arrays[0])
        if _is_dense(shape, first) and all(element_strides(a) == first for a in arrays[1:]):
            return pointwise_order(shape, [(shape, first)]), first
    return pointwise_order(shape, [(a.shape, element_strides(a)) for a in arrays]), None
