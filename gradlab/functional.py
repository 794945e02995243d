"""``gradlab.functional``: PyTorch's ``torch.functional`` names that gradlab has.

PyTorch writes a few of its top-level functions in Python, in ``torch/functional.py``
(``broadcast_tensors``, ``meshgrid``, ``norm``, ``split``, ``einsum``, ...); course code
sometimes imports them from there. The ones defined here are built from views
(``view``, ``expand``), so their gradients are those views' nodes, as in PyTorch.
"""
import warnings

import numpy as np

from .ops.comparison import _same_shape_error
from .ops.reduction import norm
from .ops.shape import expand, split, view
from .size import Size
from .tensor import Tensor

__all__ = ["broadcast_shapes", "broadcast_tensors", "meshgrid", "norm", "split"]


def broadcast_shapes(*shapes):
    """The shape that tensors of these ``shapes`` broadcast to (each an int or a sequence of ints)."""
    result = []
    for index, shape in enumerate(shapes):
        sizes = (shape,) if isinstance(shape, int) else tuple(shape)
        for size in sizes:
            if not isinstance(size, int) or isinstance(size, bool):
                raise RuntimeError("Input shapes should be of type ints, a tuple of ints, or a list "
                                   "of ints, got ", shape)
        if len(sizes) > len(result):
            result = [1] * (len(sizes) - len(result)) + result
        for position in range(-1, -len(sizes) - 1, -1):
            size = sizes[position]
            if size < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {size}: "
                                   f"{list(sizes)}")
            if result[position] == 1 or size == result[position]:
                result[position] = size
            elif size != 1:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {size} at {position}! "
                    f"Mismatching argument at index {index} had {tuple(sizes)}; but expected "
                    f"shape should be broadcastable to {result}")
    return Size(result)


def broadcast_tensors(*tensors):
    """Each tensor expanded to the common broadcast shape (views: ``ExpandBackward0``);
    a tensor already of that shape is returned itself."""
    _check_tensors(tensors)
    shape = _broadcast_shape(tensors)
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def _broadcast_shape(tensors):
    shape = ()
    for t in tensors:
        try:
            shape = np.broadcast_shapes(shape, t._data.shape)
        except ValueError:
            raise _same_shape_error(shape, t._data.shape) from None
    return shape


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-d tensors: with ``indexing='ij'`` output ``i`` has ``tensors[i]``
    along dimension ``i``; with ``'xy'`` the first two dimensions are swapped (as NumPy's)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    _check_tensors(tensors)
    if len(tensors) == 0:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got a {t._data.ndim}-d tensor of shape {list(t._data.shape)}")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have "
                               "the same dtype")
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:  # 'xy' is 'ij' with the first two inputs (and outputs) swapped
        tensors = (tensors[1], tensors[0]) + tuple(tensors[2:])
    shape = tuple(t._data.size for t in tensors)
    grids = []
    for dim, t in enumerate(tensors):
        along = [1] * len(tensors)
        along[dim] = -1
        grids.append(expand(view(t, along), shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def _check_tensors(tensors):
    for position, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {position} in argument 0, but got "
                            f"{type(t).__name__}")
