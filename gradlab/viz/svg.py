"""SVG renderer: a self-contained picture of a ``Graph``.

Self-contained (no scripts, no external fonts or CSS: presentation
attributes only, so one notebook can hold many pictures without their styles
leaking into each other or into the page) and deterministic: the same graph
gives the same bytes — node ids come from the model (``t0``, ``f1``), never
from ``id()``; numbers are printed with one decimal; nothing is random.
Every text is XML-escaped. Each box has a ``<title>`` (the hover tooltip)
with the tensor's value, grad, shape, dtype, requires_grad, is_leaf and
grad_fn.

Boxes differ by shape *and* words, not only colour:

- leaf tensor: square corners, thick border, badge "leaf";
- non-leaf tensor: rounded corners, badge "non-leaf";
- tensor that needs no gradient: dashed border, badge "no grad";
- grad_fn node: a pill, named by its PyTorch class (``PowBackward0``);
- AccumulateGrad: a hexagon; a collapsed part: a stack of cards.

Arrows follow the forward data flow; a cut is a red dashed arrow with ✂.
"""
from .layout import (
    FONT_SIZE, LINE_HEIGHT, PAD_X, PAD_Y, BADGE_GAP, badge_width, header_text, layout, text_width,
)
from .safe_text import one_line, xml_attribute, xml_text

FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace"

STYLES = {
    #                fill       stroke     width  dash    radius   badge fill  badge text
    "leaf": dict(fill="#e4f5dc", stroke="#2e7d32", width=2.4, dash=None, badge="#2e7d32"),
    "nonleaf": dict(fill="#e3edfb", stroke="#1f5fa8", width=1.3, dash=None, badge="#1f5fa8"),
    "constant": dict(fill="#f3f3f3", stroke="#7a7a7a", width=1.3, dash="5 3", badge="#6b6b6b"),
    "grad_fn": dict(fill="#fff4d9", stroke="#b26a00", width=1.3, dash=None, badge=None),
    "accumulate_grad": dict(fill="#f5e6f8", stroke="#7b3294", width=1.3, dash=None, badge=None),
    "summary": dict(fill="#fafafa", stroke="#555555", width=1.3, dash="3 2", badge="#555555"),
}
CUT_COLOUR = "#c62828"
EDGE_STYLES = {
    "flow": dict(stroke="#4a4a4a", width=1.3, dash=None),
    "constant": dict(stroke="#8a8a8a", width=1.1, dash="4 3"),
    "untracked": dict(stroke="#a8a8a8", width=1.1, dash="1.5 3"),
    "cut": dict(stroke=CUT_COLOUR, width=1.5, dash="6 4"),
    "summary": dict(stroke="#555555", width=2.0, dash=None),
}
LEGEND = [
    ("leaf", "leaf tensor: you made it with requires_grad=True; backward fills its .grad"),
    ("nonleaf", "non-leaf tensor: made by an operation, has a grad_fn"),
    ("constant", "no grad: requires_grad=False, autograd does not track it"),
    ("grad_fn", "grad_fn node: computes the local gradient during backward"),
    ("accumulate_grad", "AccumulateGrad: adds the arriving gradient into a leaf's .grad"),
    ("summary", "collapsed part of a large graph"),
    ("cut", "cut: no gradient flows back along this arrow"),
]
LEGEND_WIDTH = 760  # px: the legend wraps at the picture's width, or at this if the picture is wider


# ====================================================================== helpers
def _n(value):
    """A number as SVG text: one decimal, no trailing ``.0``, never ``-0``."""
    text = f"{value:.1f}"
    if text[-1] == "0":
        text = text[:-2]
        if text == "-0":
            return "0"
    return text


def _line(text):
    """One ``<text>`` element's content: a single line, escaped (``safe_text``)."""
    return xml_text(one_line(text))


def hover_text(node):
    """The tooltip of a node: its kind and details, one per line."""
    lines = []
    if node.is_tensor:
        title = ", ".join(node.names) if node.names else "(unnamed tensor)"
        lines.append(f"{title}  [{node.badge}]")
        order = ("value", "grad", "shape", "dtype", "requires_grad", "is_leaf", "grad_fn",
                 "retains_grad", "grad_accumulated", "made_by", "changed_in_place", "cut")
    else:
        lines.append(node.label)
        order = tuple(node.details)
    for key in order:
        if key not in node.details or key.startswith("_"):  # "_…": for gradlab, not the reader
            continue
        value = node.details[key]
        if key == "value" or key == "grad":
            value = "None" if value is None else value
            if "\n" in value:
                value = "\n  " + value.replace("\n", "\n  ")
        lines.append(f"{key}: {value}")
    return "\n".join(lines)


# ====================================================================== shapes
def _node_svg(node, box, highlighted):
    style = STYLES[node.kind]
    stroke = CUT_COLOUR if node.cut else style["stroke"]
    width = style["width"] + (1.5 if highlighted else 0)
    dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
    common = f'fill="{style["fill"]}" stroke="{stroke}" stroke-width="{_n(width)}"{dash}'
    x, y, w, h = box.left, box.top, box.width, box.height
    parts = [f'<g class="gradlab-node gradlab-{node.kind}" data-node="{xml_attribute(node.id)}">',
             f"<title>{xml_text(hover_text(node))}</title>"]
    if highlighted:
        parts.append(f'<rect x="{_n(x - 5)}" y="{_n(y - 5)}" width="{_n(w + 10)}" height="{_n(h + 10)}" '
                     f'rx="8" fill="#ffe082" stroke="none"/>')
    if node.kind == "leaf":
        parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="0" {common}/>')
    elif node.kind == "nonleaf":
        parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="10" {common}/>')
    elif node.kind == "constant":
        parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="3" {common}/>')
    elif node.kind == "grad_fn":
        parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
                     f'rx="{_n(min(h / 2, 18))}" {common}/>')
    elif node.kind == "accumulate_grad":
        points = [(x, y + h / 2), (x + 8, y), (x + w - 8, y), (x + w, y + h / 2), (x + w - 8, y + h),
                  (x + 8, y + h)]
        parts.append(f'<polygon points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in points)}" {common}/>')
    else:  # summary: a stack of cards
        for shift in (6, 3):
            parts.append(f'<rect x="{_n(x + shift)}" y="{_n(y + shift)}" width="{_n(w - 6)}" '
                         f'height="{_n(h - 6)}" rx="3" {common}/>')
        parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w - 6)}" height="{_n(h - 6)}" '
                     f'rx="3" {common}/>')
        w, h = w - 6, h - 6
    inset = h / 4 if node.kind == "grad_fn" else (8 if node.kind == "accumulate_grad" else 0)
    text_x = x + PAD_X + inset
    baseline = y + PAD_Y + LINE_HEIGHT - 4
    header = header_text(node)
    if node.badge:
        badge_w = badge_width(node)
        parts.append(f'<rect x="{_n(text_x)}" y="{_n(baseline - 11)}" width="{_n(badge_w)}" height="14" '
                     f'rx="3" fill="{style["badge"]}"/>')
        parts.append(f'<text x="{_n(text_x + 4)}" y="{_n(baseline)}" fill="#ffffff" '
                     f'font-size="{FONT_SIZE}">{_line(node.badge)}</text>')
        text_x_header = text_x + badge_w + BADGE_GAP
    else:
        text_x_header = text_x
    muted = not node.label and node.is_tensor
    header_attrs = 'fill="#777777" font-style="italic"' if muted else 'fill="#111111" font-weight="bold"'
    parts.append(f'<text x="{_n(text_x_header)}" y="{_n(baseline)}" {header_attrs} '
                 f'font-size="{FONT_SIZE}">{_line(header)}</text>')
    for number, line in enumerate(node.lines, start=1):
        colour = CUT_COLOUR if line.startswith("✂") or (node.cut and _continues_cut(node, number)) \
            else ("#8a4b00" if line.startswith("grad ") else "#333333")
        parts.append(f'<text x="{_n(text_x)}" y="{_n(baseline + number * LINE_HEIGHT)}" fill="{colour}" '
                     f'font-size="{FONT_SIZE}">{_line(line)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _continues_cut(node, number):
    """True for the lines after the ✂ line (the wrapped reason)."""
    for earlier in range(number - 1, 0, -1):
        if node.lines[earlier - 1].startswith("✂"):
            return True
    return False


def _path(points, direction):
    """Smooth curve through the points: cubic pieces leaving and entering along the flow axis."""
    x0, y0 = points[0]
    parts = [f"M{_n(x0)},{_n(y0)}"]
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if direction == "LR":
            middle = (ax + bx) / 2
            parts.append(f"C{_n(middle)},{_n(ay)} {_n(middle)},{_n(by)} {_n(bx)},{_n(by)}")
        else:
            middle = (ay + by) / 2
            parts.append(f"C{_n(ax)},{_n(middle)} {_n(bx)},{_n(middle)} {_n(bx)},{_n(by)}")
    return " ".join(parts)


def _midpoint(points):
    if len(points) > 2:
        return points[len(points) // 2]
    (ax, ay), (bx, by) = points[0], points[-1]
    return ((ax + bx) / 2, (ay + by) / 2)


def _arrowhead(points, direction, colour):
    """A filled triangle at the end of a route, pointing along the flow axis."""
    (ax, ay), (bx, by) = points[-2], points[-1]
    if direction == "LR":
        sign = 1 if bx >= ax else -1
        corners = [(bx, by), (bx - 8 * sign, by - 4), (bx - 8 * sign, by + 4)]
    else:
        sign = 1 if by >= ay else -1
        corners = [(bx, by), (bx - 4, by - 8 * sign), (bx + 4, by - 8 * sign)]
    return f'<polygon points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in corners)}" fill="{colour}"/>'


def _edge_svg(edge, points, direction):
    style = EDGE_STYLES.get(edge.kind, EDGE_STYLES["flow"])
    dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
    parts = [f'<g class="gradlab-edge-{edge.kind}" data-source="{xml_attribute(edge.source)}" '
             f'data-target="{xml_attribute(edge.target)}">',
             f'<path d="{_path(points, direction)}" fill="none" stroke="{style["stroke"]}" '
             f'stroke-width="{_n(style["width"])}"{dash}/>',
             _arrowhead(points, direction, style["stroke"])]
    if edge.kind == "cut":  # the reason is written in the cut tensor's box
        mx, my = _midpoint(points)
        parts.append(f'<text x="{_n(mx)}" y="{_n(my + 5)}" text-anchor="middle" fill="{CUT_COLOUR}" '
                     f'font-size="15" stroke="#ffffff" stroke-width="3" paint-order="stroke">✂</text>')
    elif edge.label:
        mx, my = _midpoint(points)
        parts.append(f'<text x="{_n(mx)}" y="{_n(my - 3)}" text-anchor="middle" fill="#444444" '
                     f'font-size="11" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                     f"{_line(edge.label)}</text>")
    parts.append("</g>")
    return "".join(parts)


def _legend(graph, top, width):
    """Legend rows (shape + words) below the graph; returns (svg, height).

    The rows wrap at the picture's width, and never wider than ``LEGEND_WIDTH``: below a wide
    graph that scrolls in its output, the whole legend is seen at the left without scrolling.
    """
    width = min(width, LEGEND_WIDTH)
    kinds = {node.kind for node in graph.nodes}
    wanted = []
    for key, words in LEGEND:
        if key in ("leaf", "nonleaf", "constant", "grad_fn") or key in kinds \
                or (key == "cut" and graph.cuts):
            wanted.append((key, words))
    parts = ['<g class="gradlab-legend">']
    x, y = 16.0, top
    row_height = 22
    for key, words in wanted:
        item_width = 34 + text_width(words) * (11 / FONT_SIZE) + 18
        if x > 16 and x + item_width > width:
            x, y = 16.0, y + row_height
        if key == "cut":
            parts.append(f'<path d="M{_n(x)},{_n(y + 7)} L{_n(x + 26)},{_n(y + 7)}" stroke="{CUT_COLOUR}" '
                         f'stroke-width="1.5" stroke-dasharray="6 4"/>')
            parts.append(_arrowhead([(x, y + 7), (x + 26, y + 7)], "LR", CUT_COLOUR))
        else:
            style = STYLES[key]
            dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
            radius = {"leaf": 0, "nonleaf": 5, "constant": 2, "grad_fn": 7, "accumulate_grad": 2,
                      "summary": 2}[key]
            parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="26" height="14" rx="{radius}" '
                         f'fill="{style["fill"]}" stroke="{style["stroke"]}" '
                         f'stroke-width="{_n(min(style["width"], 2))}"{dash}/>')
        parts.append(f'<text x="{_n(x + 34)}" y="{_n(y + 11)}" fill="#333333" font-size="11">'
                     f"{_line(words)}</text>")
        x += item_width
    y += row_height
    parts.append(f'<text x="16" y="{_n(y + 8)}" fill="#555555" font-size="11">'
                 f"{xml_text('arrows: the forward data flow; backward sends gradients against them')}"
                 "</text>")
    parts.append("</g>")
    return "".join(parts), y + 16 - top


# ====================================================================== public
def to_svg(graph, direction="LR", *, highlight=()):
    """The graph as a self-contained SVG document (a string); ``direction`` "LR" or "TB".

    ``highlight``: node ids to mark (e.g. the node a backprop stepper is at).
    """
    placed = layout(graph, direction)
    return render(graph, placed, highlight=highlight)


def render(graph, placed, *, highlight=()):
    """SVG text for a graph already laid out (``layout(graph)``)."""
    highlight = set(highlight)
    notes_height = 0
    note_lines = list(graph.notes)
    if graph.is_empty:
        note_lines = note_lines or ["no tensors: nothing to draw"]
    if note_lines:
        notes_height = 18 * len(note_lines) + 6
    note_width = max((text_width("note: " + note) + 32 for note in note_lines), default=0.0)
    width = max(placed.width, 620.0, note_width)
    legend_svg, legend_height = _legend(graph, notes_height + placed.height + 10, width)
    height = notes_height + placed.height + 10 + legend_height + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" font-family="{xml_attribute(FONT)}" '
        f'role="img" aria-label="autograd graph">',
        f"<title>{xml_text(_document_title(graph))}</title>",
        f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
    ]
    for number, note in enumerate(note_lines):
        parts.append(f'<text x="16" y="{_n(18 + 18 * number)}" fill="#8a4b00" font-size="12">'
                     f"{_line('note: ' + note)}</text>")
    parts.append(f'<g transform="translate(0,{_n(notes_height)})">')
    parts.append('<g class="gradlab-edges">')
    for edge, points in placed.routes:
        parts.append(_edge_svg(edge, points, placed.direction))
    parts.append("</g>")
    parts.append('<g class="gradlab-nodes">')
    for node in graph.nodes:
        parts.append(_node_svg(node, placed.boxes[node.id], node.id in highlight))
    parts.append("</g></g>")
    parts.append(legend_svg)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _document_title(graph):
    tensors = sum(1 for node in graph.nodes if node.is_tensor)
    functions = sum(1 for node in graph.nodes if node.kind == "grad_fn")
    return f"autograd graph: {tensors} tensors, {functions} grad_fn nodes, {len(graph.cuts)} cuts"


def save_svg(graph, path, direction="LR"):
    """Write ``to_svg(graph, direction)`` to ``path`` (UTF-8); returns the path."""
    text = to_svg(graph, direction)
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        file.write(text)
    return path
