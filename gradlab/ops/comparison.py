"""Comparisons and logic: ``<  <=  >  >=  ==  !=``, ``&  |  ^  ~``, ``isnan``, ``any``.

Their results are bool tensors.  A bool cannot change a little when the
input changes a little, so these operations have no derivative: the result
never requires grad and has no ``grad_fn`` — the graph is cut here.

Both sides are first brought to PyTorch's common dtype, as in arithmetic:
``torch.tensor([0.1]) == 0.1`` is True because 0.1 is compared as a float32.
"""
import numpy as np

from ..dtypes import NUMBER_TYPES, cast_value, result_type
from ..tensor import Tensor, _wrap
from .numpy_names import accepts_numpy_names
from .strides import lay_out


def _operand(value, op):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.generic):
        return value.item()  # a NumPy number acts as a Python number, as in PyTorch
    if isinstance(value, NUMBER_TYPES):
        return value
    if isinstance(value, np.ndarray):
        return value
    raise TypeError(
        f"'{op}' not supported between instances of 'Tensor' and '{type(value).__name__}' "
        "(compare with a tensor or a number)"
    )


def _same_shape_error(a_shape, b_shape):
    """PyTorch's message for shapes that do not broadcast, naming the first clash."""
    for position in range(1, max(len(a_shape), len(b_shape)) + 1):
        size_a = a_shape[-position] if position <= len(a_shape) else 1
        size_b = b_shape[-position] if position <= len(b_shape) else 1
        if size_a != size_b and 1 not in (size_a, size_b):
            dim = max(len(a_shape), len(b_shape)) - position
            return RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                f"at non-singleton dimension {dim}"
            )
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} cannot be broadcast together")


def _result(array, *operands):
    """A new tensor of a pointwise result, laid out in memory as PyTorch's (ops/strides.py)."""
    return _wrap(lay_out(np.asarray(array), operands, "pointwise"))


def _broadcast_result(ufunc, a, b, dtype=None):
    """``ufunc(a, b)`` (computed in ``dtype`` when given) as a new tensor; PyTorch's error
    when the shapes do not broadcast."""
    try:
        array = ufunc(a, b) if dtype is None else ufunc(cast_value(a, dtype), cast_value(b, dtype))
    except ValueError:
        raise _same_shape_error(np.shape(a), np.shape(b)) from None
    return _result(array, a, b)


def _apply(ufunc, a, b, op):
    """``ufunc`` on ``a`` and ``b`` in their common dtype, as a new tensor."""
    a, b = _operand(a, op), _operand(b, op)
    return _broadcast_result(ufunc, a, b, result_type(a, b).numpy_dtype)


def eq(input, other):
    return _apply(np.equal, input, other, "==")


def ne(input, other):
    return _apply(np.not_equal, input, other, "!=")


def lt(input, other):
    return _apply(np.less, input, other, "<")


def le(input, other):
    return _apply(np.less_equal, input, other, "<=")


def gt(input, other):
    return _apply(np.greater, input, other, ">")


def ge(input, other):
    return _apply(np.greater_equal, input, other, ">=")


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def eq_operator(input, other):
    """``tensor == other``: like ``eq``, but an object that is no number compares unequal
    (``x == None`` is False), as Python's ``==`` does in PyTorch."""
    if isinstance(other, (Tensor, np.ndarray) + NUMBER_TYPES):
        return eq(input, other)
    return NotImplemented


def ne_operator(input, other):
    if isinstance(other, (Tensor, np.ndarray) + NUMBER_TYPES):
        return ne(input, other)
    return NotImplemented


# --------------------------------------------------------------------- logic
def _bitwise(ufunc, name, a, b):
    a, b = _operand(a, name), _operand(b, name)
    dtype = result_type(a, b)
    if dtype.is_floating_point:
        raise NotImplementedError(
            f"{name} is only defined for integer and bool tensors, not {dtype} "
            f"(\"{name}_cpu\" not implemented for '{dtype._type_name}'); "
            "compare first (x > 0) or use torch.logical_and / logical_or"
        )
    return _broadcast_result(ufunc, a, b, dtype.numpy_dtype)


def bitwise_and(input, other):
    """``a & b``: logical and on bool tensors, bit by bit on integers."""
    return _bitwise(np.bitwise_and, "bitwise_and", input, other)


def bitwise_or(input, other):
    return _bitwise(np.bitwise_or, "bitwise_or", input, other)


def bitwise_xor(input, other):
    return _bitwise(np.bitwise_xor, "bitwise_xor", input, other)


_BITWISE = {np.bitwise_and: bitwise_and, np.bitwise_or: bitwise_or, np.bitwise_xor: bitwise_xor}


def logical_op(ufunc, a, b):
    """``&``, ``|`` and ``^`` given as the NumPy ufunc (kept for ``Tensor``'s operators)."""
    return _BITWISE[ufunc](a, b)


def bitwise_not(input):
    """``~x``: logical not on bool tensors, bit flip on integers (``~1`` is -2)."""
    if input._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors; for a float tensor use torch.logical_not(x) or x == 0")
    return _result(np.invert(input._data), input._data)


def _tensor_argument(value, function, position=2, name="other"):
    if not isinstance(value, Tensor):
        raise TypeError(f"{function}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")
    return value._data


def logical_not(input):
    """True where ``input`` is zero (or False), for any dtype."""
    data = _tensor_argument(input, "logical_not", 1, "input")
    return _result(np.logical_not(data), data)


def logical_and(input, other):
    return _logical(np.logical_and, "logical_and", input, other)


def logical_or(input, other):
    return _logical(np.logical_or, "logical_or", input, other)


def logical_xor(input, other):
    return _logical(np.logical_xor, "logical_xor", input, other)


def _logical(ufunc, name, input, other):
    a = _tensor_argument(input, name, 1, "input")
    b = _tensor_argument(other, name)
    return _broadcast_result(ufunc, a, b)


# ------------------------------------------------------------ special values
def isnan(input):
    data = _tensor_argument(input, "isnan", 1, "input")
    return _result(np.isnan(data), data)


def isinf(input):
    data = _tensor_argument(input, "isinf", 1, "input")
    return _result(np.isinf(data), data)


def isfinite(input):
    data = _tensor_argument(input, "isfinite", 1, "input")
    return _result(np.isfinite(data), data)


# ---------------------------------------------------------- whole-tensor tests
def equal(input, other):
    """True when both tensors have the same shape and the same values (a Python bool)."""
    a = _tensor_argument(input, "equal", 1, "input")
    b = _tensor_argument(other, "equal")
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _close_operands(input, other, function):
    a = _tensor_argument(input, function, 1, "input")
    b = _tensor_argument(other, function)
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{input.dtype._type_name} did not match {other.dtype._type_name} "
            f"({function} needs both tensors of the same dtype; convert one with .to())"
        )
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise _same_shape_error(a.shape, b.shape) from None
    return a, b


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Where ``|input - other| <= atol + rtol * |other|``."""
    a, b = _close_operands(input, other, "isclose")
    return _result(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element is close (``isclose``); a Python bool."""
    a, b = _close_operands(input, other, "allclose")
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _reduce(function, input, dim, keepdim):
    data = _tensor_argument(input, function.__name__, 1, "input")
    axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
    result = np.asarray(function(data, axis=axis, keepdims=keepdim))
    # PyTorch keeps uint8 for uint8 input (a relic of masks before bool existed)
    return _wrap(result.astype(np.uint8) if data.dtype == np.uint8 else result)


@accepts_numpy_names
def any(input, dim=None, keepdim=False):
    """True if some element is nonzero (along ``dim`` when given)."""
    return _reduce(np.any, input, dim, keepdim)


@accepts_numpy_names
def all(input, dim=None, keepdim=False):
    """True if every element is nonzero (along ``dim`` when given)."""
    return _reduce(np.all, input, dim, keepdim)
