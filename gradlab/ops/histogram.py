"""Counting values into bins: ``histc`` and ``histogram`` (no gradient).

Both count every element of the input (flattened). Bins are half open,
[edge_i, edge_i+1), except the last, which includes its right edge; values
outside the range (and NaN) are not counted. Ties at bin edges land where
PyTorch puts them, because the bin is found the way PyTorch finds it:

- ``histc`` computes it, in the input's dtype, as
  ``floor((x - min) * bins / (max - min))``: with rounding, a value printed
  as an edge can fall in the bin below it;
- ``histogram`` looks ``x`` up among its bin edges (the edges ``linspace``
  gives, or the ones passed as a tensor), so a value equal to an edge always
  starts that edge's bin.
"""
import numpy as np

from .. import dtypes
from ..creation import _linspace_values
from ..tensor import Tensor, _wrap
from .arithmetic import _without_derivative
from .reduction import _ReturnType


class _HistogramResult(_ReturnType):
    """``(hist, bin_edges)``, as ``torch.histogram`` returns."""

    __slots__ = ()
    _fields = ("hist", "bin_edges")
    hist = property(lambda self: self[0], doc="the count (or weight, or density) of each bin")
    bin_edges = property(lambda self: self[1], doc="the bins' edges: one more than bins")


_Histogram = _HistogramResult.named("histogram")  # torch.return_types.histogram


def histc(input, bins=100, min=0, max=0):
    """Count ``input``'s elements in ``bins`` equal bins from ``min`` to ``max``.

    With ``min == max`` (the default 0, 0) the range is the data's smallest and
    largest value. The counts have ``input``'s dtype and no gradient.
    """
    _check_input(input, "histc")
    bins = _bins_argument(bins, "histc")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype._type_name}': "
                                  "histc counts floating point tensors (use x.float())")
    values = input._data.ravel()
    low, high = float(min), float(max)
    if low > high:
        raise RuntimeError(f"torch.histc: max must be larger than min (got min={low:g}, max={high:g})")
    if low == high and values.size:
        low, high = float(values.min()), float(values.max())
    if low == high:
        low, high = low - 1, high + 1
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low:g}, {high:g}] is not finite "
                           "(pass min and max, or remove inf and NaN)")
    kind = values.dtype.type
    low, high = kind(low), kind(high)
    inside = values[(values >= low) & (values <= high)]
    with np.errstate(all="ignore"):
        position = np.floor((inside - low) * kind(bins) / (high - low)).astype(np.int64)
    position = np.minimum(position, bins - 1)  # max itself counts in the last bin
    return _wrap(np.bincount(position, minlength=bins).astype(values.dtype))


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """``torch.histogram``: ``(hist, bin_edges)``, NumPy's ``histogram`` for tensors.

    ``bins`` is a number of equal bins over ``range`` (default: the data's smallest to
    largest value) or a 1-D tensor of edges. ``weight`` (one per element of input) adds a weight per
    element instead of 1; ``density=True`` divides by the total and the bin widths.
    """
    _check_input(input, "histogram")
    if input.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{input.dtype._type_name}': "
                                  "histogram counts float32 or float64 tensors (use x.float())")
    values = input._data.ravel()
    edges = _edges(values, input.dtype, bins, range)
    if weight is not None:
        _check_weight(input, weight)
    weights = None if weight is None else weight._data.ravel()

    def count(values, weights):
        inside = (values >= edges[0]) & (values <= edges[-1])
        position = np.searchsorted(edges, values[inside], side="right") - 1
        position = np.minimum(position, len(edges) - 2)  # the last edge counts in the last bin
        hist = np.bincount(position, None if weights is None else weights[inside],
                           minlength=len(edges) - 1).astype(values.dtype)
        if density:
            with np.errstate(all="ignore"):
                hist = hist / (hist.sum() * np.diff(edges))
        return hist.astype(values.dtype), edges.copy()

    tracked = [t for t in (input, weight) if t is not None]
    # PyTorch gives histogram no derivative: an input that requires grad makes both results
    # require grad with grad_fn NotImplemented (backward through them fails)
    return _Histogram(*_without_derivative("histogram", lambda *_: count(values, weights), *tracked))


def _edges(values, dtype, bins, range):
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError("histogram() received an invalid combination of arguments - got bins as "
                            "a tensor of edges and a range: give one or the other")
        if bins.ndim != 1:
            raise RuntimeError("torch.histogramdd: bins tensor should have one dimension, but got "
                               f"{bins.ndim} dimensions in the bins tensor for dimension 0")
        if bins.dtype != dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got "
                f"input with dtype {dtype._cpp_name} and bins for dimension 0 with dtype "
                f"{bins.dtype._cpp_name}")
        if bins.numel() < 2:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins.numel() - 1} for "
                               "dimension 0 (a bins tensor lists edges: at least two)")
        return bins._data.copy()
    bins = _bins_argument(bins, "histogram")
    if range is None:
        low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    else:
        if not isinstance(range, (tuple, list)) or isinstance(range, Tensor) or \
                any(isinstance(r, Tensor) for r in range):
            raise TypeError("histogram(): argument 'range' must be a tuple of floats, e.g. range=(0., 1.)")
        if len(range) != 2:
            raise RuntimeError("torch.histogramdd: for a 1-dimensional histogram range should have "
                               f"2 elements, but got {len(range)}")
        low, high = float(range[0]), float(range[1])
        if low > high:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {low:g} "
                               f"max {high:g} for dimension 0")
    if low == high:
        low, high = low - 0.5, high + 0.5
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{low:g}, {high:g}] is not finite "
                           "(pass range=(min, max), or remove inf and NaN)")
    return _linspace_values(low, high, bins + 1, dtype)


def _check_weight(input, weight):
    if weight.numel() != input.numel():  # both are flattened: only the count of elements matters
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided it should have the same shape as the "
            f"input tensor excluding its innermost dimension, but got input with shape "
            f"[{input.numel()}, 1] and weight with shape {list(weight.shape)} (weight needs one "
            f"value per element of input: {input.numel()})")
    if weight.dtype != input.dtype:
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should "
            f"have the same dtype, but got input({input.dtype._cpp_name}), and "
            f"weight({weight.dtype._cpp_name})")


def _check_input(input, function):
    if not isinstance(input, Tensor):
        raise TypeError(f"{function}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _bins_argument(bins, function):
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
        raise TypeError(f"{function}(): argument 'bins' must be int, not {type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    return int(bins)
