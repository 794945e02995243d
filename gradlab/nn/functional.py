"""``gradlab.nn.functional``: the functions layers are made of, as ``torch.nn.functional``.

``import gradlab.nn.functional as F`` gives PyTorch's names, argument orders,
defaults and graphs.  The functions live with their op family in ``gradlab/ops/``
(next to their grad_fn classes) and are gathered here; ``linear`` and the
softmax wrappers, which only combine existing ops, are written here:

- activations: relu, leaky_relu, sigmoid, tanh, gelu, softmax, log_softmax, softmin,
  silu, mish, softplus, logsigmoid, elu, selu, celu, hardtanh, relu6, threshold, prelu,
  dropout, dropout1d, dropout2d
- layers: linear, conv2d, max_pool2d, avg_pool2d, adaptive_avg_pool1d/2d,
  adaptive_max_pool1d/2d, pad
- distances: normalize, cosine_similarity, pairwise_distance
- losses: mse_loss, l1_loss, smooth_l1_loss, huber_loss, nll_loss, cross_entropy,
  binary_cross_entropy, binary_cross_entropy_with_logits, kl_div
- one_hot (class indices → 0/1 rows)
"""
import warnings

import numpy as np

from ..ops import pointwise as _pointwise
from ..ops import reduction as _reduction
from ..ops.activation import dropout, gelu, leaky_relu, one_hot
from ..ops.convolution import conv2d, pad
from ..dtypes import cpp_type_name, type_name
from ..ops.linalg import AddmmBackward0, matmul
from ..ops.loss import (
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss, mse_loss,
    nll_loss,
)
from ..ops.pooling import avg_pool2d, max_pool2d
from ..ops.embedding import embedding
from ..ops.normalization import batch_norm, group_norm, layer_norm
from ..ops.activation import dropout1d, dropout2d
from ..ops.adaptive_pooling import (
    adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
)
from ..ops.distance import cosine_similarity, normalize, pairwise_distance
from ..ops.divergence import kl_div
from ..ops.huber_loss import huber_loss, smooth_l1_loss
from ..ops.piecewise_activation import hardtanh, prelu, relu6, threshold
from ..ops.smooth_activation import celu, elu, logsigmoid, mish, selu, silu, softplus
from ..tensor import Tensor

__all__ = [
    "avg_pool2d", "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv2d",
    "cross_entropy", "dropout", "gelu", "l1_loss", "leaky_relu", "linear", "log_softmax",
    "max_pool2d", "mse_loss", "nll_loss", "one_hot", "pad", "relu", "sigmoid", "softmax", "tanh",
    "batch_norm", "embedding", "group_norm", "layer_norm",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "celu", "cosine_similarity", "dropout1d", "dropout2d", "elu", "hardtanh", "huber_loss",
    "kl_div", "logsigmoid", "mish", "normalize", "pairwise_distance", "prelu", "relu6", "selu",
    "silu", "smooth_l1_loss", "softmin", "softplus", "threshold",
]


# ================================================================ activations
def relu(input, inplace=False):
    """max(x, 0) (grad_fn ReluBackward0)."""
    if inplace:
        from ..ops.inplace import apply_inplace

        return apply_inplace(input, _pointwise.ReluBackward0)
    return _pointwise.relu(input)


def sigmoid(input):
    """1 / (1 + e^-x)."""
    return _pointwise.sigmoid(input)


def tanh(input):
    return _pointwise.tanh(input)


def _implicit_softmax_dim(name, ndim, stacklevel):
    """PyTorch's old rule when ``dim`` is left out (deprecated, with its warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / Σ exp(x) along ``dim``: non-negative values that add up to 1."""
    if dim is None:
        dim = _implicit_softmax_dim("softmax", input.dim(), _stacklevel)
    return _reduction.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x)."""
    if dim is None:
        dim = _implicit_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _reduction.log_softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``: the smallest values get the largest probabilities."""
    if dim is None:
        dim = _implicit_softmax_dim("softmin", input.dim(), _stacklevel)
    return _reduction.softmax(-input, dim, dtype=dtype)


# ===================================================================== linear
def linear(input, weight, bias=None):
    """x @ Wᵀ + b, with PyTorch's graph: a 2-d input with a bias is one AddmmBackward0 node
    (inputs: bias, x, TBackward0(W)); other inputs are flattened to 2-d around it, and
    without a bias it is a plain matmul."""
    if _is_batch_of_rows(input, weight, bias):  # a layer's usual call: one node, few checks
        return AddmmBackward0.apply(bias, input, weight.t())
    for name, value, position in (("input", input, 1), ("weight", weight, 2)):
        if not isinstance(value, Tensor):
            raise TypeError(f"linear(): argument '{name}' (position {position}) must be Tensor, "
                            f"not {type(value).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"linear(): argument 'bias' (position 3) must be Tensor, not "
                        f"{type(bias).__name__}")
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{input.dim()}D and {weight.dim()}D")
    _check_linear_shapes(input, weight)
    if bias is None:
        return matmul(input, weight.t())
    if weight.dim() != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {weight.dim()}-D tensor (linear with a "
                           "bias needs a 2-D weight of shape (out_features, in_features))")
    _check_linear_dtypes(input, weight, bias)
    rows = int(np.prod(input.shape[:-1], dtype=np.int64))
    _check_bias_shape(bias, tuple(input.shape[:-1]) + (weight.shape[0],))
    if input.dim() == 2:
        return AddmmBackward0.apply(bias, input, weight.t())
    if input._data.flags.c_contiguous and bias.dim() == 1:
        # PyTorch folds every leading dimension into the rows of one addmm
        flat = input.view(rows, input.shape[-1])
        out = AddmmBackward0.apply(bias, flat, weight.t())
        return out.view(*input.shape[:-1], weight.shape[0])
    return matmul(input, weight.t()).add_(bias)  # in place, as PyTorch: AddBackward0


def _is_batch_of_rows(input, weight, bias):
    """(N, in) input, (out, in) weight and (out,) bias of one dtype: addmm needs no other check."""
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor) and isinstance(bias, Tensor)):
        return False
    x, w, b = input._data, weight._data, bias._data
    return (x.ndim == 2 and w.ndim == 2 and b.ndim == 1 and x.shape[1] == w.shape[1]
            and b.shape[0] == w.shape[0] and x.dtype == w.dtype == b.dtype)


def _check_linear_shapes(input, weight):
    features = input.shape[-1]
    expected = weight.shape[-1] if weight.dim() >= 1 else None
    if features == expected:
        return
    rows = int(np.prod(input.shape[:-1], dtype=np.int64))
    if weight.dim() == 2:
        out_features, in_features = weight.shape
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{features} and "
            f"{in_features}x{out_features}) (linear: the input's last dimension has {features} "
            f"features but weight of shape {list(weight.shape)} expects in_features="
            f"{in_features}; weight is (out_features, in_features))")
    raise RuntimeError(f"size mismatch: the input's last dimension has {features} features but "
                       f"the 1-D weight has {weight.shape[0]} elements (linear)")


def _check_linear_dtypes(input, weight, bias):
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{cpp_type_name(input.dtype)} != "
                           f"{cpp_type_name(weight.dtype)} "
                           "(linear: convert the input with .to(weight.dtype))")
    if bias._data.dtype != weight._data.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{type_name(bias.dtype)} and {type_name(weight.dtype)} "
                           "(linear: the bias must have the weight's dtype)")


def _check_bias_shape(bias, output_shape):
    """The bias is added to every row: it must broadcast to the output's shape."""
    try:
        fits = np.broadcast_shapes(tuple(bias.shape), output_shape) == output_shape
    except ValueError:
        fits = False
    if not fits:
        shape = tuple(bias.shape)
        dim = next((len(output_shape) - 1 - k for k, (size, want) in
                    enumerate(zip(shape[::-1], output_shape[::-1])) if size not in (1, want)),
                   len(output_shape) - 1)
        existing = shape[dim - len(output_shape)] if len(shape) >= len(output_shape) - dim else 1
        raise RuntimeError(
            f"The expanded size of the tensor ({output_shape[dim]}) must match the existing size "
            f"({existing}) at non-singleton dimension {dim}.  Target sizes: {list(output_shape)}.  "
            f"Tensor sizes: {list(shape)} (linear: the bias needs out_features="
            f"{output_shape[-1]} elements)")
