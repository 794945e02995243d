"""Normalization: ``batch_norm``, ``layer_norm`` and ``group_norm``.

All three do the same thing over different groups of numbers: take the mean μ
and the biased variance σ² of each group, standardise,

    x̂ = (x - μ) · s,   s = 1 / √(σ² + eps),

then scale and shift, ``out = w · x̂ + b``.  Only the groups differ:

- batch norm: one group per channel, over the batch and every position
  (input (N, C, …)); in ``eval()`` mode the stored running μ and σ² are used instead;
- layer norm: one group per sample, over its last dimensions (``normalized_shape``);
- group norm: per sample, the channels split into ``num_groups`` groups.

A ``_Layout`` says where the groups are and how ``w`` lines up with ``x``; one
gradient rule serves all three.  With ``h = grad · w`` and E[·] the mean over a group:

    grad_x = s · (h - E[h] - x̂ · E[h · x̂])        (batch statistics)
    grad_x = s · h                                 (fixed running statistics)
    grad_w = Σ grad · x̂,   grad_b = Σ grad         (over everything but w's own axes)

That backward is itself an op (``NativeBatchNormBackwardBackward0``, …: PyTorch's
names), whose own backward is written with tensor ops, so second derivatives work.
"""
import math

import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from .arguments import refuse_integers

_NORMALIZE_RULE = Words("s · (h - E[h] - x̂ · E[h · x̂]) with h = grad · w (s · h with running stats)")
_WEIGHT_RULE = Words("x̂, summed over every axis but w's own")
_BIAS_RULE = Words("1, summed over every axis but b's own")
_STATISTIC = Words("none (a statistic saved by forward, not differentiated)")
_DOUBLE_RULE = Words("the derivative of the normalization backward (see ops/normalization.py)")


class _Layout:
    """Where the groups of one normalization are, for an input of shape ``shape``.

    group_shape: ``x`` reshaped so that each group lies along ``stat_axes``;
    param_view: the shape ``w`` and ``b`` take to broadcast against ``x``;
    param_axes: the axes of ``x`` summed to get ``grad_w`` and ``grad_b``.
    """

    def __init__(self, kind, shape, group_shape, stat_axes, param_shape, param_view, param_axes):
        self.kind = kind
        self.shape, self.group_shape, self.stat_axes = tuple(shape), tuple(group_shape), stat_axes
        self.param_shape, self.param_view, self.param_axes = param_shape, param_view, param_axes

    @classmethod
    def batch(cls, shape):
        view, axes = _per_channel(shape)
        return cls("batch", shape, shape, axes, (shape[1],), view, axes)

    @classmethod
    def layer(cls, shape, normalized_shape):
        lead = len(shape) - len(normalized_shape)
        return cls("layer", shape, shape, tuple(range(lead, len(shape))), tuple(normalized_shape),
                   tuple(normalized_shape), tuple(range(lead)))

    @classmethod
    def group(cls, shape, groups):
        view, axes = _per_channel(shape)
        return cls("group", shape, (shape[0], groups, -1), (2,), (shape[1],), view, axes)

    # -- the same steps on NumPy arrays (forward) and on tensors (double backward)
    def groups(self, x):
        return x.reshape(self.group_shape)

    def ungroup(self, x):
        return x.reshape(self.shape)

    def mean(self, x):
        return x.mean(self.stat_axes, keepdims=True) if isinstance(x, np.ndarray) \
            else x.mean(dim=self.stat_axes, keepdim=True)

    def to_param(self, x):
        """Sum a full-size gradient down to the parameters' shape."""
        if not self.param_axes:
            return x
        if isinstance(x, np.ndarray):
            return x.sum(self.param_axes).reshape(self.param_shape)
        return x.sum(dim=self.param_axes).reshape(self.param_shape)


def _per_channel(shape):
    """Parameters with one value per channel (dim 1): their view (C, 1, …) against x, and
    the axes of x summed for their gradients (every axis but the channels')."""
    return (shape[1],) + (1,) * (len(shape) - 2), (0,) + tuple(range(2, len(shape)))


def _statistics(layout, x, eps):
    """Each group's mean and s = 1/√(biased variance + eps), kept in the grouped shape."""
    grouped = layout.groups(x)
    mean = layout.mean(grouped)
    centered = grouped - mean
    variance = layout.mean(centered * centered)
    return mean, (1 / np.sqrt(variance + eps)).astype(x.dtype, copy=False)


def _normalize(layout, x, weight, bias, mean, invstd):
    out = layout.ungroup((layout.groups(x) - mean) * invstd)
    if weight is not None:
        out = out * weight.reshape(layout.param_view)
    if bias is not None:
        out = out + bias.reshape(layout.param_view)
    return out.astype(x.dtype, copy=False)


def _backward_arrays(layout, grad, x, weight, mean, invstd, batch_stats, mask):
    """(grad_x, grad_w, grad_b) as arrays; ``None`` where ``mask`` does not ask."""
    want_x, want_weight, want_bias = mask
    x_hat = layout.ungroup((layout.groups(x) - mean) * invstd)
    grad_x = grad_weight = grad_bias = None
    if want_x:
        # PyTorch's kernels' order of operations, so that inf and NaN spread as they do there
        scale = 1 if weight is None else weight.reshape(layout.param_view)
        grouped_x = layout.groups(x)
        if not batch_stats:
            grad_x = grad * scale * layout.ungroup(np.broadcast_to(invstd, grouped_x.shape))
        elif layout.kind == "batch":
            grouped = layout.groups(grad)
            centered = grouped_x - mean
            projection = centered * (layout.mean(centered * grouped) * invstd * invstd)
            grad_x = layout.ungroup((grouped - layout.mean(grouped) - projection) * invstd) * scale
        else:
            h = layout.groups(grad * scale)
            slope = (layout.mean(h) * mean - layout.mean(h * grouped_x)) * invstd ** 3
            offset = -slope * mean - layout.mean(h) * invstd
            grad_x = layout.ungroup(invstd * h + slope * grouped_x + offset)
        grad_x = grad_x.astype(x.dtype, copy=False)
    if want_weight:
        grad_weight = layout.to_param(grad * x_hat).astype(x.dtype, copy=False)
    if want_bias:
        grad_bias = layout.to_param(grad).astype(x.dtype, copy=False)
    return grad_x, grad_weight, grad_bias


def _double_backward(layout, grad, x, weight, mean, invstd, batch_stats, upstream, needs):
    """The gradients of <ḡx, grad_x> + <ḡw, grad_w> + <ḡb, grad_b> with respect to
    (grad, x, w), written with tensor ops (ḡ: ``upstream``, None where unused).

    With D(v) = s · (v - E[v] - x̂ · E[v · x̂]) (the normalization's own backward),
    Q = E[h · x̂], P = E[ḡx · x̂]:

        d/d grad = w · D(ḡx) + ḡw · x̂ + ḡb
        d/dw     = Σ grad · D(ḡx)
        d/dx     = -s² (x̂ (E[ḡx h] - E[ḡx] E[h]) + Q (ḡx - E[ḡx]) + P (h - E[h]) - 3 x̂ P Q)
                   + D(grad · ḡw)
    (with fixed statistics: s · ḡx in place of D(ḡx), and d/dx = s · grad · ḡw).
    """
    grad_grad_x, grad_grad_weight, grad_grad_bias = upstream
    needs_grad, needs_x, needs_weight = needs
    groups, ungroup, mean_of = layout.groups, layout.ungroup, layout.mean
    x_hat = (groups(x) - mean) * invstd

    def view(param):
        return param.reshape(layout.param_view)

    def backward_of_normalize(v):
        v = groups(v)
        if batch_stats:
            v = v - mean_of(v) - x_hat * mean_of(v * x_hat)
        return ungroup(v * invstd)

    result_grad = result_x = result_weight = None
    normalized_upstream = None
    if grad_grad_x is not None and (needs_grad or needs_weight):
        normalized_upstream = backward_of_normalize(grad_grad_x)
    if needs_grad:
        terms = []
        if normalized_upstream is not None:
            terms.append(normalized_upstream if weight is None else view(weight) * normalized_upstream)
        if grad_grad_weight is not None:
            terms.append(view(grad_grad_weight) * ungroup(x_hat))
        if grad_grad_bias is not None:
            terms.append(view(grad_grad_bias).expand(layout.shape))
        result_grad = _total(terms, layout.shape, grad)
    if needs_weight and weight is not None and normalized_upstream is not None:
        result_weight = layout.to_param(grad * normalized_upstream)
    if needs_x:
        terms = []
        if grad_grad_x is not None and batch_stats:
            h = groups(grad if weight is None else grad * view(weight))
            upstream_x = groups(grad_grad_x)
            mean_h, mean_upstream = mean_of(h), mean_of(upstream_x)
            q, p = mean_of(h * x_hat), mean_of(upstream_x * x_hat)
            inner = (x_hat * (mean_of(upstream_x * h) - mean_upstream * mean_h)
                     + q * (upstream_x - mean_upstream) + p * (h - mean_h) - x_hat * p * q * 3)
            terms.append(ungroup(-(invstd * invstd) * inner))
        if grad_grad_weight is not None:
            terms.append(backward_of_normalize(grad * view(grad_grad_weight)))
        result_x = _total(terms, layout.shape, x)
    return result_grad, result_x, result_weight


def _total(terms, shape, like):
    if not terms:
        return like.new_zeros(shape)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _used(grads, mask):
    return tuple(g if used else None for g, used in zip(grads, mask))


# ================================================================ batch norm
class NativeBatchNormBackward0(Node):
    """``w · (x - μ) / √(σ² + eps) + b``, μ and σ² per channel over the batch (or the running ones)."""

    derivatives = Derivatives("batch_norm(x, w, b)", x=_NORMALIZE_RULE, w=_WEIGHT_RULE, b=_BIAS_RULE)

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        layout = _Layout.batch(x.shape)
        if training:
            mean, invstd = _statistics(layout, x, eps)
            if running_mean is not None:
                _update_running_stats(x, layout, mean, invstd, eps, running_mean, running_var,
                                      momentum)
        else:
            mean = running_mean.reshape(layout.param_view).astype(x.dtype)  # a copy
            invstd = (1 / np.sqrt(running_var.reshape(layout.param_view) + eps)).astype(x.dtype)
        ctx.layout, ctx.batch_stats, ctx.eps = layout, training, eps
        ctx.save_for_backward(x, weight, mean, invstd)
        return _normalize(layout, x, weight, bias, mean, invstd)

    @staticmethod
    def backward(ctx, grad_output):
        x, weight, mean, invstd = ctx.saved_tensors
        grads = NativeBatchNormBackwardBackward0.apply(
            grad_output, x, weight, mean, invstd, layout=ctx.layout, batch_stats=ctx.batch_stats,
            mask=ctx.needs_input_grad)
        return _used(grads, ctx.needs_input_grad)


class NativeBatchNormBackwardBackward0(Node):
    """(grad_x, grad_w, grad_b) from (grad, x, w): batch norm's backward as an op."""

    derivatives = Derivatives("batch_norm_backward(grad, x, w)", grad=_DOUBLE_RULE, x=_DOUBLE_RULE,
                              w=_DOUBLE_RULE, mean=_STATISTIC, invstd=_STATISTIC)

    @staticmethod
    def forward(ctx, grad, x, weight, mean, invstd, layout, batch_stats, mask):
        ctx.layout, ctx.batch_stats, ctx.mask = layout, batch_stats, tuple(mask)
        ctx.save_for_backward(grad, x, weight, mean, invstd)
        return _placeholders(_backward_arrays(layout, grad, x, weight, mean, invstd, batch_stats,
                                              mask), layout, x)

    @staticmethod
    def backward(ctx, grad_grad_x, grad_grad_weight, grad_grad_bias):
        grad, x, weight, mean, invstd = ctx.saved_tensors
        upstream = _used((grad_grad_x, grad_grad_weight, grad_grad_bias), ctx.mask)
        result = _double_backward(ctx.layout, grad, x, weight, mean, invstd, ctx.batch_stats,
                                  upstream, ctx.needs_input_grad[:3])
        return result + (None, None)


def _placeholders(grads, layout, x):
    """Zeros (without memory) where a gradient was not asked for: a node has fixed outputs."""
    shapes = (x.shape, layout.param_shape, layout.param_shape)
    return tuple(np.broadcast_to(np.zeros((), x.dtype), shape) if g is None else g
                 for g, shape in zip(grads, shapes))


def _update_running_stats(x, layout, mean, invstd, eps, running_mean, running_var, momentum):
    """running ← (1 - momentum) · running + momentum · batch, in place; the variance stored
    is the unbiased one (divided by n - 1), while normalizing used the biased one."""
    count = x.size // layout.param_shape[0]
    biased = 1 / (invstd.reshape(-1).astype(np.float64) ** 2) - eps
    unbiased = biased * count / max(count - 1, 1)
    running_mean *= 1 - momentum
    running_mean += (momentum * mean.reshape(-1)).astype(running_mean.dtype)
    running_var *= 1 - momentum
    running_var += (momentum * unbiased).astype(running_var.dtype)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalize each channel (dim 1) over the batch: batch statistics when ``training``
    (updating ``running_mean``/``running_var`` in place by ``momentum``), the running
    ones otherwise."""
    if training:
        size = tuple(input.shape)
        if math.prod(size[:1] + size[2:]) == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
    elif running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    elif running_var is None:
        raise RuntimeError("running_var must be defined in evaluation mode")
    if input.dim() < 2:
        raise ValueError(f"batch_norm expects an input of shape (N, C, ...), got {input.dim()}D "
                         "input")
    refuse_integers("batch_norm", input.dtype)
    channels = input.shape[1]
    for name, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        if value is not None and value.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {value.numel()}")
    running = [None if t is None else t._data for t in (running_mean, running_var)]
    return NativeBatchNormBackward0.apply(input, weight, bias, *running, bool(training),
                                          momentum, eps)


# ================================================================ layer norm
class NativeLayerNormBackward0(Node):
    """``w · (x - μ) / √(σ² + eps) + b``, μ and σ² over the last dimensions of each sample."""

    derivatives = Derivatives("layer_norm(x, w, b)", x=_NORMALIZE_RULE, w=_WEIGHT_RULE, b=_BIAS_RULE)

    @staticmethod
    def forward(ctx, x, weight, bias, normalized_shape, eps):
        layout = _Layout.layer(x.shape, normalized_shape)
        mean, invstd = _statistics(layout, x, eps)
        ctx.layout = layout
        ctx.save_for_backward(x, weight, bias, mean, invstd)
        return _normalize(layout, x, weight, bias, mean, invstd)

    @staticmethod
    def backward(ctx, grad_output):
        x, weight, bias, mean, invstd = ctx.saved_tensors
        grads = NativeLayerNormBackwardBackward0.apply(
            grad_output, x, mean, invstd, weight, bias, layout=ctx.layout,
            mask=ctx.needs_input_grad)
        return _used(grads, ctx.needs_input_grad)


class NativeLayerNormBackwardBackward0(Node):
    """(grad_x, grad_w, grad_b) from (grad, x, w): layer norm's backward as an op
    (PyTorch's input order: grad, x, mean, rstd, w, b)."""

    derivatives = Derivatives("layer_norm_backward(grad, x, w)", grad=_DOUBLE_RULE, x=_DOUBLE_RULE,
                              mean=_STATISTIC, invstd=_STATISTIC, w=_DOUBLE_RULE,
                              b=Words("0 (b does not enter the backward)"))

    @staticmethod
    def forward(ctx, grad, x, mean, invstd, weight, bias, layout, mask):
        ctx.layout, ctx.mask = layout, tuple(mask)
        ctx.save_for_backward(grad, x, weight, mean, invstd)
        return _placeholders(_backward_arrays(layout, grad, x, weight, mean, invstd, True, mask),
                             layout, x)

    @staticmethod
    def backward(ctx, grad_grad_x, grad_grad_weight, grad_grad_bias):
        grad, x, weight, mean, invstd = ctx.saved_tensors
        upstream = _used((grad_grad_x, grad_grad_weight, grad_grad_bias), ctx.mask)
        needs = ctx.needs_input_grad
        result_grad, result_x, result_weight = _double_backward(
            ctx.layout, grad, x, weight, mean, invstd, True, upstream, (needs[0], needs[1], needs[4]))
        return result_grad, result_x, None, None, result_weight, None


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize each sample over its last ``len(normalized_shape)`` dimensions."""
    if isinstance(normalized_shape, int) or not all(isinstance(n, int) for n in normalized_shape):
        raise TypeError(f"layer_norm(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type(normalized_shape).__name__}")
    normalized_shape = tuple(normalized_shape)
    shape = tuple(input.shape)
    if len(shape) < len(normalized_shape) or shape[len(shape) - len(normalized_shape):] \
            != normalized_shape or not normalized_shape:
        stars = ", ".join(["*"] + [str(n) for n in normalized_shape])
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with "
                           f"shape [{stars}], but got input of size{list(shape)}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(value.shape)} and normalized_shape = "
                               f"{list(normalized_shape)}")
    refuse_integers("LayerNormKernelImpl", input.dtype)
    return NativeLayerNormBackward0.apply(input, weight, bias, normalized_shape, eps)


# ================================================================ group norm
class NativeGroupNormBackward0(Node):
    """``w · (x - μ) / √(σ² + eps) + b``, μ and σ² per sample over each group of channels."""

    derivatives = Derivatives("group_norm(x, w, b)", x=_NORMALIZE_RULE, w=_WEIGHT_RULE, b=_BIAS_RULE)

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        layout = _Layout.group(x.shape, groups)
        mean, invstd = _statistics(layout, x, eps)
        ctx.layout = layout
        ctx.save_for_backward(x, weight, mean, invstd)
        return _normalize(layout, x, weight, bias, mean, invstd)

    @staticmethod
    def backward(ctx, grad_output):
        x, weight, mean, invstd = ctx.saved_tensors
        # PyTorch differentiates group norm's backward as a composite; gradlab reuses batch
        # norm's backward op, which does the same sums over the layout's groups
        grads = NativeBatchNormBackwardBackward0.apply(
            grad_output, x, weight, mean, invstd, layout=ctx.layout, batch_stats=True,
            mask=ctx.needs_input_grad)
        return _used(grads, ctx.needs_input_grad)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels (dim 1) into ``num_groups`` groups; normalize each group of each sample."""
    shape = tuple(input.shape)
    if input.dim() < 2 or shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(shape)} and num_groups={num_groups}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and (value.dim() != 1 or value.numel() != shape[1]):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(value.shape)} "
                               f"and input of shape {list(shape)}")
    refuse_integers("GroupNormKernelImpl", input.dtype)
    return NativeGroupNormBackward0.apply(input, weight, bias, int(num_groups), eps)
