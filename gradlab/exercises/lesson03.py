"""Exercises for lesson 03: the computational graph.

The first two use the tensors of one cell in the lesson::

    p = torch.tensor(1.5, requires_grad=True)
    q = torch.tensor(-2.0, requires_grad=True)
    r = p * q
    s = r + p
    t = s ** 2

- ``follow_next_functions``: whose AccumulateGrad is
  ``t.grad_fn.next_functions[0][0].next_functions[1][0]``? (a name);
- ``gradient_by_hand``: p.grad after ``t.backward()``, by multiplying local derivatives
  along both paths (a number);
- ``find_the_leaves``: write ``leaves_of(tensor)``, a function that walks ``next_functions`` and
  returns the leaves (code, run on several graphs).
"""
import gradlab as torch

from .core import Exercise, NotAnswered, correct, describe, expect_choice, expect_value, wrong

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
def _check_gradient_by_hand(answer):
    verdict = expect_value(answer, 3.0, tolerance=1e-4)
    if verdict:
        return correct("dt/ds = 2s = -3. Path p → s directly: -3·1 = -3; path p → r → s: "
                       "-3·1·q = 6. Both paths add: -3 + 6 = 3.")
    number = answer.item() if isinstance(answer, torch.Tensor) and answer.numel() == 1 else answer
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        slips = {
            -3.0: "That is only the direct path p → AddBackward0. p also reaches s through "
                  "r = p * q; gradients of all paths add up.",
            6.0: "That is only the path through r = p * q. p also enters s = r + p directly; "
                 "gradients of all paths add up.",
            -4.5: "That is q.grad. For p, follow the edges that end at p's AccumulateGrad.",
            -1.0: "That is ds/dp = q + 1. Multiply by dt/ds = 2s as well.",
            2.25: "That is the value of t, not a gradient.",
        }
        for value, nudge in slips.items():
            if abs(number - value) < 1e-4:
                return wrong(verdict.message, nudge)
    return verdict


gradient_by_hand = Exercise(
    "gradient_by_hand",
    "Without calling backward: what will p.grad be after t.backward()? Multiply the local "
    "derivatives along each path from t to p, and add the paths. (a number)",
    _check_gradient_by_hand,
    hints=(
        "The values: r = p·q = -3, s = r + p = -1.5, t = s² = 2.25.",
        "dt/ds = 2s = -3. From s, p is reached twice: directly (ds/dp = 1) and through r "
        "(ds/dr = 1, dr/dp = q = -2).",
        "p.grad = dt/ds · (1 + 1·q).",
    ),
    solution=(
        "answer = 3.0\n"
        "# dt/ds = 2s = 2·(-1.5) = -3\n"
        "# path t → s → p:        -3 · 1     = -3\n"
        "# path t → s → r → p:    -3 · 1 · q = -3 · (-2) = 6\n"
        "# p.grad = -3 + 6 = 3     (check: t.backward(); p.grad → tensor(3.))"
    ),
)


# ====================================================================== 3. code: find the leaves
def _graphs():
    """Small graphs to run the student's function on: (description, output, {name: leaf})."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    yield "out = (a * b + a).sum()", (a * b + a).sum(), {"a": a, "b": b}

    w = torch.tensor([0.5, -1.0], requires_grad=True)
    x = torch.tensor([2.0, 3.0])  # does not require grad: its slot in next_functions is (None, 0)
    yield "y = torch.exp(w * x), where x does not require grad", torch.exp(w * x), {"w": w}

    c = torch.tensor(1.1, requires_grad=True)
    z = c
    for _ in range(8):
        z = z * z  # each step uses z twice: many paths lead back to c
    yield "z = c, then z = z * z eight times", z, {"c": c}

    u = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = torch.tensor(2.0, requires_grad=True)
    k = torch.tensor(0.5, requires_grad=True)
    h = torch.relu(u * v - 1)
    yield "loss = ((h * k).sum() + v) ** 2 with h = torch.relu(u * v - 1)", \
        ((h * k).sum() + v) ** 2, {"u": u, "v": v, "k": k}


def _check_leaves_of(leaves_of):
    if not callable(leaves_of):
        return wrong(f"Your answer should be the function leaves_of, but it is "
                     f"{describe(leaves_of)}.",
                     "Pass the function itself: exercises.find_the_leaves.check(leaves_of)")
    for description, output, leaves in _graphs():
        try:
            result = leaves_of(output)
        except AttributeError as error:
            if "NoneType" not in str(error):
                raise
            return wrong(f"For {description}, leaves_of raised AttributeError: {error}.",
                         "Some entries of next_functions are (None, 0), for inputs that do not "
                         "require grad: skip them.")
        if result is None or result is ...:
            raise NotAnswered("leaves_of returned None: write its body and return the leaves "
                              "(a list of tensors), then run the cell again.")
        if isinstance(result, torch.Tensor) or not isinstance(result, (list, tuple, set)):
            return wrong(f"leaves_of should return a list of tensors, but it returned "
                         f"{describe(result)}.")
        names = []
        for item in result:
            if isinstance(item, torch.autograd.graph.Node):
                return wrong(f"leaves_of returned a node ({type(item).__name__}), not a tensor.",
                             "An AccumulateGrad node keeps its leaf tensor in .variable.")
            if not isinstance(item, torch.Tensor):
                return wrong(f"leaves_of should return tensors, but one entry is "
                             f"{describe(item)}.")
            name = next((n for n, leaf in leaves.items() if leaf is item), None)
            if name is None:
                return wrong(f"For {description}, leaves_of returned a tensor that is not one of "
                             f"the leaves ({', '.join(leaves)}).",
                             "Collect only node.variable of the AccumulateGrad nodes, not the "
                             "tensors computed along the way.")
            names.append(name)
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            return wrong(f"For {description}, leaves_of listed {repeated[0]} "
                         f"{names.count(repeated[0])} times; list each leaf once.",
                         "A leaf can be reached along several paths: remember the nodes (or "
                         "leaves) you have already seen, e.g. in a set.")
        missing = [n for n in leaves if n not in names]
        if missing:
            nudge = ("Some entries of next_functions are (None, 0): skip them and keep walking "
                     "the others." if "None" in description else
                     "Follow every entry of next_functions, not only the first, until no node "
                     "is left to visit.")
            return wrong(f"For {description}, leaves_of missed {', '.join(missing)}.", nudge)
    return correct("it finds every leaf, once, on each of the test graphs — also where a node "
                   "input is (None, 0) and where many paths meet.")


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
