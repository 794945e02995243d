"""Smooth activations: silu, mish, softplus, logsigmoid and the ELU family (elu, selu, celu).

Each is one node named as PyTorch's grad_fn.  Two kinds of backward, as in PyTorch:

- silu and mish write their derivative with ordinary tensor ops (PyTorch's
  ``infinitely_differentiable_*_backward``), so a second derivative is just the
  graph of that formula: ``MulBackward0``, ``SigmoidBackward0``, ...;
- softplus, logsigmoid and elu have a backward op of their own
  (``SoftplusBackwardBackward0``, ...), whose backward gives the second derivative.

Every formula is computed in PyTorch's order, so NaN and inf gradients arriving
from above spread exactly as they do in PyTorch.
"""
import numpy as np

from ..autograd.derivative import Derivatives
from ..autograd.node import Node
from ..tensor import _wrap
from .activation import FLOAT_ONLY
from .arguments import refuse_integers
from .arithmetic import add_number, mul_number
from .inplace import apply_inplace
from .pointwise import _sigmoid


def _one_minus(value):
    """``1 - value`` as PyTorch's backward formulas write it: SubBackward0 of a constant 1."""
    return _wrap(np.ones((), value._data.dtype)) - value


# ====================================================================== silu
class SiluBackward0(Node):
    """``a · σ(a)`` (SiLU, also called swish)."""

    derivatives = Derivatives("silu(a)", a="sigmoid(a) * (1 + a * (1 - sigmoid(a)))")

    @staticmethod
    def forward(ctx, a):
        refuse_integers("silu_cpu", a.dtype, FLOAT_ONLY)
        ctx.save_for_backward(a)
        return a * _sigmoid(a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        sigmoid = a.sigmoid()
        return grad_output * sigmoid * add_number(a * _one_minus(sigmoid), 1)


# ====================================================================== mish
class MishBackward0(Node):
    """``a · tanh(softplus(a))``, softplus(a) = log(1 + eᵃ)."""

    derivatives = Derivatives(
        "mish(a)",
        a="tanh(log1p(exp(a))) + a * sigmoid(a) * (1 - tanh(log1p(exp(a))) ** 2)")

    @staticmethod
    def forward(ctx, a):
        refuse_integers("mish_cpu", a.dtype, FLOAT_ONLY)
        ctx.save_for_backward(a)
        with np.errstate(over="ignore"):
            return a * np.tanh(np.log1p(np.exp(a)))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        sigmoid = a.sigmoid()
        tanh_softplus = a.exp().log1p().tanh()
        return grad_output * (tanh_softplus
                              + a * sigmoid * _one_minus(tanh_softplus * tanh_softplus))


# ================================================================== softplus
_SOFTPLUS_SLOPE = "sigmoid(beta * a) if beta * a <= threshold else 1"


def _softplus_slope(grad, a, beta, threshold):
    """grad · σ(βa), written grad·z/(z + 1) with z = e^(βa) as PyTorch; grad above the threshold."""
    scaled = a * beta
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.exp(scaled)
        return np.where(scaled > threshold, grad, grad * z / (z + 1)).astype(grad.dtype, copy=False)


class SoftplusBackward0(Node):
    """``log(1 + e^(βa)) / β`` (a smooth relu); ``a`` itself where βa > threshold."""

    derivatives = Derivatives("softplus(a, beta, threshold)", a=_SOFTPLUS_SLOPE)

    @staticmethod
    def forward(ctx, a, beta, threshold):
        refuse_integers("softplus_cpu", a.dtype, FLOAT_ONLY)
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(a)
        scaled = a * beta
        with np.errstate(over="ignore"):
            smooth = np.log1p(np.exp(scaled)) / beta
        return np.where(scaled > threshold, a, smooth).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return SoftplusBackwardBackward0.apply(grad_output, a, beta=ctx.beta,
                                               threshold=ctx.threshold)


class SoftplusBackwardBackward0(Node):
    """softplus's backward as an op: ``grad · σ(βa)`` (``grad`` where βa > threshold)."""

    derivatives = Derivatives(
        "grad · softplus'(a)", grad=_SOFTPLUS_SLOPE,
        a="grad * beta * sigmoid(beta * a) * (1 - sigmoid(beta * a)) if beta * a <= threshold else 0")

    @staticmethod
    def forward(ctx, grad, a, beta, threshold):
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(grad, a)
        return _softplus_slope(grad, a, beta, threshold)

    @staticmethod
    def backward(ctx, grad_output):
        grad, a = ctx.saved_tensors
        needs_grad, needs_a = ctx.needs_input_grad
        grad_grad = grad_a = None
        if needs_grad:
            grad_grad = SoftplusBackwardBackward0.apply(grad_output, a, beta=ctx.beta,
                                                        threshold=ctx.threshold)
        if needs_a:
            scaled = mul_number(a, ctx.beta)
            sigmoid = scaled.sigmoid()
            curvature = mul_number(sigmoid * _one_minus(sigmoid), ctx.beta)
            grad_a = (grad * grad_output * curvature).masked_fill(scaled > ctx.threshold, 0)
        return grad_grad, grad_a


# ================================================================ logsigmoid
def _log_sigmoid_slope(grad, a):
    """grad · σ(-a) = grad · (1 - σ(a)), as PyTorch's kernel computes it from z = e^-|a|."""
    z = np.exp(-np.abs(a))
    negative = a < 0
    return grad * (negative.astype(a.dtype) - np.where(negative, 1, -1).astype(a.dtype) * (z / (1 + z)))


class LogSigmoidBackward0(Node):
    """``log σ(a) = -softplus(-a)``, computed as min(a, 0) - log(1 + e^-|a|) (no overflow)."""

    derivatives = Derivatives("log(sigmoid(a))", a="1 - sigmoid(a)")

    @staticmethod
    def forward(ctx, a):
        refuse_integers("log_sigmoid_cpu", a.dtype, FLOAT_ONLY)
        ctx.save_for_backward(a)
        return (np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return LogSigmoidBackwardBackward0.apply(grad_output, a)


class LogSigmoidBackwardBackward0(Node):
    """logsigmoid's backward as an op: ``grad · (1 - σ(a))``."""

    derivatives = Derivatives("grad · (1 - σ(a))", grad="1 - sigmoid(a)",
                              a="grad * (sigmoid(a) - 1) * sigmoid(a)")

    @staticmethod
    def forward(ctx, grad, a):
        ctx.save_for_backward(grad, a)
        return _log_sigmoid_slope(grad, a)

    @staticmethod
    def backward(ctx, grad_output):
        grad, a = ctx.saved_tensors
        needs_grad, needs_a = ctx.needs_input_grad
        grad_grad = LogSigmoidBackwardBackward0.apply(grad_output, a) if needs_grad else None
        grad_a = None
        if needs_a:
            sigmoid = a.sigmoid()
            grad_a = grad * grad_output * add_number(sigmoid, -1) * sigmoid
        return grad_grad, grad_a


# ======================================================================= elu
# elu(a) = scale · a for a > 0, scale · alpha · (e^(input_scale · a) - 1) otherwise;
# selu and celu are elu with fixed (scale, alpha) or input_scale = 1/alpha
_ELU_SLOPE = "scale if a > 0 else scale * alpha * input_scale * exp(a * input_scale)"


def _elu_values(a, alpha, scale, input_scale):
    with np.errstate(over="ignore"):
        negative = (np.exp(a * input_scale) - 1) * (alpha * scale)
    return np.where(a > 0, a * scale, negative).astype(a.dtype, copy=False)


def _elu_slope(grad, value, alpha, scale, input_scale, is_result):
    """PyTorch's ``elu_backward``: from the input, or from the result (in place)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if is_result:
            negative = grad * input_scale * (value + alpha * scale)
        else:
            negative = grad * input_scale * (alpha * scale) * np.exp(value * input_scale)
        return np.where(value <= 0, negative, grad * scale).astype(grad.dtype, copy=False)


class EluBackward0(Node):
    """``scale · a`` for a > 0, ``scale · alpha · (e^(input_scale · a) - 1)`` otherwise
    (elu: scale = input_scale = 1; selu: PyTorch's fixed alpha and scale)."""

    derivatives = Derivatives("elu(a, alpha, scale, input_scale)", a=_ELU_SLOPE)
    is_result = False  # backward reads the input (EluBackward1: the result)

    @staticmethod
    def forward(ctx, a, alpha, scale, input_scale):
        refuse_integers("elu_cpu", a.dtype, FLOAT_ONLY)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        out = _elu_values(a, alpha, scale, input_scale)
        ctx.save_for_backward(a)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (value,) = ctx.saved_tensors  # the input, or the result for the in-place forms
        return EluBackwardBackward0.apply(grad_output, value, alpha=ctx.alpha, scale=ctx.scale,
                                          input_scale=ctx.input_scale, is_result=ctx.is_result)


class EluBackward1(EluBackward0):
    """``elu_`` (in place): the input is overwritten, so backward reads the result instead
    (out ≤ 0 exactly where a ≤ 0, which needs alpha ≥ 0, as in PyTorch)."""

    derivatives = Derivatives(
        "elu_(a, alpha, scale, input_scale)",
        a="scale if out > 0 else input_scale * (out + alpha * scale)")
    is_result = True

    @staticmethod
    def forward(ctx, a, alpha, scale, input_scale):
        refuse_integers("elu_cpu", a.dtype, FLOAT_ONLY)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        out = _elu_values(a, alpha, scale, input_scale)
        ctx.save_for_backward(out)  # the input is overwritten: keep the result instead
        return out

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.alpha < 0:
            raise RuntimeError(
                "In-place elu backward calculation is triggered with a negative slope which is "
                "not supported. This is caused by calling in-place forward function with a "
                "negative slope, please call out-of-place version instead.")
        return EluBackward0.backward(ctx, grad_output)


class CeluBackward0(EluBackward0):
    """``celu(a, alpha)``: elu with input_scale = 1/alpha, so the curve is continuous in alpha."""

    derivatives = Derivatives("celu(a, alpha)", a=_ELU_SLOPE)


class CeluBackward1(EluBackward1):
    """``celu_`` (in place): reads the result, as ``EluBackward1``."""

    derivatives = Derivatives("celu_(a, alpha)",
                              a="scale if out > 0 else input_scale * (out + alpha * scale)")


class EluBackwardBackward0(Node):
    """elu's backward as an op, of (grad, value): value is the input, or the result for the
    in-place forms (``is_result``)."""

    derivatives = Derivatives(
        "grad · elu'(value)",
        grad="scale if value > 0 else (input_scale * (value + alpha * scale) if is_result "
             "else scale * alpha * input_scale * exp(value * input_scale))",
        value="0 if value > 0 else (grad * input_scale if is_result "
              "else grad * scale * alpha * input_scale ** 2 * exp(value * input_scale))")

    @staticmethod
    def forward(ctx, grad, value, alpha, scale, input_scale, is_result):
        ctx.alpha, ctx.scale, ctx.input_scale, ctx.is_result = alpha, scale, input_scale, is_result
        ctx.save_for_backward(grad, value)
        return _elu_slope(grad, value, alpha, scale, input_scale, is_result)

    @staticmethod
    def backward(ctx, grad_output):
        grad, value = ctx.saved_tensors
        needs_grad, needs_value = ctx.needs_input_grad
        params = dict(alpha=ctx.alpha, scale=ctx.scale, input_scale=ctx.input_scale,
                      is_result=ctx.is_result)
        grad_grad = EluBackwardBackward0.apply(grad_output, value, **params) if needs_grad else None
        grad_value = None
        if needs_value:
            scaled = mul_number(grad * grad_output, ctx.input_scale)
            if ctx.is_result:
                grad_value = scaled.masked_fill(value > 0, 0)
            else:  # PyTorch: elu_backward(grad · grad_output · input_scale, ...) where value < 0
                grad_value = EluBackwardBackward0.apply(scaled, value, **params) * (value < 0)
        return grad_grad, grad_value


# ================================================================= functions
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def silu(input, inplace=False):
    """x · σ(x) (SiLU, also called swish)."""
    if inplace:
        return apply_inplace(input, SiluBackward0)
    return SiluBackward0.apply(input)


def mish(input, inplace=False):
    """x · tanh(softplus(x))."""
    if inplace:
        return apply_inplace(input, MishBackward0)
    return MishBackward0.apply(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(βx)) / β, a smooth relu; x itself where βx > threshold."""
    return SoftplusBackward0.apply(input, beta=beta, threshold=threshold)


def logsigmoid(input):
    """log σ(x), computed without overflow."""
    return LogSigmoidBackward0.apply(input)


def _elu(node, input, inplace, **params):
    if inplace:
        return apply_inplace(input, node, **params)
    return node.apply(input, **params)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha · (eˣ - 1) otherwise."""
    return _elu(EluBackward1 if inplace else EluBackward0, input, inplace, alpha=alpha, scale=1.0,
                input_scale=1.0)


def selu(input, inplace=False):
    """scale · elu(x, alpha) with PyTorch's fixed alpha ≈ 1.6733 and scale ≈ 1.0507."""
    return _elu(EluBackward1 if inplace else EluBackward0, input, inplace, alpha=_SELU_ALPHA,
                scale=_SELU_SCALE, input_scale=1.0)


def celu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha · (e^(x/alpha) - 1) otherwise."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _elu(CeluBackward1 if inplace else CeluBackward0, input, inplace, alpha=alpha,
                scale=1.0, input_scale=1.0 / alpha)
