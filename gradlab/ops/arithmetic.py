"""Arithmetic: + - * / ** and negation.

Each class is one grad_fn, named as PyTorch names it.  A Python number used
as an operand takes a ``(None, 0)`` slot in ``next_functions`` for + - * /
(PyTorch wraps it as a constant tensor) but is a plain parameter for ``**``
and for ``number - tensor`` — which is why ``x ** 2`` has one edge and
``x * 2`` has two.
"""
import numpy as np

from ..autograd.node import Node
from ..tensor import Tensor


class AddBackward0(Node):
    """out = a + alpha * b          d/da = 1,  d/db = alpha"""

    expression = "a + b"
    local_derivatives = ("∂out/∂a = 1", "∂out/∂b = 1")
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 1", r"\frac{\partial out}{\partial b} = 1")
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return a + b if alpha == 1 else a + alpha * b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output if ctx.alpha == 1 else grad_output * ctx.alpha


class SubBackward0(Node):
    """out = a - alpha * b          d/da = 1,  d/db = -alpha"""

    expression = "a - b"
    local_derivatives = ("∂out/∂a = 1", "∂out/∂b = -1")
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 1", r"\frac{\partial out}{\partial b} = -1")
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return a - b if alpha == 1 else a - alpha * b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, -grad_output if ctx.alpha == 1 else grad_output * -ctx.alpha


class RsubBackward1(Node):
    """out = other - alpha * a  (other a number)          d/da = -alpha"""

    expression = "c - a"
    local_derivatives = ("∂out/∂a = -1",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = -1",)
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, other, alpha=1):
        ctx.alpha = alpha
        return other - a if alpha == 1 else other - alpha * a

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output if ctx.alpha == 1 else grad_output * -ctx.alpha

    @classmethod
    def apply(cls, a, other, alpha=1):
        # ``other`` is a parameter here, not an input: RsubBackward1 has one edge.
        return super().apply(a, other=other, alpha=alpha)


class MulBackward0(Node):
    """out = a * b          d/da = b,  d/db = a"""

    expression = "a * b"
    local_derivatives = ("∂out/∂a = b", "∂out/∂b = a")
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = b", r"\frac{\partial out}{\partial b} = a")
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad_output * b if needs_a else None, grad_output * a if needs_b else None)


class DivBackward0(Node):
    """out = a / b          d/da = 1 / b,  d/db = -a / b²"""

    expression = "a / b"
    local_derivatives = ("∂out/∂a = 1 / b", "∂out/∂b = -a / b²")
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = \frac{1}{b}",
                               r"\frac{\partial out}{\partial b} = -\frac{a}{b^2}")
    promotes_dtypes = "float"  # int / int is a float division, as in Python 3

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad_output / b if needs_a else None, -grad_output * a / (b * b) if needs_b else None)


class NegBackward0(Node):
    """out = -a          d/da = -1"""

    expression = "-a"
    local_derivatives = ("∂out/∂a = -1",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = -1",)

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise TypeError("Negation, the `-` operator, on a bool tensor is not supported. "
                            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output


class ReciprocalBackward0(Node):
    """out = 1 / a          d/da = -1 / a² = -out²"""

    expression = "1 / a"
    local_derivatives = ("∂out/∂a = -1 / a²",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = -\frac{1}{a^2}",)
    promotes_dtypes = "float"

    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore"):
            out = np.reciprocal(a.astype(np.result_type(a.dtype, np.float32)) if a.dtype.kind != "f" else a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return -grad_output * out * out


class PowBackward0(Node):
    """out = a ** e  (e a number)          d/da = e * a ** (e - 1)"""

    expression = "a ** e"
    local_derivatives = ("∂out/∂a = e · a^(e-1)",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = e\,a^{e-1}",)
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        if a.dtype.kind in "iub" and isinstance(exponent, (int, np.integer)) and exponent < 0:
            raise ValueError("Integers to negative integer powers are not allowed.")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.power(a, exponent)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        exponent = ctx.exponent
        if exponent == 0:
            return grad_output * 0
        return grad_output * (exponent * a ** (exponent - 1))

    @classmethod
    def apply(cls, a, exponent):
        return super().apply(a, exponent=exponent)


class PowBackward1(Node):
    """out = a ** b  (both tensors)          d/da = b * a ** (b - 1),  d/db = a ** b * log(a)"""

    expression = "a ** b"
    local_derivatives = ("∂out/∂a = b · a^(b-1)", "∂out/∂b = a^b · ln a")
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = b\,a^{b-1}",
                               r"\frac{\partial out}{\partial b} = a^b \ln a")
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, b, out = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if needs_a:
            grad_a = grad_output * _where_zero(b == 0, b * a ** (b - 1))
        if needs_b:
            # PyTorch's convention: 0 ** b has gradient 0 with respect to b where b >= 0
            grad_b = grad_output * _where_zero((a == 0) & (b >= 0), out * a.log())
        return grad_a, grad_b


class PowBackward2(Node):
    """out = c ** b  (c a number)          d/db = c ** b * log(c)"""

    expression = "c ** b"
    local_derivatives = ("∂out/∂b = c^b · ln c",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial b} = c^b \ln c",)
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, b, base):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.power(base, b)
        ctx.save_for_backward(out)
        ctx.base = base
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        if ctx.base == 0:
            return grad_output * _where_zero(out >= 0, out * float("-inf"))
        return grad_output * (out * float(np.log(ctx.base)))

    @classmethod
    def apply(cls, b, base):
        return super().apply(b, base=base)


def _where_zero(mask, values):
    """``values`` with zeros where ``mask`` holds (keeps the graph for double backward)."""
    if not mask._data.any():
        return values
    from .pointwise import where

    return where(mask, values.new_zeros(()), values)


# ------------------------------------------------------------------ functions
_OPERANDS = (Tensor, int, float, bool, np.number, np.bool_)


def _check_operand(value, op):
    if value.__class__ is float or value.__class__ is Tensor or isinstance(value, _OPERANDS):
        return value
    if isinstance(value, np.ndarray):
        from ..tensor import tensor_from_data

        return tensor_from_data(value)
    raise TypeError(
        f"unsupported operand type for {op}: 'Tensor' and '{type(value).__name__}' "
        "(use a tensor or a Python number)"
    )


def add(input, other, *, alpha=1):  # noqa: A002 - PyTorch's argument name
    return AddBackward0.apply(input, _check_operand(other, "+"), alpha=alpha)


def sub(input, other, *, alpha=1):  # noqa: A002
    return SubBackward0.apply(input, _check_operand(other, "-"), alpha=alpha)


subtract = sub


def rsub(input, other, *, alpha=1):  # noqa: A002
    """``other - input``; a tensor ``other`` is an ordinary subtraction."""
    other = _check_operand(other, "-")
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    return RsubBackward1.apply(input, other, alpha=alpha)


def mul(input, other):  # noqa: A002
    return MulBackward0.apply(input, _check_operand(other, "*"))


multiply = mul


def div(input, other, *, rounding_mode=None):  # noqa: A002
    other = _check_operand(other, "/")
    if rounding_mode is None:
        return DivBackward0.apply(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        from .pointwise import trunc

        return trunc(DivBackward0.apply(input, other)) if _is_float(input, other) else \
            _no_grad_result(np.trunc(np.true_divide(_values(input), _values(other))), input, other)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


divide = true_divide = div


def rdiv(input, other):  # noqa: A002
    """``other / input``: PyTorch computes it as ``reciprocal(input) * other``."""
    other = _check_operand(other, "/")
    if isinstance(other, Tensor):
        return div(other, input)
    return mul(ReciprocalBackward0.apply(input), other)


def neg(input):  # noqa: A002
    return NegBackward0.apply(input)


negative = neg


def reciprocal(input):  # noqa: A002
    return ReciprocalBackward0.apply(input)


def pow(input, exponent):  # noqa: A001, A002 - PyTorch's names
    """``input ** exponent``; ``input`` may be a number when ``exponent`` is a tensor."""
    if not isinstance(input, Tensor):
        return rpow(exponent, input)
    exponent = _check_operand(exponent, "**")
    if isinstance(exponent, Tensor):
        return PowBackward1.apply(input, exponent)
    return PowBackward0.apply(input, exponent)


def rpow(exponent, base):
    """``base ** exponent`` with a number ``base``."""
    base = _check_operand(base, "**")
    if isinstance(base, Tensor):
        return PowBackward1.apply(base, exponent)
    return PowBackward2.apply(exponent, base)


def float_power(input, exponent):  # noqa: A002
    return pow(input.double() if isinstance(input, Tensor) else input,
               exponent.double() if isinstance(exponent, Tensor) else exponent)


# ------------------------------------------------- integer-valued (no gradient)
def floor_divide(input, other):  # noqa: A002
    """``a // b``: rounds down, so it has no useful gradient (as in PyTorch)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _no_grad_result(np.floor_divide(_values(input), _values(other)), input, other)


def remainder(input, other):  # noqa: A002
    with np.errstate(divide="ignore", invalid="ignore"):
        return _no_grad_result(np.remainder(_values(input), _values(other)), input, other)


fmod = remainder


def _values(value):
    return value._data if isinstance(value, Tensor) else value


def _is_float(*values):
    return any(isinstance(v, Tensor) and v.is_floating_point() or isinstance(v, float) for v in values)


def _no_grad_result(array, *operands):
    from ..dtypes import result_type
    from ..tensor import _wrap

    target = result_type(*operands).numpy_dtype
    array = np.asarray(array)
    return _wrap(array if array.dtype == target else array.astype(target))
