"""Exercises for lesson 01: differentiable functions and their derivatives.

::

    from gradlab.exercises import lesson01 as exercises
    exercises.gradient_of_square.check(answer)

- ``gradient_of_square``: x.grad after ``(x ** 2).sum().backward()`` (a tensor);
- ``slope_at_a_point``: f′(2) for f(x) = x³ − 2x (a number);
- ``gradient_at_the_corner``: x.grad for relu + abs with an entry at the kink (a tensor);
- ``derivative_of_x_sin_x``: write f′ for f(x) = x·sin(x) (code, run by hand — autograd off —
  at the lesson's points and at others, in float64, and compared with autograd within 1e-13,
  which a finite-difference estimate does not reach).
"""
import math

import numpy as np

import gradlab as torch

from .core import (
    Exercise, NotAnswered, PYTORCH_TENSOR_NUDGE, code_inside, correct, describe, expect_function,
    expect_tensor, expect_value, is_pytorch_tensor, run_by_hand, wrong,
)


def _matches(answer, values):
    """True when the tensor ``answer`` holds ``values`` (a known slip), shape and all."""
    if not isinstance(answer, torch.Tensor):
        return False
    expected = np.asarray(values, dtype=np.float64)
    array = answer.detach().numpy().astype(np.float64)
    return array.shape == expected.shape and np.allclose(array, expected, atol=1e-5, rtol=1e-4)


def _with_slips(verdict, answer, slips):
    """``verdict`` with the nudge of the first known slip ``answer`` matches (tensor answers)."""
    if verdict:
        return verdict
    for values, nudge in slips:
        if _matches(answer, values):
            return wrong(verdict.message, nudge)
    return verdict


# ====================================================================== 1. the seed's x ** 2
SQUARE_INPUT = (-1.0, 0.5, 4.0)


def _check_gradient_of_square(answer):
    expected = torch.tensor([2 * value for value in SQUARE_INPUT])
    verdict = expect_tensor(answer, expected)
    if verdict:
        return correct("the slope of x² is 2x, taken at each entry: 2·(-1), 2·0.5, 2·4.")
    return _with_slips(verdict, answer, [
        ([value ** 2 for value in SQUARE_INPUT],
         "Those are the values of x ** 2. x.grad holds the slope of x² at each x, not its value."),
        (SQUARE_INPUT, "That is x itself. The derivative of x² is 2x."),
        ([2.0, 2.0, 2.0], "2 is the factor in front; the derivative 2x depends on x."),
    ])


gradient_of_square = Exercise(
    "gradient_of_square",
    "x = torch.tensor([-1.0, 0.5, 4.0], requires_grad=True); (x ** 2).sum().backward(). "
    "What is x.grad?",
    _check_gradient_of_square,
    hints=(
        "Each entry of x.grad is the derivative of x² at that entry of x.",
        "The derivative of x² is 2x: apply it to -1.0, 0.5 and 4.0.",
    ),
    solution=(
        "answer = torch.tensor([-2.0, 1.0, 8.0])\n"
        "# d(x²)/dx = 2x, and .sum() keeps the entries apart: 2·(-1) = -2, 2·0.5 = 1, 2·4 = 8.\n"
        "# Check: x = torch.tensor([-1.0, 0.5, 4.0], requires_grad=True); "
        "(x ** 2).sum().backward(); x.grad"
    ),
)


# ====================================================================== 2. a slope at one point
def _check_slope_at_a_point(answer):
    verdict = expect_value(answer, 10.0, tolerance=1e-4)
    if verdict:
        return correct("f′(x) = 3x² − 2, and 3·4 − 2 = 10.")
    number = answer.item() if isinstance(answer, torch.Tensor) and answer.numel() == 1 else answer
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        if math.isclose(number, 4.0, abs_tol=1e-4):
            return wrong(verdict.message, "4 is f(2), the value of the function. The question "
                                          "asks for its slope f′(2).")
        if math.isclose(number, 12.0, abs_tol=1e-4):
            return wrong(verdict.message, "12 is the slope of x³ alone; the term −2x has a slope "
                                          "of its own.")
    return verdict


slope_at_a_point = Exercise(
    "slope_at_a_point",
    "f(x) = x ** 3 - 2 * x. What is f′(2), the slope of f at x = 2? (a number)",
    _check_slope_at_a_point,
    hints=(
        "Differentiate term by term: the slope of x³ is 3x², the slope of −2x is −2.",
        "Or let autograd do it: x = torch.tensor(2.0, requires_grad=True); "
        "(x ** 3 - 2 * x).backward(); x.grad",
    ),
    solution=(
        "answer = 10.0\n"
        "# f′(x) = 3x² − 2, so f′(2) = 3·4 − 2 = 10.\n"
        "# With autograd: x = torch.tensor(2.0, requires_grad=True); "
        "(x ** 3 - 2 * x).backward(); x.grad  → tensor(10.)"
    ),
)


# ====================================================================== 3. relu and abs at the kink
CORNER_INPUT = (-2.0, 0.0, 3.0)


def _check_gradient_at_the_corner(answer):
    verdict = expect_tensor(answer, torch.tensor([-1.0, 0.0, 2.0]))
    if verdict:
        return correct("relu′ gives [0, 0, 1] and abs′ gives [-1, 0, 1]; the sum adds them. "
                       "At x = 0 both corners count as slope 0.")
    if isinstance(answer, torch.Tensor) and tuple(answer.shape) == (3,):
        at_corner = float(answer.detach()[1])
        others = answer.detach().numpy().astype(np.float64)[[0, 2]]
        if at_corner != 0 and np.allclose(others, [-1.0, 2.0]):
            return wrong(verdict.message,
                         "Only the entry at x = 0 is off. Neither relu nor abs has a slope at 0; "
                         "PyTorch's convention gives 0 for both there.")
    return _with_slips(verdict, answer, [
        ([0.0, 0.0, 1.0], "That is the gradient of relu alone; abs adds its own slope."),
        ([-1.0, 0.0, 1.0], "That is the gradient of abs alone; relu adds its own slope."),
        ([1.0, 0.0, 2.0], "At x = -2, abs goes down as x grows: its slope there is -1."),
    ])


gradient_at_the_corner = Exercise(
    "gradient_at_the_corner",
    "x = torch.tensor([-2.0, 0.0, 3.0], requires_grad=True); "
    "(torch.relu(x) + torch.abs(x)).sum().backward(). What is x.grad?",
    _check_gradient_at_the_corner,
    hints=(
        "Gradients of a sum add up: find relu′ and abs′ at each x, then add them entry by entry.",
        "relu′ is 0 left of 0 and 1 right of 0; abs′ is -1 left of 0 and 1 right of 0.",
        "At x = 0 exactly, PyTorch gives 0 for both relu′ and abs′.",
    ),
    solution=(
        "answer = torch.tensor([-1.0, 0.0, 2.0])\n"
        "# relu′ at [-2, 0, 3] is [0, 0, 1]; abs′ is [-1, 0, 1] (0 at the kink: PyTorch's "
        "convention).\n"
        "# The gradient of relu(x) + abs(x) is their sum: [-1, 0, 2]."
    ),
)


# ====================================================================== 4. code: write f′ yourself
def _f(x):
    return x * torch.sin(x)


# Where the derivative is tried: the points messages name first, then seeded ones the lesson does
# not show (far out, and near 0). All in float64, within 1e-13: the rule computed with torch.sin
# and torch.cos is exact to the last digit or two, while a finite-difference estimate such as
# (f(x + h) - f(x - h)) / 2h is off by 1e-10 or more (a five-point one by 1e-12).
PROBE_POINTS = (-2.5, -1.0, 0.0, 0.5, 1.0, 2.0)
HIDDEN_POINTS = tuple(float(v) for v in np.round(np.random.default_rng(1).uniform(-12, 12, 8), 4)) \
    + (1e-3, -7.75)
TOLERANCE = 1e-13


def _autograd_slope(points):
    """f′ at ``points`` (float64), as autograd computes it: the reference, made after the call."""
    x = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    _f(x).sum().backward()
    return x.grad.numpy()


def _check_derivative_of_x_sin_x(derivative):
    verdict = expect_function(derivative, "derivative", "x", exercise="derivative_of_x_sin_x")
    if verdict is not None:
        return verdict
    for points in (PROBE_POINTS, HIDDEN_POINTS):
        x = torch.tensor(points, dtype=torch.float64)
        # By hand: autograd is off while the student's code runs, so backward() and friends are
        # refused with a sentence; the expected slopes are computed only after it has returned.
        result = run_by_hand(derivative, x.clone())
        verdict = _compare_slopes(result, points)
        if not verdict:
            return verdict
    return correct(f"it matches autograd (within {TOLERANCE:g}) at "
                   f"{len(PROBE_POINTS) + len(HIDDEN_POINTS)} points, and it ran with autograd "
                   f"switched off: the product rule, done by you.")


def _compare_slopes(result, points):
    """The verdict on what derivative(x) returned for x = tensor(points).

    What was returned is read into plain NumPy first, and only then is autograd's answer
    computed: nothing of the student's runs while the checker holds the expected slopes.
    """
    if result is None or result is ...:
        raise NotAnswered("fill in the return line of derivative(x), then run the cell again.")
    problem = code_inside(result)
    if problem:
        return wrong(f"What derivative(x) returned could not be checked: {problem}",
                     "Return a tensor made with torch operations, e.g. torch.cos(x) * x.")
    if is_pytorch_tensor(result):
        return wrong("derivative(x) returned PyTorch's own tensor (torch.Tensor): in these lessons "
                     "`torch` is gradlab, and the check reads gradlab's tensors.",
                     PYTORCH_TENSOR_NUDGE)
    if isinstance(result, np.ndarray):
        return wrong("derivative(x) returned a NumPy array.",
                     "Use torch operations (torch.sin, torch.cos) so the result stays a tensor.")
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        result = torch.full((len(points),), float(result), dtype=torch.float64)  # one slope for all
    if not isinstance(result, torch.Tensor):
        return wrong(f"derivative(x) should return a tensor, but it returned {describe(result)}.",
                     "Build the result from x with torch operations, e.g. torch.cos(x) * x.")
    if tuple(result.shape) != (len(points),):
        return wrong(f"derivative(x) should give one slope per entry of x: for x of shape "
                     f"({len(points)},) it returned shape {tuple(result.shape)}.",
                     "Do not sum or average: work entry by entry, like torch.sin(x).")
    got = result.detach().numpy().astype(np.float64)
    dtype = result.dtype
    expected = _autograd_slope(points)
    matches = np.isclose(got, expected, atol=TOLERANCE, rtol=TOLERANCE)
    if matches.all():
        return correct()
    where = int(np.flatnonzero(~matches)[0])
    point = f"{points[where]:g}"
    if np.allclose(got, expected, atol=1e-5, rtol=1e-5):  # right to a few digits only
        off = f"at x = {point} your derivative is off by {abs(got[where] - expected[where]):.1e}"
        if dtype != torch.float64:
            return wrong(f"derivative(x) returned {dtype} values for a float64 x, so {off}.",
                         "Keep x's dtype: build the result from x itself (torch.sin(x), "
                         "torch.cos(x)), not from a new torch.tensor(...).")
        return wrong(f"{off}: close, but not precise enough (each slope must be within "
                     f"{TOLERANCE:g} of autograd's, or {TOLERANCE:g} of its size).",
                     "A finite-difference estimate or rounded numbers are not exact: write the "
                     "rule itself with torch.sin and torch.cos.")
    at = f"at x = {point} your derivative gives {got[where]:.4f}, but f′({point}) = " \
         f"{expected[where]:.4f}"
    x = torch.tensor(points, dtype=torch.float64)
    slips = [
        (_f(x).numpy(), "That is f itself, x·sin(x). Its slope is asked for."),
        (torch.cos(x).numpy(), "cos(x) is the slope of sin(x) alone; here sin(x) is "
                               "multiplied by x, so use the product rule."),
        ((x * torch.cos(x)).numpy(), "That is one of the two terms of the product rule: "
                                     "(u·v)′ = u′·v + u·v′."),
        (torch.sin(x).numpy(), "That is one of the two terms of the product rule: "
                               "(u·v)′ = u′·v + u·v′."),
    ]
    nudge = next((text for values, text in slips if np.allclose(got, values, atol=1e-6)),
                 "Use the product rule: (u·v)′ = u′·v + u·v′ with u = x, v = sin(x).")
    if points is HIDDEN_POINTS:
        at = "at points the lesson does not show: " + at
    return wrong(at + ".", nudge)


derivative_of_x_sin_x = Exercise(
    "derivative_of_x_sin_x",
    "f(x) = x * torch.sin(x). Complete def derivative(x) so that it returns f′(x) for every entry "
    "of the tensor x, from the product rule (the check runs it with autograd switched off).",
    _check_derivative_of_x_sin_x,
    hints=(
        "f is a product of two functions of x: u = x and v = sin(x).",
        "The product rule: (u·v)′ = u′·v + u·v′. Here u′ = 1 and v′ = cos(x).",
        "In code: torch.sin(x) + x * torch.cos(x).",
    ),
    solution=(
        "def derivative(x):\n"
        "    return torch.sin(x) + x * torch.cos(x)\n"
        "\n"
        "# Compare with autograd yourself:\n"
        "# x = torch.linspace(-3, 3, 7, requires_grad=True)\n"
        "# (x * torch.sin(x)).sum().backward()\n"
        "# torch.allclose(x.grad, derivative(x.detach()))  → True"
    ),
    kind="code",
)

EXERCISES = (gradient_of_square, slope_at_a_point, gradient_at_the_corner, derivative_of_x_sin_x)
