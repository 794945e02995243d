"""Exercises for lesson 03: the computational graph.

The first two are about the tensors of one cell in the lesson::

    p = torch.tensor(1.5, requires_grad=True)
    q = torch.tensor(-2.0, requires_grad=True)
    r = p * q
    s = r + p
    t = s ** 2

- ``follow_next_functions``: whose AccumulateGrad is
  ``t.grad_fn.next_functions[0][0].next_functions[1][0]``? (a name);
- ``gradient_by_hand``: write ``paths_to_p(p, q)``, the gradient each of the two paths from t to
  p carries, as products of local derivatives (code, run by hand — autograd off — at the
  lesson's p and q and at others);
- ``find_the_leaves``: write ``leaves_of(tensor)``, a function that walks ``next_functions`` and
  returns the leaves (code, run on several graphs; the checker holds no leaf the student's code
  could find in its frames, and decides which leaves are right only after it has returned).
"""
import math

import numpy as np

import gradlab as torch

from .core import (
    Exercise, NotAnswered, code_inside, correct, describe, expect_choice, expect_function,
    run_by_hand, wrong,
)

NAMES = ("p", "q", "r", "s", "t")


# ====================================================================== 1. follow next_functions
def _check_follow_next_functions(answer):
    if isinstance(answer, torch.Tensor):
        return wrong("Write the name of the tensor as text, like 'q', not the tensor itself.")
    if not isinstance(answer, str):
        return wrong(f"Write the name of a tensor as text, like 'q'; your answer is "
                     f"{describe(answer)}.")
    return expect_choice(answer.strip(), "p", {
        "p": "t.grad_fn is PowBackward0; its input 0 is AddBackward0 (s = r + p), whose input 1 is "
             "p itself, a leaf, so the edge ends at p's AccumulateGrad.",
        "q": "q enters the graph through MulBackward0 (r = p * q), which is input 0 of "
             "AddBackward0, not input 1.",
        "r": "r is not a leaf: it has a grad_fn (MulBackward0) and no AccumulateGrad. "
             ".variable always points at a leaf.",
        "s": "s is not a leaf: it has a grad_fn (AddBackward0). .variable always points at a leaf.",
        "t": "t is the end of the computation, not a leaf. .variable always points at a leaf.",
    })


follow_next_functions = Exercise(
    "follow_next_functions",
    "Which tensor is t.grad_fn.next_functions[0][0].next_functions[1][0].variable? "
    "(its name, as text)",
    _check_follow_next_functions,
    hints=(
        "Go one step at a time: t.grad_fn is the node of s ** 2. Its input 0 is s; which node "
        "made s?",
        "s = r + p, so the next node is AddBackward0, with input 0 = r and input 1 = p.",
        "Run it: t.grad_fn.next_functions[0][0].next_functions[1][0].variable",
    ),
    solution=(
        "answer = 'p'\n"
        "# t.grad_fn                     → PowBackward0   (t = s ** 2)\n"
        "# .next_functions[0][0]         → AddBackward0   (s = r + p)\n"
        "# .next_functions[1][0]         → AccumulateGrad of p (input 1 of the addition)\n"
        "# .variable                     → p"
    ),
    kind="choice",
)


# ====================================================================== 2. the chain rule by hand
# The lesson's p and q first (messages name them), then seeded values the lesson does not show.
PATH_POINTS = ((1.5, -2.0),) + tuple(
    (float(p), float(q)) for p, q in np.round(np.random.default_rng(3).uniform(-3, 3, (4, 2)), 3))
PATH_TOLERANCE = 1e-9


def _path_gradients(p, q):
    """(direct, through_r): each path's share of p.grad, for t = (p·q + p)², by the rule."""
    grad_s = 2 * (p * q + p)
    return grad_s * 1, grad_s * 1 * q


def _path_number(value, label):
    """A path gradient the student returned, as a float; a wrong() Verdict when it is not one."""
    if value is ...:
        raise NotAnswered(f"replace the ... of {label} with its product of local derivatives, then "
                          "run the cell again.")
    if isinstance(value, (bool, np.bool_)) or value is None:
        return wrong(f"{label} should be a number, but it is {describe(value)}.")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.item())
    return wrong(f"{label} should be a number (or a one-element tensor), but it is "
                 f"{describe(value)}.", "Multiply the local derivatives along the path: numbers "
                                        "or 0-d tensors such as 2 * s.")


def _path_slip(p, q, direct, through_r):
    """Where a wrong (direct, through_r) most likely went off."""
    right_direct, right_through = _path_gradients(p, q)
    s = p * q + p
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    if (p, q) != PATH_POINTS[0] and close(direct, -3.0) and close(through_r, 6.0):
        return ("-3 and 6 are the paths at the lesson's p = 1.5, q = -2. Compute them from p and q: "
                "the check tries other values too.")
    if close(direct, right_through) and close(through_r, right_direct):
        return "direct and through_r look swapped: direct is the path t → s → p."
    if close(direct, s) or close(through_r, s * q):
        return "The local derivative of t = s ** 2 is dt/ds = 2·s."
    if close(through_r, right_direct * p * q):
        return "The local derivative dr/dp is q, not the value r = p · q itself."
    if close(through_r, right_direct * p):
        return "r = p * q, so the local derivative dr/dp is q, not p."
    if close(through_r, right_direct):
        return "The path through r has one more local derivative: dr/dp = q."
    if close(direct + through_r, right_direct + right_through):
        return ("The two add up to the right p.grad, but each path should be returned on its own: "
                "direct = dt/ds · ds/dp, through_r = dt/ds · ds/dr · dr/dp.")
    return ("Along each path, multiply the local derivatives: dt/ds = 2·s, ds/dp = 1, ds/dr = 1, "
            "dr/dp = q.")


def _check_gradient_by_hand(paths_to_p):
    verdict = expect_function(paths_to_p, "paths_to_p", "p, q", exercise="gradient_by_hand")
    if verdict is not None:
        return verdict
    for p, q in PATH_POINTS:
        # Autograd is off while the student's code runs: the chain rule must be theirs.
        result = run_by_hand(paths_to_p, torch.tensor(p, dtype=torch.float64),
                             torch.tensor(q, dtype=torch.float64))
        verdict = _check_paths(result, p, q)
        if not verdict:
            return verdict
    return correct("dt/ds = 2s; the direct path gives 2s · 1 and the path through r gives "
                   "2s · 1 · q. backward() adds them: at p = 1.5, q = -2 that is -3 + 6 = 3 = p.grad. "
                   f"Right at {len(PATH_POINTS)} pairs (p, q), worked out with autograd switched off.")


def _check_paths(result, p, q):
    """The verdict on what paths_to_p returned at (p, q)."""
    if result is None or result is ...:
        raise NotAnswered("paths_to_p should return direct, through_r: fill in the ... and run the "
                          "cell again.")
    problem = code_inside(result)
    if problem:
        return wrong(f"What paths_to_p returned could not be checked: {problem}",
                     "Return two plain numbers (or 0-d tensors): return direct, through_r")
    at = f"At p = {p:g}, q = {q:g}"
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        number = _path_number(result, "the result")
        total = sum(_path_gradients(p, q))
        if isinstance(number, float) and math.isclose(number, total, rel_tol=1e-6, abs_tol=1e-6):
            return wrong(f"{at}, you returned one number, p.grad = {number:g}: the two paths "
                         "added already.", "Return each path on its own: return direct, through_r")
        return wrong(f"paths_to_p should return two numbers (direct, through_r), but it returned "
                     f"{describe(result)}.", "End it with: return direct, through_r")
    numbers = [_path_number(value, label) for value, label in zip(result, ("direct", "through_r"))]
    for number in numbers:
        if not isinstance(number, float):
            return number  # a wrong() about that value
    direct, through_r = numbers
    right_direct, right_through = _path_gradients(p, q)
    good = [math.isclose(got, want, rel_tol=PATH_TOLERANCE, abs_tol=PATH_TOLERANCE)
            for got, want in ((direct, right_direct), (through_r, right_through))]
    if all(good):
        return correct()
    near = all(math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-4)
               for got, want in ((direct, right_direct), (through_r, right_through)))
    if near:
        return wrong(f"{at}: direct = {direct:.10g} and through_r = {through_r:.10g} are close, "
                     f"but not precise enough: each must be within {PATH_TOLERANCE:g} of "
                     f"{right_direct:.10g} and {right_through:.10g}.",
                     "Compute with p and q as they come, without rounding.")
    parts = [f"{label} is {got:g}, but it should be {want:g}"
             for label, got, want, ok in (("direct", direct, right_direct, good[0]),
                                          ("through_r", through_r, right_through, good[1]))
             if not ok]
    return wrong(f"{at}: " + "; ".join(parts) + ".", _path_slip(p, q, direct, through_r))


gradient_by_hand = Exercise(
    "gradient_by_hand",
    "r = p * q, s = r + p, t = s ** 2. Complete paths_to_p(p, q): return the gradient that each "
    "of the two paths from t to p carries (direct: t → s → p; through_r: t → s → r → p), each a "
    "product of local derivatives. The check runs it with autograd switched off.",
    _check_gradient_by_hand,
    hints=(
        "Start at t: the local derivative of t = s ** 2 is dt/ds = 2·s.",
        "Direct path: dt/ds · ds/dp, and ds/dp = 1 (s = r + p). Through r: dt/ds · ds/dr · dr/dp, "
        "with ds/dr = 1 and dr/dp = q (r = p * q).",
        "grad_s = 2 * s; direct = grad_s * 1; through_r = grad_s * 1 * q. Their sum is p.grad "
        "(3 at p = 1.5, q = -2).",
    ),
    solution=(
        "def paths_to_p(p, q):\n"
        "    r = p * q\n"
        "    s = r + p\n"
        "    grad_s = 2 * s                  # dt/ds for t = s ** 2\n"
        "    direct = grad_s * 1             # t → s → p:      ds/dp = 1\n"
        "    through_r = grad_s * 1 * q      # t → s → r → p:  ds/dr = 1, dr/dp = q\n"
        "    return direct, through_r\n"
        "\n"
        "# At p = 1.5, q = -2: s = -1.5, grad_s = -3, direct = -3, through_r = 6.\n"
        "# backward() adds the paths: p.grad = -3 + 6 = 3  (check: t.backward(); p.grad)"
    ),
    kind="code",
)


# ====================================================================== 3. code: find the leaves
# Each graph is built by a function that returns only its output: while the student's code runs,
# the leaves are reachable only through the graph, never from a variable of the checker (a
# student's code could read those through its frames). Which leaves are right is worked out after
# the student's function has returned. The names are those of the leaves in the order
# _reference_leaves finds them.
def _sum_of_products():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    return (a * b + a).sum()


def _input_without_grad():
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    x = torch.tensor([2.0, 3.0])  # does not require grad: its slot in next_functions is (None, 0)
    return torch.exp(w * x)


def _many_paths():
    c = torch.tensor(1.1, requires_grad=True)
    z = c
    for _ in range(8):
        z = z * z  # each step uses z twice: many paths lead back to c
    return z


def _three_leaves():
    u = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = torch.tensor(2.0, requires_grad=True)
    k = torch.tensor(0.5, requires_grad=True)
    h = torch.relu(u * v - 1)
    return ((h * k).sum() + v) ** 2


GRAPHS = (
    ("out = (a * b + a).sum()", _sum_of_products, ("a", "b")),
    ("y = torch.exp(w * x), where x does not require grad", _input_without_grad, ("w",)),
    ("z = c, then z = z * z eight times", _many_paths, ("c",)),
    ("loss = ((h * k).sum() + v) ** 2 with h = torch.relu(u * v - 1)", _three_leaves,
     ("u", "v", "k")),
)


def _reference_leaves(output):
    """The leaves of output's graph, each once, in a fixed order (depth first, inputs in order)."""
    leaves, seen, to_visit = [], set(), [output.grad_fn]
    while to_visit:
        node = to_visit.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):
            leaves.append(node.variable)
        else:
            to_visit.extend(reversed([next_node for next_node, _ in node.next_functions]))
    return leaves


def _check_leaves_of(leaves_of):
    verdict = expect_function(leaves_of, "leaves_of", exercise="find_the_leaves")
    if verdict is not None:
        return verdict
    # A leaf that requires grad, alive during the call but in none of the graphs: what a search of
    # the checker's frames or of all live tensors finds, instead of walking the graph.
    unrelated = torch.tensor([0.0], requires_grad=True)  # noqa: F841 (kept alive on purpose)
    for description, build, names in GRAPHS:
        output = build()
        try:
            # Autograd off while the student's code runs: walking next_functions needs none.
            result = run_by_hand(leaves_of, output)
        except AttributeError as error:
            if "NoneType" not in str(error):
                raise
            return wrong(f"For {description}, leaves_of raised AttributeError: {error}.",
                         "Some entries of next_functions are (None, 0), for inputs that do not "
                         "require grad: skip them.")
        verdict = _compare_leaves(result, output, description, names)
        if not verdict:
            return verdict
    return correct("it finds every leaf, once, on each of the test graphs — also where a node "
                   "input is (None, 0) and where many paths meet.")


def _compare_leaves(result, output, description, names):
    """The verdict on what leaves_of returned for ``output``, whose leaves are named ``names``."""
    if result is None or result is ...:
        raise NotAnswered("leaves_of returned None: write its body and return the leaves "
                          "(a list of tensors), then run the cell again.")
    problem = code_inside(result)
    if problem:
        return wrong(f"What leaves_of returned could not be checked: {problem}",
                     "Return a plain list of the leaf tensors you found.")
    if isinstance(result, torch.Tensor) or not isinstance(result, (list, tuple, set)):
        return wrong(f"leaves_of should return a list of tensors, but it returned "
                     f"{describe(result)}.")
    items = list(result)[:1000]  # read before the right leaves are worked out, below
    leaves = dict(zip(names, _reference_leaves(output)))
    found = []
    for item in items:
        if isinstance(item, torch.autograd.graph.Node):
            return wrong(f"leaves_of returned a node ({type(item).__name__}), not a tensor.",
                         "An AccumulateGrad node keeps its leaf tensor in .variable.")
        if not isinstance(item, torch.Tensor):
            return wrong(f"leaves_of should return tensors, but one entry is {describe(item)}.")
        name = next((n for n, leaf in leaves.items() if leaf is item), None)
        if name is None:
            nudge = ("Collect only node.variable of the AccumulateGrad nodes, not the tensors "
                     "computed along the way." if item.grad_fn is not None or not item.requires_grad
                     else "That leaf is not in this graph: find the leaves by walking from "
                          "tensor.grad_fn, not by searching elsewhere.")
            return wrong(f"For {description}, leaves_of returned a tensor that is not one of "
                         f"the leaves ({', '.join(sorted(leaves))}).", nudge)
        found.append(name)
    repeated = sorted({n for n in found if found.count(n) > 1})
    if repeated:
        return wrong(f"For {description}, leaves_of listed {repeated[0]} "
                     f"{found.count(repeated[0])} times; list each leaf once.",
                     "A leaf can be reached along several paths: remember the nodes (or "
                     "leaves) you have already seen, e.g. in a set.")
    missing = [n for n in sorted(leaves) if n not in found]
    if missing:
        nudge = ("Some entries of next_functions are (None, 0): skip them and keep walking "
                 "the others." if "None" in description else
                 "Follow every entry of next_functions, not only the first, until no node "
                 "is left to visit.")
        return wrong(f"For {description}, leaves_of missed {', '.join(missing)}.", nudge)
    return correct()


find_the_leaves = Exercise(
    "find_the_leaves",
    "Write leaves_of(tensor): walk from tensor.grad_fn along next_functions and return the list "
    "of leaf tensors the graph reaches, each once.",
    _check_leaves_of,
    hints=(
        "Keep a list of nodes still to visit, starting with [tensor.grad_fn]. Take one out, "
        "then add the nodes of its next_functions.",
        "An entry of next_functions is a pair (node, index); the node can be None. A node with "
        "a .variable attribute is an AccumulateGrad: its .variable is a leaf.",
        "Several paths can reach the same node: keep a set of nodes already visited and skip "
        "them.",
    ),
    solution=(
        "def leaves_of(tensor):\n"
        "    leaves, seen = [], set()\n"
        "    to_visit = [tensor.grad_fn]\n"
        "    while to_visit:\n"
        "        node = to_visit.pop()\n"
        "        if node is None or node in seen:\n"
        "            continue\n"
        "        seen.add(node)\n"
        "        if hasattr(node, 'variable'):        # AccumulateGrad: the end of a path\n"
        "            leaves.append(node.variable)\n"
        "        else:\n"
        "            to_visit.extend(next_node for next_node, _ in node.next_functions)\n"
        "    return leaves\n"
        "# Each leaf has one AccumulateGrad node, so 'seen' also keeps each leaf once."
    ),
    kind="code",
)

EXERCISES = (follow_next_functions, gradient_by_hand, find_the_leaves)
