"""Selecting and scattering by a boolean mask: ``masked_select`` and ``masked_scatter``.

``x.masked_select(mask)`` is the 1-d tensor of the entries where ``mask`` is True (in
row-major order; ``mask`` and ``x`` broadcast together). ``x.masked_scatter(mask, source)``
is the inverse move: ``x`` with those positions filled by the first entries of ``source``.
Each is the other's gradient, which is why PyTorch's double backward of ``masked_fill``
with a tensor value goes through ``MaskedSelectBackward0``.
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import Node
from ..dtypes import type_name
from ..tensor import Tensor
from .comparison import _same_shape_error
from .shape import cat


def _common_shape(input_shape, mask_shape):
    try:
        return np.broadcast_shapes(input_shape, mask_shape)
    except ValueError:
        raise _same_shape_error(mask_shape, input_shape) from None  # PyTorch names the mask a


def _broadcast_pair(input, mask):
    shape = _common_shape(input.shape, mask.shape)
    return np.broadcast_to(input, shape), np.broadcast_to(mask, shape)


class MaskedSelectBackward0(Node):
    """``a[mask]`` as a 1-d tensor (``a`` and ``mask`` broadcast together)."""

    derivatives = Derivatives("masked_select(a, mask)",
                              a=Words("1 at each selected position (its gradient scattered back), "
                                      "0 elsewhere"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, mask):
        ctx.input_shape = a.shape
        ctx.save_for_backward(mask)
        values, chosen = _broadcast_pair(a, mask._data)
        return values[chosen]

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        shape = _common_shape(ctx.input_shape, mask.shape)
        # the engine sums a broadcast input's gradient back to its shape
        return masked_scatter(grad_output.new_zeros(shape), mask, grad_output)


class MaskedScatterBackward0(Node):
    """``a`` with the positions where ``mask`` is True filled, in order, from ``source``."""

    derivatives = Derivatives(
        "masked_scatter(a, mask, source)",
        a=Words("1 where mask is False (the kept entries), 0 where source was written"),
        source=Words("1 for each of its first mask.sum() entries (the gradient at the written "
                     "positions), 0 for the rest"),
    )
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, source, mask):
        ctx.source_shape = source.shape
        ctx.save_for_backward(mask)
        values, chosen = _broadcast_pair(a, mask._data)
        out = np.array(values)
        out[chosen] = source.reshape(-1)[:np.count_nonzero(chosen)]
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        needs_a, needs_source = ctx.needs_input_grad
        grad_a = grad_source = None
        if needs_a:
            grad_a = grad_output.masked_fill(mask, 0)
        if needs_source:
            written = grad_output.masked_select(mask)
            size = int(np.prod(ctx.source_shape))
            if written.shape[0] < size:  # source entries past the mask's count were not used
                written = cat([written, written.new_zeros(size - written.shape[0])])
            grad_source = written.reshape(ctx.source_shape)
        return grad_a, grad_source


def _check_mask(name, mask):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): argument 'mask' (position 2) must be Tensor, not "
                        f"{type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{name}: expected BoolTensor for mask (got {type_name(mask._data.dtype)}; "
                           "make one with a comparison, e.g. x > 0)")


def masked_select(input, mask):
    """The entries of ``input`` where ``mask`` is True, as a 1-d tensor (they broadcast)."""
    _check_mask("masked_select", mask)
    _common_shape(input.shape, mask.shape)
    return MaskedSelectBackward0.apply(input, mask)


def masked_scatter(input, mask, source):
    """``input`` with the positions where ``mask`` is True filled, in order, from ``source``."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = type_name(mask._data.dtype) if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {got}")
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter(): argument 'source' (position 3) must be Tensor, not "
                        f"{type(source).__name__}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{type_name(input._data.dtype)} and {type_name(source._data.dtype)}")
    chosen = np.broadcast_to(mask._data, _common_shape(input.shape, mask.shape))
    if source._data.size < np.count_nonzero(chosen):
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatterBackward0.apply(input, source, mask)
