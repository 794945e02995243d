"""The backprop stepper: watch the real backward pass run, one grad_fn node at a time.

::

    from gradlab.widgets import BackpropStepper
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * w).sum()
    BackpropStepper(loss)          # ▶ / Next / Back / slider / Reset

What it does, and what it never does:

- **One backward pass, the real one, run at once.** Making the stepper runs
  ``iter_backward`` — the generator ``loss.backward()`` itself is — to the
  end, exactly as ``loss.backward()`` would (same ``gradient=``, same
  ``retain_graph``, the graph's saved values freed afterwards). So the moment
  the stepper exists, every leaf's ``.grad`` holds PyTorch's values, whatever
  step the student is looking at.
- **Steps are replayed from the engine's records.** For every node it ran the
  engine yields a ``BackwardStep`` (node, ``grad_outputs``, ``grad_inputs``,
  leaves whose ``.grad`` changed); the stepper keeps each one with a copy of
  every ``.grad`` that step changed. The view of step k shows the gradients
  as they were right after step k — partly filled while the walk is half
  way — read from those copies, never recomputed. Back, the slider and Reset
  only choose which record to show.
- **No second gradient implementation.** The chain-rule line
  ``grad_a = grad_out × b = [1., 1.] × [3., 4.] = [3., 4.]`` puts together
  the arriving gradient (the engine's ``grad_outputs``), the node's local
  derivative (its own ``local_derivatives``) and the values its forward saved
  (copied before the walk, because backward frees them); the number after
  the last ``=`` is the engine's ``grad_inputs``. Nothing here multiplies.

A forward mode replays how the graph was built, op by op, in creation order:
from a ``gradlab.viz`` capture when one is given (``%%autograd --step``
passes the cell's), else from the order the grad_fn nodes were created.

Big graphs stay responsive: the layout is computed once, the picture is the
viz collapse of the graph (``max_nodes``), a step redraws the boxes only
(the arrows never change), and each step's SVG and text are made on first
view and kept (``benchmarks/stepper.py``: a few ms per step on 1,000 nodes).

Without a kernel (a saved notebook, nbconvert, GitHub, nbval) the stepper
shows a deterministic static ``text/html`` (the picture at the current step
and the chain-rule text) and ``text/plain``.
"""
import bisect
import collections
import html
import re
import sys

import ipywidgets as widgets
import numpy as np
from traitlets import CaselessStrEnum, Int, observe, validate

from ..autograd.engine import iter_backward
from ..autograd.node import AccumulateGrad, grad_accumulator
from ..printing import format_tensor, printoptions
from ..tensor import Tensor
from ..viz import Graph, GraphNode, graph as build_graph, layout
from ..viz.layout import Layout
from ..viz.capture import Capture, name_tensors
from ..viz.model import op_text
from ..viz.svg import render
from ._fallback import static_bundle

SHOWN_ELEMENTS = 12  # a tensor with more elements is summarised: [1., 2., ..., 9., 10.]
TABLE_ROWS = 40  # rows of the gradient table; the rest are counted
SVG_CACHE = 64  # pictures kept (one per step viewed)
FADED = "0.15"  # opacity of what the forward pass has not built yet


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


def _shape_text(array):
    return "[" + ", ".join(str(n) for n in array.shape) + "]"


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


# ====================================================================== records
class StepRecord:
    """One step of the backward pass, as the stepper shows it.

    ``step``: the engine's ``BackwardStep`` (``node``, ``grad_outputs``,
    ``grad_inputs``, ``leaves``) — every number shown comes from these
    records; ``index``: position in ``BackpropStepper.steps``; ``name``: the
    node's class name; ``node_id``: the box highlighted in the picture (None
    when the node is inside a collapsed part); ``arriving``: for each output
    of the node, the earlier steps that sent it a gradient, as ``(step index,
    input position)`` pairs; ``changed``: ``(row, before, after)`` for every
    ``.grad`` this step changed (copies of the arrays, or None); ``text``:
    the chain-rule explanation in plain text (made on first use).
    """

    __slots__ = ("index", "step", "name", "node_id", "arriving", "changed", "_recording", "_lines")

    def __init__(self, index, step, node_id, arriving, recording):
        self.index = index
        self.step = step
        self.name = type(step.node).__name__
        self.node_id = node_id
        self.arriving = arriving
        self.changed = []
        self._recording = recording
        self._lines = None

    @property
    def node(self):
        return self.step.node

    @property
    def lines(self):
        """The explanation as ``_Line`` objects (plain text, with LaTeX where it helps)."""
        if self._lines is None:
            self._lines = self._recording.explain(self)
        return self._lines

    @property
    def text(self):
        return "\n".join(line.text for line in self.lines)

    def __repr__(self):
        return self.text


class ForwardRecord:
    """One op of the forward pass, in creation order: ``index``, ``text`` (plain words),
    ``node_ids`` (the boxes this op added to the picture, highlighted)."""

    __slots__ = ("index", "node_ids", "lines")

    def __init__(self, index, node_ids, lines):
        self.index, self.node_ids, self.lines = index, node_ids, lines

    @property
    def text(self):
        return "\n".join(line.text for line in self.lines)

    def __repr__(self):
        return self.text


class _Line:
    """A line of an explanation: ``text`` (plain), ``latex`` (the same in LaTeX, or None),
    ``kind`` ("title", "formula", "note" or "" for a plain line)."""

    __slots__ = ("text", "latex", "kind")

    def __init__(self, text, latex=None, kind=""):
        self.text, self.latex, self.kind = text, latex, kind


class _Row:
    """A tensor of the gradient table: its ``.grad`` before the walk and after each step that changed it."""

    __slots__ = ("tensor", "label", "initial", "steps", "grads")

    def __init__(self, tensor, label):
        self.tensor = tensor
        self.label = label
        self.initial = _copy(tensor._grad)
        self.steps = []  # indices of the steps that changed .grad, increasing
        self.grads = []  # the copy made after each of them

    def grad_after(self, index):
        """``.grad`` right after step ``index`` (-1: before the walk), from the copies."""
        where = bisect.bisect_right(self.steps, index)
        return self.grads[where - 1] if where else self.initial


def _copy(grad):
    return None if grad is None else np.array(grad._data, copy=True)


# ====================================================================== the recording
class _Recording:
    """Runs the backward pass once through ``iter_backward`` and keeps what the stepper shows.

    Before the walk: copies of what every node saved (backward frees them), the names,
    the graph model and its layout. The walk: one ``StepRecord`` per node the engine ran,
    with copies of the ``.grad`` it changed. After: the forward replay.
    """

    def __init__(self, output, gradient, retain_graph, names, capture, direction, max_nodes):
        if not isinstance(output, Tensor):
            raise TypeError(f"BackpropStepper needs a tensor (a loss), got {type(output).__name__}")
        if gradient is None and output.numel() != 1:
            raise RuntimeError(
                "grad can be implicitly created only for scalar outputs: this output has shape "
                f"{list(output.shape)}, so there is no single number to start backward from. "
                "Reduce it to one number first (BackpropStepper(y.sum())) or say which gradient "
                "to start from: BackpropStepper(y, gradient=torch.ones_like(y))")
        if not output.requires_grad:
            raise RuntimeError(
                "this tensor does not require grad and has no grad_fn, so there is no backward pass "
                "to step through: make the leaves with requires_grad=True and compute outside "
                "torch.no_grad()")
        self.output = output
        self.gradient = gradient
        nodes = _reachable(output)
        self.saved = {}  # node -> copies of what its forward saved (backward frees them)
        for node in nodes:
            if node.__class__ is not AccumulateGrad:
                self.saved[node] = _saved_copies(node)
        namespace = names if isinstance(names, dict) else {}
        self._name_tensors(namespace)
        self.graph = build_graph(capture if capture is not None else output,
                                 names=namespace, values=True, grads=False,
                                 accumulate_grad=True, max_nodes=max_nodes)
        self.placed = layout(self.graph, direction)
        self.rows = []
        self.row_of = {}  # id(tensor) -> _Row
        leaves = sorted((n for n in nodes if n.__class__ is AccumulateGrad), key=lambda n: n._sequence_nr)
        for node in leaves:
            self._row(node.variable)
        self.steps = self._walk(output, gradient, retain_graph)
        self.forward = self._forward_records(capture, nodes)

    # ---------------------------------------------------------------- names
    def _name_tensors(self, namespace):
        """Names for leaves and for grad_fn outputs, from the user's variables."""
        refs = {}
        found = name_tensors(namespace, refs)
        self.leaf_names = {}  # id(leaf) -> name
        self.outputs = {}  # (grad_fn, output index) -> (name, tensor)
        for key, names in found.items():
            tensor = refs[key]()
            if tensor is None:
                continue
            if tensor.grad_fn is not None:
                self.outputs.setdefault((tensor.grad_fn, tensor._output_nr), (names[0], tensor))
            else:
                self.leaf_names.setdefault(id(tensor), names[0])

    def _row(self, tensor):
        row = self.row_of.get(id(tensor))
        if row is None:
            name = self.leaf_names.get(id(tensor))
            if name is None and tensor.grad_fn is not None:
                name = self.output_name(tensor.grad_fn, tensor._output_nr)
            if name is None:
                kind = "leaf" if tensor.grad_fn is None else type(tensor.grad_fn).__name__ + " output"
                name = f"({kind} {_shape_text(tensor._data)}, unnamed)"
            row = _Row(tensor, name)
            self.rows.append(row)
            self.row_of[id(tensor)] = row
        return row

    def input_label(self, node, position):
        """Who receives ``grad_inputs[position]`` of ``node``, in words."""
        next_node, index = node.next_functions[position]
        if next_node is None:
            return None
        if next_node.__class__ is AccumulateGrad:
            return self._row(next_node.variable).label
        name = self.output_name(next_node, index)
        if name is not None:
            return name
        suffix = f" (output {index})" if next_node._num_outputs > 1 else ""
        return f"{type(next_node).__name__}{suffix}"

    def _input_words(self, node, position, symbol):
        """``["a = x"]`` for a named input, ``["b from PowBackward0"]`` otherwise, [] for no input."""
        label = self.input_label(node, position)
        if label is None:
            return []
        next_node, index = node.next_functions[position]
        named = next_node.__class__ is AccumulateGrad or self.output_name(next_node, index)
        return [f"{symbol} = {label}" if named else f"{symbol} from {label}"]

    def output_name(self, node, index=0):
        """The variable name of output ``index`` of ``node``, or None."""
        if node.__class__ is AccumulateGrad:
            return self._row(node.variable).label
        named = self.outputs.get((node, index))
        return named[0] if named else None

    # ---------------------------------------------------------------- the walk
    def _walk(self, output, gradient, retain_graph):
        """Run the engine to the end; keep each step with copies of the .grad it changed."""
        steps = []
        incoming = collections.defaultdict(list)  # (node, output index) -> [(step, position)]
        graph = self.graph
        for index, step in enumerate(iter_backward((output,), None if gradient is None else (gradient,),
                                                   retain_graph=retain_graph)):
            node = step.node
            if node.__class__ is AccumulateGrad:
                node_id = graph.node_id(node) or graph.node_id(node.variable)
            else:
                node_id = graph.node_id(node)
            arriving = [incoming.pop((node, output_nr), []) for output_nr in range(node._num_outputs)]
            record = StepRecord(index, step, node_id, arriving, self)
            for tensor in step.leaves:
                row = self._row(tensor)
                before = row.grad_after(index - 1)
                after = _copy(tensor._grad)
                row.steps.append(index)
                row.grads.append(after)
                record.changed.append((row, before, after))
            if step.grad_inputs:
                for position, (next_node, output_nr) in enumerate(node.next_functions):
                    if next_node is not None and step.grad_inputs[position] is not None:
                        incoming[(next_node, output_nr)].append((index, position))
            steps.append(record)
        return steps

    # ---------------------------------------------------------------- explaining a backward step
    def explain(self, record):
        node, step = record.node, record.step
        total = len(self.steps)
        lines = []
        if node.__class__ is AccumulateGrad:
            row = self._row(node.variable)
            lines.append(_Line(f"backward step {record.index + 1} of {total}: AccumulateGrad   "
                               f"{row.label}.grad += grad   ({row.label} is a leaf)", kind="title"))
            lines.extend(self._arriving_lines(record, "grad"))
            lines.extend(self._accumulate_lines(record, step.grad_outputs))
            if record.node_id is None:
                lines.append(_Line("(this node is inside a collapsed part of the picture)", kind="note"))
            return lines
        symbols = input_symbols(node)
        inputs = []
        for position, symbol in enumerate(symbols):
            inputs.extend(self._input_words(node, position, symbol))
        title = f"backward step {record.index + 1} of {total}: {record.name}"
        if node.expression:
            title += f"   out = {node.expression}"
        if inputs:
            title += f"   ({', '.join(inputs)})"
        lines.append(_Line(title, kind="title"))
        if record.node_id is None:
            lines.append(_Line("(this node is inside a collapsed part of the picture)", kind="note"))
        if step.grad_outputs is None:
            lines.append(_Line("no gradient arrived here: nothing to send on"))
            return lines
        lines.extend(self._arriving_lines(record, "grad_out"))
        if node.local_derivatives:
            latex = node.local_derivatives_latex
            latex = r",\quad ".join(latex) if len(latex) == len(node.local_derivatives) else None
            lines.append(_Line("local derivatives: " + ";  ".join(node.local_derivatives), latex))
        lines.append(_Line("chain rule (arriving gradient × local derivative):"))
        lines.extend(self._chain_lines(record, symbols))
        for row, before, after in record.changed:  # retain_grad() tensors filled at this node
            lines.append(_Line(f"{row.label}.grad (retain_grad) = {values_text(after)}", kind="formula"))
        return lines

    def _arriving_lines(self, record, word):
        """The gradient each output received, with where it came from; several uses are added."""
        node, step = record.node, record.step
        lines = []
        for output_nr, grad in enumerate(step.grad_outputs or ()):
            name = f"{word}[{output_nr}]" if node._num_outputs > 1 else word
            target = self.output_name(node, output_nr)
            at = f" at {target}" if target else ""
            if grad is None:
                lines.append(_Line(f"gradient arriving{at}: {name} = None"))
                continue
            parts = []  # (value, where it came from)
            if self._is_root(node, output_nr):  # no other gradient reaches the output
                parts.append((grad, "the gradient= you passed" if self.gradient is not None
                              else "backward starts from d(output)/d(output) = 1"))
            for source_index, position in record.arriving[output_nr]:
                source = self.steps[source_index]
                symbol = input_symbols(source.node)[position]
                parts.append((source.step.grad_inputs[position], f"from {source.name}, as {symbol}"))
            if len(parts) > 1:
                terms = " + ".join(f"{values_text(value)} ({origin})" for value, origin in parts)
                lines.append(_Line(f"gradient arriving{at}: {name} = {terms} = {values_text(grad)}",
                                   kind="formula"))
                lines.append(_Line(f"({target or 'this tensor'} is used {len(parts)} times: the "
                                   "gradients from every use are added before this node runs)",
                                   kind="note"))
            else:
                origin = f"   ({parts[0][1]})" if parts else ""
                lines.append(_Line(f"gradient arriving{at}: {name} = {values_text(grad)}{origin}",
                                   kind="formula"))
        return lines

    def _is_root(self, node, output_nr):
        root = self.output.grad_fn
        if root is None:
            return node.__class__ is AccumulateGrad and node.variable is self.output
        return node is root and output_nr == self.output._output_nr

    def _accumulate_lines(self, record, grad_outputs):
        lines = []
        for row, before, after in record.changed:
            added = grad_outputs[0] if grad_outputs else None
            if before is None:
                lines.append(_Line(f"{row.label}.grad was None, so it becomes the gradient: "
                                   f"{row.label}.grad = {values_text(after)}", kind="formula"))
            else:
                lines.append(_Line(f"{row.label}.grad += grad:  {values_text(before)} + "
                                   f"{values_text(added)} = {values_text(after)}   "
                                   "(before + added = after)", kind="formula"))
        if not record.changed:
            lines.append(_Line("(.grad was not changed: backward(inputs=...) left this leaf out)"))
        return lines

    def _chain_lines(self, record, symbols):
        node, step = record.node, record.step
        rule = chain_rule(node)
        saved = self.saved.get(node, ())
        grad_out = step.grad_outputs[0] if len(step.grad_outputs) == 1 else None
        if rule is not None and len(rule[0]) != len(symbols):
            rule = None
        lines = []
        for position, symbol in enumerate(symbols):
            target = self.input_label(node, position)
            if target is None:
                lines.append(_Line(f"  grad_{symbol}: not needed ({symbol} does not require grad)"))
                continue
            result = step.grad_inputs[position] if step.grad_inputs else None
            if result is None:
                lines.append(_Line(f"  grad_{symbol} = None (backward sent nothing)   → {target}"))
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
                            f"{_shape_text(result._data)}")
                text = f"  {formula}{note} = {values_text(result)}   → {target}"
            else:
                derivative = node.local_derivatives[position] if position < len(node.local_derivatives) \
                    else ""
                rule_text = derivative.split(":", 1)[1].strip() if ":" in derivative and "=" not in \
                    derivative else f"grad_out · ∂out/∂{symbol}"
                text = f"  grad_{symbol} = {rule_text} = {values_text(result)}   → {target}"
            lines.append(_Line(text, kind="formula"))
        return lines

    # ---------------------------------------------------------------- the forward replay
    def _forward_records(self, capture, nodes):
        """The ops in creation order: a capture's records when given, else grad_fn creation order."""
        graph = self.graph
        accumulators = {id(n.variable): n for n in nodes if n.__class__ is AccumulateGrad}
        entries = []  # (title, node ids to highlight, lines)
        if capture is not None:
            for record in capture.records:
                tensor = record.tensor
                if tensor is None or record.part_of is not None:
                    continue
                node = tensor.grad_fn
                ids = [graph.node_id(node) if node is not None else None, graph.node_id(tensor)]
                if node is None and id(tensor) in accumulators:
                    ids.append(graph.node_id(accumulators[id(tensor)]))
                ids = [i for i in ids if i is not None]
                if not ids:
                    continue
                where = f" (line {record.lineno})" if record.lineno is not None else ""
                entries.append((f"{where}: {record.source or self._made_by(tensor, record)}", ids,
                                self._made_lines(tensor)))
        else:
            functions = sorted((n for n in nodes if n.__class__ is not AccumulateGrad),
                               key=lambda n: n._sequence_nr)
            for node in functions:
                ids = [graph.node_id(node)]
                named = self.outputs.get((node, 0))
                if named is not None:
                    ids.append(graph.node_id(named[1]))
                for next_node in node._next_nodes:
                    if next_node.__class__ is AccumulateGrad:
                        ids += [graph.node_id(next_node.variable), graph.node_id(next_node)]
                symbols = input_symbols(node)
                inputs = [words for position, symbol in enumerate(symbols)
                          for words in self._input_words(node, position, symbol)]
                made = f"{named[0]} = " if named else ""
                title = f": {made}{node.expression or node.name()}"
                if inputs:
                    title += f"   ({', '.join(inputs)})"
                entries.append((title, [i for i in ids if i is not None], self._recorded_lines(node)))
        records = []
        self.forward_created = {}  # graph node id -> the forward op that made it
        for index, (title, ids, lines) in enumerate(entries):
            lines.insert(0, _Line(f"forward op {index + 1} of {len(entries)}{title}", kind="title"))
            ids = list(dict.fromkeys(i for i in ids if i not in self.forward_created))
            for node_id in ids:
                self.forward_created[node_id] = index
            records.append(ForwardRecord(index, ids, lines))
        return records

    def _made_by(self, tensor, record):
        """``y ← **`` when the user's line cannot be read (code typed at a plain prompt)."""
        node = tensor.grad_fn
        name = self.leaf_names.get(id(tensor)) if node is None else self.output_name(node, tensor._output_nr)
        return f"{name or '(unnamed)'} ← {op_text(record.op)}"

    def _made_lines(self, tensor):
        node = tensor.grad_fn
        if node is not None:
            return self._recorded_lines(node)
        label = self.leaf_names.get(id(tensor), "this tensor")
        value = values_text(tensor._data)
        if tensor.requires_grad:
            return [_Line(f"  a leaf tensor: {label} = {value} (requires_grad=True); backward will "
                          f"add its gradient into {label}.grad")]
        return [_Line(f"  {label} = {value} does not require grad: autograd does not track it")]

    def _recorded_lines(self, node):
        lines = [_Line(f"  {node.name()} recorded: out = {node.expression or '?'}")]
        saved = self.saved.get(node, ())
        rule = chain_rule(node)
        shown = []
        if rule is not None:
            for key, source in rule[1].items():
                value = source(node, saved)
                if value is not None:
                    shown.append(f"{key} = {values_text(value)}")
        else:
            shown = [values_text(value) for value in saved if value is not None]
        if shown:
            lines.append(_Line("  kept for backward: " + ", ".join(shown)))
        else:
            lines.append(_Line("  kept for backward: nothing (its derivative needs no values)"))
        return lines


def _reachable(output):
    """Every autograd node reachable from ``output`` (an explicit stack: any depth works)."""
    root = output.grad_fn
    if root is None:
        return [grad_accumulator(output)]
    order, seen, stack = [], {root}, [root]
    while stack:
        node = stack.pop()
        order.append(node)
        for next_node in node._next_nodes:
            if next_node is not None and next_node not in seen:
                seen.add(next_node)
                stack.append(next_node)
    return order


def _saved_copies(node):
    """Copies of what ``node`` saved for backward; explains a graph a backward pass already freed."""
    try:
        values = node.saved_values
    except RuntimeError as error:
        if "second time" not in str(error):
            raise
        raise RuntimeError(
            f"this graph was already used by a backward pass, which freed the values its nodes "
            f"saved for backward ({node.name()} needs its saved values to compute gradients), so "
            "there is nothing left to step through (PyTorch: \"Trying to backward through the graph "
            "a second time\"). Run the forward computation again (re-run the cell that computes the "
            "loss) and make a new BackpropStepper from the new result; or, if you call backward() "
            "yourself first, call it with retain_graph=True so the saved values are kept."
        ) from None
    copies = []
    for value in values:
        if isinstance(value, Tensor):
            copies.append(np.array(value._data, copy=True))
        elif isinstance(value, np.ndarray):
            copies.append(value.copy())
        else:
            copies.append(value)
    return tuple(copies)


# ====================================================================== the widget
class BackpropStepper(widgets.VBox):
    """Step through the backward pass of ``output``, node by node, on its own graph.

    ``BackpropStepper(loss)`` runs ``loss.backward()`` (through the engine's
    step-by-step form) right away and shows its records one at a time:
    ▶ plays them, "Next" / "Back" move one step, the slider jumps, "Reset"
    returns to the first step; the mode switch replays the forward pass.

    ``gradient``: the starting gradient for a non-scalar output (as
    ``y.backward(gradient)``). ``retain_graph``: keep the saved values after
    the walk (as in ``backward``). ``names``: the namespace to name tensors
    from (default: the caller's globals, e.g. the notebook's variables).
    ``capture``: a ``gradlab.viz`` capture of the forward pass (draws every
    captured tensor and gives the forward replay its line numbers).
    ``direction``: "LR" or "TB". ``max_nodes``: larger graphs are drawn
    collapsed, as ``gradlab.viz.graph`` does.

    From Python: ``steps`` (the records), ``position``, ``next()``,
    ``previous()``, ``goto(k)``, ``reset()``, ``mode`` ("backward" or
    "forward"), ``forward_steps``, ``graph`` (the viz graph model).
    """

    position = Int(0, help="index of the step shown, in the current mode's steps (0 = the first)")
    mode = CaselessStrEnum(("backward", "forward"), default_value="backward",
                           help="'backward': the engine's steps; 'forward': how the graph was built")

    def __init__(self, output, gradient=None, *, retain_graph=None, names=None, capture=None,
                 direction="LR", max_nodes=300, **kwargs):
        if names is None:  # the caller's variables (a notebook's: the cell's globals)
            caller = sys._getframe(1)
            names = {**caller.f_globals, **caller.f_locals}
        if capture is not None and not isinstance(capture, Capture):
            raise TypeError(f"capture must be a gradlab.viz capture, got {type(capture).__name__}")
        self._ready = False
        self._recording = _Recording(output, gradient, retain_graph, names, capture, direction,
                                     max_nodes)
        self._svgs = collections.OrderedDict()
        self._edges = None  # the arrows' SVG, the same at every backward step
        self._positions = {"backward": 0, "forward": 0}
        super().__init__(**kwargs)
        self._build_ui()
        self._ready = True
        self._refresh()

    # ---------------------------------------------------------------- public
    @property
    def steps(self):
        """The backward records (``StepRecord``), in the order the engine ran the nodes."""
        return self._recording.steps

    @property
    def forward_steps(self):
        """The forward replay (``ForwardRecord``), in creation order."""
        return self._recording.forward

    @property
    def graph(self):
        """The ``gradlab.viz`` graph model drawn (built before the walk)."""
        return self._recording.graph

    @property
    def current(self):
        """The record shown now (a ``StepRecord`` or, in forward mode, a ``ForwardRecord``)."""
        records = self._records()
        return records[self.position] if records else None

    def next(self):
        """Show the next step (stays on the last one); returns the record shown."""
        self.position = min(self.position + 1, max(len(self._records()) - 1, 0))
        return self.current

    def previous(self):
        """Show the step before (stays on the first one); returns the record shown."""
        self.position = max(self.position - 1, 0)
        return self.current

    def goto(self, k):
        """Show step ``k`` (0-based; negative counts from the end, as for a list)."""
        count = len(self._records())
        if not -count <= k < count:
            raise IndexError(f"goto({k}): there are {count} {self.mode} steps, numbered 0 to "
                             f"{count - 1} (or -1 for the last)")
        self.position = k % count
        return self.current

    def reset(self):
        """Back to the first step of the backward pass (the first view)."""
        self.mode = "backward"
        self.position = 0
        return self.current

    def text(self):
        """The current view as plain text: the step's explanation and the gradient table."""
        parts = [self._current_text()]
        if self.mode == "backward":
            parts.append(self._table_text())
        return "\n".join(parts)

    def svg(self):
        """The picture at the current step (the graph with the running node highlighted)."""
        key = (self.mode, self.position)
        svg = self._svgs.get(key)
        if svg is None:
            svg = self._draw()
            self._svgs[key] = svg
            if len(self._svgs) > SVG_CACHE:
                self._svgs.popitem(last=False)
        else:
            self._svgs.move_to_end(key)
        return svg

    # ---------------------------------------------------------------- traits
    @validate("position")
    def _check_position(self, proposal):
        count = len(self._records()) if self._ready else 0
        value = proposal["value"]
        if count and not 0 <= value < count:
            raise IndexError(f"position {value} is out of range: 0 to {count - 1}")
        return value

    @observe("position")
    def _position_changed(self, change):
        self._positions[self.mode] = change["new"]
        self._refresh()

    @observe("mode")
    def _mode_changed(self, change):
        self._positions[change["old"]] = self.position
        # the position of the new mode, without drawing the old mode at it
        self._ready = False
        try:
            self.position = self._positions[change["new"]]
        finally:
            self._ready = True
        self._refresh()

    def _records(self):
        return self._recording.forward if self.mode == "forward" else self._recording.steps

    # ---------------------------------------------------------------- the UI
    def _build_ui(self):
        count = max(len(self.steps), 1)
        self._play = widgets.Play(value=1, min=1, max=count, step=1, interval=900,
                                  description="Play", tooltip="Play the steps one after another",
                                  show_repeat=False)
        self._slider = widgets.IntSlider(value=1, min=1, max=count, step=1, description="step",
                                         tooltip="Jump to a step", continuous_update=False)
        self._link = widgets.jslink((self._play, "value"), (self._slider, "value"))
        # No icons: a button's accessible name is then exactly its word (screen readers, tests)
        self._back = widgets.Button(description="Back", tooltip="Back: show the previous step")
        self._next = widgets.Button(description="Next", tooltip="Next: run the next node")
        self._reset = widgets.Button(description="Reset", tooltip="Reset: back to the first step")
        # a drop-down, not buttons: "backward" would also answer to the name "Back"
        self._mode = widgets.Dropdown(options=["backward", "forward"], value=self.mode,
                                      description="pass", layout=widgets.Layout(width="220px"),
                                      tooltip="backward: step through backpropagation; forward: "
                                              "replay how the forward pass built the graph")
        self._back.on_click(lambda _: self.previous())
        self._next.on_click(lambda _: self.next())
        self._reset.on_click(lambda _: self.reset())
        self._slider.observe(self._slider_moved, names="value")
        self._mode.observe(self._mode_picked, names="value")
        self._picture = widgets.HTML(layout=widgets.Layout(overflow="auto", max_height="520px"))
        self._panel = widgets.HTMLMath(layout=widgets.Layout(flex="3 1 0%", min_width="320px"))
        self._table = widgets.HTML(layout=widgets.Layout(flex="2 1 0%", min_width="220px"))
        controls = widgets.HBox([self._play, self._back, self._next, self._reset, self._slider,
                                 self._mode])
        self.children = (controls, self._picture,
                         widgets.HBox([self._panel, self._table]))

    def _slider_moved(self, change):
        if self._ready:
            self.position = change["new"] - 1

    def _mode_picked(self, change):
        self.mode = change["new"]

    def _refresh(self):
        """Bring every part of the UI to the current step (only what changed is sent)."""
        if not self._ready:
            return
        self._ready = False  # setting the slider must not set position again
        try:
            count = max(len(self._records()), 1)
            if self._slider.max != count:
                self._slider.max = self._play.max = count
            self._slider.value = self._play.value = self.position + 1
            self._mode.value = self.mode
        finally:
            self._ready = True
        self._picture.value = f'<div class="gradlab-stepper-graph">{self.svg()}</div>'
        self._panel.value = self._current_html(live=True)
        self._table.value = self._table_html() if self.mode == "backward" else ""

    # ---------------------------------------------------------------- drawing
    def _draw(self):
        recording = self._recording
        record = self.current
        if self.mode == "forward":
            highlight = record.node_ids if record is not None else ()
            svg = render(recording.graph, recording.placed, highlight=highlight)
            created = recording.forward_created
            hidden = {node_id for node_id, at in created.items() if at > self.position}
            return _fade(svg, hidden)
        highlight = (record.node_id,) if record is not None and record.node_id else ()
        return self._render_nodes(self._graph_at(self.position), highlight)

    def _render_nodes(self, model, highlight):
        """``render(model, placed, highlight=...)``, with the arrows drawn once and reused.

        Stepping changes boxes only (the highlight, a hover ``grad``), never arrows;
        on a 1,000-node graph the arrows are most of the drawing time.
        """
        placed = self._recording.placed
        if self._edges is None:
            full = render(model, placed, highlight=highlight)
            start, end = full.find(_EDGES_OPEN), full.find(_NODES_OPEN)
            self._edges = full[start:end] if 0 <= start < end else ""
            return full
        if not self._edges:
            return render(model, placed, highlight=highlight)
        boxes_only = Layout(placed.boxes, [], placed.width, placed.height, placed.direction,
                            placed.layers, placed.crossings)
        svg = render(model, boxes_only, highlight=highlight)
        start, end = svg.find(_EDGES_OPEN), svg.find(_NODES_OPEN)
        return svg[:start] + self._edges + svg[end:]

    def _graph_at(self, index):
        """The graph model with each tensor's hover ``grad`` as it was after step ``index``."""
        recording = self._recording
        model = recording.graph
        replaced = {}
        for row in recording.rows:
            grad = row.grad_after(index)
            if grad is row.initial:
                continue
            node_id = model.node_id(row.tensor)
            if node_id is None:
                continue
            old = model.node(node_id)
            details = dict(old.details)
            details["grad"] = values_text(grad)
            replaced[node_id] = GraphNode(old.id, old.kind, old.label, old.names, old.lines, details,
                                          old.cut, old.count)
        if not replaced:
            return model
        nodes = [replaced.get(node.id, node) for node in model.nodes]
        return Graph(nodes, model.edges, model.cuts, model.notes, model.options)

    # ---------------------------------------------------------------- text and HTML
    def _current_lines(self):
        record = self.current
        if record is None:
            return [_Line("nothing to step through")]
        return record.lines

    def _current_text(self):
        return "\n".join(line.text for line in self._current_lines())

    def _current_html(self, live):
        parts = []
        for line in self._current_lines():
            if live and line.latex:
                body = html.escape(line.text.split(":", 1)[0]) + ": $" + html.escape(line.latex) + "$"
            else:
                body = html.escape(line.text)
            style = {"title": "font-weight:bold", "note": "color:#666666",
                     "formula": "color:#1f3f6f"}.get(line.kind, "")
            parts.append(f'<div style="white-space:pre-wrap;{style}">{body}</div>')
        return ('<div class="gradlab-stepper-step" style="font-family:monospace;font-size:13px">'
                + "".join(parts) + "</div>")

    def _table_rows(self):
        """``(label, grad text, changed now)`` for the rows shown, at most TABLE_ROWS."""
        recording = self._recording
        index = self.position
        record = self.current
        changed = {id(row) for row, _, _ in record.changed} if record is not None else set()
        rows = recording.rows
        if len(rows) > TABLE_ROWS:  # the ones this step changed always stay
            keep = [row for row in rows if id(row) in changed]
            keep += [row for row in rows if id(row) not in changed][:TABLE_ROWS - len(keep)]
            order = {id(row): i for i, row in enumerate(rows)}
            rows = sorted(keep, key=lambda row: order[id(row)])
        shown = [(row.label, values_text(row.grad_after(index)), id(row) in changed) for row in rows]
        return shown, len(recording.rows) - len(rows)

    def _table_text(self):
        shown, hidden = self._table_rows()
        lines = [f"gradients so far (after step {self.position + 1}):"]
        width = max((len(label) for label, _, _ in shown), default=0)
        for label, grad, changed in shown:
            mark = "   ◀ changed now" if changed else ""
            lines.append(f"  {label.ljust(width)}  .grad = {grad}{mark}")
        if hidden:
            lines.append(f"  … and {hidden} more tensors")
        return "\n".join(lines)

    def _table_html(self):
        shown, hidden = self._table_rows()
        cell = 'style="padding:1px 8px;text-align:left"'
        rows = []
        for label, grad, changed in shown:
            style = ' style="background:#fff3c4;font-weight:bold"' if changed else ""
            rows.append(f"<tr{style}><td {cell}>{html.escape(label)}</td><td {cell}>{html.escape(grad)}"
                        f"</td><td {cell}>{'◀ changed now' if changed else ''}</td></tr>")
        if hidden:
            rows.append(f'<tr><td colspan="3" {cell}>… and {hidden} more tensors</td></tr>')
        return ('<div class="gradlab-stepper-grads" style="font-family:monospace;font-size:13px">'
                f"<div><b>gradients so far (after step {self.position + 1})</b></div>"
                '<table style="border-collapse:collapse">'
                f"<tr><th {cell}>tensor</th><th {cell}>.grad</th><th {cell}></th></tr>"
                + "".join(rows) + "</table></div>")

    # ---------------------------------------------------------------- display
    def _static_html(self):
        return (f'<div class="gradlab-stepper"><p>{html.escape(self._heading())}</p>'
                f"{self.svg()}{self._current_html(live=False)}"
                f"{self._table_html() if self.mode == 'backward' else ''}</div>")

    def _heading(self):
        count = len(self._records())
        return (f"BackpropStepper: {self.mode} step {self.position + 1} of {count} "
                "(run the notebook to step with Play / Back / Next)")

    def _repr_mimebundle_(self, **kwargs):
        text = self._heading() + "\n" + self.text()
        return static_bundle(super()._repr_mimebundle_(**kwargs), self._static_html(), text)

    def __repr__(self):
        record = self.current
        at = f" ({record.name})" if isinstance(record, StepRecord) else ""
        return (f"<BackpropStepper: {len(self.steps)} backward steps, showing {self.mode} step "
                f"{self.position + 1}{at}>")


_EDGES_OPEN = '<g class="gradlab-edges">'
_NODES_OPEN = '<g class="gradlab-nodes">'
_NODE_GROUP = re.compile(r'<g class="gradlab-node[^"]*" data-node="([^"]+)"')
_EDGE_GROUP = re.compile(r'<g class="gradlab-edge-[^"]*" data-source="([^"]+)" data-target="([^"]+)"')


def _fade(svg, hidden):
    """Make the boxes (and their arrows) the forward pass has not built yet nearly transparent."""
    if not hidden:
        return svg
    svg = _NODE_GROUP.sub(lambda m: m.group(0) + (f' opacity="{FADED}"' if m.group(1) in hidden else ""),
                          svg)
    return _EDGE_GROUP.sub(lambda m: m.group(0) + (f' opacity="{FADED}"' if m.group(1) in hidden
                                                  or m.group(2) in hidden else ""), svg)
