"""2-d convolution (``conv2d``) and constant padding (``pad``).

A convolution slides a small kernel over the image and takes, at every
position, the sum of the window times the kernel.  gradlab computes it the
way most CPU libraries do:

1. ``_im2col`` copies every window the kernel visits into one column of a
   matrix (N, C·kh·kw, Ho·Wo);
2. one matrix product with the kernels flattened to rows (out, C·kh·kw)
   gives every output pixel at once.

Backward is the same picture read backwards: grad_weight is grad_output times
the columns (transposed), and grad_input multiplies grad_output by the kernels
and adds every column entry back onto the pixel it was copied from
(``_col2im``, the adjoint of ``_im2col``).

``ConvolutionBackwardBackward0`` (PyTorch's name) is that backward as an op of
its own: every gradient it returns is linear in grad_output and in the input
or weight, so its own backward is built from convolutions again and
``create_graph=True`` works to any order.
"""
import warnings
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..dtypes import cpp_type_name, type_name
from .arguments import require_tensor
from .workspace import workspace


class _Geometry(NamedTuple):
    """How the kernel moves: every field but ``groups`` is a (height, width) pair."""

    stride: tuple
    padding: tuple
    dilation: tuple
    groups: int


# ================================================================= NumPy core
def _output_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _im2col(x, kernel, geometry):
    """(N, C, H, W) → (N, C·kh·kw, Ho·Wo): column l holds the window of output pixel l."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, geometry.stride, geometry.padding, \
        geometry.dilation
    n, c, height, width = x.shape
    if ph or pw:
        padded = workspace.zeros((n, c, height + 2 * ph, width + 2 * pw), x.dtype)
        padded[:, :, ph:ph + height, pw:pw + width] = x
        x = padded
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    # windows[n, c, oh, ow, i, j] = x[n, c, oh·sh + i·dh, ow·sw + j·dw]  (a view, no copy)
    windows = sliding_window_view(x, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    out_h, out_w = windows.shape[2:4]
    columns = workspace.empty((n, c, kh, kw, out_h, out_w), x.dtype)
    columns[...] = windows.transpose(0, 1, 4, 5, 2, 3)  # the one copy: every window, in order
    return columns.reshape(n, c * kh * kw, out_h * out_w)


def _col2im(columns, input_shape, kernel, output_size, geometry):
    """The adjoint of ``_im2col``: add each column entry onto the pixel it was copied from."""
    n, c, height, width = input_shape
    (kh, kw), (out_h, out_w) = kernel, output_size
    (sh, sw), (ph, pw), (dh, dw) = geometry.stride, geometry.padding, geometry.dilation
    grad = workspace.zeros((n, c, height + 2 * ph, width + 2 * pw), columns.dtype)
    columns = columns.reshape(n, c, kh, kw, out_h, out_w)
    for i in range(kh):  # one strided add per kernel position, not per pixel
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (out_h - 1) + 1, sh)
            cols = slice(j * dw, j * dw + sw * (out_w - 1) + 1, sw)
            grad[:, :, rows, cols] += columns[:, :, i, j]
    if ph or pw:
        cropped = workspace.empty(input_shape, columns.dtype)
        cropped[...] = grad[:, :, ph:ph + height, pw:pw + width]
        return cropped
    return grad


def _convolve(columns, weight, output_size, groups):
    """out[n, o] = kernel o · each column (one batched matrix product per group)."""
    n, out_channels = columns.shape[0], weight.shape[0]
    kernels = weight.reshape(groups, out_channels // groups, -1)          # (G, O/G, K)
    grouped = columns.reshape(n, groups, kernels.shape[2], columns.shape[2])  # (N, G, K, L)
    out = workspace.empty(grouped.shape[:2] + (kernels.shape[1], grouped.shape[3]),
                          np.result_type(kernels, grouped))
    np.matmul(kernels, grouped, out=out)
    return out.reshape((n, out_channels) + tuple(output_size))


def _weight_grad(columns, grad_output, weight_shape, groups):
    """grad_W[o] = Σ over images and pixels of grad_output[n, o, pixel] · column(pixel)."""
    n, out_channels = grad_output.shape[:2]
    grad = grad_output.reshape(n, groups, out_channels // groups, -1)     # (N, G, O/G, L)
    grouped = columns.reshape(n, groups, -1, columns.shape[2])            # (N, G, K, L)
    return np.matmul(grad, grouped.transpose(0, 1, 3, 2)).sum(0).reshape(weight_shape)


def _input_grad(grad_output, weight, input_shape, geometry):
    """grad_x: each output pixel's gradient times the kernel, added back onto its window."""
    n, out_channels = grad_output.shape[:2]
    groups = geometry.groups
    kernels = weight.reshape(groups, out_channels // groups, -1)          # (G, O/G, K)
    grad = grad_output.reshape(n, groups, out_channels // groups, -1)     # (N, G, O/G, L)
    columns = workspace.empty(grad.shape[:2] + (kernels.shape[2], grad.shape[3]),
                              np.result_type(kernels, grad))
    np.matmul(kernels.transpose(0, 2, 1), grad, out=columns)               # (N, G, K, L)
    columns = columns.reshape(n, -1, columns.shape[3])
    return _col2im(columns, input_shape, weight.shape[2:], grad_output.shape[2:], geometry)


def _placeholder(shape, dtype):
    """A gradient that was not asked for: zeros without memory of their own."""
    return np.broadcast_to(np.zeros((), dtype), shape)


# ====================================================================== nodes
class ConvolutionBackward0(Node):
    """out[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c]   (⋆: every window of x times the kernel, summed)

    Its backward is an op of its own, ``ConvolutionBackwardBackward0``, so it can be
    differentiated again.
    """

    derivatives = Derivatives(
        "conv2d(x, W) + b",
        x=Words("grad spread back over each window through W (transposed conv)"),
        W=Words("Σ grad · window of x"),
        b=Words("Σ grad over n, h, w"))
    output_layout = "channels_last_if_any"

    @staticmethod
    def forward(ctx, input, weight, bias, geometry):
        ctx.geometry = geometry
        kernel = weight.shape[2:]
        output_size = tuple(_output_size(size, k, s, p, d) for size, k, s, p, d in zip(
            input.shape[2:], kernel, geometry.stride, geometry.padding, geometry.dilation))
        columns = _im2col(input, kernel, geometry)
        out = _convolve(columns, weight, output_size, geometry.groups)
        if bias is not None:
            out += bias.reshape(-1, 1, 1)
        needs_weight = ctx.needs_input_grad[1] if ctx.needs_input_grad else False
        # the columns are what grad_weight multiplies: keep them instead of copying the windows again
        ctx.save_for_backward(input, weight, columns if needs_weight else None)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, columns = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grads = ConvolutionBackwardBackward0.apply(
            grad_output, input, weight, geometry=ctx.geometry, output_mask=needs,
            columns=None if columns is None else columns._data)
        return tuple(grad if needed else None for grad, needed in zip(grads, needs))

    @classmethod
    def apply(cls, input, weight, bias, stride, padding, dilation, groups):
        geometry = _Geometry(tuple(stride), tuple(padding), tuple(dilation), int(groups))
        return super().apply(input, weight, bias, geometry=geometry)


class ConvolutionBackwardBackward0(Node):
    """(grad_x, grad_W, grad_b) from (grad, x, W): ConvolutionBackward0's backward as an op.

    Each result is linear in grad and in x or W, so its own derivatives are convolutions
    again (ḡx, ḡW, ḡb: the gradients arriving for grad_x, grad_W, grad_b).
    """

    derivatives = Derivatives(
        "convolution_backward(grad, x, W)",
        grad=Words("conv(ḡx, W) + conv(x, ḡW) + ḡb"),
        x=Words("transposed conv with ḡW"),
        W=Words("ḡx ⋆ grad"))

    @staticmethod
    def forward(ctx, grad_output, input, weight, geometry, output_mask, columns=None):
        ctx.geometry, ctx.output_mask = geometry, tuple(output_mask)
        ctx.save_for_backward(grad_output, input, weight)
        want_input, want_weight, want_bias = output_mask
        if want_input:
            grad_input = _input_grad(grad_output, weight, input.shape, geometry)
        else:
            grad_input = _placeholder(input.shape, grad_output.dtype)
        if want_weight:
            if columns is None:
                columns = _im2col(input, weight.shape[2:], geometry)
            grad_weight = _weight_grad(columns, grad_output, weight.shape, geometry.groups)
        else:
            grad_weight = _placeholder(weight.shape, grad_output.dtype)
        if want_bias:
            grad_bias = grad_output.sum(axis=(0, 2, 3))
        else:
            grad_bias = _placeholder(weight.shape[:1], grad_output.dtype)
        return grad_input, grad_weight, grad_bias

    @staticmethod
    def backward(ctx, grad_grad_input, grad_grad_weight, grad_grad_bias):
        grad_output, input, weight = ctx.saved_tensors
        needs_grad_output, needs_input, needs_weight = ctx.needs_input_grad
        used_input, used_weight, used_bias = ctx.output_mask
        geometry = ctx.geometry
        result_grad_output = result_input = result_weight = None
        if needs_grad_output:
            terms = []
            if used_input:
                terms.append(_conv(grad_grad_input, weight, geometry))
            if used_weight:
                terms.append(_conv(input, grad_grad_weight, geometry))
            if used_bias:
                terms.append(grad_grad_bias.reshape(-1, 1, 1).expand(grad_output.shape))
            for term in terms:
                result_grad_output = term if result_grad_output is None else result_grad_output + term
        if needs_input and used_weight:
            result_input = ConvolutionBackwardBackward0.apply(
                grad_output, input, grad_grad_weight, geometry=geometry,
                output_mask=(True, False, False))[0]
        if needs_weight and used_input:
            result_weight = ConvolutionBackwardBackward0.apply(
                grad_output, grad_grad_input, weight, geometry=geometry,
                output_mask=(False, True, False))[1]
        return result_grad_output, result_input, result_weight


def _conv(input, weight, geometry):
    return ConvolutionBackward0.apply(input, weight, None, geometry.stride, geometry.padding,
                                      geometry.dilation, geometry.groups)


class ConstantPadNdBackward0(Node):
    """out = a with ``value`` added around it (negative amounts crop instead)."""

    derivatives = Derivatives(
        "pad(a, pad, value)",
        a=Words("1 at a's own positions, the padding gets no gradient (grad_out is cropped back: "
                "padded by -amounts)"))
    output_layout = "channels_last_if_any"

    @staticmethod
    def forward(ctx, a, widths, value):
        ctx.widths = widths
        crop = tuple(slice(max(-before, 0), size - max(-after, 0))
                     for (before, after), size in zip(widths, a.shape))
        grow = [(max(before, 0), max(after, 0)) for before, after in widths]
        out = a[crop]
        if any(before or after for before, after in grow):
            return np.pad(out, grow, constant_values=np.asarray(value).astype(a.dtype))
        return np.array(out, order="C")  # a copy: the result never shares memory with a

    @staticmethod
    def backward(ctx, grad_output):
        opposite = tuple((-before, -after) for before, after in ctx.widths)
        return ConstantPadNdBackward0.apply(grad_output, widths=opposite, value=0)


# ================================================================= arguments
def _pair(name, value, function="conv2d"):
    """An int or a sequence of two ints, as (height, width)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        if len(value) == 1:
            return (int(value[0]), int(value[0]))
        if len(value) == 2:
            return (int(value[0]), int(value[1]))
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of 2 values to match the "
            f"convolution dimensions, but got {name}={list(value)}")
    raise TypeError(f"{function}(): argument '{name}' must be an int or a tuple of two ints, "
                    f"not {type(value).__name__}")


_warned_same_padding = False


def _same_padding(input, weight, stride, dilation):
    """padding='same': the output keeps the input's size (stride 1). An even kernel needs one
    more row/column on one side: PyTorch pads the input first (ConstantPadNdBackward0)."""
    global _warned_same_padding
    if stride != (1, 1):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    totals = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
    left = [total // 2 for total in totals]
    extra = [total - low for total, low in zip(totals, left)]
    if left == extra:
        return input, tuple(left)
    if not _warned_same_padding:
        _warned_same_padding = True
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a "
                      "zero-padded copy of the input be created", UserWarning, stacklevel=4)
    widths = ((0, 0),) * (input.dim() - 2) + tuple(
        (0, high - low) for low, high in zip(left, extra))
    return ConstantPadNdBackward0.apply(input, widths=widths, value=0), tuple(left)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation, as in PyTorch) of (N, C, H, W) or (C, H, W) input
    with weight (out_channels, C / groups, kH, kW) and an optional bias (out_channels,)."""
    require_tensor("conv2d", "input", input, 1)
    require_tensor("conv2d", "weight", weight, 2)
    if bias is not None:
        require_tensor("conv2d", "bias", bias, 3)
    if input.dim() not in (3, 4):
        raise RuntimeError(
            "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
            f"{list(input.shape)} (images are (batch, channels, height, width))")
    if weight.dim() != 4:
        raise RuntimeError(
            "conv2d expects a 4-D weight (out_channels, in_channels / groups, kH, kW), but got "
            f"weight of size {list(weight.shape)}")
    stride, dilation = _pair("stride", stride), _pair("dilation", dilation)
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    _check_conv_shapes(x, weight, bias, groups)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            x, padding = _same_padding(x, weight, stride, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}' (use 'valid' or 'same')")
    else:
        padding = _pair("padding", padding)
        if any(p < 0 for p in padding):
            raise RuntimeError("negative padding is not supported")
    _check_kernel_fits(x, weight, padding, dilation)
    _check_dtypes(x, weight, bias)
    out = ConvolutionBackward0.apply(x, weight, bias, stride, padding, dilation, groups)
    return out if batched else out.squeeze(0)


def _check_conv_shapes(x, weight, bias, groups):
    out_channels, group_channels = weight.shape[:2]
    if out_channels % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(weight.shape)}] instead")
    if x.shape[1] != group_channels * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {group_channels * groups} channels, but got "
            f"{x.shape[1]} channels instead (conv2d: the input's dimension 1 holds the channels; "
            f"this weight takes {group_channels * groups}-channel images)")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(bias.shape)} instead")


def _check_kernel_fits(x, weight, padding, dilation):
    padded = [size + 2 * p for size, p in zip(x.shape[2:], padding)]
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, weight.shape[2:])]
    if any(size < span for size, span in zip(padded, spans)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
            f"({spans[0]} x {spans[1]}). Kernel size can't be greater than actual input size")


def _check_dtypes(x, weight, bias):
    hint = "(conv2d: the input, weight and bias must have one dtype; convert with .float())"
    if weight._data.dtype != x._data.dtype:
        raise RuntimeError(f"expected scalar type {type_name(x.dtype)} but found "
                           f"{type_name(weight.dtype)} {hint}")
    if bias is not None and bias._data.dtype != x._data.dtype:
        raise RuntimeError(f"Input type ({cpp_type_name(x.dtype)}) and bias type "
                           f"({cpp_type_name(bias.dtype)}) should be the same {hint}")


def pad(input, pad, mode="constant", value=None):
    """Add ``value`` around the last dimensions: ``pad = (left, right, top, bottom, ...)``
    starts at the last dimension; negative amounts crop."""
    require_tensor("pad", "input", input, 1)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.dim()}")
    if mode != "constant":
        raise NotImplementedError(f"pad(mode='{mode}'): gradlab implements only mode='constant'")
    widths = [(0, 0)] * input.dim()
    for k in range(len(pad) // 2):
        widths[input.dim() - 1 - k] = (int(pad[2 * k]), int(pad[2 * k + 1]))
    for (before, after), size in zip(widths, input.shape):
        if size + before + after < 0:
            raise RuntimeError(f"The input size {size}, plus negative padding {before} and {after} "
                               "resulted in a negative output size, which is invalid. Check "
                               "dimension of your input.")
    return ConstantPadNdBackward0.apply(input, widths=tuple(widths),
                                        value=0 if value is None else value)
