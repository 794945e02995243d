"""Shape operations: reshape/view, transpose, permute, squeeze, expand, cat, stack.

They move or copy values without changing them, so each backward applies
the inverse movement to the gradient (a transpose of the gradient for a
transpose, a sum over the copies for an expand).
"""
import numpy as np

from ..autograd.node import Node


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


def _shape_argument(shape):
    """Accept ``reshape(2, 3)`` and ``reshape((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel, what="view"):
    """Resolve one ``-1``; PyTorch's message when the sizes do not fit."""
    shape = list(shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[unknown[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


class ViewBackward0(Node):
    """out = a with a new shape (same values in the same order)          grad reshaped back"""

    expression = "a.view(shape)"
    local_derivatives = ("∂out/∂a = 1 (reshaped)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 1",)
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.input_shape)


def reshape(input, *shape):  # noqa: A002 - PyTorch's argument name
    shape = _infer_shape(_shape_argument(shape), input._data.size)
    return ViewBackward0.apply(input, shape=shape)


view = reshape


class ExpandBackward0(Node):
    """out = a repeated along size-1 dimensions (no copy)          grad summed over the copies"""

    expression = "a.expand(shape)"
    local_derivatives = ("∂out/∂a = 1 per copy (summed)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \sum_{copies} 1",)
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output  # the engine sums it back to the input's shape


def expand(input, *sizes):  # noqa: A002
    """Repeat size-1 dimensions (and add leading ones); ``-1`` keeps a size."""
    sizes = _shape_argument(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})"
        )
    offset = len(sizes) - len(shape)
    target = []
    for i, size in enumerate(sizes):
        current = shape[i - offset] if i >= offset else None
        if size == -1:
            if current is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            size = current
        elif current is not None and current != 1 and current != size:
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size ({current}) "
                f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
        target.append(size)
    return ExpandBackward0.apply(input, shape=tuple(target))


# ------------------------------------------------------------------ joining
class CatBackward0(Node):
    """out = [a; b; ...] along dim          each input gets its slice of the gradient"""

    expression = "cat(tensors, dim)"
    local_derivatives = ("∂out/∂tensors[i] = 1 on its own slice",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial t_i} = 1 \text{ on slice } i",)
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        return tuple(grad_output.split(ctx.sizes, ctx.dim))


class StackBackward0(Node):
    """out = tensors stacked along a new dim          each input gets its slice"""

    expression = "stack(tensors, dim)"
    local_derivatives = ("∂out/∂tensors[i] = 1 on its own slice",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial t_i} = 1 \text{ on slice } i",)
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        return tuple(grad_output.unbind(ctx.dim))


def _check_sequence(name, tensors):
    from ..tensor import Tensor

    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' must be a tuple or list of Tensors, "
                        f"not {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected Tensor as element {i} in argument 0, "
                            f"but got {type(t).__name__}")


def cat(tensors, dim=0):
    """Join tensors along an existing dimension (sizes must match elsewhere)."""
    _check_sequence("cat", tensors)
    ndim = max(t._data.ndim for t in tensors)
    dim = normalize_dim(dim, ndim)
    tensors = [t for t in tensors if not (t._data.ndim == 1 and t._data.size == 0)] or tensors[:1]
    reference = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        shape = t._data.shape
        if len(shape) != len(reference):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(reference)} and {len(shape)}")
        for d, (s, r) in enumerate(zip(shape, reference)):
            if d != dim and s != r:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. "
                                   f"Expected size {r} but got size {s} for tensor number {i} in the list.")
    return CatBackward0.apply(*tensors, dim=dim)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dimension."""
    _check_sequence("stack", tensors)
    reference = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != reference:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(reference)} "
                               f"at entry 0 and {list(t._data.shape)} at entry {i}")
    dim = normalize_dim(dim, len(reference) + 1)
    return StackBackward0.apply(*tensors, dim=dim)
