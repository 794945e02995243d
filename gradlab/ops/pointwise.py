"""Element-wise functions: exp, log, trigonometry, activations, clamp, rounding.

``round``, ``floor``, ``ceil`` and ``sign`` stay in the graph but their
derivative is zero almost everywhere, so no useful gradient flows through
them — the lesson on non-differentiable operations is built on that.
"""
import numpy as np

from ..autograd.node import Node
from ..tensor import Tensor, _wrap


def _float_input(a):
    """Functions such as exp turn integer tensors into the default float dtype, as PyTorch."""
    if a.dtype.kind == "f":
        return a
    from ..dtypes import get_default_dtype

    return a.astype(get_default_dtype().numpy_dtype)


# ------------------------------------------------------------------ exp / log
class ExpBackward0(Node):
    """out = exp(a)          d/da = exp(a) = out"""

    expression = "exp(a)"
    local_derivatives = ("∂out/∂a = exp(a)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = e^{a}",)

    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = np.exp(_float_input(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out


class LogBackward0(Node):
    """out = log(a)          d/da = 1 / a"""

    expression = "log(a)"
    local_derivatives = ("∂out/∂a = 1 / a",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \frac{1}{a}",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(_float_input(a))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output / a


class Log1PBackward0(Node):
    """out = log(1 + a)          d/da = 1 / (1 + a)"""

    expression = "log1p(a)"
    local_derivatives = ("∂out/∂a = 1 / (1 + a)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \frac{1}{1 + a}",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(_float_input(a))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output / (a + 1)


class Expm1Backward0(Node):
    """out = exp(a) - 1          d/da = out + 1"""

    expression = "expm1(a)"
    local_derivatives = ("∂out/∂a = exp(a)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = e^{a}",)

    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = np.expm1(_float_input(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out + 1)


class SqrtBackward0(Node):
    """out = √a          d/da = 1 / (2√a)"""

    expression = "sqrt(a)"
    local_derivatives = ("∂out/∂a = 1 / (2·√a)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \frac{1}{2\sqrt{a}}",)

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(_float_input(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output / (out * 2)


class RsqrtBackward0(Node):
    """out = 1 / √a          d/da = -out³ / 2"""

    expression = "rsqrt(a)"
    local_derivatives = ("∂out/∂a = -1 / (2·a^(3/2))",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = -\frac{1}{2a^{3/2}}",)

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore", divide="ignore"):
            out = 1 / np.sqrt(_float_input(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out * out * out * -0.5)


# -------------------------------------------------------------- trigonometry
class SinBackward0(Node):
    """out = sin(a)          d/da = cos(a)"""

    expression = "sin(a)"
    local_derivatives = ("∂out/∂a = cos(a)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \cos a",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(_float_input(a))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * a.cos()


class CosBackward0(Node):
    """out = cos(a)          d/da = -sin(a)"""

    expression = "cos(a)"
    local_derivatives = ("∂out/∂a = -sin(a)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = -\sin a",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(_float_input(a))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * -a.sin()


class TanBackward0(Node):
    """out = tan(a)          d/da = 1 + tan²(a)"""

    expression = "tan(a)"
    local_derivatives = ("∂out/∂a = 1 + tan²(a)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 1 + \tan^2 a",)

    @staticmethod
    def forward(ctx, a):
        out = np.tan(_float_input(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out * out + 1)


# --------------------------------------------------------------- activations
class TanhBackward0(Node):
    """out = tanh(a)          d/da = 1 - tanh²(a) = 1 - out²"""

    expression = "tanh(a)"
    local_derivatives = ("∂out/∂a = 1 - tanh²(a)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 1 - \tanh^2 a",)

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(_float_input(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (1 - out * out)


class SigmoidBackward0(Node):
    """out = 1 / (1 + exp(-a))          d/da = out · (1 - out)"""

    expression = "sigmoid(a)"
    local_derivatives = ("∂out/∂a = σ(a)·(1 - σ(a))",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \sigma(a)\,(1 - \sigma(a))",)

    @staticmethod
    def forward(ctx, a):
        a = _float_input(a)
        # exp of a negative number never overflows: pick the form per sign
        with np.errstate(over="ignore"):
            e = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out * (1 - out))


class ReluBackward0(Node):
    """out = max(a, 0)          d/da = 1 where a > 0, else 0 (also at a = 0)"""

    expression = "relu(a)"
    local_derivatives = ("∂out/∂a = 1 if a > 0 else 0",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \mathbb{1}[a > 0]",)

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out > 0)


class AbsBackward0(Node):
    """out = |a|          d/da = sign(a)  (0 at a = 0)"""

    expression = "|a|"
    local_derivatives = ("∂out/∂a = sign(a)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \operatorname{sign}(a)",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * a.sign()


class ClampBackward1(Node):
    """out = min(max(a, lo), hi)          d/da = 1 where lo <= a <= hi, else 0"""

    expression = "clamp(a, min, max)"
    local_derivatives = ("∂out/∂a = 1 if min ≤ a ≤ max else 0",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \mathbb{1}[\min \le a \le \max]",)
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, min=None, max=None):  # noqa: A002
        ctx.save_for_backward(a)
        ctx.min, ctx.max = min, max
        out = a
        if min is not None:
            out = np.maximum(out, min)
        if max is not None:
            out = np.minimum(out, max)
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        inside = None
        if ctx.min is not None:
            inside = a >= ctx.min
        if ctx.max is not None:
            below = a <= ctx.max
            inside = below if inside is None else inside & below
        return grad_output * inside

    @classmethod
    def apply(cls, a, min=None, max=None):  # noqa: A002
        return super().apply(a, min=min, max=max)


class MaximumBackward0(Node):
    """out = max(a, b) element-wise          d/da = 1 where a > b (½ where equal)"""

    expression = "maximum(a, b)"
    local_derivatives = ("∂out/∂a = 1 if a > b (½ if a = b)", "∂out/∂b = 1 if b > a (½ if a = b)")
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \mathbb{1}[a > b]",
                               r"\frac{\partial out}{\partial b} = \mathbb{1}[b > a]")
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        share = (a > b) + (a == b) * 0.5
        return grad_output * share, grad_output * (1 - share)


class MinimumBackward0(Node):
    """out = min(a, b) element-wise          d/da = 1 where a < b (½ where equal)"""

    expression = "minimum(a, b)"
    local_derivatives = ("∂out/∂a = 1 if a < b (½ if a = b)", "∂out/∂b = 1 if b < a (½ if a = b)")
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \mathbb{1}[a < b]",
                               r"\frac{\partial out}{\partial b} = \mathbb{1}[b < a]")
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        share = (a < b) + (a == b) * 0.5
        return grad_output * share, grad_output * (1 - share)


# ------------------------------------------- piecewise constant: zero gradient
class _ZeroGradient(Node):
    """A step function: flat almost everywhere, so its derivative is 0 and no
    gradient flows back, although the op stays in the graph."""

    local_derivatives = ("∂out/∂a = 0",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 0",)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 0


class RoundBackward0(_ZeroGradient):
    """out = round(a) (halves to even, as PyTorch)          d/da = 0"""

    expression = "round(a)"

    @staticmethod
    def forward(ctx, a):
        return np.round(a)


class RoundBackward1(_ZeroGradient):
    """out = round(a, decimals)          d/da = 0"""

    expression = "round(a, decimals)"

    @staticmethod
    def forward(ctx, a, decimals):
        return np.round(a, decimals)

    @classmethod
    def apply(cls, a, decimals):
        return super().apply(a, decimals=decimals)


class FloorBackward0(_ZeroGradient):
    """out = ⌊a⌋          d/da = 0"""

    expression = "floor(a)"

    @staticmethod
    def forward(ctx, a):
        return np.floor(a) if a.dtype.kind == "f" else a.copy()


class CeilBackward0(_ZeroGradient):
    """out = ⌈a⌉          d/da = 0"""

    expression = "ceil(a)"

    @staticmethod
    def forward(ctx, a):
        return np.ceil(a) if a.dtype.kind == "f" else a.copy()


class TruncBackward0(_ZeroGradient):
    """out = a rounded towards zero          d/da = 0"""

    expression = "trunc(a)"

    @staticmethod
    def forward(ctx, a):
        return np.trunc(a) if a.dtype.kind == "f" else a.copy()


class SignBackward0(_ZeroGradient):
    """out = sign(a) ∈ {-1, 0, 1}          d/da = 0"""

    expression = "sign(a)"

    @staticmethod
    def forward(ctx, a):
        return np.sign(a) if a.dtype != np.bool_ else a.copy()


# ------------------------------------------------------------------- where
class WhereBackward0(Node):
    """out = a where condition else b          d/da = condition,  d/db = not condition"""

    expression = "where(cond, a, b)"
    local_derivatives = ("∂out/∂a = 1 where cond", "∂out/∂b = 1 where not cond")
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \mathbb{1}[cond]",
                               r"\frac{\partial out}{\partial b} = \mathbb{1}[\lnot cond]")
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, b, condition):
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        keep = _wrap(ctx.condition)
        zero = grad_output.new_zeros(())
        needs_a, needs_b = ctx.needs_input_grad
        return (where(keep, grad_output, zero) if needs_a else None,
                where(keep, zero, grad_output) if needs_b else None)

    @classmethod
    def apply(cls, condition, a, b):
        return super().apply(a, b, condition=condition)


# ------------------------------------------------------------------ functions
def exp(input):  # noqa: A002 - PyTorch's argument name
    return ExpBackward0.apply(input)


def log(input):  # noqa: A002
    return LogBackward0.apply(input)


def log1p(input):  # noqa: A002
    return Log1PBackward0.apply(input)


def expm1(input):  # noqa: A002
    return Expm1Backward0.apply(input)


def sqrt(input):  # noqa: A002
    return SqrtBackward0.apply(input)


def rsqrt(input):  # noqa: A002
    return RsqrtBackward0.apply(input)


def sin(input):  # noqa: A002
    return SinBackward0.apply(input)


def cos(input):  # noqa: A002
    return CosBackward0.apply(input)


def tan(input):  # noqa: A002
    return TanBackward0.apply(input)


def tanh(input):  # noqa: A002
    return TanhBackward0.apply(input)


def sigmoid(input):  # noqa: A002
    return SigmoidBackward0.apply(input)


def relu(input):  # noqa: A002
    return ReluBackward0.apply(input)


def abs(input):  # noqa: A001, A002
    return AbsBackward0.apply(input)


absolute = abs


def square(input):  # noqa: A002
    return input ** 2 if input.is_floating_point() else input * input


def clamp(input, min=None, max=None):  # noqa: A001, A002
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = maximum(result, min)
        if max is not None:
            result = minimum(result, max)
        return result
    return ClampBackward1.apply(input, min=min, max=max)


clip = clamp


def round(input, *, decimals=0):  # noqa: A001, A002
    if decimals:
        return RoundBackward1.apply(input, decimals)
    return RoundBackward0.apply(input)


def floor(input):  # noqa: A002
    return FloorBackward0.apply(input)


def ceil(input):  # noqa: A002
    return CeilBackward0.apply(input)


def trunc(input):  # noqa: A002
    return TruncBackward0.apply(input)


def sign(input):  # noqa: A002
    return SignBackward0.apply(input)


def maximum(input, other):  # noqa: A002
    return MaximumBackward0.apply(input, _as_tensor_operand(other))


def minimum(input, other):  # noqa: A002
    return MinimumBackward0.apply(input, _as_tensor_operand(other))


def where(condition, input=None, other=None):  # noqa: A002
    """``input`` where ``condition`` holds, else ``other``; ``where(cond)`` lists the positions."""
    condition = _as_tensor_operand(condition)
    if input is None and other is None:
        return tuple(_wrap(index.astype(np.int64)) for index in np.nonzero(condition._data))
    if condition._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype.name.capitalize()}")
    return WhereBackward0.apply(condition._data, input, other)


def masked_fill(input, mask, value):  # noqa: A002
    """``input`` with ``value`` where ``mask`` is True (out of place)."""
    return where(_as_tensor_operand(mask), _as_tensor_operand(value, like=input), input)


def _as_tensor_operand(value, like=None):
    if isinstance(value, Tensor):
        return value
    from ..tensor import tensor_from_data

    if like is not None:
        return tensor_from_data(value, dtype=like.dtype)
    return tensor_from_data(value)
