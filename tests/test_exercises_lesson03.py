"""gradlab.exercises.lesson03: each checker accepts its solution and explains typical slips."""
import pytest

import gradlab as torch
from gradlab.exercises import lesson03 as exercises
from gradlab.exercises.core import CORRECT, NOT_ANSWERED, NOT_YET


def solution_namespace(exercise):
    namespace = {"torch": torch}
    exec(exercise.solution_text, namespace)
    return namespace


def verdict(exercise, answer):
    exercise.reset()
    return exercise.evaluate(answer)


def lesson_tensors():
    p = torch.tensor(1.5, requires_grad=True)
    q = torch.tensor(-2.0, requires_grad=True)
    r = p * q
    s = r + p
    t = s ** 2
    return dict(p=p, q=q, r=r, s=s, t=t)


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)
def test_the_written_solution_is_correct(exercise):
    namespace = solution_namespace(exercise)
    answer = namespace["leaves_of"] if exercise.kind == "code" else namespace["answer"]
    feedback = verdict(exercise, answer)
    assert feedback.correct and str(feedback).startswith(CORRECT), str(feedback)


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)
def test_placeholder_is_not_answered_yet(exercise):
    assert str(verdict(exercise, ...)).startswith(NOT_ANSWERED)


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)
@pytest.mark.parametrize("odd_answer", [3.5, "seven", [1, 2], object()])
def test_a_wrong_type_gets_a_plain_sentence(exercise, odd_answer):
    feedback = verdict(exercise, odd_answer)
    assert feedback.status == "wrong", str(feedback)
    assert "Traceback" not in str(feedback)


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.name)
def test_hints_come_one_at_a_time_then_the_solution(exercise, capsys):
    exercise.reset()
    for number in range(1, len(exercise.hints) + 1):
        exercise.hint()
        assert capsys.readouterr().out.startswith(f"Hint {number} of {len(exercise.hints)}:")
    exercise.hint()
    assert "No more hints" in capsys.readouterr().out
    exercise.solution()
    assert capsys.readouterr().out.startswith("Solution:\n")
    exercise.reset()


def test_the_answers_are_what_the_engine_says():
    tensors = lesson_tensors()
    leaf = tensors["t"].grad_fn.next_functions[0][0].next_functions[1][0].variable
    name = next(n for n, value in tensors.items() if value is leaf)
    assert verdict(exercises.follow_next_functions, name).correct
    tensors["t"].backward()
    assert verdict(exercises.gradient_by_hand, tensors["p"].grad).correct


# ---------------------------------------------------------------- follow next_functions
@pytest.mark.parametrize("answer, says", [
    ("q", "MulBackward0"), ("r", "not a leaf"), ("s", "not a leaf"), ("t", "not a leaf"),
    ("x", "not one of the choices"), (torch.tensor(1.5), "not the tensor itself"),
])
def test_follow_next_functions_slips(answer, says):
    feedback = verdict(exercises.follow_next_functions, answer)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback), str(feedback)


@pytest.mark.parametrize("answer", ["p", " p ", "P"])
def test_follow_next_functions_accepts_the_name_loosely(answer):
    assert verdict(exercises.follow_next_functions, answer).correct


# ---------------------------------------------------------------- the chain rule by hand
@pytest.mark.parametrize("answer, says", [
    (-3.0, "only the direct path"), (6, "only the path through r"), (-4.5, "q.grad"),
    (-1.0, "Multiply by dt/ds"), (2.25, "value of t"), ("3", "a number"),
])
def test_gradient_by_hand_slips(answer, says):
    feedback = verdict(exercises.gradient_by_hand, answer)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback), str(feedback)


# ---------------------------------------------------------------- the code answer
def walk(tensor, *, skip_none=True, dedupe=True, collect_nodes=False):
    """Variants of a student's leaves_of, right and wrong."""
    leaves, seen, to_visit = [], set(), [tensor.grad_fn]
    while to_visit:
        node = to_visit.pop()
        if node is None and skip_none:
            continue
        if dedupe and node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):
            leaves.append(node if collect_nodes else node.variable)
        else:
            to_visit.extend(next_node for next_node, _ in node.next_functions)
    return leaves


def first_input_only(tensor):
    node = tensor.grad_fn
    while not hasattr(node, "variable"):
        node = node.next_functions[0][0]
    return [node.variable]


def recursive(tensor):  # another correct shape of solution: recursion and a set of leaves
    found = {}

    def visit(node):
        if node is None:
            return
        if hasattr(node, "variable"):
            found[id(node.variable)] = node.variable
        for next_node, _ in node.next_functions:
            visit(next_node)
    visit(tensor.grad_fn)
    return list(found.values())


@pytest.mark.parametrize("leaves_of", [walk, recursive, lambda t: set(walk(t, dedupe=False)),
                                       lambda t: tuple(walk(t))])
def test_leaves_of_right_in_any_shape(leaves_of):
    assert verdict(exercises.find_the_leaves, leaves_of).correct


@pytest.mark.parametrize("leaves_of, says", [
    (lambda t: walk(t, dedupe=False), "list each leaf once"),
    (first_input_only, "missed b"),
    (lambda t: walk(t, skip_none=False), "(None, 0)"),
    (lambda t: walk(t, collect_nodes=True), "keeps its leaf tensor in .variable"),
    (lambda t: [n for n, _ in t.grad_fn.next_functions], "returned a node"),
    (lambda t: walk(t) + [t], "not one of the leaves"),
    (lambda t: t, "should return a list of tensors"),
    (lambda t: [1], "should return tensors"),
])
def test_leaves_of_slips(leaves_of, says):
    feedback = verdict(exercises.find_the_leaves, leaves_of)
    assert str(feedback).startswith(NOT_YET) and says in str(feedback), str(feedback)


def test_leaves_of_unfinished_and_broken():
    def unfinished(tensor):
        ...
    assert str(verdict(exercises.find_the_leaves, unfinished)).startswith(NOT_ANSWERED)

    def broken(tensor):
        return tensor.grad_fn.next_functions[5]
    feedback = verdict(exercises.find_the_leaves, broken)
    assert feedback.status == "error" and "IndexError" in str(feedback)
    assert "Traceback" not in str(feedback)
