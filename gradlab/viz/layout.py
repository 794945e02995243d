"""Layout: where each box of a ``Graph`` goes, as a compact Sugiyama (layered) drawing.

The four classic steps, each kept simple and deterministic (same graph →
same coordinates, no randomness, ties broken by the node order):

1. **layers** — longest path from the inputs (Kahn's topological order), so
   every arrow points forward (left→right or top→bottom); an input is then
   moved next to its first consumer instead of staying in the first column.
   Edges that span several layers get invisible *dummy* points, one per
   layer, so they can be routed around boxes (a budget bounds their number).
2. **order in each layer** — barycentric crossing reduction: a fixed number
   of sweeps, each sorting a layer by the mean position of its neighbours in
   the layer before (or after); the order with the fewest crossings wins.
3. **coordinates** — each layer is placed as close as possible to its
   neighbours' mean positions while keeping boxes apart (an isotonic
   regression, pool-adjacent-violators, so it is exact and linear).
4. **edge routes** — the points an edge passes through: the side of the
   source box, its dummies, the side of the target box.

Sizes are estimated from the text: every box uses a monospace font, so a
line's width is its length times one character's width.
"""
import collections
import unicodedata

FONT_SIZE = 12
CHAR_WIDTH = 7.25  # a monospace character at 12 px
LINE_HEIGHT = 16
PAD_X, PAD_Y = 10, 6
BADGE_GAP = 8
NODE_GAP = 18  # between boxes of one layer
RANK_GAP = {"LR": 64, "TB": 48}  # between layers
MARGIN = 16
SWEEPS = 8
PLACEMENT_PASSES = 4
DUMMY_BUDGET_MIN = 2000


class Box:
    """A node's place: centre ``x``, ``y`` and size ``width``, ``height``."""

    __slots__ = ("x", "y", "width", "height")

    def __init__(self, x, y, width, height):
        self.x, self.y, self.width, self.height = x, y, width, height

    @property
    def left(self):
        return self.x - self.width / 2

    @property
    def right(self):
        return self.x + self.width / 2

    @property
    def top(self):
        return self.y - self.height / 2

    @property
    def bottom(self):
        return self.y + self.height / 2

    def __repr__(self):
        return f"Box(x={self.x:.1f}, y={self.y:.1f}, w={self.width:.1f}, h={self.height:.1f})"


class Layout:
    """``boxes`` ({node id: Box}), ``routes`` ([(edge, [(x, y), ...])]), ``width``, ``height``,
    ``direction``, ``layers`` ({node id: layer number}), ``crossings`` (after ordering)."""

    def __init__(self, boxes, routes, width, height, direction, layers, crossings):
        self.boxes, self.routes = boxes, routes
        self.width, self.height = width, height
        self.direction, self.layers, self.crossings = direction, layers, crossings


# ====================================================================== sizes
def text_width(text):
    """Estimated width in pixels of ``text`` in the monospace font (wide characters count 2)."""
    count = 0
    for char in text:
        count += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return count * CHAR_WIDTH


def header_text(node):
    """The first line of a box: its label (or "(unnamed)" for a temporary tensor)."""
    if node.label:
        return node.label
    return "(unnamed)" if node.is_tensor else node.kind


def badge_width(node):
    return text_width(node.badge) + 8 if node.badge else 0


def node_size(node):
    """(width, height) of a node's box."""
    header = text_width(header_text(node)) + (badge_width(node) + BADGE_GAP if node.badge else 0)
    width = max([header] + [text_width(line) for line in node.lines]) + 2 * PAD_X
    height = (1 + len(node.lines)) * LINE_HEIGHT + 2 * PAD_Y
    if node.kind == "grad_fn":
        width += height * 0.5  # rounded ends
    elif node.kind == "accumulate_grad":
        width += 16  # pointed ends
    elif node.kind == "summary":
        width += 6
        height += 6  # the stacked look
    return round(max(width, 48), 1), round(height, 1)


# ====================================================================== layout
def layout(graph, direction="LR"):
    """Place ``graph``'s nodes: returns a ``Layout``. ``direction`` is "LR" or "TB"."""
    direction = direction.upper() if isinstance(direction, str) else direction
    if direction not in ("LR", "TB"):
        raise ValueError(f"direction must be 'LR' (left to right) or 'TB' (top to bottom), got {direction!r}")
    nodes = graph.nodes
    count = len(nodes)
    index = {node.id: i for i, node in enumerate(nodes)}
    sizes = [node_size(node) for node in nodes]
    # along the layers (rank) and across them (cross)
    if direction == "LR":
        rank_size = [w for w, _ in sizes]
        cross_size = [h for _, h in sizes]
    else:
        rank_size = [h for _, h in sizes]
        cross_size = [w for w, _ in sizes]

    links = []  # (source, target, edge, reversed)
    seen = set()
    for edge in graph.edges:
        s, t = index[edge.source], index[edge.target]
        # one arrow per use of a tensor by a node (``w * w``: two); other doubles are drawn once
        key = (s, t) if edge.kind != "flow" else (s, t, id(edge))
        if s != t and key not in seen:
            seen.add(key)
            links.append([s, t, edge, False])
    _break_cycles(count, links)
    layer = _layers(count, links)

    # ---- dummies for long edges
    layer_count = (max(layer) + 1) if count else 0
    cross_size = list(cross_size)
    rank_size = list(rank_size)
    total = count
    chains = {}  # link position -> [source, dummy..., target]
    budget = max(DUMMY_BUDGET_MIN, 2 * count)
    spans = sorted(range(len(links)), key=lambda k: (layer[links[k][1]] - layer[links[k][0]], k))
    for k in spans:
        s, t = links[k][0], links[k][1]
        span = layer[t] - layer[s]
        chain = [s]
        if 1 < span <= budget + 1:
            budget -= span - 1
            for step in range(1, span):
                layer.append(layer[s] + step)
                cross_size.append(4.0)
                rank_size.append(0.0)
                chain.append(total)
                total += 1
        chain.append(t)
        chains[k] = chain
    successors = [[] for _ in range(total)]
    predecessors = [[] for _ in range(total)]
    for k in range(len(links)):
        chain = chains[k]
        if len(chain) == 2 and layer[chain[1]] - layer[chain[0]] != 1:
            continue  # over the dummy budget: drawn straight, left out of the ordering
        for a, b in zip(chain, chain[1:]):
            successors[a].append(b)
            predecessors[b].append(a)

    # ---- order within layers
    layers = [[] for _ in range(layer_count)]
    for v in range(total):
        layers[layer[v]].append(v)
    crossings = _order(layers, predecessors, successors)

    # ---- coordinates
    gap = NODE_GAP if direction == "LR" else NODE_GAP + 6
    cross = _coordinates(layers, predecessors, successors, cross_size, gap)
    thickness = [max((rank_size[v] for v in members), default=0.0) for members in layers]
    rank_position = []
    position = MARGIN
    for size in thickness:
        rank_position.append(position + size / 2)
        position += size + RANK_GAP[direction]
    low = min((cross[v] - cross_size[v] / 2 for v in range(total)), default=0.0)
    shift = MARGIN - low
    boxes = {}
    for v in range(count):
        c = round(cross[v] + shift, 1)
        r = round(rank_position[layer[v]], 1)
        width, height = sizes[v]
        boxes[nodes[v].id] = Box(r, c, width, height) if direction == "LR" else Box(c, r, width, height)
    extent_cross = max((cross[v] + shift + cross_size[v] / 2 for v in range(total)), default=0.0)
    extent_rank = position - RANK_GAP[direction] if layers else MARGIN
    if direction == "LR":
        width, height = extent_rank + MARGIN, extent_cross + MARGIN
    else:
        width, height = extent_cross + MARGIN, extent_rank + MARGIN

    # ---- routes
    def point(v):
        c = round(cross[v] + shift, 1)
        r = round(rank_position[layer[v]], 1)
        return (r, c) if direction == "LR" else (c, r)

    routes = []
    ports = _ports(links, chains, cross, count)
    for k, (s, t, edge, reversed_) in enumerate(links):
        chain = chains[k]
        points = [point(v) for v in chain[1:-1]]
        start = _side_point(boxes[nodes[s].id], direction, out=True, offset=ports[(k, "out")])
        end = _side_point(boxes[nodes[t].id], direction, out=False, offset=ports[(k, "in")])
        route = [start] + points + [end]
        if reversed_:
            route.reverse()
        routes.append((edge, route))
    layer_of = {nodes[v].id: layer[v] for v in range(count)}
    return Layout(boxes, routes, round(max(width, 1), 1), round(max(height, 1), 1), direction,
                  layer_of, crossings)


def _break_cycles(count, links):
    """Reverse edges that close a cycle (an autograd graph has none; this keeps layout total)."""
    out = [[] for _ in range(count)]
    for k, (s, t, _, _) in enumerate(links):
        out[s].append((t, k))
    state = [0] * count  # 0 new, 1 on the stack, 2 done
    for root in range(count):
        if state[root]:
            continue
        stack = [(root, 0)]
        state[root] = 1
        while stack:
            v, i = stack[-1]
            if i < len(out[v]):
                stack[-1] = (v, i + 1)
                t, k = out[v][i]
                if state[t] == 1:
                    links[k][0], links[k][1], links[k][3] = t, v, True
                elif state[t] == 0:
                    state[t] = 1
                    stack.append((t, 0))
            else:
                state[v] = 2
                stack.pop()


def longest_paths(items, successors):
    """Each item's longest path from a start, in Kahn's topological order; items on cycles get 0.

    ``successors[i]``: the items that ``i`` leads to (within ``items``).
    """
    remaining = dict.fromkeys(items, 0)
    for item in items:
        for nxt in successors[item]:
            remaining[nxt] += 1
    level = dict.fromkeys(items, 0)
    ready = [item for item in items if not remaining[item]]
    while ready:
        item = ready.pop()
        for nxt in successors[item]:
            level[nxt] = max(level[nxt], level[item] + 1)
            remaining[nxt] -= 1
            if not remaining[nxt]:
                ready.append(nxt)
    return level


def _layers(count, links):
    """Longest-path layering; then each input moves right, next to its nearest consumer."""
    successors = [[] for _ in range(count)]
    for s, t, _, _ in links:
        successors[s].append(t)
    level = longest_paths(range(count), successors)
    layer = [level[v] for v in range(count)]
    has_input = {t for s, t, _, _ in links}
    for v in range(count):
        if v not in has_input and successors[v]:
            layer[v] = min(layer[t] for t in successors[v]) - 1
    return layer


def _order(layers, predecessors, successors):
    """Barycentric sweeps; returns the fewest crossings found (the layers are reordered in place)."""
    position = [0] * len(predecessors)
    for members in layers:
        for i, v in enumerate(members):
            position[v] = i
    best = _crossings(layers, successors, position)
    best_layers = [list(members) for members in layers]
    stale = 0
    for sweep in range(SWEEPS):
        if best == 0 or stale >= 3:
            break
        downward = sweep % 2 == 0
        sequence = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        neighbours = predecessors if downward else successors
        for i in sequence:
            members = layers[i]
            if len(members) < 2:
                continue
            keyed = []
            for v in members:
                around = neighbours[v]
                if len(around) == 1:
                    bary = position[around[0]]
                elif around:
                    bary = sum([position[u] for u in around]) / len(around)
                else:
                    bary = position[v]
                keyed.append((bary, position[v], v))
            keyed.sort()
            members[:] = [v for _, _, v in keyed]
            for j, v in enumerate(members):
                position[v] = j
        found = _crossings(layers, successors, position)
        if found < best:
            best, stale = found, 0
            best_layers = [list(members) for members in layers]
        else:
            stale += 1
    for i, members in enumerate(best_layers):
        layers[i][:] = members
    return best


def _crossings(layers, successors, position):
    """Edge crossings between consecutive layers (inversions counted with a Fenwick tree)."""
    total = 0
    for members in layers[:-1]:
        pairs = []
        for v in members:
            for t in successors[v]:
                pairs.append((position[v], position[t]))
        if len(pairs) < 2:
            continue
        pairs.sort()
        size = max(p for _, p in pairs) + 2
        tree = [0] * (size + 1)
        seen = 0
        for _, p in pairs:
            # count earlier edges ending strictly after p
            i, below = p + 1, 0
            while i > 0:
                below += tree[i]
                i -= i & -i
            total += seen - below
            i = p + 1
            while i <= size:
                tree[i] += 1
                i += i & -i
            seen += 1
    return total


def _coordinates(layers, predecessors, successors, sizes, gap):
    """Cross-axis centres: packed, then pulled towards neighbours (least squares, order kept)."""
    cross = [0.0] * len(predecessors)
    for members in layers:
        position = 0.0
        for v in members:
            cross[v] = position + sizes[v] / 2
            position += sizes[v] + gap
        middle = position / 2
        for v in members:
            cross[v] -= middle
    both = [p + q for p, q in zip(predecessors, successors)]
    passes = []
    for _ in range(PLACEMENT_PASSES):
        passes.append((range(1, len(layers)), predecessors))
        passes.append((range(len(layers) - 2, -1, -1), successors))
    passes.append((range(len(layers)), both))
    for sequence, neighbours in passes:
        for i in sequence:
            members = layers[i]
            desired = []
            for v in members:
                around = neighbours[v]
                if len(around) == 1:
                    desired.append(cross[around[0]])
                elif around:
                    desired.append(sum([cross[u] for u in around]) / len(around))
                else:
                    desired.append(cross[v])
            if len(members) == 1:
                cross[members[0]] = desired[0]
                continue
            for v, value in zip(members, _isotonic(desired, [sizes[v] for v in members], gap)):
                cross[v] = value
    return cross


def _isotonic(desired, sizes, gap):
    """Positions closest (least squares) to ``desired`` with neighbours at least size + gap apart."""
    offsets = [0.0]
    for a, b in zip(sizes, sizes[1:]):
        offsets.append(offsets[-1] + (a + b) / 2 + gap)
    blocks = []  # [sum, count]
    for value, offset in zip(desired, offsets):
        blocks.append([value - offset, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, number = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += number
    result = []
    for total, number in blocks:
        result.extend([total / number] * number)
    return [q + offset for q, offset in zip(result, offsets)]


def _ports(links, chains, cross, count):
    """Where on a box's side each edge attaches: spread out in the order of the other ends."""
    outgoing = collections.defaultdict(list)
    incoming = collections.defaultdict(list)
    for k, (s, t, _, _) in enumerate(links):
        chain = chains[k]
        outgoing[s].append((cross[chain[1]], k))
        incoming[t].append((cross[chain[-2]], k))
    ports = {}
    for table, side in ((outgoing, "out"), (incoming, "in")):
        for ends in table.values():
            ends.sort()
            m = len(ends)
            for j, (_, k) in enumerate(ends):
                ports[(k, side)] = 0.0 if m == 1 else (j / (m - 1) - 0.5)
    return ports


def _side_point(box, direction, out, offset):
    """The point on the side of ``box`` facing the next layer, ``offset`` (-0.5..0.5) along it."""
    if direction == "LR":
        x = box.right if out else box.left
        y = box.y + offset * box.height * 0.6
        return (round(x, 1), round(y, 1))
    y = box.bottom if out else box.top
    x = box.x + offset * box.width * 0.6
    return (round(x, 1), round(y, 1))
