"""Collapsing a large graph: at most ``max_nodes`` boxes, repeated blocks and long chains summarised.

Works on item indices and ``(source, target, kind, label)`` edges, before
any box is made: ``collapse()`` returns the items to draw (some of them
``Summary`` parts) and the edges between them, counted. A graph that fits is
returned as it is; a larger one (a 50,000-op cell has 100,000 items) is
handled as NumPy arrays of edge ends, so the work is a few passes over
arrays rather than a Python loop per item: connected parts by label
propagation (``connected_parts``), degrees by counting, the depth of each
item from the ends of the graph by repeated relaxation (``capped_depths``).
"""
import collections

import numpy as np

from .layout import longest_paths

MAX_KEPT_DEPTH = 10  # when collapsing long paths, layers kept at each end
HUB_DEGREE = 4  # a node with this many edges in or out separates repeated blocks


class Summary:
    """A collapsed part of the graph (an item of the collapsed order), drawn as one summary box.

    ``size`` (items it stands for), ``contents`` (how many of each label, in
    the order first met), ``title``, ``why`` (in words), ``first`` (its
    smallest item: where it sorts), ``members`` (its items).
    """

    __slots__ = ("size", "contents", "title", "why", "first", "members")

    def __init__(self, members, labels, title, why):
        self.members = members
        self.size = len(members)
        self.contents = collections.Counter([labels[m] for m in members])
        self.title = title
        self.why = why
        self.first = min(members)


class Collapsed:
    """What ``collapse()`` returns: ``order`` (items and ``Summary`` parts to draw, in order),
    ``edges`` (between them, those to and from a summary counted) and ``notes``."""

    __slots__ = ("order", "edges", "notes")


def collapse(count, keep, edges, labels, names, max_nodes, order=None):
    """Reduce the graph to at most ``max_nodes`` boxes; linear work in nodes + edges.

    1. Repeated blocks: the parts left when shared inputs (parameters) are
       removed are grouped by their contents; all but the last of a group
       (a training loop's earlier iterations) become one summary box.
    2. Long paths: nodes within K layers of a start or an end of the graph
       stay, the middle is collapsed, one box per connected stretch.
    3. Whatever is still too much becomes one box.

    ``order``, when known, ranks the items so that edges go from lower to
    higher ranks if the graph has no cycle (creation order): the depths of
    step 2 are then found with array arithmetic (see ``capped_depths``).
    """
    result = Collapsed()
    kept_mask = np.asarray(keep, dtype=bool)
    items = np.flatnonzero(kept_mask)
    if len(items) <= max_nodes:
        result.order = items.tolist()
        result.edges = [edge for edge in edges if keep[edge[0]] and keep[edge[1]]]
        result.notes = []
        return result
    sources = np.fromiter((edge[0] for edge in edges), dtype=np.int64, count=len(edges))
    targets = np.fromiter((edge[1] for edge in edges), dtype=np.int64, count=len(edges))
    alive = np.flatnonzero(kept_mask[sources] & kept_mask[targets])
    graph = _Graph(count, kept_mask, sources[alive], targets[alive])
    group = np.full(count, -1, dtype=np.int64)  # item -> the summary (its number) it is part of
    summaries = []
    total = len(items)

    def summarise(members, title, why):
        summaries.append(Summary(members, labels, title, why))
        group[members] = len(summaries) - 1

    # -------- 1. repeated blocks
    for members, copies in _repeated_blocks(graph, labels):
        summarise(members, f"{copies} repeated blocks",
                  f"{copies} copies of the same structure (e.g. loop iterations); "
                  "the last copy is drawn")
    remaining = kept_mask & (group < 0)
    max_summaries = max(1, min(20, max_nodes // 5))

    # -------- 2. the middle of long paths
    if int(remaining.sum()) + len(summaries) > max_nodes:
        budget = max(1, max_nodes - max_summaries - len(summaries))
        removed = _middle_of_paths(graph, remaining, budget, order)
        if len(removed):
            parts = _components(graph, removed)
            parts.sort(key=lambda part: (-len(part), part[0]))
            room = max(1, max_summaries - len(summaries))
            if len(parts) > room:
                rest = [m for part in parts[room - 1:] for m in part]
                parts = parts[:room - 1] + [rest]
            for part in parts:
                summarise(part, f"{len(part)} nodes collapsed",
                          "long stretch of the graph between its inputs and outputs")
            remaining &= group < 0

    # -------- 3. last resort: keep the first nodes, one box for the rest
    if int(remaining.sum()) + len(summaries) > max_nodes:
        room = max(1, max_nodes - 1)
        kept_summaries = max(0, min(len(summaries), room // 2))
        room -= kept_summaries
        left = np.flatnonzero(remaining)
        unnamed = np.array([not names[i] for i in left.tolist()], dtype=bool)
        ranked = left[np.lexsort((left, unnamed))]  # named items first, then by item
        staying = np.zeros(count, dtype=bool)
        staying[ranked[:room]] = True
        rest = left[~staying[left]].tolist()
        for dropped in summaries[kept_summaries:]:
            rest.extend(dropped.members)
        del summaries[kept_summaries:]
        summarise(rest, f"{len(rest)} nodes collapsed", "the graph is larger than max_nodes")
        remaining &= staying

    # -------- edges to and from the boxes, counted
    result.edges = _merged_edges(graph, group, summaries, edges, alive)
    drawn = np.flatnonzero(remaining).tolist()
    result.order = sorted(drawn + summaries,
                          key=lambda item: item.first if isinstance(item, Summary) else item)
    collapsed_count = total - len(drawn)
    result.notes = [f"collapsed {collapsed_count} nodes into {len(summaries)} summary "
                    f"box{'es' if len(summaries) > 1 else ''} (the graph has {total} nodes, "
                    f"more than max_nodes={max_nodes})"]
    return result


class _Graph:
    """The items (a mask) and the edges between them (two arrays of ends), with degrees."""

    def __init__(self, count, items, sources, targets):
        self.count, self.items, self.sources, self.targets = count, items, sources, targets
        self.indegree = np.bincount(targets, minlength=count)
        self.outdegree = np.bincount(sources, minlength=count)

    def within(self, mask):
        """The edges with both ends in ``mask``: (sources, targets)."""
        inside = mask[self.sources] & mask[self.targets]
        return self.sources[inside], self.targets[inside]


def _repeated_blocks(graph, labels):
    """Groups of identical blocks: the parts left when inputs and hubs are taken out.

    Inputs (no incoming edge) and hubs (HUB_DEGREE or more edges in or out: a
    parameter used by every iteration, the ``stack`` joining 40 branches)
    stay drawn; what falls apart without them is grouped by its contents.
    Returns ``(members, copies)`` per group, the members of all but its last copy.
    """
    count, items, sources, targets = graph.count, graph.items, graph.sources, graph.targets
    inputs = items & (graph.indegree == 0)
    hubs = items & ((graph.indegree >= HUB_DEGREE) | (graph.outdegree >= HUB_DEGREE))
    in_blocks = items & ~inputs & ~hubs
    block_of = np.where(in_blocks, connected_parts(count, *graph.within(in_blocks)), -1)
    # inputs used by one block only belong to it
    lone = inputs & ~hubs
    feeding = lone[sources] & in_blocks[targets]
    pairs = np.unique(np.stack([sources[feeding], block_of[targets[feeding]]]), axis=1)
    fed, fed_blocks = np.unique(pairs[0], return_counts=True)
    only_one = np.isin(pairs[0], fed[fed_blocks == 1])
    block_of[pairs[0][only_one]] = pairs[1][only_one]
    members = np.flatnonzero(block_of >= 0)
    if not len(members):
        return []
    # each block's signature: its labels counted, its internal edges, the hubs and inputs it touches
    code = {}
    codes = np.array([code.setdefault(label, len(code)) for label in labels], dtype=np.int64)
    names = sorted(code)
    position_of = np.empty(len(code), dtype=np.int64)  # a label's code -> its place in ``names``
    for position, name in enumerate(names):
        position_of[code[name]] = position
    label_codes = position_of[codes[members]]
    blocks_of_members = block_of[members]
    label_keys, label_counts = np.unique(blocks_of_members * len(names) + label_codes,
                                         return_counts=True)
    s_block, t_block = block_of[sources], block_of[targets]
    internal = np.bincount(t_block[(s_block >= 0) & (t_block >= 0)], minlength=count)
    into = (t_block >= 0) & (s_block < 0)
    out_of = (s_block >= 0) & (t_block < 0)
    shared = np.unique(np.concatenate([  # (block, 0 = "in" / 1 = "out", the other end), sorted
        t_block[into] * (2 * count) + sources[into],
        s_block[out_of] * (2 * count) + count + targets[out_of]]))
    by_block = np.argsort(blocks_of_members, kind="stable")
    parts = _split(members[by_block], blocks_of_members[by_block])
    label_parts = _split(np.stack([label_keys % len(names), label_counts], axis=1),
                         label_keys // len(names))
    shared_parts = _split(shared % (2 * count), shared // (2 * count))
    groups = collections.defaultdict(list)
    for block, part in parts.items():
        counted = tuple((names[c], n) for c, n in label_parts.get(block, ()))
        touches = tuple(("out", k - count) if k >= count else ("in", k)
                        for k in shared_parts.get(block, ()))
        groups[counted, int(internal[block]), touches].append(part)
    result = []
    for copies in groups.values():
        # a lone node repeated (the same update made in every iteration) needs 3 copies
        if len(copies) < 2 or (len(copies[0]) == 1 and len(copies) < 3):
            continue
        copies.sort(key=lambda part: part[-1])
        collapsed = [m for part in copies[:-1] for m in part]
        result.append((collapsed, len(copies) - 1))
    result.sort(key=lambda entry: min(entry[0]))
    return result


def _split(values, keys):
    """``{key: [values with that key]}`` for ``values`` sorted by ``keys`` (NumPy arrays; Python
    ints out). With ``values`` of two columns, the lists hold ``(value, count)`` pairs."""
    starts = np.flatnonzero(np.diff(keys)) + 1
    bounds = [0, *starts.tolist(), len(keys)]
    values = [tuple(pair) for pair in values.tolist()] if values.ndim == 2 else values.tolist()
    firsts = keys[bounds[:-1]].tolist() if len(keys) else []
    return {key: values[bounds[i]:bounds[i + 1]] for i, key in enumerate(firsts)}


def _middle_of_paths(graph, remaining, budget, order):
    """Items more than K layers away from both ends of the graph, K as large as the budget allows."""
    sources, targets = graph.within(remaining)
    depth = capped_depths(graph.count, sources, targets, MAX_KEPT_DEPTH, order)
    if depth is None:  # a cycle, or no order known: Kahn's walk, item by item
        items = np.flatnonzero(remaining).tolist()
        successors = collections.defaultdict(list)
        predecessors = collections.defaultdict(list)
        for s, t in zip(sources.tolist(), targets.tolist()):
            successors[s].append(t)
            predecessors[t].append(s)
        forward = longest_paths(items, successors)
        backward = longest_paths(items, predecessors)
        depth = np.zeros(graph.count, dtype=np.int64)
        depth[items] = [min(forward[i], backward[i], MAX_KEPT_DEPTH) for i in items]
    histogram = np.bincount(depth[remaining], minlength=MAX_KEPT_DEPTH + 1)
    kept, limit = 0, 0
    for level in range(MAX_KEPT_DEPTH):
        if not histogram[level]:
            continue
        if kept + histogram[level] > budget:
            break
        kept += int(histogram[level])
        limit = level + 1
    return np.flatnonzero(remaining & (depth >= limit))


def capped_depths(count, sources, targets, cap, order=None):
    """Each item's distance from the nearer end of the graph, counted in layers and capped at
    ``cap``: the smaller of its longest path from a start and its longest path to an end.

    On a graph without cycles, ``cap`` rounds of relaxation over all edges at once give
    ``min(cap, longest path)`` exactly (after k rounds every item holds the longest path of
    at most k edges that ends at it). Needs ``order`` to know there is no cycle: every edge
    must go from a lower to a higher rank; returns None otherwise.
    """
    if order is None or not np.all(order[sources] < order[targets]):
        return None
    forward = np.zeros(count, dtype=np.int64)
    backward = np.zeros(count, dtype=np.int64)
    for _ in range(cap):
        step = np.zeros(count, dtype=np.int64)
        np.maximum.at(step, targets, forward[sources] + 1)
        forward = step
        step = np.zeros(count, dtype=np.int64)
        np.maximum.at(step, sources, backward[targets] + 1)
        backward = step
    return np.minimum(forward, backward)


def _components(graph, part):
    """The connected stretches of ``part`` (an array of items, edges within it), each sorted."""
    mask = np.zeros(graph.count, dtype=bool)
    mask[part] = True
    roots = connected_parts(graph.count, *graph.within(mask))[part]
    by_root = np.argsort(roots, kind="stable")
    return list(_split(part[by_root], roots[by_root]).values())


def connected_parts(count, sources, targets):
    """Each item's connected part, named by its smallest item (edges taken both ways).

    Label propagation with pointer jumping: every edge hooks the larger of its two
    ends' labels onto the smaller, then labels follow their labels until none moves;
    repeated until both ends of every edge agree. Whatever the order of the edges, a
    part ends up named by its smallest member.
    """
    label = np.arange(count)
    while len(sources):
        low = np.minimum(label[sources], label[targets])
        high = np.maximum(label[sources], label[targets])
        differ = low != high
        if not differ.any():
            break
        np.minimum.at(label, high[differ], low[differ])
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        sources, targets = sources[differ], targets[differ]
    return label


def _merged_edges(graph, group, summaries, edges, alive):
    """The edges between the boxes: each edge between two drawn items, and one counted edge per
    pair of boxes when a summary is at either end, in the order the edges first appear."""
    count = graph.count
    box = np.where(group >= 0, count + group, np.arange(count))
    source_box, target_box = box[graph.sources], box[graph.targets]
    between = source_box != target_box
    summary = between & ((source_box >= count) | (target_box >= count))
    plain = np.flatnonzero(between & ~summary)
    summary_positions = np.flatnonzero(summary)
    keys = source_box[summary_positions] * (count + len(summaries)) + target_box[summary_positions]
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    entries = [(position, edges[alive[position]]) for position in plain.tolist()]
    for position, number in zip(summary_positions[first].tolist(), counts.tolist()):
        s, t = int(source_box[position]), int(target_box[position])
        s = summaries[s - count] if s >= count else s
        t = summaries[t - count] if t >= count else t
        entries.append((position, (s, t, "summary", f"×{number}" if number > 1 else None)))
    entries.sort(key=lambda entry: entry[0])
    return [edge for _, edge in entries]
