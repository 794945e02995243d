"""gradlab.exercises.lesson07: custom Functions checked with gradcheck, never by reading code."""
import pytest

import gradlab as torch
from gradlab.exercises import lesson07
from gradlab.exercises.core import CORRECT, NOT_ANSWERED, NOT_YET


def cube_with(backward_body):
    """A Cube Function as the notebook has it, with ``backward_body(x, grad_output)`` filled in."""
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return backward_body(x, grad_output)

    return Cube


def hypot_with(backward_body):
    """A Hypot Function as the notebook has it, with ``backward_body(x, y, r, grad_output)``."""
    class Hypot(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            r = torch.sqrt(x ** 2 + y ** 2)
            ctx.save_for_backward(x, y, r)
            return r

        @staticmethod
        def backward(ctx, grad_output):
            x, y, r = ctx.saved_tensors
            return backward_body(x, y, r, grad_output)

    return Hypot


def feedback(exercise, answer):
    exercise.reset()
    return str(exercise.evaluate(answer))


def solution_namespace(exercise):
    namespace = {"torch": torch}
    exec(exercise.solution_text, namespace)  # the solution a student is shown must itself pass
    return namespace


# ---------------------------------------------------------------------------
# cube_backward
# ---------------------------------------------------------------------------

def test_cube_solution_is_correct():
    namespace = solution_namespace(lesson07.cube_backward)
    assert feedback(lesson07.cube_backward, namespace["Cube"]).startswith(CORRECT)


@pytest.mark.parametrize("body", [
    lambda x, g: g * 3 * x ** 2,
    lambda x, g: 3 * x * x * g,
    lambda x, g: g * (x ** 3) * 3 / x,  # another formula: gradcheck judges values, not code
])
def test_cube_any_correct_formula_passes(body):
    assert feedback(lesson07.cube_backward, cube_with(body)).startswith(CORRECT)


@pytest.mark.parametrize("body, words", [
    (lambda x, g: 3 * x ** 2, "multiply it by grad_output"),
    (lambda x, g: g * x ** 2, "factor 3 is missing"),
    (lambda x, g: g * 3 * x, "3x², not 3x"),
    (lambda x, g: g * x ** 3, "forward value"),
    (lambda x, g: -g * 3 * x ** 2, "sign is flipped"),
    (lambda x, g: g * 3 * x ** 2 + 0.01, "finite-difference"),
])
def test_cube_typical_mistakes_are_named(body, words):
    text = feedback(lesson07.cube_backward, cube_with(body))
    assert text.startswith(NOT_YET) and words in text, text


def test_cube_template_is_not_answered():
    text = feedback(lesson07.cube_backward, cube_with(lambda x, g: ...))
    assert text.startswith(NOT_ANSWERED) and "Cube.backward" in text


@pytest.mark.parametrize("body, words", [
    (lambda x, g: (g, g), "incorrect number of gradients"),
    (lambda x, g: "3x^2", "str"),
    (lambda x, g: 1 / 0, "ZeroDivisionError"),
    (lambda x, g: g.sum(), "shape"),
])
def test_cube_broken_code_gets_a_sentence(body, words):
    text = feedback(lesson07.cube_backward, cube_with(body))
    assert text.startswith(NOT_YET) and words in text and "Traceback" not in text, text


def test_cube_wrong_types_get_a_plain_sentence():
    Cube = cube_with(lambda x, g: g * 3 * x ** 2)
    assert "not Cube.apply" in feedback(lesson07.cube_backward, Cube.apply)
    assert "not an instance" in feedback(lesson07.cube_backward, Cube())
    assert "the number 3" in feedback(lesson07.cube_backward, 3)
    assert feedback(lesson07.cube_backward, ...).startswith(NOT_ANSWERED)


def test_checking_leaves_the_students_random_numbers_alone():
    torch.manual_seed(123)
    expected = torch.randn(3)
    torch.manual_seed(123)
    lesson07.cube_backward.evaluate(cube_with(lambda x, g: g * 3 * x ** 2))
    assert torch.equal(torch.randn(3), expected)


def test_cube_hints_are_progressive_then_run_out(capsys):
    exercise = lesson07.cube_backward
    exercise.reset()
    for number in range(1, len(exercise.hints) + 1):
        exercise.hint()
        assert capsys.readouterr().out.startswith(f"Hint {number} of {len(exercise.hints)}")
    exercise.hint()
    assert "No more hints" in capsys.readouterr().out
    exercise.reset()


# ---------------------------------------------------------------------------
# hypot_backward
# ---------------------------------------------------------------------------

def test_hypot_solution_is_correct():
    namespace = solution_namespace(lesson07.hypot_backward)
    assert feedback(lesson07.hypot_backward, namespace["Hypot"]).startswith(CORRECT)


@pytest.mark.parametrize("body, words", [
    (lambda x, y, r, g: (g * y / r, g * x / r), "swapped"),
    (lambda x, y, r, g: (x / r, y / r), "leaves out grad_output"),
    (lambda x, y, r, g: (g * x, g * y), "Divide by the length"),
    (lambda x, y, r, g: (g * 2 * x, g * 2 * y), "gradient of x² + y²"),
    (lambda x, y, r, g: (g * x / (2 * r), g * y / (2 * r)), "Half the right value"),
    (lambda x, y, r, g: (g * r / x, g * r / y), "Upside down"),
    (lambda x, y, r, g: (g * x / r, None), "returned None for input 1"),
    (lambda x, y, r, g: g * x / r, "incorrect number of gradients"),
])
def test_hypot_typical_mistakes_are_named(body, words):
    text = feedback(lesson07.hypot_backward, hypot_with(body))
    assert text.startswith(NOT_YET) and words in text, text


@pytest.mark.parametrize("body", [lambda x, y, r, g: ..., lambda x, y, r, g: (..., ...),
                                  lambda x, y, r, g: (g * x / r, ...)])
def test_hypot_template_is_not_answered(body):
    assert feedback(lesson07.hypot_backward, hypot_with(body)).startswith(NOT_ANSWERED)


def test_hypot_wrong_forward_is_reported():
    class Hypot(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x ** 2 + y ** 2

        @staticmethod
        def backward(ctx, grad_output):
            x, y = ctx.saved_tensors
            return grad_output * 2 * x, grad_output * 2 * y

    text = feedback(lesson07.hypot_backward, Hypot)
    assert text.startswith(NOT_YET) and "forward" in text


# ---------------------------------------------------------------------------
# broken_softplus
# ---------------------------------------------------------------------------

def test_broken_softplus_solution_and_the_answer_from_gradcheck():
    namespace = solution_namespace(lesson07.broken_softplus)
    assert feedback(lesson07.broken_softplus, namespace["answer"]).startswith(CORRECT)
    for answer in ("b", " B "):
        assert feedback(lesson07.broken_softplus, answer).startswith(CORRECT)


def test_broken_softplus_really_is_what_gradcheck_finds():
    """The notebook's three candidates: only B fails gradcheck."""
    def softplus_with(derivative):
        class Softplus(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return torch.log(1 + torch.exp(x))

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                return grad_output * derivative(x)
        return Softplus

    candidates = {"A": torch.sigmoid, "B": lambda x: torch.sigmoid(-x),
                  "C": lambda x: 1 / (1 + torch.exp(-x))}
    torch.manual_seed(0)
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    passed = {name: torch.autograd.gradcheck(softplus_with(d).apply, (x,), raise_exception=False)
              for name, d in candidates.items()}
    assert passed == {"A": True, "B": False, "C": True}


@pytest.mark.parametrize("answer, words", [("A", "gradcheck passes"), ("C", "gradcheck passes"),
                                           ("D", "not one of the choices"), (2, "a letter")])
def test_broken_softplus_wrong_answers_explain(answer, words):
    text = feedback(lesson07.broken_softplus, answer)
    assert text.startswith(NOT_YET) and words in text, text


def test_broken_softplus_accepts_the_class_itself():
    class SoftplusB(torch.autograd.Function):
        pass

    class SoftplusA(torch.autograd.Function):
        pass

    assert feedback(lesson07.broken_softplus, SoftplusB).startswith(CORRECT)
    assert feedback(lesson07.broken_softplus, SoftplusA).startswith(NOT_YET)


def test_broken_softplus_placeholder():
    assert feedback(lesson07.broken_softplus, ...).startswith(NOT_ANSWERED)
