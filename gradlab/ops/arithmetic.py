"""Arithmetic: + - * / // % ** and negation.

Each class is one grad_fn, named as PyTorch names it.  A Python number used
as an operand takes a ``(None, 0)`` slot in ``next_functions`` for + - * /
(PyTorch wraps it as a constant tensor) but is a plain parameter for ``**``,
``%`` and for ``number - tensor`` — which is why ``x ** 2`` has one edge and
``x * 2`` has two.

Every forward first brings its operands to PyTorch's result dtype
(``common_arrays``), so NumPy computes in the dtype PyTorch would: an int tensor
times 2.5 is float32, a uint8 tensor plus 1000 wraps around in uint8.

What a backward saves follows PyTorch too: ``a * b`` keeps ``b`` only if
``a`` needs a gradient, and ``a`` only if ``b`` does.  That decides whether
changing a tensor in place later makes backward fail (see ``inplace.py``).

Inside PyTorch's own backward formulas a number is not wrapped as a tensor:
``2 * out`` there is ``mul(Tensor, Scalar)``, grad_fn ``MulBackward1`` with one
edge. gradlab's backward formulas use ``mul_number``, ``add_number``,
``sub_number`` and ``div_number`` for those, so a double-backward graph has
PyTorch's nodes.
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..dtypes import NUMBER_TYPES, common_arrays, common_float_arrays, float_array, result_type
from ..tensor import Tensor, tensor_from_data
from .out import into_out


# ------------------------------------------------------- operands and dtypes
def _is_bool(value):
    return value.dtype == np.bool_ if value.__class__ is np.ndarray else \
        value.__class__ is bool or isinstance(value, np.bool_)


def _refuse_bool(op, *values):
    """PyTorch has no kernel for floor division, remainder or pow of bools."""
    if all(_is_bool(v) for v in values):
        raise NotImplementedError(
            f"{op} is not implemented for bool tensors (\"{op}\" not implemented for 'Bool'); "
            "convert first, e.g. x.int()"
        )


def _refuse_integer_division_by_zero(divisor, dtype):
    if dtype.kind in "iub" and np.any(np.asarray(divisor) == 0):
        raise RuntimeError(
            "ZeroDivisionError: integer division by zero (the divisor has a 0); "
            "divide float tensors to get inf instead"
        )


def _check_alpha(alpha, dtype):
    if alpha.__class__ is bool or isinstance(alpha, np.bool_):
        if dtype != np.bool_:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif dtype.kind in "iub" and isinstance(alpha, (float, np.floating)):
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )


def _zeros(grad_output):
    return grad_output.new_zeros(grad_output.shape)


def _maybe_multiply(grad, alpha):
    """``grad · alpha``, skipped for alpha = 1 (PyTorch's maybe_multiply: grad_fn MulBackward1)."""
    return grad if alpha == 1 else mul_number(grad, alpha)


# --------------------------------------------------------- + - (linear: nothing saved)
class AddBackward0(Node):
    """``a + b`` (``torch.add(a, b, alpha=2)`` scales b)."""

    derivatives = Derivatives("a + b", a="1", b="alpha")

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        a, b = common_arrays(a, b)
        if alpha == 1 and alpha.__class__ is not bool:
            return a + b
        _check_alpha(alpha, a.dtype)
        return np.asarray(a + b * alpha).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, _maybe_multiply(grad_output, ctx.alpha)


def _refuse_bool_subtraction(a, b):
    if _is_bool(a) and _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


class SubBackward0(Node):
    """``a - b`` (``torch.sub(a, b, alpha=2)`` scales b)."""

    derivatives = Derivatives("a - b", a="1", b="-alpha")

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        _refuse_bool_subtraction(a, b)
        a, b = common_arrays(a, b)
        if alpha == 1 and alpha.__class__ is not bool:
            return a - b
        _check_alpha(alpha, a.dtype)
        return np.asarray(a - b * alpha).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, _maybe_multiply(-grad_output, ctx.alpha)


class RsubBackward0(Node):
    """``torch.rsub(a, b)``: b minus a, both tensors."""

    derivatives = Derivatives("b - a", a="-alpha", b="1")

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        return SubBackward0.forward(ctx, b, a, alpha)

    @staticmethod
    def backward(ctx, grad_output):
        return _maybe_multiply(-grad_output, ctx.alpha), grad_output


class RsubBackward1(Node):
    """``2 - x``: a number minus a tensor (the number is a parameter, not an input)."""

    derivatives = Derivatives("c - a", a="-alpha")

    @staticmethod
    def forward(ctx, a, other, alpha=1):
        return SubBackward0.forward(ctx, other, a, alpha)

    @staticmethod
    def backward(ctx, grad_output):
        return _maybe_multiply(-grad_output, ctx.alpha)


# ----------------------------------------- a number as the other operand (PyTorch's C++)
class MulBackward1(Node):
    """``a * factor`` with a number as the factor (``mul(Tensor, Scalar)``)."""

    derivatives = Derivatives("a * factor", a="factor")

    @staticmethod
    def forward(ctx, a, factor):
        ctx.factor = factor
        return a * np.asarray(factor, a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return MulBackward1.apply(grad_output, factor=ctx.factor)


class AddBackward1(Node):
    """``a + other`` with a number as the other (``add(Tensor, Scalar)``)."""

    derivatives = Derivatives("a + other", a="1")

    @staticmethod
    def forward(ctx, a, other):
        return a + np.asarray(other, a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class SubBackward1(Node):
    """``a - other`` with a number as the other (``sub(Tensor, Scalar)``)."""

    derivatives = Derivatives("a - other", a="1")

    @staticmethod
    def forward(ctx, a, other):
        return a - np.asarray(other, a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class DivBackward1(Node):
    """``a / divisor`` with a number as the divisor (``div(Tensor, Scalar)``)."""

    derivatives = Derivatives("a / divisor", a="1 / divisor")

    @staticmethod
    def forward(ctx, a, divisor):
        ctx.divisor = divisor
        with np.errstate(divide="ignore", invalid="ignore"):
            return a / np.asarray(divisor, a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return DivBackward1.apply(grad_output, divisor=ctx.divisor)


def mul_number(a, factor):
    """``a * factor`` as PyTorch's backward formulas compute it (grad_fn ``MulBackward1``)."""
    return MulBackward1.apply(a, factor=factor)


def add_number(a, other):
    """``a + other`` as PyTorch's backward formulas compute it (grad_fn ``AddBackward1``)."""
    return AddBackward1.apply(a, other=other)


def sub_number(a, other):
    """``a - other`` as PyTorch's backward formulas compute it (grad_fn ``SubBackward1``)."""
    return SubBackward1.apply(a, other=other)


def div_number(a, divisor):
    """``a / divisor`` as PyTorch's backward formulas compute it (grad_fn ``DivBackward1``)."""
    return DivBackward1.apply(a, divisor=divisor)


# ------------------------------------------------------------------ * and /
class MulBackward0(Node):
    """``a * b``, element by element."""

    derivatives = Derivatives("a * b", a="b", b="a")

    @staticmethod
    def forward(ctx, a, b):
        needs_a, needs_b = ctx.needs_input_grad or (False, False)
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        a, b = common_arrays(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad_output * b if needs_a else None, grad_output * a if needs_b else None)


class DivBackward0(Node):
    """``a / b``, element by element."""

    derivatives = Derivatives("a / b", a="1 / b", b="-a / b ** 2")

    @staticmethod
    def forward(ctx, a, b):
        needs_b = (ctx.needs_input_grad or (False, False))[1]
        ctx.save_for_backward(a if needs_b else None, b)
        a, b = common_float_arrays(a, b)  # int / int is a float division, as in Python 3
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad_output / b if needs_a else None,
                -grad_output * ((a / b) / b) if needs_b else None)


class DivBackward2(Node):
    """``a / b`` rounded (``rounding_mode='floor'`` or ``'trunc'``): flat between jumps."""

    derivatives = Derivatives("div(a, b, rounding_mode)", a="0", b="0")

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        if rounding_mode == "floor":
            return _floor_divide_values(a, b)
        return _trunc_divide_values(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        needs_a, needs_b = ctx.needs_input_grad
        return (_zeros(grad_output) if needs_a else None, _zeros(grad_output) if needs_b else None)


class NegBackward0(Node):
    """``-a``."""

    derivatives = Derivatives("-a", a="-1")

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                               "are trying to invert a mask, use the `~` or `logical_not()` operator "
                               "instead.")
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output


class ReciprocalBackward0(Node):
    """``1 / a`` (backward reuses the output: -1/a² = -out²)."""

    derivatives = Derivatives("1 / a", a="-out ** 2")

    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore"):
            out = np.reciprocal(float_array(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return -grad_output * (out * out)


# ------------------------------------------------------------------------- **
def _int_power(base, exponent):
    """Integer ``base ** exponent`` as PyTorch computes it: a negative exponent
    gives 0, except for the bases 1 and -1 (no error for tensor exponents)."""
    negative = exponent < 0
    if not np.any(negative):
        return np.power(base, exponent)
    result = np.power(base, np.where(negative, 0, exponent))
    odd = (np.abs(exponent) % 2) == 1
    at_negative = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, at_negative, result).astype(result.dtype, copy=False)


def _power(base, exponent):
    """``base ** exponent`` in PyTorch's result dtype."""
    _refuse_bool("pow", base, exponent)
    base, exponent = common_arrays(base, exponent)
    dtype = base.dtype
    if dtype.kind in "iu":
        return _int_power(base, exponent)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.power(base, exponent)


# PyTorch computes these floating-point powers with products (or rsqrt), not pow: the same
# bits as PyTorch (pow rounds differently in the last bit for about a quarter of values, which
# an ill-conditioned op after it, sin(x ** 3) of a large x, makes visible), and (-inf) ** -0.5 NaN
_POWER_SHORTCUTS = {
    3: lambda a: a * a * a,
    -2: lambda a: 1 / (a * a),
    -0.5: lambda a: 1 / np.sqrt(a),
}


class PowBackward0(Node):
    """``a ** exponent`` with a number as the exponent (a parameter, not an input)."""

    derivatives = Derivatives("a ** exponent", a="exponent * a ** (exponent - 1)")

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        if isinstance(exponent, (int, np.integer)) and not _is_bool(exponent) and exponent < 0 \
                and result_type(a, exponent).category < 2:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if a.dtype == np.bool_ and _is_bool(exponent):
            # PyTorch's shortcuts: x ** 1 is a copy of x, x ** 0 is all ones
            return a.copy() if exponent else np.ones_like(a)
        shortcut = _POWER_SHORTCUTS.get(exponent) if a.dtype.kind == "f" else None
        if shortcut is not None:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return shortcut(a)
        return _power(a, exponent)  # for 0.5 NumPy, like PyTorch, takes the sqrt (NaN at -inf)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        exponent = float(ctx.exponent)
        if exponent == 0:
            return a.new_zeros(a.shape)
        return grad_output * mul_number(a.pow(exponent - 1), exponent)


class PowBackward1(Node):
    """``a ** b`` with two tensors."""

    derivatives = Derivatives("a ** b", a="b * a ** (b - 1)", b="out * log(a)")

    @staticmethod
    def forward(ctx, a, b):
        out = _power(a, b)
        if out.dtype.kind == "f" and np.isneginf(a).any():
            # with a tensor exponent PyTorch computes IEEE pow: (-inf) ** 0.5 is inf, where NumPy
            # takes the sqrt of a scalar 0.5 exponent (NaN)
            out = np.where(np.isneginf(a) & (b == 0.5), np.inf, out)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, b, out = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(invalid="ignore"):  # 0 * inf is NaN at a = 0; _where_zero replaces it
            if needs_a:
                # a ** 0 is 1 everywhere, so its derivative is 0 (even at a = 0)
                grad_a = _where_zero(b == 0, grad_output * (b * a.pow(sub_number(b, 1))))
            if needs_b:
                # PyTorch's convention: 0 ** b has gradient 0 with respect to b where b >= 0
                grad_b = grad_output * _where_zero((a == 0) & (b >= 0), out * a.log())
        return grad_a, grad_b


class PowBackward2(Node):
    """``base ** b`` with a number as the base (``2 ** x``)."""

    derivatives = Derivatives("base ** b", b="out * log(base)")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, b, base):
        out = _power(base, b)
        ctx.save_for_backward(b, out)
        ctx.base = base
        return out

    @staticmethod
    def backward(ctx, grad_output):
        b, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            log_base = float(np.log(float(ctx.base)))
            if ctx.base == 0:
                # log(0) = -inf; PyTorch's convention: gradient 0 where b >= 0 (0 · -inf is NaN)
                return grad_output * _where_zero(b >= 0, mul_number(out, log_base))
            return grad_output * mul_number(out, log_base)


def _where_zero(mask, values):
    """``values`` with zeros where ``mask`` holds (keeps the graph for double backward)."""
    from .pointwise import where

    return where(mask, values.new_zeros(()), values)


# ---------------------------------------------------- //  %  fmod: rounding divisions
def _divided_values(ufunc, op, a, b):
    """``ufunc(a, b)`` (a rounding division) in the result dtype; bools and an integer
    division by zero are refused, as PyTorch does."""
    _refuse_bool(op, a, b)
    a, b = common_arrays(a, b)
    _refuse_integer_division_by_zero(b, a.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ufunc(a, b)


def _floor_divide_values(a, b):
    return _divided_values(np.floor_divide, "div_floor", a, b)


def _trunc_divide_values(a, b):
    _refuse_bool("div_trunc", a, b)
    a, b = common_arrays(a, b)
    dtype = a.dtype
    if dtype.kind == "f":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.trunc(np.true_divide(a, b))
    _refuse_integer_division_by_zero(b, dtype)
    quotient = np.floor_divide(a, b)
    # floor and trunc differ by one when the division is inexact and the signs differ
    correct = (np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))
    return (quotient + correct).astype(dtype, copy=False)


def _remainder_values(a, b):
    """Python's ``%``: the result has the divisor's sign."""
    return _divided_values(np.remainder, "remainder", a, b)


def _fmod_values(a, b):
    """C's ``fmod``: the result has the dividend's sign."""
    return _divided_values(np.fmod, "fmod", a, b)


class _ModuloByNumber(Node):
    """``a mod c`` with c a number (a parameter, not an input): a shifted copy of a."""

    @classmethod
    def forward(cls, ctx, a, other):
        return cls._values(a, other)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class _ModuloByTensor(Node):
    """out = a - round(a / b) * b (floor or trunc rounding): d/da = 1, d/db = -round(a / b)."""

    @classmethod
    def forward(cls, ctx, a, b):
        if (ctx.needs_input_grad or (False, False))[1]:
            ctx.save_for_backward(a, b)
        return cls._values(a, b)

    @classmethod
    def backward(cls, ctx, grad_output):
        needs_a, needs_b = ctx.needs_input_grad
        grad_b = None
        if needs_b:
            a, b = ctx.saved_tensors
            grad_b = -grad_output * div(a, b, rounding_mode=cls._rounding)
        return grad_output if needs_a else None, grad_b


class RemainderBackward0(_ModuloByNumber):
    """``a % c`` with c a number (Python's remainder: the divisor's sign)."""

    derivatives = Derivatives("a % c", a="1")
    _values = staticmethod(_remainder_values)


class RemainderBackward1(_ModuloByTensor):
    """``a % b`` = a - floor(a / b) · b (Python's remainder: the divisor's sign)."""

    derivatives = Derivatives("a % b", a="1", b="-floor(a / b)")
    _values = staticmethod(_remainder_values)
    _rounding = "floor"


class FmodBackward0(_ModuloByNumber):
    """``fmod(a, c)`` with c a number (C's fmod: the dividend's sign)."""

    derivatives = Derivatives("fmod(a, c)", a="1")
    _values = staticmethod(_fmod_values)


class FmodBackward1(_ModuloByTensor):
    """``fmod(a, b)`` = a - trunc(a / b) · b (C's fmod: the dividend's sign)."""

    derivatives = Derivatives("fmod(a, b)", a="1", b="-trunc(a / b)")
    _values = staticmethod(_fmod_values)
    _rounding = "trunc"


class NotImplementedBackward(Node):
    """The grad_fn of an op PyTorch gives no derivative (``a // b``, ``2 % x``).

    The op stays in the graph so its result requires grad, but backward
    through it fails.  Its edges are only the inputs that require grad.
    """

    derivatives = Derivatives("a // b", variadic=True, inputs=Words("not implemented: backward raises"))

    @staticmethod
    def forward(ctx, *tracked, compute, op):
        ctx.op = op
        return compute()

    def name(self):
        return "torch::autograd::NotImplemented"  # PyTorch's name() for this C++ node

    @staticmethod
    def backward(ctx, *grad_outputs):  # (several for histogram's two outputs)
        raise RuntimeError(
            f"derivative for aten::{ctx.op} is not implemented (this result of {ctx.op} has no "
            "gradient; detach() it or compute something differentiable instead)"
        )


NotImplementedBackward.__name__ = NotImplementedBackward.__qualname__ = "NotImplemented"  # PyTorch's name


def _without_derivative(op, compute, *operands):
    tracked = [v for v in operands if isinstance(v, Tensor) and v.requires_grad]
    values = [v._data if isinstance(v, Tensor) else v for v in operands]
    return NotImplementedBackward.apply(*tracked, compute=lambda: compute(*values), op=op)


# ------------------------------------------------------------------ functions
def _operand(value, op):
    """A tensor or a number; NumPy arrays become tensors; anything else is refused."""
    if value.__class__ is Tensor or value.__class__ is float or value.__class__ is int:
        return value
    if isinstance(value, (Tensor,) + NUMBER_TYPES):
        return value
    if isinstance(value, np.ndarray):
        return tensor_from_data(value)
    raise TypeError(
        f"unsupported operand type(s) for {op}: 'Tensor' and '{type(value).__name__}' "
        "(use a tensor or a Python number)"
    )


def _operands(input, other, op):
    input, other = _operand(input, op), _operand(other, op)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op} expects at least one tensor, got {type(input).__name__} "
                        f"and {type(other).__name__}")
    return input, other


def add(input, other, *, alpha=1, out=None):
    if out is not None:
        return into_out("add", out, add, input, other, alpha=alpha)
    return AddBackward0.apply(*_operands(input, other, "+"), alpha=alpha)


def sub(input, other, *, alpha=1, out=None):
    if out is not None:
        return into_out("sub", out, sub, input, other, alpha=alpha)
    return SubBackward0.apply(*_operands(input, other, "-"), alpha=alpha)


subtract = sub


def rsub(input, other, *, alpha=1):
    """``other - alpha * input``."""
    input, other = _operands(input, other, "-")
    if isinstance(other, Tensor):
        return RsubBackward0.apply(input, other, alpha=alpha)
    return RsubBackward1.apply(input, other, alpha=alpha)


def mul(input, other, *, out=None):
    if out is not None:
        return into_out("mul", out, mul, input, other)
    return MulBackward0.apply(*_operands(input, other, "*"))


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``; ``rounding_mode='floor'`` or ``'trunc'`` rounds the quotient."""
    if out is not None:
        return into_out("div", out, div, input, other, rounding_mode=rounding_mode)
    input, other = _operands(input, other, "/")
    if rounding_mode is None:
        return DivBackward0.apply(input, other)
    if rounding_mode in ("floor", "trunc"):
        return DivBackward2.apply(input, other, rounding_mode)
    raise RuntimeError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
    )


divide = true_divide = div


def rdiv(input, other):
    """``other / input``: PyTorch computes a number divided by a tensor as ``reciprocal(input) * other``."""
    other = _operand(other, "/")
    if isinstance(other, Tensor):
        return div(other, input)
    return mul(ReciprocalBackward0.apply(input), other)


def neg(input):
    return NegBackward0.apply(input)


negative = neg


def reciprocal(input):
    return ReciprocalBackward0.apply(input)


def pow(input, exponent):
    """``input ** exponent``; ``input`` may be a number when ``exponent`` is a tensor."""
    input, exponent = _operands(input, exponent, "**")
    if not isinstance(input, Tensor):
        return PowBackward2.apply(exponent, input)
    if isinstance(exponent, Tensor):
        return PowBackward1.apply(input, exponent)
    return PowBackward0.apply(input, exponent)


def rpow(exponent, base):
    """``base ** exponent`` with a number ``base`` (Python's ``2 ** x``)."""
    return pow(base, exponent)


def float_power(input, exponent):
    """``input ** exponent`` computed in float64."""
    return pow(input.double() if isinstance(input, Tensor) else float(input),
               exponent.double() if isinstance(exponent, Tensor) else exponent)


def floor_divide(input, other):
    """``a // b``: rounds down.  PyTorch gives it no derivative (grad_fn ``NotImplemented``)."""
    input, other = _operands(input, other, "//")
    return _without_derivative("floor_divide", _floor_divide_values, input, other)


def remainder(input, other):
    """``a % b``, with the sign of ``b`` (as Python's ``%``)."""
    input, other = _operands(input, other, "%")
    if not isinstance(input, Tensor):
        return _without_derivative("remainder", _remainder_values, input, other)
    if isinstance(other, Tensor):
        return RemainderBackward1.apply(input, other)
    return RemainderBackward0.apply(input, other)


def fmod(input, other):
    """C's remainder, with the sign of ``a``: ``fmod(-7, 3)`` is -1 where ``-7 % 3`` is 2."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fmod(): argument 'input' must be Tensor, not {type(input).__name__}")
    other = _operand(other, "fmod")
    if isinstance(other, Tensor):
        return FmodBackward1.apply(input, other)
    return FmodBackward0.apply(input, other)
