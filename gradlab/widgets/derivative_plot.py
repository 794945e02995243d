"""DerivativePlot: a function, its derivative from gradlab's autograd, and the tangent at a chosen x.

::

    import gradlab as torch
    from gradlab.widgets import DerivativePlot
    DerivativePlot(torch.sigmoid, (-6, 6))
    DerivativePlot(lambda t: t ** 2)
    DerivativePlot(torch.relu, x=0.0)      # what does autograd say at the kink?

f′ is never estimated from differences of f. The sample points are one
tensor with ``requires_grad=True``; for an elementwise f the gradient of
``f(x).sum()`` with respect to ``x[i]`` is ``f′(x[i])``, so one backward pass
gives the whole f′ curve — exactly what the engine computes, nothing else.
The samples are float64, so the curves and the readout show the math rather
than float32 rounding.

Kinks and jumps are shown as they are. Where f has a corner (relu, abs at 0)
the derivative does not exist, yet autograd returns a number (PyTorch's
convention: relu′(0) = 0, abs′(0) = 0); where f jumps (round, floor, sign)
the derivative does not exist either, and autograd says 0 there as on the
flat steps around it. Such points are found between the samples by bisection
(``special_points.py``, which also computes f and f′ on the samples), marked
with open circles (the one-sided values) and a filled dot (what f or autograd
gives at the point), and the curves are broken there, so no line is drawn
across a jump. The tangent is drawn only between neighbouring kinks
and jumps; at a kink or jump it is autograd's line, dashed, and the readout
says the derivative does not exist there.

The figure is a ``matplotlib.figure.Figure`` drawn by the SVG backend: no
pyplot, no global figure state. The live widget shows the same SVG in an
``HTML`` widget (no ``Output`` widget, so nothing printed lands in widget
state), and ``_repr_mimebundle_`` adds it as a static ``text/html`` fallback,
byte-identical from run to run (fixed ``svg.hashsalt``, no date, no version stamp).
"""
import io
import math
import numbers

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from ..tensor import Tensor
from ..viz.safe_text import html_text
from ._fallback import static_bundle
from ._lifetime import Closable, weak_method
from .special_points import (
    check_elementwise, find_special_points, format_number, shape_text, type_phrase, values_and_slopes,
)

SVG_SETTINGS = {"svg.hashsalt": "gradlab", "svg.fonttype": "none"}  # same bytes every time
TANGENT_REACH = 1 / 8  # the tangent spans at most this fraction of x_range on each side
MAX_MARKED = 40  # kinks and jumps marked in the picture; more means the sampling is too coarse
CURVE, DERIVATIVE, TANGENT, SPECIAL = "#1f5fa8", "#b26a00", "#c62828", "#444444"


# ====================================================================== drawing helpers
def _broken_curve(points, values, specials, left_of, right_of):
    """x, y arrays for a curve broken at each special point (NaN between the pieces).

    The piece left of a special point ends there at ``left_of(point)``, the
    next starts there at ``right_of(point)``; a sample exactly at a special
    point is left out (a marker shows the value there).
    """
    xs, ys = [], []
    edges = [-math.inf] + [point.x for point in specials] + [math.inf]
    for k in range(len(edges) - 1):
        start, end = edges[k], edges[k + 1]
        if k > 0:
            xs.append(start)
            ys.append(right_of(specials[k - 1]))
        inside = (points > start) & (points < end)
        xs.extend(points[inside])
        ys.extend(values[inside])
        if k < len(specials):
            xs.extend([end, end])
            ys.extend([left_of(specials[k]), math.nan])
    ys = np.array(ys, dtype=np.float64)
    ys[~np.isfinite(ys)] = np.nan  # inf would stretch the axes; NaN breaks the line
    return np.array(xs, dtype=np.float64), ys



def _limits(values):
    """y limits around the finite values, with a margin."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return -1.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high - low < 1e-12 * max(1.0, abs(low)):
        return low - 1.0, high + 1.0
    margin = 0.08 * (high - low)
    return low - margin, high + margin


# ====================================================================== the widget
class DerivativePlot(Closable, widgets.VBox):
    """A plot of ``f`` and of ``f′`` as gradlab's autograd computes it, with the tangent at ``x``.

    ``f``: a function of one gradlab tensor that works elementwise
    (``torch.relu``, ``lambda t: t ** 2``); ``x_range``: ``(low, high)``;
    ``x``: where the point and tangent start (default: the middle);
    ``points``: sample points for the curves; ``title``: above the plot
    (default: f's name). The slider moves x; ``set_x(x)`` does the same
    from code. ``x``, ``value`` (f(x)), ``slope`` (autograd's f′(x)) and
    ``readout`` describe the current point; ``special_points`` lists the
    kinks and jumps found in the range; ``figure`` is the matplotlib Figure
    (``axes``: f above, f′ below).
    """

    def __init__(self, f, x_range=(-3, 3), *, x=None, points=400, title=None):
        if isinstance(f, Tensor):
            raise TypeError("DerivativePlot: f must be a function (e.g. torch.relu or lambda t: t ** 2), "
                            "got a Tensor — pass the function itself, not its result")
        if not callable(f):
            raise TypeError(f"DerivativePlot: f must be a function of one tensor (e.g. lambda t: t ** 2), "
                            f"got {type_phrase(f)}")
        module = getattr(f, "__module__", None) or ""
        if module == "torch" or module.startswith("torch."):
            own = f"{module}.{getattr(f, '__name__', 'function')}"
            raise TypeError(f"DerivativePlot: f is PyTorch's own {own}; "
                            "the derivative is computed by gradlab's autograd, so pass gradlab's function "
                            "(import gradlab as torch)")
        self.f = f
        self.low, self.high = _check_range(x_range)
        if isinstance(points, bool) or not isinstance(points, numbers.Integral) or points < 2:
            raise ValueError(f"DerivativePlot: points must be a whole number of at least 2, got {points!r}")
        self.points = int(points)
        name = getattr(f, "__name__", "")
        self.name = name if name.isidentifier() else "f"
        self.title = title if title is not None else (self.name if self.name != "f" else "f(x)")

        # the curves: one forward and one backward pass over all sample points
        self.sample_points = np.linspace(self.low, self.high, self.points)
        self.sample_values, self.sample_slopes = values_and_slopes(f, self.sample_points)
        check_elementwise(f, self.sample_points, self.sample_values)
        self.special_points = find_special_points(f, self.sample_points, self.sample_values,
                                              self.sample_slopes)

        step = _nice_step(self.high - self.low)
        digits = max(0, -math.floor(math.log10(step)))
        if x is None:  # the middle, on the slider's grid
            start = round(self.low + round((self.high - self.low) / 2 / step) * step, digits + 1)
        else:
            start = self._checked_x(x)
        self.slider = widgets.FloatSlider(
            value=start, min=self.low, max=self.high, step=step, description="x",
            readout_format=f".{digits}f", continuous_update=True,
            layout=widgets.Layout(width="520px"))
        self.picture = widgets.HTML()
        self.readout_panel = widgets.HTML()
        self.figure = self._make_figure()
        self._x = None
        super().__init__(children=[self.picture, self.slider, self.readout_panel])
        self._closed = False
        self.slider.observe(weak_method(self._on_slider), names="value")  # weakly: del frees the plot
        self._move(start)

    def _let_go(self):
        """close() closes the slider and pictures; this lets go of the matplotlib figure."""
        self.figure.clear()
        self.figure = self.axes = self._tangent = self._point = self._slope_point = None
        self._guides = []

    def _check_open(self):
        if getattr(self, "_closed", False):
            raise RuntimeError("this DerivativePlot was closed (close() let go of its figure); "
                               "make a new one to plot again")

    # ---------------------------------------------------------------- the current point
    @property
    def x(self):
        """Where the point and the tangent are."""
        return self._x

    @property
    def value(self):
        """f(x)."""
        return self._value

    @property
    def slope(self):
        """f′(x) as gradlab's autograd computes it (the tangent's slope)."""
        return self._slope

    @property
    def special(self):
        """The kink or jump at x, or None."""
        return self._special

    @property
    def tangent(self):
        """The drawn tangent as ``((x0, y0), (x1, y1))``, or None when autograd's f′(x) is not finite."""
        xs, ys = self._tangent.get_data()
        if len(xs) == 0:
            return None
        return (float(xs[0]), float(ys[0])), (float(xs[1]), float(ys[1]))

    @property
    def readout(self):
        """``f(x) = …, f′(x) = … (autograd)``, and what autograd does at a kink or jump."""
        lines = [f"x = {format_number(self._x)}: f(x) = {format_number(self._value)}, "
                 f"f′(x) = {format_number(self._slope)} (autograd)"]
        if self._special is not None:
            lines.append(self._special.describe(self.name))
        elif not math.isfinite(self._slope):
            lines.append("autograd's f′(x) is not a finite number here: no tangent drawn")
        return "\n".join(lines)

    def set_x(self, x):
        """Move the point to ``x`` (as the slider does)."""
        x = self._checked_x(x)
        if x == self.slider.value:
            self._move(x)
        else:
            self.slider.value = x  # the observer moves the point

    def _checked_x(self, x):
        if isinstance(x, Tensor):
            if x.numel() != 1:
                raise ValueError(f"DerivativePlot: x must be one number, got a tensor of shape "
                                 f"{shape_text(x.shape)}")
            x = x.item()
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
            raise ValueError(f"DerivativePlot: x must be a finite number, got {x!r}")
        x = float(x)
        if not self.low <= x <= self.high:
            raise ValueError(f"DerivativePlot: x = {format_number(x)} is outside x_range "
                             f"[{format_number(self.low)}, {format_number(self.high)}]")
        return x

    def _on_slider(self, change):
        self._move(float(change["new"]))

    def _move(self, x):
        self._check_open()
        values, slopes = values_and_slopes(self.f, np.array([x]))
        self._x, self._value, self._slope = x, float(values[0]), float(slopes[0])
        reach = 1e-9 * (self.high - self.low)
        self._special = next((p for p in self.special_points if abs(p.x - x) <= reach), None)
        self._draw_point()
        self.picture.value = self.to_svg()
        self.readout_panel.value = self._readout_html()

    # ---------------------------------------------------------------- the figure
    def _make_figure(self):
        figure = Figure(figsize=(6.4, 5.2), dpi=100)
        FigureCanvasSVG(figure)
        # fixed margins: a layout engine would double the time of every redraw
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2), gridspec_kw=dict(
            left=0.11, right=0.97, top=0.92, bottom=0.09, hspace=0.08))
        figure.suptitle(self.title)
        specials = self.special_points
        marked = specials[:MAX_MARKED]

        # f is broken only where it jumps; a kink is a corner of the curve, drawn sharp
        jumps = [p for p in specials if p.kind != "kink"]
        kinks = [p for p in specials if p.kind == "kink"]
        points = np.concatenate([self.sample_points, [p.x for p in kinks]])
        order = np.argsort(points, kind="stable")
        values = np.concatenate([self.sample_values, [p.value for p in kinks]])
        xs, ys = _broken_curve(points[order], values[order], jumps,
                               lambda p: p.left_value, lambda p: p.right_value)
        top.plot(xs, ys, color=CURVE, linewidth=1.8, label="f(x)")
        xs, ys = _broken_curve(self.sample_points, self.sample_slopes, specials,
                               lambda p: p.left_slope, lambda p: p.right_slope)
        bottom.plot(xs, ys, color=DERIVATIVE, linewidth=1.8, label="f′(x) by autograd")
        for point in marked:
            if point.kind == "jump":
                _open_dots(top, point.x, (point.left_value, point.right_value), point.value)
                top.plot([point.x], [point.value], "o", color=CURVE, markersize=5)
            if point.kind != "kink":
                bottom.axvline(point.x, color="#aaaaaa", linewidth=0.8, linestyle=":")
            _open_dots(bottom, point.x, (point.left_slope, point.right_slope), point.slope)
        dots = [p for p in marked if math.isfinite(p.slope)]
        if dots:
            bottom.plot([p.x for p in dots], [p.slope for p in dots], "o", color=SPECIAL,
                        markersize=5, label="autograd at a kink/jump (f′ does not exist)")
        top.set_ylim(*_limits(self.sample_values))
        bottom.set_ylim(*_limits(np.concatenate([self.sample_slopes, [p.slope for p in dots]])))
        top.set_xlim(self.low, self.high)
        top.set_ylabel("f(x)")
        bottom.set_ylabel("f′(x)")
        bottom.set_xlabel("x")
        for axes in (top, bottom):
            axes.grid(True, color="#e5e5e5", linewidth=0.6)
            axes.axhline(0, color="#999999", linewidth=0.6)

        # the moving parts, updated by _draw_point
        self._tangent, = top.plot([], [], color=TANGENT, linewidth=1.5,
                                  label="tangent (slope from autograd)")
        self._point, = top.plot([], [], "o", color=TANGENT, markersize=6, zorder=5)
        self._slope_point, = bottom.plot([], [], "o", color=TANGENT, markersize=6, zorder=5)
        self._guides = [axes.axvline(0, color=TANGENT, linewidth=0.8, linestyle=":")
                        for axes in (top, bottom)]
        legends = [axes.legend(loc="best", fontsize=8, frameon=False) for axes in (top, bottom)]
        self.axes = (top, bottom)  # f above, f′ below
        # place the legends where the curves leave room, then keep them there (not dodging the tangent)
        figure.draw_without_rendering()
        for axes, legend in zip(self.axes, legends):
            box = legend.get_window_extent().transformed(axes.transAxes.inverted())
            if hasattr(legend, "set_loc"):  # matplotlib 3.8+
                legend.set_loc((box.x0, box.y0))
            else:
                legend._loc = (box.x0, box.y0)
        return figure

    def _draw_point(self):
        x, value, slope = self._x, self._value, self._slope
        for guide in self._guides:
            guide.set_xdata([x, x])
        self._point.set_data([x], [value] if math.isfinite(value) else [math.nan])
        self._slope_point.set_data([x], [slope] if math.isfinite(slope) else [math.nan])
        if not (math.isfinite(value) and math.isfinite(slope)):
            self._tangent.set_data([], [])
            return
        # the tangent stays between the neighbouring kinks/jumps: never drawn across a jump
        reach = TANGENT_REACH * (self.high - self.low)
        left, right = max(self.low, x - reach), min(self.high, x + reach)
        for point in self.special_points:
            if point is self._special:
                continue
            if left < point.x < x:
                left = point.x
            elif x < point.x < right:
                right = point.x
        self._tangent.set_data([left, right], [value + slope * (left - x), value + slope * (right - x)])
        # at a kink or jump it is autograd's line, not a tangent: dashed
        self._tangent.set_linestyle("--" if self._special is not None else "-")

    def to_svg(self):
        """The figure as SVG text: the same bytes for the same plot and x."""
        self._check_open()
        buffer = io.StringIO()
        with matplotlib.rc_context(SVG_SETTINGS):
            self.figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        text = buffer.getvalue()
        return text[text.index("<svg"):]  # inline in HTML: no XML declaration or DOCTYPE

    # ---------------------------------------------------------------- static forms
    def _readout_html(self):
        lines = self.readout.split("\n")
        html = [f"<div><b>{html_text(lines[0])}</b></div>"]
        html.extend(f'<div style="color:#8a4b00">{html_text(line)}</div>' for line in lines[1:])
        return "".join(html)

    def notes(self):
        """Sentences about the whole range: the kinks and jumps, and flat functions."""
        notes = [point.describe(self.name) for point in self.special_points[:MAX_MARKED]]
        if len(self.special_points) > MAX_MARKED:
            notes.append(f"... and {len(self.special_points) - MAX_MARKED} more kinks/jumps "
                         "(only the first are marked)")
        jumps = [p for p in self.special_points if p.kind == "jump"]
        finite = self.sample_slopes[np.isfinite(self.sample_slopes)]
        if jumps and finite.size and not finite.any() and all(p.slope == 0 for p in jumps):
            notes.append("between its jumps f is flat, so autograd's f′ is 0 everywhere — at the jumps "
                         "too: a loss built on f gives no gradient to learn from")
        return notes

    def to_text(self):
        """A plain-text summary: the range, the current point, the kinks and jumps."""
        lines = [f"DerivativePlot of {self.title} on "
                 f"[{format_number(self.low)}, {format_number(self.high)}]: "
                 f"f′ from gradlab's autograd ({self.points} points)"]
        lines.append(self.readout.split("\n")[0])
        notes = self.notes()
        current = self._special.describe(self.name) if self._special is not None else None
        if current is not None and current not in notes:
            notes.insert(0, current)
        lines.extend(notes)
        return "\n".join(lines) + "\n"

    def to_html(self):
        """The static picture: the SVG of the figure, the readout and the notes."""
        notes = "".join(f"<li>{html_text(note)}</li>" for note in self.notes())
        return (f'<div class="gradlab-derivative-plot">{self.to_svg()}'
                f"{self._readout_html()}" + (f"<ul>{notes}</ul>" if notes else "") + "</div>")

    def _repr_mimebundle_(self, **kwargs):
        # the live widget where a kernel runs; SVG and text where it does not (GitHub, nbval)
        return static_bundle(super()._repr_mimebundle_(**kwargs), self.to_html(), self.to_text())

    def __repr__(self):
        return (f"DerivativePlot({self.title}, "
                f"x_range=({format_number(self.low)}, {format_number(self.high)}), "
                f"x={format_number(self._x)})")


# ====================================================================== small helpers
def _open_dots(axes, x, one_sided, value):
    """Open circles at the one-sided values that differ from the value at the point."""
    for level in sorted(set(one_sided)):
        if math.isfinite(level) and not math.isclose(level, value, rel_tol=1e-9, abs_tol=1e-12):
            axes.plot([x], [level], "o", markerfacecolor="white", markeredgecolor=SPECIAL,
                      markersize=5, zorder=4)


def _check_range(x_range):
    try:
        low, high = x_range
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise ValueError(f"DerivativePlot: x_range must be two numbers (low, high), e.g. (-3, 3); "
                         f"got {x_range!r}") from None
    if isinstance(x_range, str) or not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"DerivativePlot: x_range must be two finite numbers (low, high), got {x_range!r}")
    if not low < high:
        raise ValueError(f"DerivativePlot: x_range must go from low to high (low < high), e.g. (-3, 3); "
                         f"got {x_range!r}")
    return low, high


def _nice_step(width):
    """A slider step of 1, 2 or 5 times a power of ten, about width / 200 (0.05 for (-3, 3))."""
    raw = width / 200
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power
