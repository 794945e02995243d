"""gradlab.exercises.core: checkers answer at once, in sentences, never with a traceback."""
import importlib
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import gradlab as torch
from gradlab.exercises.core import (
    CORRECT, NOT_ANSWERED, NOT_YET, Exercise, Feedback, NotAnswered, Verdict, correct, describe,
    expect_backward, expect_choice, expect_tensor, expect_value, wrong,
)

EXERCISES_FOLDER = pathlib.Path(importlib.import_module("gradlab.exercises").__path__[0])
LESSON_MODULES = sorted(path.stem for path in EXERCISES_FOLDER.glob("lesson[0-9][0-9].py"))


def square_gradient_exercise(**options):
    return Exercise(
        "gradient_of_square", "What is x.grad after (x ** 2).backward() at x = 3?",
        lambda answer: expect_tensor(answer, torch.tensor(6.0)),
        hints=("The derivative of x² is 2x.", "Evaluate 2x at x = 3."),
        solution="answer = x.grad", **options,
    )


# ---------------------------------------------------------------------------
# Exercise.check: the three kinds of feedback
# ---------------------------------------------------------------------------

def test_correct_answer_prints_a_tick(capsys):
    feedback = square_gradient_exercise().check(torch.tensor(6.0))
    assert capsys.readouterr().out == f"{CORRECT}!\n"
    assert feedback and feedback.correct and feedback.status == "correct"
    assert str(feedback).startswith("✓ Correct")


def test_correct_message_is_shown():
    exercise = Exercise("e", "q", lambda answer: correct("that is the chain rule."))
    assert str(exercise.evaluate(1)) == "✓ Correct — that is the chain rule."


def test_wrong_answer_says_what_and_nudges(capsys):
    feedback = square_gradient_exercise().check(torch.tensor(-6.0))
    out = capsys.readouterr().out
    assert out.startswith(NOT_YET)
    assert "-6" in out and "sign is flipped" in out
    assert not feedback and feedback.status == "wrong"


@pytest.mark.parametrize("placeholder", [..., None])
def test_placeholder_is_not_answered_yet(placeholder, capsys):
    feedback = square_gradient_exercise().check(placeholder)
    assert capsys.readouterr().out.startswith(NOT_ANSWERED)
    assert feedback.status == "not answered"


def test_check_without_argument_is_not_answered():
    assert square_gradient_exercise().evaluate().status == "not answered"


def test_none_can_be_an_answer_when_asked():
    exercise = Exercise("grad_of_non_leaf", "What is b.grad?",
                        lambda answer: expect_choice(answer, [None]), none_is_an_answer=True)
    assert exercise.evaluate(None).correct
    assert exercise.evaluate(...).status == "not answered"


def test_checker_raising_not_answered():
    def checker(answer):
        if ... in answer:
            raise NotAnswered("fill in both blanks.")
        return correct()

    exercise = Exercise("pair", "q", checker)
    assert str(exercise.evaluate((1, ...))) == f"{NOT_ANSWERED} fill in both blanks."
    assert exercise.evaluate((1, 2)).correct


def test_exception_inside_checker_is_a_sentence_not_a_traceback(capsys):
    exercise = Exercise("e", "q", lambda answer: answer.shape[5])
    feedback = exercise.check(torch.tensor(1.0))
    out = capsys.readouterr().out
    assert out.startswith(f"{NOT_YET} Your answer could not be checked: IndexError")
    assert "Traceback" not in out and "File " not in out
    assert feedback.status == "error" and not feedback


def test_exception_in_code_answers_names_the_code():
    def checker(function):
        return expect_value(function(2.0), 4.0)

    exercise = Exercise("e", "q", checker, kind="code")
    feedback = exercise.evaluate(lambda x: x / 0)
    assert str(feedback).startswith(f"{NOT_YET} Your code raised an error: ZeroDivisionError")


def test_long_error_messages_are_cut_to_one_line():
    def checker(answer):
        raise ValueError("first line\nsecond line " + "x" * 1000)

    text = str(Exercise("e", "q", checker).evaluate(1))
    assert "second line" not in text and "first line" in text


def test_checker_may_return_a_bool():
    exercise = Exercise("e", "q", lambda answer: answer == 3)
    assert exercise.evaluate(3).correct
    assert exercise.evaluate(4).status == "wrong"


def test_checker_returning_nothing_is_reported_plainly():
    feedback = Exercise("e", "q", lambda answer: None).evaluate(1)
    assert feedback.status == "error" and "gave no verdict" in str(feedback)


def test_wrong_answer_points_to_hints_while_some_are_left():
    exercise = square_gradient_exercise()
    assert "Stuck? exercises.gradient_of_square.hint()" in str(exercise.evaluate(torch.tensor(1.0)))
    exercise.hint(), exercise.hint()
    assert ".hint()" not in str(exercise.evaluate(torch.tensor(1.0)))


def test_kind_is_checked():
    with pytest.raises(ValueError, match="kind"):
        Exercise("e", "q", bool, kind="essay")


def test_feedback_is_not_displayed_twice_in_a_notebook():
    # check() prints; IPython must not show the returned Feedback again as Out[n]
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(Feedback("correct", ""))
    assert data == {}


# ---------------------------------------------------------------------------
# hints and solution
# ---------------------------------------------------------------------------

def test_hints_are_progressive_then_run_out(capsys):
    exercise = square_gradient_exercise()
    exercise.hint(), exercise.hint(), exercise.hint()
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "Hint 1 of 2: The derivative of x² is 2x.",
        "Hint 2 of 2: Evaluate 2x at x = 3.",
        "No more hints (2 shown above); exercises.gradient_of_square.solution() shows the solution.",
    ]
    exercise.reset()
    assert exercise.next_hint().startswith("Hint 1 of 2")


def test_no_hints_at_all():
    assert "no hint" in Exercise("e", "q", bool).next_hint()


def test_solution_is_printed(capsys):
    square_gradient_exercise().solution()
    assert capsys.readouterr().out == "Solution:\nanswer = x.grad\n"
    Exercise("e", "q", bool).solution()
    assert "no written solution" in capsys.readouterr().out


def test_repr_shows_the_question():
    assert "What is x.grad" in repr(square_gradient_exercise())


# ---------------------------------------------------------------------------
# expect_tensor
# ---------------------------------------------------------------------------

def test_expect_tensor_accepts_close_values():
    assert expect_tensor(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0000001]))
    assert expect_tensor(torch.tensor([1.0, 2.0]), [1.0, 2.0])
    assert expect_tensor(torch.tensor([True, False]), torch.tensor([True, False]))


@pytest.mark.parametrize("answer, phrase", [
    ([6.0], "it is a list"),
    (6.0, "it is the number 6"),
    (np.array([6.0]), "NumPy array"),
    ("six", "the text 'six'"),
])
def test_expect_tensor_not_a_tensor(answer, phrase):
    verdict = expect_tensor(answer, torch.tensor([6.0]))
    assert not verdict and "should be a tensor" in verdict.message and phrase in verdict.message


def test_expect_tensor_wrong_shape():
    verdict = expect_tensor(torch.ones(3, 2), torch.ones(2, 3))
    assert verdict.message == "Your answer has shape (3, 2), but it should have shape (2, 3)."
    assert "transposed" in verdict.nudge
    verdict = expect_tensor(torch.ones(2, 3), torch.ones(3), name="w.grad")
    assert verdict.message.startswith("w.grad has shape (2, 3)")  # a name in code keeps its case
    assert "summed back" in verdict.nudge


def test_expect_tensor_wrong_dtype():
    verdict = expect_tensor(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]), dtype=torch.float32)
    assert "dtype torch.int64" in verdict.message and "torch.float32" in verdict.message


def test_expect_tensor_names_the_wrong_entries():
    expected = torch.arange(6.0).reshape(2, 3)
    answer = expected.clone()
    answer[0, 1] = 10.0
    answer[1, 2] = 20.0
    verdict = expect_tensor(answer, expected)
    assert verdict.message == "2 of 6 entries of your answer are not right: [0, 1] is 10, [1, 2] is 20."


def test_expect_tensor_lists_at_most_three_entries():
    verdict = expect_tensor(torch.zeros(10) + 5, torch.zeros(10))
    assert "(and 7 more)" in verdict.message


def test_expect_tensor_recognises_slips():
    expected = torch.tensor([1.0, -2.0, 3.0])
    assert "sign" in expect_tensor(-expected, expected).nudge
    assert "twice" in expect_tensor(2 * expected, expected).nudge
    assert "half" in expect_tensor(expected / 2, expected).nudge
    assert "all zeros" in expect_tensor(torch.zeros(3), expected).nudge
    assert "nan" in expect_tensor(torch.tensor([1.0, float("nan"), 3.0]), expected).nudge


def test_expect_tensor_scalar_message():
    assert expect_tensor(torch.tensor(5.0), torch.tensor(6.0)).message == "Your answer is 5, which is not right."


def test_expect_tensor_accepts_tensors_requiring_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert expect_tensor(x * 2, torch.tensor([2.0, 4.0]))


# ---------------------------------------------------------------------------
# expect_value and expect_choice
# ---------------------------------------------------------------------------

def test_expect_value_numbers():
    assert expect_value(6, 6.0)
    assert expect_value(torch.tensor(6.0), 6.0)
    assert expect_value(torch.tensor([6.0]), 6.0)
    assert expect_value(6.0000001, 6.0)
    verdict = expect_value(12.0, 6.0)
    assert verdict.message == "Your answer 12 is not right." and "twice" in verdict.nudge


@pytest.mark.parametrize("answer, phrase", [
    ("6", "the text '6'"),
    ([6.0], "a list"),
    (torch.ones(3), "a tensor of shape (3,)"),
    (True, "the boolean True"),
])
def test_expect_value_wrong_types(answer, phrase):
    verdict = expect_value(answer, 6.0)
    assert not verdict and phrase in verdict.message


def test_expect_value_nan():
    assert "nan" in expect_value(float("nan"), 1.0).message


def test_expect_value_bool_and_text():
    assert expect_value(True, True)
    assert not expect_value(False, True)
    assert "True or False" in expect_value(1, True).message
    assert expect_value(" AccumulateGrad ", "accumulategrad")
    assert "a str" in expect_value(3, "AddBackward0").message


def test_expect_choice():
    explanations = {"a": "a leaf has no grad_fn.", "b": "yes: b was made by an operation."}
    assert expect_choice("b", "b", explanations).message == "yes: b was made by an operation."
    assert expect_choice(" B ", "b", explanations)
    verdict = expect_choice("a", "b", explanations)
    assert not verdict and verdict.message == "a leaf has no grad_fn."
    verdict = expect_choice("z", "b", explanations)
    assert verdict.message == "The text 'z' is not one of the choices: 'a', 'b'."


def test_expect_choice_several_valid_and_unhashable_answers():
    assert expect_choice(2, [1, 2])
    assert not expect_choice([1], [1, 2])
    assert not expect_choice(3, [1, 2])


# ---------------------------------------------------------------------------
# expect_backward: code answers checked with gradcheck
# ---------------------------------------------------------------------------

class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


class SquareMissingTwo(Square):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x


class SquareForgetsGradOutput(Square):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * x


class SquareRaises(Square):
    @staticmethod
    def backward(ctx, grad_output):
        return grad_output / undefined_name  # noqa: F821 (the error under test)


class SquareWrongShape(Square):
    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.sum()


class Cube(Square):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x


def three_numbers():
    return torch.randn(3)


def test_expect_backward_accepts_a_correct_function():
    verdict = expect_backward(Square, three_numbers, reference=lambda x: x ** 2)
    assert verdict and "gradcheck" in verdict.message


def test_expect_backward_rejects_a_wrong_gradient():
    verdict = expect_backward(SquareMissingTwo, three_numbers)
    assert not verdict and "does not match" in verdict.message and "half" in verdict.nudge


def test_expect_backward_catches_a_forgotten_grad_output():
    # correct for grad_output = 1 only: gradcheck's one-hot rows catch it
    verdict = expect_backward(SquareForgetsGradOutput, lambda: torch.randn(2))
    assert not verdict


def test_expect_backward_reports_the_error_of_the_backward():
    verdict = expect_backward(SquareRaises, three_numbers)
    assert verdict.message.startswith("The backward raised NameError")


def test_expect_backward_reports_a_wrong_gradient_shape():
    verdict = expect_backward(SquareWrongShape, three_numbers)
    assert not verdict and "shape" in verdict.message


def test_expect_backward_compares_the_forward_with_the_reference():
    verdict = expect_backward(Cube, three_numbers, reference=lambda x: x ** 2)
    assert verdict.message.startswith("The forward is not right")


def test_expect_backward_not_code():
    verdict = expect_backward(42, three_numbers)
    assert "should be a class derived from torch.autograd.Function" in verdict.message


def test_expect_backward_formula_for_one_input():
    assert expect_backward(lambda x, grad_output: grad_output * torch.cos(x), three_numbers,
                           reference=torch.sin)
    verdict = expect_backward(lambda x, grad_output: grad_output * torch.sin(x), three_numbers,
                              reference=torch.sin)
    assert not verdict


def test_expect_backward_formula_for_two_inputs():
    def product_backward(x, y, grad_output):
        return grad_output * y, grad_output * x

    def swapped(x, y, grad_output):
        return grad_output * x, grad_output * y

    def pair():
        return torch.randn(2), torch.randn(2)

    assert expect_backward(product_backward, pair, reference=lambda x, y: x * y)
    verdict = expect_backward(swapped, pair, reference=lambda x, y: x * y)
    assert not verdict and "for input 0" in verdict.message


def test_expect_backward_formula_needs_a_reference():
    with pytest.raises(TypeError, match="reference"):
        expect_backward(lambda x, g: g, three_numbers)


def test_expect_backward_uses_float64_and_restores_the_random_state():
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    assert expect_backward(Square, lambda: torch.randn(3, dtype=torch.float32))
    assert torch.equal(torch.rand(1), expected_next)


def test_expect_backward_inside_an_exercise_never_shows_a_traceback():
    exercise = Exercise("square", "Write Square", lambda answer: expect_backward(answer, three_numbers),
                        kind="code")
    assert exercise.evaluate(Square).correct
    assert str(exercise.evaluate(SquareRaises)).startswith(f"{NOT_YET} The backward raised NameError")
    assert exercise.evaluate("class Square").status == "wrong"


# ---------------------------------------------------------------------------
# small pieces
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (None, "None"),
    (torch.zeros(2, 3), "a tensor of shape (2, 3)"),
    (torch.tensor(2.5), "a 0-d tensor (2.5)"),
    (3, "the number 3"),
    ({}, "a dict"),
    (object(), "an object"),
    (Square, "the class Square"),
    (three_numbers, "the function three_numbers"),
])
def test_describe(value, text):
    assert describe(value) == text


def test_verdict_helpers():
    assert correct() and isinstance(correct(), Verdict)
    assert not wrong("no", "look at x") and wrong("no", "look at x").nudge == "look at x"
    assert "wrong('no'" in repr(wrong("no"))


def test_exercises_package_imports_no_lesson_eagerly():
    code = ("import sys, gradlab.exercises; "
            "print(sorted(m for m in sys.modules if m.startswith('gradlab.exercises.lesson')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("module_name", LESSON_MODULES)
def test_lesson_modules_import_as_plain_submodules(module_name):
    module = importlib.import_module(f"gradlab.exercises.{module_name}")
    exercises = [value for value in vars(module).values() if isinstance(value, Exercise)]
    assert 2 <= len(exercises) <= 4


def test_expect_backward_template_with_ellipsis_bodies_is_not_answered():
    class Template(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ...

        @staticmethod
        def backward(ctx, grad_output):
            ...

    class ForwardDone(Square):
        @staticmethod
        def backward(ctx, grad_output):
            ...

    exercise = Exercise("square", "Write Square", lambda answer: expect_backward(answer, three_numbers),
                        kind="code")
    assert "forward of Template returns nothing yet" in str(exercise.evaluate(Template))
    feedback = exercise.evaluate(ForwardDone)
    assert feedback.status == "not answered" and "backward of ForwardDone" in str(feedback)
    formula = Exercise("sin", "d sin", lambda answer: expect_backward(answer, three_numbers, torch.sin),
                       kind="code")
    assert formula.evaluate(lambda x, grad_output: None).status == "not answered"


# ---------------------------------------------------------------------------
# near misses, PyTorch's own tensor, long answers
# ---------------------------------------------------------------------------

def test_a_rounded_tensor_is_close_but_not_precise_enough():
    exercise = Exercise("rounded", "q", lambda a: expect_tensor(a, torch.tensor([0.72706, 1.5])))
    feedback = str(exercise.evaluate(torch.tensor([0.73, 1.5])))
    assert "close to the right values but not precise enough" in feedback
    assert "within 1e-05" in feedback and "Rounded numbers" in feedback
    assert "close" not in str(exercise.evaluate(torch.tensor([0.5, 1.5])))


def test_a_finite_difference_estimate_misses_a_tight_tolerance():
    x = torch.tensor([0.3, 1.2, -2.0], dtype=torch.float64)
    h = 1e-5
    estimate = ((x + h) * torch.sin(x + h) - (x - h) * torch.sin(x - h)) / (2 * h)
    exact = torch.sin(x) + x * torch.cos(x)
    assert "not precise enough" in str(expect_tensor(estimate, exact, atol=1e-12, rtol=1e-10).message)
    assert expect_tensor(exact, exact.clone(), atol=1e-12, rtol=1e-10)


def test_a_number_close_but_imprecise_says_the_precision_needed():
    verdict = expect_value(0.73, 0.72706, tolerance=5e-4)
    assert "close but not precise enough" in verdict.message and "0.0005" in verdict.message
    assert expect_value(-0.727, -0.72706, tolerance=5e-4)
    assert "close" not in expect_value(0.6, 0.72706, tolerance=5e-4).message


def test_pytorchs_tensor_is_recognised_with_what_to_do():
    real_torch = pytest.importorskip("torch")
    exercise = square_gradient_exercise()
    for answer in (real_torch.tensor(6.0), [real_torch.tensor(6.0)], {"x": real_torch.tensor(6.0)}):
        feedback = str(exercise.evaluate(answer))
        assert "PyTorch's tensor" in feedback and "import gradlab as torch" in feedback
    verdict = expect_tensor(real_torch.ones(2), torch.ones(2))
    assert "PyTorch's tensor" in verdict.message
    assert describe(real_torch.ones(2, 3)) == "PyTorch's tensor (torch.Tensor) of shape (2, 3)"


def test_a_huge_answer_is_shortened_in_the_feedback():
    for exercise, answer in [(square_gradient_exercise(), "x" * 10_000_000),
                             (Exercise("text", "q", lambda a: expect_value(a, "abc")), "y" * 10_000_000),
                             (Exercise("choice", "q", lambda a: expect_choice(a, ["a", "b"])), "z" * 10**7)]:
        assert len(str(exercise.evaluate(answer))) < 400


# ---------------------------------------------------------------------------
# an answer whose own code would run inside the check is refused (code_inside)
# ---------------------------------------------------------------------------

class _ReadsTheChecker(torch.Tensor):
    def detach(self):  # hands back the checker's expected tensor, found in its frames
        return torch.Tensor.detach(sys._getframe(1).f_locals["expected"])


def test_an_answer_of_a_students_own_class_is_refused_before_any_check():
    from gradlab.exercises.core import code_inside
    cheat = torch.zeros(())
    cheat.__class__ = _ReadsTheChecker
    with_method = torch.zeros(())
    with_method.detach = lambda: torch.tensor(6.0)

    class Six(float):
        pass

    for answer, words in [(cheat, "_ReadsTheChecker (made from Tensor)"),
                          (with_method, "a method of its own (detach)"),
                          (Six(6.0), "Six (made from float)"), ([1, Six(6.0)], "Six"),
                          ({"x": cheat}, "_ReadsTheChecker")]:
        feedback = str(square_gradient_exercise().evaluate(answer))
        assert feedback.startswith(NOT_YET) and "could not be checked" in feedback, feedback
        assert words in feedback and code_inside(answer)


def test_the_librarys_own_values_are_plain():
    from gradlab import nn
    from gradlab.exercises.core import code_inside
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.register_hook(lambda grad: grad)
    for value in (x, x.grad, x[:1], x.detach(), nn.Linear(2, 2).weight, torch.Size([2]),
                  torch.max(x, 0), 3, 2.5, True, "B", np.float64(1.0), np.ones(2), [x, 1], {"a": x}):
        assert code_inside(value) == "", value
    assert square_gradient_exercise().evaluate(torch.tensor(6.0)).correct
