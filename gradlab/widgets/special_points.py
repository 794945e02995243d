"""f and f′ at sample points by gradlab's autograd, and the points where f′ does not exist.

``values_and_slopes(f, points)`` runs one forward and one backward pass over
a float64 tensor of the points: for an elementwise f the gradient of
``f(x).sum()`` with respect to ``x[i]`` is ``f′(x[i])``. ``check_elementwise``
refuses an f that mixes elements (``t - t.mean()``).

``find_special_points`` finds the kinks (f has a corner: relu, abs at 0),
jumps (round, floor, sign) and poles (1/x at 0) between the samples by
bisecting where f or f′ changes between neighbours: a jump or a corner does
not shrink as the interval does, a smooth change does. Each is a
``SpecialPoint`` with the one-sided values and slopes and what autograd gives
at the point itself. Pure NumPy and gradlab (no widgets, no matplotlib): the
``DerivativePlot`` widget draws what this module finds.
"""
import math

import numpy as np

from .. import autograd
from ..creation import tensor
from ..dtypes import float64
from ..tensor import Tensor

BISECTIONS = 64  # halvings: more than float64 needs to shrink a sample gap to one ulp


# ====================================================================== autograd on the samples
def _call(f, points):
    """``f`` applied to a float64 tensor of ``points`` (requires_grad); its result checked: a tensor
    of the same shape, connected to the input by autograd."""
    x = tensor(points, dtype=float64, requires_grad=True)
    try:
        y = f(x)
    except RuntimeError as error:
        if "numpy()" in str(error):
            raise TypeError("DerivativePlot: f used NumPy on the tensor (e.g. np.sin(t)); autograd "
                            "cannot follow NumPy functions — use gradlab's (torch.sin(t))") from error
        raise
    if not isinstance(y, Tensor):
        raise TypeError(f"DerivativePlot: f must return a gradlab tensor, got {type_phrase(y)}; "
                        "build f from gradlab operations (torch.sin(t), t ** 2) so autograd can follow it")
    if tuple(y.shape) != tuple(x.shape):
        raise ValueError(
            f"DerivativePlot: f must be elementwise (one output per input, like torch.sin): given "
            f"{x.numel()} points of shape {shape_text(x.shape)} it returned shape {shape_text(y.shape)} "
            "(a sum, mean, reshape or broadcast changes the shape)")
    if not y.requires_grad:
        raise ValueError(
            "DerivativePlot: f(x) does not require grad, so autograd has no derivative to show; "
            "f must compute its result from x with gradlab operations (not detach(), .data, "
            "torch.no_grad(), a comparison, or a new torch.tensor(...))")
    return x, y


def values_and_slopes(f, points):
    """f and autograd's f′ at ``points`` (a float64 array): one forward pass, one backward pass."""
    x, y = _call(f, points)
    (slopes,) = autograd.grad(y.sum(), x)  # elementwise f: d sum(f(x)) / d x[i] = f′(x[i])
    return y.detach().numpy().astype(np.float64), slopes.numpy().astype(np.float64)


def check_elementwise(f, points, values):
    """Each element alone must give what it gave in the batch (catches ``t - t.mean()``)."""
    for index in sorted({0, len(points) // 2, len(points) - 1}):
        alone = float(values_and_slopes(f, np.float64(points[index]))[0])
        batch = float(values[index])
        if not np.isclose(alone, batch, rtol=1e-9, atol=1e-12, equal_nan=True):
            raise ValueError(
                f"DerivativePlot: f must be elementwise (each output depends only on its own input): "
                f"at x = {format_number(points[index])} f gives {format_number(alone)} for the point "
                f"alone but {format_number(batch)} among all the points (f mixes elements, "
                "e.g. t - t.mean() or softmax)")


# ====================================================================== kinks and jumps
class SpecialPoint:
    """A point where f′ does not exist: a ``"kink"`` (f has a corner), a ``"jump"`` (f jumps)
    or a ``"pole"`` (f is infinite there or grows without bound next to it, like 1/x at 0).

    ``x``; ``value`` (f there), ``left_value`` / ``right_value`` (f just left and
    right of it); ``slope`` (what autograd gives there), ``left_slope`` /
    ``right_slope`` (autograd's f′ just left and right of it).
    """

    __slots__ = ("x", "kind", "value", "left_value", "right_value", "slope", "left_slope",
                 "right_slope")

    def __init__(self, x, kind, value, left_value, right_value, slope, left_slope, right_slope):
        self.x, self.kind, self.value, self.slope = x, kind, value, slope
        self.left_value, self.right_value = left_value, right_value
        self.left_slope, self.right_slope = left_slope, right_slope

    def describe(self, name="f"):
        """One sentence: what happens here and what autograd gives."""
        where = format_number(self.x)
        by = "" if name == "f" else f" for {name}"
        if self.kind == "pole":
            return (f"f is unbounded near x = {where} (f({where}) = {format_number(self.value)}), so "
                    f"f′({where}) does not exist; autograd gives {format_number(self.slope)} there")
        if self.kind == "kink":
            what = (f"kink at x = {where}: the slope is {format_number(self.left_slope)} on the left and "
                    f"{format_number(self.right_slope)} on the right")
        else:
            what = (f"jump at x = {where}: f goes from {format_number(self.left_value)} to "
                    f"{format_number(self.right_value)} (f({where}) = {format_number(self.value)})")
        return (f"{what}, so f′({where}) does not exist; autograd gives {format_number(self.slope)} at "
                f"x = {where}{by}: PyTorch's convention")

    def __repr__(self):
        return (f"SpecialPoint({self.kind} at x={format_number(self.x)}, "
                f"autograd f′={format_number(self.slope)})")


def _bisect(f, left, right, which):
    """Shrink each interval [left[i], right[i]] around where f (``which`` 0) or f′ (1) changes most.

    Returns the final ends and f, f′ at them. A jump in f (or in f′: a kink)
    keeps its size however small the interval gets; a smooth change vanishes.
    """
    a, b = left.copy(), right.copy()
    fa, ga = values_and_slopes(f, a)
    fb, gb = values_and_slopes(f, b)
    for _ in range(BISECTIONS):
        middle = (a + b) / 2
        moving = (middle > a) & (middle < b)  # adjacent floats cannot be split further
        if not moving.any():
            break
        fm, gm = values_and_slopes(f, middle)
        at_a, at_b, at_m = (fa, fb, fm) if which == 0 else (ga, gb, gm)
        go_left = moving & (np.abs(at_m - at_a) >= np.abs(at_b - at_m))
        go_right = moving & ~go_left
        b, fb, gb = (np.where(go_left, middle, b), np.where(go_left, fm, fb), np.where(go_left, gm, gb))
        a, fa, ga = (np.where(go_right, middle, a), np.where(go_right, fm, fa),
                     np.where(go_right, gm, ga))
    return a, b, fa, fb, ga, gb


def _simplest(a, b):
    """The number with the fewest decimals in [a, b] (the kink of relu is at 0, not at 1e-17)."""
    if a <= 0 <= b:
        return 0.0
    for digits in range(16):
        scale = 10.0 ** digits
        candidate = math.ceil(a * scale) / scale
        if candidate <= b:
            return candidate
    return (a + b) / 2


def find_special_points(f, points, values, slopes):
    """The kinks and jumps of f between the sample points, left to right."""
    finite_values = values[np.isfinite(values)]
    finite_slopes = slopes[np.isfinite(slopes)]
    value_scale = max(1.0, float(np.max(np.abs(finite_values), initial=0.0)))
    value_tolerance = 1e-6 * value_scale
    slope_scale = max(1.0, float(np.max(np.abs(finite_slopes), initial=0.0)))
    slope_tolerance = 1e-6 * slope_scale
    finite = np.isfinite(values) & np.isfinite(slopes)
    usable = finite[:-1] & finite[1:]
    found = []  # (a, b, fa, fb, ga, gb, kind)
    candidates = np.flatnonzero(usable & (np.abs(np.diff(values)) > value_tolerance))
    jump_intervals = set()
    if candidates.size:
        a, b, fa, fb, ga, gb = _bisect(f, points[candidates], points[candidates + 1], 0)
        for i in np.flatnonzero(np.abs(fb - fa) > value_tolerance):
            found.append((a[i], b[i], fa[i], fb[i], ga[i], gb[i], "jump"))
            jump_intervals.add(candidates[i])
    candidates = np.array([i for i in np.flatnonzero(usable & (np.abs(np.diff(slopes)) > slope_tolerance))
                           if i not in jump_intervals], dtype=np.intp)
    if candidates.size:
        a, b, fa, fb, ga, gb = _bisect(f, points[candidates], points[candidates + 1], 1)
        for i in np.flatnonzero(np.abs(gb - ga) > slope_tolerance):
            found.append((a[i], b[i], fa[i], fb[i], ga[i], gb[i], "kink"))
    # the same point can be found from both sides (sign(0) when 0 is a sample): merge
    merged = {}
    for a, b, fa, fb, ga, gb, kind in sorted(found, key=lambda entry: entry[0]):
        where = _simplest(a, b)
        if where in merged:
            entry = merged[where]
            entry["right_value"], entry["right_slope"] = fb, gb
            entry["kind"] = "jump" if "jump" in (kind, entry["kind"]) else "kink"
        else:
            merged[where] = dict(kind=kind, left_value=fa, right_value=fb, left_slope=ga, right_slope=gb)
    if not merged:
        return []
    where = np.array(sorted(merged), dtype=np.float64)
    at_values, at_slopes = values_and_slopes(f, where)
    result = []
    for x, value, slope in zip(where, at_values, at_slopes):
        entry = merged[x]
        kind = entry["kind"]
        sides = (entry["left_value"], entry["right_value"])
        # a jump to values far beyond any sample is f blowing up (1/x at 0), not a step
        if kind == "jump" and (not np.isfinite(value)
                               or max(abs(v) for v in sides) > 1e3 * value_scale):
            kind = "pole"
        # one-sided values are read an ulp away from x: 1e-30 there is 0 in the limit
        left_value, right_value = (_tidy(v, value_scale) for v in sides)
        left_slope, right_slope = (_tidy(entry[k], slope_scale) for k in ("left_slope", "right_slope"))
        result.append(SpecialPoint(float(x), kind, float(value), left_value, right_value, float(slope),
                                   left_slope, right_slope))
    return result


def _tidy(value, scale):
    value = float(value)
    return 0.0 if abs(value) <= 1e-12 * scale else value


# ====================================================================== numbers and names in messages
def format_number(value):
    """A number for people: ``0``, ``-1``, ``0.25``, ``0.1966``, ``nan`` (never ``-0``)."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".4g")


def shape_text(shape):
    """A shape as PyTorch lists it: ``[2, 3]``."""
    return "[" + ", ".join(str(n) for n in shape) + "]"


def type_phrase(value):
    """What ``value`` is, with its article: ``a float``, ``a numpy.ndarray``."""
    noun = f"{type(value).__module__}.{type(value).__name__}" if type(value).__module__ != "builtins" \
        else type(value).__name__
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun
