"""Checks every lesson's exercises share, used by tests/test_exercises_lessonNN.py.

``generic_tests(exercises, solution_names, odd_answers)`` returns the four tests
(the written solution is correct; ``...`` is "not answered yet"; a wrong type gets
a plain sentence; hints come one at a time, then the solution) for one lesson's
module; the lesson's test file binds them to ``test_…`` names so pytest finds them.
"""
import pytest

import gradlab as torch
from gradlab.exercises.core import CORRECT, NOT_ANSWERED, NOT_YET


def solution_answer(exercise, solution_names):
    """Run the written solution, as a student pasting it would, and take its answer."""
    namespace = {"torch": torch}
    exec(exercise.solution_text, namespace)
    return namespace[solution_names.get(exercise.name, "answer")]


def verdict(exercise, answer):
    exercise.reset()
    return exercise.evaluate(answer)


def assert_wrong(exercise, answer, *phrases):
    feedback = verdict(exercise, answer)
    assert feedback.status == "wrong", str(feedback)
    assert str(feedback).startswith(NOT_YET)
    for phrase in phrases:
        assert phrase in str(feedback), str(feedback)


def generic_tests(exercises, solution_names, odd_answers):
    each_exercise = pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)

    @each_exercise
    def written_solution_is_correct(exercise):
        feedback = verdict(exercise, solution_answer(exercise, solution_names))
        assert feedback.correct, str(feedback)
        assert str(feedback).startswith(CORRECT)

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

    return (written_solution_is_correct, placeholder_is_not_answered_yet,
            wrong_type_gets_a_plain_sentence, hints_come_one_at_a_time_then_the_solution)
