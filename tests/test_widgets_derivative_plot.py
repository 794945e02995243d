"""DerivativePlot (gradlab/widgets/derivative_plot.py), driven from Python: no browser.

How the kinks and jumps themselves are found: tests/test_widgets_special_points.py.
"""
import math
import re
import sys

import numpy as np
import pytest

import gradlab

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")
from gradlab.widgets import DerivativePlot


def autograd_slope(f, x):
    """f′(x) from gradlab's autograd, computed here on its own."""
    t = gradlab.tensor(x, dtype=gradlab.float64, requires_grad=True)
    f(t).backward()
    return t.grad.item()


def square(t):
    return t ** 2


# gradlab function, name of the PyTorch function (None: the same lambda works on both)
FUNCTIONS = {
    "square": (square, None),
    "sin": (gradlab.sin, "sin"),
    "sigmoid": (gradlab.sigmoid, "sigmoid"),
    "relu": (gradlab.relu, "relu"),
    "abs": (gradlab.abs, "abs"),
    "round": (gradlab.round, "round"),
    "floor": (gradlab.floor, "floor"),
    "sign": (gradlab.sign, "sign"),
}
# x values to check (kinks and jumps included) and autograd's f′ there
POINTS = {
    "square": [(-1.5, -3.0), (0.0, 0.0), (2.0, 4.0)],
    "sin": [(-2.0, math.cos(-2.0)), (0.0, 1.0), (1.0, math.cos(1.0))],
    "sigmoid": [(-1.0, 0.19661193324148185), (0.0, 0.25), (2.5, 0.07010371654510816)],
    "relu": [(-1.0, 0.0), (0.0, 0.0), (1.5, 1.0)],  # relu′(0): 0 (a central difference: 0.5)
    "abs": [(-2.0, -1.0), (0.0, 0.0), (0.5, 1.0)],
    "round": [(0.3, 0.0), (0.5, 0.0), (1.5, 0.0)],
    "floor": [(-0.5, 0.0), (0.0, 0.0), (2.0, 0.0)],
    "sign": [(-1.0, 0.0), (0.0, 0.0), (1.0, 0.0)],  # a difference quotient across 0: huge
}


def torch_function(torch, name):
    f, torch_name = FUNCTIONS[name]
    return f if torch_name is None else getattr(torch, torch_name)


# ---------------------------------------------------------------- slope = autograd
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_slope_is_the_autograd_gradient(name):
    f, _ = FUNCTIONS[name]
    plot = DerivativePlot(f, (-3, 3), points=101)
    for x, expected in POINTS[name]:
        plot.set_x(x)
        assert plot.x == x
        assert plot.slope == autograd_slope(f, x)
        assert plot.slope == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert plot.value == f(gradlab.tensor(x, dtype=gradlab.float64)).item()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_slopes_match_pytorch(torch, name):
    f, _ = FUNCTIONS[name]
    reference = torch_function(torch, name)
    plot = DerivativePlot(f, (-3, 3), points=121)
    x = torch.tensor(plot.sample_points, dtype=torch.float64, requires_grad=True)
    reference(x).sum().backward()
    np.testing.assert_allclose(plot.sample_slopes, x.grad.numpy(), rtol=1e-12, atol=1e-12)
    for point, _ in POINTS[name]:
        plot.set_x(point)
        t = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        reference(t).backward()
        assert plot.slope == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-12)
        assert plot.value == pytest.approx(reference(t).item(), rel=1e-12, abs=1e-12)


def test_the_curve_is_autograd_at_every_sample():
    plot = DerivativePlot(gradlab.tanh, (-2, 2), points=41)
    expected = [autograd_slope(gradlab.tanh, float(x)) for x in plot.sample_points]
    np.testing.assert_array_equal(plot.sample_slopes, expected)


# ---------------------------------------------------------------- kinks and jumps
def test_relu_kink_is_found_and_explained():
    plot = DerivativePlot(gradlab.relu, x=0.0)
    (kink,) = plot.special_points
    assert (kink.kind, kink.x, kink.left_slope, kink.right_slope, kink.slope) == ("kink", 0.0, 0.0, 1.0, 0.0)
    assert plot.special is kink
    assert "autograd gives 0 at x = 0 for relu: PyTorch's convention" in plot.readout
    assert "does not exist" in plot.readout


def test_round_jumps_are_marked_and_the_notes_say_f_is_flat():
    plot = DerivativePlot(gradlab.round)
    assert [p.x for p in plot.special_points] == [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]
    assert not plot.sample_slopes.any()
    assert any("flat" in note and "no gradient to learn from" in note for note in plot.notes())
    assert DerivativePlot(gradlab.sin, points=101).special_points == []


def test_curves_are_broken_at_jumps_and_tangent_stays_between_them():
    plot = DerivativePlot(gradlab.round, x=0.3)
    xs, ys = plot.axes[0].lines[0].get_data()
    pieces = np.split(np.arange(len(ys)), np.flatnonzero(np.isnan(ys)))
    for piece in pieces:
        values = ys[piece][~np.isnan(ys[piece])]
        assert np.ptp(values) == 0 if values.size else True  # every piece is one flat step
    (x0, y0), (x1, y1) = plot.tangent
    assert -0.5 <= x0 < 0.3 < x1 <= 0.5  # never drawn across the jumps at ±0.5
    assert y0 == y1 == 0.0


@pytest.mark.parametrize("name, x", [("square", 1.0), ("sin", 0.7), ("sigmoid", -1.2)])
def test_tangent_slope_and_point(name, x):
    plot = DerivativePlot(FUNCTIONS[name][0], x=x)
    (x0, y0), (x1, y1) = plot.tangent
    assert x0 < x < x1
    assert (y1 - y0) / (x1 - x0) == pytest.approx(plot.slope)
    assert y0 + plot.slope * (x - x0) == pytest.approx(plot.value)


def test_tangent_at_a_kink_is_autograds_line_dashed():
    plot = DerivativePlot(gradlab.relu, x=0.0)
    (x0, y0), (x1, y1) = plot.tangent
    assert x0 < 0 < x1 and y0 == y1 == 0.0
    (line,) = [line for line in plot.axes[0].lines if list(line.get_xdata()) == [x0, x1]]
    assert line.get_linestyle() == "--"  # not a tangent: f′(0) does not exist
    plot.set_x(1.0)
    assert line.get_linestyle() == "-"


# ---------------------------------------------------------------- slider and readout
def test_slider_moves_point_readout_and_picture():
    plot = DerivativePlot(square, (-3, 3), x=0.0)
    assert plot.readout == "x = 0: f(x) = 0, f′(x) = 0 (autograd)"
    picture = plot.picture.value
    plot.slider.value = 1.5  # what dragging the slider does
    assert (plot.x, plot.value, plot.slope) == (1.5, 2.25, 3.0)
    assert plot.readout == "x = 1.5: f(x) = 2.25, f′(x) = 3 (autograd)"
    assert "f(x) = 2.25" in plot.readout_panel.value
    assert plot.picture.value != picture
    plot.set_x(0.0)
    assert plot.picture.value == picture  # back where it started: the same picture


def test_set_x_checks_the_range():
    plot = DerivativePlot(square, (-3, 3))
    with pytest.raises(ValueError, match=r"x = 5 is outside x_range \[-3, 3\]"):
        plot.set_x(5)
    with pytest.raises(ValueError, match="finite number"):
        plot.set_x(float("nan"))
    plot.set_x(gradlab.tensor(2.0))
    assert plot.x == 2.0
    with pytest.raises(ValueError, match="outside x_range"):
        DerivativePlot(square, (0, 1), x=2)


def test_default_x_is_the_middle_and_slider_step_is_round():
    plot = DerivativePlot(square, (-3, 3))
    assert plot.x == 0.0 and plot.slider.step == 0.05
    assert DerivativePlot(square, (0, 10)).x == 5.0


# ---------------------------------------------------------------- static fallback
def test_svg_is_byte_identical_between_builds():
    first = DerivativePlot(gradlab.relu, x=0.5, title="relu")
    second = DerivativePlot(gradlab.relu, x=0.5, title="relu")
    assert first.to_svg() == second.to_svg()
    bundle_one, bundle_two = first._repr_mimebundle_(), second._repr_mimebundle_()
    assert bundle_one["text/html"] == bundle_two["text/html"]
    assert bundle_one["text/plain"] == bundle_two["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in bundle_one


def test_static_fallback_content():
    plot = DerivativePlot(gradlab.relu, x=0.0)
    bundle = plot._repr_mimebundle_()
    html, plain = bundle["text/html"], bundle["text/plain"]
    assert html.startswith('<div class="gradlab-derivative-plot"><svg ')
    assert "<?xml" not in html and "<dc:date>" not in html
    assert "Matplotlib v" not in html  # no version stamp: a new matplotlib should not fail nbval for it
    assert "x = 0: f(x) = 0, f′(x) = 0 (autograd)" in html
    assert plain.startswith("DerivativePlot of relu on [-3, 3]: f′ from gradlab's autograd")
    assert "autograd gives 0 at x = 0 for relu: PyTorch's convention" in plain
    for text in (html, plain):
        assert not re.search(r"0x[0-9a-fA-F]{4,}", text) and "object at" not in text


def test_svg_settings_do_not_leak():
    import matplotlib
    before = dict(matplotlib.rcParams)
    DerivativePlot(gradlab.sin).to_svg()
    assert dict(matplotlib.rcParams) == before


def test_no_global_pyplot_state():
    pyplot = sys.modules.get("matplotlib.pyplot")
    figures = pyplot.get_fignums() if pyplot is not None else None
    DerivativePlot(gradlab.relu, points=50).set_x(1.0)
    if pyplot is None:
        assert "matplotlib.pyplot" not in sys.modules
    else:
        assert pyplot.get_fignums() == figures  # no figure registered with pyplot


# ---------------------------------------------------------------- mistakes, in plain words
@pytest.mark.parametrize("f, message", [
    (lambda t: t.sum(), r"f must be elementwise \(one output per input.*returned shape \[\]"),
    (lambda t: t - t.mean(), r"f must be elementwise \(each output depends only on its own input\)"),
    (lambda t: t * gradlab.ones(2, 1), r"returned shape \[2, 400\]"),
    (lambda t: t.detach() ** 2, r"does not require grad"),
    (lambda t: t > 0, r"does not require grad"),
])
def test_non_elementwise_or_untracked_f_is_refused(f, message):
    with pytest.raises(ValueError, match=message):
        DerivativePlot(f)


def test_wrong_kinds_of_f():
    with pytest.raises(TypeError, match="pass the function itself, not its result"):
        DerivativePlot(gradlab.relu(gradlab.tensor([1.0])))
    with pytest.raises(TypeError, match="must be a function of one tensor"):
        DerivativePlot(3.0)
    with pytest.raises(TypeError, match="must return a gradlab tensor, got a float"):
        DerivativePlot(lambda t: 1.0)
    with pytest.raises(TypeError, match=r"NumPy .*np\.sin"):
        DerivativePlot(np.sin)


def test_pytorchs_own_function_is_refused(torch):
    with pytest.raises(TypeError, match="PyTorch's own torch.relu.*import gradlab as torch"):
        DerivativePlot(torch.relu)


@pytest.mark.parametrize("x_range", [(3, -3), (1, 1), (1,), "ab", (0, math.inf), (None, 2), 5])
def test_bad_x_range(x_range):
    with pytest.raises(ValueError, match="x_range must"):
        DerivativePlot(square, x_range)


@pytest.mark.parametrize("points", [1, 2.5, True, "many"])
def test_bad_points(points):
    with pytest.raises(ValueError, match="points must be a whole number"):
        DerivativePlot(square, points=points)


def test_unbounded_function_is_not_called_a_convention():
    plot = DerivativePlot(lambda t: 1 / t, x=1.0)
    (pole,) = plot.special_points
    assert pole.kind == "pole" and pole.x == 0.0
    assert "unbounded near x = 0" in plot.notes()[0]
    assert "convention" not in plot.notes()[0]


def test_close_closes_the_parts_and_lets_go_of_the_figure():
    import gc
    import weakref

    from ipywidgets.widgets.widget import _instances

    before = set(_instances)
    plot = DerivativePlot(square, (-2, 2), points=41)
    assert len(set(_instances) - before) >= 3
    plot.slider.value = 1.0  # the callback has run
    figure = weakref.ref(plot.figure)
    alive = weakref.ref(plot)
    plot.close()
    assert plot.closed and set(_instances) <= before
    gc.collect()
    assert figure() is None  # the matplotlib figure is freed with the plot still named
    with pytest.raises(RuntimeError, match="was closed"):
        plot.set_x(0.5)
    plot.close()  # twice: nothing happens
    del plot
    gc.collect()
    assert alive() is None
