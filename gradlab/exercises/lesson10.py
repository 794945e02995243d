"""Exercises for lesson 10: vector–Jacobian products.

::

    from gradlab.exercises import lesson10 as exercises
    exercises.choose_v.check(answer)                             # a (2, 3) tensor v
    exercises.vjp_of_matmul.check(vjp_of_matmul)                 # a function (W, v) -> x.grad
    exercises.backward_passes.check(answer)                      # a number
    exercises.jacobian_of_normalize.check(jacobian_of_normalize) # a function x -> (n, n) Jacobian

The two function exercises are "by hand": the student's function runs with
autograd switched off (``run_by_hand``), on random float64 inputs of several
shapes, and must match the exact rule to about 12 digits, so a finite-difference
estimate is not enough. The expected values are computed only after the
student's function has returned, from inputs the student's code never sees.
"""
import math

import numpy as np

import gradlab as torch

from .core import (
    Exercise, NotAnswered, correct, describe, expect_function, expect_tensor, expect_value,
    is_pytorch_tensor, run_by_hand, shortened, wrong,
)

__all__ = ["choose_v", "vjp_of_matmul", "backward_passes", "jacobian_of_normalize", "EXERCISES"]


def _same(answer, expected, atol=1e-6, rtol=1e-5):
    """``answer`` (a gradlab tensor) has ``expected``'s shape and values."""
    expected = np.asarray(expected, dtype=np.float64)
    values = answer.detach().double().numpy()
    return values.shape == expected.shape and np.allclose(values, expected, atol=atol, rtol=rtol)


def _shape_text(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


# ====================================================================== 1. choose v
A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
X = [0.5, -1.0, 2.0]
THIRD = 1 / 3


def _check_choose_v(answer):
    rows = np.asarray(A)
    expected = np.array([[0.0, 0.0, 0.0], [THIRD, THIRD, THIRD]])
    if isinstance(answer, torch.Tensor):
        shape = tuple(answer.shape)
        if shape == (3,) and _same(answer, rows[1] / 3):
            return wrong("That is x.grad itself, the result of the backward pass.",
                         "The question asks for v, the tensor you pass IN: it has Y's shape (2, 3), "
                         "one weight per entry of Y.")
        if shape == (3,) and _same(answer, expected[1]):
            return wrong("v has the shape of Y, (2, 3): one weight for every entry of Y, but yours "
                         "has shape (3,).",
                         "Give the entries of the first row Y[0] the weight 0.")
        if shape in ((), (1,)):
            return wrong(f"v needs one weight for every entry of Y, so it has Y's shape (2, 3); "
                         f"yours is {describe(answer)}.")
        if shape == (2, 3):
            slips = (
                ([[0.0] * 3, [1.0] * 3],
                 "That v gives the gradient of Y[1].sum(). The mean divides by the 3 entries."),
                ([[THIRD] * 3, [0.0] * 3],
                 "That v picks the first row, Y[0]. Indices start at 0: Y[1] is the second row."),
                ([[1 / 6] * 3, [1 / 6] * 3],
                 "That v gives the gradient of Y.mean(), the mean of all six entries; only the "
                 "second row counts here."),
                ([[1.0] * 3, [1.0] * 3], "That v gives the gradient of Y.sum(), the sum of all six "
                                         "entries; only the second row counts, divided by 3."),
                ([[0.0] * 3, list(rows[1] / 3)],
                 "v weighs the entries of Y; it does not contain A. A enters through the Jacobian "
                 "(∂Y/∂x), which backward applies itself."),
            )
            for value, message in slips:
                if _same(answer, value):
                    return wrong(message)
    return expect_tensor(answer, expected, name="your v", atol=1e-5, rtol=1e-4)


choose_v = Exercise(
    "choose_v",
    "A = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]); x = torch.tensor([0.5, -1.0, 2.0], "
    "requires_grad=True); Y = A * x. Which v must you pass to Y.backward(gradient=v) so that x.grad "
    "becomes the gradient of Y[1].mean()?",
    _check_choose_v,
    hints=(
        "v has the shape of Y, (2, 3): one weight per entry of Y, and x.grad becomes the gradient "
        "of (v * Y).sum().",
        "Y[1].mean() = (Y[1, 0] + Y[1, 1] + Y[1, 2]) / 3. Which weight does each entry of Y get? "
        "The entries of Y[0] do not appear at all.",
        "Row 0 gets the weight 0 and each entry of row 1 gets 1/3 (write 1 / 3, not 0.33).",
    ),
    solution=(
        "answer = torch.tensor([[0.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])\n"
        "# Y[1].mean() = (Y[1, 0] + Y[1, 1] + Y[1, 2]) / 3: weight 1/3 on each entry of row 1, 0 on row 0.\n"
        "# Check: Y.backward(gradient=answer) gives x.grad = [4/3, 5/3, 2], as Y[1].mean().backward() does."
    ),
)


# ====================================================================== helpers of the function exercises
PRECISION = dict(atol=1e-12, rtol=1e-10)  # float64 with the exact rule


def _call_by_hand(function, name, arguments, shapes_text):
    """The student's function run by hand; its result, or a Verdict when it did not give one."""
    try:
        result = run_by_hand(function, *arguments)
    except Exception as error:
        text = str(error).strip().splitlines()
        text = text[0] if text else ""
        return None, wrong(f"For {shapes_text}, {name} raised {type(error).__name__}"
                           f"{': ' + text[:200] if text else ''}.",
                           "Write down the shapes of the inputs and of the result, and run your "
                           "function on inputs of those shapes in a cell of its own.")
    if result is ...:
        raise NotAnswered(f"{name} still returns ...: replace it with your formula, then run the "
                          "cell again.")
    if result is None:
        return None, wrong(f"{name} returned None.", "End it with return and the tensor you computed.")
    return result, None


def _lower_first(text):
    """"The result has …" → "the result has …", to follow "For W of shape (2, 3): "."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _for(shapes_text, verdict):
    return wrong(f"For {shapes_text}, {_lower_first(verdict.message)}", verdict.nudge)


def _type_verdict(result, name):
    """A result that is not a gradlab tensor, or not in the inputs' float64 precision."""
    if is_pytorch_tensor(result):
        return wrong(f"{name} returned PyTorch's tensor (torch.Tensor): in these lessons `torch` is "
                     "gradlab, and the checks read gradlab's tensors.",
                     "Build the result from the inputs with gradlab's operations (run the lesson's "
                     "first cell, import gradlab as torch, and define your function again).")
    if not isinstance(result, torch.Tensor):
        return wrong(f"{name} should return a tensor, but it returned {describe(result)}.",
                     "Build the result from the inputs with tensor operations.")
    if result.dtype != torch.float64:
        return wrong(f"{name} returned a {result.dtype} tensor, but the inputs are float64; the "
                     "check needs their full precision.",
                     "Build the result from the inputs with tensor operations (they keep float64); "
                     "torch.tensor([...]) of numbers makes float32.")
    return None



# ====================================================================== 2. the vjp of a matrix product
MATMUL_SHAPES = ((3, 3), (2, 3), (4, 2), (1, 5), (5, 1))


def _matmul_trials():
    generator = np.random.default_rng(10)
    for m, n in MATMUL_SHAPES:
        yield generator.standard_normal((m, n)), generator.standard_normal(m)


def _matmul_slip(result, W, v):
    """A Verdict for a recognisable wrong result (shape or value), or None."""
    m, n = W.shape
    shape = tuple(result.shape)
    if shape == (n, m) and m > 1 and n > 1 and _same(result, W.T * v):
        return wrong(f"Your result has shape {_shape_text(shape)}: W.T * v multiplies entry by "
                     "entry (broadcasting), so nothing is summed.",
                     f"Each entry of x.grad is a sum over the {m} outputs, x.grad[j] = Σ_i v[i]·W[i, j]: "
                     "that is a matrix product (@).")
    if shape == (m, n) and m > 1 and n > 1 and _same(result, W * v[:, None]):
        return wrong(f"Your result has shape {_shape_text(shape)}: each row of W weighted by v, but "
                     "not yet added up.",
                     "x.grad[j] = Σ_i v[i]·W[i, j]: add the weighted rows (a sum over dim 0), or "
                     "write it as one matrix product.")
    if shape == (m, n) and _same(result, W):
        return wrong(f"That is the Jacobian of W @ x, which is W itself (shape {_shape_text(shape)}).",
                     "The backward gives vᵀJ: the arriving gradient v times the Jacobian, a vector "
                     "with x's shape.")
    if shape in ((n, 1), (1, n)) and _same(result.reshape(n), W.T @ v):
        return wrong(f"The numbers are right, but your result has shape {_shape_text(shape)}; x.grad "
                     f"has the shape of x, ({n},).",
                     "Keep v one-dimensional (no [:, None] or unsqueeze), or reshape the result.")
    if m == n and shape == (n,) and _same(result, W @ v):
        return wrong("That is W @ v. The backward multiplies by the TRANSPOSE: vᵀW, which as a column "
                     "is Wᵀ v.",
                     "Try a W that is not square: W @ v does not even fit the shapes there.")
    if shape == (m,) and m != n:
        return wrong(f"Your result has shape {_shape_text(shape)}, the shape of y (and of v); x.grad "
                     f"has the shape of x, ({n},).",
                     "W has shape (m, n): which product of W (or W.T) and v has n entries?")
    return None


def _check_vjp_of_matmul(function):
    verdict = expect_function(function, "vjp_of_matmul", "W, v")
    if verdict is not None:
        return verdict
    for W_values, v_values in _matmul_trials():
        m, n = W_values.shape
        shapes_text = f"W of shape ({m}, {n}) and v of shape ({m},)"
        W = torch.tensor(W_values, dtype=torch.float64)
        v = torch.tensor(v_values, dtype=torch.float64)
        result, stopped = _call_by_hand(function, "vjp_of_matmul", (W.clone(), v.clone()), shapes_text)
        if stopped is not None:
            return stopped
        slip = _matmul_slip(result, W_values, v_values) if isinstance(result, torch.Tensor) else None
        if slip is not None:
            return _for(shapes_text, slip)
        not_float64 = _type_verdict(result, "vjp_of_matmul")
        if not_float64 is not None:
            return not_float64
        expected = W_values.T @ v_values  # only now, after the student's code has returned
        verdict = expect_tensor(result, torch.tensor(expected, dtype=torch.float64),
                                name="the result", **PRECISION)
        if not verdict:
            return _for(shapes_text, verdict)
    return correct(f"your vector–Jacobian product matches Wᵀ v for {len(MATMUL_SHAPES)} matrices, "
                   "square and not. MvBackward0 computes exactly this, without ever building a "
                   "Jacobian.")


vjp_of_matmul = Exercise(
    "vjp_of_matmul",
    "Write vjp_of_matmul(W, v): for y = W @ x with W of shape (m, n), return x.grad (shape (n,)) "
    "given the arriving gradient v (shape (m,)), with tensor operations and no autograd.",
    _check_vjp_of_matmul,
    hints=(
        "The Jacobian of y = W @ x is W: ∂y_i/∂x_j = W[i, j]. The backward computes vᵀJ.",
        "x.grad[j] = Σ_i v[i]·W[i, j]: the rows of W weighted by v and added up. Shapes: W is "
        "(m, n), v is (m,), the result is (n,).",
        "As one matrix product: W.T @ v (v @ W gives the same numbers).",
    ),
    solution=(
        "def vjp_of_matmul(W, v):\n"
        "    return W.T @ v    # the Jacobian of W @ x is W; vᵀW written as a column is Wᵀv"
    ),
    kind="code",
)


# ====================================================================== 3. how many backward passes
INPUTS, OUTPUTS = 1000, 10


def _check_backward_passes(answer):
    if isinstance(answer, str):
        try:
            float(answer)
        except ValueError:
            return wrong(f"The answer is a number, but yours is {describe(answer)}.")
        return wrong("The answer is a number, but yours is a piece of text.",
                     f"Write the number without quotes: answer = {shortened(answer.strip(), 40)}")
    number = answer.item() if isinstance(answer, torch.Tensor) and answer.numel() == 1 else answer
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        slips = {
            INPUTS: "1,000 is the number of inputs, the columns of the Jacobian. One backward pass "
                    "gives a whole row: the gradient of one output.",
            INPUTS * OUTPUTS: "10,000 is the number of entries of the Jacobian, but one backward pass "
                              "gives a whole row of 1,000 entries at once.",
            1: "One pass gives one vᵀJ: a single row, or one weighted sum of rows. That is enough for "
               "a loss, which has one output, but this function has 10.",
            INPUTS + OUTPUTS: "Backward passes start at the outputs only: one per output.",
        }
        for value, message in slips.items():
            if math.isclose(number, value):
                return wrong(message)
    verdict = expect_value(answer, OUTPUTS, tolerance=1e-9)
    if verdict:
        return correct("one pass per output, each with a one-hot v, gives one row of the 10 × 1,000 "
                       "Jacobian.")
    return verdict


backward_passes = Exercise(
    "backward_passes",
    "A function maps 1,000 inputs to 10 outputs. How many backward passes does "
    "torch.autograd.functional.jacobian (default settings) run to build its whole Jacobian?",
    _check_backward_passes,
    hints=(
        "A backward pass with a one-hot v = e_i gives row i of the Jacobian: the gradient of output i.",
        "The Jacobian has one row per output and one column per input: 10 × 1,000.",
    ),
    solution=(
        "answer = 10\n"
        "# One backward pass per output (v = e_1, …, e_10), each giving a row of 1,000 numbers."
    ),
)


# ====================================================================== 4. the Jacobian of x / x.sum()
NORMALIZE_LENGTHS = (3, 2, 5, 1)
# The exact rule in float64 is within a few 1e-16; a central difference is off by about 1e-12,
# and even a Richardson-extrapolated one by a few 1e-14.
NORMALIZE_PRECISION = dict(atol=1e-14, rtol=1e-13)


def _normalize_trials():
    generator = np.random.default_rng(1010)
    for n in NORMALIZE_LENGTHS:
        yield generator.uniform(0.5, 2.0, size=n)


def _normalize_jacobian(x):
    s = x.sum()
    return (np.eye(len(x)) - (x / s)[:, None]) / s


def _normalize_slip(result, x):
    """A Verdict for a recognisable wrong Jacobian of y = x / x.sum(), or None."""
    n = len(x)
    s = x.sum()
    shape = tuple(result.shape)
    if shape == (n,):
        if _same(result, np.zeros(n)):
            return wrong("Your result is a vector of zeros: that is 1ᵀJ, what "
                         "(x / x.sum()).sum().backward() gives.",
                         f"The Jacobian is a ({n}, {n}) matrix: one row per output y_i, one column "
                         "per input x_j.")
        return wrong(f"Your result has shape ({n},), one number per input. The Jacobian has one "
                     f"number per (output, input) pair: shape ({n}, {n}).")
    if shape != (n, n) or n == 1:
        return None
    eye, y, ones = np.eye(n), x / s, np.ones(n)
    slips = (
        ((eye - np.outer(ones, y)) / s,
         "Rows and columns are swapped: row i must be the gradient of y_i, so every entry of row i "
         "off the diagonal is −x_i / s² (the same along a row)."),
        (eye / s,
         "Only the diagonal: every y_i depends on every x_j through the sum s (∂s/∂x_j = 1), so the "
         "entries off the diagonal are not zero."),
        (-np.outer(y, ones) / s,
         "The diagonal term is missing: x_i is also the numerator of y_i, so ∂y_i/∂x_i has an extra 1/s."),
        ((eye + np.outer(y, ones)) / s,
         "s is in the denominator: its part of the derivative comes with a minus sign (quotient rule)."),
        ((eye - np.outer(x, ones)) / s,
         "The second term is x_i / s², with s squared: the quotient rule divides by the square of "
         "the denominator."),
        (eye - np.outer(y, ones),
         "Every entry needs one more division by s: ∂y_i/∂x_j = δ_ij / s − x_i / s²."),
    )
    for value, message in slips:
        if _same(result, value):
            return wrong(message)
    return None


def _check_jacobian_of_normalize(function):
    verdict = expect_function(function, "jacobian_of_normalize", "x")
    if verdict is not None:
        return verdict
    for x_values in _normalize_trials():
        n = len(x_values)
        shapes_text = f"x of shape ({n},)"
        x = torch.tensor(x_values, dtype=torch.float64)
        result, stopped = _call_by_hand(function, "jacobian_of_normalize", (x.clone(),), shapes_text)
        if stopped is not None:
            return stopped
        slip = _normalize_slip(result, x_values) if isinstance(result, torch.Tensor) else None
        if slip is not None:
            return _for(shapes_text, slip)
        not_float64 = _type_verdict(result, "jacobian_of_normalize")
        if not_float64 is not None:
            return not_float64
        expected = _normalize_jacobian(x_values)  # only now, after the student's code has returned
        verdict = expect_tensor(result, torch.tensor(expected, dtype=torch.float64),
                                name="your Jacobian", **NORMALIZE_PRECISION)
        if not verdict:
            return _for(shapes_text, verdict)
    return correct(f"your Jacobian is exact for x of lengths {', '.join(map(str, NORMALIZE_LENGTHS))}. "
                   "J = (I − y 1ᵀ) / s: each column sums to 0, which is why .sum().backward() saw "
                   "nothing.")


jacobian_of_normalize = Exercise(
    "jacobian_of_normalize",
    "Write jacobian_of_normalize(x): for y = x / x.sum() and x of length n, return the (n, n) "
    "Jacobian J[i, j] = ∂y_i/∂x_j, computed by hand with tensor operations (no autograd).",
    _check_jacobian_of_normalize,
    hints=(
        "Write y_i = x_i / s with s = x_1 + … + x_n. Every y_i depends on every x_j through s, and "
        "∂s/∂x_j = 1.",
        "Quotient rule: ∂y_i/∂x_j = (δ_ij · s − x_i · 1) / s² = δ_ij / s − x_i / s², where δ_ij is 1 "
        "when i = j and 0 otherwise.",
        "As a matrix: torch.eye(n, dtype=x.dtype) / s for the δ_ij part, minus x[:, None] / s ** 2 "
        "(x as a column, broadcast over the n columns, so row i holds x_i).",
    ),
    solution=(
        "def jacobian_of_normalize(x):\n"
        "    s = x.sum()\n"
        "    n = x.shape[0]\n"
        "    return torch.eye(n, dtype=x.dtype) / s - x[:, None] / s ** 2   # δ_ij / s − x_i / s²"
    ),
    kind="code",
)

EXERCISES = (choose_v, vjp_of_matmul, backward_passes, jacobian_of_normalize)
