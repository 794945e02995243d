"""gradlab: PyTorch's autograd, written in NumPy so you can read how it works.

``import gradlab as torch`` runs ordinary PyTorch teaching code for
everything gradlab implements and prints what PyTorch prints.

In IPython or Jupyter, ``%load_ext gradlab`` adds the ``%%autograd`` cell
magic (run a cell and draw the graph it built) and ``%grad_fn EXPR``.
"""
# The one import cycle in gradlab: Tensor's methods call the ops, and the ops make
# Tensors. tensor.py defines Tensor first and imports the modules its methods call
# at its end; every other module imports what it needs at its top. So the package
# starts here, from tensor.py.
from .tensor import Tensor
from . import accelerator, autograd, cuda, dtypes
from .autograd.grad_mode import (
    enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled,
)
from .creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, is_tensor, linspace,
    logspace, numel, ones, ones_like, tensor, zeros, zeros_like,
)
from .device import device
from .dtypes import (
    bool, double, dtype, float, float16, float32, float64, get_default_dtype, half, int, int8,
    int16, int32, int64, long, promote_types, set_default_dtype, short, uint8,
)
from .dtypes import can_cast, finfo, iinfo, result_type
from .ops.arithmetic import (
    add, div, divide, float_power, floor_divide, fmod, mul, multiply, neg, negative, pow,
    reciprocal, remainder, rsub, sub, subtract, true_divide,
)
from .ops.comparison import (
    all, allclose, any, eq, equal, ge, greater, greater_equal, gt, isclose, isfinite, isinf,
    isnan, le, less, less_equal, logical_and, logical_not, logical_or, lt, ne, not_equal,
)
from .ops.comparison import bitwise_and, bitwise_not, bitwise_or, bitwise_xor, logical_xor
from .ops.copy import clone
from .ops.linalg import bmm, dot, ger, matmul, mm, mv, outer
from .ops.pointwise import (
    abs, absolute, ceil, clamp, clip, cos, exp, expm1, floor, log, log1p, masked_fill, maximum,
    minimum, relu, round, rsqrt, sgn, sigmoid, sign, sin, sqrt, square, tan, tanh, trunc, where,
)
from .ops.pointwise import (
    acos, arccos, arcsin, arctan, arctan2, asin, atan, atan2, clamp_max, clamp_min, cosh, erf,
    exp2, fix, frac, log2, log10, logit, nan_to_num, sinh, xlogy,
)
from .ops.cumulative import cumprod, cumsum
from .ops.reorder import argsort, flip_function as flip, moveaxis, movedim, roll, sort, tile, topk
from .ops.diagonal import diag, trace, tril, triu
from .ops.reduction import (
    amax, amin, argmax, argmin, log_softmax, logsumexp, max, mean, min, norm, prod, softmax, std,
    sum, var,
)
from .ops.shape import (
    cat, chunk, concat, concatenate, flatten, permute, reshape, split, squeeze, stack,
    swapaxes, swapdims, t, transpose, unbind, unflatten, unsqueeze,
)
from .ops.indexing import gather, index_select, narrow
from .ops.scatter import index_add, scatter, scatter_add, take
from .ops.ternary import addcdiv, addcmul, lerp
from .ops.masking import masked_scatter, masked_select
from .ops.strides import contiguous_format, memory_format, preserve_format
from .printing import get_printoptions, set_printoptions
from .random import (
    Generator, default_generator, initial_seed, manual_seed, normal, rand, rand_like, randint,
    randn, randn_like, randperm, seed,
)
from .random import bernoulli, get_rng_state, multinomial, randint_like, set_rng_state
from .ops.histogram import histc, histogram
from . import serialization
from .serialization import load, save
from .size import Size
from .functional import broadcast_shapes, broadcast_tensors, meshgrid
from . import nn, optim, utils

__version__ = "0.1.0"


def load_ipython_extension(ipython):
    """``%load_ext gradlab``: register the %%autograd and %grad_fn magics."""
    from .notebook.magics import load as load_magics  # (gradlab.load is torch.load)
    load_magics(ipython)


def unload_ipython_extension(ipython):
    from .notebook.magics import unload
    unload(ipython)
