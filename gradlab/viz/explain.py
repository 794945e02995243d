"""explain(): why is my ``.grad`` None — or why does it hold this value? In plain words.

``explain(tensor, output=None)`` looks at the tensor, at the graph of
``output`` (when given) and at what recent captures recorded (``%%autograd``
cells, ``with capture():`` blocks), and answers with one of these reasons
(``Explanation.reason``):

- ``"requires_grad_false"``: autograd does not track the tensor at all;
- ``"cut"``: the tensor, or the path from it to the output, was made under
  ``no_grad``, by ``detach()`` or by a non-differentiable op (a comparison,
  ``argmax``) — named, with its line when it was captured;
- ``"non_leaf"``: a computed tensor: backward does not keep its gradient
  unless ``retain_grad()`` was called;
- ``"not_used"``: the output does not depend on the tensor;
- ``"no_backward"``: backward has not been called (or ``.grad`` was reset);
- ``"accumulated"``: ``.grad`` is the sum of several backward passes;
- ``"computed"``: the normal case: the value is d(output)/d(tensor), obtained
  through the chain of grad_fn nodes, which the answer lists.
"""
import sys

from ..autograd.node import AccumulateGrad
from ..printing import printoptions
from ..tensor import Tensor
from .boxes import format_values
from .capture import recent_backward_calls, recent_captures_records, recent_names, recent_records
from .cuts import cut_reason, op_text
from .labels import forward_text, named_derivatives, operand_names
from .safe_text import clean, markdown_text

REASONS = ("requires_grad_false", "cut", "non_leaf", "not_used", "no_backward", "accumulated",
           "computed")


class Explanation:
    """The answer: ``reason`` (one of ``REASONS``) and ``text``; prints as the text."""

    def __init__(self, reason, text):
        self.reason = reason
        self.text = clean(text)  # names can hold anything; the answer must print and encode

    def __str__(self):
        return self.text

    def __repr__(self):
        return self.text

    def _repr_markdown_(self):
        return markdown_text(self.text).replace("\n", "  \n")

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text)


def explain(tensor, output=None):
    """Explain in plain words why ``tensor.grad`` is None or holds its value.

    ``output``: the tensor backward was (or will be) called on, e.g. the loss;
    without it, the last ``backward()`` seen by a capture is used when it
    involves ``tensor``.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"explain() takes a tensor, got {type(tensor).__name__}")
    if output is not None and not isinstance(output, Tensor):
        raise TypeError(f"explain(tensor, output): output must be a tensor, got {type(output).__name__}")
    caller = sys._getframe(1)
    namer = _Namer(caller)
    name = namer(tensor)
    out_name = namer(output) if output is not None else None
    record = _record(tensor)

    # ---- not tracked at all
    if not tensor._requires_grad:
        if record is not None and record.created and any(record.inputs_required_grad) \
                and record.part_of is None:
            reason, _ = cut_reason(record, tensor)
            sources = [namer(t) for t, required in zip(record.inputs, record.inputs_required_grad)
                       if required]
            source = f" from {_join(sources)}" if sources else ""
            return Explanation("cut", (
                f"{name} has no gradient: it was made{source} by {op_text(record.op)}"
                f"{_where(record)}, and {reason}. So {_bare(name)}.requires_grad is False and "
                f"{_bare(name)}.grad stays None; no gradient flows back through it"
                f"{' to ' + _join(sources) if sources else ''} either."))
        hint = ("Only floating point tensors can require grad; this one is "
                f"{tensor.dtype}." if tensor._data.dtype.kind not in "fc" else
                f"Create it with requires_grad=True (or call {_bare(name)}.requires_grad_()) before "
                "computing with it.")
        return Explanation("requires_grad_false", (
            f"{name} does not require grad (requires_grad=False): autograd does not track it, so "
            f"backward never gives it a .grad and {_bare(name)}.grad stays None. {hint}"))

    # ---- a computed tensor without retain_grad
    if tensor.grad_fn is not None and not tensor._retains_grad:
        leaves = _leaves_under(tensor.grad_fn, limit=4)
        leaf_names = [namer(leaf) for leaf in leaves]
        made = f", made by {op_text(record.op)}{_where(record)}" if record is not None else ""
        return Explanation("non_leaf", (
            f"{name} is not a leaf: it was computed by {type(tensor.grad_fn).__name__}{made}. "
            f"backward passes its gradient on towards the leaves"
            f"{' (' + _join(leaf_names) + ')' if leaf_names else ''} and does not keep it, so "
            f"{_bare(name)}.grad is None. Call {_bare(name)}.retain_grad() before backward to keep "
            f"it, or read the leaves' .grad instead."))

    # ---- which output, and does it use the tensor?
    call = None
    if output is None:
        for candidate in recent_backward_calls():
            for out in candidate.outputs:
                if _path(out, tensor) is not None:
                    output, call = out, candidate
                    break
            if output is not None:
                break
        out_name = namer(output) if output is not None else None
    path = _path(output, tensor) if output is not None else None
    if output is not None and path is None:
        cut = _cut_on_the_way(tensor, output)
        if cut is not None:
            cut_tensor, cut_record = cut
            reason, _ = cut_reason(cut_record, cut_tensor)
            return Explanation("cut", (
                f"The path from {name} to {out_name} is cut at {namer(cut_tensor)}, made by "
                f"{op_text(cut_record.op)}{_where(cut_record)}: {reason}. So backward from "
                f"{out_name} never reaches {name}, and {_bare(name)}.grad gets nothing from it."))
        return Explanation("not_used", (
            f"{out_name} does not use {name}: nothing in {out_name}'s graph (its grad_fn chain) "
            f"leads back to {name}, so backward from {out_name} gives {_bare(name)}.grad nothing "
            f"(it stays {'None' if tensor._grad is None else 'as it was'}). If {name} should "
            "matter, check that it is used after it was created, and not through .detach(), "
            "torch.no_grad() or a comparison."))

    # ---- no gradient yet
    if tensor._grad is None:
        if output is None:
            return Explanation("no_backward", (
                f"{_bare(name)}.grad is None because backward has not been called yet on an output that "
                f"uses {name} (or .grad was reset to None since, e.g. by optimizer.zero_grad()). "
                f"Call loss.backward() on a scalar computed from {name}."))
        freed = output.grad_fn is not None and _backward_ran(output)
        if freed:
            return Explanation("no_backward", (
                f"backward already ran through {out_name}'s graph, but {_bare(name)}.grad is None: "
                "it was reset to None afterwards (e.g. optimizer.zero_grad() or "
                f"{_bare(name)}.grad = None). Run the forward pass and {_bare(out_name)}.backward() again."))
        return Explanation("no_backward", (
            f"{_bare(name)}.grad is None because backward has not been called yet: {out_name} uses "
            f"{name}, so {_bare(out_name)}.backward() will fill {_bare(name)}.grad with "
            f"d{_bare(out_name)}/d{_bare(name)}."))

    # ---- a value: accumulated or one pass
    value = _value(tensor._grad)
    passes = tensor._grad_accumulations
    if passes > 1:
        return Explanation("accumulated", (
            f"{_bare(name)}.grad = {value} is the sum of {passes} backward passes: .grad accumulates "
            "(each backward adds its gradient to what is there). To get one pass's gradient, "
            f"reset it before each backward: {_bare(name)}.grad = None, {_bare(name)}.grad.zero_() "
            "or optimizer.zero_grad()."))
    if output is None:
        return Explanation("computed", (
            f"{_bare(name)}.grad = {value}: the gradient of the output backward was called on, with "
            f"respect to {name}, from one backward pass. Pass the output, explain({_bare(name)}, "
            "loss), to see the chain of grad_fn nodes it came through."))
    chain = " → ".join(type(node).__name__ for node in path)
    steps = []
    for position, node in enumerate(path):
        if node.__class__ is AccumulateGrad:
            continue
        toward = path[position + 1] if position + 1 < len(path) else None
        steps.append(f"  {_step_words(node, toward, namer)}")
    uses = _uses(output, tensor)
    shared = (f" {name} is used {uses} times in {out_name}'s graph: the gradients of all the paths "
              "were added.") if uses > 1 else ""
    where = f" (backward at line {call.lineno})" if call is not None and call.lineno else ""
    return Explanation("computed", (
        f"{_bare(name)}.grad = {value} is ∂{_bare(out_name)}/∂{_bare(name)}, from one backward pass"
        f"{where}. backward started at {out_name} with gradient 1 and went through {chain}, "
        "multiplying the local derivatives on the way (the chain rule):\n" + "\n".join(steps)
        + f"\nand stored the result in {_bare(name)}.grad.{shared}"))


# ====================================================================== helpers
class _Namer:
    """A tensor's name: from recent captures, else from the caller's namespace, else a phrase."""

    def __init__(self, frame):
        self.frame = frame
        self._node_names = None

    def of_node(self, node):
        """The name of the tensor a grad_fn node made (``y`` for ``y.grad_fn``), or None."""
        if self._node_names is None:
            self._node_names = {}
            for record in recent_captures_records():
                tensor = record.tensor
                if tensor is not None and tensor.grad_fn is not None:
                    names = recent_names(tensor)
                    if names:
                        self._node_names.setdefault(id(tensor.grad_fn), names[0])
            for namespace in (self.frame.f_locals, self.frame.f_globals):
                for name in sorted(namespace):
                    value = namespace[name]
                    if isinstance(value, Tensor) and value.grad_fn is not None \
                            and not name.startswith("_") and value._output_nr == 0:
                        self._node_names.setdefault(id(value.grad_fn), name)
        return self._node_names.get(id(node))

    def __call__(self, tensor):
        if tensor is None:
            return "the output"
        names = recent_names(tensor)
        if not names:
            for namespace in (self.frame.f_locals, self.frame.f_globals):
                found = sorted(name for name, value in namespace.items()
                               if value is tensor and not name.startswith("_"))
                if found:
                    names = found
                    break
        return names[0] if names else "this tensor"


def _step_words(node, toward, namer):
    """``PowBackward0 (y = x ** 2): ∂y/∂x = 2 · x``: one node of the path, in the names of the
    student's code, the derivative toward the next node on the path (from the node's record)."""
    def name_of(target, output_nr):
        if isinstance(target, Tensor):
            name = namer(target)
        else:
            name = namer.of_node(target)
            if name is None and target.derivatives is not None:  # unnamed: its formula, one level
                inner = operand_names(target, plain)
                text = forward_text(target, inner) if inner and None not in inner else ""
                name = text if text and len(text) <= 16 else None
        return None if name in (None, "this tensor") else name

    def plain(target, output_nr):
        name = namer(target) if isinstance(target, Tensor) else namer.of_node(target)
        return None if name in (None, "this tensor") else name

    operands = operand_names(node, name_of)
    out_name = namer.of_node(node)
    positions = {i for i, next_node in enumerate(node._next_nodes) if next_node is toward}
    named = named_derivatives(node, out_name, operands, positions or None)
    formula = forward_text(node, operands)
    head = type(node).__name__
    if formula:
        head += f" ({out_name} = {formula})" if out_name else f" ({formula})"
    if named:
        return f"{head}: {'; '.join(named)}"
    derivative = "; ".join(node.local_derivatives) if node.local_derivatives else "its local derivative"
    return f"{head}: {derivative}"


def _bare(name):
    """The name as it goes before ``.grad``: ``x``, or "tensor" for an unnamed one."""
    return "tensor" if name == "this tensor" else name


def _join(names):
    names = list(dict.fromkeys(names))
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _record(tensor):
    records = recent_records(tensor)
    return records[0] if records else None


def _where(record):
    if record is None or record.lineno is None:
        return ""
    source = record.source
    return f" at line {record.lineno} (`{source}`)" if source else f" at line {record.lineno}"


def _value(grad):
    with printoptions(threshold=24, edgeitems=3, linewidth=80):
        return " ".join(format_values(grad._data).split())


def _target_node(tensor):
    """The node whose arrival means ``tensor`` gets a gradient."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn
    accumulator = tensor._accumulator() if tensor._accumulator is not None else None
    return accumulator


def _path(output, tensor):
    """grad_fn nodes from ``output`` to ``tensor`` (BFS, iterative), or None if there is none."""
    if output.grad_fn is None:
        return None
    target = _target_node(tensor)
    if target is None:
        return None
    parent = {id(output.grad_fn): None}
    nodes = {id(output.grad_fn): output.grad_fn}
    queue = [output.grad_fn]
    position = 0
    while position < len(queue):
        node = queue[position]
        position += 1
        if node is target:
            path = []
            key = id(node)
            while key is not None:
                path.append(nodes[key])
                key = parent[key]
            return path[::-1]
        for next_node in node._next_nodes:
            if next_node is not None and id(next_node) not in parent:
                parent[id(next_node)] = id(node)
                nodes[id(next_node)] = next_node
                queue.append(next_node)
    return None


def _uses(output, tensor):
    """How many edges of ``output``'s graph lead into ``tensor``'s node."""
    target = _target_node(tensor)
    seen = {id(output.grad_fn)}
    stack = [output.grad_fn]
    uses = 0
    while stack:
        node = stack.pop()
        for next_node in node._next_nodes:
            if next_node is None:
                continue
            if next_node is target:
                uses += 1
            if id(next_node) not in seen:
                seen.add(id(next_node))
                stack.append(next_node)
    return uses


def _backward_ran(output):
    """True when some node of ``output``'s graph had its saved values freed by backward."""
    seen = set()
    stack = [output.grad_fn]
    while stack:
        node = stack.pop()
        if node._freed:
            return True
        for next_node in node._next_nodes:
            if next_node is not None and id(next_node) not in seen:
                seen.add(id(next_node))
                stack.append(next_node)
    return False


def _leaves_under(node, limit):
    leaves, seen, stack = [], {id(node)}, [node]
    while stack and len(leaves) < limit:
        current = stack.pop()
        if current.__class__ is AccumulateGrad:
            leaves.append(current.variable)
            continue
        for next_node in current._next_nodes:
            if next_node is not None and id(next_node) not in seen:
                seen.add(id(next_node))
                stack.append(next_node)
    return leaves


def _cut_on_the_way(tensor, output):
    """Follow captured ops forward from ``tensor``; the first cut on a path to ``output``."""
    users = {}  # id(input) -> records made from it
    for record in recent_captures_records():
        for source in record.inputs:
            users.setdefault(id(source), []).append(record)
    parent = {id(tensor): None}
    objects = {id(tensor): (tensor, None)}
    queue = [tensor]
    position = 0
    while position < len(queue):
        current = queue[position]
        position += 1
        if current is output:
            key = id(current)
            steps = []
            while key is not None:
                steps.append(objects[key])
                key = parent[key]
            for made, record in reversed(steps):
                if record is None or record.part_of is not None or made.grad_fn is not None:
                    continue
                if made._requires_grad or not any(record.inputs_required_grad):
                    continue
                return made, record
            return None
        for record in users.get(id(current), ()):
            made = record.tensor
            if made is None or id(made) in parent:
                continue
            parent[id(made)] = id(current)
            objects[id(made)] = (made, record)
            queue.append(made)
    return None
