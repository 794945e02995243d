"""Lengths and angles between vectors: ``normalize``, ``cosine_similarity``, ``pairwise_distance``.

All three are composed of ordinary ops, node for node as PyTorch builds them:

- normalize: x / max(‖x‖_p, eps), the norm expanded back to x's shape;
- cosine_similarity: Σ (x1/‖x1‖)·(x2/‖x2‖) along ``dim``.  Each norm is cloned and
  then clamped at eps in place *without recording* (PyTorch's trick): the clamp
  keeps 0/0 away but the gradient flows as if it were not there;
- pairwise_distance: ‖x1 - x2 + eps‖_p over the last dimension, with PyTorch's
  older norm node, ``NormBackward1`` (the same derivative as ``linalg.vector_norm``).
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.grad_mode import no_grad
from .arguments import require_tensor
from .arithmetic import add_number
from .reduction import LinalgVectorNormBackward0
from .shape import normalize_dim


class NormBackward1(LinalgVectorNormBackward0):
    """``torch.norm(a, p, dim)`` as ``pairwise_distance`` calls it: (Σ |a_i|^p)^(1/p) over
    ``dims`` — PyTorch's name for the same derivative as ``LinalgVectorNormBackward0``."""

    derivatives = Derivatives("‖a‖_p", a=Words(
        "sign(a)·|a|^(p-1) / out^(p-1) with p = ord: a / out for p = 2; 0 where out = 0"))


def _require_tensors(function, *named):
    for position, (name, value) in enumerate(named, 1):
        require_tensor(function, name, value, position)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(‖x‖_p, eps) along ``dim``: unit vectors (rows, for the default dim=1)."""
    _require_tensors("normalize", ("input", input))
    denominator = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is not None:
        from .. import div

        return div(input, denominator, out=out)
    return input / denominator


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """cos of the angle between x1 and x2 along ``dim``: Σ x1·x2 / (‖x1‖·‖x2‖), each norm
    at least eps; the inputs broadcast."""
    _require_tensors("cosine_similarity", ("x1", x1), ("x2", x2))
    if x1.shape != x2.shape:
        shape = _broadcast_or_explain(x1, x2)
        x1, x2 = x1.expand(shape), x2.expand(shape)
    x1_norm = x1.norm(2, dim, keepdim=True).clone()
    x2_norm = x2.norm(2, dim, keepdim=True).clone()
    with no_grad():  # the clamp guards the division; the gradient ignores it, as PyTorch's
        x1_norm.clamp_(min=eps)
        x2_norm.clamp_(min=eps)
    return ((x1 / x1_norm) * (x2 / x2_norm)).sum(dim)


def _broadcast_or_explain(x1, x2):
    try:
        return np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        size = max(x1.dim(), x2.dim())
        for position in range(1, size + 1):
            a = x1.shape[-position] if position <= x1.dim() else 1
            b = x2.shape[-position] if position <= x2.dim() else 1
            if a != b and 1 not in (a, b):
                raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b "
                                   f"({b}) at non-singleton dimension {size - position}") from None
        raise


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """‖x1 - x2 + eps‖_p over the last dimension: the distance between paired rows."""
    _require_tensors("pairwise_distance", ("x1", x1), ("x2", x2))
    difference = add_number(x1 - x2, eps)  # a C++ scalar add in PyTorch: AddBackward1
    last = normalize_dim(max(x1.dim(), x2.dim()) - 1, difference.dim()) if difference.dim() else None
    dims = None if last is None else (last,)
    return NormBackward1.apply(difference, ord=float(p), dims=dims, keepdim=keepdim)
