"""Text renderer: the graph as an indented grad_fn chain, for terminals and stored outputs.

Each output of the graph starts a tree; below a node come the nodes it was
computed from, as walking ``grad_fn.next_functions`` by hand would find
them::

    z  [non-leaf]  scalar · float32  value 13.
    └── SumBackward0  (sum(a))
        └── y  [non-leaf]  [2] · float32  value [4., 9.]
            └── PowBackward0  (a ** exponent)
                └── x  [leaf]  [2] · float32  value [2., 3.]  grad [4., 6.]

A node reached a second time is printed once more with "(see above)"; a cut
prints its reason (``✂ cut: detach() cut the graph``). An explicit stack, no
recursion; deep chains stop indenting after a while so lines stay short.
Deterministic: the same graph gives the same text (nbval can compare it).
Every line passes through ``safe_text.one_line``: valid UTF-8, one line.
"""
from .layout import header_text
from .safe_text import one_line

MAX_INDENT = 24  # levels; deeper nodes keep this indentation


def describe(node):
    """One line for a node (without tree connectors)."""
    if node.is_tensor:
        parts = [header_text(node), f"[{node.badge}]"]
        for line in node.lines:
            if line.startswith("✂"):
                break  # the cut's reason (last in the box) gets a line of its own
            parts.append(line)
        return "  ".join(parts)
    if node.kind == "grad_fn":
        return f"{node.label}  ({node.lines[0]})" if node.lines else node.label
    if node.kind == "accumulate_grad":
        return f"AccumulateGrad  ({node.lines[0]})" if node.lines else "AccumulateGrad"
    contents = node.details.get("contents", "")
    return f"[collapsed] {node.label}: {contents}" if contents else f"[collapsed] {node.label}"


_TEE, _ELBOW, _PIPE, _BLANK = "├── ", "└── ", "│   ", "    "


def to_text(graph):
    """The graph as indented text (a string ending in a newline)."""
    if graph.is_empty:
        lines = ["(empty graph: no tensors)"]
        lines.extend(f"note: {note}" for note in graph.notes)
        return _join(lines)
    incoming = {node.id: [] for node in graph.nodes}
    has_outgoing = set()
    for edge in graph.edges:
        incoming[edge.target].append(edge)
        has_outgoing.add(edge.source)
    cut_text = {}
    for cut in graph.cuts:
        where = f" (line {cut.line})" if cut.line is not None else ""
        cut_text[cut.node] = f"✂ cut: {cut.reason}{where}"

    lines = []
    printed = set()
    outputs = [node for node in graph.nodes if node.id not in has_outgoing]
    # outputs first; then anything they do not reach (only a cycle, which an in-place change
    # drawn as an arrow can make, leaves such nodes)
    for root in outputs + graph.nodes:
        if root.id in printed:
            continue
        # each entry: (text or node id, prefix, connector, edge label, is it a plain text line)
        stack = [(root.id, "", "", None, False)]
        while stack:
            item, prefix, connector, label, is_text = stack.pop()
            if is_text:
                lines.append(f"{prefix}{connector}{item}")
                continue
            node = graph.node(item)
            shown = f"{label} " if label else ""
            if item in printed:
                name = header_text(node) if node.is_tensor else node.label
                lines.append(f"{prefix}{connector}{shown}{name}  (see above)")
                continue
            printed.add(item)
            lines.append(f"{prefix}{connector}{shown}{describe(node)}")
            below = prefix + (_PIPE if connector == _TEE else _BLANK if connector else "")
            below = below[:4 * MAX_INDENT]
            stack.extend(reversed(_children(item, incoming[item], cut_text, below)))
    lines.extend(f"note: {note}" for note in graph.notes)
    return _join(lines)


def _join(lines):
    """The text, each line kept on its line (a name holding a newline shows it as ``\\n``)."""
    return "".join(one_line(line) + "\n" for line in lines)


def _children(item, edges, cut_text, prefix):
    """Stack entries for what a node was made from, first child first.

    A cut tensor's inputs hang below a line giving the cut's reason.
    """
    entries = []
    plain = [edge for edge in edges if edge.kind != "cut"]
    cut_edges = [edge for edge in edges if edge.kind == "cut"] if item in cut_text else []
    count = (1 if cut_edges else 0) + len(plain)
    position = 0
    if cut_edges:
        last = position == count - 1
        entries.append((cut_text[item], prefix, _ELBOW if last else _TEE, None, True))
        inner = prefix + (_BLANK if last else _PIPE)
        for k, edge in enumerate(cut_edges):
            entries.append((edge.source, inner, _ELBOW if k == len(cut_edges) - 1 else _TEE, None, False))
        position += 1
    for edge in plain:
        last = position == count - 1
        label = "(input, no grad)" if edge.kind == "constant" else (f"[{edge.label}]" if edge.label else None)
        entries.append((edge.source, prefix, _ELBOW if last else _TEE, label, False))
        position += 1
    return entries
