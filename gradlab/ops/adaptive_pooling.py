"""Adaptive pooling: ask for the output size, and the windows are chosen to fit.

Output row i of an image of height H pooled to height h covers rows
floor(i·H/h) … ceil((i+1)·H/h) - 1 (PyTorch's rule): windows may differ in size
by one and may overlap.  ``adaptive_avg_pool2d(x, 1)`` is the global average
pooling that ends most CNNs; PyTorch computes that case as a mean over the last
two dimensions (grad_fn ``MeanBackward1``), and so does gradlab.

- avg: a window's mean is separable, (mean over its rows) then (mean over its
  columns), so the whole pooling is two small matrices: out = R · x · Cᵀ, with
  R[i, h] = 1/len(row window i) inside window i.  Its gradient is Rᵀ · grad · C.
- max: one reduction per output position (a handful for typical sizes); the
  gradient goes to the winner, as in ``max_pool2d`` (its backward op is reused).

The 1-d forms are the 2-d ones on an image of height 1 (unsqueeze, pool,
squeeze), as in PyTorch, whose graphs show the same three nodes.
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..tensor import Tensor
from .arguments import refuse_integers
from .pooling import MaxPool2DWithIndicesBackwardBackward0


# ================================================================= windows
def _windows(size, out):
    """(start, end) of each of the ``out`` windows along an axis of length ``size``:
    floor(i·size/out) to ceil((i+1)·size/out), in integer arithmetic."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _averaging_matrix(size, out, dtype):
    """R with R[i, j] = 1/len(window i) for j in window i: R @ x averages each window."""
    matrix = np.zeros((out, size), dtype)
    for i, (start, end) in enumerate(_windows(size, out)):
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def _average(values, output_size):
    """Adaptive average over the last two dimensions, as R · values · Cᵀ."""
    height, width = values.shape[-2:]
    rows = _averaging_matrix(height, output_size[0], values.dtype)
    cols = _averaging_matrix(width, output_size[1], values.dtype)
    return np.matmul(np.matmul(rows, values), cols.T)


def _spread(grad, input_size):
    """The average's gradient: each window's gradient shared by its elements, Rᵀ · grad · C."""
    rows = _averaging_matrix(input_size[0], grad.shape[-2], grad.dtype)
    cols = _averaging_matrix(input_size[1], grad.shape[-1], grad.dtype)
    return np.matmul(np.matmul(rows.T, grad), cols)


# ===================================================================== avg
class AdaptiveAvgPool2DBackward0(Node):
    """out[i, j] = the mean of window (i, j) of the last two dimensions of ``x``."""

    derivatives = Derivatives(
        "adaptive_avg_pool2d(x)",
        x=Words("1 / (window's size), summed over the windows holding x_i"))

    @staticmethod
    def forward(ctx, input, output_size):
        ctx.save_for_backward(input)
        return _average(input, output_size)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return AdaptiveAvgPool2DBackwardBackward0.apply(grad_output, input)


class AdaptiveAvgPool2DBackwardBackward0(Node):
    """adaptive avg pool's backward as an op: each window's gradient shared equally by its
    elements (x gives only its shape)."""

    derivatives = Derivatives(
        "adaptive_avg_pool2d_backward(grad, x)",
        grad=Words("adaptive_avg_pool2d (the same averaging, applied to the arriving gradient)"),
        x="0")

    @staticmethod
    def forward(ctx, grad_output, input):
        ctx.output_size = grad_output.shape[-2:]
        ctx.input_shape = input.shape
        return _spread(grad_output, input.shape[-2:]).astype(grad_output.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        needs_grad_output, needs_input = ctx.needs_input_grad
        pooled = AdaptiveAvgPool2DBackward0.apply(grad, output_size=ctx.output_size)
        # x only gave its shape: its gradient is zeros (PyTorch's zeros_like(self), not None)
        return (pooled if needs_grad_output else None,
                grad.new_zeros(ctx.input_shape) if needs_input else None)


# ===================================================================== max
def _adaptive_max(values, output_size):
    """(max, index h·W + w in the plane) of every window; ties keep the first, a NaN wins
    (the last NaN of a window), as PyTorch's kernel."""
    height, width = values.shape[-2:]
    shape = values.shape[:-2] + tuple(output_size)
    maxima = np.empty(shape, values.dtype)
    indices = np.empty(shape, np.int64)
    for i, (top, bottom) in enumerate(_windows(height, output_size[0])):
        for j, (left, right) in enumerate(_windows(width, output_size[1])):
            window = values[..., top:bottom, left:right].reshape(values.shape[:-2] + (-1,))
            position = np.argmax(window, axis=-1)
            if values.dtype.kind == "f":
                nan = np.isnan(window)
                last_nan = window.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
                position = np.where(nan.any(axis=-1), last_nan, position)
            maxima[..., i, j] = np.take_along_axis(window, position[..., None], -1)[..., 0]
            row, col = np.divmod(position, right - left)
            indices[..., i, j] = (top + row) * width + left + col
    return maxima, indices


class AdaptiveMaxPool2DBackward0(Node):
    """out = the largest element of each adaptive window, indices = where it was
    (h·W + w in the plane)."""

    derivatives = Derivatives("adaptive_max_pool2d(x)", x=Words("1 at the max of each window, else 0"))

    @staticmethod
    def forward(ctx, input, output_size):
        values, indices = _adaptive_max(input, output_size)
        ctx.save_for_backward(input, indices)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad_output, grad_indices=None):
        input, indices = ctx.saved_tensors
        return AdaptiveMaxPool2DBackwardBackward0.apply(grad_output, input, indices=indices._data)


class AdaptiveMaxPool2DBackwardBackward0(MaxPool2DWithIndicesBackwardBackward0):
    """grad_x = grad added at each window's winner (x gives only its shape)."""

    derivatives = Derivatives(
        "adaptive_max_pool2d_backward(grad, x, indices)",
        grad=Words("1 at each window's winner (the gradient is read back there: a gather)"),
        x="0")

    @staticmethod
    def forward(ctx, grad_output, input, indices):
        ctx.input_shape = input.shape
        return MaxPool2DWithIndicesBackwardBackward0.forward(ctx, grad_output, input, indices)

    @staticmethod
    def backward(ctx, grad):
        grad_grad, _ = MaxPool2DWithIndicesBackwardBackward0.backward(ctx, grad)
        needs_input = ctx.needs_input_grad[1]
        # x only gave its shape: its gradient is zeros (PyTorch's zeros_like(self), not None)
        return grad_grad, grad.new_zeros(ctx.input_shape) if needs_input else None


# =============================================================== arguments
def _output_size(function, output_size, input):
    """An int, or a pair whose None entries keep the input's size."""
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        pair = (int(output_size), int(output_size))
    else:
        if len(output_size) != 2:
            raise RuntimeError(f"{function}: output_size must be 2")
        pair = tuple(output_size)
    pair = tuple(input.shape[-2 + k] if size is None else int(size) for k, size in enumerate(pair))
    if min(pair) < 0:
        raise RuntimeError(f"{function}: elements of output_size must be greater than or equal "
                           f"to 0 but received {{{pair[0]}, {pair[1]}}}")
    return pair


def _check_input(function, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{function}(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    if input.dim() not in (3, 4):
        raise RuntimeError(f"{function}(): Expected 3D or 4D tensor, but got {list(input.shape)} "
                           "(adaptive pooling takes (N, C, H, W) or (C, H, W))")


def adaptive_avg_pool2d(input, output_size):
    """The mean of each of output_size windows of the last two dimensions (int, or a pair
    whose None entries keep the input's size)."""
    _check_input("adaptive_avg_pool2d", input)
    size = _output_size("adaptive_avg_pool2d", output_size, input)
    if size == (1, 1):
        return input.mean((-1, -2), keepdim=True)  # PyTorch's global average: MeanBackward1
    refuse_integers("adaptive_avg_pool2d", input.dtype)
    return AdaptiveAvgPool2DBackward0.apply(input, output_size=size)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The largest value of each of output_size windows (and, with return_indices, where)."""
    if not isinstance(output_size, (int, np.integer)) and len(output_size) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    if isinstance(input, Tensor) and input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: "
                           f"{list(input.shape)} (adaptive pooling takes (N, C, H, W) or (C, H, W))")
    _check_input("adaptive_max_pool2d", input)
    size = _output_size("adaptive_max_pool2d", output_size, input)
    refuse_integers("adaptive_max_pool2d", input.dtype)
    values, indices = AdaptiveMaxPool2DBackward0.apply(input, output_size=size)
    return (values, indices) if return_indices else values


def _check_1d(function, input, output_size):
    if not isinstance(input, Tensor):
        raise TypeError(f"{function}(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor "
                           f"for argument #1 'self' (while checking arguments for {function})")
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 1:
            raise RuntimeError(f"{function}() argument 'output_size' should contain one int "
                               f"(got {len(output_size)})")
        output_size = output_size[0]
    return output_size


def adaptive_avg_pool1d(input, output_size):
    """The mean of each of output_size windows of the last dimension."""
    output_size = _check_1d("adaptive_avg_pool1d", input, output_size)
    pooled = adaptive_avg_pool2d(input.unsqueeze(-2), (1, output_size))
    return pooled.squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """The largest value of each of output_size windows of the last dimension."""
    output_size = _check_1d("adaptive_max_pool1d", input, output_size)
    values, indices = adaptive_max_pool2d(input.unsqueeze(-2), (1, output_size), True)
    values, indices = values.squeeze(-2), indices.squeeze(-2)
    return (values, indices) if return_indices else values

