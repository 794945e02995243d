"""gradlab.exercises.lesson03: each checker accepts its solution and explains typical slips."""
import pytest

import gradlab as torch
from gradlab.exercises import lesson03 as exercises
from gradlab.exercises.core import NOT_ANSWERED, NOT_YET
from lesson_exercise_checks import assert_stopped, assert_wrong, generic_tests, verdict

SOLUTION_NAMES = {"find_the_leaves": "leaves_of", "gradient_by_hand": "paths_to_p"}

(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(exercises.EXERCISES, SOLUTION_NAMES,
                  odd_answers=[3.5, "seven", [1, 2], object()], huge_answer="p" * 10_000_000)


def lesson_tensors():
    p = torch.tensor(1.5, requires_grad=True)
    q = torch.tensor(-2.0, requires_grad=True)
    r = p * q
    s = r + p
    t = s ** 2
    return dict(p=p, q=q, r=r, s=s, t=t)


def test_the_answers_are_what_the_engine_says():
    tensors = lesson_tensors()
    leaf = tensors["t"].grad_fn.next_functions[0][0].next_functions[1][0].variable
    name = next(n for n, value in tensors.items() if value is leaf)
    assert verdict(exercises.follow_next_functions, name).correct
    tensors["t"].backward()
    direct, through_r = exercises._path_gradients(1.5, -2.0)
    assert direct + through_r == tensors["p"].grad.item() == 3.0


@pytest.mark.parametrize("p, q", exercises.PATH_POINTS)
def test_the_two_paths_add_up_to_what_backward_gives(p, q):
    p_leaf = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    q_leaf = torch.tensor(q, dtype=torch.float64, requires_grad=True)
    ((p_leaf * q_leaf + p_leaf) ** 2).backward()
    assert sum(exercises._path_gradients(p, q)) == pytest.approx(p_leaf.grad.item(), rel=1e-12)


def test_the_leaf_names_match_the_graphs():
    for description, build, names in exercises.GRAPHS:
        leaves = exercises._reference_leaves(build())
        assert len(leaves) == len(names), description
    a, b = exercises._reference_leaves(exercises._sum_of_products())
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [3.0, 4.0]
    u, v, k = exercises._reference_leaves(exercises._three_leaves())
    assert (tuple(u.shape), v.item(), k.item()) == ((3,), 2.0, 0.5)


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


# ---------------------------------------------------------------- the chain rule by hand (code)
def paths(direct, through_r):
    """A student's paths_to_p from two formulas of (p, q, s)."""
    def paths_to_p(p, q):
        s = p * q + p
        return direct(p, q, s), through_r(p, q, s)
    return paths_to_p


def test_paths_as_plain_numbers_pass_too():
    answer = paths(lambda p, q, s: float(2 * s), lambda p, q, s: float(2 * s * q))
    assert verdict(exercises.gradient_by_hand, answer).correct


def test_paths_template_is_not_answered_yet():
    def paths_to_p(p, q):
        r = p * q
        s = r + p  # noqa: F841 (the lesson's template, as the student sees it)
        grad_s = ...  # noqa: F841 (the template)
        direct = ...
        through_r = ...
        return direct, through_r
    feedback = verdict(exercises.gradient_by_hand, paths_to_p)
    assert feedback.status == "not answered" and "direct" in str(feedback)


@pytest.mark.parametrize("answer, says", [
    (paths(lambda p, q, s: 2 * s * q, lambda p, q, s: 2 * s), "swapped"),
    (paths(lambda p, q, s: s, lambda p, q, s: s * q), "dt/ds = 2·s"),
    (paths(lambda p, q, s: 2 * s, lambda p, q, s: 2 * s * p), "dr/dp is q, not p"),
    (paths(lambda p, q, s: 2 * s, lambda p, q, s: 2 * s), "one more local derivative"),
    (paths(lambda p, q, s: 2 * s, lambda p, q, s: 2 * s * p * q), "not the value r = p · q"),
    (paths(lambda p, q, s: 2 * s * (1 + q), lambda p, q, s: 0.0), "each path should be returned"),
    (paths(lambda p, q, s: 2 * s + 1, lambda p, q, s: 2 * s * q), "Along each path"),
    (lambda p, q: 2 * (p * q + p) * (1 + q), "the two paths added already"),
    (lambda p, q: 2.25, "should return two numbers"),
    (lambda p, q: (1.0, 2.0, 3.0), "should return two numbers"),
    (lambda p, q: ("-3", 6.0), "direct should be a number"),
    (lambda p, q: (torch.tensor([-3.0, 1.0]), 6.0), "direct should be a number"),
])
def test_gradient_by_hand_slips(answer, says):
    assert_wrong(exercises.gradient_by_hand, answer, says)


def test_gradient_by_hand_names_the_wrong_path_and_its_value():
    feedback = verdict(exercises.gradient_by_hand,
                       paths(lambda p, q, s: 2 * s, lambda p, q, s: 2 * s * p))
    assert "At p = 1.5, q = -2: through_r is -4.5, but it should be 6." in str(feedback)


# ---------------------------------------------------------------- gaming gradient_by_hand
def backward_on_a_detached_copy(p, q):
    p = p.detach().requires_grad_()
    ((p * q + p) ** 2).backward()
    return p.grad, 0.0


def autograd_grad_on_new_leaves(p, q):
    p = torch.tensor(p.item(), dtype=torch.float64, requires_grad=True)
    grad = torch.autograd.grad((p * q + p) ** 2, p)[0]
    return grad - 2 * (p * q + p) * q, 2 * (p * q + p) * q


def lesson_values_hard_coded(p, q):
    return -3.0, 6.0


@pytest.mark.parametrize("cheat, used", [
    (backward_on_a_detached_copy, "x.requires_grad_()"),
    (autograd_grad_on_new_leaves, "torch.autograd.grad()"),
])
def test_gradient_by_hand_with_autograd_is_refused(cheat, used):
    assert_wrong(exercises.gradient_by_hand, cheat, "asks for the rule itself", used)


def test_the_lesson_values_hard_coded_fail_at_other_values():
    assert_wrong(exercises.gradient_by_hand, lesson_values_hard_coded,
                 "At p = -2.486", "the check tries other values too")


def test_gradient_by_hand_in_float32_is_close_but_not_precise():
    def paths_to_p(p, q):
        s = torch.tensor((p * q + p).item())  # float32
        return 2 * s, 2 * s * torch.tensor(q.item())
    assert_wrong(exercises.gradient_by_hand, paths_to_p, "not precise enough", "1e-09")


def test_the_old_number_answer_gets_a_sentence():
    assert_wrong(exercises.gradient_by_hand, 3.0, "should be the function paths_to_p")


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


# ---------------------------------------------------------------- gaming find_the_leaves
def leaves_in_the_checkers_frames(tensor):
    """Read every leaf tensor held by any frame above, the checker's included."""
    import inspect
    found, frame = [], inspect.currentframe().f_back
    while frame is not None:
        for value in list(frame.f_locals.values()):
            values = list(value.values()) if isinstance(value, dict) else [value]
            values += list(value) if isinstance(value, (list, tuple)) else []
            for item in values:
                if isinstance(item, torch.Tensor) and item.is_leaf and item.requires_grad \
                        and all(item is not seen for seen in found):
                    found.append(item)
        frame = frame.f_back
    return found


def leaves_dict_of_the_caller(tensor):
    """The cheat that passed before: the checker's own dict of leaves, two frames up."""
    import sys
    for depth in range(1, 8):
        names = sys._getframe(depth).f_locals
        if isinstance(names.get("leaves"), dict):
            return list(names["leaves"].values())
    return []


def every_live_leaf(tensor):
    import gc
    found = []
    for item in gc.get_objects():
        if type(item) is torch.Tensor and item.is_leaf and item.requires_grad \
                and all(item is not seen for seen in found):
            found.append(item)
    return found


def leaves_with_a_grad_after_backward(tensor):
    import gc
    tensor.sum().backward()
    return [item for item in gc.get_objects()
            if type(item) is torch.Tensor and item.grad is not None]


@pytest.mark.parametrize("cheat, says", [
    (leaves_in_the_checkers_frames, "not by searching elsewhere"),
    (every_live_leaf, "not by searching elsewhere"),
    (leaves_with_a_grad_after_backward, "asks for the rule itself"),
])
def test_leaves_of_that_searches_instead_of_walking_is_refused(cheat, says):
    assert_wrong(exercises.find_the_leaves, cheat, says)


def test_the_checkers_frames_hold_no_leaf_dict():
    feedback = verdict(exercises.find_the_leaves, leaves_dict_of_the_caller)
    assert not feedback.correct and "missed" in str(feedback), str(feedback)


def test_leaves_of_whose_list_only_grows_is_stopped(monkeypatch):
    def leaves_of(tensor):
        to_visit = [tensor.grad_fn]
        while to_visit:  # never pops: the list only grows
            to_visit.extend(n for n, _ in to_visit[-1].next_functions if n is not None)
            to_visit.append(to_visit[0])
        return []
    assert_stopped(exercises.find_the_leaves, leaves_of, monkeypatch)


def test_leaves_of_returning_a_huge_list_gets_a_sentence():
    assert_wrong(exercises.find_the_leaves, lambda t: [1] * 10_000_000, "should return tensors")


def test_a_list_of_its_own_class_cannot_read_the_right_leaves():
    """A list whose iteration looks up the checker's frames for the leaves, once known."""
    import inspect

    class Sneaky(list):
        def __iter__(self):
            frame = inspect.currentframe().f_back
            while frame is not None:
                if isinstance(frame.f_locals.get("leaves"), dict):
                    return iter(list(frame.f_locals["leaves"].values()))
                frame = frame.f_back
            return super().__iter__()

    assert_wrong(exercises.find_the_leaves, lambda t: Sneaky(), "could not be checked",
                 "class of your own")


def test_paths_of_their_own_class_are_refused():
    class Sneaky(float):
        pass
    assert_wrong(exercises.gradient_by_hand, lambda p, q: (Sneaky(-3.0), Sneaky(6.0)),
                 "could not be checked", "class of your own")


def test_reading_the_checkers_frames_finds_no_paths():
    import inspect

    def paths_to_p(p, q):
        frame = inspect.currentframe().f_back
        while frame is not None:
            names = frame.f_locals
            if "right_direct" in names and "right_through" in names:
                return names["right_direct"], names["right_through"]
            frame = frame.f_back
        return 0.0, 0.0
    assert_wrong(exercises.gradient_by_hand, paths_to_p, "At p = 1.5, q = -2")
