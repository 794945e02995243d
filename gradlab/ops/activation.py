"""Activations that ``torch.nn.functional`` adds to the element-wise ones of
``pointwise`` (relu, sigmoid, tanh live there): leaky_relu, gelu, and dropout (of elements,
or of whole channels: dropout1d, dropout2d).  More activations: smooth_activation.py
(silu, mish, softplus, elu, ...) and piecewise_activation.py (hardtanh, threshold, prelu).

GELU weighs its input by the probability that a standard normal variable is
smaller: gelu(x) = x·Φ(x).  Its derivative Φ(x) + x·φ(x) is itself an op
(``GeluBackwardBackward0``, PyTorch's name for it), so a second derivative
(``create_graph=True``) is one more rule, not a re-derivation.

Dropout has no node of its own: on the CPU PyTorch multiplies the input by a
random mask of 0 and 1/(1-p), so its grad_fn is ``MulBackward0`` — and so is
gradlab's.  Channel dropout draws one mask entry per (sample, channel), of shape
(N, C, 1, 1), which the multiplication broadcasts over the feature map.
"""
import math
import warnings

import numpy as np

from ..autograd.derivative import Derivatives
from ..autograd.node import Node
from ..dtypes import type_name
from ..random import default_generator
from ..tensor import Tensor, _wrap
from .arguments import refuse_integers
from .arithmetic import mul_number
from .inplace import apply_inplace

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_SCALE = math.sqrt(2.0 / math.pi)  # the tanh approximation: tanh(√(2/π)(x + 0.044715 x³))
_TANH_CUBIC = 0.044715


FLOAT_ONLY = "this activation needs a floating-point tensor: convert with .float()"


# ---------------------------------------------------------------- leaky_relu
class LeakyReluBackward0(Node):
    """``a`` where a > 0, ``negative_slope · a`` elsewhere."""

    derivatives = Derivatives("leaky_relu(a, negative_slope)", a="1 if a > 0 else negative_slope")

    @staticmethod
    def forward(ctx, a, negative_slope):
        refuse_integers("leaky_relu_cpu", a.dtype, FLOAT_ONLY)
        ctx.negative_slope = negative_slope
        ctx.save_for_backward(a)
        return a * _slopes(a, negative_slope)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return LeakyReluBackwardBackward0.apply(grad_output, a, negative_slope=ctx.negative_slope)


class LeakyReluBackward1(LeakyReluBackward0):
    """``leaky_relu_`` (in place): the input is overwritten, so backward reads the result instead
    (out > 0 exactly where a > 0, which needs negative_slope >= 0, as in PyTorch)."""

    derivatives = Derivatives("leaky_relu_(a, negative_slope)", a="1 if out > 0 else negative_slope")

    @staticmethod
    def forward(ctx, a, negative_slope):
        refuse_integers("leaky_relu_cpu", a.dtype, FLOAT_ONLY)
        ctx.negative_slope = negative_slope
        out = a * _slopes(a, negative_slope)
        ctx.save_for_backward(out)  # the input is overwritten: keep the result instead
        return out

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.negative_slope < 0:
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope which "
                "is not supported. This is caused by calling in-place forward function with a "
                "negative slope, please call out-of-place version instead.")
        (out,) = ctx.saved_tensors
        return LeakyReluBackwardBackward0.apply(grad_output, out, negative_slope=ctx.negative_slope)


class LeakyReluBackwardBackward0(Node):
    """leaky_relu's backward as an op (for double backward): ``grad`` where a > 0,
    ``negative_slope · grad`` elsewhere."""

    derivatives = Derivatives("grad · leaky_relu'(a)", grad="1 if a > 0 else negative_slope", a="0")

    @staticmethod
    def forward(ctx, grad, a, negative_slope):
        ctx.negative_slope = negative_slope
        ctx.save_for_backward(a)
        return grad * _slopes(a, negative_slope)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        needs_grad, needs_a = ctx.needs_input_grad
        return (LeakyReluBackwardBackward0.apply(grad_output, a, negative_slope=ctx.negative_slope)
                if needs_grad else None,
                grad_output.new_zeros(a.shape) if needs_a else None)


def _slopes(a, negative_slope):
    """1 where a > 0, negative_slope elsewhere: a lookup in [slope, 1] (np.where is several
    times slower when the signs are random)."""
    return np.take(np.array([negative_slope, 1], a.dtype), (a > 0).view(np.uint8))


# ---------------------------------------------------------------------- gelu
def _erf(values):
    """erf, element by element: NumPy has none, the standard library's is exact."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    out = np.fromiter(map(math.erf, flat.tolist()), dtype=np.float64, count=flat.size)
    return out.reshape(np.shape(values))


def _gelu_values(a, approximate):
    if approximate == "tanh":
        inner = _TANH_SCALE * (a + _TANH_CUBIC * a * a * a)
        return 0.5 * a * (1 + np.tanh(inner))
    cdf = 0.5 * (1 + _erf(a.astype(np.float64) * _SQRT_HALF))  # Φ(a), computed in float64
    return (a * cdf).astype(a.dtype, copy=False)


def _gelu_derivative(a, approximate):
    """d gelu / da as a NumPy array."""
    if approximate == "tanh":
        inner = _TANH_SCALE * (a + _TANH_CUBIC * a * a * a)
        tanh = np.tanh(inner)
        inner_slope = _TANH_SCALE * (1 + 3 * _TANH_CUBIC * a * a)
        return 0.5 * (1 + tanh) + 0.5 * a * (1 - tanh * tanh) * inner_slope
    wide = a.astype(np.float64)
    cdf = 0.5 * (1 + _erf(wide * _SQRT_HALF))
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * wide * wide)
    return (cdf + wide * pdf).astype(a.dtype, copy=False)


def _gelu_second_derivative(a, approximate):
    """d² gelu / da², written with tensor ops so that it can be differentiated again."""
    if approximate == "tanh":
        inner = (a + a * a * a * _TANH_CUBIC) * _TANH_SCALE
        tanh = inner.tanh()
        inner_slope = (a * a * (3 * _TANH_CUBIC) + 1) * _TANH_SCALE
        inner_curvature = a * (6 * _TANH_CUBIC * _TANH_SCALE)
        return (1 - tanh * tanh) * (inner_slope - a * tanh * inner_slope * inner_slope
                                    + a * inner_curvature * 0.5)
    # d/da [Φ(a) + a·φ(a)] = φ + φ - a²φ, in PyTorch's steps (gelu_double_backward)
    squared = a * a
    pdf = mul_number(mul_number(squared, -0.5).exp(), _INV_SQRT_2PI)
    return mul_number(pdf, 2) - squared * pdf


# gelu'(a), for GeluBackward0 and again for the backward's own op (Φ, φ: see derivative.py)
_GELU_SLOPE = "normal_cdf(a, approximate) + a * normal_pdf(a, approximate)"


class GeluBackward0(Node):
    """``a · Φ(a)``, Φ the standard normal CDF.

    ``approximate='tanh'`` uses Φ(a) ≈ ½(1 + tanh(√(2/π)(a + 0.044715 a³))).
    """

    derivatives = Derivatives("gelu(a)", a=_GELU_SLOPE)

    @staticmethod
    def forward(ctx, a, approximate):
        refuse_integers("GeluKernelImpl", a.dtype, FLOAT_ONLY)
        ctx.approximate = approximate
        ctx.save_for_backward(a)
        return _gelu_values(a, approximate)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return GeluBackwardBackward0.apply(grad_output, a, approximate=ctx.approximate)


class GeluBackwardBackward0(Node):
    """GELU's backward as an op (for double backward): ``grad · (Φ(a) + a·φ(a))``."""

    derivatives = Derivatives(
        "grad · gelu'(a)", grad=_GELU_SLOPE,
        a="grad * (2 * normal_pdf(a, approximate) + a * normal_pdf_slope(a, approximate))")

    @staticmethod
    def forward(ctx, grad, a, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(grad, a)
        return grad * _gelu_derivative(a, approximate)

    @staticmethod
    def backward(ctx, grad_output):
        grad, a = ctx.saved_tensors
        needs_grad, needs_a = ctx.needs_input_grad
        return (GeluBackwardBackward0.apply(grad_output, a, approximate=ctx.approximate)
                if needs_grad else None,
                grad_output * grad * _gelu_second_derivative(a, ctx.approximate)
                if needs_a else None)


# ------------------------------------------------------------------ functions
def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, ``negative_slope``·x elsewhere (a small slope keeps gradients alive)."""
    if inplace:
        return apply_inplace(input, LeakyReluBackward1, negative_slope=negative_slope)
    return LeakyReluBackward0.apply(input, negative_slope=negative_slope)


def gelu(input, approximate="none"):
    """x·Φ(x), Φ the standard normal CDF (``approximate='tanh'``: the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return GeluBackward0.apply(input, approximate=approximate)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p), so the
    expected value is unchanged; the identity (the same tensor) when not training.

    The mask comes from gradlab's generator: ``gradlab.manual_seed`` makes it
    reproducible, but the pattern differs from PyTorch's (another generator).
    """
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input._data.size == 0:
        return input
    return _multiply_by_mask(input, p, input._data.shape, inplace)


def _multiply_by_mask(input, p, mask_shape, inplace):
    """input · mask, the mask 0 with probability p and 1/(1-p) otherwise (MulBackward0)."""
    dtype = input._data.dtype
    if dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{type_name(dtype)} (dropout scales by 1/(1-p): it needs a "
                           "floating-point tensor, e.g. x.float())")
    if p == 1:
        mask = np.zeros((), dtype)
    else:
        keep = default_generator._rng.random(mask_shape) < 1 - p
        mask = keep.astype(dtype) / np.asarray(1 - p, dtype)  # 0 or 1/(1-p), in the input's dtype
    mask = _wrap(mask)
    if inplace:
        return input.mul_(mask)
    return input * mask


def _feature_dropout(input, p, training, inplace):
    """Zero whole channels: one mask entry per (sample, channel), shape (N, C, 1, ..., 1)."""
    if not training or p == 0 or input._data.size == 0:
        return input
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    mask_shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    return _multiply_by_mask(input, p, mask_shape, inplace)


def _check_probability(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero each channel of each sample (a whole (H, W) feature map) with probability ``p``,
    scaling the rest by 1/(1-p); input (N, C, H, W).  A 3-d input is read as (N, C, L), with
    PyTorch's warning."""
    _check_probability(p)
    dims = input.dim()
    if dims not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {dims}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and "
            "an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if dims == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero each channel of each sample (a whole length-L signal) with probability ``p``;
    input (N, C, L) or (C, L)."""
    _check_probability(p)
    dims = input.dim()
    if dims not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {dims}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
            "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if dims == 3:
        return _feature_dropout(input, p, training, inplace)
    batched = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _feature_dropout(batched, p, training, inplace)
    return result.squeeze_(0) if inplace else result.squeeze(0)


def one_hot(tensor, num_classes=-1):
    """Class indices (int64) → rows of 0/1 with a 1 at each index (int64, no gradient)."""
    if not isinstance(tensor, Tensor) or tensor._data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor. "
                           "(convert class indices with .long())")
    values = tensor._data
    if num_classes == -1:
        if values.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(values.max()) + 1
    if values.size and values.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if values.size and values.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _wrap((values[..., None] == np.arange(num_classes)).astype(np.int64))
