"""Exercises for lesson 07: your own ``autograd.Function``, checked with gradcheck.

    from gradlab.exercises import lesson07 as exercises
    exercises.cube_backward.check(Cube)      # Cube: your Function, backward filled in
    exercises.hypot_backward.check(Hypot)    # two inputs, two gradients
    exercises.broken_softplus.check("A")     # which backward does gradcheck reject?

A code answer is checked as the lesson checks a backward: gradcheck on random
float64 inputs (``expect_backward``), never by reading the code. The student's
forward and backward run "by hand" (``run_by_hand``: autograd switched off, so
a backward that calls autograd is refused), and the gradients must equal the
exact derivative to about 12 significant digits, which a finite-difference
estimate does not reach. When the check fails, the student's gradients are
compared with a few typical slips (no ``grad_output``, a factor missing,
gradients swapped) to say which one it looks like.
"""
import inspect

import numpy as np

import gradlab as torch

from .core import (
    Exercise, NotAnswered, code_inside, describe, expect_backward, expect_choice, run_by_hand, wrong,
)

__all__ = ["cube_backward", "hypot_backward", "broken_softplus"]


# ---------------------------------------------------------------------------
# checking a student's Function
# ---------------------------------------------------------------------------

def _function_class(answer, expected_name):
    """``(the Function subclass, None)``, or ``(None, a wrong verdict)`` saying what was passed."""
    Function = torch.autograd.Function
    if inspect.isclass(answer) and issubclass(answer, Function):
        return answer, None
    owner = getattr(answer, "__self__", None)
    if inspect.isclass(owner) and issubclass(owner, Function):
        name = owner.__name__
        return None, wrong(f"Pass the class itself, check({name}), not {name}.{answer.__name__}.")
    if isinstance(answer, Function):
        name = type(answer).__name__
        return None, wrong(f"Pass the class itself, check({name}), not an instance {name}().",
                           "A Function is used through the class: Cube.apply(x), never Cube().")
    return None, wrong(f"Your answer should be your {expected_name} class (a subclass of "
                       f"torch.autograd.Function), but it is {describe(answer)}.")


def _by_hand(function_class):
    """``function_class`` whose forward and backward (the student's code) run by hand.

    Autograd is off while they run, as it is in PyTorch's own calls of them, and calling it back
    (``torch.autograd.grad``, ``backward()``, ``enable_grad()`` …) raises ``ByHand``: the
    exercise asks for the derivative's rule, not for autograd's answer.
    """
    def by_hand(method):
        def run(*args, **kwargs):
            return run_by_hand(method, *args, **kwargs)
        return staticmethod(run)

    methods = {"forward": by_hand(function_class.forward),
               "backward": by_hand(function_class.backward)}
    if "setup_context" in vars(function_class):
        methods["setup_context"] = by_hand(function_class.setup_context)
    return type(function_class.__name__, (function_class,), methods)


def _random_inputs(make_inputs, seed):
    """float64 inputs that require grad, drawn from their own generator (the student's seed is untouched)."""
    generator = torch.Generator().manual_seed(seed)
    return tuple(x.requires_grad_(True) for x in make_inputs(generator))


def _backward_result(function_class, inputs, grad_output):
    """What the student's backward returns, called as autograd would call it (ctx is the node)."""
    output = function_class.apply(*inputs)
    return function_class.backward(output.grad_fn, grad_output)


def _still_a_placeholder(function_class, inputs):
    """True while backward returns ``...`` (alone or in a tuple), as the notebook's template does."""
    try:
        output = function_class.apply(*inputs)
        result = function_class.backward(output.grad_fn, torch.ones_like(output))
    except Exception:  # broken code is reported by the gradcheck that follows
        return False
    values = result if isinstance(result, (tuple, list)) else (result,)
    return any(value is ... for value in values)


def _missing_gradients(function_class, inputs):
    """Positions of inputs that require grad but got None from backward."""
    try:
        output = function_class.apply(*inputs)
        result = function_class.backward(output.grad_fn, torch.ones_like(output))
    except Exception:
        return []
    values = result if isinstance(result, (tuple, list)) else (result,)
    return [position for position, (x, value) in enumerate(zip(inputs, values))
            if value is None and x.requires_grad]


def _looks_like(function_class, inputs, slips):
    """The nudge of the first slip that gives the same gradients as the student's backward."""
    generator = torch.Generator().manual_seed(99)
    try:
        output = function_class.apply(*inputs)
        grad_output = torch.rand(output.shape, generator=generator, dtype=torch.float64) + 0.5
        theirs = torch.autograd.grad(output, inputs, grad_output, allow_unused=True)
    except Exception:
        return ""
    plain = [x.detach() for x in inputs]
    for formula, nudge in slips:
        expected = formula(*plain, grad_output)
        expected = expected if isinstance(expected, tuple) else (expected,)
        if all(g is not None and tuple(g.shape) == tuple(e.shape)
               and np.allclose(g.numpy(), e.numpy(), rtol=1e-6, atol=1e-9)
               for g, e in zip(theirs, expected)):
            return nudge
    return ""


PRECISION = 1e-12  # relative: exact formulas agree to ~1e-15, the best finite difference to ~1e-11


def _precise(function_class, make_inputs, exact):
    """Wrong unless the backward's gradients equal the exact derivative to ``PRECISION``."""
    inputs = _random_inputs(make_inputs, seed=5)
    generator = torch.Generator().manual_seed(6)
    output = function_class.apply(*inputs)
    grad_output = torch.rand(output.shape, generator=generator, dtype=torch.float64) + 0.5
    theirs = function_class.backward(output.grad_fn, grad_output)  # the student's backward, by hand
    theirs = theirs if isinstance(theirs, (tuple, list)) else (theirs,)
    for value in theirs:
        problem = code_inside(value)
        if problem:
            return wrong(f"What {function_class.__name__}.backward returned could not be checked: "
                         f"{problem}")
    expected = exact(*[x.detach() for x in inputs], grad_output)  # made after the student's code ran
    expected = expected if isinstance(expected, tuple) else (expected,)
    for position, (value, right) in enumerate(zip(theirs, expected)):
        if isinstance(value, torch.Tensor) and value.dtype != right.dtype:
            return wrong(f"Your backward turns float64 gradients into {value.dtype}: gradcheck "
                         "passes, but the numbers lose their precision.",
                         "Keep the dtype of grad_output and of the saved tensors (no .float()).")
        if not (isinstance(value, torch.Tensor) and tuple(value.shape) == tuple(right.shape)
                and np.allclose(value.detach().double().numpy(), right.numpy(), rtol=PRECISION,
                                atol=PRECISION * 1e-2)):
            where = f" for input {position}" if len(expected) > 1 else ""
            return wrong(f"The gradient from your backward{where} is not the exact derivative: "
                         f"a formula for it agrees to about 12 significant digits (a relative "
                         f"difference below {PRECISION:g}), an estimate does not.",
                         "A finite-difference estimate, (f(x + h) − f(x − h)) / 2h, is only close: "
                         "write the derivative's formula, times grad_output.")
    return None


def _check_function(answer, expected_name, make_inputs, reference, exact, slips):
    function_class, problem = _function_class(answer, expected_name)
    if problem is not None:
        return problem
    function_class = _by_hand(function_class)
    inputs = _random_inputs(make_inputs, seed=0)
    if _still_a_placeholder(function_class, inputs):
        raise NotAnswered(f"replace the ... in {function_class.__name__}.backward with your "
                          "gradient, then run the cell again.")
    # expect_backward seeds the global generator for each of its trials
    missing = _missing_gradients(function_class, inputs)
    if missing:
        return wrong(f"{function_class.__name__}.backward returned None for input {missing[0]}, "
                     "which requires grad.",
                     "None means \"no gradient\"; return a tensor for every input that needs one.")
    verdict = expect_backward(function_class, lambda: make_inputs(None), reference)
    if verdict:
        imprecise = _precise(function_class, make_inputs, exact)
        return verdict if imprecise is None else imprecise
    nudge = _looks_like(function_class, inputs, slips)
    return wrong(verdict.message, nudge or verdict.nudge)


# ---------------------------------------------------------------------------
# 1. the backward of x³
# ---------------------------------------------------------------------------

def _cube_inputs(generator):
    return (torch.randn(5, generator=generator, dtype=torch.float64),)


_CUBE_SLIPS = (
    (lambda x, g: 3 * x ** 2,
     "Your backward returns the local derivative 3x² alone: multiply it by grad_output "
     "(the chain rule), or any loss other than y.sum() gets the wrong gradient."),
    (lambda x, g: g * x ** 2,
     "The factor 3 is missing: the derivative of x³ is 3x²."),
    (lambda x, g: g * 3 * x,
     "Check the power: the derivative of x³ is 3x², not 3x."),
    (lambda x, g: g * x ** 3,
     "That is grad_output times the forward value x³; backward needs the derivative, 3x²."),
    (lambda x, g: -g * 3 * x ** 2,
     "The size is right but the sign is flipped."),
)


def _check_cube(answer):
    return _check_function(answer, "Cube", _cube_inputs, lambda x: x ** 3,
                           lambda x, g: g * 3 * x ** 2, _CUBE_SLIPS)


cube_backward = Exercise(
    "cube_backward",
    "Complete Cube.backward so that Cube.apply(x) = x³ has the right gradient.",
    _check_cube,
    hints=(
        "backward receives grad_output = dL/dy and must return dL/dx = grad_output · dy/dx.",
        "dy/dx for y = x³ is 3x². forward saved x, so backward can read it from ctx.saved_tensors.",
        "(x,) = ctx.saved_tensors, then return grad_output * 3 * x ** 2",
    ),
    solution=(
        "class Cube(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, x):\n"
        "        ctx.save_for_backward(x)\n"
        "        return x ** 3\n"
        "\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad_output):\n"
        "        (x,) = ctx.saved_tensors\n"
        "        return grad_output * 3 * x ** 2"
    ),
    kind="code",
)


# ---------------------------------------------------------------------------
# 2. two inputs: hypot(x, y) = sqrt(x² + y²)
# ---------------------------------------------------------------------------

def _hypot_inputs(generator):
    # |x| ≥ 0.5 keeps the length away from 0, where hypot has a corner
    sign = torch.where(torch.rand(4, generator=generator) < 0.5, -1.0, 1.0).double()
    x = sign * (torch.rand(4, generator=generator, dtype=torch.float64) + 0.5)
    y = torch.randn(4, generator=generator, dtype=torch.float64)
    return x, y


def _hypot(x, y):
    return torch.sqrt(x ** 2 + y ** 2)


_HYPOT_SLIPS = (
    (lambda x, y, g: (g * y / _hypot(x, y), g * x / _hypot(x, y)),
     "The two gradients are swapped: return them in the order of forward's arguments, "
     "(gradient for x, gradient for y)."),
    (lambda x, y, g: (x / _hypot(x, y), y / _hypot(x, y)),
     "Your backward leaves out grad_output: multiply both local derivatives by it."),
    (lambda x, y, g: (g * x, g * y),
     "Divide by the length r = sqrt(x² + y²): ∂r/∂x = x / r and ∂r/∂y = y / r."),
    (lambda x, y, g: (g * 2 * x, g * 2 * y),
     "That is the gradient of x² + y²; the square root adds the factor 1 / (2r), so ∂r/∂x = x / r."),
    (lambda x, y, g: (g * x / (2 * _hypot(x, y)), g * y / (2 * _hypot(x, y))),
     "Half the right value: the 2 of d(x²)/dx = 2x cancels the 1/2 of the square root, "
     "so ∂r/∂x = x / r."),
    (lambda x, y, g: (g * _hypot(x, y) / x, g * _hypot(x, y) / y),
     "Upside down: ∂r/∂x = x / r, not r / x."),
)


def _check_hypot(answer):
    return _check_function(answer, "Hypot", _hypot_inputs, _hypot,
                           lambda x, y, g: (g * x / _hypot(x, y), g * y / _hypot(x, y)), _HYPOT_SLIPS)


hypot_backward = Exercise(
    "hypot_backward",
    "Complete Hypot.backward: Hypot.apply(x, y) = sqrt(x² + y²) needs a gradient for x and for y.",
    _check_hypot,
    hints=(
        "backward returns one gradient per argument of forward, in the same order: "
        "return grad_x, grad_y.",
        "With r = sqrt(x² + y²): ∂r/∂x = x / r and ∂r/∂y = y / r. forward saved x, y and r.",
        "x, y, r = ctx.saved_tensors; return grad_output * x / r, grad_output * y / r",
    ),
    solution=(
        "class Hypot(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, x, y):\n"
        "        r = torch.sqrt(x ** 2 + y ** 2)\n"
        "        ctx.save_for_backward(x, y, r)\n"
        "        return r\n"
        "\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad_output):\n"
        "        x, y, r = ctx.saved_tensors\n"
        "        grad_x = grad_output * x / r if ctx.needs_input_grad[0] else None\n"
        "        grad_y = grad_output * y / r if ctx.needs_input_grad[1] else None\n"
        "        return grad_x, grad_y"
    ),
    kind="code",
)


# ---------------------------------------------------------------------------
# 3. find the broken backward with gradcheck
# ---------------------------------------------------------------------------

_SOFTPLUS_EXPLANATIONS = {
    "A": "A returns grad_output · sigmoid(x), and sigmoid is exactly the derivative of "
         "log(1 + eˣ): gradcheck passes it.",
    "B": "B returns grad_output · sigmoid(−x): that is the slope of softplus(−x), mirrored. "
         "gradcheck's analytical Jacobian disagrees with the numerical one.",
    "C": "C returns grad_output / (1 + e⁻ˣ), which is sigmoid(x) written out: gradcheck passes it.",
}


def _check_broken_softplus(answer):
    if inspect.isclass(answer) and answer.__name__.startswith("Softplus"):
        answer = answer.__name__[len("Softplus"):]  # the class SoftplusB counts as "B"
    if not isinstance(answer, str):
        return wrong(f"Answer with a letter, \"A\", \"B\" or \"C\"; your answer is {describe(answer)}.")
    return expect_choice(answer, "B", _SOFTPLUS_EXPLANATIONS)


broken_softplus = Exercise(
    "broken_softplus",
    "SoftplusA, SoftplusB and SoftplusC claim to compute log(1 + eˣ). Which one has a wrong backward?",
    _check_broken_softplus,
    hints=(
        "Run torch.autograd.gradcheck(SoftplusA.apply, (x,), raise_exception=False) "
        "for each of them, with x a float64 tensor that requires grad.",
        "Exactly one of them returns False.",
    ),
    solution=(
        "answer = \"B\"\n"
        "# for name, F in [(\"A\", SoftplusA), (\"B\", SoftplusB), (\"C\", SoftplusC)]:\n"
        "#     print(name, torch.autograd.gradcheck(F.apply, (x,), raise_exception=False))\n"
        "# B's backward uses sigmoid(-x); the derivative of log(1 + exp(x)) is sigmoid(x)."
    ),
    kind="choice",
)
