"""2-d pooling: ``max_pool2d`` and ``avg_pool2d``.

Pooling summarises each window of an image by one number: its largest value
(max) or its mean (avg).  Both work on the last two dimensions, so batched
(N, C, H, W) and unbatched (C, H, W) inputs take the same path.

Both loop over the *kernel positions* (4 for a 2×2 window), never over
pixels: each step reads one strided view of the whole image.

- max: the gradient of a window goes to the one element that won it.  The
  forward remembers where it was (``indices``: ``h·W + w`` within the image
  plane, PyTorch's convention); ties go to the first element in row-major
  order, a NaN wins over numbers (the last NaN of a window, as PyTorch's CPU
  kernel).
- avg: every element of a window gets the window's gradient divided by the
  divisor (the window's size, with or without the padding it covers).

Each backward is itself an op (``MaxPool2DWithIndicesBackwardBackward0``,
``AvgPool2DBackwardBackward0``: PyTorch's names), so the backward pass can be
differentiated again.
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..tensor import Tensor
from .workspace import workspace


# ================================================================= geometry
def _output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output size (ceil_mode keeps a last, partial window
    as long as it starts inside the image or its left padding)."""
    span = dilation * (kernel - 1) + 1
    out = (size + 2 * padding - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _pad_last_two(x, rows, cols, value):
    """Pad the last two dimensions by (before, after) amounts with ``value``."""
    if not any(rows + cols):
        return x
    height, width = x.shape[-2:]
    padded = workspace.empty(x.shape[:-2] + (height + sum(rows), width + sum(cols)), x.dtype)
    padded.fill(value)
    padded[..., rows[0]:rows[0] + height, cols[0]:cols[0] + width] = x
    return padded


def _window_view(padded, i, j, output_size, stride, dilation=(1, 1)):
    """The elements at kernel position (i, j) of every window: one strided view."""
    (out_h, out_w), (sh, sw), (dh, dw) = output_size, stride, dilation
    return padded[..., i * dh:i * dh + sh * (out_h - 1) + 1:sh,
                  j * dw:j * dw + sw * (out_w - 1) + 1:sw]


def _bottom_right_padding(size, out, kernel, stride, padding, dilation=1):
    """Padding after the image: ``padding``, or more when ceil_mode reads past it, or less."""
    needed = (out - 1) * stride + dilation * (kernel - 1) + 1
    return max(needed - size - padding, 0)


# ================================================================== max pool
def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _first_valid_position(out, stride, padding, dilation):
    """Per window, the first kernel row (or column) that lies inside the image."""
    starts = np.arange(out) * stride - padding
    return np.maximum(0, -(starts // dilation))  # ceil(-start / dilation) where start < 0


def _max_pool(x, kernel, stride, padding, dilation, ceil_mode):
    """(values, indices) of the max of every window; indices are h·W + w in the image plane."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    height, width = x.shape[-2:]
    out_h = _output_size(height, kh, sh, ph, dh, ceil_mode)
    out_w = _output_size(width, kw, sw, pw, dw, ceil_mode)
    lowest = _lowest(x.dtype)
    padded = _pad_last_two(x, (ph, _bottom_right_padding(height, out_h, kh, sh, ph, dh)),
                           (pw, _bottom_right_padding(width, out_w, kw, sw, pw, dw)), lowest)
    shape = x.shape[:-2] + (out_h, out_w)
    # position: which kernel position (i·kw + j) holds the max so far; padding never wins,
    # so a window of -inf keeps its first element inside the image, as PyTorch's kernel does
    first_row = _first_valid_position(out_h, sh, ph, dh)
    first_col = _first_valid_position(out_w, sw, pw, dw)
    start = (first_row[:, None] * kw + first_col[None, :]).astype(np.intp)
    values, position = _running_max(padded, kernel, (out_h, out_w), stride, dilation, shape,
                                    start, lowest, nan_aware=False)
    if x.dtype.kind == "f" and np.isnan(values).any():
        values, position = _running_max(padded, kernel, (out_h, out_w), stride, dilation, shape,
                                        start, lowest, nan_aware=True)
    # kernel position → index in the (unpadded) image plane
    rows = np.arange(out_h) * sh - ph
    cols = np.arange(out_w) * sw - pw
    corner = rows[:, None] * width + cols[None, :]
    offsets = (np.arange(kh)[:, None] * dh * width + np.arange(kw)[None, :] * dw).ravel()
    indices = workspace.empty(shape, np.int64)
    # (every position is in range: mode="clip" only spares NumPy a bounds check that, with out=,
    # costs it a buffered copy, several times the lookup itself)
    np.take(offsets.astype(np.int64), position, out=indices, mode="clip")
    indices += corner
    return values, indices


def _running_max(padded, kernel, output_size, stride, dilation, shape, start, lowest, nan_aware):
    """One pass per kernel position: keep the max so far and where it was.

    A later position takes over only when it is strictly larger (so ties keep
    the first), or, when ``nan_aware``, when it is NaN (so the last NaN wins).
    Positions only grow, so "the last position that took over" is a maximum.
    """
    kh, kw = kernel
    values = workspace.empty(shape, padded.dtype)
    values.fill(lowest)
    position_dtype = np.uint8 if kh * kw <= 255 else np.intp  # small arrays: fewer memory pages
    position = workspace.empty(shape, position_dtype)
    position[...] = start
    takes_over = workspace.empty(shape, np.bool_)  # reused by every step (out=): no new arrays
    taken = workspace.empty(shape, position_dtype)
    for k in range(kh * kw):
        candidate = _window_view(padded, k // kw, k % kw, output_size, stride, dilation)
        np.greater(candidate, values, out=takes_over)
        if nan_aware:
            takes_over |= np.isnan(candidate)
        np.maximum(values, candidate, out=values)  # NaN propagates, as in PyTorch
        np.multiply(takes_over, position_dtype(k), out=taken)
        np.maximum(position, taken, out=position)
    return values, position


def _scatter_to_planes(grad_output, indices, input_shape):
    """grad_input: each output gradient added at the plane position ``indices`` points to."""
    height, width = input_shape[-2:]
    planes = int(np.prod(input_shape[:-2], dtype=np.int64))
    starts = (np.arange(planes, dtype=np.int64) * (height * width))[:, None]  # each plane's start
    flat = workspace.empty((planes, indices.size // max(planes, 1)), np.int64)
    np.add(indices.reshape(planes, -1), starts, out=flat)
    grad = workspace.zeros((planes * height * width,), grad_output.dtype)
    np.add.at(grad, flat.ravel(), grad_output.reshape(-1))
    return grad.reshape(input_shape)


class MaxPool2DWithIndicesBackward0(Node):
    """out = the largest element of each window, indices = where it was (h·W + w in the plane)."""

    derivatives = Derivatives("max_pool2d(x)", x=Words("1 at the max of each window, else 0"))
    output_layout = "channels_last_if_any"

    @staticmethod
    def forward(ctx, input, kernel_size, stride, padding, dilation, ceil_mode):
        values, indices = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode)
        ctx.save_for_backward(input, indices)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad_output, grad_indices=None):
        input, indices = ctx.saved_tensors
        return MaxPool2DWithIndicesBackwardBackward0.apply(grad_output, input,
                                                           indices=indices._data)


class MaxPool2DWithIndicesBackwardBackward0(Node):
    """grad_x = grad added at each window's winner: max pool's backward as an op (x gives only
    its shape)."""

    derivatives = Derivatives(
        "max_pool2d_backward(grad, x, indices)",
        grad=Words("1 at each window's winner (the gradient is read back there: a gather)"),
        x="0")

    @staticmethod
    def forward(ctx, grad_output, input, indices):
        ctx.save_for_backward(indices)
        return _scatter_to_planes(grad_output, indices, input.shape)

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        planes = grad.flatten(-2) if grad.dim() > 1 else grad
        picked = planes.gather(-1, indices.flatten(-2))
        return picked.reshape(indices.shape), None


# ================================================================== avg pool
def _window_counts(size, out, kernel, stride, padding, count_include_pad):
    """How many elements each window along one axis averages (PyTorch's divisor)."""
    starts = np.arange(out) * stride - padding
    ends = np.minimum(starts + kernel, size + padding)
    if count_include_pad:
        return ends - starts
    return np.minimum(ends, size) - np.maximum(starts, 0)


def _avg_divisor(input_size, output_size, kernel, stride, padding, count_include_pad,
                 divisor_override):
    if divisor_override is not None:
        return divisor_override
    rows = _window_counts(input_size[0], output_size[0], kernel[0], stride[0], padding[0],
                          count_include_pad)
    cols = _window_counts(input_size[1], output_size[1], kernel[1], stride[1], padding[1],
                          count_include_pad)
    return rows[:, None] * cols[None, :]


def _avg_geometry(shape, kernel, stride, padding, ceil_mode):
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    height, width = shape[-2:]
    out_h = _output_size(height, kh, sh, ph, 1, ceil_mode)
    out_w = _output_size(width, kw, sw, pw, 1, ceil_mode)
    rows = (ph, _bottom_right_padding(height, out_h, kh, sh, ph))
    cols = (pw, _bottom_right_padding(width, out_w, kw, sw, pw))
    return (out_h, out_w), rows, cols


def _divide(total, divisor, dtype):
    if dtype.kind == "f":
        np.divide(total, np.asarray(divisor, total.dtype), out=total)  # in the sums' own dtype
        return total.astype(dtype, copy=False)
    return np.trunc(total / divisor).astype(dtype)  # integer tensors divide as C does


class AvgPool2DBackward0(Node):
    """out = Σ window / divisor: the mean of each window (the divisor counts the window's
    elements, with or without the padding it covers, or is ``divisor_override``)."""

    derivatives = Derivatives(
        "avg_pool2d(x)", x=Words("1 / divisor, summed over the windows holding x_i"))
    output_layout = "channels_last_if_any"

    @staticmethod
    def forward(ctx, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
        ctx.params = dict(kernel_size=kernel_size, stride=stride, padding=padding,
                          ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                          divisor_override=divisor_override)
        ctx.save_for_backward(input)
        output_size, rows, cols = _avg_geometry(input.shape, kernel_size, stride, padding, ceil_mode)
        padded = _pad_last_two(input, rows, cols, 0)
        # sums in the input's float dtype (float32 for float16, float64 for integers)
        accumulate = {"f": np.float32 if input.dtype == np.float16 else input.dtype}.get(
            input.dtype.kind, np.float64)
        total = workspace.zeros(input.shape[:-2] + output_size, accumulate)
        for i in range(kernel_size[0]):
            for j in range(kernel_size[1]):
                total += _window_view(padded, i, j, output_size, stride)
        divisor = _avg_divisor(input.shape[-2:], output_size, kernel_size, stride, padding,
                               count_include_pad, divisor_override)
        return _divide(total, divisor, input.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return AvgPool2DBackwardBackward0.apply(grad_output, input, **ctx.params)


class AvgPool2DBackwardBackward0(Node):
    """grad_x_i = Σ over the windows holding x_i of grad / divisor: avg pool's backward as an op
    (x gives only its shape)."""

    derivatives = Derivatives(
        "avg_pool2d_backward(grad, x)",
        grad=Words("avg_pool2d (the same averaging, applied to the arriving gradient)"),
        x="0")

    @staticmethod
    def forward(ctx, grad_output, input, kernel_size, stride, padding, ceil_mode,
                count_include_pad, divisor_override):
        ctx.params = dict(kernel_size=kernel_size, stride=stride, padding=padding,
                          ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                          divisor_override=divisor_override)
        output_size, rows, cols = _avg_geometry(input.shape, kernel_size, stride, padding, ceil_mode)
        divisor = _avg_divisor(input.shape[-2:], output_size, kernel_size, stride, padding,
                               count_include_pad, divisor_override)
        share = grad_output / np.asarray(divisor, grad_output.dtype)
        height, width = input.shape[-2:]
        grad = workspace.zeros(input.shape[:-2] + (height + sum(rows), width + sum(cols)),
                               grad_output.dtype)
        for i in range(kernel_size[0]):
            for j in range(kernel_size[1]):
                _window_view(grad, i, j, output_size, stride)[...] += share
        if not any(rows + cols):
            return grad
        cropped = workspace.empty(input.shape, grad.dtype)
        cropped[...] = grad[..., rows[0]:rows[0] + height, cols[0]:cols[0] + width]
        return cropped

    @staticmethod
    def backward(ctx, grad):
        needs_grad_output = ctx.needs_input_grad[0]
        return (AvgPool2DBackward0.apply(grad, **ctx.params) if needs_grad_output else None), None


# ================================================================= arguments
def _pool_pair(function, name, value, default=None):
    """kernel_size/stride/padding/dilation: an int or a tuple of one or two ints."""
    message = {
        "kernel_size": f"{function}: kernel_size must either be a single int, or a tuple of two ints",
        "stride": f"{function}: stride must either be omitted, a single int, or a tuple of two ints",
        "padding": f"{function}: padding must either be a single int, or a tuple of two ints",
        "dilation": f"{function}: dilation must be either a single int, or a tuple of two ints",
    }[name]
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0 and default):
        return default
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and len(value) in (1, 2) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        return (int(value[0]), int(value[-1]))
    raise RuntimeError(message)


def _check_pool_input(function, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{function}(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    if input.dim() not in (3, 4) or input._data.size == 0:
        raise RuntimeError(
            "non-empty 3D or 4D (batch mode) tensor expected for input "
            f"({function} takes (N, C, H, W) or (C, H, W); got size {list(input.shape)})")


def _check_pool_geometry(input, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's checks, in PyTorch's order (so the first problem found is the one it names)."""
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    if kernel[0] <= 0 or kernel[1] <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} "
                           f"kW: {kernel[1]}")
    if stride[0] < 0 or stride[1] < 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: "
                           f"{stride[1]}")
    if dilation[0] <= 0 or dilation[1] <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: "
                           f"{dilation[0]} dilationW: {dilation[1]}")
    height, width = input.shape[-2:]
    out_h = _output_size(height, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    out_w = _output_size(width, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    if out_h < 1 or out_w < 1:
        planes = input.shape[-3]
        raise RuntimeError(
            f"Given input size: ({planes}x{height}x{width}). Calculated output size: "
            f"({planes}x{out_h}x{out_w}). Output size is too small (the window, {kernel[0]}x"
            f"{kernel[1]}, does not fit in the padded image)")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The largest value of every kernel_size window (stride defaults to kernel_size)."""
    _check_pool_input("max_pool2d", input)
    kernel = _pool_pair("max_pool2d", "kernel_size", kernel_size)
    stride = _pool_pair("max_pool2d", "stride", stride, default=kernel)
    padding = _pool_pair("max_pool2d", "padding", padding)
    dilation = _pool_pair("max_pool2d", "dilation", dilation)
    _check_pool_geometry(input, kernel, stride, padding, dilation, ceil_mode)
    values, indices = MaxPool2DWithIndicesBackward0.apply(
        input, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
        ceil_mode=bool(ceil_mode))
    return (values, indices) if return_indices else values


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of every kernel_size window (stride defaults to kernel_size)."""
    _check_pool_input("avg_pool2d", input)
    kernel = _pool_pair("avg_pool2d", "kernel_size", kernel_size)
    stride = _pool_pair("avg_pool2d", "stride", stride, default=kernel)
    padding = _pool_pair("avg_pool2d", "padding", padding)
    _check_pool_geometry(input, kernel, stride, padding, (1, 1), ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return AvgPool2DBackward0.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                                    ceil_mode=bool(ceil_mode),
                                    count_include_pad=bool(count_include_pad),
                                    divisor_override=divisor_override)
