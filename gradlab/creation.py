"""Creating tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``eye``, ``arange``,
``linspace``, the ``*_like`` forms, ``from_numpy`` and ``empty``.

All of them make leaves.  ``requires_grad=True`` is accepted only for
floating-point dtypes, as in PyTorch.
"""
import numpy as np

from . import dtypes
from .device import check_device
from .tensor import Tensor, _wrap, tensor_from_data

tensor = tensor_from_data


def _size_argument(size):
    """Accept ``zeros(2, 3)``, ``zeros((2, 3))`` and ``zeros([2, 3])``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(
                f"sizes must be integers, got {type(s).__name__} ({s!r}); e.g. torch.zeros(2, 3)"
            )
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _finish(array, requires_grad, device):
    check_device(device)
    result = _wrap(array)
    if requires_grad:
        result.requires_grad_(True)
    return result


def _dtype_or(dtype, default):
    return (dtypes.as_dtype(dtype) if dtype is not None else default).numpy_dtype


def zeros(*size, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    return _finish(np.zeros(_size_argument(size), _dtype_or(dtype, dtypes.get_default_dtype())),
                   requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    return _finish(np.ones(_size_argument(size), _dtype_or(dtype, dtypes.get_default_dtype())),
                   requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """gradlab's ``empty`` is filled with zeros, so results are reproducible."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None):
    default = dtypes.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    return _finish(np.full(_size_argument((size,)), fill_value, _dtype_or(dtype, default)),
                   requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_dtype_or(dtype, dtypes.get_default_dtype())),
                   requires_grad, device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Like Python's ``range``; the result is int64 unless an argument (or ``dtype``) is a float."""
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    is_float = any(isinstance(v, float) for v in values)
    default = dtypes.get_default_dtype() if is_float else dtypes.int64
    target = _dtype_or(dtype, default)
    count = max(int(np.ceil((values[1] - values[0]) / values[2])), 0)
    array = (values[0] + values[2] * np.arange(count, dtype=np.float64)).astype(target)
    return _finish(array, requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    array = np.linspace(float(start), float(end), int(steps), dtype=np.float64)
    return _finish(array.astype(_dtype_or(dtype, dtypes.get_default_dtype())), requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    array = np.logspace(float(start), float(end), int(steps), base=base)
    return _finish(array.astype(_dtype_or(dtype, dtypes.get_default_dtype())), requires_grad, device)


def _like(input, fill, dtype, requires_grad):  # noqa: A002
    target = _dtype_or(dtype, input.dtype)
    return _finish(np.full(input._data.shape, fill, dtype=target), requires_grad, None)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):  # noqa: A002
    return _like(input, 0, dtype, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):  # noqa: A002
    return _like(input, 1, dtype, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):  # noqa: A002
    return _like(input, fill_value, dtype, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):  # noqa: A002
    return _like(input, 0, dtype, requires_grad)


def from_numpy(array):
    """A tensor sharing memory with a NumPy array (changes show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy(array.dtype)
    return _wrap(array)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or dtypes.as_dtype(dtype) is data.dtype):
        return data
    if isinstance(data, np.ndarray) and dtype is None:
        return from_numpy(data)
    return tensor_from_data(data, dtype=dtype, device=device)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):  # noqa: A002
    return input.numel()
