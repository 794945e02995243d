"""Self-paced exercises: the lessons' own (``from gradlab.exercises import lesson01``)
and the tools to write new ones.

A teacher's exercise is an ``Exercise`` whose checker returns ``correct()`` or
``wrong(message, nudge)``; the ``expect_*`` helpers compare the usual answers,
``run_by_hand`` / ``run_with_time_limit`` run a student's function safely.
docs/teaching.md walks through one. ``classroom`` holds the switch that hides
``solution()`` for a class. Lesson modules are plain submodules, imported only
when a lesson asks for them.
"""
from .classroom import solutions_hidden
from .core import (
    TIME_LIMIT, ByHand, Exercise, Feedback, NotAnswered, TimeLimitExceeded, Verdict, correct,
    describe, expect_backward, expect_choice, expect_tensor, expect_value, is_pytorch_tensor,
    run_by_hand, run_with_time_limit, wrong,
)

__all__ = [
    "TIME_LIMIT", "ByHand", "Exercise", "Feedback", "NotAnswered", "TimeLimitExceeded", "Verdict",
    "correct", "describe", "expect_backward", "expect_choice", "expect_tensor", "expect_value",
    "is_pytorch_tensor", "run_by_hand", "run_with_time_limit", "solutions_hidden", "wrong",
]
