"""gradlab/widgets/special_points.py: f and f′ by autograd on samples, and where f′ does not exist.

No ipywidgets or matplotlib needed: the DerivativePlot widget only draws what this finds.
"""
import numpy as np
import pytest

import gradlab
from gradlab.widgets.special_points import (
    check_elementwise, find_special_points, format_number, values_and_slopes,
)


def _find(f, x_range=(-3, 3), points=400):
    """The special points of f on x_range, from samples as DerivativePlot takes them."""
    samples = np.linspace(*x_range, points)
    values, slopes = values_and_slopes(f, samples)
    return find_special_points(f, samples, values, slopes)


def test_values_and_slopes_are_autograd_at_every_sample():
    points = np.linspace(-2, 2, 41)
    values, slopes = values_and_slopes(gradlab.tanh, points)
    for x, value, slope in zip(points, values, slopes):
        t = gradlab.tensor(x, dtype=gradlab.float64, requires_grad=True)
        y = gradlab.tanh(t)
        y.backward()
        assert (value, slope) == (y.item(), t.grad.item())


def test_relu_and_abs_kinks():
    (kink,) = _find(gradlab.relu)
    assert (kink.kind, kink.x, kink.left_slope, kink.right_slope, kink.slope) == ("kink", 0.0, 0.0, 1.0, 0.0)
    assert kink.describe("relu") == (
        "kink at x = 0: the slope is 0 on the left and 1 on the right, so f′(0) does not exist; "
        "autograd gives 0 at x = 0 for relu: PyTorch's convention")
    (kink,) = _find(gradlab.abs)
    assert (kink.kind, kink.x, kink.left_slope, kink.right_slope, kink.slope) == ("kink", 0.0, -1.0, 1.0, 0.0)


def test_round_and_floor_jumps_are_found_with_zero_slope():
    found = _find(gradlab.round)
    assert [p.x for p in found] == [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]
    assert all(p.kind == "jump" and p.slope == 0 for p in found)
    half = found[3]
    assert (half.left_value, half.value, half.right_value) == (0.0, 0.0, 1.0)  # round(0.5) = 0
    assert [p.x for p in _find(gradlab.floor, (-2.2, 2.2))] == [-2, -1, 0, 1, 2]


def test_sign_jump_found_from_both_sides_of_a_sample():
    (jump,) = _find(gradlab.sign, (-1, 1), points=21)  # 0 is a sample point
    assert (jump.x, jump.left_value, jump.value, jump.right_value, jump.slope) == (0.0, -1.0, 0.0, 1.0, 0.0)


def test_smooth_functions_have_no_special_points():
    for f in (lambda t: t ** 2, gradlab.sin, gradlab.sigmoid, lambda t: gradlab.exp(t) * 3):
        assert _find(f, points=101) == []


def test_an_unbounded_function_has_a_pole_not_a_convention():
    (pole,) = _find(lambda t: 1 / t)
    assert pole.kind == "pole" and pole.x == 0.0
    assert pole.describe().startswith("f is unbounded near x = 0") and "convention" not in pole.describe()


@pytest.mark.parametrize("f, error, message", [
    (lambda t: t.sum(), ValueError, r"f must be elementwise \(one output per input.*returned shape \[\]"),
    (lambda t: t.detach() ** 2, ValueError, "does not require grad"),
    (lambda t: 1.0, TypeError, "must return a gradlab tensor, got a float"),
    (np.sin, TypeError, r"NumPy .*np\.sin"),
])
def test_f_that_autograd_cannot_follow_is_refused(f, error, message):
    with pytest.raises(error, match=message):
        values_and_slopes(f, np.linspace(-1, 1, 5))


def test_f_that_mixes_elements_is_refused():
    points = np.linspace(-1, 1, 5)
    f = lambda t: t - t.mean()
    values, _ = values_and_slopes(f, points)
    with pytest.raises(ValueError, match=r"each output depends only on its own input\): at x = -1"):
        check_elementwise(f, points, values)


def test_numbers_read_as_people_write_them():
    assert [format_number(x) for x in (0.0, -0.0, -1, 0.25, 0.19661193, float("nan"))] == \
        ["0", "0", "-1", "0.25", "0.1966", "nan"]
