"""Data types: PyTorch's dtype objects over NumPy dtypes, and its promotion rules.

PyTorch's promotion differs from NumPy's in two ways that students meet at once:
a Python float never widens a float32 tensor, and an int tensor times a float
gives float32 (the default dtype), not float64.  ``result_type`` implements
PyTorch's three-tier rule: tensors with dimensions decide first, then 0-d
tensors, then Python numbers — each only when it is of a higher *category*
(bool < integer < floating point)::

    int32 tensor + int64 tensor          -> int64    (same tier: widest type)
    float32 tensor * float64 0-d tensor  -> float32  (0-d tensor, same category: ignored)
    int64 tensor * 2.5                   -> float32  (number of a higher category: default dtype)
    uint8 tensor + int8 tensor           -> int16    (the smallest type holding both)
"""
import builtins as _builtins

import numpy as np

_py_float, _py_int, _py_bool = _builtins.float, _builtins.int, _builtins.bool


class dtype:
    """A tensor element type; prints as PyTorch does (``torch.float32``)."""

    __module__ = "gradlab"  # <class 'gradlab.dtype'>, as torch.dtype

    __slots__ = ("name", "numpy_dtype", "is_floating_point", "is_signed", "itemsize", "category",
                 "_type_name", "_cpp_name")

    is_complex = False

    def __init__(self, name, numpy_dtype, category, type_name, cpp_name):
        self.name = name
        self.numpy_dtype = np.dtype(numpy_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating point
        self.is_floating_point = category == 2
        self.is_signed = self.numpy_dtype.kind in "if"
        self.itemsize = self.numpy_dtype.itemsize
        self._type_name = type_name  # "Float" as in "torch.FloatTensor" and PyTorch's messages
        self._cpp_name = cpp_name  # "float": how PyTorch's C++ core names it in some messages

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return self


# PyTorch's dtypes, with the two other names its messages use (the only place they are written)
float16 = dtype("float16", np.float16, 2, "Half", "c10::Half")
float32 = dtype("float32", np.float32, 2, "Float", "float")
float64 = dtype("float64", np.float64, 2, "Double", "double")
uint8 = dtype("uint8", np.uint8, 1, "Byte", "unsigned char")
int8 = dtype("int8", np.int8, 1, "Char", "signed char")
int16 = dtype("int16", np.int16, 1, "Short", "short int")
int32 = dtype("int32", np.int32, 1, "Int", "int")
int64 = dtype("int64", np.int64, 1, "Long", "long int")
bool = dtype("bool", np.bool_, 0, "Bool", "bool")

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_FROM_NUMPY = {d.numpy_dtype: d for d in ALL}
NUMBER_TYPES = (_builtins.int, _builtins.float, _builtins.bool, np.number, np.bool_)  # Python numbers
_BY_NAME = {d.name: d for d in ALL}

_default_float = float32


def _by_name(name):
    return _BY_NAME[name]


def _lookup(d):
    return d if isinstance(d, dtype) else _FROM_NUMPY.get(np.dtype(d))


def type_name(d):
    """PyTorch's short name of a dtype (gradlab's or NumPy's), as in its messages: Float, Long, Bool, ..."""
    found = _lookup(d)
    return found._type_name if found is not None else np.dtype(d).name


def cpp_type_name(d):
    """How PyTorch's C++ core names a dtype in some messages: float, double, long int, ..."""
    found = _lookup(d)
    return found._cpp_name if found is not None else np.dtype(d).name


def tensor_type_name(d):
    """The legacy tensor type: torch.FloatTensor, torch.LongTensor; CPUBoolType for bool."""
    name = type_name(d)
    return "CPUBoolType" if name == "Bool" else f"torch.{name}Tensor"


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
    """Accept a gradlab dtype, a NumPy dtype or a Python type.

    As in PyTorch, the Python types name the widest kind: ``float`` is
    float64, ``int`` is int64 (``torch.zeros(2, dtype=float)`` is float64).
    """
    if value.__class__ is dtype:
        return value
    if value is _py_float:
        return float64
    if value is _py_int:
        return int64
    if value is _py_bool:
        return bool
    if isinstance(value, str):
        raise TypeError(
            f"dtype must be a torch.dtype such as torch.float32, not the string {value!r}"
        )
    try:
        return from_numpy(value)
    except TypeError:
        raise TypeError(f"expected a dtype such as torch.float32, got {value!r}") from None


def get_default_dtype():
    """The dtype given to Python floats: float32 unless changed."""
    return _default_float


def set_default_dtype(d):
    """Make Python floats become ``d`` (a floating dtype), as ``torch.set_default_dtype``."""
    global _default_float
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(
            f"only floating-point types are supported as the default type (got {d}); "
            "use torch.float32 or torch.float64"
        )
    _default_float = d


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` fit in, by PyTorch's rule."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _FROM_NUMPY[np.promote_types(a.numpy_dtype, b.numpy_dtype)]


def can_cast(from_, to):
    """True when PyTorch lets an op write a ``from_`` result into a ``to`` tensor.

    Only a cast down a category (float -> integer -> bool) is refused.
    """
    return as_dtype(from_).category <= as_dtype(to).category


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
    """PyTorch's result dtype for an operation on its operands.

    Operands may be tensors, NumPy arrays (what an op's ``forward`` receives:
    a 0-d array stands for a 0-d tensor), Python or NumPy numbers; ``None``
    (an absent optional argument) is skipped.
    """
    dims = zeros = scalars = None
    for operand in operands:
        if operand is None:
            continue
        array = operand if operand.__class__ is np.ndarray else getattr(operand, "_data", None)
        if array is not None:
            d = _FROM_NUMPY.get(array.dtype) or from_numpy(array.dtype)
            if array.ndim:
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
    if result is None:
        raise TypeError("result_type needs at least one tensor or number")
    return result


# --------------------------------------------------------------- finfo / iinfo
class finfo:
    """Limits of a floating dtype: ``torch.finfo(torch.float32).eps``."""

    __module__ = "gradlab"

    def __init__(self, type=None):
        d = _default_float if type is None else as_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"torch.finfo() requires a floating point input type, got {d}; "
                            "use torch.iinfo for integer types")
        info = np.finfo(d.numpy_dtype)
        self.bits = info.bits
        self.eps = _py_float(info.eps)
        self.max = _py_float(info.max)
        self.min = _py_float(info.min)
        self.tiny = self.smallest_normal = _py_float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision
        self.dtype = d.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: ``torch.iinfo(torch.int8).max`` is 127."""

    __module__ = "gradlab"

    def __init__(self, type):
        d = as_dtype(type)
        if d.category != 1:
            raise TypeError(f"torch.iinfo() requires an integer input type, got {d}; "
                            "use torch.finfo for floating point types")
        info = np.iinfo(d.numpy_dtype)
        self.bits = info.bits
        self.max = _py_int(info.max)
        self.min = _py_int(info.min)
        self.dtype = d.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


# ====================================================================== casting NumPy values
# The ops compute with NumPy; these bring operands to PyTorch's result dtype first, so NumPy
# computes in the dtype PyTorch would (an int tensor times 2.5 is float32, uint8 + 1000 wraps).
def common_arrays(a, b):
    """``a`` and ``b`` cast to PyTorch's result dtype, so that NumPy computes in it."""
    if a.__class__ is np.ndarray:  # fast paths where NumPy already agrees with PyTorch
        if b.__class__ is np.ndarray:
            if a.dtype == b.dtype:
                return a, b
        elif b.__class__ is _py_float or b.__class__ is _py_int:
            if a.dtype.kind == "f":
                return a, b
    dtype = result_type(a, b).numpy_dtype
    return cast_value(a, dtype), cast_value(b, dtype)


def common_float_arrays(a, b):
    """Like ``common_arrays``, but integers become the default float (true division)."""
    dtype = result_type(a, b)
    dtype = (dtype if dtype.is_floating_point else get_default_dtype()).numpy_dtype
    return cast_value(a, dtype), cast_value(b, dtype)


def cast_value(value, numpy_dtype):
    """An array or a Python number as an array of ``numpy_dtype``; out-of-range ints wrap as in C."""
    if value.__class__ is np.ndarray:
        return value if value.dtype == numpy_dtype else value.astype(numpy_dtype)
    if numpy_dtype.kind in "iu" and value.__class__ is _py_int:
        info = np.iinfo(numpy_dtype)
        if not info.min <= value <= info.max:
            # PyTorch casts the number to the tensor's type, which wraps around as in C
            value = (value - info.min) % (1 << info.bits) + info.min
    return np.array(value, dtype=numpy_dtype)


def float_array(a):
    """Integer (and bool) values as the default float, as ``1 / x``, ``exp`` or ``logsumexp`` need."""
    return a if a.dtype.kind == "f" else a.astype(get_default_dtype().numpy_dtype)
