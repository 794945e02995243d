"""Exercises that answer at once: a question, a checker, hints and a solution.

A lesson module (``gradlab/exercises/lesson01.py``) defines its exercises::

    gradient_of_square = Exercise(
        "gradient_of_square",
        "What is x.grad after y = x ** 2; y.backward() at x = 3?",
        lambda answer: expect_tensor(answer, gradlab.tensor(6.0)),
        hints=("The derivative of x² is 2x.", "Evaluate 2x at x = 3."),
        solution="answer = x.grad   # tensor(6.)",
    )

and the notebook uses it::

    exercises.gradient_of_square.check(answer)   # ✓ Correct / ✗ Not yet: … / … Not answered yet: …
    exercises.gradient_of_square.hint()          # the next hint
    exercises.gradient_of_square.solution()

A checker takes the student's answer and returns a ``Verdict`` (``correct()``
or ``wrong(message, nudge)``); the ``expect_*`` helpers build the common ones
with plain-sentence messages. ``Exercise.check`` turns anything else —
a placeholder ``...``, an exception inside the checker or the student's
code — into a sentence: a student never sees a checker's traceback.
"""
import inspect
import math
import sys
import types

import numpy as np

from .classroom import HIDDEN_MESSAGE, solutions_hidden
from .student_code import (
    TIME_LIMIT, ByHand, StudentCodeStopped, TimeLimitExceeded, run_by_hand, run_with_time_limit,
    time_limit,
)

__all__ = [
    "TIME_LIMIT", "ByHand", "Exercise", "Feedback", "NotAnswered", "TimeLimitExceeded", "Verdict",
    "code_inside", "correct", "describe", "expect_backward", "expect_choice", "expect_function",
    "expect_tensor", "expect_value", "is_pytorch_tensor", "run_by_hand", "run_with_time_limit", "wrong",
]

CORRECT = "✓ Correct"
NOT_YET = "✗ Not yet:"
NOT_ANSWERED = "… Not answered yet:"


# ---------------------------------------------------------------------------
# verdicts (what a checker returns) and feedback (what the student sees)
# ---------------------------------------------------------------------------

class NotAnswered(Exception):
    """Raise from a checker when the answer is still (partly) a placeholder."""


class Verdict:
    """A checker's decision. Truthy when correct, so checkers can chain helpers::

        verdict = expect_tensor(answer, expected)
        if not verdict:
            return verdict
    """

    __slots__ = ("correct", "message", "nudge")

    def __init__(self, correct, message="", nudge=""):
        self.correct = bool(correct)
        self.message = str(message)
        self.nudge = str(nudge)

    def __bool__(self):
        return self.correct

    def __repr__(self):
        if self.correct:
            return f"correct({self.message!r})"
        return f"wrong({self.message!r}, nudge={self.nudge!r})"


def correct(message=""):
    """The answer is right; ``message`` may add why it matters."""
    return Verdict(True, message)


def wrong(message, nudge=""):
    """The answer is not right: ``message`` says what is wrong, ``nudge`` where to look."""
    return Verdict(False, message, nudge)


class Feedback:
    """What ``Exercise.check`` printed. ``str(feedback)`` is the text.

    ``status`` is "correct", "wrong", "not answered" or "error" (the answer
    could not be checked); ``bool(feedback)`` is True only when correct.
    """

    def __init__(self, status, message, nudge=""):
        self.status = status
        self.message = message
        self.nudge = nudge

    @property
    def correct(self):
        return self.status == "correct"

    def __bool__(self):
        return self.correct

    def __str__(self):
        if self.status == "correct":
            text = f"{CORRECT} — {self.message}" if self.message else f"{CORRECT}!"
        elif self.status == "not answered":
            text = f"{NOT_ANSWERED} {self.message}"
        else:
            text = f"{NOT_YET} {self.message}"
        if self.nudge:
            text += f"\n  → {self.nudge}"
        return text

    def __repr__(self):
        return f"<Feedback {self.status}: {str(self)!r}>"

    def _ipython_display_(self):
        # check() has already printed the text; showing it again as Out[n] would repeat it.
        pass


# ---------------------------------------------------------------------------
# the exercise
# ---------------------------------------------------------------------------

class Exercise:
    """One exercise: ``check(answer)``, ``hint()`` (progressive), ``solution()``.

    ``checker(answer)`` returns a Verdict (``correct()``/``wrong()``, or a bool);
    it may raise ``NotAnswered``. ``kind`` is "value" (a value or tensor),
    "code" (a function or ``autograd.Function`` the student wrote) or
    "choice"; it only changes the wording of messages. ``...`` and None
    count as "not answered yet" unless ``none_is_an_answer=True`` (for
    questions whose right answer may be None, such as "what is b.grad?").
    The whole check, the student's code included, stops after ``time_limit``
    seconds (``TIME_LIMIT`` by default) with a sentence saying so.
    """

    def __init__(self, name, question, checker, hints=(), solution="", *, kind="value",
                 none_is_an_answer=False, time_limit=None):
        if kind not in ("value", "code", "choice"):
            raise ValueError(f"kind must be 'value', 'code' or 'choice', not {kind!r}")
        self.name = name
        self.question = question
        self.checker = checker
        self.hints = tuple(hints)
        self.solution_text = solution
        self.kind = kind
        self.none_is_an_answer = none_is_an_answer
        self.time_limit = TIME_LIMIT if time_limit is None else time_limit
        self.hints_shown = 0

    def __repr__(self):
        return f"<Exercise {self.name}: {self.question}>"

    def evaluate(self, answer=...):
        """The Feedback for ``answer``, without printing it (used by check and by tests)."""
        if answer is ... or (answer is None and not self.none_is_an_answer):
            return Feedback("not answered", _placeholder_message(self.kind))
        if _holds_pytorch_tensor(answer):
            return Feedback("wrong", _capitalised(PYTORCH_TENSOR), PYTORCH_TENSOR_NUDGE)
        if _written_with_pytorch(answer):
            return Feedback("wrong", _capitalised(PYTORCH_CODE), PYTORCH_TENSOR_NUDGE)
        problem = code_inside(answer)
        if problem:
            return Feedback("wrong", f"Your answer could not be checked: {problem}", OWN_CODE_NUDGE)
        try:
            with time_limit(self.time_limit):
                verdict = self.checker(answer)
        except StudentCodeStopped as stop:  # an endless loop, or autograd in a "by hand" exercise
            return Feedback("wrong", _capitalised(str(stop)), stop.nudge)
        except NotAnswered as reason:
            return Feedback("not answered", str(reason) or _placeholder_message(self.kind))
        except Exception as error:  # the student's code or an odd answer: a sentence, no traceback
            return Feedback("error", f"{_could_not_check(self.kind)}: {_one_line(error)}",
                            _error_nudge(self.kind))
        if isinstance(verdict, (bool, np.bool_)):
            verdict = Verdict(bool(verdict), "" if verdict else "that is not the right answer.")
        if not isinstance(verdict, Verdict):
            return Feedback("error", f"the checker of {self.name} gave no verdict "
                                     f"(it returned {describe(verdict)}); please report this.")
        if verdict.correct:
            return Feedback("correct", verdict.message)
        nudge = verdict.nudge
        if not nudge and self.hints and self.hints_shown < len(self.hints):
            nudge = f"Stuck? exercises.{self.name}.hint() gives a hint."
        return Feedback("wrong", verdict.message, nudge)

    def check(self, answer=...):
        """Check ``answer``, print the feedback and return it."""
        feedback = self.evaluate(answer)
        print(feedback)
        return feedback

    def next_hint(self):
        """The text ``hint()`` prints: the next hint, or that there are no more."""
        if not self.hints:
            return f"There is no hint for this exercise; exercises.{self.name}.solution() shows the solution."
        if self.hints_shown >= len(self.hints):
            return (f"No more hints ({len(self.hints)} shown above); "
                    f"exercises.{self.name}.solution() shows the solution.")
        self.hints_shown += 1
        return f"Hint {self.hints_shown} of {len(self.hints)}: {self.hints[self.hints_shown - 1]}"

    def hint(self):
        """Print the next hint (one more each call)."""
        print(self.next_hint())

    def solution(self):
        """Print the solution (unless the class hides solutions: see ``classroom``)."""
        if solutions_hidden():
            print(HIDDEN_MESSAGE.format(name=self.name))
            return
        print(f"Solution:\n{self.solution_text}" if self.solution_text
              else "This exercise has no written solution.")

    def reset(self):
        """Forget the hints shown (start over)."""
        self.hints_shown = 0


PYTORCH_WHY = "in these lessons `torch` is gradlab, and the checks read gradlab's tensors."
PYTORCH_TENSOR = f"this is PyTorch's tensor (torch.Tensor): {PYTORCH_WHY}"
PYTORCH_CODE = (f"your code uses PyTorch itself (`torch` is the real PyTorch where it was written): "
                f"{PYTORCH_WHY}")
PYTORCH_TENSOR_NUDGE = ("Run the lesson's first cell (import gradlab as torch), then the cells that make "
                        "your answer, and check again.")


OWN_CODE_NUDGE = ("Make it with the library's own tools: torch.tensor([...]), x.grad, a number "
                  "or a str.")


def is_pytorch_tensor(value):
    """True for a tensor of the real PyTorch (``torch.Tensor`` or a subclass such as Parameter)."""
    return any(cls.__name__ == "Tensor" and cls.__module__ in ("torch", "torch._tensor")
               for cls in type(value).__mro__)


def _written_with_pytorch(answer):
    """True for a function or class whose ``torch`` is the real PyTorch (a cell run before
    ``import gradlab as torch``, or after ``import torch``)."""
    if not callable(answer):
        return False
    if inspect.isclass(answer):
        module = sys.modules.get(getattr(answer, "__module__", None) or "")
        namespace = vars(module) if module is not None else {}
    else:
        namespace = getattr(answer, "__globals__", None) or {}
    torch = namespace.get("torch") if isinstance(namespace, dict) else None
    return getattr(torch, "__name__", None) == "torch" and hasattr(torch, "_C")


def _holds_pytorch_tensor(answer):
    if is_pytorch_tensor(answer):
        return True
    if isinstance(answer, (tuple, list)):
        return any(is_pytorch_tensor(item) for item in answer[:100])
    if isinstance(answer, dict):
        return any(is_pytorch_tensor(item) for item in list(answer.values())[:100])
    return False


# an answer is read, never run: a value whose own code could run inside a check (and look around
# the checker with inspect, or hand back what it finds there) is refused before any check
_PLAIN_BASES = (int, float, complex, str, bytes, list, tuple, dict, set, frozenset, np.ndarray,
                np.generic)


def _made_by_the_library(cls):
    module = getattr(cls, "__module__", None) or ""
    return module in ("builtins", "numpy", "gradlab") or module.startswith(("numpy.", "gradlab."))


def code_inside(value, _depth=0):
    """A sentence when ``value`` would run code of the student's while a check reads it, else "".

    That is a student's own subclass of a tensor, number, text or container (its methods run
    when the check reads it), a tensor carrying methods of its own (``t.detach = ...``) or odd
    storage, or a container holding one. Checkers call it on what a student's function returns.
    """
    Tensor = _tensor_type()
    cls = type(value)  # type(), not isinstance(): a __class__ property cannot pretend here
    if issubclass(cls, (Tensor,) + _PLAIN_BASES) and not _made_by_the_library(cls):
        made_from = next((base.__name__ for base in cls.__mro__[1:] if _made_by_the_library(base)),
                         "object")
        return (f"it is an object of a class of your own, {cls.__name__} (made from {made_from}); "
                "a check only reads plain values, so answer with an ordinary one.")
    if issubclass(cls, Tensor):
        data = Tensor.__dict__["_data"].__get__(value, Tensor)
        if type(data) is not np.ndarray or data.dtype.kind not in "biufc":
            return "it is a tensor whose storage was replaced; answer with an ordinary tensor."
        own = [name for name, item in Tensor.__dict__["__dict__"].__get__(value, Tensor).items()
               if callable(item) and not isinstance(item, Tensor)
               and isinstance(inspect.getattr_static(Tensor, name, None),
                              (types.FunctionType, property, staticmethod, classmethod))]
        if own:
            return (f"it is a tensor with a method of its own ({own[0]}); answer with an "
                    "ordinary tensor.")
        return ""
    if _depth < 2 and cls in (list, tuple, set, frozenset, dict):
        items = list(value.values() if cls is dict else value)[:100]
        if cls is dict:
            items += list(value)[:100]
        for item in items:
            problem = code_inside(item, _depth + 1)
            if problem:
                return problem
    return ""


def _capitalised(text):
    return text[:1].upper() + text[1:]


def _sentence_start(name):
    """``name`` to open a sentence: "your answer" → "Your answer"; code (``dW``, ``f(x)``) as it is."""
    return _capitalised(name) if name.split(" ", 1)[0] in ("your", "the", "a", "an") else name


def _placeholder_message(kind):
    what = {"code": "your code", "choice": "your choice"}.get(kind, "your answer")
    return f"replace ... with {what}, then run the cell again."


def _could_not_check(kind):
    return "Your code raised an error" if kind == "code" else "Your answer could not be checked"


def _error_nudge(kind):
    if kind == "code":
        return "Run your code on a small example in a cell of its own to see the full error."
    return "Check what your answer is: print(answer) and type(answer)."


def _one_line(error):
    text = str(error).strip().splitlines()
    text = text[0] if text else ""
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# ---------------------------------------------------------------------------
# describing and comparing answers
# ---------------------------------------------------------------------------

def _tensor_type():
    from ..tensor import Tensor
    return Tensor


def _shape_text(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def describe(value):
    """A short phrase for a value: "a tensor of shape (2, 3)", "the number 3.5", "a list"."""
    Tensor = _tensor_type()
    if value is None:
        return "None"
    if value is ...:
        return "... (the placeholder)"
    if isinstance(value, Tensor):
        if value.ndim == 0:
            return f"a 0-d tensor ({_format_number(value.item())})"
        return f"a tensor of shape {_shape_text(value.shape)}"
    if isinstance(value, (bool, np.bool_)):
        return f"the boolean {bool(value)}"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"the number {_format_number(value)}"
    if isinstance(value, str):
        return f"the text {shortened(value, 40)!r}"
    if is_pytorch_tensor(value):
        return f"PyTorch's tensor (torch.Tensor) of shape {_shape_text(tuple(value.shape))}"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {_shape_text(value.shape)}"
    if inspect.isclass(value):
        return f"the class {value.__name__}"
    if callable(value):
        return f"the function {getattr(value, '__name__', type(value).__name__)}"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _format_number(value):
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.6g}"


IMPRECISE_NUDGE = ("Rounded numbers or a finite-difference estimate are not exact: keep the full "
                   "values (use the tensor itself) or write the exact rule.")


def _close_but_imprecise(answer, expected, atol, rtol):
    """Within 1% (or 1e-3) of ``expected`` everywhere, though not within the tolerance."""
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.isclose(answer, expected, atol=max(10 * atol, 1e-3),
                                      rtol=max(10 * rtol, 1e-2), equal_nan=True)))


def _precision_needed(atol, rtol):
    if atol == rtol:
        return f"it must be within {atol:g} of the right answer (or {rtol:g} of its size)"
    return f"each entry must be within {atol:g} of the right value (or {rtol:g} of its size)"


def shortened(text, limit=80):
    """``text`` cut to ``limit`` characters with "...", to quote a student's answer in feedback."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _relation(answer, expected, atol, rtol):
    """A nudge when the answer is a recognisable slip of the expected value."""
    if np.all(expected == 0):
        return ""
    if np.allclose(answer, -expected, atol=atol, rtol=rtol):
        return "The size is right but the sign is flipped."
    if np.allclose(answer, 2 * expected, atol=atol, rtol=rtol):
        return "It is twice the right value."
    if np.allclose(answer, expected / 2, atol=atol, rtol=rtol):
        return "It is half the right value."
    if np.all(answer == 0):
        return "It is all zeros: is the gradient flowing at all?"
    return ""


def _index_text(index):
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def expect_tensor(answer, expected, *, name="your answer", atol=1e-5, rtol=1e-4, dtype=None):
    """Correct when ``answer`` is a tensor of ``expected``'s shape (and ``dtype``) and values."""
    Tensor = _tensor_type()
    Name = _sentence_start(name)
    if is_pytorch_tensor(answer):
        return wrong(f"{Name} is PyTorch's tensor (torch.Tensor): {PYTORCH_WHY}", PYTORCH_TENSOR_NUDGE)
    if not isinstance(answer, Tensor):
        nudge = ("Make it a tensor, e.g. torch.tensor(...)."
                 if isinstance(answer, (int, float, list, tuple, np.ndarray)) else "")
        return wrong(f"{Name} should be a tensor, but it is {describe(answer)}.", nudge)
    expected_array = (expected.detach().numpy() if isinstance(expected, Tensor)
                      else np.asarray(expected))
    answer_array = answer.detach().numpy()
    if answer_array.shape != expected_array.shape:
        message = (f"{Name} has shape {_shape_text(answer_array.shape)}, but it should have shape "
                   f"{_shape_text(expected_array.shape)}.")
        nudge = ""
        if answer_array.ndim == 2 and answer_array.T.shape == expected_array.shape:
            nudge = "It looks transposed."
        elif answer_array.size == expected_array.size:
            nudge = "The number of entries is right: check how you reshaped or reduced it."
        elif answer_array.size > expected_array.size:
            nudge = "A gradient has the shape of the tensor it belongs to: was something not summed back?"
        return wrong(message, nudge)
    if dtype is not None and answer.dtype != dtype:
        return wrong(f"{Name} has dtype {answer.dtype}, but it should be {dtype}.",
                     "Gradients exist only for floating-point tensors." if dtype.is_floating_point else "")
    if answer_array.dtype == np.bool_ or expected_array.dtype == np.bool_:
        matches = answer_array == expected_array
    else:
        answer_float = answer_array.astype(np.float64)
        expected_float = expected_array.astype(np.float64)
        matches = np.isclose(answer_float, expected_float, atol=atol, rtol=rtol, equal_nan=True)
    if matches.all():
        return correct()
    if answer_array.dtype != np.bool_ and expected_array.dtype != np.bool_ and _close_but_imprecise(
            answer_float, expected_float, atol, rtol):
        return wrong(f"{Name} is close to the right {'value' if answer_array.ndim == 0 else 'values'} "
                     f"but not precise enough: {_precision_needed(atol, rtol)}.", IMPRECISE_NUDGE)
    if answer_array.ndim == 0:
        message = f"{Name} is {_format_number(answer_array.item())}, which is not right."
    else:
        wrong_entries = np.argwhere(~matches)
        shown = ", ".join(f"{_index_text(i)} is {_format_number(answer_array[tuple(i)])}"
                          for i in wrong_entries[:3])
        more = f" (and {len(wrong_entries) - 3} more)" if len(wrong_entries) > 3 else ""
        message = (f"{len(wrong_entries)} of {answer_array.size} entries of {name} are not right: "
                   f"{shown}{more}.")
    nudge = ""
    if answer_array.dtype != np.bool_ and expected_array.dtype != np.bool_:
        if np.isnan(answer_float).any() and not np.isnan(expected_float).any():
            nudge = "It contains nan: look for 0/0, log of 0 or sqrt of a negative number."
        else:
            nudge = _relation(answer_float, expected_float, atol, rtol)
    return wrong(message, nudge)


def _as_number(answer):
    """A Python number from a number or a one-element tensor/array, else None."""
    Tensor = _tensor_type()
    if isinstance(answer, (bool, np.bool_)):
        return None
    if isinstance(answer, (int, float, np.integer, np.floating)):
        return answer
    if isinstance(answer, (Tensor, np.ndarray)) and _numel(answer) == 1:
        return answer.item()
    return None


def _numel(value):
    return int(np.prod(value.shape)) if value.shape else 1


def expect_value(answer, expected, *, tolerance=1e-6):
    """Correct when ``answer`` equals ``expected`` (a number within ``tolerance``, or a bool/str).

    A one-element tensor counts as its number. ``tolerance`` is both absolute and relative.
    """
    if isinstance(expected, (bool, np.bool_)):
        if isinstance(answer, (bool, np.bool_)):
            return correct() if bool(answer) == bool(expected) else wrong(
                f"Your answer is {bool(answer)}, which is not right.")
        return wrong(f"The answer is True or False, but yours is {describe(answer)}.")
    if isinstance(expected, str):
        if not isinstance(answer, str):
            return wrong(f"The answer is a piece of text (a str), but yours is {describe(answer)}.")
        if answer.strip().lower() == expected.strip().lower():
            return correct()
        return wrong(f"Your answer {shortened(answer)!r} is not right.")
    number = _as_number(answer)
    if number is None:
        Tensor = _tensor_type()
        if isinstance(answer, (Tensor, np.ndarray)):
            return wrong(f"The answer is a single number, but yours is {describe(answer)}.",
                         "Reduce it to one number, or pick the entry that is asked for.")
        return wrong(f"The answer is a number, but yours is {describe(answer)}.")
    if isinstance(number, float) and math.isnan(number):
        return wrong("Your answer is nan.",
                     "Look for 0/0, log of 0 or sqrt of a negative number.")
    if math.isclose(number, expected, rel_tol=tolerance, abs_tol=tolerance):
        return correct()
    if _close_but_imprecise(np.float64(number), np.float64(expected), tolerance, tolerance):
        return wrong(f"Your answer {_format_number(number)} is close but not precise enough: "
                     f"{_precision_needed(tolerance, tolerance)}.", IMPRECISE_NUDGE)
    nudge = _relation(np.float64(number), np.float64(expected), tolerance, tolerance)
    return wrong(f"Your answer {_format_number(number)} is not right.", nudge)


def _normalise_choice(value):
    return value.strip().lower() if isinstance(value, str) else value


def expect_choice(answer, valid, explanations=None):
    """Multiple choice: correct when ``answer`` is ``valid`` (one choice, or a list/set of choices).

    ``explanations`` maps choices to a sentence: for a wrong choice it says why it
    is wrong; for a right one it is shown with the ✓. Text compares case-blind.
    """
    explanations = dict(explanations or {})
    if isinstance(valid, (list, tuple, set, frozenset)):
        valid_choices = list(valid)
    else:
        valid_choices = [valid]
    choices = valid_choices + [c for c in explanations if c not in valid_choices]
    normalised = _normalise_choice(answer)
    by_key = {}
    for choice in choices:
        try:
            by_key.setdefault(_normalise_choice(choice), choice)
        except TypeError:  # unhashable choice: compared below by equality
            pass
    try:
        matched = by_key.get(normalised, _NO_CHOICE)
    except TypeError:
        matched = _NO_CHOICE
    if matched is _NO_CHOICE:
        listed = ", ".join(sorted(repr(c) for c in choices))  # sorted: the order gives nothing away
        return wrong(f"{describe(answer)[:1].upper() + describe(answer)[1:]} is not one of the "
                     f"choices: {listed}.")
    if any(matched is c or matched == c for c in valid_choices):
        return correct(explanations.get(matched, ""))
    return wrong(explanations.get(matched, f"{matched!r} is not the right choice."))


_NO_CHOICE = object()


# ---------------------------------------------------------------------------
# code answers: a function, a custom autograd.Function or a backward formula
# ---------------------------------------------------------------------------

def expect_function(answer, name, parameters=None, exercise=None):
    """None when ``answer`` is a function a checker can call, else the verdict that says it is not:
    "Your answer should be the function NAME (def NAME(PARAMETERS): ...), but it is …"."""
    if callable(answer) and not inspect.isclass(answer):
        return None
    shown = f" (def {name}({parameters}): ...)" if parameters is not None else ""
    return wrong(f"Your answer should be the function {name}{shown}, but it is {describe(answer)}.",
                 f"Pass the function itself: exercises.{exercise or name}.check({name})")


def expect_backward(function_class_or_callable, make_inputs, reference=None, *, trials=3,
                    atol=1e-5, rtol=1e-3):
    """Check a student's gradient code with gradcheck on random float64 inputs.

    - an ``autograd.Function`` subclass: ``Fn.apply(*inputs)`` is gradchecked;
      with ``reference`` (a forward built from gradlab ops), its forward values
      must also match ``reference(*inputs)``.
    - any other callable is a backward formula ``formula(*inputs, grad_output)``
      returning the gradient of each input (a tuple when there are several);
      ``reference`` is then required: it is the forward the formula belongs to.

    A forward or backward that still returns nothing (a ``...`` body) raises
    ``NotAnswered``, so the exercise says "not answered yet".

    ``make_inputs()`` returns the input tensor (or a tuple of them); it is called
    ``trials`` times under seeds 0, 1, … (the student's random state is restored).
    Inputs are made float64 and to require grad.
    """
    from ..autograd.function import Function

    if inspect.isclass(function_class_or_callable) and issubclass(function_class_or_callable, Function):
        function_class = function_class_or_callable
        label = function_class.__name__
    elif callable(function_class_or_callable) and not inspect.isclass(function_class_or_callable):
        if reference is None:
            raise TypeError("expect_backward: a backward formula needs reference= (its forward)")
        function_class = _function_from_formula(function_class_or_callable, reference)
        label = getattr(function_class_or_callable, "__name__", "your backward")
        reference = None  # the forward is the reference itself
    else:
        return wrong(f"Your answer should be a class derived from torch.autograd.Function or a "
                     f"function, but it is {describe(function_class_or_callable)}.")
    function_class = _guard_unanswered(function_class)
    for trial in range(trials):
        inputs = _trial_inputs(make_inputs, trial)
        verdict = _check_one(function_class, label, inputs, reference, atol, rtol)
        if not verdict:
            return verdict
    return correct(f"gradcheck agrees with your backward on {trials} random inputs.")


def _trial_inputs(make_inputs, seed):
    from .. import random as gradlab_random
    Tensor = _tensor_type()
    state = gradlab_random.get_rng_state()
    try:
        gradlab_random.manual_seed(seed)
        inputs = make_inputs() if callable(make_inputs) else make_inputs
    finally:
        gradlab_random.set_rng_state(state)
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    prepared = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.is_floating_point:
            x = x.detach().double().requires_grad_(True)
        prepared.append(x)
    return tuple(prepared)


def _check_one(function_class, label, inputs, reference, atol, rtol):
    from ..autograd.engine import grad as autograd_grad
    from ..autograd.gradcheck import get_analytical_jacobian, get_numerical_jacobian
    Tensor = _tensor_type()
    apply = function_class.apply
    try:
        output = apply(*inputs)
    except _Unanswered as unanswered:
        raise NotAnswered(f"the {unanswered.part} of {label} returns nothing yet: fill it in "
                          "(and end it with return).") from None
    except Exception as error:
        return wrong(f"The forward of {label} raised {_one_line(error)}.")
    if not isinstance(output, Tensor):
        return wrong(f"The forward of {label} should return a tensor, but it returned {describe(output)}.")
    if reference is not None:
        expected = reference(*[x.detach() if isinstance(x, Tensor) else x for x in inputs])
        verdict = expect_tensor(output.detach(), expected, name=f"the output of {label}",
                                atol=atol, rtol=rtol)
        if not verdict:
            return wrong(f"The forward is not right: {verdict.message}", verdict.nudge)
    if output.grad_fn is None:
        return wrong(f"The output of {label} has no grad_fn.",
                     "Call it as " + label + ".apply(x), with x requiring grad.")
    wrt = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    try:
        grads = autograd_grad(output, wrt, _ones_like(output), allow_unused=True)
    except _Unanswered as unanswered:
        raise NotAnswered(f"the {unanswered.part} of {label} returns nothing yet: fill it in "
                          "(and end it with return).") from None
    except Exception as error:
        return wrong(f"The backward raised {_one_line(error)}.")
    for position, (x, g) in enumerate(zip(wrt, grads)):
        if g is not None and tuple(g.shape) != tuple(x.shape):
            return wrong(f"The backward returned a gradient of shape {_shape_text(g.shape)} for input "
                         f"{position}, whose shape is {_shape_text(x.shape)}.",
                         "A gradient has the shape of its input.")
    try:
        numerical = get_numerical_jacobian(apply, inputs)
        analytical = get_analytical_jacobian(apply, inputs)
    except Exception as error:
        return wrong(f"Checking {label} raised {_one_line(error)}.")
    for numeric_rows, analytic_rows in zip(numerical, analytical):
        for position, (n, a) in enumerate(zip(numeric_rows, analytic_rows)):
            if not np.allclose(a, n, atol=atol, rtol=rtol):
                where = f" for input {position}" if len(wrt) > 1 else ""
                return wrong(f"The gradient from your backward{where} does not match the "
                             f"finite-difference gradient (gradcheck).",
                             _relation(a, n, atol, rtol) or "Write out the local derivative "
                             "on paper and compare it with your code, term by term.")
    return correct()


class _Unanswered(Exception):
    """A student's forward or backward returned only None or ...: not written yet."""

    def __init__(self, part):
        super().__init__(part)
        self.part = part


def _guard_unanswered(function_class):
    """``function_class`` whose forward/backward raise _Unanswered when they return only None/...."""
    forward, backward = function_class.forward, function_class.backward

    def guarded(part, method):
        def run(*args, **kwargs):
            result = method(*args, **kwargs)
            values = result if isinstance(result, (tuple, list)) else (result,)
            if all(value is None or value is ... for value in values):
                raise _Unanswered(part)
            return result
        return staticmethod(run)

    return type(function_class.__name__, (function_class,),
                {"forward": guarded("forward", forward), "backward": guarded("backward", backward)})


def _ones_like(tensor):
    from ..creation import ones_like
    return ones_like(tensor)


def _function_from_formula(formula, forward):
    """An autograd.Function whose forward is ``forward`` and whose backward is ``formula``."""
    from ..autograd.function import Function

    class StudentFormula(Function):
        @staticmethod
        def forward(ctx, *inputs):
            ctx.save_for_backward(*inputs)
            return forward(*inputs)

        @staticmethod
        def backward(ctx, grad_output):
            grads = formula(*ctx.saved_tensors, grad_output)
            return grads if isinstance(grads, tuple) else (grads,)

    StudentFormula.__name__ = getattr(formula, "__name__", "StudentFormula")
    return StudentFormula
