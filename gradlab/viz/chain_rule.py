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
the arriving gradient (the engine's ``grad_outputs``), the node's local
derivative (its own ``local_derivatives``) and the values its forward saved
(copied before the walk, because backward frees them); the number after
the last ``=`` is the engine's ``grad_inputs``. Nothing here multiplies.

What is particular to one derivative lives in a few places: the
``CHAIN_RULES`` table read through ``chain_rule`` and ``input_symbols``,
``_local_derivatives_line``, ``_chain_lines`` (one ``grad_<input> = ...``
line per input) and ``_kept_for_backward`` (the forward replay's "kept for
backward:" line). Everything else (titles, arriving gradients, ``.grad +=``)
is the same for every node.

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


# ====================================================================== the chain rule, op by op
def _saved(position):
    return lambda node, saved: saved[position] if position < len(saved) else None


def _ctx(name):
    return lambda node, saved: getattr(node, name, None)


def _count_of_shape(node, saved):
    shape = getattr(node, "shape", None)
    return None if shape is None else int(np.prod(shape, dtype=np.int64))


ELEMENTWISE = "elementwise"  # the rule works element by element (broadcast inputs are summed back)


def _linear_rule(signs):
    """Add, Sub, Rsub: each input's local derivative is ±1, or ±alpha (``torch.add(a, b, alpha=2)``)."""
    def rule(node):
        alpha = getattr(node, "alpha", 1)
        templates = tuple(f"{{grad_out}} × {sign}1" if scaled == "" or alpha == 1
                          else f"{{grad_out}} × {sign}{{alpha}}" for sign, scaled in signs)
        return templates, ({} if alpha == 1 else {"alpha": _ctx("alpha")}), ELEMENTWISE
    return rule


# For each common op, input by input: how grad_input is the arriving gradient times the local
# derivative, written with what backward reads. ``{name}`` is replaced by the name itself in
# the formula and by its value in the numbers; ``grad_out`` is the arriving gradient, the
# others come from what forward saved (``_saved(i)``) or kept on the node (``_ctx``).
# An entry is (templates, operands, kind), or a function of the node returning one. Ops
# missing here get a general line built from their ``local_derivatives``.
CHAIN_RULES = {
    "AddBackward0": _linear_rule((("", ""), ("", "alpha"))),
    "SubBackward0": _linear_rule((("", ""), ("-", "alpha"))),
    "RsubBackward0": _linear_rule((("-", "alpha"), ("", ""))),
    "RsubBackward1": _linear_rule((("-", "alpha"),)),
    "MulBackward0": (("{grad_out} × {b}", "{grad_out} × {a}"),
                     {"a": _saved(0), "b": _saved(1)}, ELEMENTWISE),
    "DivBackward0": (("{grad_out} / {b}", "-{grad_out} × {a} / {b}²"),
                     {"a": _saved(0), "b": _saved(1)}, ELEMENTWISE),
    "NegBackward0": (("{grad_out} × -1",), {}, ELEMENTWISE),
    "PowBackward0": (("{grad_out} × {e} · {a}^({e} - 1)",), {"a": _saved(0), "e": _ctx("exponent")},
                     ELEMENTWISE),
    "PowBackward1": (("{grad_out} × {b} · {a}^({b} - 1)", "{grad_out} × {out} · ln {a}"),
                     {"a": _saved(0), "b": _saved(1), "out": _saved(2)}, ELEMENTWISE),
    "ExpBackward0": (("{grad_out} × {exp(a)}",), {"exp(a)": _saved(0)}, ELEMENTWISE),
    "LogBackward0": (("{grad_out} / {a}",), {"a": _saved(0)}, ELEMENTWISE),
    "SinBackward0": (("{grad_out} × cos({a})",), {"a": _saved(0)}, ELEMENTWISE),
    "CosBackward0": (("{grad_out} × -sin({a})",), {"a": _saved(0)}, ELEMENTWISE),
    "TanhBackward0": (("{grad_out} × (1 - {tanh(a)}²)",), {"tanh(a)": _saved(0)}, ELEMENTWISE),
    "SigmoidBackward0": (("{grad_out} × {σ(a)} · (1 - {σ(a)})",), {"σ(a)": _saved(0)}, ELEMENTWISE),
    "ReluBackward0": (("{grad_out} × 1[{out} > 0]",), {"out": _saved(0)}, ELEMENTWISE),
    "SqrtBackward0": (("{grad_out} / (2 · {√a})",), {"√a": _saved(0)}, ELEMENTWISE),
    "SumBackward0": (("expand({grad_out}, {shape})",), {"shape": _ctx("shape")}, None),
    "MeanBackward0": (("expand({grad_out} / {n}, {shape})",),
                      {"shape": _ctx("shape"), "n": _count_of_shape}, None),
    "MmBackward0": (("{grad_out} @ {B}ᵀ", "{A}ᵀ @ {grad_out}"), {"A": _saved(0), "B": _saved(1)}, None),
    "MvBackward0": (("{grad_out} ⊗ {v}", "{M}ᵀ @ {grad_out}"), {"M": _saved(0), "v": _saved(1)}, None),
    "DotBackward0": (("{grad_out} × {b}", "{grad_out} × {a}"), {"a": _saved(0), "b": _saved(1)}, None),
    "AddmmBackward0": (("{grad_out}, summed to the shape of bias", "{grad_out} @ {B}ᵀ",
                        "{A}ᵀ @ {grad_out}"), {"A": _saved(0), "B": _saved(1)}, None),
    "TBackward0": (("{grad_out}ᵀ",), {}, None),
}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SYMBOL = re.compile(r"∂\w*/∂([^\s=:/]+)")  # ∂out/∂a, ∂out_i/∂a, ∂values/∂a_i


def input_symbols(node):
    """The name of each input in the node's formulas (``a``, ``b``, ``A``), from its local derivatives.

    ``tensors[i]`` (cat, stack) names every input: ``tensors[0]``, ``tensors[1]``, ...
    """
    symbols = []
    for text in node.local_derivatives:
        found = _SYMBOL.search(text)
        symbols.append(found.group(1).removesuffix("_i") if found else None)
    count = len(node._next_nodes)
    if len(symbols) == 1 and symbols[0] and symbols[0].endswith("[i]"):
        return [symbols[0][:-3] + f"[{position}]" for position in range(count)]
    symbols = (symbols + [None] * count)[:count]
    return [symbol or f"input{position}" for position, symbol in enumerate(symbols)]


def chain_rule(node):
    """The ``CHAIN_RULES`` entry for ``node`` (templates, operands, kind), or None."""
    rule = CHAIN_RULES.get(type(node).__name__)
    return rule(node) if callable(rule) else rule


def _fill(template, values):
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(1)), template)


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
    if record.node_id is None:
        lines.append(Line("(this node is inside a collapsed part of the picture)", kind="note"))
    if step.grad_outputs is None:
        lines.append(Line("no gradient arrived here: nothing to send on"))
        return lines
    lines.extend(_arriving_lines(recording, record, "grad_out"))
    if node.local_derivatives:
        lines.append(_local_derivatives_line(node))
    lines.append(Line("chain rule (arriving gradient × local derivative):"))
    lines.extend(_chain_lines(recording, record, symbols))
    for row, before, after in record.changed:  # retain_grad() tensors filled at this node
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


def _local_derivatives_line(node):
    """``local derivatives: ∂out/∂a = b;  ∂out/∂b = a`` (with the LaTeX when every one has it)."""
    latex = node.local_derivatives_latex
    latex = r",\quad ".join(latex) if len(latex) == len(node.local_derivatives) else None
    return Line("local derivatives: " + ";  ".join(node.local_derivatives), latex)


def _chain_lines(recording, record, symbols):
    """One line per input: ``grad_a = <rule> = <its numbers> = <the engine's grad_inputs[i]>``."""
    node, step = record.node, record.step
    rule = chain_rule(node)
    saved = recording.saved.get(node, ())
    grad_out = step.grad_outputs[0] if len(step.grad_outputs) == 1 else None
    if rule is not None and len(rule[0]) != len(symbols):
        rule = None
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
        if rule is not None and grad_out is not None:
            templates, operands, kind = rule
            template = templates[position]
            numbers = {"grad_out": values_text(grad_out)}
            for key in _PLACEHOLDER.findall(template):
                if key in operands:
                    numbers[key] = values_text(operands[key](node, saved))
            formula = f"grad_{symbol} = {_fill(template, {})} = {_fill(template, numbers)}"
            note = ""
            if kind == ELEMENTWISE and tuple(result.shape) != tuple(grad_out.shape):
                note = (f", summed over the broadcast dimensions to {symbol}'s shape "
                        f"{shape_text(result._data)}")
            text = f"  {formula}{note} = {values_text(result)}   → {target}"
        else:
            derivative = node.local_derivatives[position] if position < len(node.local_derivatives) \
                else ""
            rule_text = derivative.split(":", 1)[1].strip() if ":" in derivative and "=" not in \
                derivative else f"grad_out · ∂out/∂{symbol}"
            text = f"  grad_{symbol} = {rule_text} = {values_text(result)}   → {target}"
        lines.append(Line(text, kind="formula"))
    return lines


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
    """``["a = [2., 3.]", "e = 2"]``: the saved values, named as the chain rule names them."""
    rule = chain_rule(node)
    shown = []
    if rule is not None:
        for key, source in rule[1].items():
            value = source(node, saved)
            if value is not None:
                shown.append(f"{key} = {values_text(value)}")
    else:
        shown = [values_text(value) for value in saved if value is not None]
    return shown
