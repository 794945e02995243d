"""Piecewise-linear activations: hardtanh (and relu6, which is hardtanh(x, 0, 6)),
threshold and prelu (a leaky relu whose negative slope is a learned weight).

Their derivatives are 0, 1 or a slope, chosen by where the input lies; each
backward is itself an op (PyTorch's ``HardtanhBackwardBackward0``, ...), so a
second derivative can be taken.  Values at the kinks follow PyTorch: hardtanh's
gradient is 0 at min_val and max_val, threshold's is 0 at the threshold, prelu
uses the weight at 0.
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..dtypes import type_name
from ..tensor import Tensor
from .inplace import apply_inplace
from .pointwise import ThresholdBackwardBackward0


# ================================================================== hardtanh
class HardtanhBackward0(Node):
    """``a`` clamped to [min_val, max_val]."""

    derivatives = Derivatives("hardtanh(a, min_val, max_val)",
                              a="1 if min_val < a < max_val else 0")

    @staticmethod
    def forward(ctx, a, min_val, max_val):
        ctx.min_val, ctx.max_val = min_val, max_val
        ctx.save_for_backward(a)
        out = np.minimum(np.maximum(a, np.asarray(min_val).astype(a.dtype)),
                         np.asarray(max_val).astype(a.dtype))
        return np.where(np.isnan(a), a, out) if a.dtype.kind == "f" else out

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return HardtanhBackwardBackward0.apply(grad_output, a, min_val=ctx.min_val,
                                               max_val=ctx.max_val)


class HardtanhBackwardBackward0(Node):
    """hardtanh's backward as an op: ``grad`` where min_val < a < max_val, else 0."""

    derivatives = Derivatives("grad · [min_val < a < max_val]",
                              grad="1 if min_val < a < max_val else 0", a="0")

    @staticmethod
    def forward(ctx, grad, a, min_val, max_val):
        ctx.min_val, ctx.max_val = min_val, max_val
        ctx.save_for_backward(a)
        inside = (a > min_val) & (a < max_val)  # False for NaN: its gradient is 0, as PyTorch's
        return np.where(inside, grad, np.zeros((), grad.dtype))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        needs_grad, needs_a = ctx.needs_input_grad
        return (HardtanhBackwardBackward0.apply(grad_output, a, min_val=ctx.min_val,
                                                max_val=ctx.max_val) if needs_grad else None,
                grad_output.new_zeros(a.shape) if needs_a else None)


# ================================================================= threshold
def _threshold_values(a, threshold, value):
    return np.where(a <= threshold, np.asarray(value).astype(a.dtype), a)  # NaN stays NaN


class ThresholdBackward0(Node):
    """``a`` where a > threshold, ``value`` elsewhere."""

    derivatives = Derivatives("threshold(a, threshold, value)", a="1 if a > threshold else 0")

    @staticmethod
    def forward(ctx, a, threshold, value):
        ctx.threshold = threshold
        ctx.save_for_backward(a)
        return _threshold_values(a, threshold, value)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return ThresholdBackwardBackward0.apply(grad_output, a, threshold=ctx.threshold)


class ThresholdBackward1(ThresholdBackward0):
    """``threshold_`` (in place): PyTorch's name; it keeps a copy of the input from before the
    write, so backward compares the input (not the result) with the threshold."""

    derivatives = Derivatives("threshold_(a, threshold, value)", a="1 if a > threshold else 0")


# ===================================================================== prelu
class PreluKernelBackward0(Node):
    """``a`` where a > 0, ``weight · a`` elsewhere; weight holds one slope per channel
    (viewed to broadcast along dimension 1) or one for all."""

    derivatives = Derivatives("prelu(a, weight)", a="1 if a > 0 else weight",
                              weight="0 if a > 0 else a")

    @staticmethod
    def forward(ctx, a, weight):
        ctx.save_for_backward(a, weight)
        return np.where(a > 0, a, weight * a)

    @staticmethod
    def backward(ctx, grad_output):
        a, weight = ctx.saved_tensors
        return PreluKernelBackwardBackward0.apply(grad_output, a, weight)


class PreluKernelBackwardBackward0(Node):
    """prelu's backward as an op with two outputs: (grad where a > 0 else weight · grad,
    0 where a > 0 else a · grad), the second of the input's shape (the engine then sums it
    to the weight's, as PyTorch's does)."""

    derivatives = Derivatives(
        "prelu_backward(grad, a, weight)",
        grad=Words("1 (a ≥ 0) or weight (a < 0) for the input's gradient; a (a < 0) for the "
                   "weight's"),
        a=Words("the weight gradient's arriving gradient times grad, where a < 0"),
        weight=Words("the input gradient's arriving gradient times grad, where a < 0"))

    @staticmethod
    def forward(ctx, grad, a, weight):
        ctx.save_for_backward(grad, a, weight)
        positive = a > 0
        grad_input = np.where(positive, grad, weight * grad)
        grad_weight = np.where(positive, np.zeros((), grad.dtype), a * grad)
        return grad_input, grad_weight  # the engine sums it to the weight's shape (SumBackward1)

    @staticmethod
    def backward(ctx, grad_grad_input, grad_grad_weight):
        grad, a, weight = ctx.saved_tensors
        needs_grad, needs_a, needs_weight = ctx.needs_input_grad
        negative = a < 0  # PyTorch's double backward tests a >= 0 (the forward: a > 0)
        through_weight = grad_grad_weight * a
        grad_grad = grad_a = grad_weight = None
        if needs_grad:
            grad_grad = (grad_grad_input * weight + through_weight).where(negative, grad_grad_input)
        if needs_a:
            grad_a = (grad * grad_grad_weight).where(negative, a.new_zeros(()))
        if needs_weight:
            grad_weight = (grad * grad_grad_input).where(negative, a.new_zeros(()))
        return grad_grad, grad_a, grad_weight


# ================================================================= functions
def _require_float(kernel, input):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{type_name(input.dtype)}' "
            "(this activation needs a floating-point tensor: convert with .float())")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val] (gradient 1 inside, 0 outside)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return apply_inplace(input, HardtanhBackward0, min_val=min_val, max_val=max_val)
    return HardtanhBackward0.apply(input, min_val=min_val, max_val=max_val)


def relu6(input, inplace=False):
    """min(max(0, x), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, ``value`` elsewhere."""
    if inplace:
        return apply_inplace(input, ThresholdBackward1, threshold=threshold, value=value)
    return ThresholdBackward0.apply(input, threshold=threshold, value=value)


def prelu(input, weight):
    """x where x > 0, weight · x elsewhere; ``weight`` has one slope, or one per channel
    (dimension 1 of the input)."""
    for name, value, position in (("input", input, 1), ("weight", weight, 2)):
        if not isinstance(value, Tensor):
            raise TypeError(f"prelu(): argument '{name}' (position {position}) must be Tensor, "
                            f"not {type(value).__name__}")
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    _require_float("prelu_cpu", input)
    channels = input.shape[1] if input.dim() > 1 else 1
    count = weight.numel()
    if count != 1:
        if count != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {count} and channel size = {channels}.")
        shape = [1] * input.dim()
        shape[1] = channels
    else:
        shape = [1] * input.dim()
    return PreluKernelBackward0.apply(input, weight.view(shape))
