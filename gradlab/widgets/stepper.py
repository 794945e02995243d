"""The backprop stepper: watch the real backward pass run, one grad_fn node at a time.

::

    from gradlab.widgets import BackpropStepper
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * w).sum()
    BackpropStepper(loss)          # ▶ / Next / Back / slider / Reset

One job: the ipywidgets view. Making it records the whole backward pass at
once (``gradlab.viz.recording``: the real ``loss.backward()``, every step kept
with copies of the ``.grad`` it changed), so every leaf's ``.grad`` is final
from the start; Back, the slider and Reset only choose which record to show.
The text beside the picture is ``gradlab.viz.chain_rule``'s; nothing here
computes a gradient. The mode switch shows the recording's forward replay
(how the graph was built, op by op), fading what is not built yet.

Big graphs stay responsive: the layout is computed once, the picture is the
viz collapse of the graph (``max_nodes``), a step redraws the boxes only
(the arrows never change), and each step's SVG and text are made on first
view and kept (``benchmarks/stepper.py``: a few ms per step on 1,000 nodes).

The picture is scaled to the output's width ("fit to width", on by default
when the graph stays readable that small, ``_picture.py``) or drawn at full
size with a scroll bar; Back and Reset are disabled on the first step, Next
on the last.

``close()`` closes every part of the widget and lets go of the recording
(the copies of every gradient, the graph, the pictures); the buttons and the
slider hold the stepper weakly (``_lifetime.py``), so a closed stepper that
nothing else names is freed. ``%%autograd --step`` closes the stepper a cell
showed before when the cell runs again.

Without a kernel (a saved notebook, nbconvert, GitHub, nbval) the stepper
shows a deterministic static ``text/html`` (the picture at the current step
and the chain-rule text) and ``text/plain``.
"""
import collections
import re
import sys

import ipywidgets as widgets
from traitlets import Bool, CaselessStrEnum, Int, observe, validate

from ..viz import Graph, GraphNode
from ..viz.capture import Capture
from ..viz.chain_rule import Line, values_text
from ..viz.layout import Layout
from ..viz.recording import BackwardRecording, StepRecord
from ..viz.safe_text import clean, html_text, one_line
from ..viz.svg import render
from ._fallback import static_bundle
from ._lifetime import Closable, weak_method
from ._picture import fit_picture, readable_when_fitted

# names this module held before the recording and its text moved to gradlab.viz, still importable
from ..viz.chain_rule import SHOWN_ELEMENTS  # noqa: F401 (re-exported)
from ..viz.chain_rule import input_symbols  # noqa: F401 (re-exported)
from ..viz.recording import ForwardRecord  # noqa: F401 (re-exported)

TABLE_ROWS = 40  # rows of the gradient table; the rest are counted
SVG_CACHE = 64  # pictures kept (one per step viewed)
FADED = "0.15"  # opacity of what the forward pass has not built yet


# ====================================================================== the widget
class BackpropStepper(Closable, widgets.VBox):
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
    fit_width = Bool(True, help="scale the picture to the output's width (False: full size, scrolling)")

    def __init__(self, output, gradient=None, *, retain_graph=None, names=None, capture=None,
                 direction="LR", max_nodes=300, **kwargs):
        if names is None:  # the caller's variables (a notebook's: the cell's globals)
            caller = sys._getframe(1)
            names = {**caller.f_globals, **caller.f_locals}
        if capture is not None and not isinstance(capture, Capture):
            raise TypeError(f"capture must be a gradlab.viz capture, got {type(capture).__name__}")
        self._ready = False
        self._recording = BackwardRecording(output, gradient, retain_graph=retain_graph, names=names,
                                            capture=capture, direction=direction, max_nodes=max_nodes)
        self._svgs = collections.OrderedDict()
        self._edges = None  # the arrows' SVG, the same at every backward step
        self._positions = {"backward": 0, "forward": 0}
        self._closed = False
        super().__init__(**kwargs)
        self.fit_width = readable_when_fitted(self._recording.placed.width)
        self._build_ui()
        self._ready = True
        self._refresh()

    # ---------------------------------------------------------------- public
    @property
    def steps(self):
        """The backward records (``StepRecord``), in the order the engine ran the nodes."""
        return self._recorded().steps

    @property
    def forward_steps(self):
        """The forward replay (``ForwardRecord``), in creation order."""
        return self._recorded().forward

    @property
    def graph(self):
        """The ``gradlab.viz`` graph model drawn (built before the walk)."""
        return self._recorded().graph

    def _also_close(self):
        return (getattr(self, "_link", None),)

    def _let_go(self):
        """close() closes every button, slider and picture; this lets go of the recording, the
        copies of every gradient and the pictures (a closed stepper holds none of them)."""
        self._ready = False
        self._recording = None
        self._svgs.clear()
        self._edges = None
        self._link = self._play = self._slider = self._back = self._next = self._reset = None
        self._mode = self._fit = self._picture = self._panel = self._table = None

    def _recorded(self):
        if self._closed:
            raise RuntimeError("this BackpropStepper was closed (close() let go of its recording); "
                               "make a new one to step through a backward pass")
        return self._recording

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
        return clean("\n".join(parts))  # valid UTF-8 whatever the names

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
        recording = self._recorded()
        return recording.forward if self.mode == "forward" else recording.steps

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
        self._fit = widgets.ToggleButton(value=self.fit_width, description="fit to width",
                                         tooltip="fit to width: scale the picture to the output's "
                                                 "width (off: full size, with a scroll bar)")
        # the children hold the stepper weakly: closed and unnamed, it is freed
        self._back.on_click(weak_method(self._back_clicked))
        self._next.on_click(weak_method(self._next_clicked))
        self._reset.on_click(weak_method(self._reset_clicked))
        self._slider.observe(weak_method(self._slider_moved), names="value")
        self._mode.observe(weak_method(self._mode_picked), names="value")
        self._fit.observe(weak_method(self._fit_picked), names="value")
        self._picture = widgets.HTML(layout=widgets.Layout(overflow="auto", max_height="520px"))
        self._panel = widgets.HTMLMath(layout=widgets.Layout(flex="3 1 0%", min_width="320px"))
        self._table = widgets.HTML(layout=widgets.Layout(flex="2 1 0%", min_width="220px"))
        controls = widgets.HBox([self._play, self._back, self._next, self._reset, self._slider,
                                 self._mode, self._fit], layout=widgets.Layout(flex_flow="row wrap"))
        self.children = (controls, self._picture,
                         widgets.HBox([self._panel, self._table]))

    def _back_clicked(self, _button):
        self.previous()

    def _next_clicked(self, _button):
        self.next()

    def _reset_clicked(self, _button):
        self.reset()

    def _fit_picked(self, change):
        self.fit_width = change["new"]

    @observe("fit_width")
    def _fit_changed(self, change):
        if self._ready:
            self._fit.value = change["new"]
            self._picture.value = self._picture_html()

    def _picture_html(self):
        return fit_picture(f'<div class="gradlab-stepper-graph">{self.svg()}</div>', self.fit_width)

    def _slider_moved(self, change):
        if self._ready:
            self.position = change["new"] - 1

    def _mode_picked(self, change):
        self.mode = change["new"]

    def _refresh(self):
        """Bring every part of the UI to the current step (only what changed is sent)."""
        if not self._ready or self._closed:
            return
        self._ready = False  # setting the slider must not set position again
        try:
            count = max(len(self._records()), 1)
            if self._slider.max != count:
                self._slider.max = self._play.max = count
            self._slider.value = self._play.value = self.position + 1
            self._mode.value = self.mode
            # nothing before the first step, nothing after the last: those buttons are off
            first, last = self.position == 0, self.position >= count - 1
            self._back.disabled = first
            self._next.disabled = last
            self._reset.disabled = first and self.mode == "backward"
        finally:
            self._ready = True
        self._picture.value = self._picture_html()
        self._panel.value = self._current_html(live=True)
        self._table.value = self._table_html() if self.mode == "backward" else ""

    # ---------------------------------------------------------------- drawing
    def _draw(self):
        recording = self._recorded()
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
        placed = self._recorded().placed
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
        recording = self._recorded()
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
            return [Line("nothing to step through")]
        return record.lines

    def _current_text(self):
        return "\n".join(one_line(line.text) for line in self._current_lines())

    def _current_html(self, live):
        parts = []
        for line in self._current_lines():
            if live and line.latex:
                body = html_text(line.text.split(":", 1)[0]) + ": $" + html_text(line.latex) + "$"
            else:
                body = html_text(line.text)
            style = {"title": "font-weight:bold", "note": "color:#666666",
                     "formula": "color:#1f3f6f"}.get(line.kind, "")
            parts.append(f'<div style="white-space:pre-wrap;{style}">{body}</div>')
        return ('<div class="gradlab-stepper-step" style="font-family:monospace;font-size:13px">'
                + "".join(parts) + "</div>")

    def _table_rows(self):
        """``(label, grad text, changed now)`` for the rows shown, at most TABLE_ROWS."""
        recording = self._recorded()
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
            rows.append(f"<tr{style}><td {cell}>{html_text(label)}</td><td {cell}>{html_text(grad)}"
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
        return (f'<div class="gradlab-stepper"><p>{html_text(self._heading())}</p>'
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
        if self._closed:
            return "<BackpropStepper: closed>"
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
