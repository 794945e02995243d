"""Exercises for lesson 08: activations, losses and higher-order gradients.

    from gradlab.exercises import lesson08 as exercises
    exercises.cross_entropy_gradient.check(answer)   # a (2, 3) tensor: d loss / d logits
    exercises.sigmoid_max_slope.check(answer)        # a number
    exercises.tanh_second_derivative.check(answer)   # a number (or one-element tensor)

Values are compared with the core helpers; a wrong value is compared with the
usual slips (the batch mean forgotten, the first derivative instead of the
second, σ instead of σ′) to say which one it looks like. As the lesson says,
three decimals are enough for every answer (a tolerance of 0.001); a rounder
answer is told it is close but not precise enough.
"""
import math

import numpy as np

import gradlab as torch
from gradlab.nn import functional as F

from .core import Exercise, describe, expect_tensor, expect_value, wrong

__all__ = ["cross_entropy_gradient", "sigmoid_max_slope", "tanh_second_derivative"]

TOLERANCE = 1e-3  # "three decimals are enough": 0.001 off at most (rounding is 0.0005 off)

# ---------------------------------------------------------------------------
# 1. the gradient of cross-entropy: (softmax − one_hot) / N
# ---------------------------------------------------------------------------

LOGITS = [[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]]
TARGETS = [0, 2]


def _cross_entropy_pieces():
    logits = torch.tensor(LOGITS)
    probabilities = torch.softmax(logits, dim=1)
    one_hot = F.one_hot(torch.tensor(TARGETS), num_classes=3).float()
    return probabilities, one_hot, len(TARGETS)


def _close(answer, expected):
    return (tuple(answer.shape) == tuple(expected.shape)
            and np.allclose(answer.detach().double().numpy(), expected.double().numpy(),
                            rtol=0, atol=TOLERANCE))


def _check_cross_entropy_gradient(answer):
    probabilities, one_hot, n = _cross_entropy_pieces()
    expected = (probabilities - one_hot) / n
    if isinstance(answer, torch.Tensor) and tuple(answer.shape) == (2, 3):
        slips = (
            ((probabilities - one_hot),
             "That is the gradient of the SUM of the two losses; cross_entropy averages over the "
             f"batch, so divide by N = {n}."),
            ((one_hot - probabilities) / n, "The sign is flipped: it is softmax − one_hot."),
            (probabilities / n, "Subtract the one-hot targets: the right class gets softmax − 1."),
            (probabilities, "Subtract the one-hot targets (the right class gets softmax − 1) "
                            f"and divide by N = {n} for the mean."),
            (torch.softmax(torch.tensor(LOGITS), dim=0) - one_hot,
             "Take the softmax over each row (dim=1): the classes of one image, not the batch."),
        )
        for value, nudge in slips:
            if _close(answer, value):
                return wrong("Your gradient is not right.", nudge)
    return expect_tensor(answer, expected, name="your gradient", atol=TOLERANCE, rtol=TOLERANCE)


cross_entropy_gradient = Exercise(
    "cross_entropy_gradient",
    "For logits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]]) and targets = torch.tensor([0, 2]), "
    "what is the gradient of F.cross_entropy(logits, targets) with respect to logits? "
    "(A (2, 3) tensor; typed numbers need three decimals.)",
    _check_cross_entropy_gradient,
    hints=(
        "Per row the gradient is softmax(row) minus the one-hot vector of the target class.",
        "cross_entropy returns the mean over the 2 rows, so every row's gradient is divided by 2.",
        "(torch.softmax(logits, dim=1) - F.one_hot(targets, 3)) / 2 — then check it against "
        "logits.grad after a backward pass.",
    ),
    solution=(
        "logits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]], requires_grad=True)\n"
        "targets = torch.tensor([0, 2])\n"
        "answer = (torch.softmax(logits, dim=1) - F.one_hot(targets, num_classes=3)).detach() / 2\n"
        "# the same as: F.cross_entropy(logits, targets).backward(); answer = logits.grad"
    ),
)


# ---------------------------------------------------------------------------
# 2. the steepest slope of sigmoid
# ---------------------------------------------------------------------------

def _check_sigmoid_max_slope(answer):
    number = _one_number(answer)
    if number is not None:
        if math.isclose(number, 0.5, abs_tol=1e-3):
            return wrong("0.5 is σ(0), the VALUE of sigmoid at 0.",
                         "The question asks for its slope σ′(x) = σ(x)(1 − σ(x)).")
        if math.isclose(number, 1.0, abs_tol=1e-3):
            return wrong("1 is the steepest slope of tanh (at 0), not of sigmoid.",
                         "Compute σ′(x) = σ(x)(1 − σ(x)) with autograd on a grid and take the max.")
        if math.isclose(number, 0.0, abs_tol=1e-3):
            return wrong("0 is the slope far out on the flat tails; the question asks for the largest "
                         "slope.")
    return expect_value(answer, 0.25, tolerance=TOLERANCE)


def _one_number(answer):
    """The answer as a float when it is a number or a one-element tensor, else None."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, (int, float)):
        return float(answer)
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        return float(answer.item())
    return None


sigmoid_max_slope = Exercise(
    "sigmoid_max_slope",
    "What is the largest value that the derivative of sigmoid, σ′(x), takes over all x? "
    "(Three decimals are enough.)",
    _check_sigmoid_max_slope,
    hints=(
        "Make x = torch.linspace(-6, 6, 1201, requires_grad=True), backward through "
        "torch.sigmoid(x).sum(), and look at x.grad.",
        "x.grad.max() — where is it reached? σ′(x) = σ(x)(1 − σ(x)) with σ(0) = 0.5.",
    ),
    solution=(
        "x = torch.linspace(-6, 6, 1201, requires_grad=True)\n"
        "torch.sigmoid(x).sum().backward()\n"
        "answer = x.grad.max().item()   # 0.25, at x = 0: σ(0)(1 − σ(0)) = 0.5 · 0.5"
    ),
)


# ---------------------------------------------------------------------------
# 3. a second derivative with create_graph=True
# ---------------------------------------------------------------------------

POINT = 0.5


def _tanh_derivatives(x=POINT):
    t = math.tanh(x)
    first = 1 - t * t
    return first, -2 * t * first


def _check_tanh_second_derivative(answer):
    first, second = _tanh_derivatives()
    number = _one_number(answer)
    if number is None:
        if isinstance(answer, torch.Tensor):
            return wrong(f"The answer is one number, but yours is {describe(answer)}.",
                         "Pass the second derivative at x = 0.5 only.")
        return wrong(f"The answer is a number, but yours is {describe(answer)}.")
    if math.isclose(number, first, abs_tol=TOLERANCE):
        return wrong(f"{number:.4f} is the FIRST derivative, 1 − tanh²(0.5).",
                     "Differentiate that gradient once more: the first torch.autograd.grad needs "
                     "create_graph=True so its result has a grad_fn.")
    if math.isclose(number, math.tanh(POINT), abs_tol=TOLERANCE):
        return wrong(f"{number:.4f} is tanh(0.5) itself, not a derivative.")
    if math.isclose(number, 0.0, abs_tol=1e-7):
        return wrong("0 is not right: the slope of tanh changes at x = 0.5.",
                     "A gradient computed without create_graph=True (or detached) has no graph "
                     "behind it, so differentiating it again gives nothing useful.")
    return expect_value(answer, second, tolerance=TOLERANCE)


tanh_second_derivative = Exercise(
    "tanh_second_derivative",
    "What is the second derivative of tanh at x = 0.5? Compute it with torch.autograd.grad "
    "and create_graph=True. (A number or a one-element tensor; three decimals are enough.)",
    _check_tanh_second_derivative,
    hints=(
        "First derivative: (dy,) = torch.autograd.grad(torch.tanh(x), x, create_graph=True) "
        "with x = torch.tensor(0.5, requires_grad=True).",
        "dy has a grad_fn, so it can be differentiated again: (d2y,) = torch.autograd.grad(dy, x).",
        "By hand: tanh′ = 1 − tanh², so tanh″ = −2 · tanh · (1 − tanh²).",
    ),
    solution=(
        "x = torch.tensor(0.5, requires_grad=True)\n"
        "(dy,) = torch.autograd.grad(torch.tanh(x), x, create_graph=True)\n"
        "(d2y,) = torch.autograd.grad(dy, x)\n"
        "answer = d2y   # tensor(-0.7269) = −2 · tanh(0.5) · (1 − tanh²(0.5))"
    ),
)
