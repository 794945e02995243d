"""Exercises for lesson 04: backprop step by step.

::

    from gradlab.exercises import lesson04 as exercises
    exercises.chain_rule.check(answer)

- ``chain_rule``: x.grad for y = (x² + 1)³ at x = 1 (a number);
- ``reused_value``: a.grad when a reaches c along two paths (a number);
- ``manual_backward``: write the backward pass of a small loss by hand (code, run by hand —
  autograd off — at several points and compared with autograd in float64 within 1e-12);
- ``grad_after_calls``: x.grad after three backward calls, one with retain_graph (a number).
"""
import math

import numpy as np

import gradlab as torch

from .core import (
    Exercise, NotAnswered, PYTORCH_TENSOR_NUDGE, code_inside, correct, describe, expect_function,
    expect_value, is_pytorch_tensor, run_by_hand, wrong,
)


def _number(answer):
    """A Python float from a number or a one-element tensor, else None."""
    if isinstance(answer, (bool, np.bool_)):
        return None
    if isinstance(answer, (int, float, np.integer, np.floating)):
        return float(answer)
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        return float(answer.item())
    return None


def _parses_as_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_number(answer, expected, slips, why):
    """``expect_value``, with the nudge of a known slip (``slips``: {value: nudge}) and ``why``."""
    verdict = expect_value(answer, expected)
    if verdict:
        return correct(why)
    if isinstance(answer, str) and _parses_as_number(answer):
        written = answer.strip()
        example = f"answer = {written}" if len(written) <= 20 else "e.g. answer = 2.5"
        return wrong(verdict.message, f"Write the number without quotes: {example}")
    number = _number(answer)
    if number is not None:
        for value, nudge in slips.items():
            if math.isclose(number, value, abs_tol=1e-6):
                return wrong(verdict.message, nudge)
    return verdict


# ====================================================================== 1. the chain rule
def _check_chain_rule(answer):
    return _check_number(answer, 24.0, {
        12.0: "12 is the outer derivative 3·u² alone (u = x² + 1 = 2). The chain rule multiplies "
              "it by the inner derivative du/dx = 2x.",
        8.0: "8 is the value of y, (1 + 1)³. The question asks for the slope dy/dx.",
        6.0: "At x = 1 the inner value u = x² + 1 is 2, not 1: the outer derivative is 3·2² = 12.",
        2.0: "2 is the inner derivative 2x alone; multiply it by the outer derivative 3·u².",
    }, "dy/du = 3u² = 3·2² = 12 and du/dx = 2x = 2, so dy/dx = 12 · 2 = 24.")


chain_rule = Exercise(
    "chain_rule",
    "x = torch.tensor(1.0, requires_grad=True); y = (x ** 2 + 1) ** 3; y.backward(). "
    "What is x.grad? (a number)",
    _check_chain_rule,
    hints=(
        "Give the inside a name: u = x ** 2 + 1, then y = u ** 3. Work out u at x = 1 first.",
        "Two local derivatives: dy/du = 3u² and du/dx = 2x. Evaluate both at x = 1.",
        "The chain rule multiplies them: dy/dx = dy/du · du/dx.",
    ),
    solution=(
        "answer = 24.0\n"
        "# u = x² + 1 = 2 at x = 1;  dy/du = 3u² = 12;  du/dx = 2x = 2;  dy/dx = 12 · 2 = 24.\n"
        "# Check: x = torch.tensor(1.0, requires_grad=True); ((x ** 2 + 1) ** 3).backward(); x.grad"
    ),
)


# ====================================================================== 2. a value used twice
def _check_reused_value(answer):
    return _check_number(answer, 15.0, {
        6.0: "6 is only the direct path: ∂c/∂a in a * b is b = 6. But b is made from a too, so "
             "a also reaches c through b.",
        9.0: "9 is only the path through b (∂c/∂b · ∂b/∂a = 3 · 3). a is also used directly in "
             "a * b.",
        12.0: "12 misses the path through the last term: c = a * b + b, and that + b depends on "
              "a as well.",
        3.0: "3 is ∂b/∂a alone. Follow every path from c back to a and add them.",
    }, "a reaches c directly (∂(a·b)/∂a = b = 6) and through b (∂c/∂b · ∂b/∂a = (a + 1) · 3 "
       "= 9); the engine adds the two: 6 + 9 = 15.")


reused_value = Exercise(
    "reused_value",
    "a = torch.tensor(2.0, requires_grad=True); b = 3 * a; c = a * b + b; c.backward(). "
    "What is a.grad? (a number)",
    _check_reused_value,
    hints=(
        "Draw it (or run it under %%autograd): a is used twice, once in 3 * a and once in a * b.",
        "Path 1: c → a * b → a, with local derivative b. Path 2: c → b → a: ∂c/∂b = a + 1 "
        "(b is in a * b and in + b), then ∂b/∂a = 3.",
        "The gradients of the two paths are added: b + (a + 1)·3 at a = 2.",
    ),
    solution=(
        "answer = 15.0\n"
        "# Direct path: ∂(a·b)/∂a = b = 6.  Through b: ∂c/∂b = a + 1 = 3, ∂b/∂a = 3, so 9.\n"
        "# The engine adds them: 6 + 9 = 15.  (Written out: c = 3a² + 3a, dc/da = 6a + 3 = 15.)"
    ),
)


# ================================================================== 3. the backward pass by hand
def _loss(x, w, b):
    return (w * x + b) ** 2 + w ** 2


def _autograd_gradients(x, w, b):
    """(grad_w, grad_b) from loss.backward() in float64: the reference, made after the call."""
    w = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    _loss(torch.tensor(x, dtype=torch.float64), w, b).backward()
    return float(w.grad), float(b.grad)


# A fixed point first (its numbers appear in messages), then seeded random ones and one with
# large values. Checked in float64 within 1e-12: the chain rule is exact to the last digits,
# while a finite-difference estimate is off by 1e-10 or more.
FIXED_POINT = (3.0, 0.5, 1.0)
TOLERANCE = 1e-12


def _points():
    generator = np.random.default_rng(4)
    yield FIXED_POINT
    for _ in range(4):
        yield tuple(float(v) for v in np.round(generator.uniform(-3, 3, size=3), 3))
    yield (40.0, -12.5, 300.0)


class _BadAnswer(Exception):
    """A returned gradient that is not a number (reported as a plain sentence)."""


def _as_float(value, label):
    """A gradient the student returned, as a float; a sentence when it is not a number."""
    if value is ...:
        raise NotAnswered(f"replace the ... of {label} with your formula, then run the cell again.")
    number = _number(value)
    if number is None:
        raise _BadAnswer(f"{label} should be a number or a one-element tensor, but it is "
                         f"{describe(value)}.")
    return number


def _slip_nudge(x, w, b, grad_w, grad_b):
    """What a wrong (grad_w, grad_b) most likely missed."""
    p = w * x + b
    close = lambda a, e: math.isclose(a, e, rel_tol=1e-6, abs_tol=1e-6)
    right_w, right_b = 2 * p * x + 2 * w, 2 * p
    if (x, w, b) != FIXED_POINT and close(grad_w, 16.0) and close(grad_b, 5.0):
        return ("16 and 5 are the gradients at the first point (x = 3, w = 0.5, b = 1). Compute "
                "them from x, w and b: the check tries other points too.")
    if close(grad_w, 2 * p * x) and close(grad_b, right_b):
        return ("grad_w follows only the path through the prediction. w is also used in w ** 2: "
                "that second path adds its own gradient, 2·w.")
    if close(grad_w, 2 * w):
        return ("grad_w is only the gradient of w ** 2. w also reaches the loss through the "
                "prediction w * x + b.")
    if close(grad_w, 2 * p + 2 * w):
        return ("The path through the prediction needs the local derivative of w * x + b with "
                "respect to w, which is x.")
    if close(grad_w, p * x + 2 * w) or close(grad_b, p):
        return "The derivative of prediction ** 2 with respect to the prediction is 2·prediction."
    if close(grad_w, right_w) and close(grad_b, right_b + 2 * w):
        return "b does not appear in w ** 2, so only the path through the prediction reaches b."
    if close(grad_w, right_b) and close(grad_b, right_w):
        return "grad_w and grad_b look swapped."
    return "Work from the loss backwards: gradient at the prediction first, then multiply by " \
           "each local derivative, and add the paths that end at the same tensor."


def _check_manual_backward(manual_backward):
    verdict = expect_function(manual_backward, "manual_backward", "x, w, b")
    if verdict is not None:
        return verdict
    points = list(_points())
    for x, w, b in points:
        inputs = [torch.tensor(v, dtype=torch.float64) for v in (x, w, b)]
        # By hand: autograd is off while the student's code runs (backward(), requires_grad_()
        # and torch.autograd are refused with a sentence); autograd's answer is computed after.
        result = run_by_hand(manual_backward, *inputs)
        verdict = _compare_gradients(result, x, w, b)
        if not verdict:
            return verdict
    return correct(f"your chain rule matches loss.backward() at {len(points)} points (within "
                   f"{TOLERANCE:g}), worked out with autograd switched off. The + 2·w in grad_w "
                   f"is the second path: a tensor used twice gets the sum of both gradients.")


def _compare_gradients(result, x, w, b):
    """The verdict on what manual_backward(x, w, b) returned."""
    if result is ... or result is None:
        raise NotAnswered("manual_backward should return grad_w, grad_b: fill in the ... "
                          "and run the cell again.")
    problem = code_inside(result)
    if problem:
        return wrong(f"What manual_backward returned could not be checked: {problem}",
                     "Return two plain numbers (or 0-d tensors): return grad_w, grad_b")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return wrong(f"manual_backward should return two gradients (grad_w, grad_b), but it "
                     f"returned {describe(result)}.", "End it with: return grad_w, grad_b")
    if any(is_pytorch_tensor(value) for value in result):
        return wrong("manual_backward returned PyTorch's own tensor (torch.Tensor): in these "
                     "lessons `torch` is gradlab, and the check reads gradlab's tensors.",
                     PYTORCH_TENSOR_NUDGE)
    try:
        grad_w = _as_float(result[0], "grad_w")
        grad_b = _as_float(result[1], "grad_b")
    except _BadAnswer as problem:
        return wrong(str(problem), "Build each gradient from x, w, b and prediction with "
                                   "+, - and *.")
    expected_w, expected_b = _autograd_gradients(x, w, b)
    good = [math.isclose(got, want, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
            for got, want in ((grad_w, expected_w), (grad_b, expected_b))]
    if all(good):
        return correct()
    at = f"At x = {x:g}, w = {w:g}, b = {b:g}"
    if all(math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-5)
           for got, want in ((grad_w, expected_w), (grad_b, expected_b))):
        off = max(abs(grad_w - expected_w), abs(grad_b - expected_b))
        low_precision = [value for value in result
                         if isinstance(value, torch.Tensor) and value.dtype != torch.float64]
        if low_precision:
            return wrong(f"{at}: your gradients are {low_precision[0].dtype}, off by {off:.1e}; "
                         f"x, w and b are float64.",
                         "Keep their dtype: compute from x, w and b directly, not from a new "
                         "torch.tensor(...).")
        return wrong(f"{at}: your gradients are off by {off:.1e}: close, but not precise enough "
                     f"(each must be within {TOLERANCE:g} of autograd's, or {TOLERANCE:g} of its "
                     f"size).", "A finite-difference estimate is not exact: write the chain rule "
                                "itself, from grad_prediction = 2 · prediction.")
    parts = []
    if not good[0]:
        parts.append(f"grad_w is {grad_w:.6g} but autograd gives {expected_w:.6g}")
    if not good[1]:
        parts.append(f"grad_b is {grad_b:.6g} but autograd gives {expected_b:.6g}")
    return wrong(f"{at}: " + "; ".join(parts) + ".", _slip_nudge(x, w, b, grad_w, grad_b))


manual_backward = Exercise(
    "manual_backward",
    "loss = (w * x + b) ** 2 + w ** 2. Complete manual_backward(x, w, b) so that it returns "
    "(grad_w, grad_b), the gradients of the loss, computed by hand with the chain rule (the check "
    "runs it with autograd switched off).",
    _check_manual_backward,
    hints=(
        "Start at the loss. With prediction = w * x + b, the local derivative of "
        "prediction ** 2 is 2 · prediction: that is grad_prediction.",
        "prediction = w * x + b: its local derivative is x with respect to w and 1 with "
        "respect to b. Multiply each by grad_prediction.",
        "w is used twice (in the prediction and in w ** 2): add the gradient of w ** 2, "
        "which is 2 · w, to grad_w.",
    ),
    solution=(
        "def manual_backward(x, w, b):\n"
        "    prediction = w * x + b\n"
        "    grad_prediction = 2 * prediction            # d(p²)/dp\n"
        "    grad_w = grad_prediction * x + 2 * w        # through p, plus through w ** 2\n"
        "    grad_b = grad_prediction * 1                # only through p\n"
        "    return grad_w, grad_b"
    ),
    kind="code",
)


# ====================================================================== 4. backward calls add up
def _check_grad_after_calls(answer):
    if isinstance(answer, str) and "error" in answer.lower():
        return wrong("There is no error: the first call has retain_graph=True, so the graph is "
                     "still there for the second call.",
                     "The question asks for the number in x.grad at the end.")
    return _check_number(answer, 10.0, {
        4.0: "4 is dy/dx = 3x² + 1 for one call. Every backward call adds to x.grad instead of "
             "replacing it.",
        2.0: "2 is the gradient of z = 2 * x alone. z.backward() adds to x.grad; it does not "
             "replace it.",
        6.0: "y.backward() ran twice: retain_graph=True kept the graph, so the second call "
             "worked and added 4 more.",
        8.0: "That is the two calls through y. z.backward() adds its gradient too.",
    }, "4 (first call) + 4 (second call, allowed by retain_graph=True) + 2 (from z) = 10: "
       ".grad accumulates until you reset it.")


grad_after_calls = Exercise(
    "grad_after_calls",
    "x = torch.tensor(1.0, requires_grad=True); y = x ** 3 + x; y.backward(retain_graph=True); "
    "y.backward(); z = 2 * x; z.backward(). What is x.grad now? (a number)",
    _check_grad_after_calls,
    hints=(
        "Work out what one call of y.backward() gives: dy/dx = 3x² + 1 at x = 1.",
        "Does the second y.backward() raise? The first call kept the graph (retain_graph=True).",
        ".grad is never replaced by backward: each call adds its gradient to what is there.",
    ),
    solution=(
        "answer = 10.0\n"
        "# y.backward(retain_graph=True) adds 3x² + 1 = 4;  y.backward() adds 4 again\n"
        "# (the graph was kept);  z.backward() adds dz/dx = 2.  4 + 4 + 2 = 10."
    ),
)

EXERCISES = (chain_rule, reused_value, manual_backward, grad_after_calls)
