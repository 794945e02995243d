"""DOT renderer: the graph in Graphviz's language, for users who have Graphviz installed.

``to_dot(g)`` gives text for ``dot -Tsvg``; gradlab itself never runs a
system program. The same shapes and words as the SVG: leaf tensors are
boxes with a bold border, non-leaf tensors rounded boxes, tensors without
grad dashed boxes, grad_fn nodes ellipses, AccumulateGrad hexagons, and a
collapsed part a 3-D box; cut edges are red and dashed.
"""
from .layout import header_text
from .svg import CUT_COLOUR, EDGE_STYLES, STYLES, hover_text

_SHAPES = {
    "leaf": 'shape=box, style="filled,bold", penwidth=2',
    "nonleaf": 'shape=box, style="filled,rounded"',
    "constant": 'shape=box, style="filled,dashed"',
    "grad_fn": 'shape=ellipse, style="filled"',
    "accumulate_grad": 'shape=hexagon, style="filled"',
    "summary": 'shape=box3d, style="filled"',
}


def _quote(text):
    """A DOT double-quoted string."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


def to_dot(graph, direction="LR"):
    """The graph as a Graphviz DOT ``digraph`` (a string)."""
    lines = [
        "digraph autograd {",
        f"  rankdir={'TB' if str(direction).upper() == 'TB' else 'LR'};",
        '  node [fontname="monospace", fontsize=11];',
        '  edge [fontname="monospace", fontsize=10];',
    ]
    for note in graph.notes:
        lines.append(f"  // note: {note.replace(chr(10), ' ')}")
    for node in graph.nodes:
        style = STYLES[node.kind]
        text_lines = [f"[{node.badge}] {header_text(node)}" if node.badge else header_text(node)]
        text_lines.extend(node.lines)
        colour = CUT_COLOUR if node.cut else style["stroke"]
        lines.append(
            f"  {_quote(node.id)} [{_SHAPES[node.kind]}, fillcolor={_quote(style['fill'])}, "
            f"color={_quote(colour)}, label={_quote(chr(10).join(text_lines))}, "
            f"tooltip={_quote(hover_text(node))}];")
    for edge in graph.edges:
        style = EDGE_STYLES.get(edge.kind, EDGE_STYLES["flow"])
        attributes = [f"color={_quote(style['stroke'])}"]
        if style["dash"]:
            attributes.append("style=dashed" if edge.kind != "untracked" else "style=dotted")
        if edge.kind == "cut":
            attributes.append(f"label={_quote('✂ ' + (edge.label or 'cut'))}")
            attributes.append(f"fontcolor={_quote(CUT_COLOUR)}")
        elif edge.label:
            attributes.append(f"label={_quote(edge.label)}")
        if edge.kind == "summary":
            attributes.append("penwidth=2")
        lines.append(f"  {_quote(edge.source)} -> {_quote(edge.target)} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
