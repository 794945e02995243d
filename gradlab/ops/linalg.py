"""Matrix products: ``matmul`` (``@``), ``mm``, ``mv``, ``dot``, ``bmm``, ``outer``.

For C = A @ B the gradients are grad_A = grad_C @ Bᵀ and grad_B = Aᵀ @ grad_C:
each input's gradient is the output gradient multiplied by the *other*
input, transposed so the shapes fit.
"""
import numpy as np

from ..autograd.node import Node


class MmBackward0(Node):
    """out = A @ B (2-d)          grad_A = grad @ Bᵀ,  grad_B = Aᵀ @ grad"""

    expression = "A @ B"
    local_derivatives = ("∂out/∂A: grad @ Bᵀ", "∂out/∂B: Aᵀ @ grad")
    local_derivatives_latex = (r"\bar{A} = \bar{C} B^\top", r"\bar{B} = A^\top \bar{C}")
    promotes_dtypes = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad_output.mm(b.t()) if needs_a else None, a.t().mm(grad_output) if needs_b else None)


def _check_same_dtype(name, a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{name}: expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != "
            f"{b.dtype.name} (convert one with .to(other.dtype))"
        )


def mm(input, mat2):  # noqa: A002 - PyTorch's argument name
    if input.dim() != 2 or mat2.dim() != 2:
        raise RuntimeError(
            f"mm: expected 2-d tensors, got {input.dim()}-d and {mat2.dim()}-d (use matmul or @ "
            "for other shapes)"
        )
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
            f"{mat2.shape[0]}x{mat2.shape[1]})"
        )
    _check_same_dtype("mm", input, mat2)
    return MmBackward0.apply(input, mat2)
