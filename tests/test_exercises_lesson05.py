"""gradlab.exercises.lesson05: each checker accepts its solution and explains typical slips."""
import pytest

import gradlab as torch
from gradlab.exercises import lesson05 as exercises
from lesson_exercise_checks import assert_stopped, assert_wrong, generic_tests, verdict
from lesson_exercise_checks import solution_answer as shared_solution_answer

SOLUTION_NAMES = {"straight_through_round": "round_ste"}


(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(exercises.EXERCISES, SOLUTION_NAMES, odd_answers=[{"x": 1}, object(), [0.0, 2.0]],
                  huge_answer="c" * 10_000_000)


def solution_answer(exercise):
    return shared_solution_answer(exercise, SOLUTION_NAMES)


def test_the_stated_answers_are_what_autograd_computes():
    x = torch.tensor(list(exercises.ROUND_INPUT), requires_grad=True)
    (x.round() * x).sum().backward()
    assert verdict(exercises.round_in_a_product, x.grad).correct

    x = torch.tensor(2.0, requires_grad=True)
    (x.detach() * x ** 2).backward()
    assert verdict(exercises.detached_factor, x.grad).correct


def test_the_lesson_loop_really_does_not_learn():
    """The claim behind why_no_learning: w.grad is exactly 0 through round."""
    w = torch.tensor(0.3, requires_grad=True)
    ((torch.round(w * 4) - 3) ** 2).backward()
    assert w.grad.item() == 0.0


# ---------------------------------------------------------------- round_in_a_product
@pytest.mark.parametrize("answer, says", [
    (torch.tensor([0.8, 3.2]), "gradient of x · x"),
    (torch.tensor([0.4, 3.6]), "slope of 1"),
    (torch.tensor([0.4, 1.6]), "round(x) · 1, that survives"),
    (torch.tensor([0.0, 0.0]), "still carries a gradient"),
    (torch.tensor(2.0), "shape"),
    ([0.0, 2.0], "should be a tensor"),
])
def test_round_in_a_product_slips(answer, says):
    assert_wrong(exercises.round_in_a_product, answer, says)


# ---------------------------------------------------------------- why_no_learning
@pytest.mark.parametrize("answer, says", [
    ("a", "learning rate"),
    ("b", "round is in the graph"),
    ("d", "Resetting w.grad"),
    ("e", "not one of the choices"),
    (3, "not one of the choices"),
])
def test_why_no_learning_wrong_choices_are_explained(answer, says):
    assert_wrong(exercises.why_no_learning, answer, says)


@pytest.mark.parametrize("answer", ["c", "C", " c ", "c)", "c."])
def test_why_no_learning_accepts_the_letter_however_written(answer):
    assert verdict(exercises.why_no_learning, answer).correct


# ---------------------------------------------------------------- detached_factor
@pytest.mark.parametrize("answer, says", [
    (12.0, "as if detach did nothing"),
    (4.0, "still multiplies"),
    (0.0, "cuts only the factor"),
    (16.0, "twice"),
])
def test_detached_factor_slips(answer, says):
    assert_wrong(exercises.detached_factor, answer, says)


# ---------------------------------------------------------------- straight_through_round (code)
def test_straight_through_round_template_is_not_answered_yet():
    def round_ste(x):
        return ...
    assert verdict(exercises.straight_through_round, round_ste).status == "not answered"


@pytest.mark.parametrize("round_ste, says", [
    (lambda x: x.round(), "round's own derivative"),
    (lambda x: x, "values of x itself"),
    (lambda x: x.round().detach(), "no grad_fn"),
    (lambda x: (x.round() - x).detach() + x.detach(), "no grad_fn"),
    (lambda x: 2 * x + (x.round() - 2 * x).detach(), "twice what it should be"),
    (lambda x: 3 * x + (x.round() - 3 * x).detach(), "pass through unchanged"),
    (lambda x: torch.floor(x) + 0 * x, "not rounded"),
    (lambda x: x.round().sum(), "keep the shape"),
    (lambda x: x.detach().numpy().round(), "should return a tensor"),
])
def test_straight_through_round_slips(round_ste, says):
    assert_wrong(exercises.straight_through_round, round_ste, says)


def test_straight_through_round_accepts_other_correct_forms():
    assert verdict(exercises.straight_through_round,
                   lambda x: (x.round() - x).detach() + x).correct
    assert verdict(exercises.straight_through_round,
                   lambda x: x - (x - torch.round(x)).detach()).correct


def test_straight_through_round_that_raises_gets_a_sentence():
    def round_ste(x):
        return x + undefined_name  # noqa: F821 (the error under test)
    feedback = verdict(exercises.straight_through_round, round_ste)
    assert feedback.status == "error"
    assert "NameError" in str(feedback) and "Traceback" not in str(feedback)


def test_straight_through_round_leaves_the_students_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    verdict(exercises.straight_through_round, solution_answer(exercises.straight_through_round))
    assert torch.equal(torch.rand(3), expected)


# ---------------------------------------------------------------- gaming answers
def test_straight_through_round_returning_pytorchs_tensor_is_recognised():
    real_torch = pytest.importorskip("torch")
    assert_wrong(exercises.straight_through_round,
                 lambda x: real_torch.tensor(x.detach().numpy()).round(),
                 "PyTorch's own tensor", "import gradlab as torch")


def test_a_backward_that_never_returns_is_stopped(monkeypatch):
    class Stuck(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.round()

        @staticmethod
        def backward(ctx, grad_output):
            while True:
                pass

    assert_stopped(exercises.straight_through_round, Stuck.apply, monkeypatch)


def test_a_custom_function_with_an_identity_backward_is_a_straight_through_round():
    class RoundStraightThrough(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.round()

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    assert verdict(exercises.straight_through_round, RoundStraightThrough.apply).correct


@pytest.mark.parametrize("round_ste, says", [
    (lambda x: torch.tensor(x.detach().round().tolist(), dtype=torch.float64,
                            requires_grad=True) * 1, "No gradient reaches x"),
    (lambda x: (x + (x.round() - x).detach()).reshape(-1), "keep the shape"),
    (lambda x: x.round() + 0 * x, "round's own derivative"),
])
def test_straight_through_round_gaming(round_ste, says):
    assert_wrong(exercises.straight_through_round, round_ste, says)


@pytest.mark.parametrize("exercise, answer, says", [
    (exercises.round_in_a_product, torch.tensor([[0.0, 2.0]]), "shape (1, 2)"),
    (exercises.round_in_a_product, torch.tensor([0.0, 2.001]), "not precise enough"),
    (exercises.detached_factor, 8.001, "not precise enough"),
])
def test_value_answers_in_the_wrong_shape_or_rounded(exercise, answer, says):
    assert_wrong(exercise, answer, says)


def test_a_result_of_its_own_class_is_refused():
    class Sneaky(torch.Tensor):
        pass

    def round_ste(x):
        result = x + (x.round() - x).detach()
        result.__class__ = Sneaky
        return result
    assert_wrong(exercises.straight_through_round, round_ste, "could not be checked",
                 "class of your own")
