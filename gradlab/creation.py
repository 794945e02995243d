"""Creating tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``eye``, ``arange``,
``linspace``, the ``*_like`` forms, ``from_numpy``, ``as_tensor`` and ``empty``.

All of them make leaves.  ``requires_grad=True`` is accepted only for
floating-point dtypes, as in PyTorch.

``tensor`` infers the dtype as PyTorch does: every number in the data gets a
dtype (Python bool -> bool, int -> int64, float -> the default float32,
a NumPy number or a tensor keeps its own) and the result is the smallest
dtype that holds them all — ``[1, 2.5]`` is float32, ``[True, 2]`` is int64.
"""
import operator
import warnings

import numpy as np

from . import dtypes
from .device import check_device
from .ops.strides import laid_out, layout_like
from .tensor import Tensor, _wrap


# ------------------------------------------------------------------ tensor()
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf holding a copy of ``data`` (numbers, nested lists, NumPy arrays, tensors)."""
    check_device(device)
    target = dtypes.as_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
            "or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
        array = np.array(data._data, dtype=None if target is None else target.numpy_dtype)
    elif isinstance(data, np.ndarray):
        dtypes.from_numpy(data.dtype)  # a clear error for dtypes gradlab lacks (uint16, complex)
        array = np.array(data, dtype=None if target is None else target.numpy_dtype)
    else:
        values, inferred = _from_python(data)
        target = target or inferred
        array = _to_array(values, target)
    return _finish(array, requires_grad, None)


def _from_python(data):
    """Check ``data`` is a rectangular nesting of numbers; return it as plain lists and its dtype."""
    shape = []
    probe = data
    while _is_sequence(probe):
        if isinstance(probe, (np.ndarray, Tensor)):
            shape.extend(probe.shape)
            break
        shape.append(len(probe))
        if not len(probe):
            break
        probe = probe[0]
    found = []
    values = _walk(data, 0, shape, found)
    inferred = dtypes.get_default_dtype() if not found else found[0]
    for d in found[1:]:
        inferred = dtypes.promote_types(inferred, d)
    return values, inferred


def _is_sequence(value):
    return isinstance(value, (list, tuple, range)) or \
        (isinstance(value, (np.ndarray, Tensor)) and value.ndim > 0)


def _walk(item, dim, shape, found):
    if dim < len(shape):
        if not _is_sequence(item):
            _check_number(item)
            raise TypeError(
                f"expected a sequence at dim {dim} but got {type(item).__name__} ({item!r}); "
                "every row must have the same nesting"
            )
        if len(item) != shape[dim]:
            raise ValueError(
                f"expected sequence of length {shape[dim]} at dim {dim} (got {len(item)})"
            )
        if isinstance(item, np.ndarray):
            if item.shape != tuple(shape[dim:]):
                raise ValueError(f"expected an array of shape {tuple(shape[dim:])} at dim {dim} "
                                 f"(got {item.shape})")
            found.append(dtypes.from_numpy(item.dtype))
            return item
        if isinstance(item, Tensor):
            raise ValueError(
                "only one element tensors can be converted to Python scalars: to combine "
                "tensors of several elements into one, use torch.stack(list_of_tensors)"
            )
        return [_walk(child, dim + 1, shape, found) for child in item]
    if _is_sequence(item):
        raise TypeError(f"'{type(item).__name__}' object cannot be interpreted as a number at "
                        f"dim {dim}: every row must have the same nesting")
    return _number(item, found)


def _number(item, found):
    """A leaf of the data as a Python or NumPy number, noting its dtype."""
    if isinstance(item, Tensor) or isinstance(item, np.ndarray):  # 0-d
        found.append(dtypes.from_numpy(item.dtype) if isinstance(item, np.ndarray) else item.dtype)
        return item.item() if isinstance(item, Tensor) else item[()]
    _check_number(item)
    if isinstance(item, np.generic):
        found.append(dtypes.from_numpy(item.dtype))
        return item
    if item.__class__ is int or isinstance(item, int) and not isinstance(item, bool):
        if not -2**63 <= item < 2**63:
            raise ValueError(f"Overflow when unpacking long long: {item} does not fit in int64")
    found.append(dtypes.scalar_dtype(item))
    return item


def _check_number(item):
    if isinstance(item, (bool, int, float, np.bool_, np.integer, np.floating)):
        return
    if isinstance(item, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(item).__name__}' — tensor() takes "
                        f"numbers, not text ({item!r})")
    if isinstance(item, complex):
        raise TypeError("gradlab has no complex dtypes; tensor() takes real numbers")
    raise RuntimeError(f"Could not infer dtype of {type(item).__name__}: tensor() takes numbers, "
                       "nested lists of numbers, NumPy arrays or tensors")


def _to_array(values, target):
    numpy_dtype = target.numpy_dtype
    if target.category == 1:
        # out-of-range integers wrap around as in PyTorch (-1 as uint8 is 255)
        return np.array(values, dtype=np.int64).astype(numpy_dtype)
    with np.errstate(over="ignore"):
        return np.array(values, dtype=numpy_dtype)


# ---------------------------------------------------------------- shapes
def _size_argument(sizes, size=None, function="zeros"):
    """Accept ``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros([2, 3])`` and ``zeros(size=(2, 3))``."""
    if size is not None:
        if sizes:
            raise TypeError(f"{function}() got the size both positionally and as size=")
        sizes = (size,)
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    result = []
    for position, s in enumerate(sizes):
        try:
            if isinstance(s, (bool, float)):
                raise TypeError
            result.append(operator.index(s))
        except TypeError:
            raise TypeError(
                f"{function}(): argument 'size' must be a tuple of ints, but got "
                f"{type(s).__name__} ({s!r}) at position {position}; e.g. torch.{function}(2, 3)"
            ) from None
    for s in result:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {result}")
    return tuple(result)


def _finish(array, requires_grad, device):
    check_device(device)
    result = _wrap(array)
    if requires_grad:
        result.requires_grad_(True)
    return result


def _dtype_or(dtype, default):
    return (dtypes.as_dtype(dtype) if dtype is not None else default).numpy_dtype


# ------------------------------------------------------------- filled tensors
def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False, layout=None, out=None,
          pin_memory=False):
    shape = _size_argument(sizes, size, "zeros")
    return _finish(np.zeros(shape, _dtype_or(dtype, dtypes.get_default_dtype())), requires_grad, device)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False, layout=None, out=None,
         pin_memory=False):
    shape = _size_argument(sizes, size, "ones")
    return _finish(np.ones(shape, _dtype_or(dtype, dtypes.get_default_dtype())), requires_grad, device)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False, layout=None,
          memory_format=None, pin_memory=False):
    """gradlab's ``empty`` is filled with zeros, so results are reproducible."""
    shape = _size_argument(sizes, size, "empty")
    return _finish(np.zeros(shape, _dtype_or(dtype, dtypes.get_default_dtype())), requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None):
    """A tensor of ``size`` filled with ``fill_value``; its dtype follows the value (7 -> int64)."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' must be a tuple of ints, not "
                        f"{type(size).__name__}; e.g. torch.full((2, 3), 7.0)")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise TypeError(f"full(): argument 'fill_value' must be a number, not "
                        f"{type(fill_value).__name__}")
    default = dtypes.scalar_dtype(fill_value)
    return _finish(np.full(_size_argument((size,), None, "full"), fill_value, _dtype_or(dtype, default)),
                   requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, layout=None):
    """The identity matrix (n x n, or n x m): ones on the diagonal."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n if n < 0 else m}")
    return _finish(np.eye(n, m, dtype=_dtype_or(dtype, dtypes.get_default_dtype())),
                   requires_grad, device)


# ------------------------------------------------------------------ ranges
def _number_argument(value):
    return value.item() if isinstance(value, Tensor) else value


def _fused_multiply_add(a, b, c, numpy_dtype):
    """``a * b + c`` rounded once, as PyTorch's compiled kernels compute it (FMA)."""
    wide = np.float64 if numpy_dtype != np.float64 else np.longdouble
    return (np.asarray(a, wide) * np.asarray(b, wide) + np.asarray(c, wide)).astype(numpy_dtype)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, layout=None):
    """Like Python's ``range``; the result is int64 unless an argument (or ``dtype``) is a float."""
    if end is None:
        start, end = 0, start
    start, end, step = (_number_argument(v) for v in (start, end, step))
    is_float = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
    target = dtypes.as_dtype(dtype) if dtype is not None else \
        (dtypes.get_default_dtype() if is_float else dtypes.int64)
    if target is dtypes.bool:
        raise NotImplementedError("arange is not implemented for bool (\"arange_cpu\" not "
                                  "implemented for 'Bool'); make an int range and compare it")
    if not target.is_floating_point:
        if step and not int(step):
            raise ValueError(f"step must be nonzero (the step {step} is 0 as an integer; "
                             "use a float dtype or an integer step)")
        start, end, step = int(start), int(end), int(step)  # PyTorch truncates, then counts
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError(
            f"upper bound and lower bound inconsistent with step sign (start={start}, end={end}, "
            f"step={step}); for a decreasing range use a negative step, e.g. arange(5, 0, -1)"
        )
    if target.is_floating_point:
        count = int(np.ceil((float(end) - float(start)) / float(step)))
        array = _fused_multiply_add(float(step), np.arange(count), float(start), target.numpy_dtype)
    else:
        array = np.arange(start, end, step, dtype=np.int64).astype(target.numpy_dtype)
    return _finish(array, requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, layout=None):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    start, end, steps = (_number_argument(v) for v in (start, end, steps))
    if steps < 0:
        raise RuntimeError(f"number of steps must be non-negative (got {steps})")
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    return _finish(_linspace_values(start, end, int(steps), target), requires_grad, device)


def _linspace_values(start, end, steps, target):
    """PyTorch's algorithm: the first half counts up from ``start``, the second half
    down from ``end``, so both ends are exact."""
    if target.is_floating_point:
        compute = target.numpy_dtype if target is not dtypes.float16 else np.dtype(np.float32)
        start, end = compute.type(start), compute.type(end)
    else:
        compute = np.dtype(np.float64)  # integer ranges step in double, then truncate
        start, end = float(int(start)), float(int(end))
    if steps == 1:
        return np.array([start], dtype=compute).astype(target.numpy_dtype)
    step = compute.type((compute.type(end) - compute.type(start)) / compute.type(max(steps - 1, 1)))
    index = np.arange(steps)
    halfway = steps // 2
    rising = _fused_multiply_add(step, index, start, compute)
    falling = _fused_multiply_add(-step, steps - index - 1, end, compute)
    with np.errstate(invalid="ignore"):
        return np.where(index < halfway, rising, falling).astype(target.numpy_dtype)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    exponents = _linspace_values(start, end, int(steps), dtypes.float64)
    return _finish((float(base) ** exponents).astype(target.numpy_dtype), requires_grad, device)


# ---------------------------------------------------------------- *_like
def _like(input, fill, dtype, requires_grad, device, memory_format):
    target = _dtype_or(dtype, input.dtype)
    array = np.full(input._data.shape, fill, dtype=target)
    return _finish(laid_out_like(array, input, memory_format), requires_grad, device)


def laid_out_like(array, input, memory_format=None):
    """A new ``*_like`` array laid out in memory as PyTorch lays it out: like ``input``."""
    return laid_out(array, *layout_like(input._data, memory_format))


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(input, 0, dtype, requires_grad, device, memory_format)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(input, 1, dtype, requires_grad, device, memory_format)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None):
    return _like(input, _number_argument(fill_value), dtype, requires_grad, device, memory_format)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(input, 0, dtype, requires_grad, device, memory_format)


# ------------------------------------------------------------ sharing memory
def from_numpy(array):
    """A tensor sharing memory with a NumPy array (changes show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy(array.dtype)
    return _wrap(array)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory when it already is one (or a NumPy array
    of the requested dtype); otherwise a copy, as ``tensor`` makes."""
    check_device(device)
    target = dtypes.as_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        return data if target is None or target is data.dtype else data.to(target)
    if isinstance(data, np.ndarray) and (target is None or target.numpy_dtype == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()
