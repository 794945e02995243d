"""Element-wise functions: exp, log, trigonometry, activations, clamp, rounding,
maximum/minimum, where and masked_fill.

``round``, ``floor``, ``ceil`` and ``sign`` stay in the graph but their
derivative is zero almost everywhere, so no useful gradient flows through
them — the lesson on non-differentiable operations is built on that.

At a kink PyTorch picks one value of the derivative, and so does gradlab:
relu'(0) = 0, |x|'(0) = 0, clamp passes the gradient at its bounds, and
maximum(a, b) splits it in halves where a == b.
"""
import math

import numpy as np

from ..autograd.derivative import Derivatives
from ..autograd.node import Node
from ..dtypes import cast_value, common_float_arrays, get_default_dtype, result_type
from ..tensor import Tensor, _wrap, tensor_from_data
from .arithmetic import _zeros, add_number, div_number, mul_number
from .arithmetic import reciprocal  # reciprocal is also a pointwise function
from .out import into_out
from .strides import lay_out
from .workspace import workspace


def _float_compute(function, a):
    """``function(a)`` in floating point: integers become the default float, and
    float16 is computed in float32 and rounded back, as PyTorch's CPU kernels do."""
    dtype = a.dtype
    if dtype == np.float32 or dtype == np.float64:
        return function(a)
    out_dtype = dtype if dtype.kind == "f" else get_default_dtype().numpy_dtype
    if out_dtype == np.float16:
        return function(a.astype(np.float32)).astype(np.float16)
    return function(a.astype(out_dtype))


def _masked(keep, grad_output):
    """``grad_output`` where ``keep`` holds, 0 elsewhere (a graph op, for double backward).

    Selected, never multiplied by a 0/1 mask: a NaN or inf gradient stays where it is
    kept and gives 0 elsewhere (NaN · 0 would be NaN), as in PyTorch.
    """
    return where(keep, grad_output, grad_output.new_zeros(()))


_SAME_SIZE_INTEGER = {size: np.dtype(f"i{size}") for size in (1, 2, 4, 8)}


def _zero_where(dropped, values, out=None):
    """``np.where(dropped, 0, values)`` (a NaN or inf value that is dropped gives 0).

    Computed as a bitwise AND of each value's bits with all ones (kept) or all zeros
    (dropped): no branch per element, so several times faster than ``np.where`` on the
    random masks of big activations, and never NaN · 0.
    """
    bits = _SAME_SIZE_INTEGER[values.dtype.itemsize]
    # True → 0, False → -1 (all ones), one byte each: the AND widens it to the value's size
    # (a mask as wide as the values would cost a pass over memory of their size)
    keep_bits = np.subtract(dropped.view(np.int8), np.int8(1))
    out = np.empty_like(values) if out is None else out
    np.bitwise_and(values.view(bits), keep_bits, out=out.view(bits))
    return out


# ------------------------------------------------------------------ exp / log
class ExpBackward0(Node):
    """``exp(a)``, element by element."""

    derivatives = Derivatives("exp(a)", a="out")

    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = _float_compute(np.exp, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out


class LogBackward0(Node):
    """``log(a)``, the natural logarithm (-inf at 0, NaN below 0)."""

    derivatives = Derivatives("log(a)", a="1 / a")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _float_compute(np.log, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output / a


class Log1PBackward0(Node):
    """``log(1 + a)``, accurate where a is tiny."""

    derivatives = Derivatives("log1p(a)", a="1 / (1 + a)")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _float_compute(np.log1p, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output / add_number(a, 1)


class Expm1Backward0(Node):
    """``exp(a) - 1``, accurate where a is tiny."""

    derivatives = Derivatives("expm1(a)", a="out + 1")

    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = _float_compute(np.expm1, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * add_number(out, 1)


class SqrtBackward0(Node):
    """``√a`` (NaN below 0; the slope is inf at 0)."""

    derivatives = Derivatives("sqrt(a)", a="1 / (2 * out)")

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = _float_compute(np.sqrt, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output / mul_number(out, 2)


def _rsqrt(a):
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 / np.sqrt(a)


class RsqrtBackward0(Node):
    """``1 / √a``."""

    derivatives = Derivatives("rsqrt(a)", a="-out ** 3 / 2")

    @staticmethod
    def forward(ctx, a):
        out = _float_compute(_rsqrt, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return mul_number(grad_output, -0.5) * out.pow(3)


# -------------------------------------------------------------- trigonometry
class SinBackward0(Node):
    """``sin(a)``, a in radians."""

    derivatives = Derivatives("sin(a)", a="cos(a)")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _float_compute(np.sin, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * a.cos()


class CosBackward0(Node):
    """``cos(a)``, a in radians."""

    derivatives = Derivatives("cos(a)", a="-sin(a)")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _float_compute(np.cos, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * -a.sin()


class TanBackward0(Node):
    """``tan(a)``, a in radians."""

    derivatives = Derivatives("tan(a)", a="1 + out ** 2")

    @staticmethod
    def forward(ctx, a):
        out = _float_compute(np.tan, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * add_number(out.pow(2), 1)


# ------------------------------------------ more logarithms, powers and angles
_LN2, _LN10 = 0.6931471805599453, 2.302585092994046
_TWO_OVER_SQRT_PI = 1.1283791670955126  # 2 / √π, erf's slope at 0


class Log10Backward0(Node):
    """``log₁₀(a)`` = ln(a) / ln(10)."""

    derivatives = Derivatives("log10(a)", a="1 / (a * log(10))")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _float_compute(np.log10, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output / mul_number(a, _LN10)


class Log2Backward0(Node):
    """``log₂(a)`` = ln(a) / ln(2)."""

    derivatives = Derivatives("log2(a)", a="1 / (a * log(2))")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _float_compute(np.log2, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output / mul_number(a, _LN2)


class Exp2Backward0(Node):
    """``2^a``."""

    derivatives = Derivatives("exp2(a)", a="out * log(2)")

    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = _float_compute(np.exp2, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * mul_number(out, _LN2)


class SinhBackward0(Node):
    """``sinh(a)`` = (eᵃ - e⁻ᵃ) / 2."""

    derivatives = Derivatives("sinh(a)", a="cosh(a)")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(over="ignore"):
            return _float_compute(np.sinh, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * cosh(a)


class CoshBackward0(Node):
    """``cosh(a)`` = (eᵃ + e⁻ᵃ) / 2."""

    derivatives = Derivatives("cosh(a)", a="sinh(a)")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(over="ignore"):
            return _float_compute(np.cosh, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * sinh(a)


class AsinBackward0(Node):
    """``arcsin(a)``, in radians (NaN outside [-1, 1])."""

    derivatives = Derivatives("asin(a)", a="1 / sqrt(1 - a ** 2)")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return _float_compute(np.arcsin, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * rsqrt(add_number(-a * a, 1))


class AcosBackward0(Node):
    """``arccos(a)``, in radians (NaN outside [-1, 1])."""

    derivatives = Derivatives("acos(a)", a="-1 / sqrt(1 - a ** 2)")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return _float_compute(np.arccos, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * -rsqrt(add_number(-a * a, 1))


class AtanBackward0(Node):
    """``arctan(a)``, in radians."""

    derivatives = Derivatives("atan(a)", a="1 / (1 + a ** 2)")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _float_compute(np.arctan, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output / add_number(a * a, 1)


class Atan2Backward0(Node):
    """``atan2(a, b)``: the angle of the point (b, a), in (-π, π]."""

    derivatives = Derivatives("atan2(a, b)", a="b / (a ** 2 + b ** 2)", b="-a / (a ** 2 + b ** 2)")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = common_float_arrays(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        inverse = reciprocal(a * a + b * b)
        return (grad_output * b * inverse if needs_a else None,
                grad_output * -a * inverse if needs_b else None)


_erf = np.vectorize(math.erf, otypes=[np.float64])


class ErfBackward0(Node):
    """``erf(a)`` = 2/√π ∫₀ᵃ exp(-t²) dt, the Gauss error function."""

    derivatives = Derivatives("erf(a)", a="2 / sqrt(pi) * exp(-a ** 2)")

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _float_compute(lambda values: _erf(values).astype(values.dtype), a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return mul_number((-a.pow(2)).exp(), _TWO_OVER_SQRT_PI) * grad_output


class LogitBackward0(Node):
    """``log(a / (1 - a))``, the inverse of sigmoid; with ``eps``, a is first clamped to
    [eps, 1 - eps] (and the gradient is 0 outside that range)."""

    derivatives = Derivatives("logit(a, eps)", a="1 / (a * (1 - a))")

    @staticmethod
    def forward(ctx, a, eps):
        ctx.save_for_backward(a)
        ctx.eps = eps

        def logit_of(values):
            if eps is not None:
                values = np.clip(values, eps, 1 - eps)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.log(values / (1 - values))
        return _float_compute(logit_of, a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        eps = ctx.eps
        grad = grad_output / (a * add_number(-a, 1))
        if eps is None:  # outside [0, 1] logit is NaN, and so is its slope
            return grad.masked_fill((a < 0) | (a > 1), math.nan)
        return grad.masked_fill((a < eps) | (a > 1 - eps), 0)


def _xlogy_values(a, b):
    """a · log(b), 0 where a = 0 (unless b is NaN), as PyTorch."""
    a, b = common_float_arrays(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a * np.log(b)
    return np.where((a == 0) & ~np.isnan(b), np.zeros((), out.dtype), out)


class XlogyBackward0(Node):
    """``a · log(b)``, 0 where a = 0 (so 0 · log 0 = 0: entropy's convention)."""

    derivatives = Derivatives("xlogy(a, b)", a="0 if a == 0 and b <= 0 else log(b)", b="a / b")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _xlogy_values(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (xlogy(grad_output, b).masked_fill((a == 0) & (b <= 0), 0) if needs_a else None,
                grad_output * a / b if needs_b else None)


class XlogyBackward1(Node):
    """``a · log(b)`` with a number as ``a``."""

    derivatives = Derivatives("xlogy(a, b)", b="a / b")

    @staticmethod
    def forward(ctx, b, a):
        ctx.save_for_backward(b)
        ctx.a = a
        return _xlogy_values(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        (b,) = ctx.saved_tensors
        return mul_number(grad_output, ctx.a) / b


class XlogyBackward2(Node):
    """``a · log(b)`` with a number as ``b``."""

    derivatives = Derivatives("xlogy(a, b)", a="0 if a == 0 and b <= 0 else log(b)")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a)
        ctx.b = b
        return _xlogy_values(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        grad = xlogy(grad_output, ctx.b)
        return grad if ctx.b > 0 else grad.masked_fill(a == 0, 0)


class FracBackward0(Node):
    """``a - trunc(a)``: the fractional part, with the sign of ``a``."""

    derivatives = Derivatives("frac(a)", a="1")

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind != "f":
            raise NotImplementedError(
                f"\"frac_cpu\" not implemented for '{result_type(a)._type_name}' "
                "(frac needs a floating-point tensor: convert first with .float())")
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, as in PyTorch
            return a - np.trunc(a)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class NanToNumBackward0(Node):
    """``nan_to_num(a, nan, posinf, neginf)``: NaN, inf and -inf replaced by finite numbers
    (by default 0 and the dtype's largest and smallest values)."""

    derivatives = Derivatives("nan_to_num(a)", a="1 if isfinite(a) else 0")

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        ctx.save_for_backward(a)
        if a.dtype.kind != "f":
            return a.copy()
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return _masked(a.isfinite(), grad_output)


# --------------------------------------------------------------- activations
class TanhBackward0(Node):
    """``tanh(a)``: squashes every value into (-1, 1)."""

    derivatives = Derivatives("tanh(a)", a="1 - out ** 2")

    @staticmethod
    def forward(ctx, a):
        out = _float_compute(np.tanh, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return TanhBackwardBackward0.apply(grad_output, out)


# 1 - y² rounded once, as PyTorch's kernel computes it (a fused multiply-add): y² kept exact in
# a wider type first. Rounded twice (y * y, then 1 - that), about 30% of the results differ from
# PyTorch's in the last bit, which the "exact" column of a backprop-by-hand check shows
_WIDER = {np.dtype(np.float32): np.float64, np.dtype(np.float64): np.longdouble}


def _one_minus_square(y):
    wider = _WIDER.get(y.dtype)
    if wider is None:
        return 1 - y * y
    return (1 - np.square(y, dtype=wider)).astype(y.dtype)


class TanhBackwardBackward0(Node):
    """tanh's backward as an op (for double backward): ``grad · (1 - y²)``, y = tanh(a)."""

    derivatives = Derivatives("grad · (1 - y²)", grad="1 - y ** 2", y="-2 * y * grad")

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(grad, y)
        return grad * _one_minus_square(y)

    @staticmethod
    def backward(ctx, grad_output):
        grad, y = ctx.saved_tensors
        needs_grad, needs_y = ctx.needs_input_grad
        return (TanhBackwardBackward0.apply(grad_output, y) if needs_grad else None,
                grad_output * (mul_number(y, -2) * grad) if needs_y else None)


def _sigmoid(a):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-a))  # exp overflows to inf for very negative a: 1 / inf = 0


class SigmoidBackward0(Node):
    """``σ(a) = 1 / (1 + exp(-a))``: squashes every value into (0, 1)."""

    derivatives = Derivatives("sigmoid(a)", a="out * (1 - out)")

    @staticmethod
    def forward(ctx, a):
        out = _float_compute(_sigmoid, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return SigmoidBackwardBackward0.apply(grad_output, out)


class SigmoidBackwardBackward0(Node):
    """sigmoid's backward as an op (for double backward): ``grad · (1 - y) · y``, y = σ(a)."""

    derivatives = Derivatives("grad · (1 - y) · y", grad="(1 - y) * y", y="grad * (1 - 2 * y)")

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(grad, y)
        return grad * (1 - y) * y

    @staticmethod
    def backward(ctx, grad_output):
        grad, y = ctx.saved_tensors
        needs_grad, needs_y = ctx.needs_input_grad
        return (SigmoidBackwardBackward0.apply(grad_output, y) if needs_grad else None,
                grad_output * grad * add_number(mul_number(y, -2), 1) if needs_y else None)


class ReluBackward0(Node):
    """``max(a, 0)``: negative values become 0 (NaN stays NaN)."""

    derivatives = Derivatives("relu(a)", a="0 if out <= 0 else 1")  # 1 where out is NaN

    @staticmethod
    def forward(ctx, a):
        # keeps NaN, like PyTorch; big activations reuse memory (see workspace.py)
        out = np.maximum(a, np.zeros((), a.dtype), out=workspace.empty(a.shape, a.dtype))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return ThresholdBackwardBackward0.apply(grad_output, out, threshold=0)


class ThresholdBackwardBackward0(Node):
    """relu's backward as an op (PyTorch's ``threshold_backward``, for double backward):
    0 where y <= threshold, ``grad`` elsewhere (also where y is NaN), y = relu(a)."""

    derivatives = Derivatives("grad · [y > threshold]", grad="0 if y <= threshold else 1", y="0")

    @staticmethod
    def forward(ctx, grad, y, threshold):
        ctx.threshold = threshold
        ctx.save_for_backward(y)
        # big activations reuse memory (see workspace.py)
        dropped = np.less_equal(y, threshold, out=workspace.empty(y.shape, np.bool_))
        return _zero_where(dropped, grad, out=workspace.empty(y.shape, grad.dtype))

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        needs_grad, needs_y = ctx.needs_input_grad
        return (ThresholdBackwardBackward0.apply(grad_output, y, threshold=ctx.threshold)
                if needs_grad else None,
                _zeros(grad_output) if needs_y else None)


class AbsBackward0(Node):
    """``|a|``, element by element."""

    derivatives = Derivatives("|a|", a="sign(a)")

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise NotImplementedError("abs is not implemented for bool tensors "
                                      "(\"abs_cpu\" not implemented for 'Bool')")
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * sgn(a)


# --------------------------------------------------------------------- clamp
def _clamp_values(a, low, high):
    """min(max(a, low), high) in the result dtype; a bound may be None (absent)."""
    dtype = result_type(a, low, high).numpy_dtype
    out = cast_value(a, dtype)
    if low is not None:
        out = np.maximum(out, cast_value(low, dtype))
    if high is not None:
        out = np.minimum(out, cast_value(high, dtype))
    return out if out is not a else a.copy()


def _inside(a, low, high):
    """Where ``low <= a <= high`` (a bound may be None); the gradient passes there."""
    inside = None
    if low is not None:
        inside = a >= low
    if high is not None:
        below = a <= high
        inside = below if inside is None else inside & below
    return inside


class ClampBackward1(Node):
    """``min(max(a, min), max)`` with numbers as bounds; a bound left out (None) is no limit."""

    derivatives = Derivatives("clamp(a, min, max)", a="1 if min <= a <= max else 0")

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        ctx.save_for_backward(a)
        ctx.min, ctx.max = min, max
        return _clamp_values(a, min, max)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return _masked(_inside(a, ctx.min, ctx.max), grad_output)


def _into_first(first, second, combine):
    """``first & second`` (or ``|``) computed in place into ``first``, as PyTorch's clamp backward
    does, so with its error when ``second`` would make the result bigger."""
    shape = np.broadcast_shapes(first.shape, second.shape)
    if shape != tuple(first.shape):
        raise RuntimeError(
            f"output with shape {list(first.shape)} doesn't match the broadcast shape {list(shape)} "
            "(clamp's backward: a tensor bound broadcasts the result beyond the input's shape; "
            "expand the input first, e.g. x.expand(result_shape).clamp(min, max))")
    return first & second if combine == "and" else first | second


class ClampBackward0(Node):
    """``min(max(a, min), max)`` with tensors as bounds (when min > max the result is max)."""

    derivatives = Derivatives("clamp(a, min, max)", a="1 if min <= a <= max else 0",
                              min="1 if a < min < max else 0", max="1 if a > max or max < min else 0")

    @staticmethod
    def forward(ctx, a, low, high):
        ctx.save_for_backward(a, low, high)
        return _clamp_values(a, low, high)

    @staticmethod
    def backward(ctx, grad_output):
        a, low, high = ctx.saved_tensors
        needs_a, needs_low, needs_high = ctx.needs_input_grad
        grad_a = grad_low = grad_high = None
        if low is not None and high is not None:
            # PyTorch combines each pair of masks in place into the first (logical_and_), which
            # fails when the second broadcasts to a bigger shape (checked in PyTorch's order)
            # when min > max the result is max everywhere, so min gets no gradient
            if needs_low:
                grad_low = _masked(_into_first(a < low, low < high, "and"), grad_output)
            if needs_high:
                grad_high = _masked(_into_first(a > high, high < low, "or"), grad_output)
            if needs_a:
                grad_a = _masked(_into_first(a >= low, a <= high, "and"), grad_output)
            return grad_a, grad_low, grad_high
        if needs_a:  # one bound only
            grad_a = _masked(_inside(a, low, high), grad_output)
        if needs_low:
            grad_low = _masked(a < low, grad_output)
        if needs_high:
            grad_high = _masked(a > high, grad_output)
        return grad_a, grad_low, grad_high


class ClampMinBackward0(Node):
    """``max(a, min)``, min a number."""

    derivatives = Derivatives("clamp_min(a, min)", a="1 if a >= min else 0")

    @staticmethod
    def forward(ctx, a, min):
        ctx.save_for_backward(a)
        ctx.min = min
        return _clamp_values(a, min, None)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return _masked(a >= ctx.min, grad_output)


class ClampMaxBackward0(Node):
    """``min(a, max)``, max a number."""

    derivatives = Derivatives("clamp_max(a, max)", a="1 if a <= max else 0")

    @staticmethod
    def forward(ctx, a, max):
        ctx.save_for_backward(a)
        ctx.max = max
        return _clamp_values(a, None, max)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return _masked(a <= ctx.max, grad_output)


class ClampMinBackward1(Node):
    """``max(a, min)``, min a tensor."""

    derivatives = Derivatives("clamp_min(a, min)", a="1 if a >= min else 0",
                              min="1 if a < min else 0")

    @staticmethod
    def forward(ctx, a, low):
        ctx.save_for_backward(a, low)
        return _clamp_values(a, low, None)

    @staticmethod
    def backward(ctx, grad_output):
        a, low = ctx.saved_tensors
        needs_a, needs_low = ctx.needs_input_grad
        return (_masked(a >= low, grad_output) if needs_a else None,
                _masked(a < low, grad_output) if needs_low else None)


class ClampMaxBackward1(Node):
    """``min(a, max)``, max a tensor."""

    derivatives = Derivatives("clamp_max(a, max)", a="1 if a <= max else 0",
                              max="1 if a > max else 0")

    @staticmethod
    def forward(ctx, a, high):
        ctx.save_for_backward(a, high)
        return _clamp_values(a, None, high)

    @staticmethod
    def backward(ctx, grad_output):
        a, high = ctx.saved_tensors
        needs_a, needs_high = ctx.needs_input_grad
        return (_masked(a <= high, grad_output) if needs_a else None,
                _masked(a > high, grad_output) if needs_high else None)


# ---------------------------------------------------------- maximum / minimum
class MaximumBackward0(Node):
    """The larger of a and b, element by element (NaN if either is NaN)."""

    derivatives = Derivatives("maximum(a, b)", a="0 if a < b else 0.5 if a == b else 1",
                              b="0 if b < a else 0.5 if a == b else 1")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        dtype = result_type(a, b).numpy_dtype
        return np.maximum(cast_value(a, dtype), cast_value(b, dtype))

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_at_ties(grad_output, a, b, a < b, a > b, ctx.needs_input_grad)


class MinimumBackward0(Node):
    """The smaller of a and b, element by element (NaN if either is NaN)."""

    derivatives = Derivatives("minimum(a, b)", a="0 if a > b else 0.5 if a == b else 1",
                              b="0 if b > a else 0.5 if a == b else 1")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        dtype = result_type(a, b).numpy_dtype
        return np.minimum(cast_value(a, dtype), cast_value(b, dtype))

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_at_ties(grad_output, a, b, a > b, a < b, ctx.needs_input_grad)


def _split_at_ties(grad_output, a, b, a_loses, b_loses, needs):
    """The gradient goes to the winner; at a tie each input gets half (PyTorch's rule).
    With a NaN neither input loses, so both get the whole gradient."""
    def share(loses):  # built once for each input, as PyTorch does
        return where(a == b, div_number(grad_output, 2), grad_output).masked_fill(loses, 0)

    return share(a_loses) if needs[0] else None, share(b_loses) if needs[1] else None


# ------------------------------------------- piecewise constant: zero gradient
class _ZeroGradient(Node):
    """A step function: flat almost everywhere, so its derivative is 0 and no
    gradient flows back, although the op stays in the graph."""

    @staticmethod
    def backward(ctx, grad_output):
        return _zeros(grad_output)


class RoundBackward0(_ZeroGradient):
    """``round(a)``: the nearest integer, halves to even (as PyTorch)."""

    derivatives = Derivatives("round(a)", a="0")

    @staticmethod
    def forward(ctx, a):
        return np.round(a) if a.dtype.kind == "f" else a.copy()


class RoundBackward1(_ZeroGradient):
    """``round(a, decimals)``: rounded to ``decimals`` digits after the point."""

    derivatives = Derivatives("round(a, decimals)", a="0")

    @staticmethod
    def forward(ctx, a, decimals):
        if a.dtype.kind != "f":
            raise NotImplementedError(
                f"round(decimals={decimals}) is only implemented for floating point tensors "
                f"(\"round_cpu\" not implemented for '{result_type(a)._type_name}')"
            )
        return _float_compute(lambda values: np.round(values, decimals), a)


class FloorBackward0(_ZeroGradient):
    """``⌊a⌋``: the largest integer ≤ a."""

    derivatives = Derivatives("floor(a)", a="0")

    @staticmethod
    def forward(ctx, a):
        return np.floor(a) if a.dtype.kind == "f" else a.copy()


class CeilBackward0(_ZeroGradient):
    """``⌈a⌉``: the smallest integer ≥ a."""

    derivatives = Derivatives("ceil(a)", a="0")

    @staticmethod
    def forward(ctx, a):
        return np.ceil(a) if a.dtype.kind == "f" else a.copy()


class TruncBackward0(_ZeroGradient):
    """a rounded towards zero."""

    derivatives = Derivatives("trunc(a)", a="0")

    @staticmethod
    def forward(ctx, a):
        return np.trunc(a) if a.dtype.kind == "f" else a.copy()


class SignBackward0(_ZeroGradient):
    """``sign(a)``: -1, 0 or 1 (0 for NaN, as PyTorch)."""

    derivatives = Derivatives("sign(a)", a="0")

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            return a.copy()
        out = np.sign(a)
        return np.nan_to_num(out, nan=0.0) if out.dtype.kind == "f" else out  # sign(nan) = 0


class SgnBackward0(_ZeroGradient):
    """``sgn(a)``: sign(a) for real numbers (a / |a| for complex ones, which gradlab has not);
    the sign that abs and norm's backward multiply by, as PyTorch's do."""

    derivatives = Derivatives("sgn(a)", a="0")
    forward = staticmethod(SignBackward0.forward)


# ------------------------------------------------------- where and masked_fill
class WhereBackward0(Node):
    """``a`` where ``condition`` holds, else ``b`` (the bool condition is a parameter, not an input)."""

    derivatives = Derivatives("where(condition, a, b)", a="1 if condition else 0",
                              b="0 if condition else 1")
    output_layout = None  # laid out by forward: the condition counts first, as in PyTorch

    @staticmethod
    def forward(ctx, a, b, condition):
        ctx.condition = condition  # named for the derivative formulas
        ctx.save_for_backward(condition)  # a tensor: changing it in place later is caught
        dtype = result_type(a, b).numpy_dtype
        out = np.where(condition._data, cast_value(a, dtype), cast_value(b, dtype))
        return lay_out(out, (condition._data, a, b), "pointwise")

    @staticmethod
    def backward(ctx, grad_output):
        (condition,) = ctx.saved_tensors
        zero = grad_output.new_zeros(())
        needs_a, needs_b = ctx.needs_input_grad
        return (where(condition, grad_output, zero) if needs_a else None,
                where(condition, zero, grad_output) if needs_b else None)


class MaskedFillBackward0(Node):
    """``a`` with ``value`` (a number) wherever ``mask`` is True."""

    derivatives = Derivatives("a.masked_fill(mask, value)", a="0 if mask else 1")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.mask = mask  # named for the derivative formulas
        ctx.save_for_backward(mask)  # changing it in place later is caught
        return np.where(mask._data, cast_value(value, a.dtype), a)

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        return grad_output.masked_fill(mask, 0)


class MaskedFillBackward1(Node):
    """``a`` with ``value`` (a 0-d tensor, an input) wherever ``mask`` is True."""

    derivatives = Derivatives("a.masked_fill(mask, value)", a="0 if mask else 1",
                              value="1 if mask else 0")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, value, mask):
        ctx.mask = mask  # named for the derivative formulas
        ctx.save_for_backward(mask)  # changing it in place later is caught
        return np.where(mask._data, value.astype(a.dtype), a)

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        needs_a, needs_value = ctx.needs_input_grad
        return (grad_output.masked_fill(mask, 0) if needs_a else None,
                grad_output.masked_select(mask).sum() if needs_value else None)


# ------------------------------------------------------------------ functions
def exp(input, *, out=None):
    if out is not None:
        return into_out("exp", out, exp, input)
    return ExpBackward0.apply(input)


def log(input, *, out=None):
    if out is not None:
        return into_out("log", out, log, input)
    return LogBackward0.apply(input)


def log1p(input):
    return Log1PBackward0.apply(input)


def expm1(input):
    return Expm1Backward0.apply(input)


def sqrt(input):
    return SqrtBackward0.apply(input)


def rsqrt(input):
    return RsqrtBackward0.apply(input)


def sin(input):
    return SinBackward0.apply(input)


def cos(input):
    return CosBackward0.apply(input)


def tan(input):
    return TanBackward0.apply(input)


def tanh(input):
    return TanhBackward0.apply(input)


def log10(input):
    return Log10Backward0.apply(input)


def log2(input):
    return Log2Backward0.apply(input)


def exp2(input):
    return Exp2Backward0.apply(input)


def sinh(input):
    return SinhBackward0.apply(input)


def cosh(input):
    return CoshBackward0.apply(input)


def asin(input):
    return AsinBackward0.apply(input)


def acos(input):
    return AcosBackward0.apply(input)


def atan(input):
    return AtanBackward0.apply(input)


arcsin, arccos, arctan = asin, acos, atan


def atan2(input, other):
    """The angle of the point (other, input) in radians, element by element."""
    return Atan2Backward0.apply(*_two_tensors("atan2", input, other))


arctan2 = atan2


def erf(input):
    return ErfBackward0.apply(input)


def logit(input, eps=None):
    """log(p / (1 - p)); ``eps`` clamps p to [eps, 1 - eps] first."""
    return LogitBackward0.apply(input, None if eps is None else float(eps))


def xlogy(input, other):
    """input · log(other), 0 where input is 0; either may be a number."""
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        return XlogyBackward0.apply(input, other)
    if isinstance(other, Tensor):
        return XlogyBackward1.apply(other, input)
    if isinstance(input, Tensor):
        return XlogyBackward2.apply(input, other)
    raise TypeError(f"xlogy(): expected a Tensor, got {type(input).__name__} and "
                    f"{type(other).__name__}")


def frac(input):
    return FracBackward0.apply(input)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN → ``nan``, inf → ``posinf``, -inf → ``neginf`` (default: the dtype's extremes)."""
    return NanToNumBackward0.apply(input, nan, posinf, neginf)


def sigmoid(input):
    return SigmoidBackward0.apply(input)


def relu(input):
    return ReluBackward0.apply(input)


def abs(input):
    return AbsBackward0.apply(input)


absolute = abs


def square(input):
    """``input ** 2`` (grad_fn ``PowBackward0``, as in PyTorch)."""
    return input ** 2


def clamp(input, min=None, max=None):
    """Limit every element to [min, max]; either bound may be left out."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    min, max = (_number_if_plain_scalar(b, other) for b, other in ((min, max), (max, min)))
    bounds_are_tensors = [isinstance(b, Tensor) for b in (min, max) if b is not None]
    if all(bounds_are_tensors):
        return ClampBackward0.apply(input, min, max)
    if any(bounds_are_tensors):
        raise TypeError(
            f"clamp(): min and max must both be tensors or both be numbers, got "
            f"{type(min).__name__} and {type(max).__name__}"
        )
    return ClampBackward1.apply(input, min=min, max=max)


clip = clamp


def _number_if_plain_scalar(bound, other):
    """A 0-d tensor that does not require grad, beside a number, is read as a number
    (PyTorch's argument parser does so; ``x.clamp(torch.tensor(0.), 1.)`` is ClampBackward1)."""
    if (isinstance(bound, Tensor) and other is not None and not isinstance(other, Tensor)
            and bound.ndim == 0 and not bound.requires_grad):
        return bound.item()
    return bound


def clamp_min(input, min):
    """Limit every element to at least ``min`` (a number or a tensor)."""
    if isinstance(min, Tensor):
        return ClampMinBackward1.apply(input, min)
    return ClampMinBackward0.apply(input, min)


def clamp_max(input, max):
    """Limit every element to at most ``max`` (a number or a tensor)."""
    if isinstance(max, Tensor):
        return ClampMaxBackward1.apply(input, max)
    return ClampMaxBackward0.apply(input, max)


def round(input, *, decimals=0):
    if decimals:
        return RoundBackward1.apply(input, decimals)
    return RoundBackward0.apply(input)


def floor(input):
    return FloorBackward0.apply(input)


def ceil(input):
    return CeilBackward0.apply(input)


def trunc(input):
    return TruncBackward0.apply(input)


fix = trunc


def sign(input):
    return SignBackward0.apply(input)


def sgn(input):
    """sign(x) for real tensors (PyTorch's sign that extends to complex numbers)."""
    return SgnBackward0.apply(input)


def _two_tensors(function, input, other, hint=""):
    """``input`` and ``other``, which must both be tensors (``hint``: what to do with a number)."""
    for argument, position, value in (("input", 1, input), ("other", 2, other)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{function}(): argument '{argument}' (position {position}) must be "
                            f"Tensor, not {type(value).__name__}" + hint.format(value=value))
    return input, other


def maximum(input, other):
    """The element-wise larger of two tensors."""
    return MaximumBackward0.apply(
        *_two_tensors("maximum", input, other, " (for a number use torch.clamp(x, min={value!r}))"))


def minimum(input, other):
    """The element-wise smaller of two tensors."""
    return MinimumBackward0.apply(
        *_two_tensors("minimum", input, other, " (for a number use torch.clamp(x, max={value!r}))"))


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other``; ``where(cond)`` lists the positions."""
    condition = _as_tensor(condition)
    if input is None and other is None:
        return tuple(_wrap(index.astype(np.int64)) for index in np.nonzero(condition._data))
    if condition._data.dtype != np.bool_:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition.dtype._type_name} (compare first, e.g. torch.where(x > 0, a, b))"
        )
    return WhereBackward0.apply(_operand(input), _operand(other), condition)


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` is True (out of place)."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {got} "
            "(make one with a comparison, e.g. x > 0)"
        )
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        return MaskedFillBackward1.apply(input, value, mask)
    return MaskedFillBackward0.apply(input, mask, value)


def _as_tensor(value):
    if isinstance(value, Tensor):
        return value

    return tensor_from_data(value)


def _operand(value):
    if isinstance(value, np.ndarray):
        return _as_tensor(value)
    return value
