"""The recording of an engine run: one backward pass, kept step by step to be replayed.

::

    from gradlab.viz.recording import BackwardRecording
    recording = BackwardRecording(loss, names=globals())
    recording.steps[0].text            # "backward step 1 of 4: SumBackward0 ..."
    recording.rows[0].grad_after(2)    # a .grad as it was right after step 3
    recording.forward[1].text          # how the forward pass built the graph, op 2

One job: run the real backward pass once and keep what it did, so that a
view (``gradlab.widgets.BackpropStepper``) can show any step, in any order,
later. Pure Python and NumPy: no widgets.

- **One backward pass, the real one, run at once.** Making the recording runs
  ``iter_backward`` — the generator ``loss.backward()`` itself is — to the
  end, exactly as ``loss.backward()`` would (same ``gradient=``, same
  ``retain_graph``, the graph's saved values freed afterwards). So the moment
  the recording exists, every leaf's ``.grad`` holds PyTorch's values, whatever
  step the student is looking at.
- **Steps are replayed from the engine's records.** For every node it ran the
  engine yields a ``BackwardStep`` (node, ``grad_outputs``, ``grad_inputs``,
  leaves whose ``.grad`` changed); the recording keeps each one with a copy of
  every ``.grad`` that step changed. Step k shows the gradients as they were
  right after step k — partly filled while the walk is half way — read from
  those copies, never recomputed.

The forward replay lists how the graph was built, op by op, in creation order:
from a ``gradlab.viz`` capture when one is given (``%%autograd --step``
passes the cell's), else from the order the grad_fn nodes were created.

The words of each step (the chain rule with its numbers) are written by
``chain_rule.py``, on first use.
"""
import bisect
import collections

import numpy as np

from ..autograd.engine import iter_backward
from ..autograd.node import AccumulateGrad, grad_accumulator
from ..tensor import Tensor
from .capture import name_tensors
from .chain_rule import Line, explain_step, input_symbols, recorded_lines, shape_text, values_text
from .layout import layout
from .build import graph as build_graph
from .cuts import op_text


# ====================================================================== records
class StepRecord:
    """One step of the backward pass, as the stepper shows it.

    ``step``: the engine's ``BackwardStep`` (``node``, ``grad_outputs``,
    ``grad_inputs``, ``leaves``) — every number shown comes from these
    records; ``index``: position in the recording's ``steps``; ``name``: the
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
        """The explanation as ``Line`` objects (plain text, with LaTeX where it helps)."""
        if self._lines is None:
            self._lines = explain_step(self._recording, self)
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
class BackwardRecording:
    """Runs the backward pass once through ``iter_backward`` and keeps what the stepper shows.

    Before the walk: copies of what every node saved (backward frees them), the names,
    the graph model and its layout. The walk: one ``StepRecord`` per node the engine ran,
    with copies of the ``.grad`` it changed. After: the forward replay.

    Takes the arguments of ``BackpropStepper`` (``names``: a dict of variables; None: no names).
    Read ``steps``, ``forward``, ``rows`` (the gradient table), ``graph`` and ``placed`` (the
    viz model and its layout), ``saved`` (node -> copies of what its forward saved).
    """

    def __init__(self, output, gradient=None, *, retain_graph=None, names=None, capture=None,
                 direction="LR", max_nodes=300):
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
        leaves = sorted((n for n in nodes if n.__class__ is AccumulateGrad), key=lambda n: n._created)
        for node in leaves:
            self.row(node.variable)
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

    def row(self, tensor):
        """The gradient-table row of ``tensor`` (a ``_Row``), added on first use."""
        row = self.row_of.get(id(tensor))
        if row is None:
            name = self.leaf_names.get(id(tensor))
            if name is None and tensor.grad_fn is not None:
                name = self.output_name(tensor.grad_fn, tensor._output_nr)
            if name is None:
                kind = "leaf" if tensor.grad_fn is None else type(tensor.grad_fn).__name__ + " output"
                name = f"({kind} {shape_text(tensor._data)}, unnamed)"
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
            return self.row(next_node.variable).label
        name = self.output_name(next_node, index)
        if name is not None:
            return name
        suffix = f" (output {index})" if next_node._num_outputs > 1 else ""
        return f"{type(next_node).__name__}{suffix}"

    def input_words(self, node, position, symbol):
        """``["a = x"]`` for a named input, ``["b from PowBackward0"]`` otherwise, [] for no input."""
        label = self.input_label(node, position)
        if label is None:
            return []
        next_node, index = node.next_functions[position]
        named = next_node.__class__ is AccumulateGrad or self.output_name(next_node, index)
        return [f"{symbol} = {label}" if named else f"{symbol} from {label}"]

    def code_words(self, node):
        """``in your code: y = x ** 2   ∂y/∂x = 2 · x``: the node as the picture labels it (the
        student's expression and the derivatives in their names; ``as code:`` when the text was
        made from the graph, not read from the cell), or None when unknown."""
        node_id = self.graph.node_id(node)
        if node_id is None:
            return None
        details = self.graph.node(node_id).details
        expression, named = details.get("expression"), details.get("formula_derivatives")
        if not expression or expression == node.expression or named is None:
            return None
        output = None if details.get("_in_place") else self.output_name(node)
        # "in your code" only for text read from the student's cell (a capture); a text made from
        # the graph may describe a node the engine made (the backward of create_graph=True)
        where = "in your code" if details.get("_from_code") else "as code"
        text = f"{where}: {output + ' = ' if output else ''}{expression}"
        return f"{text}   {details['derivatives']}"

    def output_name(self, node, index=0):
        """The variable name of output ``index`` of ``node``, or None."""
        if node.__class__ is AccumulateGrad:
            return self.row(node.variable).label
        named = self.outputs.get((node, index))
        return named[0] if named else None

    def is_root(self, node, output_nr):
        """Whether output ``output_nr`` of ``node`` is the tensor backward started from."""
        root = self.output.grad_fn
        if root is None:
            return node.__class__ is AccumulateGrad and node.variable is self.output
        return node is root and output_nr == self.output._output_nr

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
                row = self.row(tensor)
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
                          for words in self.input_words(node, position, symbol)]
                made = f"{named[0]} = " if named else ""
                title = f": {made}{node.expression or node.name()}"
                if inputs:
                    title += f"   ({', '.join(inputs)})"
                entries.append((title, [i for i in ids if i is not None],
                                recorded_lines(node, self.saved.get(node, {}))))
        records = []
        self.forward_created = {}  # graph node id -> the forward op that made it
        for index, (title, ids, lines) in enumerate(entries):
            lines.insert(0, Line(f"forward op {index + 1} of {len(entries)}{title}", kind="title"))
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
            return recorded_lines(node, self.saved.get(node, {}))
        label = self.leaf_names.get(id(tensor), "this tensor")
        value = values_text(tensor._data)
        if tensor.requires_grad:
            return [Line(f"  a leaf tensor: {label} = {value} (requires_grad=True); backward will "
                         f"add its gradient into {label}.grad")]
        return [Line(f"  {label} = {value} does not require grad: autograd does not track it")]


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
    """Copies of what ``node`` keeps for backward, by the names its derivative formulas use
    (``node.saved_named()``); explains a graph a backward pass already freed."""
    try:
        values = node.saved_named()
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
    copies = {}
    for name, value in values.items():
        if isinstance(value, Tensor):
            value = np.array(value._data, copy=True)
        elif isinstance(value, np.ndarray):
            value = value.copy()
        copies[name] = value
    return copies
