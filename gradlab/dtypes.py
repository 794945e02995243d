"""Data types: PyTorch's dtype objects over NumPy dtypes, and its promotion rules.

PyTorch's promotion differs from NumPy's in two ways that students meet at once:
a Python float never widens a float32 tensor, and an int tensor times a float
gives float32 (the default dtype), not float64.  ``result_type`` implements
PyTorch's three-tier rule: tensors with dimensions decide first, then 0-d
tensors, then Python numbers — each only when it is of a higher *category*
(bool < integer < floating point).
"""
import builtins as _builtins

import numpy as np

_py_float, _py_int, _py_bool = _builtins.float, _builtins.int, _builtins.bool


class dtype:
    """A tensor element type; prints as PyTorch does (``torch.float32``)."""

    __slots__ = ("name", "numpy_dtype", "is_floating_point", "is_signed", "itemsize", "category")

    def __init__(self, name, numpy_dtype, category):
        self.name = name
        self.numpy_dtype = np.dtype(numpy_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating point
        self.is_floating_point = category == 2
        self.is_signed = self.numpy_dtype.kind in "if"
        self.itemsize = self.numpy_dtype.itemsize

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return self


float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
bool = dtype("bool", np.bool_, 0)  # noqa: A001 - PyTorch's name

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_FROM_NUMPY = {d.numpy_dtype: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}

_default_float = float32


def _by_name(name):
    return _BY_NAME[name]


def from_numpy(numpy_dtype):
    """The gradlab dtype for a NumPy dtype; a clear error for ones PyTorch lacks here."""
    try:
        return _FROM_NUMPY[np.dtype(numpy_dtype)]
    except (KeyError, TypeError):
        names = ", ".join(d.name for d in ALL)
        raise TypeError(
            f"gradlab has no dtype for NumPy's {numpy_dtype!r}; supported dtypes are {names}"
        ) from None


def as_dtype(value):
    """Accept a gradlab dtype, a NumPy dtype or a Python type (float, int, bool)."""
    if value.__class__ is dtype:
        return value
    if value is _py_float:
        return _default_float
    if value is _py_int:
        return int64
    if value is _py_bool:
        return bool
    try:
        return from_numpy(value)
    except TypeError:
        raise TypeError(f"expected a dtype such as torch.float32, got {value!r}") from None


def get_default_dtype():
    """The dtype given to Python floats: float32 unless changed."""
    return _default_float


def set_default_dtype(d):
    """Make Python floats become ``d`` (float32 or float64), as ``torch.set_default_dtype``."""
    global _default_float
    d = as_dtype(d)
    if not d.is_floating_point or d is float16:
        raise TypeError("only float32 and float64 can be the default dtype")
    _default_float = d


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` fit in, by PyTorch's rule."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _FROM_NUMPY[np.promote_types(a.numpy_dtype, b.numpy_dtype)]


def scalar_dtype(value):
    """The dtype a lone Python number would get: bool, int64 or the default float."""
    if value.__class__ is _py_bool or isinstance(value, np.bool_):
        return bool
    if isinstance(value, (_py_int, np.integer)):
        return int64
    if isinstance(value, (_py_float, np.floating)):
        return _default_float
    raise TypeError(f"expected a tensor or a number, got {type(value).__name__}")


def result_type(*operands):
    """PyTorch's result dtype for an operation on tensors and Python numbers."""
    from .tensor import Tensor

    dims = zeros = scalars = None
    for operand in operands:
        if isinstance(operand, Tensor):
            d = operand.dtype
            if operand._data.ndim:
                dims = d if dims is None else promote_types(dims, d)
            else:
                zeros = d if zeros is None else promote_types(zeros, d)
        else:
            d = scalar_dtype(operand)
            if scalars is None or d.category > scalars.category:
                scalars = d
    result = dims
    for tier in (zeros, scalars):
        if tier is None:
            continue
        if result is None:
            result = tier
        elif tier.category > result.category:
            result = tier
    return result
