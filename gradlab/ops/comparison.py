"""Comparisons and logic: ``<  <=  >  >=  ==  !=``, ``&  |  ~``, ``isnan``, ``any``.

Their results are bool tensors.  A bool cannot change a little when the
input changes a little, so these operations have no derivative: the result
never requires grad and has no ``grad_fn`` — the graph is cut here.
"""
import numpy as np

from ..tensor import Tensor, _wrap


def _values(value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (int, float, bool, np.number, np.bool_)):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return np.asarray(value)
    raise TypeError(f"cannot compare a Tensor with {type(value).__name__}")


def _compare(ufunc, a, b):
    try:
        return _wrap(np.asarray(ufunc(_values(a), _values(b))))
    except ValueError:
        from .broadcast import broadcast_shapes

        broadcast_shapes(np.shape(_values(a)), np.shape(_values(b)))
        raise


def eq(input, other):  # noqa: A002 - PyTorch's argument name
    return _compare(np.equal, input, other)


def ne(input, other):  # noqa: A002
    return _compare(np.not_equal, input, other)


def lt(input, other):  # noqa: A002
    return _compare(np.less, input, other)


def le(input, other):  # noqa: A002
    return _compare(np.less_equal, input, other)


def gt(input, other):  # noqa: A002
    return _compare(np.greater, input, other)


def ge(input, other):  # noqa: A002
    return _compare(np.greater_equal, input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_op(ufunc, a, b):
    """``&``, ``|`` and ``^``: logical on bool tensors, bitwise on integer tensors."""
    a_values, b_values = _values(a), _values(b)
    if np.asarray(a_values).dtype.kind == "f" or np.asarray(b_values).dtype.kind == "f":
        raise TypeError(f"{ufunc.__name__} is only defined for integer and bool tensors, not floats")
    return _wrap(np.asarray(ufunc(a_values, b_values)))


def logical_not(input):  # noqa: A002
    return _wrap(np.logical_not(input._data))


def logical_and(input, other):  # noqa: A002
    return _wrap(np.logical_and(_values(input), _values(other)))


def logical_or(input, other):  # noqa: A002
    return _wrap(np.logical_or(_values(input), _values(other)))


def isnan(input):  # noqa: A002
    return _wrap(np.isnan(input._data))


def isinf(input):  # noqa: A002
    return _wrap(np.isinf(input._data))


def isfinite(input):  # noqa: A002
    return _wrap(np.isfinite(input._data))


def equal(input, other):  # noqa: A002
    """True when both tensors have the same shape and the same values."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return _wrap(np.isclose(input._data, _values(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return bool(np.allclose(input._data, _values(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def any(input, dim=None, keepdim=False):  # noqa: A001, A002
    axis = None if dim is None else dim
    return _wrap(np.asarray(np.any(input._data, axis=axis, keepdims=keepdim)))


def all(input, dim=None, keepdim=False):  # noqa: A001, A002
    axis = None if dim is None else dim
    return _wrap(np.asarray(np.all(input._data, axis=axis, keepdims=keepdim)))
