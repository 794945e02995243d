"""Argument checks many ops share, each with PyTorch's message (and a hint where it helps)."""
from ..dtypes import type_name
from ..tensor import Tensor


def require_tensor(function, name, value, position):
    """``function(...)``'s argument ``name`` (at ``position``, from 1) must be a tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{function}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")


def refuse_integers(kernel, dtype, hint=None):
    """PyTorch's refusal of an integer or bool tensor by a floating-point kernel (named as
    PyTorch names it: "leaky_relu_cpu", "batch_norm", ...); ``dtype`` gradlab's or NumPy's."""
    name = type_name(dtype)
    if name not in ("Half", "Float", "Double"):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'"
                                  + (f" ({hint})" if hint else ""))
