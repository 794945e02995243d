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
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(exercises.EXERCISES, SOLUTION_NAMES, odd_answers=[{"x": 1}, object(), [1.0, 2.0]],
                  huge_answer="2" * 10_000_000)


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


# ---------------------------------------------------------------- gaming manual_backward
def loss(x, w, b):
    return (w * x + b) ** 2 + w ** 2


def backward_on_detached_copies(x, w, b):  # the gaming answer that passed before
    w = w.detach().requires_grad_()
    b = b.detach().requires_grad_()
    loss(x, w, b).backward()
    return w.grad, b.grad


def backward_on_new_leaves(x, w, b):
    w = torch.tensor(w.item(), dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b.item(), dtype=torch.float64, requires_grad=True)
    loss(x, w, b).backward()
    return w.grad, b.grad


def autograd_grad(x, w, b):
    w = torch.tensor(w.item(), dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b.item(), dtype=torch.float64, requires_grad=True)
    return torch.autograd.grad(loss(x, w, b), (w, b))


def requires_grad_set_by_hand(x, w, b):
    w, b = w.clone(), b.clone()
    w.requires_grad = True
    b.requires_grad = True
    loss(x, w, b).backward()
    return w.grad, b.grad


def enable_grad_inside(x, w, b):
    with torch.enable_grad():
        return backward_on_new_leaves(x, w, b)


def checkers_own_reference(x, w, b):
    return exercises._autograd_gradients(x.item(), w.item(), b.item())


@pytest.mark.parametrize("cheat, used", [
    (backward_on_detached_copies, "x.requires_grad_()"),
    (backward_on_new_leaves, "x.backward()"),
    (autograd_grad, "torch.autograd.grad()"),
    (requires_grad_set_by_hand, "x.requires_grad = True"),
    (enable_grad_inside, "torch.enable_grad()"),
    (checkers_own_reference, "x.backward()"),
])
def test_manual_backward_with_autograd_is_refused(cheat, used):
    assert_wrong(exercises.manual_backward, cheat, "asks for the rule itself", used)


def finite_differences(h):
    def manual_backward(x, w, b):
        return ((loss(x, w + h, b) - loss(x, w - h, b)) / (2 * h),
                (loss(x, w, b + h) - loss(x, w, b - h)) / (2 * h))
    return manual_backward


@pytest.mark.parametrize("h", [1e-3, 1e-5, 1e-7])
def test_finite_differences_are_close_but_not_precise(h):
    assert_wrong(exercises.manual_backward, finite_differences(h), "close, but not precise enough",
                 "1e-12", "finite-difference")


def test_the_first_points_gradients_hard_coded_fail_elsewhere():
    assert_wrong(exercises.manual_backward, lambda x, w, b: (16.0, 5.0), "autograd gives",
                 "the check tries other points too")


def test_float32_gradients_are_told_to_keep_the_dtype():
    def manual_backward(x, w, b):
        prediction = torch.tensor((w * x + b).item())  # float32
        return 2 * prediction * torch.tensor(x.item()) + 2 * torch.tensor(w.item()), 2 * prediction
    assert_wrong(exercises.manual_backward, manual_backward, "torch.float32", "x, w and b are float64")


def test_gradients_in_the_wrong_shape_are_refused():
    def manual_backward(x, w, b):
        prediction = w * x + b
        grad_w = 2 * prediction * x + 2 * w
        return torch.stack([grad_w, grad_w]), 2 * prediction
    assert_wrong(exercises.manual_backward, manual_backward, "grad_w should be a number",
                 "tensor of shape (2,)")


def test_manual_backward_returning_pytorchs_tensor_is_recognised():
    real_torch = pytest.importorskip("torch")

    def manual_backward(x, w, b):
        prediction = w * x + b
        return real_torch.tensor(float(2 * prediction * x + 2 * w)), 2 * prediction
    assert_wrong(exercises.manual_backward, manual_backward, "PyTorch's own tensor",
                 "import gradlab as torch")


def test_manual_backward_reading_the_checkers_frame_finds_no_answer():
    def manual_backward(x, w, b):
        import inspect
        frame = inspect.currentframe().f_back
        while frame is not None:
            names = frame.f_locals
            if "expected_w" in names and "expected_b" in names:
                return names["expected_w"], names["expected_b"]
            frame = frame.f_back
        return 0.0, 0.0
    assert_wrong(exercises.manual_backward, manual_backward, "autograd gives")


def test_the_check_leaves_autograd_on():
    assert verdict(exercises.manual_backward, backward_on_detached_copies).status == "wrong"
    assert torch.is_grad_enabled()
    w = torch.tensor(1.0, requires_grad=True)
    (w * w).backward()
    assert w.grad.item() == 2.0


# ---------------------------------------------------------------- gaming the value answers
@pytest.mark.parametrize("exercise, answer", [
    (exercises.chain_rule, 24.01), (exercises.reused_value, 15.001),
    (exercises.grad_after_calls, 9.99),
])
def test_rounded_answers_are_told_the_precision_needed(exercise, answer):
    assert_wrong(exercise, answer, "not precise enough", "within")


def test_gradients_of_their_own_class_are_refused():
    class Sneaky(float):
        def __float__(self):  # would run inside the check
            return 16.0
    assert_wrong(exercises.manual_backward, lambda x, w, b: (Sneaky(0.0), Sneaky(0.0)),
                 "could not be checked", "class of your own")
