"""gradlab.exercises.lesson07: custom Functions checked with gradcheck, never by reading code."""
import sys

import numpy as np
import pytest

import gradlab as torch
from gradlab.exercises import lesson07
from gradlab.exercises.core import CORRECT, NOT_ANSWERED, NOT_YET
from lesson_exercise_checks import endless, generic_tests, verdict


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


# gradlab.exercises.lesson07 has no EXERCISES tuple: its exercises, in the lesson's order
EXERCISES = (lesson07.cube_backward, lesson07.hypot_backward, lesson07.broken_softplus)
SOLUTION_NAMES = {"cube_backward": "Cube", "hypot_backward": "Hypot"}

(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(EXERCISES, SOLUTION_NAMES, odd_answers=["six", {"x": 1}, object()],
                  huge_answer="B" * 10_000_000,
                  endless_answers={"cube_backward": cube_with(endless),
                                   "hypot_backward": hypot_with(endless)})


def feedback(exercise, answer):
    return str(verdict(exercise, answer))


# ---------------------------------------------------------------------------
# cube_backward
# ---------------------------------------------------------------------------

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


def test_checking_leaves_the_students_random_numbers_alone():
    torch.manual_seed(123)
    expected = torch.randn(3)
    torch.manual_seed(123)
    lesson07.cube_backward.evaluate(cube_with(lambda x, g: g * 3 * x ** 2))
    assert torch.equal(torch.randn(3), expected)


# ---------------------------------------------------------------------------
# hypot_backward
# ---------------------------------------------------------------------------

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

@pytest.mark.parametrize("answer", ["b", " B "])
def test_broken_softplus_accepts_the_letter_however_written(answer):
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


# ---------------------------------------------------------------------------
# gaming: autograd, finite differences or the checker's own numbers instead of the rule
# ---------------------------------------------------------------------------

def cube_with_forward(forward_body, backward_body):
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return forward_body(ctx, x)

        @staticmethod
        def backward(ctx, grad_output):
            return backward_body(ctx, grad_output)

    return Cube


def autograd_grad(x, g):
    with torch.enable_grad():
        leaf = x.detach().requires_grad_()
        (derivative,) = torch.autograd.grad((leaf ** 3).sum(), leaf)
    return g * derivative


def backward_call(x, g):
    leaf = x.detach().requires_grad_()
    (leaf ** 3).backward(g)
    return leaf.grad


def new_leaf_then_grad(x, g):
    leaf = torch.tensor(x.tolist(), dtype=torch.float64, requires_grad=True)
    return torch.autograd.grad(leaf ** 3, leaf, g)[0]


def functional_vjp(x, g):
    return torch.autograd.functional.vjp(lambda t: t ** 3, x, g)[1]


def functional_jacobian(x, g):
    return g @ torch.autograd.functional.jacobian(lambda t: t ** 3, x)


def central_difference(x, g):
    h = 1e-6
    return g * ((x + h) ** 3 - (x - h) ** 3) / (2 * h)


def best_central_difference(x, g):
    h = 4.8e-6  # the step with the smallest error in float64
    return g * ((x + h) ** 3 - (x - h) ** 3) / (2 * h)


def reads_the_checkers_finite_differences(x, g):
    """Hands back gradcheck's own numerical Jacobian, found in the checker's frames."""
    frame = sys._getframe(1)
    while frame is not None:
        numerical = frame.f_locals.get("numerical")
        if numerical is not None:
            return g * torch.tensor(np.diag(np.asarray(numerical[0][0])).copy())
        frame = frame.f_back
    return g * 0


def returns_a_frame_reading_tensor(x, g):
    result = g * 3 * x ** 2
    result.__class__ = type("Sneaky", (torch.Tensor,), {})
    return result


@pytest.mark.parametrize("body, used", [
    (autograd_grad, "torch.enable_grad()"),
    (backward_call, "x.requires_grad_()"),
    (new_leaf_then_grad, "torch.autograd.grad()"),
    (functional_vjp, "torch.autograd.functional.vjp()"),
    (functional_jacobian, "torch.autograd.functional.jacobian()"),
])
def test_cube_backward_that_calls_autograd_is_refused(body, used):
    text = feedback(lesson07.cube_backward, cube_with(body))
    assert text.startswith(NOT_YET) and "asks for the rule itself" in text and used in text, text
    assert torch.is_grad_enabled()


def test_cube_forward_that_calls_autograd_is_refused():
    def forward(ctx, x):
        with torch.enable_grad():
            leaf = x.detach().requires_grad_()
            (derivative,) = torch.autograd.grad((leaf ** 3).sum(), leaf)
        ctx.save_for_backward(derivative)
        return x ** 3

    def backward(ctx, g):
        (derivative,) = ctx.saved_tensors
        return g * derivative

    text = feedback(lesson07.cube_backward, cube_with_forward(forward, backward))
    assert text.startswith(NOT_YET) and "asks for the rule itself" in text, text


@pytest.mark.parametrize("body", [central_difference, best_central_difference,
                                  reads_the_checkers_finite_differences])
def test_cube_backward_from_finite_differences_is_refused(body):
    text = feedback(lesson07.cube_backward, cube_with(body))
    assert text.startswith(NOT_YET) and "not the exact derivative" in text, text
    assert "finite-difference estimate" in text


def test_cube_backward_returning_its_own_class_is_refused():
    text = feedback(lesson07.cube_backward, cube_with(returns_a_frame_reading_tensor))
    assert text.startswith(NOT_YET) and "a class of your own, Sneaky" in text, text


def test_cube_backward_by_hand_with_a_detached_saved_tensor_still_passes():
    assert feedback(lesson07.cube_backward,
                    cube_with(lambda x, g: g * 3 * x.detach() ** 2)).startswith(CORRECT)


def test_cube_with_setup_context_is_checked_by_hand_too():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    assert feedback(lesson07.cube_backward, Cube).startswith(CORRECT)


def hypot_autograd(x, y, r, g):
    with torch.enable_grad():
        a, b = x.detach().requires_grad_(), y.detach().requires_grad_()
        return torch.autograd.grad(torch.sqrt(a ** 2 + b ** 2), (a, b), g)


def hypot_central_difference(x, y, r, g):
    h = 1e-6

    def f(a, b):
        return torch.sqrt(a ** 2 + b ** 2)

    return (g * (f(x + h, y) - f(x - h, y)) / (2 * h),
            g * (f(x, y + h) - f(x, y - h)) / (2 * h))


def test_hypot_backward_that_calls_autograd_is_refused():
    text = feedback(lesson07.hypot_backward, hypot_with(hypot_autograd))
    assert text.startswith(NOT_YET) and "asks for the rule itself" in text, text


def test_hypot_backward_from_finite_differences_is_refused():
    text = feedback(lesson07.hypot_backward, hypot_with(hypot_central_difference))
    assert text.startswith(NOT_YET) and "not the exact derivative" in text, text


@pytest.mark.parametrize("body", [
    lambda x, y, r, g: (g * x / torch.sqrt(x * x + y * y), g * y / torch.sqrt(x * x + y * y)),
    lambda x, y, r, g: (x / r * g, y * g / r),
])
def test_hypot_other_exact_formulas_pass(body):
    assert feedback(lesson07.hypot_backward, hypot_with(body)).startswith(CORRECT)


def test_broken_softplus_answer_that_would_run_its_own_code_is_refused():
    class Letter(str):
        def strip(self):  # hands back the checker's right choice
            return sys._getframe(2).f_locals["valid_choices"][0]

    text = feedback(lesson07.broken_softplus, Letter("Z"))
    assert text.startswith(NOT_YET) and "a class of your own, Letter" in text, text


def test_cube_backward_that_drops_to_float32_is_told_so():
    text = feedback(lesson07.cube_backward, cube_with(lambda x, g: (g * 3 * x ** 2).float()))
    assert text.startswith(NOT_YET) and "torch.float32" in text and "no .float()" in text, text
