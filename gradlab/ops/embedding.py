"""``embedding``: look up one row of a weight table per index (what ``C[X]`` does in
makemore, as a layer).

out[..., :] = W[index[...], :].  The gradient of row r of W is the sum of the
gradients of every output that read row r (zero for ``padding_idx``, whose row
is never trained).  That backward is itself an op,
``EmbeddingDenseBackwardBackward0`` (PyTorch's name), linear in the gradient, so
its own backward is the same lookup again.
"""
import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.grad_mode import no_grad
from ..autograd.node import Node
from ..tensor import Tensor, _wrap


class EmbeddingBackward0(Node):
    """``W[index]``: row index[i] of the table W for every index i."""

    derivatives = Derivatives(
        "embedding(W, index)",
        W=Words("1 where a row was read (summed over repeats; 0 for padding_idx)"))

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.indices, ctx.num_weights = indices, weight.shape[0]
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx, grad_output):
        return EmbeddingDenseBackwardBackward0.apply(
            grad_output, indices=ctx.indices, num_weights=ctx.num_weights,
            padding_idx=ctx.padding_idx, scale_grad_by_freq=ctx.scale_grad_by_freq)


class EmbeddingDenseBackwardBackward0(Node):
    """embedding's backward as an op: add each gradient row into the row of W it was read from."""

    derivatives = Derivatives("embedding_backward(grad, index)",
                              grad=Words("1 at the row of W it was read from"))

    @staticmethod
    def forward(ctx, grad, indices, num_weights, padding_idx, scale_grad_by_freq):
        flat = indices.reshape(-1)
        rows = grad.reshape(flat.size, -1)
        scale = _row_scale(flat, num_weights, padding_idx, scale_grad_by_freq)
        # PyTorch's double backward zeroes padding_idx but does not scale by frequency
        ctx.indices = indices
        ctx.scale = _row_scale(flat, num_weights, padding_idx, False) if scale_grad_by_freq \
            else scale
        grad_weight = np.zeros((num_weights, rows.shape[1]), grad.dtype)
        np.add.at(grad_weight, flat, rows * scale[flat, None])
        return grad_weight

    @staticmethod
    def backward(ctx, grad_grad_weight):
        # the same lookup: every output row reads its table row's upstream gradient
        flat = ctx.indices.reshape(-1)
        scale = _wrap(ctx.scale[flat, None].astype(grad_grad_weight._data.dtype))
        rows = grad_grad_weight.index_select(0, _wrap(flat.astype(np.int64)))
        return (rows * scale).reshape(*ctx.indices.shape, grad_grad_weight.shape[1])


def _row_scale(flat, num_weights, padding_idx, scale_grad_by_freq):
    """The factor of each table row's gradient: 0 for padding_idx, 1/count with scale_grad_by_freq."""
    scale = np.ones(num_weights)
    if scale_grad_by_freq:
        counts = np.bincount(flat, minlength=num_weights)
        scale = 1.0 / np.maximum(counts, 1)
    if padding_idx is not None:
        scale[padding_idx] = 0.0
    return scale


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Row ``input[i]`` of ``weight`` for every index: output shape ``input.shape + (dim,)``."""
    if not isinstance(input, Tensor) or input._data.dtype not in (np.int64, np.int32):
        kind = input.type() if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {kind} instead (while checking "
                           "arguments for embedding)")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    num_weights = weight.shape[0]
    padding_idx = _resolve_padding_idx(padding_idx, num_weights, "num_weights")
    if sparse:
        raise NotImplementedError("embedding(sparse=True): gradlab has no sparse gradients; "
                                  "use the default sparse=False")
    indices = input._data.astype(np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= num_weights):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, np.unique(indices), max_norm, norm_type)
    return EmbeddingBackward0.apply(weight, indices, padding_idx, bool(scale_grad_by_freq))


def _resolve_padding_idx(padding_idx, count, count_name):
    """``padding_idx`` as a row number in [0, count) (a negative one counts from the end),
    or None; PyTorch's assertion names the table's size ``count_name``."""
    if padding_idx is None:
        return None
    message = f"Padding_idx must be within {count_name}"
    if padding_idx > 0:
        assert padding_idx < count, message
    elif padding_idx < 0:
        assert padding_idx >= -count, message
        padding_idx = count + padding_idx
    return padding_idx


def _renorm_rows(weight, rows, max_norm, norm_type):
    """Shrink, in place, each looked-up row whose norm exceeds max_norm to that norm."""
    with no_grad():
        table = weight._data
        norms = np.linalg.norm(table[rows].astype(np.float64), ord=norm_type, axis=1)
        too_long = norms > max_norm
        scale = max_norm / (norms[too_long] + 1e-7)
        table[rows[too_long]] *= scale[:, None].astype(table.dtype)
