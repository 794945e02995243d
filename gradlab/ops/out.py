"""``out=``: a function's result written into a tensor the caller gives.

``torch.add(a, b, out=c)`` computes ``a + b`` and writes it into ``c``'s memory, as PyTorch
does: an empty ``c`` takes the result's shape (a non-empty one of the wrong shape too, with
PyTorch's deprecation warning), the result is cast to ``c``'s dtype unless that would lose
its kind (a float result cannot go into an int tensor), and ``c`` is returned. Nothing is
recorded: ``out=`` is refused while autograd records and an argument requires grad.
"""
import warnings

import numpy as np

from .. import dtypes
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, announce, bump_version, observers


def _tensors_in(values):
    for value in values:
        if isinstance(value, Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from _tensors_in(value)


def into_out(name, out, function, *args, exact_dtype=False, **kwargs):
    """``function(*args, **kwargs)`` written into ``out`` (returned), as PyTorch's ``name(..., out=out)``.

    ``exact_dtype``: ``out`` must have the result's dtype (PyTorch's matrix products)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _grad_state.enabled and (out.requires_grad
                                or any(t.requires_grad for t in _tensors_in(args))):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad. (Call it without out=, or inside "
            "torch.no_grad().)")
    with no_grad():
        result = function(*args, **kwargs)
    result_dtype = result.dtype
    if exact_dtype and result_dtype != out.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {dtypes.cpp_type_name(result_dtype)}, "
                           f"but got {dtypes.cpp_type_name(out.dtype)} instead")
    if result_dtype.category > out.dtype.category:
        raise RuntimeError(f"result type {result_dtype._type_name} can't be cast to the desired "
                           f"output type {out.dtype._type_name}")
    _fit(out, result._data.shape)
    np.copyto(out._data, result._data, casting="unsafe")
    bump_version(out)
    if observers:
        announce(out)
    return out


def _fit(out, shape):
    """Give ``out`` the result's shape (PyTorch resizes it; non-empty with a warning)."""
    if out._data.shape == shape:
        return
    if out._base is not None or out._memory_owner is not None:
        raise RuntimeError(
            f"out= tensor of shape {list(out._data.shape)} shares its memory with another tensor and "
            f"cannot be resized to the result's shape {list(shape)} (gradlab resizes only tensors "
            "that own their memory; pass an out of the right shape)")
    if out._data.size:
        warnings.warn(
            f"An output with one or more elements was resized since it had shape "
            f"{list(out._data.shape)}, which does not match the required output shape {list(shape)}. "
            "This behavior is deprecated, and in a future PyTorch release outputs will not be "
            "resized unless they have zero elements. You can explicitly reuse an out tensor t by "
            "resizing it, inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=3)
    out._data = np.empty(shape, dtypes.as_dtype(out.dtype).numpy_dtype)
