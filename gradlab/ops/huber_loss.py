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
from .arguments import require_tensor
from .loss import (
    _broadcast_pair, _legacy_reduction, _mean_count, _reduce_array, _reduction,
    _warn_if_shapes_differ, l1_loss,
)


def _slope(grad, difference, width, n, huber):
    """d loss / d input for difference = input - target: difference/beta (huber: difference)
    inside the width, ±1 (huber: ±delta) outside; divided by n for the mean."""
    outer = width if huber else 1.0
    inner = difference if huber else difference / width
    with np.errstate(invalid="ignore"):
        slope = np.where(difference < -width, -outer, np.where(difference > width, outer, inner))
        return (slope * grad / n).astype(grad.dtype, copy=False)


class _HuberFamily(Node):
    """Shared by the four nodes below: ``huber`` says which loss; the band's half-width is
    stored on ctx as ``beta`` or ``delta`` (``width_name``), the name their derivatives read."""

    huber = False
    width_name = "beta"

    @classmethod
    def _keep(cls, ctx, input, reduction, width):
        """Store what the derivatives read (the width, reduction and n); return n."""
        n = _mean_count(input, reduction)
        setattr(ctx, cls.width_name, width)
        ctx.reduction, ctx.n = reduction, n
        return n

    def _width(self):
        return getattr(self, self.width_name)


class _HuberFamilyLoss(_HuberFamily):
    """The loss itself; its backward is ``backward_op`` for the input, and the same op with
    input and target swapped for the target, as in PyTorch."""

    backward_op = None  # SmoothL1LossBackwardBackward0 or HuberLossBackwardBackward0

    @classmethod
    def forward(cls, ctx, input, target, reduction, width):
        cls._keep(ctx, input, reduction, width)
        ctx.save_for_backward(input, target)
        input, target = common_arrays(input, target)
        absolute = np.abs(input - target)
        if cls.huber:
            losses = np.where(absolute < width, 0.5 * absolute * absolute,
                              width * (absolute - 0.5 * width))
        else:
            losses = np.where(absolute < width, 0.5 * absolute * absolute / width,
                              absolute - 0.5 * width)
        return _reduce_array(losses.astype(input.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad_output):
        input, target = ctx.saved_tensors
        needs_input, needs_target = ctx.needs_input_grad
        op, params = ctx.backward_op, (ctx.reduction, ctx._width())
        return (op.apply(grad_output, input, target, *params) if needs_input else None,
                op.apply(grad_output, target, input, *params) if needs_target else None)


class _HuberFamilyBackward(_HuberFamily):
    """The loss's backward as an op of (grad, x, y).  Its derivative for grad is the op again;
    for x and y, ±grad · grad_output · curvature inside the band (curvature 1/beta, or 1 for
    huber), 0 outside."""

    @classmethod
    def forward(cls, ctx, grad, input, target, reduction, width):
        n = cls._keep(ctx, input, reduction, width)
        ctx.save_for_backward(grad, input, target)
        return _slope(grad, input - target, width, n, cls.huber)

    @staticmethod
    def backward(ctx, grad_output):
        grad, input, target = ctx.saved_tensors
        needs_grad, needs_input, needs_target = ctx.needs_input_grad
        width = ctx._width()
        grad_grad = type(ctx).apply(grad_output, input, target, ctx.reduction, width) \
            if needs_grad else None
        grad_input = grad_target = None
        if needs_input or needs_target:
            second = grad * grad_output * ((input - target).abs() < width)
            curvature = 1.0 if ctx.huber else 1.0 / width
            if curvature != 1.0:
                second = second * curvature
            if ctx.n != 1:
                second = second / ctx.n
            grad_input = second if needs_input else None
            grad_target = -second if needs_target else None
        return grad_grad, grad_input, grad_target


class SmoothL1LossBackwardBackward0(_HuberFamilyBackward):
    """smooth_l1's backward as an op of (grad, x, y): grad · (x - y)/beta inside the beta
    band, grad · sign(x - y) outside (divided by n for the mean)."""

    derivatives = Derivatives(
        "smooth_l1_backward(grad, x, y)",
        grad="((x - y) / beta if abs(x - y) <= beta else sign(x - y)) / n",
        x="grad / beta / n if abs(x - y) < beta else 0",
        y="-grad / beta / n if abs(x - y) < beta else 0")


class SmoothL1LossBackward0(_HuberFamilyLoss):
    """``smooth_l1_loss(x, y)``: with d = |x - y|, ½d²/beta where d < beta, d - ½beta
    elsewhere; then reduced (n: the element count for the mean, else 1)."""

    derivatives = Derivatives(
        "smooth_l1_loss(x, y, beta)",
        x="((x - y) / beta if abs(x - y) <= beta else sign(x - y)) / n",
        y="-((x - y) / beta if abs(x - y) <= beta else sign(x - y)) / n")
    backward_op = SmoothL1LossBackwardBackward0


class HuberLossBackwardBackward0(_HuberFamilyBackward):
    """huber's backward as an op of (grad, x, y): grad · (x - y) inside the delta band,
    grad · delta · sign(x - y) outside (divided by n for the mean)."""

    derivatives = Derivatives(
        "huber_backward(grad, x, y)",
        grad="((x - y) if abs(x - y) <= delta else delta * sign(x - y)) / n",
        x="grad / n if abs(x - y) < delta else 0",
        y="-grad / n if abs(x - y) < delta else 0")
    huber, width_name = True, "delta"


class HuberLossBackward0(_HuberFamilyLoss):
    """``huber_loss(x, y)``: with d = |x - y|, ½d² where d < delta, delta·(d - ½delta)
    elsewhere; then reduced (n: the element count for the mean, else 1)."""

    derivatives = Derivatives(
        "huber_loss(x, y, delta)",
        x="((x - y) if abs(x - y) <= delta else delta * sign(x - y)) / n",
        y="-((x - y) if abs(x - y) <= delta else delta * sign(x - y)) / n")
    huber, width_name = True, "delta"
    backward_op = HuberLossBackwardBackward0


# ================================================================= functions
def _prepare(function, input, target):
    require_tensor(function, "input", input, 1)
    require_tensor(function, "target", target, 2)
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
    return SmoothL1LossBackward0.apply(input, target, reduction, float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """½(x - y)² where |x - y| < delta, delta·(|x - y| - ½delta) elsewhere, then reduced
    (``weight``: per-element weights, the mean of the weighted losses for 'mean')."""
    input, target = _prepare("huber_loss", input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return HuberLossBackward0.apply(input, target, _reduction(reduction), float(delta))
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = HuberLossBackward0.apply(input, target, "none", float(delta)) * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
