"""The chain-rule text: a recorded backward step, explained in words and numbers.

::

    from gradlab.viz.recording import BackwardRecording
    recording = BackwardRecording(loss, names=globals())
    record = recording.steps[1]
    for line in explain_step(recording, record):   # what record.text shows
        print(line.text)

One job: turn what the engine recorded into text. Nothing here runs the
engine (``recording.py`` does) and nothing draws (``gradlab.widgets``).

**No second gradient implementation.** The chain-rule line
``grad_a = grad_out × b = [1., 1.] × [3., 4.] = [3., 4.]`` puts together
the arriving gradient (the engine's ``grad_outputs``), the node's own
derivative record (``node.derivatives``: the formula, shown with the values
the node kept for backward put in place of their names, copied before the
walk because backward frees them); the number after the last ``=`` is the
engine's ``grad_inputs``. Nothing here multiplies, and no derivative is
written here: every op's rule comes from its class in ``gradlab/ops/``.

The explanation functions take the ``BackwardRecording`` (names, saved
values, the other steps) and one of its ``StepRecord`` s; they only read them.
"""
import re

import numpy as np

from ..autograd.node import AccumulateGrad
from ..printing import format_tensor, printoptions
from ..tensor import Tensor

SHOWN_ELEMENTS = 12  # a tensor with more elements is summarised: [1., 2., ..., 9., 10.]


# ====================================================================== numbers as text
def values_text(value):
    """A value as PyTorch prints it, on one line: ``[3., 4.]``, ``2``, ``[2, 3]`` for a shape."""
    if value is None:
        return "None"
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray):
        with printoptions(threshold=SHOWN_ELEMENTS, edgeitems=2, linewidth=10_000):
            text = format_tensor(value, value.dtype.name, prefix="")
        text = re.sub(r",\s*dtype=torch\.\w+", "", text)
        text = text[:-1] if text.endswith(")") else text
        return " ".join(text.split())
    if isinstance(value, (tuple, list)) and all(isinstance(n, (int, np.integer)) for n in value):
        return "[" + ", ".join(str(int(n)) for n in value) + "]"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def shape_text(array):
    """The shape of a NumPy array as PyTorch lists it: ``[2, 3]``."""
    return "[" + ", ".join(str(n) for n in array.shape) + "]"


class Line:
    """A line of an explanation: ``text`` (plain), ``latex`` (the same in LaTeX, or None),
    ``kind`` ("title", "formula", "note" or "" for a plain line)."""

    __slots__ = ("text", "latex", "kind")

    def __init__(self, text, latex=None, kind=""):
        self.text, self.latex, self.kind = text, latex, kind


# ====================================================================== the node's own rule
def input_symbols(node):
    """The name of each input in the node's formulas (``a``, ``b``, ``A``; ``tensors[0]``, …)."""
    count = len(node._next_nodes)
    if node.derivatives is None:
        return [f"input{position}" for position in range(count)]
    return node.derivatives.input_names(count)


# ====================================================================== explaining a backward step
def explain_step(recording, record):
    """The explanation of ``record`` (a ``StepRecord`` of ``recording``), as ``Line`` s."""
    node, step = record.node, record.step
    total = len(recording.steps)
    lines = []
    if node.__class__ is AccumulateGrad:
        row = recording.row(node.variable)
        lines.append(Line(f"backward step {record.index + 1} of {total}: AccumulateGrad   "
                          f"{row.label}.grad += grad   ({row.label} is a leaf)", kind="title"))
        lines.extend(_arriving_lines(recording, record, "grad"))
        lines.extend(_accumulate_lines(record, step.grad_outputs))
        if record.node_id is None:
            lines.append(Line("(this node is inside a collapsed part of the picture)", kind="note"))
        return lines
    symbols = input_symbols(node)
    inputs = []
    for position, symbol in enumerate(symbols):
        inputs.extend(recording.input_words(node, position, symbol))
    title = f"backward step {record.index + 1} of {total}: {record.name}"
    if node.expression:
        title += f"   out = {node.expression}"
    if inputs:
        title += f"   ({', '.join(inputs)})"
    lines.append(Line(title, kind="title"))
    words = recording.code_words(node)  # the same names as the picture: y = x ** 2, ∂y/∂x = 2 · x
    if words:
        lines.append(Line(words))
    if record.node_id is None:
        lines.append(Line("(this node is inside a collapsed part of the picture)", kind="note"))
    if step.grad_outputs is None:
        lines.append(Line("no gradient arrived here: nothing to send on"))
        return lines
    lines.extend(_arriving_lines(recording, record, "grad_out"))
    if node.derivatives is not None:
        lines.append(_local_derivatives_line(node, recording.saved.get(node, {})))
    lines.append(Line("chain rule (arriving gradient × local derivative):"))
    lines.extend(_chain_lines(recording, record, symbols))
    for row, _, after in record.changed:  # retain_grad() tensors filled at this node
        lines.append(Line(f"{row.label}.grad (retain_grad) = {values_text(after)}", kind="formula"))
    return lines


def _arriving_lines(recording, record, word):
    """The gradient each output received, with where it came from; several uses are added."""
    node, step = record.node, record.step
    lines = []
    for output_nr, grad in enumerate(step.grad_outputs or ()):
        name = f"{word}[{output_nr}]" if node._num_outputs > 1 else word
        target = recording.output_name(node, output_nr)
        at = f" at {target}" if target else ""
        if grad is None:
            lines.append(Line(f"gradient arriving{at}: {name} = None"))
            continue
        parts = []  # (value, where it came from)
        if recording.is_root(node, output_nr):  # no other gradient reaches the output
            parts.append((grad, "the gradient= you passed" if recording.gradient is not None
                          else "backward starts from d(output)/d(output) = 1"))
        for source_index, position in record.arriving[output_nr]:
            source = recording.steps[source_index]
            symbol = input_symbols(source.node)[position]
            parts.append((source.step.grad_inputs[position], f"from {source.name}, as {symbol}"))
        if len(parts) > 1:
            terms = " + ".join(f"{values_text(value)} ({origin})" for value, origin in parts)
            lines.append(Line(f"gradient arriving{at}: {name} = {terms} = {values_text(grad)}",
                              kind="formula"))
            lines.append(Line(f"({target or 'this tensor'} is used {len(parts)} times: the "
                              "gradients from every use are added before this node runs)",
                              kind="note"))
        else:
            origin = f"   ({parts[0][1]})" if parts else ""
            lines.append(Line(f"gradient arriving{at}: {name} = {values_text(grad)}{origin}",
                              kind="formula"))
    return lines


def _accumulate_lines(record, grad_outputs):
    lines = []
    for row, before, after in record.changed:
        added = grad_outputs[0] if grad_outputs else None
        if before is None:
            lines.append(Line(f"{row.label}.grad was None, so it becomes the gradient: "
                              f"{row.label}.grad = {values_text(after)}", kind="formula"))
        else:
            lines.append(Line(f"{row.label}.grad += grad:  {values_text(before)} + "
                              f"{values_text(added)} = {values_text(after)}   "
                              "(before + added = after)", kind="formula"))
    if not record.changed:
        lines.append(Line("(.grad was not changed: backward(inputs=...) left this leaf out)"))
    return lines


def _local_derivatives_line(node, saved):
    """``local derivatives: ∂out/∂a = b;  ∂out/∂b = a``, from the node's ``derivatives`` record,
    with the numbers the node saved put in (``x ** 2``: ``∂out/∂a = 2 · a``, not ``exponent · …``)."""
    record = node.derivatives
    formulas = [formula.with_numbers(saved) for formula in record.formulas]
    label = "local derivatives" if not any(f.is_gradient for f in formulas) else "derivatives"
    return Line(f"{label}: " + ";  ".join(f.text for f in formulas),
                r",\quad ".join(f.latex for f in formulas))


def _chain_lines(recording, record, symbols):
    """One line per input: ``grad_a = <rule> = <its numbers> = <the engine's grad_inputs[i]>``."""
    node, step = record.node, record.step
    saved = recording.saved.get(node, {})
    grad_out = step.grad_outputs[0] if len(step.grad_outputs) == 1 else None
    lines = []
    for position, symbol in enumerate(symbols):
        target = recording.input_label(node, position)
        if target is None:
            lines.append(Line(f"  grad_{symbol}: not needed ({symbol} does not require grad)"))
            continue
        result = step.grad_inputs[position] if step.grad_inputs else None
        if result is None:
            lines.append(Line(f"  grad_{symbol} = None (backward sent nothing)   → {target}"))
            continue
        formula = node.derivatives.formula(position) if node.derivatives is not None else None
        if formula is not None:
            formula = formula.with_numbers(saved)
        if formula is None:
            rule = f"grad_out · ∂out/∂{symbol}"
        elif formula.in_words:
            rule = formula.source
        elif grad_out is None:
            rule = formula.chain(symbol)[0].split(" = ", 1)[1]
        else:
            values = {name: values_text(saved[name]) for name in formula.names if name in saved}
            values["grad_out"] = values_text(grad_out)
            symbolic, numeric = formula.chain(symbol, values)
            rule = f"{symbolic.split(' = ', 1)[1]} = {numeric}"
            if not formula.is_gradient and result._data.size < grad_out._data.size:
                rule += (f", summed over the broadcast dimensions to {symbol}'s shape "
                         f"{shape_text(result._data)}")
        lines.append(Line(f"  grad_{symbol} = {rule} = {values_text(result)}   → {target}",
                          kind="formula"))
        if grad_out is not None and result._data.shape != grad_out._data.shape:
            lines.append(_shapes_line(grad_out, result, symbol))
    return lines


def _shapes_line(grad_out, result, symbol):
    """``shapes: grad_out [2, 3] → grad_B [3, 3]`` when a gradient changes shape on its way back.

    Broadcasting, reductions and matrix products all do: backward is a vector–Jacobian
    product, which takes a gradient shaped like the node's output to one shaped like the input.
    """
    return Line(f"    shapes: grad_out {shape_text(grad_out._data)} → grad_{symbol} "
                f"{shape_text(result._data)}   (a vector–Jacobian product: grad_out has out's "
                f"shape, grad_{symbol} has {symbol}'s)", kind="note")


# ====================================================================== a forward op, in words
def recorded_lines(node, saved):
    """What forward recorded for backward at ``node``: its formula and the values it kept
    (``saved``: the recording's copies of them)."""
    lines = [Line(f"  {node.name()} recorded: out = {node.expression or '?'}")]
    shown = _kept_for_backward(node, saved)
    if shown:
        lines.append(Line("  kept for backward: " + ", ".join(shown)))
    else:
        lines.append(Line("  kept for backward: nothing (its derivative needs no values)"))
    return lines


def _kept_for_backward(node, saved):
    """``["a = [2., 3.]", "exponent = 2"]``: what the node saved, and the ctx values its formulas read."""
    used = set()
    for formula in node.derivatives.formulas if node.derivatives is not None else ():
        used.update(formula.names)
    return [f"{name} = {values_text(value)}" for name, value in saved.items()
            if value is not None and (isinstance(value, np.ndarray) or name in used)]
