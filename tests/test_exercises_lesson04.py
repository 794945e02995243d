"""gradlab.exercises.lesson04: each checker accepts its solution and explains typical slips."""
import pytest

import gradlab as torch
from gradlab.exercises import lesson04 as exercises
from lesson_exercise_checks import assert_wrong, generic_tests, verdict
from lesson_exercise_checks import solution_answer as shared_solution_answer

SOLUTION_NAMES = {"manual_backward": "manual_backward"}


(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
) = generic_tests(exercises, SOLUTION_NAMES, odd_answers=[{"x": 1}, object(), [1.0, 2.0]])


def solution_answer(exercise):
    return shared_solution_answer(exercise, SOLUTION_NAMES)


def test_the_stated_answers_are_what_autograd_computes():
    x = torch.tensor(1.0, requires_grad=True)
    ((x ** 2 + 1) ** 3).backward()
    assert verdict(exercises.chain_rule, x.grad).correct

    a = torch.tensor(2.0, requires_grad=True)
    b = 3 * a
    (a * b + b).backward()
    assert verdict(exercises.reused_value, a.grad).correct

    x = torch.tensor(1.0, requires_grad=True)
    y = x ** 3 + x
    y.backward(retain_graph=True)
    y.backward()
    z = 2 * x
    z.backward()
    assert verdict(exercises.grad_after_calls, x.grad).correct


# ---------------------------------------------------------------- value answers: typical slips
@pytest.mark.parametrize("answer, says", [
    (12.0, "inner derivative"),
    (8.0, "value of y"),
    (6.0, "not 1"),
    (48.0, "twice"),
    ("24", "without quotes"),
    (torch.tensor([24.0, 24.0]), "single number"),
])
def test_chain_rule_slips(answer, says):
    assert_wrong(exercises.chain_rule, answer, says)


def test_a_one_element_tensor_counts_as_its_number():
    assert verdict(exercises.chain_rule, torch.tensor([24.0])).correct
    assert verdict(exercises.reused_value, torch.tensor(15.0)).correct


@pytest.mark.parametrize("answer, says", [
    (6.0, "only the direct path"),
    (9.0, "only the path through b"),
    (12.0, "+ b depends on a"),
    (3.0, "every path"),
])
def test_reused_value_slips(answer, says):
    assert_wrong(exercises.reused_value, answer, says)


@pytest.mark.parametrize("answer, says", [
    (4.0, "adds to x.grad"),
    (2.0, "does not replace"),
    (6.0, "retain_graph=True kept the graph"),
    (8.0, "z.backward() adds"),
    ("RuntimeError", "no error"),
])
def test_grad_after_calls_slips(answer, says):
    assert_wrong(exercises.grad_after_calls, answer, says)


# ---------------------------------------------------------------- code answer: manual_backward
def manual_backward_from(grad_w, grad_b):
    """A student's manual_backward built from two formulas of (x, w, b, prediction)."""
    def manual_backward(x, w, b):
        prediction = w * x + b
        return grad_w(x, w, b, prediction), grad_b(x, w, b, prediction)
    return manual_backward


def test_manual_backward_accepts_plain_numbers_too():
    answer = manual_backward_from(lambda x, w, b, p: float(2 * p * x + 2 * w),
                                  lambda x, w, b, p: float(2 * p))
    assert verdict(exercises.manual_backward, answer).correct


def test_manual_backward_template_is_not_answered_yet():
    def manual_backward(x, w, b):
        prediction = w * x + b  # noqa: F841 (the lesson's template, as the student sees it)
        grad_prediction = ...  # noqa: F841 (the template)
        grad_w = ...
        grad_b = ...
        return grad_w, grad_b
    feedback = verdict(exercises.manual_backward, manual_backward)
    assert feedback.status == "not answered"
    assert "grad_w" in str(feedback)

    half_done = manual_backward_from(lambda x, w, b, p: 2 * p * x + 2 * w, lambda x, w, b, p: ...)
    feedback = verdict(exercises.manual_backward, half_done)
    assert feedback.status == "not answered" and "grad_b" in str(feedback)


@pytest.mark.parametrize("grad_w, grad_b, says", [
    (lambda x, w, b, p: 2 * p * x, lambda x, w, b, p: 2 * p, "w is also used in w ** 2"),
    (lambda x, w, b, p: 2 * w, lambda x, w, b, p: 2 * p, "through the prediction"),
    (lambda x, w, b, p: 2 * p + 2 * w, lambda x, w, b, p: 2 * p, "which is x"),
    (lambda x, w, b, p: p * x + 2 * w, lambda x, w, b, p: p, "2·prediction"),
    (lambda x, w, b, p: 2 * p * x + 2 * w, lambda x, w, b, p: 2 * p + 2 * w, "b does not appear"),
    (lambda x, w, b, p: 2 * p, lambda x, w, b, p: 2 * p * x + 2 * w, "swapped"),
])
def test_manual_backward_slips(grad_w, grad_b, says):
    assert_wrong(exercises.manual_backward, manual_backward_from(grad_w, grad_b), "autograd gives",
                 says)


def test_manual_backward_wrong_shapes_of_answer():
    assert_wrong(exercises.manual_backward, lambda x, w, b: 2 * x, "two gradients")
    assert_wrong(exercises.manual_backward,
                 manual_backward_from(lambda x, w, b, p: "2px", lambda x, w, b, p: 2 * p),
                 "grad_w should be a number")
    assert_wrong(exercises.manual_backward, 3.0, "should be the function manual_backward")


def test_manual_backward_that_raises_gets_a_sentence():
    def manual_backward(x, w, b):
        return undefined_name, 1.0  # noqa: F821 (the error under test)
    feedback = verdict(exercises.manual_backward, manual_backward)
    assert feedback.status == "error"
    assert "NameError" in str(feedback) and "Traceback" not in str(feedback)
