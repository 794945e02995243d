"""gradlab.exercises.lesson06: each checker accepts its solution and explains typical slips."""
import pytest

import gradlab as torch
from gradlab.exercises import lesson06 as exercises
from lesson_exercise_checks import assert_wrong, generic_tests, verdict
from lesson_exercise_checks import solution_answer as shared_solution_answer

SOLUTION_NAMES = {"sum_to_shape": "sum_to_shape"}


(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
) = generic_tests(exercises, SOLUTION_NAMES, odd_answers=[{"x": 1}, object(), "4, 1, 2", [4.0, 1.0, 2.0]])


def solution_answer(exercise):
    return shared_solution_answer(exercise, SOLUTION_NAMES)


def test_the_stated_answers_are_what_autograd_computes():
    X = torch.ones(2, 3)
    b = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    G = torch.tensor([list(row) for row in exercises.UPSTREAM])
    ((X + b) * G).sum().backward()
    assert verdict(exercises.bias_gradient, b.grad).correct

    x = torch.tensor([list(row) for row in exercises.SCALED])
    scale = torch.tensor([[2.0], [3.0]], requires_grad=True)
    (x * scale).sum().backward()
    assert verdict(exercises.column_scale_gradient, scale.grad).correct

    x = torch.tensor([list(row) for row in exercises.REDUCED], requires_grad=True)
    (x.max(dim=1).values.sum() + x.mean()).backward()
    assert verdict(exercises.reduction_gradient, x.grad).correct


# ---------------------------------------------------------------- bias_gradient
@pytest.mark.parametrize("answer, says", [
    (torch.tensor([[1., 0., 2.], [3., 1., 0.]]), "add up the rows"),
    (torch.tensor([2., 2., 2.]), "out.sum()"),
    (torch.tensor([2., 0.5, 1.]), "do not average"),
    (torch.tensor([3., 4.]), "dim=0"),
    (torch.tensor([[4., 1., 2.]]), "shape (3,)"),
])
def test_bias_gradient_slips(answer, says):
    assert_wrong(exercises.bias_gradient, answer, says)


# ---------------------------------------------------------------- column_scale_gradient
@pytest.mark.parametrize("answer, says", [
    (torch.tensor([6., 15.]), "numbers are right, but the shape"),
    (torch.tensor([[6., 15.]]), "transposed"),
    (torch.tensor([[1., 2., 3.], [4., 5., 6.]]), "sum over the columns"),
    (torch.tensor([5., 7., 9.]), "dim 0"),
    (torch.tensor([[3.], [3.]]), "number of copies"),
])
def test_column_scale_gradient_slips(answer, says):
    assert_wrong(exercises.column_scale_gradient, answer, says)


# ---------------------------------------------------------------- reduction_gradient
WINNERS = [[0., 1., 0.], [1., 0., 0.]]


def plus(rows, number):
    return torch.tensor([[value + number for value in row] for row in rows])


@pytest.mark.parametrize("answer, says", [
    (plus(WINNERS, 1.0), "1/6, not 1"),
    (plus(WINNERS, 0.0), "max part alone"),
    (torch.full((2, 3), 1 / 6), "mean alone"),
    (plus(WINNERS, 1 / 3), "all 6 entries"),
    (plus([[0., 0., 0.], [1., 0., 0.]], 1 / 6), "a winner in each row"),
    (torch.tensor([7 / 6, 7 / 6]), "shape (2, 3)"),
])
def test_reduction_gradient_slips(answer, says):
    assert_wrong(exercises.reduction_gradient, answer, says)


# ---------------------------------------------------------------- sum_to_shape (code)
def test_sum_to_shape_template_is_not_answered_yet():
    def sum_to_shape(grad, shape):
        return ...
    assert verdict(exercises.sum_to_shape, sum_to_shape).status == "not answered"


def leading_only(grad, shape):
    while grad.dim() > len(shape):
        grad = grad.sum(dim=0)
    return grad


def averaging(grad, shape):
    while grad.dim() > len(shape):
        grad = grad.mean(dim=0)
    for dim, size in enumerate(shape):
        if size == 1 and grad.shape[dim] != 1:
            grad = grad.mean(dim=dim, keepdim=True)
    return grad


def dropping_size_one(grad, shape):
    while grad.dim() > len(shape):
        grad = grad.sum(dim=0)
    for dim in reversed(range(len(shape))):
        if shape[dim] == 1 and grad.shape[dim] != 1:
            grad = grad.sum(dim=dim)
    return grad


@pytest.mark.parametrize("answer, says", [
    (lambda grad, shape: grad, "adds up those copies"),
    (lambda grad, shape: grad.sum(dim=0), "keepdim=True"),
    (leading_only, "keepdim=True"),
    (dropping_size_one, "must stay"),
    (averaging, "use sum, not mean"),
    (lambda grad, shape: grad.sum(), "shape"),
    (lambda grad, shape: grad.numpy(), "should return a tensor"),
])
def test_sum_to_shape_slips(answer, says):
    assert_wrong(exercises.sum_to_shape, answer, "a gradient of shape", says)


def test_sum_to_shape_accepts_another_correct_version():
    def sum_to_shape(grad, shape):
        extra = grad.dim() - len(shape)
        dims = list(range(extra)) + [extra + i for i, size in enumerate(shape)
                                     if size == 1 and grad.shape[extra + i] != 1]
        for dim in sorted(dims, reverse=True):
            grad = grad.sum(dim=dim, keepdim=dim >= extra)
        return grad
    assert verdict(exercises.sum_to_shape, sum_to_shape).correct


def test_sum_to_shape_that_raises_gets_a_sentence():
    def sum_to_shape(grad, shape):
        return grad.sum(dim=5)
    feedback = verdict(exercises.sum_to_shape, sum_to_shape)
    assert feedback.status == "error" and "Traceback" not in str(feedback)


def test_sum_to_shape_matches_gradlabs_own_helper():
    """The exercise's reference is autograd, which uses gradlab.ops.broadcast.sum_to_shape."""
    from gradlab.ops.broadcast import sum_to_shape as engine_helper
    solution = solution_answer(exercises.sum_to_shape)
    for grad_shape, shape in exercises.CASES:
        grad = torch.randn(grad_shape)
        assert torch.allclose(solution(grad, shape), engine_helper(grad, shape))
