"""DOT renderer: the graph in Graphviz's language, for users who have Graphviz installed.

``to_dot(g)`` gives text for ``dot -Tsvg``; gradlab itself never runs a
system program. The same shapes and words as the SVG: leaf tensors are
boxes with a bold border, non-leaf tensors rounded boxes, tensors without
grad dashed boxes, grad_fn nodes ellipses, AccumulateGrad hexagons, and a
collapsed part a 3-D box; cut edges are red and dashed.
"""
from .layout import header_text
from .safe_text import dot_string, one_line
from .svg import CUT_COLOUR, EDGE_STYLES, STYLES, hover_text

_SHAPES = {
    "leaf": 'shape=box, style="filled,bold", penwidth=2',
    "nonleaf": 'shape=box, style="filled,rounded"',
    "constant": 'shape=box, style="filled,dashed"',
    "grad_fn": 'shape=ellipse, style="filled"',
    "accumulate_grad": 'shape=hexagon, style="filled"',
    "summary": 'shape=box3d, style="filled"',
}


def to_dot(graph, direction="LR"):
    """The graph as a Graphviz DOT ``digraph`` (a string)."""
    lines = [
        "digraph autograd {",
        f"  rankdir={'TB' if str(direction).upper() == 'TB' else 'LR'};",
        '  node [fontname="monospace", fontsize=11];',
        '  edge [fontname="monospace", fontsize=10];',
    ]
    for note in graph.notes:
        lines.append(f"  // note: {one_line(note)}")
    for node in graph.nodes:
        style = STYLES[node.kind]
        text_lines = [f"[{node.badge}] {header_text(node)}" if node.badge else header_text(node)]
        text_lines.extend(node.lines)
        text_lines = [one_line(line) for line in text_lines]  # a name's newline stays in its line
        colour = CUT_COLOUR if node.cut else style["stroke"]
        lines.append(
            f"  {dot_string(node.id)} [{_SHAPES[node.kind]}, fillcolor={dot_string(style['fill'])}, "
            f"color={dot_string(colour)}, label={dot_string(chr(10).join(text_lines))}, "
            f"tooltip={dot_string(hover_text(node))}];")
    for edge in graph.edges:
        style = EDGE_STYLES.get(edge.kind, EDGE_STYLES["flow"])
        attributes = [f"color={dot_string(style['stroke'])}"]
        if style["dash"]:
            attributes.append("style=dashed" if edge.kind != "untracked" else "style=dotted")
        if edge.kind == "cut":
            attributes.append(f"label={dot_string('✂ ' + (edge.label or 'cut'))}")
            attributes.append(f"fontcolor={dot_string(CUT_COLOUR)}")
        elif edge.label:
            attributes.append(f"label={dot_string(edge.label)}")
        if edge.kind == "summary":
            attributes.append("penwidth=2")
        lines.append(f"  {dot_string(edge.source)} -> {dot_string(edge.target)} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
