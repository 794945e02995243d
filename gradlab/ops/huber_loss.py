"""The Huber family of regression losses: squared near the target, absolute far from it.

With d = |input - target|:

- ``huber_loss``: ½d² where d < delta, delta·(d - ½delta) beyond;
- ``smooth_l1_loss``: ½d²/beta where d < beta, d - ½beta beyond — Huber divided by
  beta (beta = 0 is exactly ``l1_loss``, and PyTorch then calls l1_loss: so does gradlab).

So the gradient is the difference itself near the target and its sign, clipped, far
from it: outliers pull with a bounded force.  Each backward is itself an op
(``SmoothL1LossBackwardBackward0``, ``HuberLossBackwardBackward0``), whose own
derivative (1/beta or 1 inside, 0 outside) gives second derivatives.  The target's
gradient is the same op with input and target swapped, as in PyTorch.
"""
import numpy as np

from ..autograd.derivative import Derivatives
from ..autograd.node import Node
from ..dtypes import common_arrays
from .loss import (
    _broadcast_pair, _legacy_reduction, _mean_count, _reduce_array, _reduction, _require_tensor,
    _warn_if_shapes_differ, l1_loss,
)


def _slope(grad, difference, width, n, huber):
    """d loss / d input for difference = input - target: difference/beta (huber: difference)
    inside the width, ±1 (huber: ±delta) outside; divided by n for the mean."""
    outer = width if huber else 1.0
    inner = difference if huber else difference / width
    with np.errstate(invalid="ignore"):
        slope = np.where(difference < -width, -outer, np.where(difference > width, outer, inner))
        return (slope * grad / n).astype(grad.dtype, copy=False) if n != 1 else \
            (slope * grad).astype(grad.dtype, copy=False)


class _HuberFamilyLoss(Node):
    """Shared by both losses: ``huber`` says which one, ``width`` is beta or delta."""

    huber = False

    @classmethod
    def _losses(cls, difference, width):
        absolute = np.abs(difference)
        if cls.huber:
            return np.where(absolute < width, 0.5 * absolute * absolute,
                            width * (absolute - 0.5 * width))
        return np.where(absolute < width, 0.5 * absolute * absolute / width, absolute - 0.5 * width)


class SmoothL1LossBackward0(_HuberFamilyLoss):
    """``smooth_l1_loss(x, y)``: with d = |x - y|, ½d²/beta where d < beta, d - ½beta
    elsewhere; then reduced (n: the element count for the mean, else 1)."""

    derivatives = Derivatives(
        "smooth_l1_loss(x, y, beta)",
        x="((x - y) / beta if abs(x - y) <= beta else sign(x - y)) / n",
        y="-((x - y) / beta if abs(x - y) <= beta else sign(x - y)) / n")

    @staticmethod
    def forward(ctx, input, target, reduction, beta):
        ctx.beta, ctx.reduction, ctx.n = beta, reduction, _mean_count(input, reduction)
        ctx.save_for_backward(input, target)
        input, target = common_arrays(input, target)
        losses = SmoothL1LossBackward0._losses(input - target, beta).astype(input.dtype, copy=False)
        return _reduce_array(losses, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        input, target = ctx.saved_tensors
        return _backward_pair(SmoothL1LossBackwardBackward0, ctx, grad_output, input, target,
                              reduction=ctx.reduction, beta=ctx.beta)


class SmoothL1LossBackwardBackward0(Node):
    """smooth_l1's backward as an op of (grad, x, y): grad · (x - y)/beta inside the beta
    band, grad · sign(x - y) outside (divided by n for the mean)."""

    derivatives = Derivatives(
        "smooth_l1_backward(grad, x, y)",
        grad="((x - y) / beta if abs(x - y) <= beta else sign(x - y)) / n",
        x="grad / beta / n if abs(x - y) < beta else 0",
        y="-grad / beta / n if abs(x - y) < beta else 0")

    @staticmethod
    def forward(ctx, grad, input, target, reduction, beta):
        n = _mean_count(input, reduction)
        ctx.beta, ctx.reduction, ctx.n = beta, reduction, n
        ctx.save_for_backward(grad, input, target)
        return _slope(grad, input - target, beta, n, huber=False)

    @staticmethod
    def backward(ctx, grad_output):
        grad, input, target = ctx.saved_tensors
        return _double_backward(SmoothL1LossBackwardBackward0, ctx, grad_output, grad, input,
                                target, 1.0 / ctx.beta, reduction=ctx.reduction, beta=ctx.beta)


class HuberLossBackward0(_HuberFamilyLoss):
    """``huber_loss(x, y)``: with d = |x - y|, ½d² where d < delta, delta·(d - ½delta)
    elsewhere; then reduced (n: the element count for the mean, else 1)."""

    derivatives = Derivatives(
        "huber_loss(x, y, delta)",
        x="((x - y) if abs(x - y) <= delta else delta * sign(x - y)) / n",
        y="-((x - y) if abs(x - y) <= delta else delta * sign(x - y)) / n")
    huber = True

    @staticmethod
    def forward(ctx, input, target, reduction, delta):
        ctx.delta, ctx.reduction, ctx.n = delta, reduction, _mean_count(input, reduction)
        ctx.save_for_backward(input, target)
        input, target = common_arrays(input, target)
        losses = HuberLossBackward0._losses(input - target, delta).astype(input.dtype, copy=False)
        return _reduce_array(losses, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        input, target = ctx.saved_tensors
        return _backward_pair(HuberLossBackwardBackward0, ctx, grad_output, input, target,
                              reduction=ctx.reduction, delta=ctx.delta)


class HuberLossBackwardBackward0(Node):
    """huber's backward as an op of (grad, x, y): grad · (x - y) inside the delta band,
    grad · delta · sign(x - y) outside (divided by n for the mean)."""

    derivatives = Derivatives(
        "huber_backward(grad, x, y)",
        grad="((x - y) if abs(x - y) <= delta else delta * sign(x - y)) / n",
        x="grad / n if abs(x - y) < delta else 0",
        y="-grad / n if abs(x - y) < delta else 0")

    @staticmethod
    def forward(ctx, grad, input, target, reduction, delta):
        n = _mean_count(input, reduction)
        ctx.delta, ctx.reduction, ctx.n = delta, reduction, n
        ctx.save_for_backward(grad, input, target)
        return _slope(grad, input - target, delta, n, huber=True)

    @staticmethod
    def backward(ctx, grad_output):
        grad, input, target = ctx.saved_tensors
        return _double_backward(HuberLossBackwardBackward0, ctx, grad_output, grad, input, target,
                                1.0, reduction=ctx.reduction, delta=ctx.delta)


def _backward_pair(node, ctx, grad_output, input, target, **params):
    """(grad_input, grad_target): the backward op, and the same with input and target swapped."""
    needs_input, needs_target = ctx.needs_input_grad
    return (node.apply(grad_output, input, target, **params) if needs_input else None,
            node.apply(grad_output, target, input, **params) if needs_target else None)


def _double_backward(node, ctx, grad_output, grad, input, target, curvature, **params):
    """Derivatives of the backward op: for grad, the op again; for input and target,
    ±grad · grad_output · curvature inside the band (curvature 1/beta or 1), 0 outside."""
    needs_grad, needs_input, needs_target = ctx.needs_input_grad
    grad_grad = node.apply(grad_output, input, target, **params) if needs_grad else None
    grad_input = grad_target = None
    if needs_input or needs_target:
        width = params.get("beta", params.get("delta"))
        inside = (input - target).abs() < width
        second = grad * grad_output * inside
        if curvature != 1.0:
            second = second * curvature
        if ctx.n != 1:
            second = second / ctx.n
        grad_input = second if needs_input else None
        grad_target = -second if needs_target else None
    return grad_grad, grad_input, grad_target


# ================================================================= functions
def _prepare(function, input, target):
    _require_tensor(function, "input", input, 1)
    _require_tensor(function, "target", target, 2)
    _warn_if_shapes_differ(input, target)
    return _broadcast_pair(input, target)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """½(x - y)²/beta where |x - y| < beta, |x - y| - ½beta elsewhere, then reduced."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    input, target = _prepare("smooth_l1_loss", input, target)
    return SmoothL1LossBackward0.apply(input, target, reduction=reduction, beta=float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """½(x - y)² where |x - y| < delta, delta·(|x - y| - ½delta) elsewhere, then reduced
    (``weight``: per-element weights, the mean of the weighted losses for 'mean')."""
    input, target = _prepare("huber_loss", input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return HuberLossBackward0.apply(input, target, reduction=_reduction(reduction),
                                        delta=float(delta))
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = HuberLossBackward0.apply(input, target, reduction="none", delta=float(delta)) * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
