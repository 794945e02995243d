"""gradlab.exercises.lesson01: each checker accepts its solution and explains typical slips."""
import numpy as np
import pytest

import gradlab as torch
from gradlab.exercises import lesson01 as exercises
from gradlab.exercises.core import NOT_ANSWERED, NOT_YET
from lesson_exercise_checks import generic_tests, verdict

SOLUTION_NAMES = {"derivative_of_x_sin_x": "derivative"}

(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(exercises.EXERCISES, SOLUTION_NAMES, odd_answers=["six", {"x": 1}, object()],
                  huge_answer="1" * 10_000_000)


def test_the_stated_answers_are_what_autograd_computes():
    x = torch.tensor(list(exercises.SQUARE_INPUT), requires_grad=True)
    (x ** 2).sum().backward()
    assert verdict(exercises.gradient_of_square, x.grad).correct

    x = torch.tensor(2.0, requires_grad=True)
    (x ** 3 - 2 * x).backward()
    assert verdict(exercises.slope_at_a_point, x.grad).correct

    x = torch.tensor(list(exercises.CORNER_INPUT), requires_grad=True)
    (torch.relu(x) + torch.abs(x)).sum().backward()
    assert verdict(exercises.gradient_at_the_corner, x.grad).correct


# ---------------------------------------------------------------- typical slips
@pytest.mark.parametrize("answer, says", [
    (torch.tensor([1.0, 0.25, 16.0]), "values of x ** 2"),
    (torch.tensor([-1.0, 0.5, 4.0]), "That is x itself"),
    (torch.tensor([2.0, -1.0, -8.0]), "sign is flipped"),
    (torch.tensor([-2.0, 1.0]), "shape (3,)"),
    ([-2.0, 1.0, 8.0], "should be a tensor"),
])
def test_gradient_of_square_slips(answer, says):
    feedback = verdict(exercises.gradient_of_square, answer)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback)


def test_gradient_of_square_names_the_wrong_entry():
    feedback = verdict(exercises.gradient_of_square, torch.tensor([-2.0, 1.0, 7.0]))
    assert "1 of 3 entries" in str(feedback) and "[2] is 7" in str(feedback)


@pytest.mark.parametrize("answer, says", [
    (4, "f(2)"), (12.0, "slope of x³ alone"), (torch.tensor(4.0), "f(2)"),
    (-10, "sign is flipped"), ("10", "a number"), (torch.tensor([10.0, 1.0]), "single number"),
])
def test_slope_at_a_point_slips(answer, says):
    feedback = verdict(exercises.slope_at_a_point, answer)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback)


@pytest.mark.parametrize("answer", [10, 10.0, np.float64(10.0), torch.tensor(10.0),
                                    torch.tensor([10.0])])
def test_slope_at_a_point_accepts_any_form_of_ten(answer):
    assert verdict(exercises.slope_at_a_point, answer).correct


@pytest.mark.parametrize("answer, says", [
    ([-1.0, 1.0, 2.0], "Only the entry at x = 0"),
    ([-1.0, 0.5, 2.0], "Only the entry at x = 0"),
    ([0.0, 0.0, 1.0], "relu alone"),
    ([-1.0, 0.0, 1.0], "abs alone"),
    ([1.0, 0.0, 2.0], "slope there is -1"),
])
def test_gradient_at_the_corner_slips(answer, says):
    feedback = verdict(exercises.gradient_at_the_corner, torch.tensor(answer))
    assert str(feedback).startswith(NOT_YET) and says in str(feedback)


# ---------------------------------------------------------------- the code answer
def right(x):
    return torch.sin(x) + x * torch.cos(x)


@pytest.mark.parametrize("derivative, says", [
    (lambda x: torch.cos(x), "product rule"),
    (lambda x: x * torch.cos(x), "two terms of the product rule"),
    (lambda x: torch.sin(x), "two terms of the product rule"),
    (lambda x: x * torch.sin(x), "That is f itself"),
    (lambda x: torch.sin(x) - x * torch.cos(x), "at x = "),
    (lambda x: np.sin(x.numpy()), "NumPy array"),
    (lambda x: right(x).sum(), "one slope per entry"),
    (lambda x: "cos", "should return a tensor"),
    (lambda x: 1.0, "at x = "),
])
def test_derivative_slips(derivative, says):
    feedback = verdict(exercises.derivative_of_x_sin_x, derivative)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback), str(feedback)


def test_derivative_is_checked_by_running_it_not_by_reading_it():
    # Written differently from the solution, still right.
    def derivative(x):
        return x.cos().mul(x).add(x.sin())
    assert verdict(exercises.derivative_of_x_sin_x, derivative).correct


def test_derivative_right_only_at_the_probe_points_is_caught_elsewhere():
    probe = torch.tensor(list(exercises.PROBE_POINTS), dtype=torch.float64)

    def derivative(x):  # exact at the probe points, wrong elsewhere
        if x.shape == probe.shape and torch.equal(x.detach(), probe):
            return right(x)
        return right(x) + 1
    feedback = verdict(exercises.derivative_of_x_sin_x, derivative)
    assert str(feedback).startswith(NOT_YET) and "points the lesson does not show" in str(feedback)


def test_derivative_placeholder_and_errors():
    def unfinished(x):
        ...
    assert str(verdict(exercises.derivative_of_x_sin_x, unfinished)).startswith(NOT_ANSWERED)

    def broken(x):
        return torch.sin(x) + undefined_name * x  # noqa: F821 (the error under test)
    feedback = verdict(exercises.derivative_of_x_sin_x, broken)
    assert feedback.status == "error" and "NameError" in str(feedback)
    assert "Traceback" not in str(feedback)

    feedback = verdict(exercises.derivative_of_x_sin_x, 3)
    assert "should be the function derivative" in str(feedback)


# ---------------------------------------------------------------- gaming derivative_of_x_sin_x
def f(x):
    return x * torch.sin(x)


def central_difference(h):
    return lambda x: (f(x + h) - f(x - h)) / (2 * h)


def five_point_difference(h):
    return lambda x: (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def backward_on_a_detached_copy(x):  # the gaming answer that passed before
    x = x.detach().requires_grad_()
    f(x).sum().backward()
    return x.grad


def backward_on_a_new_leaf(x):
    leaf = torch.tensor(x.tolist(), dtype=torch.float64, requires_grad=True)
    f(leaf).sum().backward()
    return leaf.grad


def autograd_grad(x):
    leaf = torch.tensor(x.tolist(), dtype=torch.float64, requires_grad=True)
    return torch.autograd.grad(f(leaf).sum(), leaf)[0]


def jacobian_diagonal(x):
    return torch.autograd.functional.jacobian(lambda t: f(t).sum(), x)


def checkers_own_reference(x):  # the checker's helper runs autograd: refused too
    return torch.tensor(exercises._autograd_slope(tuple(x.tolist())), dtype=torch.float64)


@pytest.mark.parametrize("cheat, used", [
    (backward_on_a_detached_copy, "x.requires_grad_()"),
    (backward_on_a_new_leaf, "x.backward()"),
    (autograd_grad, "torch.autograd.grad()"),
    (jacobian_diagonal, "torch.autograd.functional.jacobian()"),
    (checkers_own_reference, "x.backward()"),
])
def test_derivative_that_lets_autograd_do_it_is_refused_with_the_by_hand_sentence(cheat, used):
    feedback = verdict(exercises.derivative_of_x_sin_x, cheat)
    assert str(feedback).startswith(NOT_YET), str(feedback)
    assert "asks for the rule itself" in str(feedback) and used in str(feedback)
    assert "the backward" not in str(feedback).lower().replace("backward()", "")


@pytest.mark.parametrize("estimate", [
    central_difference(1e-3), central_difference(1e-5), central_difference(1e-7),
    five_point_difference(1e-3), five_point_difference(1e-4),
    lambda x: (f(x + 1e-6) - f(x)) / 1e-6,
], ids=["central 1e-3", "central 1e-5", "central 1e-7", "five-point 1e-3", "five-point 1e-4",
        "forward 1e-6"])
def test_finite_differences_are_close_but_not_precise(estimate):
    feedback = verdict(exercises.derivative_of_x_sin_x, estimate)
    assert str(feedback).startswith(NOT_YET), str(feedback)
    assert "close, but not precise enough" in str(feedback)
    assert "1e-13" in str(feedback) and "finite-difference" in str(feedback)


@pytest.mark.parametrize("derivative", [
    lambda x: x * torch.cos(x) + torch.sin(x),
    lambda x: torch.sqrt(1 + x ** 2) * torch.sin(x + torch.atan(x)),  # the same function, rewritten
    lambda x: torch.tensor([np.sin(v) + v * np.cos(v) for v in x.tolist()], dtype=torch.float64),
])
def test_the_exact_rule_written_any_way_passes_the_tight_tolerance(derivative):
    assert verdict(exercises.derivative_of_x_sin_x, derivative).correct


def test_a_float32_result_is_told_to_keep_the_dtype():
    feedback = verdict(exercises.derivative_of_x_sin_x,
                       lambda x: torch.tensor(right(x).tolist()))
    assert str(feedback).startswith(NOT_YET) and "torch.float32" in str(feedback)
    assert "Keep x's dtype" in str(feedback)


def test_hard_coded_slopes_of_the_lesson_points_fail_elsewhere():
    slopes = right(torch.tensor(list(exercises.PROBE_POINTS), dtype=torch.float64)).tolist()
    feedback = verdict(exercises.derivative_of_x_sin_x,
                       lambda x: torch.tensor(slopes, dtype=torch.float64))
    assert str(feedback).startswith(NOT_YET) and "shape" in str(feedback)


def test_derivative_returning_pytorchs_tensor_is_recognised():
    real_torch = pytest.importorskip("torch")
    feedback = verdict(exercises.derivative_of_x_sin_x,
                       lambda x: real_torch.tensor(right(x).tolist()))
    assert str(feedback).startswith(NOT_YET) and "PyTorch's own tensor" in str(feedback)
    assert "import gradlab as torch" in str(feedback)


def test_the_check_leaves_autograd_and_the_students_tensor_as_they_were():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert verdict(exercises.derivative_of_x_sin_x, right).correct
    assert torch.is_grad_enabled()
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


# ---------------------------------------------------------------- gaming the value answers
@pytest.mark.parametrize("answer, says", [
    (torch.tensor([[-2.0, 1.0, 8.0]]), "shape (1, 3)"),
    (torch.tensor([[-2.0], [1.0], [8.0]]), "shape (3, 1)"),
    (torch.tensor([-2.0, 1.0, 8.0, 0.0]), "shape (4,)"),
])
def test_gradient_of_square_right_numbers_in_the_wrong_shape(answer, says):
    feedback = verdict(exercises.gradient_of_square, answer)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback)


@pytest.mark.parametrize("exercise, answer", [
    (exercises.gradient_of_square, torch.tensor([-2.01, 1.0, 8.0])),
    (exercises.gradient_at_the_corner, torch.tensor([-1.0, 0.0, 2.001])),
    (exercises.slope_at_a_point, 10.01),
])
def test_rounded_answers_are_told_the_precision_needed(exercise, answer):
    feedback = verdict(exercise, answer)
    assert str(feedback).startswith(NOT_YET) and "not precise enough" in str(feedback)
    assert "within" in str(feedback)


def test_a_tensor_of_its_own_class_cannot_read_the_expected_slopes():
    """A subclass whose detach() looks up the checker's frames for the right answer."""
    import inspect

    class Sneaky(torch.Tensor):
        def detach(self):
            frame = inspect.currentframe().f_back
            while frame is not None:
                if "expected" in frame.f_locals:
                    return torch.tensor(frame.f_locals["expected"])
                frame = frame.f_back
            return torch.Tensor.detach(self)

    def derivative(x):
        result = torch.zeros_like(x)
        result.__class__ = Sneaky
        return result
    feedback = verdict(exercises.derivative_of_x_sin_x, derivative)
    assert str(feedback).startswith(NOT_YET) and "could not be checked" in str(feedback)
    assert "class of your own" in str(feedback)


def test_a_tensor_with_a_method_of_its_own_is_refused():
    def derivative(x):
        result = torch.zeros_like(x)
        result.numpy = lambda: right(x).numpy()
        return result
    feedback = verdict(exercises.derivative_of_x_sin_x, derivative)
    assert str(feedback).startswith(NOT_YET) and "method of its own" in str(feedback)


def test_reading_the_checkers_frames_finds_no_slopes():
    import inspect

    def derivative(x):
        frame = inspect.currentframe().f_back
        while frame is not None:
            for name in ("expected", "slopes", "grad"):
                if name in frame.f_locals:
                    return torch.tensor(frame.f_locals[name], dtype=torch.float64)
            frame = frame.f_back
        return torch.zeros_like(x)
    feedback = verdict(exercises.derivative_of_x_sin_x, derivative)
    assert str(feedback).startswith(NOT_YET) and "at x = -2.5" in str(feedback)
