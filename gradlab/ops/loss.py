"""Loss functions: mse, l1, nll, cross-entropy, binary cross-entropy (with and without logits).

A loss compares a prediction with a target and reduces the comparison to one
number (``reduction='mean'`` or ``'sum'``) or keeps it per element
(``'none'``).  The graphs follow PyTorch's, node for node:

- ``mse_loss`` and the two binary cross-entropies are single nodes
  (``MseLossBackward0``, ...), with the target as a second input;
- ``l1_loss`` is composed: ``mean(|input - target|)``;
- ``cross_entropy`` with class indices is ``nll_loss(log_softmax(x))``:
  ``NllLossBackward0`` over ``LogSoftmaxBackward0``; with class
  probabilities it is ``-(target · log_softmax(x)).sum() / N``.

Everything is computed stably: log_softmax subtracts the max before exp, and
binary cross-entropy with logits uses log σ(x) = min(x, 0) - log(1 + e^-|x|),
so logits of ±1000 give finite losses and gradients.
"""
import warnings

import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.node import Node
from ..dtypes import common_arrays, type_name
from ..tensor import Tensor, _wrap
from .arguments import refuse_integers, require_tensor
from .arithmetic import AddBackward1, DivBackward1, MulBackward1, div_number
from .indexing import ScatterAddBackward0
from .pointwise import clamp_max
from .reduction import LogSoftmaxBackward0, log_softmax


# ================================================================ reduction
def _reduction(reduction):
    """'none', 'mean' or 'sum' (PyTorch's ``_Reduction.get_enum``)."""
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=4)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction "
                         "(use 'mean', 'sum' or 'none')")
    return reduction


def _legacy_reduction(size_average, reduce, reduction):
    """The deprecated ``size_average``/``reduce`` flags, turned into a reduction string."""
    if size_average is None and reduce is None:
        return _reduction(reduction)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{result}' instead.", stacklevel=3)
    return result


def _reduce_array(losses, reduction):
    if reduction == "none":
        return losses
    if reduction == "sum":
        return np.asarray(losses.sum(), dtype=losses.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan
        return np.asarray(losses.sum() / losses.size if losses.size else np.nan, losses.dtype)


def _reduce_tensor(losses, reduction):
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def _mean_count(input, reduction):
    """``n`` in the loss derivatives: the number of elements for reduction='mean', else 1."""
    return input.size if reduction == "mean" else 1


def _scale_for_mean(grad, n):
    return div_number(grad, n) if n != 1 else grad  # div(Tensor, Scalar) as in PyTorch: DivBackward1


def _times(grad, factor):
    """grad · factor, for a ``weight`` or ``pos_weight`` that is 1 when not given."""
    return grad * factor if isinstance(factor, Tensor) else grad


# ======================================================================= mse
class MseLossBackward0(Node):
    """``mse_loss(x, y)``: the squared differences (x - y)², summed, averaged over their
    ``n`` elements (reduction='mean') or kept per element ('none'; n is 1 unless 'mean')."""

    derivatives = Derivatives("mse_loss(x, y)", x="grad_out * 2 * (x - y) / n",
                              y="-grad_out * 2 * (x - y) / n")

    @staticmethod
    def forward(ctx, input, target, reduction):
        ctx.n = _mean_count(input, reduction)
        ctx.save_for_backward(input, target)
        input, target = common_arrays(input, target)
        difference = input - target
        return _reduce_array(difference * difference, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        input, target = ctx.saved_tensors
        grad_input = (input - target) * (2.0 / ctx.n) * grad_output
        needs_input, needs_target = ctx.needs_input_grad
        return (grad_input if needs_input else None, -grad_input if needs_target else None)


# ======================================================================= nll
def _picked_classes(target, ignore_index):
    """(the class indices with ignored ones replaced by 0, the mask of the entries that count
    — None when every entry counts)."""
    classes = target.astype(np.intp)
    keep = classes != ignore_index
    if keep.all():
        return classes, None
    return np.where(keep, classes, 0), keep


_NLL_RULE = Words("-w[c] if c = target[n] else 0 (divided by Σ_n w[target[n]] for the mean; "
                  "0 for an ignored target)")


class NllLossBackward0(Node):
    """``nll_loss(x, target)``: out_n = -w[t_n] · x[n, t_n] for each sample n (t: the class
    indices, w: the class weights, 1 when not given; an ignored sample gives 0), then summed,
    or divided by Σ_n w[t_n] for the mean."""

    derivatives = Derivatives("nll_loss(x, target)", x=_NLL_RULE)

    @staticmethod
    def forward(ctx, input, target, weight, reduction, ignore_index):
        ctx.reduction, ctx.ignore_index, ctx.input_shape = reduction, ignore_index, input.shape
        ctx.save_for_backward(target, weight)
        classes, keep = _picked_classes(target._data, ignore_index)
        picked = _pick(input, classes, 0 if input.ndim == 1 else 1)
        if weight is None and keep is None:  # every sample counts once (training's usual case)
            weights, losses = None, -picked
            total_weight = input.dtype.type(classes.size)
        else:
            weights = _class_weights(weight, classes, keep, input.dtype)
            losses = -(picked * weights)
            if keep is not None:
                losses = np.where(keep, losses, 0).astype(input.dtype, copy=False)
            total_weight = weights.sum()
        if ctx.needs_input_grad:  # what backward needs, worked out once, here
            ctx._index = classes.reshape(1) if input.ndim == 1 else classes[:, None]
            ctx._keep = keep
            ctx._coefficient = _nll_coefficient(weights, keep, total_weight, reduction,
                                                classes.shape, input.dtype)
        if reduction == "none":
            return losses
        total = np.asarray(losses.sum(), input.dtype)
        if reduction == "sum":
            return total
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total / total_weight, input.dtype)  # 0 / 0 = nan when all ignored

    @staticmethod
    def backward(ctx, grad_output):
        target, weight = ctx.saved_tensors  # (read: fails, as in PyTorch, if either was changed in place)
        class_dim = 0 if len(ctx.input_shape) == 1 else 1
        # -w[t]·grad goes to each sample's target class; every other entry stays exactly 0
        picked = _wrap(ctx._coefficient) * grad_output
        if ctx._keep is not None:  # an ignored sample gives exactly 0, even for a NaN or inf gradient
            picked = picked.masked_fill(_wrap(~ctx._keep), 0)
        picked = picked.unsqueeze(class_dim)
        zeros = _wrap(np.zeros(ctx.input_shape, grad_output._data.dtype))
        return ScatterAddBackward0.apply(zeros, picked, dim=class_dim, index=ctx._index)


def _nll_coefficient(weights, keep, total_weight, reduction, shape, dtype):
    """∂loss/∂x[n, t_n] for each sample: -w[t_n], divided by Σ w for the mean, 0 if ignored."""
    if weights is None:
        one = dtype.type(-1)
        return np.full(shape, one / total_weight if reduction == "mean" else one, dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        coefficient = -weights / total_weight if reduction == "mean" else -weights
    if keep is not None:
        coefficient = np.where(keep, coefficient, 0)
    return coefficient.astype(dtype, copy=False)


class NllLoss2DBackward0(NllLossBackward0):
    """nll_loss of images, x (N, C, H, W) and target (N, H, W): PyTorch's name for the same op,
    out[n, h, w] = -w[t] · x[n, t, h, w] with t = target[n, h, w]."""

    derivatives = Derivatives("nll_loss2d(x, target)", x=_NLL_RULE)


def _pick(input, classes, class_dim):
    """input[n, classes[n]] (input[classes] for a single sample; along dim 1 for images)."""
    if input.ndim == 2:
        return input[np.arange(len(classes)), classes]
    if input.ndim == 1:
        return input[classes]
    return np.take_along_axis(input, np.expand_dims(classes, class_dim), class_dim).squeeze(class_dim)


def _class_weights(weight, classes, keep, dtype):
    """w[t_n] for every entry, 0 for ignored ones (1 for all classes without a weight)."""
    if weight is None:
        return keep.astype(dtype)
    weights = weight._data[classes]
    return (weights if keep is None else weights * keep).astype(dtype, copy=False)


# ======================================================= binary cross-entropy
_BCE_EPSILON = 1e-12  # PyTorch's floor for p·(1 - p) in the gradient


class BinaryCrossEntropyBackward0(Node):
    """``binary_cross_entropy(p, y)``: -weight · (y log p + (1 - y) log(1 - p)) per element, each
    log clamped at -100 (as PyTorch), then reduced. ``weight`` is 1 when not given; ``n`` is the
    number of elements for reduction='mean', else 1; p·(1 - p) is floored at 1e-12 (PyTorch's
    guard against dividing by 0 at p = 0 or 1)."""

    derivatives = Derivatives(
        "binary_cross_entropy(p, y)",
        p="grad_out * weight * (p - y) / maximum(p * (1 - p), 1e-12) / n",
        y="-grad_out * weight * log(p / (1 - p)) / n")

    @staticmethod
    def forward(ctx, input, target, weight, reduction):
        ctx.weight = 1 if weight is None else weight
        ctx.n = _mean_count(input, reduction)
        ctx.save_for_backward(input, target)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(input), -100)
            log_not_p = np.maximum(np.log1p(-input), -100)
        losses = (target - 1) * log_not_p - target * log_p
        if weight is not None:
            losses = losses * weight._data
        return _reduce_array(losses.astype(input.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad_output):
        input, target = ctx.saved_tensors
        needs_input, needs_target = ctx.needs_input_grad
        grad_input = grad_target = None
        if needs_input:
            grad_input = grad_output * (input - target) / ((1 - input) * input).clamp_min(_BCE_EPSILON)
            grad_input = _scale_for_mean(_times(grad_input, ctx.weight), ctx.n)
        if needs_target:
            grad_target = -(input / (1 - input)).log() * grad_output
            grad_target = _scale_for_mean(_times(grad_target, ctx.weight), ctx.n)
        return grad_input, grad_target


def _log_sigmoid_array(x):
    """log σ(x) = min(x, 0) - log(1 + e^-|x|): no overflow for any x."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _log_sigmoid(x):
    """The same with tensor ops (for gradients that must be differentiable again)."""
    return clamp_max(x, 0) - (-x.abs()).exp().log1p()


class BinaryCrossEntropyWithLogitsBackward0(Node):
    """``binary_cross_entropy_with_logits(x, y)``: binary_cross_entropy(σ(x), y) computed from the
    logits, weight · ((1 - y) x - (1 + (pos_weight - 1) y) log σ(x)) per element, then reduced.
    ``weight`` and ``pos_weight`` (which scales the positive class) are 1 when not given;
    ``n`` is the number of elements for reduction='mean', else 1."""

    derivatives = Derivatives(
        "binary_cross_entropy_with_logits(x, y)",
        x="grad_out * weight * ((pos_weight * y + 1 - y) * sigmoid(x) - pos_weight * y) / n",
        y="grad_out * weight * (log(sigmoid(-x)) - pos_weight * log(sigmoid(x))) / n")

    @staticmethod
    def forward(ctx, input, target, weight, pos_weight, reduction):
        ctx.weight = 1 if weight is None else weight
        ctx.pos_weight = 1 if pos_weight is None else pos_weight
        ctx.n = _mean_count(input, reduction)
        ctx.save_for_backward(input, target)
        input, target = common_arrays(input, target)
        log_sigmoid = _log_sigmoid_array(input)
        if pos_weight is not None:
            log_sigmoid = log_sigmoid * ((pos_weight._data - 1) * target + 1)
        losses = (1 - target) * input - log_sigmoid
        if weight is not None:
            losses = losses * weight._data
        return _reduce_array(np.asarray(losses, input.dtype), reduction)

    @staticmethod
    def backward(ctx, grad_output):
        input, target = ctx.saved_tensors
        pos_weight = ctx.pos_weight
        needs_input, needs_target = ctx.needs_input_grad
        grad_input = grad_target = None
        if needs_input:
            if isinstance(pos_weight, Tensor):
                weighted_target = pos_weight * target
                grad_input = (weighted_target + 1 - target) * input.sigmoid() - weighted_target
            else:  # pos_weight 1: (y + 1 - y) σ(x) - y
                grad_input = input.sigmoid() - target
            grad_input = _scale_for_mean(_times(grad_input * grad_output, ctx.weight), ctx.n)
        if needs_target:
            if isinstance(pos_weight, Tensor):
                grad_target = _log_sigmoid(-input) - _log_sigmoid(input) * pos_weight
            else:  # pos_weight 1: log σ(-x) - log σ(x) = -x
                grad_target = -input
            grad_target = _scale_for_mean(_times(grad_target * grad_output, ctx.weight), ctx.n)
        return grad_input, grad_target


# ================================================================= checks
def _warn_if_shapes_differ(input, target):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", UserWarning, stacklevel=3)


def _broadcast_shape(a, b, names=("input", "target")):
    """The common shape of two shapes, with PyTorch's message when there is none."""
    for position in range(1, max(len(a), len(b)) + 1):
        size_a = a[-position] if position <= len(a) else 1
        size_b = b[-position] if position <= len(b) else 1
        if size_a != size_b and 1 not in (size_a, size_b):
            raise RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at "
                f"non-singleton dimension {max(len(a), len(b)) - position} ({names[0]} of shape "
                f"{list(a)}, {names[1]} of shape {list(b)})")
    return np.broadcast_shapes(a, b)


def _broadcast_pair(input, target):
    """input and target expanded to their common shape (only where they differ, as PyTorch)."""
    shape = _broadcast_shape(input._data.shape, target._data.shape)
    if input._data.shape != shape:
        input = input.expand(shape)
    if target._data.shape != shape:
        target = target.expand(shape)
    return input, target


_FLOAT_PREDICTIONS = "losses need floating-point predictions: convert with .float()"


def _refuse_grad(function, argument, value):
    if value is not None and value.requires_grad:
        if is_grad_enabled():
            raise RuntimeError(
                f"The function '{function}' is not differentiable with respect to argument "
                f"'{argument}'. This input cannot have requires_grad True. (Pass "
                f"{argument}.detach() if it comes from a computation.)")


# ================================================================ functions
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """The mean (or sum) of the squared differences (input - target)²."""
    require_tensor("mse_loss", "input", input, 1)
    require_tensor("mse_loss", "target", target, 2)
    _warn_if_shapes_differ(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    input, target = _broadcast_pair(input, target)
    if weight is not None:
        return _weighted_elementwise_loss((input - target) ** 2, input, weight, reduction)
    if input._data.dtype.kind != "f" and target._data.dtype.kind != "f":
        refuse_integers("mse_cpu", input.dtype, _FLOAT_PREDICTIONS)
    return MseLossBackward0.apply(input, target, reduction=reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """The mean (or sum) of the absolute differences |input - target|."""
    require_tensor("l1_loss", "input", input, 1)
    require_tensor("l1_loss", "target", target, 2)
    _warn_if_shapes_differ(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    input, target = _broadcast_pair(input, target)
    if weight is not None:
        return _weighted_elementwise_loss((input - target).abs(), input, weight, reduction)
    return _reduce_tensor((input - target).abs(), reduction)


def _weighted_elementwise_loss(losses, input, weight, reduction):
    """PyTorch's per-element weights: Σ w·loss / Σ w for the mean."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = losses * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    return weighted.sum() / weight.sum()


def _check_class_target(target):
    if target._data.dtype not in (np.int64, np.uint8):
        name = type_name(target.dtype)
        hint = (" (class indices must be integers: use target.long(); for class probabilities "
                "give a float target with the same shape as the input)")
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {name}{hint}")


def _check_class_weight(weight, classes, input, prefix=""):
    if weight is None:
        return
    require_tensor("nll_loss", "weight", weight, 3)
    if weight.dim() != 1 or weight.shape[0] != classes:
        raise RuntimeError(
            f"{prefix}weight tensor should be defined either for all {classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}")
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found "
                           f"{type_name(weight.dtype)} (the class weights must have the "
                           "input's dtype)")


def _check_target_range(classes_array, classes, ignore_index):
    values = classes_array.astype(np.int64)
    outside = (values != ignore_index) & ((values < 0) | (values >= classes))
    if outside.any():
        bad = int(values[outside].flat[0])
        raise IndexError(f"Target {bad} is out of bounds. (nll_loss/cross_entropy: class indices "
                         f"must be in [0, {classes - 1}] for {classes} classes, or equal "
                         f"ignore_index={ignore_index})")


def _nll_loss_nd(input, target, weight, reduction, ignore_index):
    """PyTorch's ``nll_loss_nd``: (C,) and (N, C) use NllLossBackward0, (N, C, H, W)
    NllLoss2DBackward0, other shapes are viewed as (N, C, 1, -1) first."""
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() != 1:
        target_batch = target.shape[0] if target.dim() else 0
        if input.shape[0] != target_batch:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                             f"batch_size ({target_batch}).")
    _check_class_target(target)
    refuse_integers("nll_loss_out_frame", input.dtype, _FLOAT_PREDICTIONS)
    classes = input.shape[0] if input.dim() == 1 else input.shape[1]
    _check_class_weight(weight, classes, input)
    _refuse_grad("nll_loss_forward", "weight", weight)
    _check_target_range(target._data, classes, ignore_index)
    params = dict(weight=weight, reduction=reduction, ignore_index=int(ignore_index))
    if input.dim() in (1, 2):
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if input.dim() == 1 and target.dim() == 1:
            if target.shape[0] != 1:
                raise ValueError(f"For 1D input, 1D target must have size 1, but got target "
                                 f"size: {target.shape[0]}")
            target = target.reshape(())  # one class index for one unbatched input
        return NllLossBackward0.apply(input, target=target, **params)
    if input.dim() == 4:
        if target.dim() != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {target.dim()}")
        if tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: "
                               f"{list(target.shape)}")
        return NllLoss2DBackward0.apply(input, target=target, **params)
    batch, channels = input.shape[:2]
    out_size = [batch] + list(input.shape[2:])
    if tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {out_size}, got {list(target.shape)}")
    empty = input._data.size == 0
    flat_input = input.contiguous().view(batch, channels, *((0, 0) if empty else (1, -1)))
    flat_target = target.contiguous().view(batch, *((0, 0) if target._data.size == 0 else (1, -1)))
    out = NllLoss2DBackward0.apply(flat_input, target=flat_target, **params)
    return out.view(out_size) if reduction == "none" else out


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[n, target[n]] averaged (weighted by ``weight[target[n]]``): the loss for
    log-probabilities (use it after log_softmax; ``cross_entropy`` does both)."""
    require_tensor("nll_loss", "input", input, 1)
    require_tensor("nll_loss", "target", target, 2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nll_loss_nd(input, target, weight, reduction, ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """The cross-entropy between logits ``input`` (N, C) and class indices (N,) — or class
    probabilities with the input's shape — computed as nll_loss(log_softmax(input))."""
    if (weight is None and label_smoothing == 0.0 and size_average is None and reduce is None
            and _is_batch_of_classes(input, target)):
        return _cross_entropy_batch(input, target, reduction, ignore_index)
    require_tensor("cross_entropy", "input", input, 1)
    require_tensor("cross_entropy", "target", target, 2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if input.shape == target.shape:
        if target._data.dtype.kind != "f":
            raise RuntimeError(
                f"Expected floating point type for target with class probabilities, got "
                f"{type_name(target.dtype)} (a target with the "
                "input's shape is read as class probabilities; for class indices give shape "
                f"{list(input.shape[:1]) + list(input.shape[2:])})")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        return _cross_entropy_smoothed(input, target, weight, reduction, ignore_index,
                                       label_smoothing)
    class_dim = 0 if input.dim() == 1 else 1
    refuse_integers("log_softmax_lastdim_kernel_impl", input.dtype, _FLOAT_PREDICTIONS)
    return _nll_loss_nd(log_softmax(input, class_dim), target, weight, reduction, ignore_index)


def _is_batch_of_classes(input, target):
    """Logits (N, C) of floating point and N class indices (int64), each in [0, C): a training
    loop's cross_entropy, which ``_cross_entropy_batch`` computes with fewer checks."""
    if input.__class__ is not Tensor or target.__class__ is not Tensor:
        return False
    logits, classes = input._data, target._data
    return (logits.ndim == 2 and classes.ndim == 1 and logits.dtype.kind == "f"
            and classes.dtype == np.int64 and logits.shape[0] == classes.shape[0] != 0
            and classes.min() >= 0 and classes.max() < logits.shape[1])


def _cross_entropy_batch(input, target, reduction, ignore_index):
    """nll_loss(log_softmax(input, 1), target): the general path's two nodes, without the
    checks that ``_is_batch_of_classes`` has made (a wrong reduction still raises)."""
    if reduction not in ("mean", "sum", "none"):
        reduction = _reduction(reduction)
    return NllLossBackward0.apply(LogSoftmaxBackward0.apply(input, dim=1), target=target,
                                  weight=None, reduction=reduction, ignore_index=int(ignore_index))


def _class_weight_view(weight, log_probabilities, class_dim):
    """The (C,) weight shaped to broadcast along the class dimension."""
    shape = [1] * log_probabilities.dim()
    shape[class_dim] = weight.shape[0]
    return weight.view(shape)


def _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing):
    """-Σ_c target_c · log_softmax(input)_c, averaged over the N samples for the mean."""
    class_dim = 0 if input.dim() == 1 else 1
    classes = input.shape[class_dim]
    if weight is not None and (weight.dim() != 1 or weight.shape[0] != classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {classes} classes or "
            f"no classes but got weight tensor of shape: {list(weight.shape)}")
    refuse_integers("log_softmax_lastdim_kernel_impl", input.dtype, _FLOAT_PREDICTIONS)
    log_probabilities = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        target = AddBackward1.apply(MulBackward1.apply(target, factor=1 - label_smoothing),
                                    other=label_smoothing / classes)
    products = log_probabilities * target
    if weight is not None:
        products = products * _class_weight_view(weight, log_probabilities, class_dim)
    if reduction == "none":
        return -products.sum(class_dim)
    if reduction == "sum":
        return -products.sum()
    total = -products.sum()
    if input._data.size == 0:
        return total * float("nan")
    return DivBackward1.apply(total, divisor=input._data.size // classes)


def _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, label_smoothing):
    """(1 - ε)·nll + ε·(mean over classes of -log_softmax): PyTorch's graph, node for node."""
    class_dim = 0 if input.dim() == 1 else 1
    classes = input.shape[class_dim]
    refuse_integers("log_softmax_lastdim_kernel_impl", input.dtype, _FLOAT_PREDICTIONS)
    log_probabilities = log_softmax(input, class_dim)
    nll = _nll_loss_nd(log_probabilities, target, weight, reduction, ignore_index)
    ignored = target == ignore_index
    if weight is not None:
        smooth = -(log_probabilities * _class_weight_view(weight, log_probabilities, class_dim)
                   ).sum(class_dim)
    else:
        smooth = -log_probabilities.sum(class_dim)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target._data[~ignored._data].astype(np.intp)
            denominator = _wrap(np.asarray(weight._data[kept].sum(), weight._data.dtype))
        else:
            denominator = (~ignored).sum()
        smooth = smooth.sum() / denominator
    elif reduction == "sum":
        smooth = smooth.sum()
    return (MulBackward1.apply(nll, factor=1 - label_smoothing)
            + MulBackward1.apply(smooth, factor=label_smoothing / classes))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1] (logs clamped at -100)."""
    require_tensor("binary_cross_entropy", "input", input, 1)
    require_tensor("binary_cross_entropy", "target", target, 2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"Found dtype {type_name(target.dtype)} but expected "
            f"{type_name(input.dtype)} (binary_cross_entropy: the "
            "target must have the input's dtype, e.g. target.float())")
    refuse_integers("binary_cross_entropy", input.dtype, _FLOAT_PREDICTIONS)
    if weight is not None:
        _refuse_grad("binary_cross_entropy", "weight", weight)
        weight = _expand_weight(weight, input)
    values = input._data
    if not ((values >= 0) & (values <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1 (binary_cross_entropy "
                           "takes probabilities: apply sigmoid first, or use "
                           "binary_cross_entropy_with_logits on the raw scores)")
    if not ((target._data >= 0) & (target._data <= 1)).all():
        raise RuntimeError("all elements of target should be between 0 and 1")
    return BinaryCrossEntropyBackward0.apply(input, target, weight=weight, reduction=reduction)


def _expand_weight(weight, input):
    try:
        shape = np.broadcast_shapes(weight._data.shape, input._data.shape)
    except ValueError:
        shape = None
    if shape != input._data.shape:
        raise RuntimeError(
            f"Attempting to broadcast a dimension of length {weight.shape[-1]} at -1! Mismatching "
            f"argument at index 1 had {weight.shape}; but expected shape should be broadcastable "
            f"to {list(input.shape)}")
    return weight.expand(input.shape)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed from the logits without
    overflow; ``pos_weight`` scales the loss of the positive class."""
    require_tensor("binary_cross_entropy_with_logits", "input", input, 1)
    require_tensor("binary_cross_entropy_with_logits", "target", target, 2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    if target._data.dtype.kind != "f":
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type "
            f"{type_name(target.dtype)} "
            "(binary_cross_entropy_with_logits needs a floating-point target: use target.float())")
    refuse_integers("binary_cross_entropy_with_logits", input.dtype, _FLOAT_PREDICTIONS)
    for name, extra in (("weight", weight), ("pos_weight", pos_weight)):
        if extra is not None:
            _refuse_grad("binary_cross_entropy_with_logits", name, extra)
            if _broadcast_shape(extra._data.shape, input._data.shape,
                                (name, "input")) != input._data.shape:
                raise RuntimeError(f"{name} of shape {list(extra.shape)} cannot be broadcast to "
                                   f"the input's shape {list(input.shape)}")
    return BinaryCrossEntropyWithLogitsBackward0.apply(input, target, weight=weight,
                                                       pos_weight=pos_weight, reduction=reduction)
