"""In-place operations: ``add_``, ``mul_``, ``zero_``, ``+=``, ... and autograd's rules for them.

Changing a tensor's memory is risky for autograd, so PyTorch enforces rules
that gradlab mirrors:

- a leaf that requires grad may not be changed in place while recording
  (``with no_grad(): w -= lr * w.grad`` is the way: it keeps ``w`` the same leaf);
- every tensor carries a version counter, bumped by each in-place change; a
  node that saved a tensor for backward checks the version when backward
  runs, so a value changed after it was saved fails loudly instead of giving
  a wrong gradient;
- a non-leaf changed in place while recording gets a new ``grad_fn``: the
  op's node, whose input is the tensor's previous value.
"""
import numpy as np

from .. import dtypes
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.node import NO_CONTEXT, Node
from ..tensor import Tensor, bump_version
from . import arithmetic, pointwise

_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "uint8": "Byte",
               "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool"}


def check_inplace(tensor, operands=()):
    """Refuse in-place changes that would make autograd's answer wrong."""
    if not _grad_state.enabled:
        return
    if tensor.grad_fn is None and tensor._requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation. "
            "(Update parameters inside `with torch.no_grad():`, or use an out-of-place "
            "operation such as w = w + 1.)"
        )
    if tensor._base is not None and (tensor._requires_grad or _any_requires_grad(operands)) \
            and (tensor._base._requires_grad or tensor.grad_fn is not None):
        raise RuntimeError(
            "gradlab does not support in-place changes to a view of a tensor that requires grad "
            "(PyTorch rewrites the graph of the base tensor here). Use an out-of-place operation "
            "or .clone() the view first."
        )


def _any_requires_grad(operands):
    return any(isinstance(o, Tensor) and o._requires_grad for o in operands)


def _check_result_dtype(tensor, operands, node_class=None):
    result = dtypes.result_type(tensor, *operands)
    if node_class is not None and node_class.promotes_dtypes == "float" and not result.is_floating_point:
        result = dtypes.get_default_dtype()
    if result.category > tensor.dtype.category:
        raise RuntimeError(
            f"result type {_TYPE_NAMES[result.name]} can't be cast to the desired output type "
            f"{_TYPE_NAMES[tensor.dtype.name]}"
        )


def apply_inplace(tensor, node_class, *operands, casts=False, **params):
    """Run ``node_class`` on ``tensor`` and write the result into ``tensor``'s memory.

    ``casts=True`` allows any result dtype (``copy_``); otherwise a result that
    does not fit the tensor's dtype (int tensor += 1.5) is refused.
    """
    check_inplace(tensor, operands)
    if not casts:
        _check_result_dtype(tensor, operands, node_class)
    if _grad_state.enabled and (tensor._requires_grad or _any_requires_grad(operands)):
        # Record: the node's input is a copy of the old value, the tensor becomes its output.
        previous = _snapshot(tensor)
        result = node_class.apply(previous, *operands, **params)
        _write(tensor, result._data)
        tensor.grad_fn = result.grad_fn
        tensor._output_nr = result._output_nr
        tensor._requires_grad = True
        return tensor
    values = [o._data if isinstance(o, Tensor) else o for o in operands]
    _write(tensor, node_class.forward(NO_CONTEXT, tensor._data, *values, **params))
    return tensor


def _snapshot(tensor):
    from ..tensor import _wrap

    previous = _wrap(tensor._data.copy(), tensor.grad_fn, tensor._output_nr)
    previous._requires_grad = tensor._requires_grad
    return previous


def _write(tensor, values):
    if not tensor._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    np.copyto(tensor._data, values, casting="unsafe")
    bump_version(tensor)


def _operand(value):
    if isinstance(value, np.ndarray):
        from ..tensor import tensor_from_data

        return tensor_from_data(value)
    return value


# ------------------------------------------------------------------ the ops
def add_(tensor, other, *, alpha=1):
    return apply_inplace(tensor, arithmetic.AddBackward0, _operand(other), alpha=alpha)


def sub_(tensor, other, *, alpha=1):
    return apply_inplace(tensor, arithmetic.SubBackward0, _operand(other), alpha=alpha)


def mul_(tensor, other):
    return apply_inplace(tensor, arithmetic.MulBackward0, _operand(other))


def div_(tensor, other):
    return apply_inplace(tensor, arithmetic.DivBackward0, _operand(other))


def pow_(tensor, exponent):
    if isinstance(exponent, Tensor):
        return apply_inplace(tensor, arithmetic.PowBackward1, exponent)
    return apply_inplace(tensor, arithmetic.PowBackward0, exponent=exponent)


def clamp_(tensor, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    return apply_inplace(tensor, pointwise.ClampBackward1, min=min, max=max)


class ZeroBackward0(Node):
    """out = 0 (every element overwritten)          d/da = 0"""

    expression = "a.zero_()"
    local_derivatives = ("∂out/∂a = 0",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 0",)

    @staticmethod
    def forward(ctx, a):
        return np.zeros_like(a)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 0


class FillBackward2(Node):
    """out = value everywhere          d/da = 0"""

    expression = "a.fill_(value)"
    local_derivatives = ("∂out/∂a = 0",)
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 0",)

    @staticmethod
    def forward(ctx, a, value):
        return np.full_like(a, value)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 0


class CopyBackwards(Node):
    """out = source (broadcast to a's shape)          d/da = 0,  d/dsource = 1"""

    expression = "a.copy_(source)"
    local_derivatives = ("∂out/∂a = 0", "∂out/∂source = 1")
    local_derivatives_latex = (r"\frac{\partial out}{\partial a} = 0",
                               r"\frac{\partial out}{\partial source} = 1")

    @staticmethod
    def forward(ctx, a, source):
        return np.broadcast_to(source, a.shape).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 0, grad_output


def zero_(tensor):
    return apply_inplace(tensor, ZeroBackward0)


def fill_(tensor, value):
    value = value.item() if isinstance(value, Tensor) else value
    return apply_inplace(tensor, FillBackward2, value=value)


def copy_(tensor, source):
    """Overwrite ``tensor`` with ``source``'s values (broadcast and cast to fit)."""
    source = _operand(source)
    if not isinstance(source, Tensor):
        from ..tensor import tensor_from_data

        source = tensor_from_data(source)
    return apply_inplace(tensor, CopyBackwards, source, casts=True)
