"""Exercises for lesson 12: build your own backward engine.

::

    from gradlab.exercises import lesson12 as exercises
    exercises.count_dependencies.check(count_dependencies)
    exercises.topological_order.check(topological_order)
    exercises.run_backward.check(run_backward)

- ``count_dependencies(root)``: ``{node: number of edges pointing to it}`` for every node
  reachable from ``root`` (the root itself: 0);
- ``topological_order(root)``: the nodes in a list, root first, each before every node of
  its ``next_functions`` (Kahn's algorithm);
- ``run_backward(loss)``: fill the leaves' ``.grad`` by calling every node once, in such an
  order, with the sum of the gradients that arrived for it.

Each function runs on graphs the checker builds first (a value used twice, a shortcut, a
diamond, constants, a chain of 5,000 nodes, a ladder whose paths double at every step). The
student's code runs "by hand": nothing is recorded, and gradlab's own backward pass
(``backward()``, ``torch.autograd.iter_backward``, or anything that runs them) is switched off.
The checker watches the walk itself: how often ``next_functions`` is read (a walk without a
set of seen nodes goes through the ladder's 2**30 paths), which nodes are called, how often
and in which order, and compares the gradient each node receives with the engine's record
for the same node of a twin graph.
"""
import contextlib

import numpy as np

import gradlab as torch

from ..autograd import engine
from ..autograd.node import AccumulateGrad, Node
from .core import (
    Exercise, NotAnswered, PYTORCH_TENSOR_NUDGE, code_inside, correct, describe, expect_function,
    wrong,
)
from .student_code import ByHand, StudentCodeStopped, run_by_hand

__all__ = ["count_dependencies", "topological_order", "run_backward"]

CHAIN_LENGTH = 5000
LADDER_STEPS = 30


# ---------------------------------------------------------------------------
# the graphs every checker walks
# ---------------------------------------------------------------------------

# (title, leaves {name: shape}, constants {name: shape}, lines): the last line assigns `loss`.
GRAPHS = (
    ("a value used twice", {"w": ()}, {}, ("loss = w * w",)),
    ("the lesson's graph", {"w": (), "b": ()}, {}, ("h = w * 3 + b", "loss = h * h + w")),
    ("a chain with constants", {"x": (3,)}, {}, ("loss = ((x * 2) + 1).exp().sum()",)),
    ("a shortcut", {"x": (3,)}, {}, ("h = x.exp()", "loss = (h + h.sin()).sum()")),
    ("a diamond", {"x": (3,), "w": (3,)}, {},
     ("h = x * w", "loss = (h.sin() * h.cos() + h).sum()")),
    ("a prediction", {"w": (3,), "b": (3,)}, {"x": (3,)},
     ("p = w * x + b", "loss = ((p - 1) ** 2).mean()")),
    (f"a chain of {CHAIN_LENGTH:,} nodes", {"x": ()}, {},
     ("h = x", f"for step in range({CHAIN_LENGTH}): h = h * 0.9999", "loss = h")),
    ("a ladder", {"x": ()}, {},
     ("h = x", f"for step in range({LADDER_STEPS}): h = h.sin() + h.cos()", "loss = h")),
)
DEEP = GRAPHS[-2][0]
_seeds = iter(range(12, 10**9))


class _Graph:
    """One graph the checker built: the tensors of its code, in a namespace, and ``loss``."""

    def __init__(self, title, leaves, constants, lines, seed):
        generator = np.random.default_rng(seed)
        self.title = title
        self.lines = lines
        self.seed = seed
        self.leaf_names = tuple(leaves)
        self.namespace = {"torch": torch}
        for names, requires_grad in ((leaves, True), (constants, False)):
            for name, shape in names.items():
                values = np.round(generator.uniform(0.5, 1.5, size=shape), 3)
                self.namespace[name] = torch.tensor(values, dtype=torch.float64,
                                                    requires_grad=requires_grad)
        self.made = []  # (line, the tensor it assigned), to name the nodes in messages
        with torch.enable_grad():
            for line in lines:
                exec(line, self.namespace)
                self.made.append((line, self.namespace[line.split("=")[0].split(":")[-1].strip()]))
        self.loss = self.namespace["loss"]
        self.root = self.loss.grad_fn

    def twin(self):
        """The same graph built again, with the same values."""
        spec = next(spec for spec in GRAPHS if spec[0] == self.title)
        return _Graph(*spec, seed=self.seed)

    @property
    def code(self):
        return "; ".join(self.lines)

    def leaves(self):
        return {name: self.namespace[name] for name in self.leaf_names}

    def labels(self):
        """A readable name for every node: its class and the line that made it."""
        labels = {}
        for name in self.leaf_names:
            leaf = self.namespace[name]
            for node in _nodes(self.root):
                if type(node) is AccumulateGrad and node.variable is leaf:
                    labels[node] = f"AccumulateGrad of {name}"
        seen = set(labels)
        for line, target in self.made:
            if target.grad_fn is None:
                continue
            for node in _nodes(target.grad_fn):
                if node not in seen:
                    seen.add(node)
                    labels[node] = f"{node.name()} (from `{line}`)"
        counted = {}
        for node in _nodes(self.root):  # many nodes of one loop line: say which one
            label = labels.setdefault(node, node.name())
            if "for step" in label:
                counted[label] = counted.get(label, 0) + 1
                labels[node] = label[:-1] + f", number {counted[label]} from the output)"
        return labels


def _graphs():
    """The graphs, built one at a time (a check that fails early does not build the rest)."""
    seed = next(_seeds)
    for spec in GRAPHS:
        yield _Graph(*spec, seed=seed)


def _nodes(root):
    """Every node reachable from ``root``, each once, in a fixed depth-first order."""
    order, seen, stack = [], {root}, [root]
    while stack:
        node = stack.pop()
        order.append(node)
        for next_node in reversed(node._next_nodes):
            if next_node is not None and next_node not in seen:
                seen.add(next_node)
                stack.append(next_node)
    return order


def _edge_counts(root):
    counts = {node: 0 for node in _nodes(root)}
    for node in counts:
        for next_node in node._next_nodes:
            if next_node is not None:
                counts[next_node] += 1
    return counts


def _path_counts(root):
    """How many paths lead from ``root`` to each node (what counting without a seen-set gives)."""
    counts = _edge_counts(root)
    remaining, paths, ready = dict(counts), {root: 1}, [root]
    while ready:
        node = ready.pop()
        for next_node in node._next_nodes:
            if next_node is not None:
                paths[next_node] = paths.get(next_node, 0) + paths[node]
                remaining[next_node] -= 1
                if not remaining[next_node]:
                    ready.append(next_node)
    return paths


def _parent_counts(root):
    """How many distinct nodes point to each node (what counting nodes instead of edges gives)."""
    parents = {node: set() for node in _nodes(root)}
    for node in parents:
        for next_node in node._next_nodes:
            if next_node is not None:
                parents[next_node].add(node)
    return {node: len(found) for node, found in parents.items()}


# ---------------------------------------------------------------------------
# running the student's walk, watched
# ---------------------------------------------------------------------------

class _Stopped(StudentCodeStopped):
    """The checker stopped the student's walk; the checker turns it into a sentence."""

    def __init__(self, reason, node=None):
        super().__init__(reason)
        self.reason = reason
        self.node = node


class _EngineUsed(StudentCodeStopped):
    def __init__(self, used):
        super().__init__(f"this exercise asks you to be the engine, so gradlab's own backward pass "
                         f"is switched off while your code runs — but your code uses {used}.")
        self.nudge = ("Walk the graph yourself: node.next_functions gives the edges, node(grad) "
                      "runs one node.")


class _Watch:
    """What the student's code did to the graph: next_functions reads and node calls."""

    def __init__(self, reads_allowed, stop_on_second_call):
        self.reads = 0
        self.reads_allowed = reads_allowed
        self.stop_on_second_call = stop_on_second_call
        self.calls = []  # (node, the gradients it was given)
        self.called = set()
        self.engine_used = False


@contextlib.contextmanager
def _watching(watch):
    edges_property = Node.__dict__["next_functions"]
    read_edges = edges_property.fget
    call = Node.__dict__["__call__"]
    count_dependencies = engine._count_dependencies

    def next_functions(node):
        watch.reads += 1
        if watch.reads > watch.reads_allowed:
            raise _Stopped("wandering")
        return read_edges(node)

    def called(node, *grad_outputs):
        if type(node).__module__.startswith("gradlab."):  # (not a node class of the student's)
            if node in watch.called and watch.stop_on_second_call:
                raise _Stopped("twice", node)
            watch.called.add(node)
            watch.calls.append((node, grad_outputs))
        return call(node, *grad_outputs)

    def engine_refused(*args, **kwargs):
        watch.engine_used = True
        raise _EngineUsed("gradlab's backward engine (loss.backward(), iter_backward or a tool "
                          "built on them)")

    Node.next_functions = property(next_functions, doc=edges_property.__doc__)
    Node.__call__ = called
    engine._count_dependencies = engine_refused
    try:
        yield watch
    finally:
        engine._count_dependencies = count_dependencies
        Node.__call__ = call
        Node.next_functions = edges_property


def _run_student(function, graph, argument, *, stop_on_second_call=False):
    """``function(argument)`` by hand, watched; returns (result, watch)."""
    size = sum(1 + len(node._next_nodes) for node in _nodes(graph.root))
    watch = _Watch(reads_allowed=10 * size + 100, stop_on_second_call=stop_on_second_call)
    try:
        with _watching(watch):
            result = run_by_hand(function, argument)
            # made plain here, under the same guards: the checks below read only plain values
            result = run_by_hand(_plain, result)
    except ByHand as refused:
        raise _EngineUsed(refused.used) from None
    if watch.engine_used:  # the student's code caught our stop and went on
        raise _EngineUsed("gradlab's backward engine (loss.backward(), iter_backward or a tool "
                          "built on them)")
    return result, watch


class _Other:
    """What a student's function returned when it is not a dict, list or tuple: its description."""

    def __init__(self, value):
        self.text = describe(value)


def _plain(value):
    """A returned dict, list or tuple as a plain one (a subclass's own methods run now, guarded)."""
    if value is None or value is ...:
        return value
    if isinstance(value, dict):
        return dict(value) if type(value) is not dict else value
    if isinstance(value, (list, tuple)):
        return list(value) if type(value) not in (list, tuple) else value
    return _Other(value)


def _not_a_function(answer, name, signature):
    """A verdict when ``answer`` is not a function the checker can run, else None."""
    if callable(answer) and not isinstance(answer, type):
        module = getattr(answer, "__globals__", {}).get("torch")
        if getattr(module, "__name__", "gradlab") == "torch":  # the real PyTorch
            return wrong(f"Your {name} uses PyTorch itself (its `torch` is the real torch module): in "
                         "these lessons `torch` is gradlab, and the graphs checked are gradlab's.",
                         PYTORCH_TENSOR_NUDGE)
        return None
    return expect_function(answer, name, signature)


def _where(graph):
    return f"In the graph of `{graph.code}` ({graph.title})"


def _stopped_message(stop, graph, labels, name):
    if stop.reason == "wandering":
        return wrong(
            f"{_where(graph)}, your {name} read next_functions more than "
            f"{_budget_text(graph)} times and was stopped: it walks the same nodes again and again.",
            "A node reached along two edges must be expanded once: keep a set (or dict) of the "
            "nodes already seen and push a node on the stack only the first time you meet it.")
    label = labels.get(stop.node, stop.node.name())
    return wrong(
        f"{_where(graph)}, your run_backward called {label} a second time. The "
        "engine runs each node once, with the sum of every gradient that arrives for it.",
        "Buffer the gradients that arrive for a node (add them up) and call the node only when "
        "all of them have arrived: go through the nodes in a topological order.")


def _budget_text(graph):
    size = sum(1 + len(node._next_nodes) for node in _nodes(graph.root))
    return f"{10 * size + 100:,}"


def _recursion_message(name):
    return wrong(
        f"Your {name} hit Python's recursion limit on {DEEP}: a recursive walk makes one nested "
        "call per level, and Python stops after a few thousand.",
        "Use a loop and a list as your own stack (stack.append / stack.pop) instead of a function "
        "that calls itself.")


def _none_message(name):
    gradients = ", and a node returns None as their gradient" if name == "run_backward" else ""
    return wrong(
        f"Your {name} tripped over None: next_functions has (None, 0) entries for inputs that "
        f"need no gradient (the 2 in x * 2){gradients}.",
        "Skip them: for next_node, _ in node.next_functions: if next_node is None: continue")


def _call(function, graph, argument, name, **options):
    """Run the student's function; (result, watch, None) or (None, None, a wrong verdict)."""
    try:
        result, watch = _run_student(function, graph, argument, **options)
    except _Stopped as stop:
        return None, None, _stopped_message(stop, graph, graph.labels(), name)
    except RecursionError:
        return None, None, _recursion_message(name)
    except (AttributeError, TypeError) as error:
        if "NoneType" in str(error):
            return None, None, _none_message(name)
        if "iteration over a 0-d tensor" in str(error):
            return None, None, _bare_tensor_message()
        raise
    return result, watch, None


def _bare_tensor_message():
    return wrong(
        "Your run_backward tried to iterate over a 0-d tensor: a node with one input returns "
        "its gradient bare, not in a tuple (as in PyTorch).",
        "Wrap it before you zip it with next_functions: if not isinstance(grads, tuple): "
        "grads = (grads,)")


def _element_problem(item, nodes, where):
    """A sentence when ``item`` (a key or item of the student's answer) is not a node, else ''.

    Only ``type(item)`` is looked at, never the item's own methods: none of the student's code
    runs while the checker reads the answer.
    """
    kind = type(item)
    if item is None:
        return (f"{where} is None: next_functions has (None, 0) entries for inputs that need no "
                "gradient; skip them.")
    if kind is tuple:
        return (f"{where} is a tuple of {len(item)}: the entries of next_functions are "
                "(node, input_nr) pairs; keep the node (next_node, _ = pair).")
    if issubclass(kind, torch.Tensor):
        return (f"{where} is a tensor: the graph's nodes are grad_fn objects (loss.grad_fn, "
                "node.next_functions[i][0]), not tensors.")
    if kind is str:
        return f"{where} is the text {_short(item)}: give the node objects, not their names."
    if not issubclass(kind, Node) or not kind.__module__.startswith("gradlab."):
        return f"{where} is an object of type {kind.__name__}, which is not a node of the graph."
    if item not in nodes:
        return f"{where} is {item.name()}, a node that is not reachable from the root of this graph."
    return ""


def _returned(value):
    return value.text if isinstance(value, _Other) else describe(value)


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------
# 1. counting dependencies
# ---------------------------------------------------------------------------

def _check_count_dependencies(function):
    verdict = _not_a_function(function, "count_dependencies", "root")
    if verdict is not None:
        return verdict
    for graph in _graphs():
        counts, _, verdict = _call(function, graph, graph.root, "count_dependencies")
        if verdict is not None:
            return verdict
        if counts is None or counts is ...:
            raise NotAnswered("count_dependencies returned None: replace the ... with your code "
                              "and return the dict, then run the cell again.")
        verdict = _judge_counts(counts, graph)
        if not verdict:
            return verdict
    return correct("every node has the number of edges that point to it, on all 8 graphs — the "
                   f"ladder's 2**{LADDER_STEPS} paths and the chain of {CHAIN_LENGTH:,} included. "
                   "These counts are what the engine waits for.")


def _judge_counts(counts, graph):
    if not isinstance(counts, dict):
        return wrong(f"count_dependencies should return a dict {{node: count}}, but it returned "
                     f"{_returned(counts)}.", "Start with counts = {root: 0} and return counts.")
    expected = _edge_counts(graph.root)
    labels = graph.labels()
    for key in list(counts)[:10_000]:
        problem = _element_problem(key, expected, "a key of your dict")
        if problem:
            return wrong(f"{_where(graph)}, {problem}")
    for key, value in counts.items():
        if not (type(value) is int or issubclass(type(value), np.integer)
                and type(value).__module__ == "numpy"):
            shown = describe(value) if type(value) in (bool, float, str) else \
                f"an object of type {type(value).__name__}"
            return wrong(f"{_where(graph)}, your count for {labels[key]} is {shown}: each "
                         "count is a whole number (how many edges point to the node).")
    missing = [node for node in expected if node not in counts]
    if graph.root in missing:
        return wrong(f"{_where(graph)}, the root ({labels[graph.root]}) is missing from your dict.",
                     "Give the root 0: no edge points to it (its gradient, 1, comes from outside).")
    if missing:
        every_leaf = all(type(node) is AccumulateGrad for node in missing)
        return wrong(f"{_where(graph)}, {len(missing)} node(s) reachable from the root are missing, "
                     f"e.g. {labels[missing[0]]}.",
                     "The AccumulateGrad nodes at the leaves are nodes too: give them a count."
                     if every_leaf else "Every node reachable from the root needs an entry.")
    if counts[graph.root] != 0:
        return wrong(f"{_where(graph)}, your count for the root is {counts[graph.root]}, but no edge "
                     "points to the root.", "Its gradient (1) comes from outside the graph: count 0.")
    for node, number in expected.items():
        if counts[node] != number:
            return wrong(
                f"{_where(graph)}, your count for {labels[node]} is {counts[node]}, "
                f"but {number} edge{'s' if number != 1 else ''} point{'' if number != 1 else 's'} "
                "to it.", _count_nudge(graph, node, counts[node]))
    return correct()


def _count_nudge(graph, node, number):
    paths = _path_counts(graph.root)
    if number == paths[node] and number > _edge_counts(graph.root)[node]:
        shared = next((sender for sender in _nodes(graph.root)
                       if node in sender._next_nodes and paths[sender] > 1), None)
        where = (f"{graph.labels()[shared]} is reached along {paths[shared]} paths, and its edges "
                 "were counted on each visit" if shared is not None else
                 "the edges out of a node reached twice were counted twice")
        return (f"That is the number of PATHS from the root to it: {where}. Expand each node once "
                "(keep a set of the nodes seen), and count every edge into it as you pass.")
    if number == _parent_counts(graph.root)[node]:
        return ("That is the number of different nodes that point to it. Count edges: in w * w, "
                "MulBackward0 has two edges to AccumulateGrad of w, so it counts 2.")
    return "Count one for every entry (next_node, _) of every node's next_functions."


count_dependencies = Exercise(
    "count_dependencies",
    "Complete count_dependencies(root): return a dict {node: number of edges pointing to it} with "
    "an entry for every node reachable from root (root: 0), walking next_functions with a loop.",
    _check_count_dependencies,
    hints=(
        "Keep a stack of nodes to expand, starting with [root], and a dict counts = {root: 0}. "
        "Pop a node, look at each (next_node, _) in node.next_functions.",
        "Skip next_node None. Add 1 to counts[next_node] for every edge — w * w has two edges to "
        "the same AccumulateGrad node, so it gets 2.",
        "Push next_node on the stack only the first time you see it (when it is not in counts "
        "yet): a node reached twice must not be expanded twice, or its edges count twice.",
    ),
    solution=(
        "def count_dependencies(root):\n"
        "    counts = {root: 0}\n"
        "    stack = [root]\n"
        "    while stack:\n"
        "        node = stack.pop()\n"
        "        for next_node, _ in node.next_functions:\n"
        "            if next_node is None:          # an input that needs no gradient\n"
        "                continue\n"
        "            if next_node not in counts:    # seen for the first time: expand it later\n"
        "                counts[next_node] = 0\n"
        "                stack.append(next_node)\n"
        "            counts[next_node] += 1         # one more edge points to it\n"
        "    return counts"
    ),
    kind="code",
)


# ---------------------------------------------------------------------------
# 2. a topological order (Kahn's algorithm)
# ---------------------------------------------------------------------------

def _check_topological_order(function):
    verdict = _not_a_function(function, "topological_order", "root")
    if verdict is not None:
        return verdict
    for graph in _graphs():
        order, _, verdict = _call(function, graph, graph.root, "topological_order")
        if verdict is not None:
            return verdict
        if order is None or order is ...:
            raise NotAnswered("topological_order returned None: replace the ... with your code and "
                              "return the list, then run the cell again.")
        verdict = _judge_order(order, graph)
        if not verdict:
            return verdict
    return correct("every node comes after all the nodes that send it a gradient, on all 8 "
                   f"graphs, the chain of {CHAIN_LENGTH:,} included. In this order each node can "
                   "run once, with its gradient complete.")


def _first_violation(order, position):
    """(sender, receiver) for the first node listed after a node it sends a gradient to."""
    for node in order:
        for next_node in node._next_nodes:
            if next_node is not None and position[next_node] < position[node]:
                return node, next_node
    return None


def _judge_order(order, graph):
    if not isinstance(order, (list, tuple)):
        return wrong(f"topological_order should return a list of nodes, but it returned "
                     f"{_returned(order)}.", "Collect the nodes with order.append(node) and return order.")
    expected = _edge_counts(graph.root)
    labels = graph.labels()
    for item in order[:100_000]:
        problem = _element_problem(item, expected, "an item of your list")
        if problem:
            return wrong(f"{_where(graph)}, {problem}")
    position = {}
    for index, node in enumerate(order):
        if node in position:
            return wrong(f"{_where(graph)}, {labels[node]} is in your list more than once.",
                         "List each node once: a node reached along two edges (as in w * w) is "
                         "still one node. Add it when its count of waiting edges reaches 0.")
        position[node] = index
    missing = [node for node in expected if node not in position]
    if missing:
        every_leaf = all(type(node) is AccumulateGrad for node in missing)
        return wrong(f"{_where(graph)}, {len(missing)} node(s) reachable from the root are missing "
                     f"from your list, e.g. {labels[missing[0]]}.",
                     "The AccumulateGrad nodes at the leaves are nodes too: list them."
                     if every_leaf else "Every node reachable from the root belongs in the list.")
    if order[0] is not graph.root:
        if _first_violation(list(reversed(order)), {n: i for i, n in enumerate(reversed(order))}) \
                is None:
            return wrong(f"{_where(graph)}, your list is the right order reversed: it starts at the "
                         "leaves (the forward order).",
                         "Backward starts at the root: reverse the list (or append each node when "
                         "it becomes ready, not after its inputs).")
        return wrong(f"{_where(graph)}, your list starts with {labels[order[0]]}; it should start "
                     f"with the root, {labels[graph.root]}.",
                     "No edge points to the root, so it is ready first.")
    violation = _first_violation(order, position)
    if violation is not None:
        sender, receiver = violation
        return wrong(
            f"{_where(graph)}, your list puts {labels[receiver]} before "
            f"{labels[sender]}, which sends a gradient to it (it is in its next_functions). "
            "Its gradient would not be complete when it runs.",
            "A plain depth-first or breadth-first walk gets this wrong on a shortcut: count the "
            "edges into each node first, and add a node to the list only when the last one of "
            "them has been passed (its count reaches 0).")
    return correct()


topological_order = Exercise(
    "topological_order",
    "Complete topological_order(root): return every node reachable from root in a list, root "
    "first, each node before all the nodes in its next_functions — with a loop, not recursion.",
    _check_topological_order,
    hints=(
        "Start from counts = count_dependencies(root): how many edges still have to be passed "
        "before each node is ready. The root's count is 0, so ready = [root].",
        "Loop while ready is not empty: pop a node, append it to the order, and subtract 1 from the "
        "count of each next_node in its next_functions (skip None).",
        "When a count reaches 0, every node that sends a gradient to that node is in the order "
        "already: push it on ready. (This is Kahn's algorithm.)",
    ),
    solution=(
        "def count_dependencies(root):             # exercise 1, so that this runs on its own\n"
        "    counts, stack = {root: 0}, [root]\n"
        "    while stack:\n"
        "        node = stack.pop()\n"
        "        for next_node, _ in node.next_functions:\n"
        "            if next_node is not None:\n"
        "                if next_node not in counts:\n"
        "                    counts[next_node] = 0\n"
        "                    stack.append(next_node)\n"
        "                counts[next_node] += 1\n"
        "    return counts\n"
        "\n"
        "def topological_order(root):\n"
        "    waiting = count_dependencies(root)     # edges not passed yet, per node\n"
        "    order, ready = [], [root]\n"
        "    while ready:\n"
        "        node = ready.pop()\n"
        "        order.append(node)\n"
        "        for next_node, _ in node.next_functions:\n"
        "            if next_node is None:\n"
        "                continue\n"
        "            waiting[next_node] -= 1\n"
        "            if waiting[next_node] == 0:    # everything that feeds it is in the order\n"
        "                ready.append(next_node)\n"
        "    return order"
    ),
    kind="code",
)


# ---------------------------------------------------------------------------
# 3. the backward loop
# ---------------------------------------------------------------------------

def _check_run_backward(function):
    verdict = _not_a_function(function, "run_backward", "loss")
    if verdict is not None:
        return verdict
    for graph in _graphs():
        _, watch, verdict = _call(function, graph, graph.loss, "run_backward",
                                  stop_on_second_call=True)
        if verdict is not None:
            return verdict
        leaves = graph.leaves()
        if not watch.calls and all(leaf.grad is None for leaf in leaves.values()):
            raise NotAnswered("run_backward(loss) called no node and left every .grad None: "
                              "replace the ... with your loop, then run the cell again.")
        verdict = _judge_backward(graph, watch)
        if not verdict:
            return verdict
    return correct("your loop fills .grad exactly as loss.backward() does on all 8 graphs, calling "
                   "each node once, after every gradient for it had arrived — that is the engine.")


def _engine_records(graph):
    """The engine's record for each node of ``graph``, from a twin graph it ran backward on."""
    twin = graph.twin()
    records = {step.node: step for step in torch.autograd.iter_backward(twin.loss)}
    ours = _nodes(graph.root)
    theirs = _nodes(twin.root)
    return {node: records.get(other) for node, other in zip(ours, theirs)}, twin


def _judge_backward(graph, watch):
    labels = graph.labels()
    position = {node: index for index, (node, _) in enumerate(watch.calls)}
    for node, _ in watch.calls:
        for next_node in node._next_nodes:
            if next_node is not None and position.get(next_node, len(position)) < position[node]:
                return wrong(
                    f"{_where(graph)}, your run_backward called {labels[next_node]} "
                    f"before {labels[node]}, which sends a gradient to it: that gradient arrived "
                    "after the node had run, and was lost.",
                    "Go through the nodes in a topological order (exercise 2): a node runs only "
                    "when every node that feeds it has run.")
    start = watch.calls[0][1][0] if watch.calls and watch.calls[0][0] is graph.root \
        and watch.calls[0][1] else None
    if type(start) is torch.Tensor and not code_inside(start) and start.dtype != graph.loss.dtype:
        return wrong(f"{_where(graph)}, your run_backward starts with a {_dtype(start)} gradient "
                     f"for a {_dtype(graph.loss)} loss, so every gradient after it is rounded to "
                     f"{_dtype(start)}.",
                     "Start from torch.ones_like(loss): the same shape and dtype as loss.")
    records, twin = _engine_records(graph)
    for node, grad_outputs in watch.calls:
        record = records.get(node)
        if record is None or not grad_outputs:
            continue
        verdict = _compare_gradient(grad_outputs[0], record.grad_outputs[0],
                                    f"{_where(graph)}, {labels[node]} received")
        if not verdict:
            return verdict
    for name, leaf in graph.leaves().items():
        expected = twin.namespace[name].grad
        if leaf.grad is None:
            return wrong(f"{_where(graph)}, {name}.grad is still None after run_backward(loss).",
                         f"A leaf's gradient is stored by its AccumulateGrad node: call it with the "
                         f"gradient that arrived for it (it adds into {name}.grad).")
        verdict = _compare_gradient(leaf.grad, expected, f"{_where(graph)}, {name}.grad is")
        if not verdict:
            return verdict
    return correct()


def _compare_gradient(answer, expected, what):
    problem = code_inside(answer)
    if problem:  # read nothing of it: its own methods would run here, unguarded
        return wrong(f"{what} something that could not be checked: {problem}")
    if not issubclass(type(answer), torch.Tensor):
        shown = describe(answer) if answer is None or type(answer) in (int, float, str) else \
            f"an object of type {type(answer).__name__}"
        return wrong(f"{what} {shown}, not a tensor.",
                     "Give every node a tensor: torch.ones_like(loss) at the start, then the "
                     "gradients the nodes return.")
    if tuple(answer.shape) != tuple(expected.shape):
        return wrong(
            f"{what} a gradient of shape {tuple(answer.shape)}, but the engine gives one of shape "
            f"{tuple(expected.shape)}.",
            "A node with one input returns its gradient bare, not in a tuple (as in PyTorch), so "
            "zip(node.next_functions, grads) walks the tensor's elements. Wrap it first: "
            "if not isinstance(grads, tuple): grads = (grads,)")
    mine = answer.detach().double().numpy()
    theirs = expected.detach().double().numpy()
    if np.allclose(mine, theirs, rtol=1e-6, atol=1e-9):
        return correct()
    shown = _values(mine)
    message = f"{what} {shown}, but the engine gives {_values(theirs)}."
    if np.allclose(mine * 2, theirs, rtol=1e-6, atol=1e-9):
        nudge = ("It is half: a node reached along two edges (h * h, w * w) gets a gradient along "
                 "each, and they must be ADDED (grads[node] = grads[node] + grad), not replaced.")
    elif np.allclose(mine, 2 * theirs, rtol=1e-6, atol=1e-9):
        nudge = "It is twice the engine's: was one gradient added twice?"
    elif not mine.any():
        nudge = "It is all zeros: start from torch.ones_like(loss), the gradient of loss itself."
    else:
        nudge = ("Each node gets the sum of the gradients its senders returned for it; start "
                 "from torch.ones_like(loss) at the root.")
    return wrong(message, nudge)


def _dtype(tensor):
    return str(tensor.dtype).replace("torch.", "")


def _values(array):
    if array.ndim == 0:
        return f"{float(array):.6g}"
    return "[" + ", ".join(f"{float(v):.6g}" for v in array.reshape(-1)[:4]) + \
        (", …]" if array.size > 4 else "]")


run_backward = Exercise(
    "run_backward",
    "Complete run_backward(loss): fill .grad of every leaf of loss's graph, as loss.backward() "
    "does, by calling each node once (node(grad) returns the gradients for its next_functions) "
    "with the sum of the gradients that arrived for it.",
    _check_run_backward,
    hints=(
        "Take order = topological_order(loss.grad_fn) from exercise 2 and a dict grads = "
        "{loss.grad_fn: torch.ones_like(loss)}: the gradient that has arrived for each node.",
        "For each node in order: outputs = node(grads.pop(node)). A node with one input returns a "
        "bare tensor: if not isinstance(outputs, tuple): outputs = (outputs,).",
        "zip(node.next_functions, outputs): skip next_node None (and a None gradient); otherwise "
        "ADD the gradient into grads[next_node] (w * w sends two). AccumulateGrad nodes need no "
        "special case: calling them adds into the leaf's .grad.",
    ),
    solution=(
        "def count_dependencies(root):             # exercises 1 and 2, so that this runs alone\n"
        "    counts, stack = {root: 0}, [root]\n"
        "    while stack:\n"
        "        node = stack.pop()\n"
        "        for next_node, _ in node.next_functions:\n"
        "            if next_node is not None:\n"
        "                if next_node not in counts:\n"
        "                    counts[next_node] = 0\n"
        "                    stack.append(next_node)\n"
        "                counts[next_node] += 1\n"
        "    return counts\n"
        "\n"
        "def topological_order(root):\n"
        "    waiting = count_dependencies(root)\n"
        "    order, ready = [], [root]\n"
        "    while ready:\n"
        "        node = ready.pop()\n"
        "        order.append(node)\n"
        "        for next_node, _ in node.next_functions:\n"
        "            if next_node is not None:\n"
        "                waiting[next_node] -= 1\n"
        "                if waiting[next_node] == 0:\n"
        "                    ready.append(next_node)\n"
        "    return order\n"
        "\n"
        "def run_backward(loss):\n"
        "    grads = {loss.grad_fn: torch.ones_like(loss)}   # node -> gradient arrived so far\n"
        "    for node in topological_order(loss.grad_fn):\n"
        "        outputs = node(grads.pop(node))    # AccumulateGrad adds into .grad, returns ()\n"
        "        if not isinstance(outputs, tuple):\n"
        "            outputs = (outputs,)           # one input: a bare tensor\n"
        "        for (next_node, _), grad in zip(node.next_functions, outputs):\n"
        "            if next_node is None or grad is None:\n"
        "                continue\n"
        "            if next_node in grads:\n"
        "                grads[next_node] = grads[next_node] + grad   # used twice: add\n"
        "            else:\n"
        "                grads[next_node] = grad"
    ),
    kind="code",
)

EXERCISES = (count_dependencies, topological_order, run_backward)
