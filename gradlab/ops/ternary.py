"""Pointwise ops of three tensors, which optimizers are written with: ``addcmul``, ``addcdiv``
and ``lerp`` (and their in-place forms ``addcmul_``, ``addcdiv_``, ``lerp_``).

    addcmul(a, b, c, value)  = a + value · b · c      (Adam: exp_avg_sq.addcmul_(g, g, value=1 − β₂))
    addcdiv(a, b, c, value)  = a + value · b / c      (Adam: p.addcdiv_(exp_avg, denom, value=−lr))
    lerp(a, b, weight)       = a + weight · (b − a)   (a running average: exp_avg.lerp_(g, 1 − β₁))

All three broadcast their inputs, as ``a + b`` does; the engine sums each gradient back
to its input's shape.
"""
import numpy as np

from ..autograd.derivative import Derivatives
from ..autograd.node import Node
from ..dtypes import cast_value, result_type
from ..tensor import Tensor
from . import inplace


def _same_dtype(*arrays):
    dtype = result_type(*arrays).numpy_dtype
    return [cast_value(array, dtype) for array in arrays]


class AddcmulBackward0(Node):
    """``a + value · b · c``."""

    derivatives = Derivatives("a + value * b * c", a="1", b="value * c", c="value * b")

    @staticmethod
    def forward(ctx, a, b, c, value):
        ctx.value = value
        ctx.save_for_backward(b, c)
        a, b, c = _same_dtype(a, b, c)
        value = _number_in(value, a.dtype)
        return a + value * b * c if value != 1 else a + b * c

    @staticmethod
    def backward(ctx, grad_output):
        b, c = ctx.saved_tensors
        needs_a, needs_b, needs_c = ctx.needs_input_grad
        value = ctx.value
        return (grad_output if needs_a else None,
                grad_output * c * value if needs_b else None,
                grad_output * b * value if needs_c else None)


class AddcdivBackward0(Node):
    """``a + value · b / c``."""

    derivatives = Derivatives("a + value * b / c", a="1", b="value / c", c="-value * b / c**2")

    @staticmethod
    def forward(ctx, a, b, c, value):
        ctx.value = value
        ctx.save_for_backward(b, c)
        a, b, c = _same_dtype(a, b, c)
        return a + value * b / c

    @staticmethod
    def backward(ctx, grad_output):
        b, c = ctx.saved_tensors
        needs_a, needs_b, needs_c = ctx.needs_input_grad
        value = ctx.value
        return (grad_output if needs_a else None,
                grad_output * value / c if needs_b else None,
                -grad_output * value * b / (c * c) if needs_c else None)


def _lerp(a, b, weight):
    """PyTorch's formula: from the nearer end, so that weight 1 gives exactly ``b``."""
    near_start = np.abs(weight) < 0.5
    return np.where(near_start, a + weight * (b - a), b - (b - a) * (1 - weight))


class LerpBackward0(Node):
    """``lerp(a, b, weight)`` with ``weight`` a number: ``a + weight · (b − a)``."""

    derivatives = Derivatives("a + weight * (b - a)", a="1 - weight", b="weight")

    @staticmethod
    def forward(ctx, a, b, weight):
        ctx.weight = weight
        a, b = _same_dtype(a, b)
        return _lerp(a, b, a.dtype.type(weight)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        needs_a, needs_b = ctx.needs_input_grad
        weight = ctx.weight
        return (grad_output * (1 - weight) if needs_a else None,
                grad_output * weight if needs_b else None)


class LerpBackward1(Node):
    """``lerp(a, b, weight)`` with ``weight`` a tensor: ``a + weight · (b − a)``."""

    derivatives = Derivatives("a + weight * (b - a)", a="1 - weight", b="weight", weight="b - a")

    @staticmethod
    def forward(ctx, a, b, weight):
        ctx.save_for_backward(a, b, weight)
        a, b, weight = _same_dtype(a, b, weight)
        return _lerp(a, b, weight)

    @staticmethod
    def backward(ctx, grad_output):
        a, b, weight = ctx.saved_tensors
        needs_a, needs_b, needs_weight = ctx.needs_input_grad
        return (grad_output * (1 - weight) if needs_a else None,
                grad_output * weight if needs_b else None,
                grad_output * (b - a) if needs_weight else None)


# ------------------------------------------------------------------ functions
def _tensor_argument(name, position, value):
    """``position``: 0 the tensor itself, 1 and 2 ``tensor1``, ``tensor2`` (numbered as in the
    method call ``a.addcmul(tensor1, tensor2)``, which PyTorch's message counts)."""
    if not isinstance(value, Tensor):
        argument = ("input", "tensor1", "tensor2")[position]
        raise TypeError(f"{name}(): argument '{argument}' (position {max(position, 1)}) must be "
                        f"Tensor, not {type(value).__name__}")
    return value


def _number_in(value, dtype):
    """``value`` as the op computes with it: an int for integer results (PyTorch casts it)."""
    return int(value) if dtype.kind in "iub" else value


def _check_addc(name, tensor, tensor1, tensor2, value, divides=False):
    """addcmul's and addcdiv's arguments (and their in-place forms'), checked in PyTorch's order."""
    for position, t in enumerate((tensor, tensor1, tensor2)):
        _tensor_argument(name, position, t)
    if divides and tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    if not isinstance(value, (int, float, np.number)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}(): argument 'value' must be Number, not {type(value).__name__}")


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value · tensor1 · tensor2`` (broadcast)."""
    _check_addc("addcmul", input, tensor1, tensor2, value)
    return AddcmulBackward0.apply(input, tensor1, tensor2, value=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value · tensor1 / tensor2`` (broadcast)."""
    _check_addc("addcdiv", input, tensor1, tensor2, value, divides=True)
    return AddcdivBackward0.apply(input, tensor1, tensor2, value=value)


def _check_lerp(input, end, weight):
    _tensor_argument("lerp", 0, input)
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp(): argument 'end' (position 2) must be Tensor, not "
                        f"{type(end).__name__}")
    if end.dtype != input.dtype:
        raise RuntimeError(f"expected dtype {input.dtype._cpp_name} for `end` but got dtype "
                           f"{end.dtype._cpp_name}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for "
                                  f"'{input.dtype._type_name}'")
    if isinstance(weight, Tensor) and weight.dtype != input.dtype:
        raise RuntimeError(f"expected dtype {input.dtype._cpp_name} for `weight` but got dtype "
                           f"{weight.dtype._cpp_name}")


def lerp(input, end, weight):
    """``input + weight · (end − input)``: a straight line from ``input`` (weight 0) to ``end``
    (weight 1); ``weight`` a number or a tensor (broadcast)."""
    _check_lerp(input, end, weight)
    if isinstance(weight, Tensor):
        return LerpBackward1.apply(input, end, weight)
    return LerpBackward0.apply(input, end, weight=float(weight))


# ------------------------------------------------------------------ in place
def addcmul_(tensor, tensor1, tensor2, *, value=1):
    _check_addc("addcmul_", tensor, tensor1, tensor2, value)
    inplace._check_shape(tensor, (tensor1, tensor2))
    return inplace.apply_inplace(tensor, AddcmulBackward0, tensor1, tensor2, value=value)


def addcdiv_(tensor, tensor1, tensor2, *, value=1):
    _check_addc("addcdiv_", tensor, tensor1, tensor2, value, divides=True)
    inplace._check_shape(tensor, (tensor1, tensor2))
    return inplace.apply_inplace(tensor, AddcdivBackward0, tensor1, tensor2, value=value)


def lerp_(tensor, end, weight):
    _check_lerp(tensor, end, weight)
    if isinstance(weight, Tensor):
        inplace._check_shape(tensor, (end, weight))
        return inplace.apply_inplace(tensor, LerpBackward1, end, weight)
    inplace._check_shape(tensor, (end,))
    return inplace.apply_inplace(tensor, LerpBackward0, end, weight=float(weight))
