"""gradlab.exercises.lesson10: vector–Jacobian products.

Each checker accepts its solution (and the other right ways to write it), names
the typical slips, and refuses answers that game it: autograd inside a "by hand"
function, finite differences, hard-coded numbers, right numbers in the wrong
shape, reading the checker's frame, PyTorch's own tensor, a huge string, an
endless loop, and code that changes its inputs in place.
"""
import inspect

import numpy as np
import pytest

import gradlab as torch
from gradlab.exercises import lesson10 as exercises
from gradlab.exercises.core import NOT_ANSWERED
from lesson_exercise_checks import assert_correct, assert_wrong, generic_tests, verdict
from lesson_exercise_checks import solution_answer as shared_solution_answer

SOLUTION_NAMES = {"vjp_of_matmul": "vjp_of_matmul", "jacobian_of_normalize": "jacobian_of_normalize"}

(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(exercises.EXERCISES, SOLUTION_NAMES, odd_answers=[{"x": 1}, object(), [1.0, 2.0], "text"])

BY_HAND = "asks for the rule itself"


def solution_answer(exercise):
    return shared_solution_answer(exercise, SOLUTION_NAMES)


# ====================================================================== 1. choose_v
def make_Y():
    A = torch.tensor(exercises.A)
    x = torch.tensor(exercises.X, requires_grad=True)
    return A * x, x


def test_choose_v_solution_gives_the_gradient_of_the_row_mean():
    v = solution_answer(exercises.choose_v)
    Y, x = make_Y()
    Y.backward(gradient=v)
    through_v = x.grad
    Y, x = make_Y()
    Y[1].mean().backward()
    assert torch.allclose(through_v, x.grad)


def test_choose_v_accepts_v_found_with_autograd_and_float64():
    Y, _ = make_Y()
    (v,) = torch.autograd.grad(Y[1].mean(), Y)  # dL/dY is exactly the v to pass: a fair way to find it
    assert_correct(exercises.choose_v, v)
    assert_correct(exercises.choose_v, solution_answer(exercises.choose_v).double())


@pytest.mark.parametrize("answer, phrase", [
    ([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], "Y[1].sum()"),
    ([[1 / 3] * 3, [0.0] * 3], "Y[1] is the second row"),
    ([[1 / 6] * 3, [1 / 6] * 3], "Y.mean()"),
    ([[1.0] * 3, [1.0] * 3], "Y.sum()"),
    ([[0.0] * 3, [4 / 3, 5 / 3, 2.0]], "does not contain A"),
    ([4 / 3, 5 / 3, 2.0], "x.grad itself"),
    ([1 / 3, 1 / 3, 1 / 3], "shape (3,)"),
    (1 / 3, "one weight for every entry"),
    ([[0.0, 1 / 3], [0.0, 1 / 3], [0.0, 1 / 3]], "transposed"),
    ([[0.0] * 3, [0.333] * 3], "not precise enough"),
    ([[0.0] * 3, [-1 / 3] * 3], "sign"),
    ([[0.0] * 3, [0.5] * 3], "entries of your v are not right"),
])
def test_choose_v_typical_mistakes(answer, phrase):
    assert_wrong(exercises.choose_v, torch.tensor(answer), phrase)


@pytest.mark.parametrize("answer, phrase", [
    ([[0.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], "should be a tensor"),   # a list, not a tensor
    (np.array([[0.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]), "should be a tensor"),
    ("v" * 10_000_000, "should be a tensor"),
])
def test_choose_v_wrong_types(answer, phrase):
    assert_wrong(exercises.choose_v, answer, phrase)
    assert len(str(verdict(exercises.choose_v, answer))) < 600


# ====================================================================== 2. vjp_of_matmul
def matmul_trials():
    return [(torch.tensor(W, dtype=torch.float64), torch.tensor(v, dtype=torch.float64))
            for W, v in exercises._matmul_trials()]


def test_vjp_of_matmul_expected_values_are_what_autograd_computes():
    real_torch = None
    try:
        import torch as real_torch
    except ImportError:
        pass
    for (W, v), (W_values, v_values) in zip(matmul_trials(), exercises._matmul_trials()):
        x = torch.zeros(W.shape[1], dtype=torch.float64, requires_grad=True)
        (W @ x).backward(gradient=v)
        np.testing.assert_allclose(x.grad.numpy(), W_values.T @ v_values, rtol=1e-14, atol=1e-14)
        if real_torch is not None:
            x = real_torch.zeros(W.shape[1], dtype=real_torch.float64, requires_grad=True)
            (real_torch.tensor(W_values) @ x).backward(gradient=real_torch.tensor(v_values))
            np.testing.assert_allclose(x.grad.numpy(), W_values.T @ v_values, rtol=1e-14, atol=1e-14)
    assert {tuple(W.shape) for W, _ in matmul_trials()} >= {(3, 3), (2, 3), (4, 2)}


def transpose_product(W, v):
    return W.T @ v


def row_times_matrix(W, v):
    return v @ W


def weighted_rows(W, v):
    return (v[:, None] * W).sum(0)


def loop_over_columns(W, v):
    return torch.stack([(W[:, j] * v).sum() for j in range(W.shape[1])])


def matmul_of_transpose(W, v):
    return torch.matmul(W.t(), v)


@pytest.mark.parametrize("function", [transpose_product, row_times_matrix, weighted_rows,
                                      loop_over_columns, matmul_of_transpose])
def test_vjp_of_matmul_right_answers(function):
    assert_correct(exercises.vjp_of_matmul, function)


def test_vjp_of_matmul_solution_is_correct_and_placeholder_is_not_answered():
    assert_correct(exercises.vjp_of_matmul, solution_answer(exercises.vjp_of_matmul))

    def vjp_of_matmul(W, v):
        return ...

    assert str(verdict(exercises.vjp_of_matmul, vjp_of_matmul)).startswith(NOT_ANSWERED)


@pytest.mark.parametrize("function, phrases", [
    (lambda W, v: W @ v, ["W @ v", "TRANSPOSE"]),
    (lambda W, v: v @ W.T, ["W @ v", "TRANSPOSE"]),
    (lambda W, v: W.T * v, ["shape (3, 3)", "entry by entry"]),
    (lambda W, v: W * v[:, None], ["not yet added up"]),
    (lambda W, v: W, ["Jacobian of W @ x, which is W itself"]),
    (lambda W, v: (W.T @ v)[:, None], ["numbers are right", "shape (3, 1)"]),
    (lambda W, v: (W.T @ v)[None, :], ["numbers are right", "shape (1, 3)"]),
    (lambda W, v: -(W.T @ v), ["sign is flipped"]),
    (lambda W, v: 2 * (W.T @ v), ["twice"]),
    (lambda W, v: W.sum(0), ["entries of the result are not right"]),
    (lambda W, v: (W.T @ v).float(), ["float32", "float64"]),
    (lambda W, v: None, ["returned None"]),
    (lambda W, v: "W.T @ v", ["should return a tensor"]),
    (lambda W, v: (W.T @ v).numpy(), ["should return a tensor", "NumPy array"]),
])
def test_vjp_of_matmul_typical_mistakes(function, phrases):
    assert_wrong(exercises.vjp_of_matmul, function, *phrases)


def test_vjp_of_matmul_shapes_that_do_not_fit_are_named():
    # v is (m,): a non-square W shows that W @ v does not fit, with the shapes in the sentence
    def only_square(W, v):
        if W.shape[0] == W.shape[1]:
            return W.T @ v
        return W @ v

    assert_wrong(exercises.vjp_of_matmul, only_square, "W of shape (2, 3)", "raised RuntimeError")

    def shape_of_y(W, v):
        return W.T @ v if W.shape[0] == W.shape[1] else v * 1.0

    assert_wrong(exercises.vjp_of_matmul, shape_of_y, "shape of y", "(3,)")


def test_vjp_of_matmul_is_not_a_function():
    assert_wrong(exercises.vjp_of_matmul, torch.ones(3), "should be the function vjp_of_matmul")


# --- gaming answers -------------------------------------------------------------------------
def with_backward(W, v):
    x = torch.zeros(W.shape[1], dtype=W.dtype, requires_grad=True)
    (W @ x).backward(gradient=v)
    return x.grad


def with_grad(W, v):
    x = torch.zeros(W.shape[1], dtype=W.dtype)
    x.requires_grad = True
    return torch.autograd.grad(W @ x, x, v)[0]


def with_functional_vjp(W, v):
    return torch.autograd.functional.vjp(lambda x: W @ x, torch.zeros(W.shape[1], dtype=W.dtype), v)[1]


def with_functional_jacobian(W, v):
    J = torch.autograd.functional.jacobian(lambda x: W @ x, torch.zeros(W.shape[1], dtype=W.dtype))
    return J.T @ v


def with_enable_grad(W, v):
    with torch.enable_grad():
        return with_backward(W, v)


def with_set_grad_enabled(W, v):
    with torch.set_grad_enabled(True):
        return with_backward(W, v)


def catching_the_refusal(W, v):
    try:
        return with_backward(W, v)
    except BaseException:
        return W.T @ v


def with_a_leaf_made_to_require_grad(W, v):
    x = torch.zeros(W.shape[1], dtype=W.dtype, requires_grad=True)  # made, but no backward yet
    return torch.autograd.grad(W @ x, x, v)[0]


@pytest.mark.parametrize("function", [with_backward, with_grad, with_functional_vjp,
                                      with_functional_jacobian, with_enable_grad, with_set_grad_enabled,
                                      catching_the_refusal, with_a_leaf_made_to_require_grad])
def test_vjp_of_matmul_refuses_autograd(function):
    assert_wrong(exercises.vjp_of_matmul, function, BY_HAND)


def test_vjp_of_matmul_refuses_hard_coded_numbers():
    W, v = matmul_trials()[0]
    numbers = (W.T @ v).tolist()  # right for the first matrix only
    assert_wrong(exercises.vjp_of_matmul, lambda W, v: torch.tensor(numbers, dtype=torch.float64),
                 "W of shape (2, 3)")


def test_vjp_of_matmul_refuses_reading_the_checkers_frame():
    def from_the_checker(W, v):
        frame = inspect.currentframe().f_back
        while frame is not None:
            for name in ("expected", "expected_values", "verdict"):
                if name in frame.f_locals and isinstance(frame.f_locals[name], np.ndarray):
                    return torch.tensor(frame.f_locals[name])
            frame = frame.f_back
        return torch.zeros(W.shape[1], dtype=torch.float64)

    assert_wrong(exercises.vjp_of_matmul, from_the_checker, "all zeros")


def test_vjp_of_matmul_changing_the_inputs_in_place_does_not_help():
    def zero_everything(W, v):
        W.zero_()
        v.zero_()
        return torch.zeros(W.shape[1], dtype=W.dtype)

    assert_wrong(exercises.vjp_of_matmul, zero_everything, "all zeros")


def test_vjp_of_matmul_returning_pytorchs_tensor_is_refused():
    real_torch = pytest.importorskip("torch")
    assert_wrong(exercises.vjp_of_matmul, lambda W, v: real_torch.tensor((W.T @ v).numpy()),
                 "PyTorch's tensor")


def test_vjp_of_matmul_returning_a_huge_string_is_shortened():
    feedback = str(verdict(exercises.vjp_of_matmul, lambda W, v: "x" * 10_000_000))
    assert "should return a tensor" in feedback and len(feedback) < 600


# ====================================================================== 3. backward_passes
@pytest.mark.parametrize("answer", [10, 10.0, torch.tensor(10), torch.tensor(10.0)])
def test_backward_passes_right(answer):
    assert_correct(exercises.backward_passes, answer)


@pytest.mark.parametrize("answer, phrase", [
    (1000, "number of inputs"), (10_000, "number of entries"), (1, "a single row"),
    (1010, "outputs only"), (20, "twice"), (11, "not right"), ("10", "without quotes"),
    ("ten", "a number"), (torch.ones(2), "single number"), (True, "boolean"),
])
def test_backward_passes_wrong(answer, phrase):
    assert_wrong(exercises.backward_passes, answer, phrase)


def test_backward_passes_is_what_jacobian_runs():
    """jacobian() runs one backward pass per output entry (counted on gradlab's engine)."""
    import gradlab.autograd.functional as functional

    calls = []
    original = functional._grad

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    functional._grad = counting
    try:
        W = torch.randn(4, 7)
        torch.autograd.functional.jacobian(lambda x: W @ x, torch.randn(7))
    finally:
        functional._grad = original
    assert len(calls) == 4


# ====================================================================== 4. jacobian_of_normalize
def normalize_trials():
    return [torch.tensor(x, dtype=torch.float64) for x in exercises._normalize_trials()]


def test_jacobian_of_normalize_expected_values_are_what_autograd_computes():
    for x in normalize_trials():
        J = torch.autograd.functional.jacobian(lambda z: z / z.sum(), x)
        np.testing.assert_allclose(J.numpy(), exercises._normalize_jacobian(x.numpy()),
                                   rtol=1e-14, atol=1e-15)
    real_torch = pytest.importorskip("torch")
    for x in exercises._normalize_trials():
        J = real_torch.autograd.functional.jacobian(lambda z: z / z.sum(), real_torch.tensor(x))
        np.testing.assert_allclose(J.numpy(), exercises._normalize_jacobian(x), rtol=1e-14, atol=1e-15)


def quotient_rule(x):
    s = x.sum()
    return torch.eye(len(x), dtype=x.dtype) / s - x[:, None] / s ** 2


def identity_minus_outputs(x):
    s = x.sum()
    y = x / s
    return (torch.eye(x.shape[0], dtype=x.dtype) - y.unsqueeze(1)) / s


def entry_by_entry(x):
    n, s = len(x), x.sum()
    J = torch.zeros(n, n, dtype=x.dtype)
    for i in range(n):
        for j in range(n):
            J[i, j] = (1.0 if i == j else 0.0) / s - x[i] / s ** 2
    return J


def with_outer(x):
    s = x.sum()
    return torch.diag(torch.ones_like(x) / s) - torch.outer(x, torch.ones_like(x)) / s ** 2


@pytest.mark.parametrize("function", [quotient_rule, identity_minus_outputs, entry_by_entry, with_outer])
def test_jacobian_of_normalize_right_answers(function):
    assert_correct(exercises.jacobian_of_normalize, function)


def test_jacobian_of_normalize_right_answers_pass_on_many_inputs():
    rng = np.random.default_rng(0)
    for _ in range(300):
        x_values = rng.uniform(0.5, 2.0, size=int(rng.integers(1, 8)))
        x = torch.tensor(x_values, dtype=torch.float64)
        expected = exercises._normalize_jacobian(x_values)
        for function in (quotient_rule, identity_minus_outputs, with_outer):
            assert np.allclose(function(x).numpy(), expected, **exercises.NORMALIZE_PRECISION)


def test_jacobian_of_normalize_first_input_is_not_the_lessons_example():
    # the lesson prints the Jacobian at [1, 2, 5] (exact binary fractions): it must not be reusable
    assert not np.allclose(normalize_trials()[0].numpy(), [1.0, 2.0, 5.0])


def column(x):
    return x[:, None] * torch.ones_like(x)   # entry [i, j] is x_i


@pytest.mark.parametrize("function, phrases", [
    (lambda x: quotient_rule(x).T, ["rows and columns are swapped"]),
    (lambda x: torch.eye(len(x), dtype=x.dtype) / x.sum(), ["only the diagonal"]),
    (lambda x: -column(x) / x.sum() ** 2, ["diagonal term is missing"]),
    (lambda x: torch.eye(len(x), dtype=x.dtype) / x.sum() + column(x) / x.sum() ** 2, ["minus sign"]),
    (lambda x: (torch.eye(len(x), dtype=x.dtype) - column(x)) / x.sum(), ["s squared"]),
    (lambda x: torch.eye(len(x), dtype=x.dtype) - column(x) / x.sum(), ["one more division by s"]),
    (lambda x: torch.zeros(len(x), dtype=x.dtype), ["vector of zeros", "(3, 3) matrix"]),
    (lambda x: 2 * x / x.sum(), ["shape (3,)", "shape (3, 3)"]),
    (lambda x: quotient_rule(x).reshape(-1), ["shape (9,)", "number of entries is right"]),
    (lambda x: quotient_rule(x)[None], ["shape (1, 3, 3)"]),
    (lambda x: -quotient_rule(x), ["sign is flipped"]),
    (lambda x: quotient_rule(x).float(), ["float32"]),
    (lambda x: quotient_rule(x).numpy(), ["should return a tensor"]),
    (lambda x: None, ["returned None"]),
])
def test_jacobian_of_normalize_typical_mistakes(function, phrases):
    assert_wrong(exercises.jacobian_of_normalize, function, *phrases)


def test_jacobian_of_normalize_placeholder_and_not_a_function():
    def jacobian_of_normalize(x):
        return ...

    assert str(verdict(exercises.jacobian_of_normalize, jacobian_of_normalize)).startswith(NOT_ANSWERED)
    assert_wrong(exercises.jacobian_of_normalize, torch.eye(3), "should be the function")


# --- gaming answers -------------------------------------------------------------------------
def normalize(z):
    return z / z.sum()


def central_difference(x, h=1e-5):
    columns = []
    for j in range(len(x)):
        step = torch.zeros_like(x)
        step[j] = h
        columns.append((normalize(x + step) - normalize(x - step)) / (2 * h))
    return torch.stack(columns, 1)


def richardson_difference(x):
    return (4 * central_difference(x, 1e-3) - central_difference(x, 2e-3)) / 3


def autograd_jacobian(x):
    return torch.autograd.functional.jacobian(normalize, x)


def backward_row_by_row(x):
    x = x.clone().requires_grad_()
    y = normalize(x)
    rows = []
    for one_hot in torch.eye(len(x), dtype=x.dtype):
        x.grad = None
        y.backward(one_hot, retain_graph=True)
        rows.append(x.grad)
    return torch.stack(rows)


def hard_coded(x):
    return torch.tensor(exercises._normalize_jacobian(np.array([1.0, 2.0, 5.0])))


def changes_its_input(x):
    x.fill_(1.0)                   # an easy x ...
    return quotient_rule(x)        # ... right only if the checker read x after the call


@pytest.mark.parametrize("function, phrase", [
    (central_difference, "not precise enough"),
    (richardson_difference, "not precise enough"),
    (autograd_jacobian, BY_HAND),
    (backward_row_by_row, BY_HAND),
    (hard_coded, "entries of your Jacobian are not right"),
    (changes_its_input, "not right"),
])
def test_jacobian_of_normalize_refuses_gaming(function, phrase):
    assert_wrong(exercises.jacobian_of_normalize, function, phrase)


def test_jacobian_of_normalize_returning_pytorchs_tensor_is_refused():
    real_torch = pytest.importorskip("torch")
    assert_wrong(exercises.jacobian_of_normalize,
                 lambda x: real_torch.tensor(quotient_rule(x).numpy()), "PyTorch's tensor")
