"""gradlab.exercises.lesson06: each checker accepts its solution and explains typical slips."""
import pytest

import gradlab as torch
from gradlab.exercises import lesson06 as exercises
from lesson_exercise_checks import FrameReadingTensor, assert_wrong, generic_tests, verdict
from lesson_exercise_checks import solution_answer as shared_solution_answer

SOLUTION_NAMES = {"sum_to_shape": "sum_to_shape"}


(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(exercises.EXERCISES, SOLUTION_NAMES,
                  odd_answers=[{"x": 1}, object(), "4, 1, 2", [4.0, 1.0, 2.0]],
                  huge_answer="4, 1, 2" * 2_000_000)


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


# ---------------------------------------------------------------- gaming answers are refused
def frame_reading_tensor():
    tensor = torch.zeros(3)
    tensor.__class__ = FrameReadingTensor
    return tensor


def tensor_with_own_detach():
    tensor = torch.zeros(3)
    tensor.detach = lambda: torch.tensor([4.0, 1.0, 2.0])
    return tensor


VALUE_EXERCISES = [exercises.bias_gradient, exercises.column_scale_gradient,
                   exercises.reduction_gradient]


@pytest.mark.parametrize("exercise", VALUE_EXERCISES, ids=lambda e: e.name)
@pytest.mark.parametrize("make, says", [
    (frame_reading_tensor, "a class of your own, FrameReadingTensor"),
    (tensor_with_own_detach, "a method of its own (detach)"),
])
def test_a_value_answer_that_would_run_its_own_code_is_refused(exercise, make, says):
    assert_wrong(exercise, make(), "could not be checked", says)


@pytest.mark.parametrize("exercise, answer", [
    (exercises.bias_gradient, torch.tensor([[4.], [1.], [2.]])),
    (exercises.column_scale_gradient, torch.tensor([[[6.], [15.]]])),
    (exercises.reduction_gradient, plus(WINNERS, 1 / 6).view(3, 2)),
    (exercises.reduction_gradient, plus(WINNERS, 1 / 6).view(6)),
])
def test_right_numbers_in_the_wrong_shape_are_refused(exercise, answer):
    assert_wrong(exercise, answer, "shape")


def test_reduction_gradient_three_decimals_pass_two_are_close_but_not_precise():
    assert verdict(exercises.reduction_gradient, plus(WINNERS, 0.167)).correct
    assert verdict(exercises.reduction_gradient, torch.tensor([[0.1667, 1.1667, 0.1667],
                                                               [1.1667, 0.1667, 0.1667]])).correct
    assert_wrong(exercises.reduction_gradient, plus(WINNERS, 0.17), "close to the right values",
                 "within 0.001")


def test_reduction_gradient_slips_are_named_with_three_decimals_too():
    assert_wrong(exercises.reduction_gradient, plus(WINNERS, 0.333), "all 6 entries")


# ---- sum_to_shape: the rule by hand, on values and shapes drawn afresh at every check
def sum_to_size(grad, shape):
    return grad.sum_to_size(shape)


def backward_through_expand(grad, shape):
    target = torch.zeros(shape, dtype=grad.dtype, requires_grad=True)
    target.expand(grad.shape).backward(grad)
    return target.grad


def backward_after_requires_grad(grad, shape):
    target = torch.zeros(shape, dtype=grad.dtype).requires_grad_()
    target.expand(grad.shape).backward(grad)
    return target.grad


def autograd_grad_through_expand(grad, shape):
    target = torch.zeros(shape, dtype=grad.dtype, requires_grad=True)
    return torch.autograd.grad(target.expand(grad.shape), target, grad)[0]


def vjp_of_expand(grad, shape):
    return torch.autograd.functional.vjp(lambda t: t.expand(grad.shape),
                                         torch.zeros(shape, dtype=grad.dtype), grad)[1]


def enable_grad_inside(grad, shape):
    with torch.enable_grad():
        return backward_through_expand(grad, shape)


def gradlabs_own_helper(grad, shape):
    from gradlab.ops.broadcast import sum_to_shape
    return sum_to_shape(grad, shape)


def gradlabs_helper_through_the_module(grad, shape):
    import gradlab.ops.broadcast
    return gradlab.ops.broadcast.sum_to_shape(grad, shape)


def flips_the_grad_mode_flag(grad, shape):
    from gradlab.autograd import grad_mode
    grad_mode._state.enabled = True
    target = torch.zeros(shape, dtype=grad.dtype, requires_grad=True)
    return target.expand(grad.shape).grad_fn(grad)


def unwraps_the_refused_function(grad, shape):
    target = torch.zeros(shape, dtype=grad.dtype, requires_grad=True)
    return torch.autograd.grad.__wrapped__(target.expand(grad.shape), target, grad)[0]


# a table of ExpandBackward0 nodes made beforehand, outside the check, for the 8 fixed pairs:
# calling a node is allowed, but the 4 pairs drawn afresh at every check are not in the table
NODES = {}
for _grad_shape, _shape in exercises.CASES:
    _target = torch.zeros(_shape, dtype=torch.float64, requires_grad=True)
    NODES[(_grad_shape, _shape)] = _target.expand(_grad_shape).grad_fn


def table_of_nodes(grad, shape):
    return NODES[(tuple(grad.shape), tuple(shape))](grad)


def returns_a_frame_reading_tensor(grad, shape):
    result = torch.zeros(shape, dtype=grad.dtype)
    result.__class__ = FrameReadingTensor
    return result


@pytest.mark.parametrize("cheat, used", [
    (sum_to_size, "x.sum_to_size()"),
    (backward_through_expand, "x.backward()"),
    (backward_after_requires_grad, "x.requires_grad_()"),
    (autograd_grad_through_expand, "torch.autograd.grad()"),
    (vjp_of_expand, "torch.autograd.functional.vjp()"),
    (enable_grad_inside, "torch.enable_grad()"),
    (gradlabs_own_helper, "gradlab's own sum_to_shape"),
    (gradlabs_helper_through_the_module, "gradlab's own sum_to_shape"),
    (flips_the_grad_mode_flag, "_state.enabled = True"),
])
def test_sum_to_shape_that_asks_autograd_or_gradlab_is_refused(cheat, used):
    assert_wrong(exercises.sum_to_shape, cheat, "asks for the rule itself", used)
    assert torch.is_grad_enabled()


def test_sum_to_shape_cannot_unwrap_a_refused_function():
    feedback = verdict(exercises.sum_to_shape, unwraps_the_refused_function)
    assert not feedback.correct and "__wrapped__" in str(feedback)


def test_sum_to_shape_table_of_nodes_fails_on_the_fresh_shapes():
    feedback = verdict(exercises.sum_to_shape, table_of_nodes)
    assert not feedback.correct, str(feedback)


def test_sum_to_shape_table_of_answers_fails_on_fresh_values():
    """Answers computed for one check's values do not fit the next check's."""
    seen = {}
    solution = solution_answer(exercises.sum_to_shape)

    def records(grad, shape):
        seen[(tuple(grad.shape), tuple(shape))] = solution(grad, shape)
        return seen[(tuple(grad.shape), tuple(shape))]

    def replays(grad, shape):
        return seen.get((tuple(grad.shape), tuple(shape)), grad)

    assert verdict(exercises.sum_to_shape, records).correct
    assert_wrong(exercises.sum_to_shape, replays, "values differ from what autograd gives")


def test_sum_to_shape_result_that_would_run_its_own_code_is_refused():
    assert_wrong(exercises.sum_to_shape, returns_a_frame_reading_tensor, "could not be checked",
                 "FrameReadingTensor")


def test_sum_to_shape_by_hand_with_numpy_passes():
    def sum_to_shape(grad, shape):
        array = grad.numpy()
        while array.ndim > len(shape):
            array = array.sum(axis=0)
        for dim, size in enumerate(shape):
            if size == 1:
                array = array.sum(axis=dim, keepdims=True)
        return torch.tensor(array)

    assert verdict(exercises.sum_to_shape, sum_to_shape).correct


def test_sum_to_shape_checks_fresh_shapes_each_time():
    import numpy as np
    generator = np.random.default_rng(0)
    cases = exercises._random_cases(generator)
    assert len(cases) == exercises.RANDOM_CASES
    for grad_shape, shape in cases:
        assert len(shape) <= len(grad_shape)
        tail = grad_shape[len(grad_shape) - len(shape):]
        assert all(size in (1, big) for size, big in zip(shape, tail))


def expand_rule_with_a_made_up_ctx(grad, shape):
    import types
    from gradlab.ops.shape import ExpandBackward0
    ctx = types.SimpleNamespace(_input_meta=((tuple(shape), None),), name=lambda: "expand")
    return ExpandBackward0.backward(ctx, grad)


def sum_to_size_through_the_class(grad, shape):
    return torch.Tensor.sum_to_size(grad, shape)


@pytest.mark.parametrize("cheat, used", [
    (expand_rule_with_a_made_up_ctx, "gradlab's own sum_to_shape"),
    (sum_to_size_through_the_class, "x.sum_to_size()"),
])
def test_sum_to_shape_through_gradlabs_own_code_is_refused(cheat, used):
    assert_wrong(exercises.sum_to_shape, cheat, "asks for the rule itself", used)


def test_gradlabs_helper_is_back_after_the_check():
    from gradlab.ops import broadcast, shape
    verdict(exercises.sum_to_shape, expand_rule_with_a_made_up_ctx)
    assert shape.sum_to_shape is broadcast.sum_to_shape
    x = torch.ones(3, requires_grad=True)
    x.expand(2, 3).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
