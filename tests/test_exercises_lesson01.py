"""gradlab.exercises.lesson01: each checker accepts its solution and explains typical slips."""
import numpy as np
import pytest

import gradlab as torch
from gradlab.exercises import lesson01 as exercises
from gradlab.exercises.core import CORRECT, NOT_ANSWERED, NOT_YET


def solution_namespace(exercise):
    """Run the exercise's written solution, as a student pasting it would."""
    namespace = {"torch": torch}
    exec(exercise.solution_text, namespace)
    return namespace


def verdict(exercise, answer):
    exercise.reset()
    return exercise.evaluate(answer)


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)
def test_the_written_solution_is_correct(exercise):
    namespace = solution_namespace(exercise)
    answer = {"derivative_of_x_sin_x": namespace.get("derivative")}.get(exercise.name,
                                                                       namespace.get("answer"))
    feedback = verdict(exercise, answer)
    assert feedback.correct, str(feedback)
    assert str(feedback).startswith(CORRECT)


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)
def test_placeholder_is_not_answered_yet(exercise):
    assert str(verdict(exercise, ...)).startswith(NOT_ANSWERED)


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)
@pytest.mark.parametrize("odd_answer", ["six", {"x": 1}, object()])
def test_a_wrong_type_gets_a_plain_sentence(exercise, odd_answer):
    feedback = verdict(exercise, odd_answer)
    assert feedback.status == "wrong", str(feedback)
    assert "Traceback" not in str(feedback)


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)
def test_hints_come_one_at_a_time_then_the_solution(exercise, capsys):
    exercise.reset()
    for number in range(1, len(exercise.hints) + 1):
        exercise.hint()
        assert capsys.readouterr().out.startswith(f"Hint {number} of {len(exercise.hints)}:")
    exercise.hint()
    assert "No more hints" in capsys.readouterr().out
    exercise.solution()
    assert capsys.readouterr().out.startswith("Solution:\n")
    exercise.reset()


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


def test_derivative_right_only_at_the_probe_points_is_caught_by_gradcheck():
    probe = torch.tensor(list(exercises.PROBE_POINTS), dtype=torch.float64)

    def derivative(x):  # exact at the probe points, wrong elsewhere
        if x.shape == probe.shape and torch.equal(x.detach(), probe):
            return right(x)
        return right(x) + 1
    feedback = verdict(exercises.derivative_of_x_sin_x, derivative)
    assert str(feedback).startswith(NOT_YET) and "random inputs" in str(feedback)


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
