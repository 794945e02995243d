"""GraphView: the autograd graph as a widget — pick a node, see its value, grad, shape and grad_fn.

::

    from gradlab.widgets import GraphView
    view = GraphView(loss, names=globals())
    view              # the picture, a node selector, the chosen node's details, options
    loss.backward()
    view.refresh()    # read the tensors again: the grads appear

Drawing is ``gradlab.viz``'s job (``graph`` → ``layout`` → SVG); this module
keeps the options and the selection and puts the pieces in widgets. The
layout is computed once per graph and direction: choosing another node only
redraws the SVG with a new highlight. ``_repr_mimebundle_`` adds a static
``text/html`` (the SVG and the chosen node's details) and the text form of
the graph, both deterministic, for saved notebooks, GitHub and nbval.

"fit to width" scales the picture to the output (on by default when the
graph stays readable that small, ``_picture.py``). ``close()`` closes every
part and lets go of the graph and the tensors; the checkboxes and buttons
hold the view weakly (``_lifetime.py``), so a closed view is freed.
"""
import ipywidgets as widgets

from ..autograd.node import Node
from ..tensor import Tensor
from ..viz import graph as build_graph
from ..viz import layout, to_text
from ..viz.capture import Capture
from ..viz.layout import header_text
from ..viz.model import Graph
from ..viz.safe_text import html_text, one_line
from ..viz.svg import LEGEND, hover_text, render
from ._fallback import static_bundle
from ._lifetime import Closable, weak_method
from ._picture import fit_picture, readable_when_fitted

KIND_WORDS = dict(LEGEND)
DETAIL_ORDER = ("value", "grad", "shape", "dtype", "requires_grad", "is_leaf", "grad_fn")
DIRECTIONS = (("left → right", "LR"), ("top → bottom", "TB"))


class GraphView(Closable, widgets.VBox):
    """The graph of ``tensor_or_graph`` (a Tensor, a list of tensors, a ``Capture`` or a ``Graph``).

    ``names``: a namespace (``globals()``) or ``{id(tensor): [names]}`` for the
    labels; ``direction``: "LR" or "TB"; ``values`` / ``grads``: show values /
    ``.grad`` in the boxes; ``accumulate_grad``: draw the AccumulateGrad nodes;
    ``max_nodes``: collapse larger graphs. The checkboxes and buttons change
    the same options; ``refresh()`` rebuilds from the live tensors;
    ``select(x)`` chooses a node by tensor, grad_fn or node id. A ``Graph`` is
    fixed data: only the direction and the selection can change.
    """

    def __init__(self, tensor_or_graph, *, names=None, direction="LR", values=True, grads=True,
                 accumulate_grad=False, max_nodes=300):
        direction = _checked_direction(direction)
        _check_target(tensor_or_graph)
        if isinstance(tensor_or_graph, Graph):
            self.target = None
            self.graph = tensor_or_graph
            options = tensor_or_graph.options
            values = options.get("values", values)
            grads = options.get("grads", grads)
            accumulate_grad = options.get("accumulate_grad", accumulate_grad)
        else:
            self.target = tensor_or_graph
            self.graph = build_graph(tensor_or_graph, names=names, values=values, grads=grads,
                                     accumulate_grad=accumulate_grad, max_nodes=max_nodes)
        self.names = names
        self.max_nodes = max_nodes
        self._layouts = {}  # direction -> Layout of self.graph
        self._quiet = False  # True while the widgets are being set from code

        fixed = self.target is None
        self.values_box = widgets.Checkbox(value=bool(values), description="values", indent=False,
                                           disabled=fixed, layout=widgets.Layout(width="auto"))
        self.grads_box = widgets.Checkbox(value=bool(grads), description="grads", indent=False,
                                          disabled=fixed, layout=widgets.Layout(width="auto"))
        self.accumulate_box = widgets.Checkbox(value=bool(accumulate_grad), description="AccumulateGrad",
                                               indent=False, disabled=fixed,
                                               layout=widgets.Layout(width="auto"))
        self.direction_buttons = widgets.ToggleButtons(options=DIRECTIONS, value=direction,
                                                       style={"button_width": "auto"})
        self.selector = widgets.Dropdown(description="node", layout=widgets.Layout(width="360px"))
        self.refresh_button = widgets.Button(
            description="Refresh", icon="refresh", disabled=fixed,
            tooltip="read the tensors again (after backward(), the grads appear)")
        self.fit_button = widgets.ToggleButton(
            value=readable_when_fitted(self._placed().width), description="fit to width",
            tooltip="fit to width: scale the picture to the output's width (off: full size, "
                    "with a scroll bar)")
        self.picture = widgets.HTML(layout=widgets.Layout(overflow="auto", max_width="100%"))
        self.details = widgets.HTML()
        super().__init__(children=[
            widgets.HBox([self.values_box, self.grads_box, self.accumulate_box, self.direction_buttons],
                         layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.selector, self.refresh_button, self.fit_button],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.picture,
            self.details,
        ])
        self._closed = False
        # the parts hold the view weakly: closed and unnamed, it is freed
        for box in (self.values_box, self.grads_box, self.accumulate_box):
            box.observe(weak_method(self._on_option), names="value")
        self.direction_buttons.observe(weak_method(self._on_view), names="value")
        self.selector.observe(weak_method(self._on_view), names="value")
        self.fit_button.observe(weak_method(self._on_view), names="value")
        self.refresh_button.on_click(weak_method(self._on_refresh))
        self._fill_selector(self._default_selection())
        self._show()

    # ---------------------------------------------------------------- what is shown
    @property
    def direction(self):
        return self.direction_buttons.value

    @property
    def fit_width(self):
        """Whether the picture is scaled to the output's width (the "fit to width" toggle)."""
        return self.fit_button.value

    @fit_width.setter
    def fit_width(self, value):
        self.fit_button.value = bool(value)  # the observer redraws

    def _let_go(self):
        """close() closes every part of the view; this lets go of the graph and the tensors drawn."""
        self.target = self.names = None
        self.graph = Graph()
        self._layouts = {}

    @property
    def selected(self):
        """The id of the chosen node (``t0``, ``f1``), or None for an empty graph."""
        return self.selector.value

    def select(self, item):
        """Choose a node: a node id (``"t0"``), a tensor or a grad_fn node of the graph."""
        if isinstance(item, (Tensor, Node)):
            node_id = self.graph.node_id(item)
            if node_id is None:
                what = "tensor" if isinstance(item, Tensor) else type(item).__name__
                raise ValueError(f"GraphView: this {what} is not drawn in the graph (not part of it, "
                                 "or inside a collapsed part)")
        else:
            node_id = item
            if not any(node.id == node_id for node in self.graph.nodes):
                known = ", ".join(node.id for node in self.graph.nodes[:12])
                raise ValueError(f"GraphView: no node {node_id!r} in the graph (its nodes: {known}"
                                 f"{', …' if len(self.graph.nodes) > 12 else ''})")
        self.selector.value = node_id  # the observer redraws

    def refresh(self):
        """Rebuild the graph from the live tensors (their values and .grad now), keeping the selection."""
        if self.target is not None:
            self.graph = build_graph(self.target, names=self.names, values=self.values_box.value,
                                     grads=self.grads_box.value, accumulate_grad=self.accumulate_box.value,
                                     max_nodes=self.max_nodes)
            self._layouts = {}
            keep = self.selector.value
            self._fill_selector(keep if keep in self._ids() else self._default_selection())
        self._show()

    def _on_refresh(self, _button):
        self.refresh()

    def _on_option(self, _change):
        if not self._quiet:
            self.refresh()

    def _on_view(self, _change):
        if not self._quiet:
            self._show()

    def _ids(self):
        return {node.id for node in self.graph.nodes}

    def _default_selection(self):
        """The output: the target tensor, or else a tensor nothing else is made from."""
        if not self.graph.nodes:
            return None
        if isinstance(self.target, Tensor):
            node_id = self.graph.node_id(self.target)
            if node_id is not None:
                return node_id
        sources = {edge.source for edge in self.graph.edges}
        for node in self.graph.nodes:
            if node.is_tensor and node.id not in sources:
                return node.id
        return self.graph.nodes[0].id

    def _fill_selector(self, value):
        self._quiet = True
        try:
            self.selector.options = [(_option_label(node), node.id) for node in self.graph.nodes]
            self.selector.value = value
        finally:
            self._quiet = False

    def _show(self):
        if self._closed:
            return
        self.picture.value = fit_picture(self.to_svg(), self.fit_width)
        self.details.value = self.details_html()

    # ---------------------------------------------------------------- static forms
    def to_svg(self):
        """The graph as SVG, the chosen node highlighted."""
        highlight = (self.selected,) if self.selected is not None else ()
        return render(self.graph, self._placed(), highlight=highlight)

    def _placed(self):
        """The layout of the graph in the current direction (computed once per graph and direction)."""
        direction = self.direction_buttons.value
        placed = self._layouts.get(direction)
        if placed is None:
            placed = self._layouts[direction] = layout(self.graph, direction)
        return placed

    def details_html(self):
        """The chosen node's details as an HTML table."""
        if self.selected is None:
            return '<div class="gradlab-node-details"><i>empty graph: no node to show</i></div>'
        node = self.graph.node(self.selected)
        title = html_text(header_text(node))
        kind = KIND_WORDS.get(node.kind, node.kind)
        rows = []
        for key, text in _detail_rows(node):
            cell = (f'<pre style="margin:0">{html_text(text)}</pre>' if "\n" in text
                    else f"<code>{html_text(text)}</code>")
            rows.append(f'<tr><th style="text-align:left;padding-right:1em;vertical-align:top">'
                        f"{html_text(key)}</th><td style=\"text-align:left\">{cell}</td></tr>")
        return (f'<div class="gradlab-node-details"><div><b>{title}</b> ({html_text(node.id)}) — '
                f"{html_text(kind)}</div><table>{''.join(rows)}</table></div>")

    def to_text(self):
        """The text form of the graph, then the chosen node's details."""
        text = to_text(self.graph)
        if self.selected is None:
            return text
        details = hover_text(self.graph.node(self.selected)).split("\n")
        return text + one_line(f"selected ({self.selected}): {details[0]}") + "\n" + \
            "".join(f"    {one_line(line)}\n" for line in details[1:])

    def to_html(self):
        """The static picture: the SVG with the chosen node highlighted, and its details."""
        return f'<div class="gradlab-graph-view">{self.to_svg()}{self.details_html()}</div>'

    def _repr_mimebundle_(self, **kwargs):
        # the live widget where a kernel runs; SVG and text where it does not (GitHub, nbval)
        return static_bundle(super()._repr_mimebundle_(**kwargs), self.to_html(), self.to_text())

    def __repr__(self):
        return f"GraphView({self.graph!r}, selected={self.selected!r})"


# ====================================================================== helpers
def _check_target(target):
    """GraphView draws a Tensor, a list of tensors, a Capture or a Graph; anything else
    gets a message that says so (not "'int' object is not iterable")."""
    if isinstance(target, (Tensor, Capture, Graph)):
        return
    if isinstance(target, (list, tuple)):
        wrong = [item for item in target if not isinstance(item, Tensor)]
        if not wrong:
            return
        got = f"a {type(target).__name__} with an element of type {type(wrong[0]).__name__}"
    else:
        got = type(target).__name__
    raise TypeError(f"GraphView takes a Tensor (such as a loss), a list of tensors, a Capture or a "
                    f"Graph, got {got}")


def _checked_direction(direction):
    upper = direction.upper() if isinstance(direction, str) else direction
    if upper not in ("LR", "TB"):
        raise ValueError(f"GraphView: direction must be 'LR' (left to right) or 'TB' (top to bottom), "
                         f"got {direction!r}")
    return upper


def _option_label(node):
    """How a node reads in the selector: ``x  [t0 · leaf]``, ``PowBackward0  [f1]``,
    ``AccumulateGrad (x.grad += grad)  [a0]``."""
    badge = f" · {node.badge}" if node.badge else ""
    title = header_text(node)
    if node.kind == "accumulate_grad" and node.lines:
        title = f"{title} ({node.lines[0]})"
    return one_line(f"{title}  [{node.id}{badge}]")


def _detail_rows(node):
    """(key, text) pairs: value, grad, shape, dtype, requires_grad, is_leaf, grad_fn first."""
    details = node.details
    keys = [key for key in DETAIL_ORDER if key in details] + \
        [key for key in details if key not in DETAIL_ORDER and not key.startswith("_")]
    rows = []
    for key in keys:
        value = details[key]
        if key == "grad" and value is None:
            value = _why_no_grad(details)
        elif key == "shape":
            value = "[" + ", ".join(str(n) for n in value) + "]"
        rows.append((key, str(value)))
    return rows


def _why_no_grad(details):
    if not details.get("requires_grad"):
        return "None (requires_grad=False: autograd never fills it)"
    if details.get("is_leaf"):
        return "None (no backward has reached it yet)"
    if details.get("retains_grad"):
        return "None (retain_grad() is on; no backward has reached it yet)"
    return "None (a non-leaf keeps no .grad unless you call retain_grad() before backward)"
