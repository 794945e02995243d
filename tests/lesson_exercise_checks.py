"""Checks every lesson's exercises share, used by tests/test_exercises_lessonNN.py.

``generic_tests(exercises, solution_names, odd_answers, ...)`` returns the tests every
exercise of one lesson gets: the written solution is correct; ``...`` is "not answered yet";
a wrong type gets a plain sentence; hints come one at a time, then the solution; a huge
answer is shortened in the feedback; PyTorch's own tensor is recognised; and, for an
exercise whose answer is code, an endless loop is stopped. The lesson's test file binds
them to ``test_…`` names so pytest finds them, and keeps only what is particular to its
exercises.

The helpers (``verdict``, ``assert_correct``, ``assert_wrong``, ``assert_stopped``,
``endless``, ``FrameReadingTensor``) are what those lesson files share besides.
"""
import sys

import pytest

import gradlab as torch
from gradlab.exercises.core import CORRECT, NOT_ANSWERED, NOT_YET

HUGE = "x" * 10_000_000


def solution_answer(exercise, solution_names, namespace=None):
    """Run the written solution, as a student pasting it would, and take its answer.

    ``namespace`` adds what the lesson's earlier cells define (``F``, a ``model``, ...)."""
    namespace = {"torch": torch, **(namespace or {})}
    exec(exercise.solution_text, namespace)
    return namespace[solution_names.get(exercise.name, "answer")]


def verdict(exercise, answer):
    exercise.reset()
    return exercise.evaluate(answer)


def assert_correct(exercise, answer):
    feedback = verdict(exercise, answer)
    assert feedback.correct, str(feedback)
    assert str(feedback).startswith(CORRECT)


def assert_wrong(exercise, answer, *phrases):
    """The answer is wrong, said in a sentence with each of ``phrases``; returns the text."""
    feedback = verdict(exercise, answer)
    text = str(feedback)
    assert feedback.status == "wrong", text[:400]
    assert text.startswith(NOT_YET) and "Traceback" not in text, text[:400]
    for phrase in phrases:
        assert phrase in text, text[:400]
    return text


def endless(*inputs):
    """Student code that never returns."""
    while True:
        pass


def assert_stopped(exercise, answer, monkeypatch, seconds=0.5):
    """``answer`` runs forever: the check stops it after the time limit and says so."""
    monkeypatch.setattr(exercise, "time_limit", seconds)
    assert_wrong(exercise, answer, f"still running after {seconds:g} seconds")


class FrameReadingTensor(torch.Tensor):
    """A tensor whose detach() hands back whatever the checker expects (read from its frames)."""

    def detach(self):
        frame = sys._getframe(1)
        while frame is not None:
            expected = frame.f_locals.get("expected")
            if isinstance(expected, torch.Tensor):
                return torch.Tensor.detach(expected)
            frame = frame.f_back
        return torch.Tensor.detach(self)


def generic_tests(exercises, solution_names, odd_answers, *, huge_answer=HUGE, namespace=None,
                  endless_answers=None):
    """The shared tests for one lesson's ``exercises`` (a sequence of Exercise).

    ``solution_names`` maps an exercise to the name its solution defines (default ``answer``),
    ``namespace`` is passed on to ``solution_answer``; ``huge_answer`` is a 10 MB text shaped
    like the lesson's answers; ``endless_answers`` maps a code exercise to an answer that never
    returns, where ``endless`` itself is not the right kind of answer (a Function class).
    """
    each_exercise = pytest.mark.parametrize("exercise", exercises, ids=lambda e: e.name)
    code_exercises = [e for e in exercises if e.kind == "code"] or [
        pytest.param(None, id="none", marks=pytest.mark.skip(reason="no exercise of this lesson is code"))]
    each_code_exercise = pytest.mark.parametrize("exercise", code_exercises, ids=lambda e: e.name)
    endless_answers = endless_answers or {}

    @each_exercise
    def written_solution_is_correct(exercise):
        assert_correct(exercise, solution_answer(exercise, solution_names, namespace))

    @each_exercise
    def placeholder_is_not_answered_yet(exercise):
        assert str(verdict(exercise, ...)).startswith(NOT_ANSWERED)

    @each_exercise
    @pytest.mark.parametrize("odd_answer", odd_answers)
    def wrong_type_gets_a_plain_sentence(exercise, odd_answer):
        feedback = verdict(exercise, odd_answer)
        assert feedback.status == "wrong", str(feedback)
        assert "Traceback" not in str(feedback)

    @each_exercise
    def hints_come_one_at_a_time_then_the_solution(exercise, capsys):
        exercise.reset()
        assert len(exercise.hints) >= 2
        for number in range(1, len(exercise.hints) + 1):
            exercise.hint()
            assert capsys.readouterr().out.startswith(f"Hint {number} of {len(exercise.hints)}:")
        exercise.hint()
        assert "No more hints" in capsys.readouterr().out
        exercise.solution()
        assert capsys.readouterr().out.startswith("Solution:\n")
        exercise.reset()

    @each_exercise
    def huge_answer_is_shortened(exercise):
        text = assert_wrong(exercise, huge_answer)
        assert len(text) < 400, text[:400]

    @each_exercise
    def pytorchs_tensor_is_recognised(exercise):
        real_torch = pytest.importorskip("torch")
        # any numbers, the right ones too: PyTorch's tensor is refused before it is read
        assert_wrong(exercise, real_torch.tensor([1.0, 2.0]), "PyTorch's tensor", "first cell",
                     "import gradlab as torch")

    @each_code_exercise
    def endless_loop_is_stopped(exercise, monkeypatch):
        assert_stopped(exercise, endless_answers.get(exercise.name, endless), monkeypatch)

    return (written_solution_is_correct, placeholder_is_not_answered_yet,
            wrong_type_gets_a_plain_sentence, hints_come_one_at_a_time_then_the_solution,
            huge_answer_is_shortened, pytorchs_tensor_is_recognised, endless_loop_is_stopped)
