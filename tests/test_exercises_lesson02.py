"""gradlab.exercises.lesson02: each checker accepts its solution and explains typical slips."""
import pytest

import gradlab as torch
from gradlab.exercises import lesson02 as exercises
from gradlab.exercises.core import NOT_YET
from lesson_exercise_checks import generic_tests, verdict

HUGE = "w" * 10_000_000

(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(exercises.EXERCISES, {}, odd_answers=[3.5, "w", {"w": 1}, object()],
                  huge_answer=HUGE)


def lesson_tensors(retain_h=False):
    """The exercise cell of the lesson, run here; after out.backward()."""
    namespace = {"torch": torch}
    exec(exercises.SETUP, namespace)
    if retain_h:
        namespace["h"].retain_grad()
    namespace["out"].backward()
    return {name: namespace[name] for name in exercises.NAMES}


def test_the_answers_are_what_the_engine_says():
    tensors = lesson_tensors()
    leaves = {name for name, t in tensors.items() if t.is_leaf}
    assert verdict(exercises.which_are_leaves, leaves).correct
    with_grad = {name for name, t in tensors.items() if t.is_leaf and t.grad is not None}
    assert verdict(exercises.which_get_a_grad, with_grad).correct
    assert verdict(exercises.gradient_of_w, tensors["w"].grad).correct
    assert verdict(exercises.retained_gradient_of_h, lesson_tensors(retain_h=True)["h"].grad).correct


# ---------------------------------------------------------------- the sets of names
@pytest.mark.parametrize("answer", [{"w", "data", "bias", "frozen"}, ["frozen", "bias", "data", "w"],
                                    ("w", "data", "bias", "frozen"), {" w", "data ", "bias", "frozen"}])
def test_which_are_leaves_accepts_sets_lists_and_tuples(answer):
    assert verdict(exercises.which_are_leaves, answer).correct


@pytest.mark.parametrize("answer, says", [
    ({"w", "bias"}, "does not require grad is a leaf too"),
    ({"w", "data", "bias"}, "detach()"),
    ({"w", "data", "bias", "frozen", "h"}, "h should not be in the set"),
    ({"w", "data", "bias", "frozen", "out"}, "AddBackward0"),
    ({"w", "x"}, "'x' is not one of the tensors"),
    ("w", "even for a single name"),
    ({1, 2}, "name in quotes"),
])
def test_which_are_leaves_slips(answer, says):
    feedback = verdict(exercises.which_are_leaves, answer)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback), str(feedback)


def test_tensors_instead_of_names_get_a_sentence():
    feedback = verdict(exercises.which_are_leaves, [torch.tensor(1.0)])
    assert "not the tensors themselves" in str(feedback)


@pytest.mark.parametrize("answer, says", [
    ({"w", "bias", "h"}, "retain_grad()"),
    ({"w", "bias", "data"}, "data does not require grad"),
    ({"w", "bias", "frozen"}, "detached"),
    ({"w"}, "bias is missing"),
    ({"w", "data", "bias", "frozen"}, "data and frozen should not be in the set"),
])
def test_which_get_a_grad_slips(answer, says):
    feedback = verdict(exercises.which_get_a_grad, answer)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback), str(feedback)


# ---------------------------------------------------------------- the values
@pytest.mark.parametrize("answer, says", [
    ([1.0, -2.0], "That is w itself"),
    ([1.0, 1.0], "multiplied by data"),
    ([3.0, -8.0], "value of the forward pass"),
    ([-3.0, -4.0], "sign is flipped"),
])
def test_gradient_of_w_slips(answer, says):
    feedback = verdict(exercises.gradient_of_w, torch.tensor(answer))
    assert str(feedback).startswith(NOT_YET) and says in str(feedback), str(feedback)


@pytest.mark.parametrize("answer, says", [
    (None, "without retain_grad()"),
    (torch.tensor([3.0, 4.0]), "is w.grad"),
    (torch.tensor([3.0, -8.0]), "value of h"),
    (torch.tensor(1.0), "two entries"),
])
def test_retained_gradient_of_h_slips(answer, says):
    feedback = verdict(exercises.retained_gradient_of_h, answer)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback), str(feedback)


# ---------------------------------------------------------------- gaming answers
@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)
@pytest.mark.parametrize("answer", [{HUGE}, [HUGE, "w"]], ids=["set", "list"])
def test_a_huge_name_in_a_set_or_list_is_not_echoed(exercise, answer):
    feedback = verdict(exercise, answer)
    assert feedback.status == "wrong" and len(str(feedback)) < 400, str(feedback)[:400]


def test_a_huge_name_in_a_set_is_shortened_but_named():
    feedback = verdict(exercises.which_are_leaves, {HUGE})
    assert "'www" in str(feedback) and "...' is not one of the tensors" in str(feedback)


@pytest.mark.parametrize("exercise, answer, says", [
    (exercises.gradient_of_w, torch.tensor([[3.0, 4.0]]), "shape (1, 2)"),
    (exercises.gradient_of_w, torch.tensor([[3.0], [4.0]]), "number of entries is right"),
    (exercises.retained_gradient_of_h, torch.tensor([1.0, 1.0, 1.0]), "shape (3,)"),
])
def test_right_numbers_in_the_wrong_shape(exercise, answer, says):
    feedback = verdict(exercise, answer)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback), str(feedback)


@pytest.mark.parametrize("exercise, answer", [
    (exercises.gradient_of_w, torch.tensor([3.001, 4.0])),
    (exercises.retained_gradient_of_h, torch.tensor([1.0, 0.999])),
])
def test_rounded_answers_are_told_the_precision_needed(exercise, answer):
    feedback = verdict(exercise, answer)
    assert "not precise enough" in str(feedback) and "within" in str(feedback), str(feedback)


def test_names_computed_by_code_count_like_typed_names():
    """Hint 3 of which_are_leaves suggests looking: a set built by code is a fine answer."""
    tensors = lesson_tensors()
    assert verdict(exercises.which_are_leaves,
                   {name for name, t in tensors.items() if t.is_leaf}).correct
