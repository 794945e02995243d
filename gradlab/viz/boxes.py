"""What each box of the graph says: its lines and hover details, made from a tensor, a grad_fn
node, an AccumulateGrad node or a collapsed part.

Values are printed as PyTorch prints them (``format_values``), shortened to
fit a box; a grad_fn node shows its forward expression and keeps its local
derivatives and what it saved for backward in the hover details, read from
the node itself.
"""
import re

from ..printing import format_tensor, printoptions
from .cuts import op_text
from .labels import shorten
from .model import GraphNode


def format_values(array):
    """PyTorch's printed form of the values (without ``tensor(`` and the dtype)."""
    text = format_tensor(array, array.dtype.name, prefix="")
    text = re.sub(r",\s*dtype=torch\.\w+", "", text)
    return text[:-1] if text.endswith(")") else text


def _compact(array, full):
    flat = " ".join(full.split())
    if len(flat) <= 34:
        return flat
    with printoptions(threshold=4, edgeitems=1, linewidth=200):
        flat = " ".join(format_values(array).split())
    return flat if len(flat) <= 34 else flat[:33] + "…"


def _shape_text(shape):
    return "scalar" if not shape else "[" + ", ".join(str(n) for n in shape) + "]"


def tensor_node(node_id, kind, tensor, names, record, cut, values, grads):
    """The box of a tensor: shape and dtype, values and grad if asked, how it was made, its cut."""
    data = tensor._data
    value = format_values(data)
    grad = tensor._grad
    grad_text = format_values(grad._data) if grad is not None else None
    details = {
        "value": value,
        "grad": grad_text,
        "shape": list(data.shape),
        "dtype": f"torch.{data.dtype.name}",
        "requires_grad": tensor._requires_grad,
        "is_leaf": tensor.grad_fn is None,
        "grad_fn": type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else None,
    }
    if tensor.grad_fn is not None and tensor._retains_grad:
        details["retains_grad"] = True
    if grad is not None and tensor._grad_accumulations > 1:
        details["grad_accumulated"] = f"sum of {tensor._grad_accumulations} backward passes"
    lines = [f"{_shape_text(data.shape)} · {data.dtype.name}"]
    if values:
        lines.append(f"value {_compact(data, value)}")
    if grads and grad is not None:
        lines.append(f"grad {_compact(grad._data, grad_text)}")
    if record is not None:
        made = shorten(record.expression, 60) or op_text(record.op)
        if record.lineno is not None:
            made += f" (line {record.lineno})"
        details["made_by"] = made if record.created else "made before the capture"
        if record.changes:
            changes = ", ".join(
                f"{op_text(c.op)}" + (f" (line {c.lineno})" if c.lineno is not None else "")
                + ("" if c.grad_enabled else " under no_grad") for c in record.changes)
            details["changed_in_place"] = changes
            lines.append(f"changed in place ×{len(record.changes)}")
    cut_text = None
    if cut is not None:
        cut_text = cut[0]
        details["cut"] = cut_text
        lines.extend(_wrap("✂ " + cut_text, 34))
    label = ", ".join(names) if names else ""
    return GraphNode(node_id, kind, label, names, lines, details, cut=cut_text)


def grad_fn_node(node_id, node, expression=None, named=(), saved_state=()):
    """The box of a grad_fn node: its class name, the expression that made it, its derivatives.

    ``expression``: the student's code (``x ** 2``) or the class's formula with
    the operand names put in; without it, the class's formula (``a ** exponent``).
    ``named``: the derivatives with those names (``∂y/∂x = 2 · x``, from
    ``labels.named_derivatives``). The class's own formula and derivatives stay
    in the hover details. ``saved_state``: tensors the node keeps for backward
    that are drawn inside it rather than as boxes (max pooling's indices).
    """
    name = type(node).__name__
    details = {"grad_fn": name}
    lines = []
    shown = expression or node.expression
    if shown:
        details["expression"] = shown
        lines.append(shorten(shown))
    if node.expression and node.expression != shown:
        details["formula"] = f"out = {node.expression}"
    if named:
        details["derivatives"] = "; ".join(named)
    if node.local_derivatives:
        details["formula_derivatives" if named else "derivatives"] = "; ".join(node.local_derivatives)
    inputs = []
    for next_node, _ in node.next_functions:
        inputs.append("None" if next_node is None else type(next_node).__name__)
    details["next_functions"] = ", ".join(inputs) if inputs else "()"
    if node._freed:
        details["saved"] = "freed by backward (use retain_graph=True to keep it)"
    elif node._saved:
        details["saved"] = f"{len(node._saved)} value{'s' if len(node._saved) > 1 else ''} for backward"
    for label, tensor in saved_state:
        data = tensor._data
        text = f"{label} {_shape_text(data.shape)} · {data.dtype.name}"
        lines.append(f"saves {text}")
        details["saved_state"] = (details.get("saved_state", "") + "; " if "saved_state" in details
                                  else "") + f"{text} (kept for backward, not part of the graph)"
    return GraphNode(node_id, "grad_fn", name, (), lines, details)


def accumulate_grad_node(node_id, node, leaf_names):
    """The box of an AccumulateGrad node: it adds the incoming gradient to the leaf's ``.grad``."""
    target = f"{leaf_names[0]}.grad" if leaf_names else "leaf.grad"
    details = {"grad_fn": "AccumulateGrad", "expression": f"{target} += incoming gradient"}
    return GraphNode(node_id, "accumulate_grad", "AccumulateGrad", (), [f"{target} += grad"], details)


def summary_node(node_id, summary):
    """The box of a collapsed part (a ``collapse.Summary``): what it holds, the most common first."""
    counts = summary.contents.most_common()
    lines = [f"{label} ×{number}" for label, number in counts[:3]]
    if len(counts) > 3:
        rest = sum(n for _, n in counts[3:])
        lines.append(f"+{rest} other node{'s' if rest > 1 else ''}")
    details = {"collapsed": summary.size,
               "contents": ", ".join(f"{label} ×{number}" for label, number in counts),
               "why": summary.why}
    return GraphNode(node_id, "summary", summary.title, (), lines, details, count=summary.size)


def _wrap(text, width):
    words = text.split(" ")
    lines, current = [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines[:3]
