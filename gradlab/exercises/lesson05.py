"""Exercises for lesson 05: operations with no (useful) gradient, and cutting the graph.

::

    from gradlab.exercises import lesson05 as exercises
    exercises.round_in_a_product.check(answer)

- ``round_in_a_product``: x.grad for (x.round() * x).sum() (a tensor);
- ``why_no_learning``: why gradient descent through round does not move (a choice);
- ``detached_factor``: x.grad when one factor is x.detach() (a number);
- ``straight_through_round``: write round with a straight-through gradient (code, run on
  random inputs: values must be rounded, the gradient must pass through unchanged).
"""
import math

import numpy as np

import gradlab as torch

from .core import (
    Exercise, NotAnswered, PYTORCH_TENSOR_NUDGE, code_inside, correct, describe, expect_choice,
    expect_function, expect_tensor, expect_value, is_pytorch_tensor, run_with_time_limit, wrong,
)


def _same(answer, values):
    """True when the tensor ``answer`` holds ``values`` (a known slip), shape and all."""
    if not isinstance(answer, torch.Tensor):
        return False
    array = answer.detach().numpy().astype(np.float64)
    expected = np.asarray(values, dtype=np.float64)
    return array.shape == expected.shape and np.allclose(array, expected, atol=1e-5)


# ====================================================================== 1. round inside a product
ROUND_INPUT = (0.4, 1.6)


def _check_round_in_a_product(answer):
    x = np.array(ROUND_INPUT)
    rounded = np.round(x)
    verdict = expect_tensor(answer, torch.tensor(rounded.tolist()))
    if verdict:
        return correct("product rule: round(x)·1 + x·round′(x), and round′ is 0, so only "
                       "round(x) = [0., 2.] is left.")
    slips = [
        (2 * x, "That is the gradient of x · x. round(x) is not x: its own derivative is 0, "
                "so the term x · round′(x) vanishes."),
        (rounded + x, "You gave round a slope of 1. Away from the jumps round is flat: "
                      "round′(x) = 0."),
        (x, "That is the term x · 1, as if round′ were 1. It is the other term, "
            "round(x) · 1, that survives."),
        (np.zeros(2), "round′ is 0, but x is also used directly as the second factor: that "
                      "path still carries a gradient."),
    ]
    for values, nudge in slips:
        if _same(answer, values):
            return wrong(verdict.message, nudge)
    return verdict


round_in_a_product = Exercise(
    "round_in_a_product",
    "x = torch.tensor([0.4, 1.6], requires_grad=True); (x.round() * x).sum().backward(). "
    "What is x.grad? (a tensor)",
    _check_round_in_a_product,
    hints=(
        "x is used twice: inside round and as the second factor. Use the product rule.",
        "d/dx [round(x) · x] = round′(x) · x + round(x) · 1.",
        "round′(x) is 0 (round is flat between its jumps), and round([0.4, 1.6]) = [0., 2.].",
    ),
    solution=(
        "answer = torch.tensor([0.0, 2.0])\n"
        "# round′(x) · x + round(x) · 1 = 0 · x + round(x) = [0., 2.]\n"
        "# Check: x = torch.tensor([0.4, 1.6], requires_grad=True); "
        "(x.round() * x).sum().backward(); x.grad"
    ),
)


# ====================================================================== 2. why nothing is learned
WHY_EXPLANATIONS = {
    "a": "A bigger learning rate would not help: the update is learning rate × gradient, and "
         "the gradient is exactly 0.",
    "b": "round is in the graph (the prediction has grad_fn=<RoundBackward0>), and backward "
         "runs through it. What it sends back is the problem.",
    "c": "round is flat between its jumps, so its derivative is 0 wherever it exists; every "
         "update is 0 × learning rate, and w never moves.",
    "d": "Resetting w.grad after the update is right: each step should use its own gradient.",
}


def _check_why_no_learning(answer):
    text = answer.strip() if isinstance(answer, str) else ""
    if len(text) > 1 and text[:1].lower() in "abcd" and not text[1:2].isalpha():
        answer = text[:1]  # "c)" or "c." count as "c"
    return expect_choice(answer, "c", WHY_EXPLANATIONS)


why_no_learning = Exercise(
    "why_no_learning",
    "Gradient descent on loss = (round(w * 4) - 3) ** 2 leaves w where it started. Why? "
    "(a, b, c or d)",
    _check_why_no_learning,
    hints=(
        "Print w.grad after loss.backward() in the lesson's loop. What number is it?",
        "An update is w -= learning_rate * w.grad. What happens when w.grad is 0?",
    ),
    solution=(
        "answer = \"c\"\n"
        "# round is in the graph, but its derivative is 0 everywhere it exists, so w.grad is 0\n"
        "# and w -= lr * w.grad changes nothing, whatever the learning rate."
    ),
    kind="choice",
)


# ====================================================================== 3. a detached factor
def _check_detached_factor(answer):
    verdict = expect_value(answer, 8.0)
    if verdict:
        return correct("x.detach() is a constant 2 to autograd, so y = 2 · x² and dy/dx = 2 · 2x "
                       "= 8.")
    number = answer.item() if isinstance(answer, torch.Tensor) and answer.numel() == 1 else answer
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        slips = {
            12.0: "12 is the derivative of x³, as if detach did nothing. The detached factor "
                  "counts as a constant: it gets no path back to x.",
            4.0: "4 is the derivative of x² alone. The detached factor is a constant (2), but "
                 "it still multiplies the result.",
            0.0: "detach cuts only the factor it is applied to; x ** 2 still depends on x.",
        }
        for value, nudge in slips.items():
            if math.isclose(number, value, abs_tol=1e-6):
                return wrong(verdict.message, nudge)
    return verdict


detached_factor = Exercise(
    "detached_factor",
    "x = torch.tensor(2.0, requires_grad=True); y = x.detach() * x ** 2; y.backward(). "
    "What is x.grad? (a number)",
    _check_detached_factor,
    hints=(
        "To autograd, x.detach() is a plain number with no history: here the constant 2.",
        "So y = 2 · x² as far as backward can see. Differentiate that.",
    ),
    solution=(
        "answer = 8.0\n"
        "# x.detach() is the constant 2 to autograd: y = 2·x², dy/dx = 4x = 8 at x = 2.\n"
        "# (Without detach, y = x³ and the gradient would be 3x² = 12.)"
    ),
)


# ====================================================================== 4. straight-through round
def _probe_inputs():
    """Seeded inputs of two shapes, away from the .5 ties where rounding is ambiguous."""
    generator = np.random.default_rng(5)
    for shape in ((7,), (2, 3)):
        values = generator.uniform(-3, 3, size=shape)
        values = np.where(np.abs(values - np.floor(values) - 0.5) < 0.05, values + 0.2, values)
        yield values


def _check_straight_through_round(round_ste):
    verdict = expect_function(round_ste, "round_ste", "x", exercise="straight_through_round")
    if verdict is not None:
        return verdict
    generator = np.random.default_rng(6)
    for values in _probe_inputs():
        x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        output = run_with_time_limit(round_ste, x)  # autograd stays on: the graph is the answer
        if output is ... or output is None:
            raise NotAnswered("fill in the return line of round_ste(x), then run the cell again.")
        problem = code_inside(output)
        if problem:
            return wrong(f"What round_ste(x) returned could not be checked: {problem}",
                         "Return a tensor made from x with tensor operations.")
        if is_pytorch_tensor(output):
            return wrong("round_ste(x) returned PyTorch's own tensor (torch.Tensor): in these "
                         "lessons `torch` is gradlab, and the check reads gradlab's tensors.",
                         PYTORCH_TENSOR_NUDGE)
        if not isinstance(output, torch.Tensor):
            return wrong(f"round_ste(x) should return a tensor, but it returned "
                         f"{describe(output)}.",
                         "Build it from x with tensor operations: x.round(), x.detach(), + and -.")
        if tuple(output.shape) != tuple(x.shape):
            return wrong(f"round_ste(x) should keep the shape of x: for x of shape "
                         f"{tuple(x.shape)} it returned shape {tuple(output.shape)}.",
                         "Work entry by entry; do not sum or average.")
        expected_values = np.round(values)
        got = output.detach().numpy().astype(np.float64)
        if not np.allclose(got, expected_values):
            nudge = ("Those are the values of x itself: the forward pass must give round(x)."
                     if np.allclose(got, values) else
                     "The values should be exactly x.round(): x + (something that is "
                     "round(x) - x) gives that.")
            return wrong(f"The values are not rounded: for x = {values.ravel()[0]:.3f} you return "
                         f"{got.ravel()[0]:.3f}, round gives {expected_values.ravel()[0]:.0f}.",
                         nudge)
        if output.grad_fn is None or not output.requires_grad:
            return wrong("The result has no grad_fn: autograd cannot send any gradient back "
                         "to x.",
                         "Detach only the correction (x.round() - x), not the whole result, "
                         "and keep x itself in the sum.")
        grad_output = torch.tensor(generator.uniform(0.5, 2.0, size=values.shape))
        # backward runs the student's graph (a custom Function's backward too): time-limited
        (grad_x,) = run_with_time_limit(torch.autograd.grad, output, x, grad_output,
                                        allow_unused=True)
        if grad_x is None:
            return wrong("No gradient reaches x: the result does not depend on x in the graph.",
                         "Keep x itself in the sum: x + (x.round() - x).detach().")
        got_grad = grad_x.numpy()
        wanted = grad_output.numpy()
        if not np.allclose(got_grad, wanted):
            if np.allclose(got_grad, 0):
                nudge = ("The gradient is 0: round's own derivative is getting through. Hide the "
                         "rounding from autograd with .detach().")
            elif np.allclose(got_grad, 2 * wanted):
                nudge = ("The gradient is twice what it should be: the part autograd sees must be "
                         "exactly x, with slope 1.")
            else:
                nudge = "The gradient should pass through unchanged, as if the function were x."
            return wrong(f"The gradient is not passed straight through: for an incoming gradient "
                         f"{wanted.ravel()[0]:.3f} x gets {got_grad.ravel()[0]:.3f}.", nudge)
    return correct("forward gives round(x), backward passes the gradient through as if the "
                   "function were x: a straight-through estimator.")


straight_through_round = Exercise(
    "straight_through_round",
    "Complete round_ste(x): its values must be x.round(), and its gradient must pass "
    "through unchanged (as if it were x).",
    _check_straight_through_round,
    hints=(
        "Start from x, which has the gradient you want (1), and add a correction that turns "
        "its value into round(x).",
        "The correction is round(x) - x. Autograd must not see it: .detach() it.",
        "return x + (x.round() - x).detach()",
    ),
    solution=(
        "def round_ste(x):\n"
        "    return x + (x.round() - x).detach()\n"
        "\n"
        "# value: x + round(x) - x = round(x);  gradient: only the first x is tracked, so 1."
    ),
    kind="code",
)

EXERCISES = (round_in_a_product, why_no_learning, detached_factor, straight_through_round)
