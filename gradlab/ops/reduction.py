"""Reductions: sum, mean, max/min, amax/amin, argmax, prod, norm, var/std,
logsumexp, softmax and log_softmax.

A reduction's backward spreads the gradient back over the elements that were
combined: ``sum`` copies it to every element, ``mean`` divides it by their
count, ``max`` sends it only to the winner (or shares it among tied winners),
``prod`` multiplies it by the product of the *other* elements.

Every backward first puts the reduced dimensions back as size 1
(``_restore_reduced_dims``, one ``unsqueeze`` per dimension as in PyTorch), so
the gradient broadcasts over the input.

A backward that sends the gradient to chosen elements selects them
(``masked_fill``, ``scatter``, ``where``), never multiplies by a 0/1 mask where
PyTorch does not: a NaN or inf gradient must not turn the zeros into NaN.
"""
import builtins
import math
import warnings

import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.node import Node
from ..creation import ones
from ..dtypes import as_dtype, float_array, type_name
from ..tensor import Tensor, _wrap
from .arithmetic import div_number, mul_number
from .indexing import ScatterBackward0, narrow
from .numpy_names import accepts_numpy_names
from .out import into_out
from .pointwise import maximum, minimum, sgn
from .shape import cat, normalize_dim


# ------------------------------------------------------------------ helpers
def _reduction_dims(dim, ndim):
    """``dim`` (None, an int or a sequence) as a sorted tuple; None or () means every dim."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        return (normalize_dim(int(dim), ndim),) if ndim else ()
    if not isinstance(dim, (tuple, list)) or not builtins.all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dim
    ):
        raise TypeError(f"argument 'dim' must be an int or a tuple of ints, not {dim!r}")
    dims = [normalize_dim(int(d), ndim) for d in dim]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    if not dims:  # PyTorch reads an empty list of dims as "all of them"
        return tuple(range(ndim))
    return tuple(sorted(dims)) if ndim else ()


def _means_all_dims(dim):
    return dim is None or (isinstance(dim, (tuple, list)) and not dim)


def _named_dims(dim, ndim):
    """The dims a sum, mean or norm reduces, or None for "all of them" (no dim named):
    PyTorch's backward then broadcasts the gradient as it is, with no unsqueeze."""
    return None if _means_all_dims(dim) else _reduction_dims(dim, ndim)


def _single_dim(name, dim, ndim):
    """max/min/argmax/softmax take one int dimension."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}"
                        + (" (for several dims use amax/amin)" if name in ("max", "min") else ""))
    return normalize_dim(int(dim), ndim)


def _restore_reduced_dims(grad, dims, keepdim):
    """Put back the reduced dimensions as size 1, one ``unsqueeze`` each (PyTorch's
    ``unsqueeze_multiple``), so ``grad`` broadcasts over the input. ``dims`` None: none."""
    if keepdim or dims is None:
        return grad
    for dim in sorted(dims):
        grad = grad.unsqueeze(dim)
    return grad


def _count(shape, dims):
    if dims is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[d] for d in dims], dtype=np.int64))


def _numpy_dtype(dtype):
    return None if dtype is None else as_dtype(dtype).numpy_dtype


def _sum_dtype(a, dtype):
    if dtype is not None:
        return dtype
    return np.int64 if a.dtype.kind in "biu" else a.dtype  # PyTorch sums ints and bools as int64


def _check_differentiable_dtype(input, dtype):
    """A float input that requires grad cannot be reduced into an integer result."""
    if (dtype is not None and np.dtype(dtype).kind not in "fc" and input.requires_grad
            and _grad_state.enabled):
        raise RuntimeError(f"Autograd not support dtype: {type_name(dtype)} "
                           "(an integer result cannot carry a gradient; reduce to a float dtype)")


# ================================================================ sum, mean
class SumBackward0(Node):
    """``sum(a)``: all the elements of ``a`` added up."""

    derivatives = Derivatives("sum(a)", a="expand(grad_out, shape)")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.shape = a.shape
        return np.asarray(np.sum(a, dtype=_sum_dtype(a, dtype)))

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.expand(ctx.shape)


class SumBackward1(Node):
    """``sum(a, dim)``: ``a`` added up over ``dims`` (kept as size 1 with ``keepdim``; None: all)."""

    derivatives = Derivatives("sum(a, dim)",
                              a="expand(restore_reduced_dims(grad_out, dims, keepdim), shape)")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        return np.asarray(np.sum(a, axis=dims, keepdims=keepdim, dtype=_sum_dtype(a, dtype)))

    @staticmethod
    def backward(ctx, grad_output):
        return _restore_reduced_dims(grad_output, ctx.dims, ctx.keepdim).expand(ctx.shape)


class MeanBackward0(Node):
    """``mean(a)``: the average of all ``count`` elements of ``a``."""

    derivatives = Derivatives("mean(a)", a="expand(grad_out, shape) / count")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.shape, ctx.count = a.shape, a.size
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the mean of nothing is nan
            return np.asarray(np.mean(a, dtype=dtype)).astype(dtype or a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return div_number(grad_output.expand(ctx.shape), ctx.count)


class MeanBackward1(Node):
    """``mean(a, dim)``: the average over ``dims``, ``count`` elements per mean."""

    derivatives = Derivatives("mean(a, dim)",
                              a="expand(restore_reduced_dims(grad_out, dims, keepdim), shape) / count")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        ctx.count = _count(a.shape, dims)
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = np.mean(a, axis=dims, keepdims=keepdim, dtype=dtype)
        return np.asarray(out).astype(dtype or a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        grad = _restore_reduced_dims(grad_output, ctx.dims, ctx.keepdim)
        return div_number(grad.expand(ctx.shape), ctx.count)


@accepts_numpy_names
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Add up all elements, or along ``dim`` (an int or a tuple of ints)."""
    if out is not None:
        return into_out("sum", out, sum, input, dim, keepdim, dtype=dtype)
    dtype = _numpy_dtype(dtype)
    _check_differentiable_dtype(input, dtype)
    if dim is None and not keepdim:
        return SumBackward0.apply(input, dtype=dtype)
    dims = _named_dims(dim, input._data.ndim)
    return SumBackward1.apply(input, dims=dims, keepdim=keepdim, dtype=dtype)


@accepts_numpy_names
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """The average of all elements, or along ``dim``; only for floating-point tensors."""
    if out is not None:
        return into_out("mean", out, mean, input, dim, keepdim, dtype=dtype)
    dtype = _numpy_dtype(dtype)
    if dtype is not None and dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Optional dtype must be either a floating point "
            f"or complex dtype. Got: {type_name(dtype)}"
        )
    if input._data.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {type_name(input._data.dtype)} (convert first with .float())"
        )
    if dim is None and not keepdim:
        return MeanBackward0.apply(input, dtype=dtype)
    dims = _named_dims(dim, input._data.ndim)
    return MeanBackward1.apply(input, dims=dims, keepdim=keepdim, dtype=dtype)


# ======================================================== max, min, amax, amin
class _ReturnType(tuple):
    """A pair of results with names, printed as PyTorch prints ``torch.return_types.<name>``
    (the class's ``__name__``); ``_fields`` names the two, and each subclass reads them."""

    __slots__ = ()
    _fields = ()
    n_fields = n_sequence_fields = 2
    n_unnamed_fields = 0

    def __new__(cls, first, second):
        return tuple.__new__(cls, (first, second))

    def __repr__(self):
        shown = ",\n".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{shown})"

    def __reduce__(self):  # rebuilt by name: the class is not importable under it (``max`` is a function)
        return (_rebuild_return_type, (type(self).__name__, tuple(self)))

    @classmethod
    def named(cls, name):
        """This return type as PyTorch's ``torch.return_types.<name>`` (``max``, ``sort``, …)."""
        _RETURN_TYPES[name] = type(name, (cls,), {"__slots__": ()})
        return _RETURN_TYPES[name]


_RETURN_TYPES = {}  # name: class, for unpickling


def _rebuild_return_type(name, values):
    return _RETURN_TYPES[name](*values)


class _ReductionResult(_ReturnType):
    """``(values, indices)``, as ``max(x, dim)``, ``sort`` and ``topk`` return."""

    __slots__ = ()
    _fields = ("values", "indices")
    values = property(lambda self: self[0], doc="the largest (smallest) values")
    indices = property(lambda self: self[1], doc="where they are along ``dim`` (int64)")


_MaxResult, _MinResult = _ReductionResult.named("max"), _ReductionResult.named("min")


class _AllTiesShareGradient(Node):
    """Whole-tensor max/min: the gradient goes to the winning element; the ``count``
    elements that tie for the win share it equally (as PyTorch does). When ``a`` holds a
    NaN, the result is NaN and the NaNs are the winners.

    The share is written into zeros at the winners (``masked_fill``), so the other
    elements get exactly 0 even when the gradient is NaN or inf."""
    output_layout = "contiguous"

    _reduce = None  # np.max or np.min, set by the subclass

    @classmethod
    def forward(cls, ctx, a):
        out = np.asarray(cls._reduce(a))
        ctx.save_for_backward(a, out)
        if ctx.needs_input_grad:  # counted only when a graph is recorded
            ctx.count = int(np.count_nonzero((a == out) | np.isnan(a)))
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, out = ctx.saved_tensors
        winners = (a == out) | a.isnan()
        return a.new_zeros(a.shape).masked_fill(winners, grad_output / ctx.count)


class MaxBackward1(_AllTiesShareGradient):
    """``max(a)``: the largest element of ``a`` (NaN if ``a`` holds a NaN)."""

    derivatives = Derivatives("max(a)", a="(a == out or isnan(a)) / count")
    _reduce = staticmethod(np.max)


class MinBackward1(_AllTiesShareGradient):
    """``min(a)``: the smallest element of ``a`` (NaN if ``a`` holds a NaN)."""

    derivatives = Derivatives("min(a)", a="(a == out or isnan(a)) / count")
    _reduce = staticmethod(np.min)


class _GradientToIndex(Node):
    """max/min along ``dim``: the gradient of each value goes to the one element that
    ``indices`` points at (the first of tied elements), written into zeros there
    (``scatter``, as in PyTorch)."""
    output_layout = "contiguous"

    @staticmethod
    def backward(ctx, grad_output, grad_indices=None):
        (indices,) = ctx.saved_tensors
        grad, index = grad_output, indices._data
        if not ctx.keepdim and ctx.shape:  # a 0-d input has no dim to put back
            grad, index = grad.unsqueeze(ctx.dim), np.expand_dims(index, ctx.dim)
        zeros = np.zeros(ctx.shape, grad_output._data.dtype)
        return ScatterBackward0.apply(zeros, grad, dim=ctx.dim, index=index)

    _arg_function = None  # np.argmax or np.argmin, set by the subclass

    @classmethod
    def forward(cls, ctx, a, dim, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        if a.ndim == 0:
            values, indices = a.copy(), np.zeros((), np.int64)
        else:
            indices = np.asarray(cls._arg_function(a, axis=dim, keepdims=True))
            values = np.take_along_axis(a, indices, axis=dim)
            if not keepdim:
                values, indices = values.squeeze(dim), indices.squeeze(dim)
            indices = indices.astype(np.int64)
        ctx.save_for_backward(indices)
        ctx.mark_non_differentiable(indices)
        return values, indices


class MaxBackward0(_GradientToIndex):
    """``values, indices = max(a, dim)``: the largest value along ``dim`` and where it is."""

    derivatives = Derivatives("max(a, dim)", a=Words("1 at the index of the max along dim "
                                                     "(the first of tied maxima), else 0"))
    _arg_function = staticmethod(np.argmax)


class MinBackward0(_GradientToIndex):
    """``values, indices = min(a, dim)``: the smallest value along ``dim`` and where it is."""

    derivatives = Derivatives("min(a, dim)", a=Words("1 at the index of the min along dim "
                                                     "(the first of tied minima), else 0"))
    _arg_function = staticmethod(np.argmin)


class _TiesShareGradientAlongDims(Node):
    """amax/amin: in each reduced slice, the ``count`` elements equal to the result share
    the gradient equally (a slice holding a NaN gets NaN gradients, as in PyTorch)."""
    output_layout = "contiguous"

    _reduce = None  # np.max or np.min, set by the subclass

    @classmethod
    def forward(cls, ctx, a, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        out = np.asarray(cls._reduce(a, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        # PyTorch multiplies by the mask here (scale_grad_by_count): a NaN gradient spreads
        # over its slice, in PyTorch too. The ties are counted now, not in forward, as PyTorch
        # does (an input changed through .data since then is counted as it is now)
        grad = _reshape_reduced_dims(grad_output, ctx.shape, ctx.dims, ctx.keepdim)
        ties, count = ctx._ties()
        return grad / count * ties

    def _ties(self):
        """Where the input equals the result (restored to the input's shape), and how many."""
        a, out = self.saved_tensors
        ties = a == _reshape_reduced_dims(out, self.shape, self.dims, self.keepdim)
        return ties, (ties.sum() if self.dims is None else ties.sum(self.dims, keepdim=True))

    def saved_named(self):
        named = super().saved_named()
        named["count"] = self._ties()[1]  # what the derivative divides by
        return named


def _reshape_reduced_dims(grad, shape, dims, keepdim):
    """amax/amin put the reduced dimensions back in one reshape (PyTorch's restore_reduced_dims;
    ``dims`` None, all of them by default: a reshape to the same shape)."""
    if keepdim:
        return grad
    if dims is None:
        return grad.reshape(grad.shape)
    return grad.reshape([1 if i in dims else size for i, size in enumerate(shape)])


_SHARED_BY_TIES_ALONG_DIMS = ("restore_reduced_dims(grad_out, dims, keepdim)"
                              " * (a == restore_reduced_dims(out, dims, keepdim)) / count")


class AmaxBackward0(_TiesShareGradientAlongDims):
    """``amax(a, dim)``: the largest value over ``dims`` (all of them by default)."""

    derivatives = Derivatives("amax(a, dim)", a=_SHARED_BY_TIES_ALONG_DIMS)
    _reduce = staticmethod(np.max)


class AminBackward0(_TiesShareGradientAlongDims):
    """``amin(a, dim)``: the smallest value over ``dims`` (all of them by default)."""

    derivatives = Derivatives("amin(a, dim)", a=_SHARED_BY_TIES_ALONG_DIMS)
    _reduce = staticmethod(np.min)


def _check_not_empty(name, input, dims=None, specify=True):
    """PyTorch's errors for a max/min-like reduction that has nothing to choose from."""
    shape = input._data.shape
    if dims is None:
        if input._data.size == 0:
            error = RuntimeError if specify else IndexError
            hint = " Specify the reduction dim with the 'dim' argument." if specify else ""
            raise error(f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
                        + hint)
        return
    for d in dims:
        if shape and shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _extreme(name, node_full, node_dim, result_type, input, dim, keepdim, other):

    if other is not None or isinstance(dim, Tensor):
        other = dim if other is None else other
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): 'other' must be a Tensor, not {type(other).__name__}")
        return (maximum if name == "max" else minimum)(input, other)
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}(): keepdim=True needs a dim, e.g. x.{name}(dim=0, keepdim=True)")
        _check_not_empty(name, input)
        return node_full.apply(input)
    dim = _single_dim(name, dim, input._data.ndim)
    _check_not_empty(name, input, (dim,))
    values, indices = node_dim.apply(input, dim=dim, keepdim=keepdim)
    return result_type(values, indices)


@accepts_numpy_names
def max(input, dim=None, keepdim=False, *, other=None):
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)`` along dim;
    ``max(x, other)``: the element-wise maximum of two tensors."""
    return _extreme("max", MaxBackward1, MaxBackward0, _MaxResult, input, dim, keepdim, other)


@accepts_numpy_names
def min(input, dim=None, keepdim=False, *, other=None):
    """``min(x)``: the smallest value; ``min(x, dim)``: ``(values, indices)`` along dim;
    ``min(x, other)``: the element-wise minimum of two tensors."""
    return _extreme("min", MinBackward1, MinBackward0, _MinResult, input, dim, keepdim, other)


def _extreme_along_dims(name, node, input, dim, keepdim):
    dims = _named_dims(dim, input._data.ndim)
    _check_not_empty(name, input, dims)
    return node.apply(input, dims=dims, keepdim=keepdim)


@accepts_numpy_names
def amax(input, dim=(), keepdim=False):
    """The largest value over ``dim`` (an int or a tuple; () means all); ties share the gradient."""
    return _extreme_along_dims("amax", AmaxBackward0, input, dim, keepdim)


@accepts_numpy_names
def amin(input, dim=(), keepdim=False):
    """The smallest value over ``dim`` (an int or a tuple; () means all); ties share the gradient."""
    return _extreme_along_dims("amin", AminBackward0, input, dim, keepdim)


def _arg_extreme(name, arg_function, input, dim, keepdim):
    """Indices have no gradient: the result is a plain int64 tensor, outside the graph."""
    data = input._data
    if data.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        _check_not_empty(name, input, specify=False)
        index = np.asarray(arg_function(data.reshape(-1)), dtype=np.int64)
        return _wrap(index.reshape((1,) * data.ndim) if keepdim else index)
    dim = _single_dim(name, dim, data.ndim)
    _check_not_empty(name, input, (dim,))
    if data.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    return _wrap(np.asarray(arg_function(data, axis=dim, keepdims=keepdim), dtype=np.int64))


@accepts_numpy_names
def argmax(input, dim=None, keepdim=False):
    """Index of the largest value (of the flattened tensor when ``dim`` is None); first of ties."""
    return _arg_extreme("argmax", np.argmax, input, dim, keepdim)


@accepts_numpy_names
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest value (of the flattened tensor when ``dim`` is None); first of ties."""
    return _arg_extreme("argmin", np.argmin, input, dim, keepdim)


# =================================================================== prod
def _gradient_with_zeros(grad, a, dim):
    """grad · (the product of the other elements along ``dim``), for an ``a`` that holds a 0
    (out / a would divide by it). An element alone along ``dim`` has no others: grad itself."""
    if a.shape[dim] == 1:
        return grad
    return grad * _product_of_others(a, dim)


def _product_of_others(a, dim):
    """others_i = Π_{j≠i} a_j along ``dim``, without dividing by a_i (so zeros are fine): the
    running product of the elements before i times that of the elements after it, each a
    cumprod of ``a`` shifted by one place (a one in front), as PyTorch computes it."""
    n = a.shape[dim]
    one = ones(tuple(1 if d == dim else size for d, size in enumerate(a.shape)), dtype=a.dtype)
    before = cat([one, narrow(a, dim, 0, n - 1)], dim).cumprod(dim)
    after = cat([one, narrow(a, dim, 1, n - 1).flip(dim)], dim).cumprod(dim).flip(dim)
    return before * after


class ProdBackward0(Node):
    """``prod(a)``: all the elements of ``a`` multiplied."""

    derivatives = Derivatives("prod(a)", a=Words("the product of all the other elements "
                                                 "(out / a when none is 0)"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dtype=None):
        out = np.asarray(np.prod(a, dtype=_sum_dtype(a, dtype)))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, out = ctx.saved_tensors
        if a.dim() == 0:
            return grad_output
        zeros = int(np.count_nonzero(a._data == 0))
        if zeros == 0:
            return grad_output * (out / a)
        if zeros > 1 and not _grad_state.enabled:  # every product of the others holds a 0
            return a.new_zeros(a.shape)
        return _gradient_with_zeros(grad_output, a.reshape(-1), 0).view(a.shape)


class ProdBackward1(Node):
    """``prod(a, dim)``: the product of the elements along ``dim``."""

    derivatives = Derivatives("prod(a, dim)", a=Words("the product of the other elements of its slice "
                                                      "along dim (out / a when none is 0)"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim, keepdim, dtype=None):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        if a.ndim == 0:
            out = a.astype(_sum_dtype(a, dtype))
        else:
            out = np.asarray(np.prod(a, axis=dim, keepdims=keepdim, dtype=_sum_dtype(a, dtype)))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, out = ctx.saved_tensors
        if a.dim() == 0:
            return grad_output
        grad = _restore_reduced_dims(grad_output, (ctx.dim,), ctx.keepdim)
        if not (a == 0).any().item():
            out = _restore_reduced_dims(out, (ctx.dim,), ctx.keepdim)
            return grad * (out / a)
        return _gradient_with_zeros(grad, a, ctx.dim)


@accepts_numpy_names
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product of all elements, or along one ``dim``; correct gradients with zeros."""
    dtype = _numpy_dtype(dtype)
    _check_differentiable_dtype(input, dtype)
    if dim is None:
        if keepdim:
            raise TypeError("prod(): keepdim=True needs a dim, e.g. x.prod(dim=0, keepdim=True)")
        return ProdBackward0.apply(input, dtype=dtype)
    dim = _single_dim("prod", dim, input._data.ndim)
    return ProdBackward1.apply(input, dim=dim, keepdim=keepdim, dtype=dtype)


# =================================================================== norm
class LinalgVectorNormBackward0(Node):
    """``‖a‖_p = (Σ |a_i|^p)^(1/p)`` over ``dims``, p = ``ord``: 2 is Euclidean, 1 sums the
    magnitudes, ±inf takes the largest (smallest) magnitude, 0 counts the nonzeros.
    """

    derivatives = Derivatives("‖a‖_p", a=Words(
        "sign(a)·|a|^(p-1) / out^(p-1) with p = ord: a / out for p = 2, sign(a) for p = 1, "
        "sign(a) / k at the k elements with |a| = out for p = ±inf, none for p = 0; "
        "0 where out = 0"))
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, ord, dims, keepdim, dtype=None):
        ctx.shape, ctx.ord, ctx.dims, ctx.keepdim = a.shape, ord, dims, keepdim
        magnitude = np.abs(a if dtype is None else a.astype(dtype))
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if ord == math.inf:
                out = np.max(magnitude, axis=dims, keepdims=keepdim)
            elif ord == -math.inf:
                out = np.min(magnitude, axis=dims, keepdims=keepdim)
            elif ord == 0:
                out = np.sum(magnitude != 0, axis=dims, keepdims=keepdim)
            elif ord == 1:
                out = np.sum(magnitude, axis=dims, keepdims=keepdim)
            elif ord == 2:
                out = np.sqrt(np.sum(magnitude * magnitude, axis=dims, keepdims=keepdim))
            else:
                out = np.sum(magnitude ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)
        out = np.asarray(out).astype(magnitude.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, out = ctx.saved_tensors
        if a.dtype != out.dtype:  # norm(dtype=...) computed in a wider dtype
            a = a.to(out.dtype)
        p = ctx.ord
        grad, norm = grad_output, out
        if a.dim():
            grad = _restore_reduced_dims(grad_output, ctx.dims, ctx.keepdim)
            norm = _restore_reduced_dims(out, ctx.dims, ctx.keepdim)
        if p == 0:
            return None
        if p == 1:
            return sgn(a) * grad
        if p == 2:
            return grad * (a / norm).masked_fill(norm == 0, 0)
        if math.isinf(p):
            magnitude = a.abs()
            winners = (magnitude == norm) | magnitude.isnan()
            return sgn(a) * (grad / winners.sum(ctx.dims, keepdim=True) * winners)
        if p < 1:
            # |a|^(p-1) is infinite at a = 0, where PyTorch's gradient is 0
            scaled = sgn(a) * a.abs().pow(p - 1).masked_fill(a == 0, 0)
            return scaled * grad * norm.pow(1 - p)
        scale = (grad / norm.pow(p - 1)).masked_fill(norm == 0, 0)
        if p < 2:
            return sgn(a) * a.abs().pow(p - 1) * scale
        return a * a.abs().pow(p - 2) * scale


def _vector_norm(input, ord, dim, keepdim, dtype):
    data = input._data
    if data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_name(data.dtype)} (convert first with .float())")
    if dtype is not None:
        dtype = _numpy_dtype(dtype)
        if dtype.kind != "f":
            raise RuntimeError("linalg.vector_norm: dtype should be floating point or complex, "
                               f"but got {type_name(dtype)}")
        if np.promote_types(data.dtype, dtype) != dtype:
            raise RuntimeError(
                f"linalg.vector_norm: the dtype of the input ({type_name(data.dtype)}) should be "
                f"convertible without narrowing to the specified dtype ({type_name(dtype)})")
        if dtype == data.dtype:
            dtype = None
    dims = _named_dims(dim, data.ndim)
    if ord in (math.inf, -math.inf) and data.size == 0:
        if _means_all_dims(dim):
            raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor "
                               "because the operation does not have an identity")
        for d in dims:
            if data.shape[d] == 0:
                raise RuntimeError(
                    f"linalg.vector_norm cannot compute the inf norm on the dimension {d}"
                    "because this dimension is empty and the operation does not have an identity")
    return LinalgVectorNormBackward0.apply(input, ord=float(ord), dims=dims, keepdim=keepdim,
                                           dtype=dtype)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The p-norm over ``dim`` (all elements by default): 'fro' and 2 are Euclidean,
    1 sums magnitudes, inf takes the largest, 0 counts nonzeros."""
    if out is not None:
        raise TypeError("norm(): out= is not supported by gradlab")
    if isinstance(p, str):
        dims = None if dim is None else ((dim,) if isinstance(dim, (int, np.integer)) else tuple(dim))
        if p == "fro" and (dims is None or len(dims) <= 2):
            return _vector_norm(input, 2, dim, keepdim, dtype)
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if dims is None:
            dims = tuple(range(input._data.ndim))
        if len(dims) != 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                               + " ".join(str(d) for d in dims))
        raise NotImplementedError("norm(p='nuc'): the nuclear norm needs an SVD, which "
                                  "gradlab does not implement")
    return _vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype)


# ================================================================ var, std
def _degrees_of_freedom_warning(name):
    warnings.warn(
        f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
        "reduction factor (input numel divided by output numel).",
        UserWarning,
        stacklevel=4,
    )


def _variance(a, dims, correction, keepdim):
    """Σ (a - mean)² / max(0, n - correction), as PyTorch computes it."""
    n = _count(a.shape, dims)
    centered = a - np.mean(a, axis=dims, keepdims=True) if a.size else a
    with np.errstate(divide="ignore", invalid="ignore"):
        squares = np.sum(centered * centered, axis=dims, keepdims=keepdim)
        return np.asarray(squares / builtins.max(0, n - correction)).astype(a.dtype, copy=False)


def _variance_backward(ctx, grad, a):
    """d var / d a_i = 2 (a_i - mean) / (count - correction), for the gradient ``grad`` of var."""
    dof = ctx.count - ctx.correction
    if ctx.all_dims:
        if dof <= 0:
            # 2 / 0 is inf; PyTorch returns nan where a_i = mean (inf·0) and inf elsewhere
            return grad * a.new_full(a.shape, math.inf).masked_fill(a == a.mean(), math.nan)
        return mul_number(grad, 2.0 / dof) * (a - a.mean())
    if a.dim() > 1:  # a 1-d input's gradient is 0-d already: it broadcasts
        grad = _restore_reduced_dims(grad, ctx.dims, ctx.keepdim)
    factor = 2.0 / dof if dof != 0 else math.inf
    return mul_number(grad, factor) * (a - a.mean(ctx.dims, keepdim=True))


class VarBackward0(Node):
    """``var(a)``: Σ (a - mean)² / (count - correction) over ``dims`` (``count`` elements each)."""

    # except when count ≤ correction over all elements: then PyTorch's inf (nan where a = mean)
    derivatives = Derivatives("var(a)", a="2 * restore_reduced_dims(grad_out, dims, keepdim)"
                                          " * (a - mean(a, dims)) / (count - correction)")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dims, correction, keepdim, all_dims):
        ctx.shape, ctx.dims, ctx.correction, ctx.keepdim = a.shape, dims, correction, keepdim
        ctx.count, ctx.all_dims = _count(a.shape, dims), all_dims
        ctx.save_for_backward(a)
        return _variance(a, dims, correction, keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return _variance_backward(ctx, grad_output, a)


class StdBackward0(Node):
    """``std(a)`` = √var(a), with the same ``dims`` and ``correction``."""

    # except when count ≤ correction over all elements: then PyTorch's nan
    derivatives = Derivatives("std(a)",
                              a="restore_reduced_dims(0 if out == 0 else grad_out / out, dims, keepdim)"
                                " * (a - mean(a, dims)) / (count - correction)")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dims, correction, keepdim, all_dims):
        ctx.shape, ctx.dims, ctx.correction, ctx.keepdim = a.shape, dims, correction, keepdim
        ctx.count, ctx.all_dims = _count(a.shape, dims), all_dims
        out = np.sqrt(_variance(a, dims, correction, keepdim))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, out = ctx.saved_tensors
        # chain rule through √: d std = d var / (2 std)
        grad_variance = (grad_output / mul_number(out, 2)).masked_fill(out == 0, 0)
        return _variance_backward(ctx, grad_variance, a)


def _spread(name, node, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # x.var(False): the first positional argument is ``unbiased``
        dim, unbiased = None, dim if unbiased is None else unbiased
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}(): pass either unbiased= or correction=, not both")
    if input._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes "
                           "(convert first with .float())")
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims = _reduction_dims(dim, input._data.ndim)
    if _count(input._data.shape, dims) - correction <= 0:  # a 0-d input counts 1 element
        _degrees_of_freedom_warning(name)
    return node.apply(input, dims=dims, correction=correction, keepdim=keepdim,
                      all_dims=dim is None or input._data.ndim == 0)


@accepts_numpy_names
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The variance over ``dim`` (all elements by default), divided by n - 1 unless
    ``unbiased=False`` (n) or ``correction=c`` (n - c)."""
    return _spread("var", VarBackward0, input, dim, unbiased, keepdim, correction)


@accepts_numpy_names
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The standard deviation, √var, with the same arguments as ``var``."""
    return _spread("std", StdBackward0, input, dim, unbiased, keepdim, correction)


# ===================================================== logsumexp and softmax
def _stable_max(a, dims, finite=False):
    """The shift that keeps exp from overflowing: the max over ``dims`` (kept as size 1).

    logsumexp uses 0 where the max is ±inf (so log Σ exp stays ±inf, as PyTorch);
    softmax keeps the infinite max (and gives nan, as PyTorch).
    """
    if a.size == 0:
        return np.zeros([1 if i in dims else s for i, s in enumerate(a.shape)], a.dtype)
    shift = np.max(a, axis=dims, keepdims=True)
    return np.where(np.isfinite(shift), shift, 0).astype(a.dtype, copy=False) if finite else shift


class LogsumexpBackward0(Node):
    """``log Σ exp(a)`` over ``dims``, computed without overflow."""

    derivatives = Derivatives("logsumexp(a, dim)",
                              a="restore_reduced_dims(grad_out, dims, keepdim)"
                                " * exp(a - restore_reduced_dims(out, dims, keepdim))")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        a = float_array(a)
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        # log Σ exp(a) = m + log Σ exp(a - m): no overflow for large a
        shift = _stable_max(a, dims, finite=True)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.log(np.sum(np.exp(a - shift), axis=dims, keepdims=True)) + shift
        out = np.asarray(out if keepdim else out.reshape(
            [s for i, s in enumerate(a.shape) if i not in dims]))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, out = ctx.saved_tensors
        grad = grad_output
        if a.dim():
            grad = _restore_reduced_dims(grad_output, ctx.dims, ctx.keepdim)
            out = _restore_reduced_dims(out, ctx.dims, ctx.keepdim)
        return grad * (a - out).exp()


class SoftmaxBackward0(Node):
    """``softmax(a, dim)`` = exp(a) / Σ exp(a) along ``dim``: positive values that add up to 1."""

    derivatives = Derivatives("softmax(a, dim)", a="out * (grad_out - sum(grad_out * out, dim))")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        dims = (dim,) if a.ndim else ()
        with np.errstate(invalid="ignore", over="ignore"):
            shifted = np.exp(a - _stable_max(a, dims))
            out = shifted / np.sum(shifted, axis=dims, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return SoftmaxBackwardDataBackward0.apply(grad_output, out, dim=ctx.dim)


class SoftmaxBackwardDataBackward0(Node):
    """softmax's backward as an op (PyTorch's ``_softmax_backward_data``, for double backward):
    ``y · (grad - Σ grad · y)`` along ``dim``, y = softmax(a)."""

    derivatives = Derivatives(
        "y · (grad - Σ_dim grad · y)", grad="y * (grad_out - sum(grad_out * y, dim))",
        y="grad * grad_out - sum(y * grad, dim) * grad_out - grad * sum(y * grad_out, dim)")

    @staticmethod
    def forward(ctx, grad, y, dim):
        ctx.dim = dim
        ctx.save_for_backward(grad, y)
        return y * (grad - np.sum(grad * y, axis=dim if y.ndim else None, keepdims=True))

    @staticmethod
    def backward(ctx, grad_output):
        grad, y = ctx.saved_tensors
        needs_grad, needs_y = ctx.needs_input_grad
        grad_y = None
        if needs_y:  # PyTorch's softmax_double_backward
            grad_y = (grad * grad_output - (y * grad).sum(ctx.dim, keepdim=True) * grad_output
                      - grad * (y * grad_output).sum(ctx.dim, keepdim=True))
        return (SoftmaxBackwardDataBackward0.apply(grad_output, y, dim=ctx.dim) if needs_grad
                else None, grad_y)


class LogSoftmaxBackward0(Node):
    """``log_softmax(a, dim)`` = a - log Σ exp(a) along ``dim``."""

    derivatives = Derivatives("log_softmax(a, dim)", a="grad_out - exp(out) * sum(grad_out, dim)")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        dims = (dim,) if a.ndim else ()
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            shifted = a - _stable_max(a, dims)
            out = shifted - np.log(np.sum(np.exp(shifted), axis=dims, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return LogSoftmaxBackwardDataBackward0.apply(grad_output, out, dim=ctx.dim)


class LogSoftmaxBackwardDataBackward0(Node):
    """log_softmax's backward as an op (PyTorch's ``_log_softmax_backward_data``, for double
    backward): ``grad - exp(y) · Σ grad`` along ``dim``, y = log_softmax(a)."""

    derivatives = Derivatives("grad - exp(y) · Σ_dim grad", grad="grad_out - sum(grad_out * exp(y), dim)",
                              y="-sum(grad, dim) * exp(y) * grad_out")

    @staticmethod
    def forward(ctx, grad, y, dim):
        ctx.dim = dim
        ctx.save_for_backward(grad, y)
        return grad - np.exp(y) * np.sum(grad, axis=dim if y.ndim else None, keepdims=True)

    @staticmethod
    def backward(ctx, grad_output):
        grad, y = ctx.saved_tensors
        needs_grad, needs_y = ctx.needs_input_grad
        return (grad_output - (grad_output * y.exp()).sum(ctx.dim, keepdim=True) if needs_grad else None,
                -grad.sum(ctx.dim, keepdim=True) * y.exp() * grad_output if needs_y else None)


@accepts_numpy_names
def logsumexp(input, dim, keepdim=False):
    """log Σ exp(x) over ``dim``, computed without overflow (log of the softmax denominator)."""
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' (position 1) must be tuple of ints, not NoneType")
    dims = _reduction_dims(dim, input._data.ndim)
    return LogsumexpBackward0.apply(input, dims=dims, keepdim=keepdim)


def _softmax_input(name, input, dim, dtype):
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{name}_lastdim_kernel_impl\" not implemented for '{type_name(input._data.dtype)}' "
            "(softmax needs a floating-point tensor: convert with .float() or pass dtype=)")
    return input, _single_dim(name, dim, input._data.ndim)


@accepts_numpy_names
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / Σ exp(x) along ``dim``: positive values that add up to 1 (no overflow)."""
    input, dim = _softmax_input("softmax", input, dim, dtype)
    return SoftmaxBackward0.apply(input, dim=dim)


@accepts_numpy_names
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along ``dim``: the log of the softmax, computed stably."""
    input, dim = _softmax_input("log_softmax", input, dim, dtype)
    return LogSoftmaxBackward0.apply(input, dim=dim)
