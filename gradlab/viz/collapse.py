"""Collapsing a large graph: at most ``max_nodes`` boxes, repeated blocks and long chains summarised.

Works on item indices and ``(source, target, kind, label)`` edges, before
any box is made: ``collapse()`` returns the items to draw (some of them
``Summary`` parts) and the edges between them, counted. Linear work in nodes
+ edges; one union-find (``_UnionFind``) serves both the repeated blocks and
the connected stretches of a collapsed path.
"""
import collections

from .layout import longest_paths

MAX_KEPT_DEPTH = 10  # when collapsing long paths, layers kept at each end
HUB_DEGREE = 4  # a node with this many edges in or out separates repeated blocks


class Summary:
    """A collapsed part of the graph (an item of the collapsed order), drawn as one summary box.

    ``size`` (items it stands for), ``contents`` (how many of each label),
    ``title``, ``why`` (in words), ``first`` (its smallest item: where it sorts).
    """

    __slots__ = ("size", "contents", "title", "why", "first")

    def __init__(self, members, labels, title, why):
        self.size = len(members)
        self.contents = collections.Counter(labels[m] for m in members)
        self.title = title
        self.why = why
        self.first = min(members)


class Collapsed:
    """What ``collapse()`` returns: ``order`` (items and ``Summary`` parts to draw, in order),
    ``edges`` (between them, those to and from a summary counted) and ``notes``."""

    __slots__ = ("order", "edges", "notes")


def collapse(count, keep, edges, labels, names, max_nodes):
    """Reduce the graph to at most ``max_nodes`` boxes; linear work in nodes + edges.

    1. Repeated blocks: the parts left when shared inputs (parameters) are
       removed are grouped by their contents; all but the last of a group
       (a training loop's earlier iterations) become one summary box.
    2. Long paths: nodes within K layers of a start or an end of the graph
       stay, the middle is collapsed, one box per connected stretch.
    3. Whatever is still too much becomes one box.
    """
    result = Collapsed()
    items = [i for i in range(count) if keep[i]]
    alive_edges = [(s, t, k, label) for s, t, k, label in edges if keep[s] and keep[t]]
    notes = []
    if len(items) <= max_nodes:
        result.order, result.edges, result.notes = items, alive_edges, notes
        return result
    group_of = {}  # item -> Summary
    total = len(items)

    # -------- 1. repeated blocks
    blocks = _repeated_blocks(items, alive_edges, labels)
    for members, copies in blocks:
        summary = Summary(members, labels, f"{copies} repeated blocks",
                          f"{copies} copies of the same structure (e.g. loop iterations); "
                          "the last copy is drawn")
        for m in members:
            group_of[m] = summary
    remaining = [i for i in items if i not in group_of]
    summaries = list(dict.fromkeys(group_of.values()))
    max_summaries = max(1, min(20, max_nodes // 5))

    # -------- 2. the middle of long paths
    if len(remaining) + len(summaries) > max_nodes:
        budget = max(1, max_nodes - max_summaries - len(summaries))
        removed = _middle_of_paths(remaining, alive_edges, budget)
        if removed:
            parts = _components(removed, alive_edges)
            parts.sort(key=lambda part: (-len(part), min(part)))
            room = max(1, max_summaries - len(summaries))
            if len(parts) > room:
                rest = [m for part in parts[room - 1:] for m in part]
                parts = parts[:room - 1] + [rest]
            for part in parts:
                summary = Summary(part, labels, f"{len(part)} nodes collapsed",
                                  "long stretch of the graph between its inputs and outputs")
                for m in part:
                    group_of[m] = summary
            remaining = [i for i in remaining if i not in group_of]
            summaries = list(dict.fromkeys(group_of.values()))

    # -------- 3. last resort: keep the first nodes, one box for the rest
    if len(remaining) + len(summaries) > max_nodes:
        room = max(1, max_nodes - 1)
        summaries_kept = summaries[:max(0, min(len(summaries), room // 2))]
        room -= len(summaries_kept)
        ranked = sorted(remaining, key=lambda i: (not names[i], i))
        kept = set(ranked[:room])
        rest = [i for i in remaining if i not in kept]
        for s in summaries[len(summaries_kept):]:
            rest.extend(m for m, g in group_of.items() if g is s)
        summary = Summary(rest, labels, f"{len(rest)} nodes collapsed",
                          "the graph is larger than max_nodes")
        for m in rest:
            group_of[m] = summary
        remaining = [i for i in remaining if i in kept]
        summaries = list(dict.fromkeys(group_of.values()))

    # -------- edges to and from the boxes, counted
    merged = {}
    for source, target, kind, label in alive_edges:
        s = group_of.get(source, source)
        t = group_of.get(target, target)
        if s is t:
            continue
        if isinstance(s, Summary) or isinstance(t, Summary):
            key = (s, t)
            entry = merged.get(key)
            if entry is None:
                merged[key] = [s, t, "summary", 1]
            else:
                entry[3] += 1
        else:  # every edge between kept boxes stays: ``w * w`` draws two arrows
            merged[len(merged), None] = [s, t, kind, label]
    new_edges = []
    for entry in merged.values():
        s, t, kind, label = entry
        if kind == "summary":
            label = f"×{label}" if label > 1 else None
        new_edges.append((s, t, kind, label))
    order = sorted(remaining + summaries,
                   key=lambda item: item.first if isinstance(item, Summary) else item)
    collapsed_count = total - len(remaining)
    notes.append(f"collapsed {collapsed_count} nodes into {len(summaries)} summary "
                 f"box{'es' if len(summaries) > 1 else ''} (the graph has {total} nodes, "
                 f"more than max_nodes={max_nodes})")
    result.order, result.edges, result.notes = order, new_edges, notes
    return result


def _repeated_blocks(items, edges, labels):
    """Groups of identical blocks: the parts left when inputs and hubs are taken out.

    Inputs (no incoming edge) and hubs (HUB_DEGREE or more edges in or out: a
    parameter used by every iteration, the ``stack`` joining 40 branches)
    stay drawn; what falls apart without them is grouped by its contents.
    """
    indegree = collections.Counter(t for _, t, _, _ in edges)
    outdegree = collections.Counter(s for s, _, _, _ in edges)
    inputs = {i for i in items if not indegree[i]}
    hubs = {i for i in items if indegree[i] >= HUB_DEGREE or outdegree[i] >= HUB_DEGREE}
    sources = inputs | hubs
    blocks = _UnionFind(i for i in items if i not in sources)
    successors = collections.defaultdict(set)
    for s, t, _, _ in edges:
        if s in sources:
            successors[s].add(t)
        elif t not in sources:
            blocks.union(s, t)
    members = blocks.sets()
    for source in sorted(inputs - hubs):  # inputs used by one block only belong to it
        roots = {blocks.find(t) for t in successors[source] if t in blocks}
        if len(roots) == 1:
            members[roots.pop()].append(source)
    block_of = {m: root for root, part in members.items() for m in part}
    internal = collections.Counter()
    shared = collections.defaultdict(set)  # block -> the hubs and shared inputs it touches
    for s, t, _, _ in edges:
        if s in block_of and t in block_of:
            internal[block_of[t]] += 1
        elif t in block_of:
            shared[block_of[t]].add(("in", s))
        elif s in block_of:
            shared[block_of[s]].add(("out", t))
    groups = collections.defaultdict(list)
    for root, part in members.items():
        signature = (tuple(sorted(collections.Counter(labels[m] for m in part).items())),
                     internal[root], tuple(sorted(shared[root])))
        groups[signature].append(sorted(part))
    result = []
    for parts in groups.values():
        # a lone node repeated (the same update made in every iteration) needs 3 copies
        if len(parts) < 2 or (len(parts[0]) == 1 and len(parts) < 3):
            continue
        parts.sort(key=lambda part: part[-1])
        collapsed = [m for part in parts[:-1] for m in part]
        result.append((collapsed, len(parts) - 1))
    result.sort(key=lambda entry: min(entry[0]))
    return result


def _middle_of_paths(items, edges, budget):
    """Nodes more than K layers away from both ends of the graph, K as large as the budget allows."""
    item_set = set(items)
    successors = collections.defaultdict(list)
    predecessors = collections.defaultdict(list)
    for s, t, _, _ in edges:
        if s in item_set and t in item_set:
            successors[s].append(t)
            predecessors[t].append(s)
    forward = longest_paths(items, successors)
    backward = longest_paths(items, predecessors)
    distance = {i: min(forward[i], backward[i]) for i in items}
    histogram = collections.Counter(distance.values())
    kept, limit = 0, 0
    for level in sorted(histogram):
        if kept + histogram[level] > budget or level >= MAX_KEPT_DEPTH:
            break
        kept += histogram[level]
        limit = level + 1
    return [i for i in items if distance[i] >= limit]


def _components(part, edges):
    """The connected stretches of ``part`` (edges within it), each sorted."""
    stretches = _UnionFind(part)
    for s, t, _, _ in edges:
        if s in stretches and t in stretches:
            stretches.union(s, t)
    return [sorted(members) for members in stretches.sets().values()]


class _UnionFind:
    """Disjoint sets of items that are merged pair by pair (union-find, with path compression).

    A set is named by its smallest member, whatever the order of the unions,
    so the collapsed picture does not depend on the order edges are listed in.
    """

    def __init__(self, items):
        self._parent = {item: item for item in items}

    def __contains__(self, item):
        return item in self._parent

    def find(self, item):
        """The smallest member of ``item``'s set."""
        parent = self._parent
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:
            parent[item], item = root, parent[item]
        return root

    def union(self, first, second):
        first, second = self.find(first), self.find(second)
        if first != second:
            self._parent[max(first, second)] = min(first, second)

    def sets(self):
        """``{smallest member: [its members, in the order they were given]}``, in that order too."""
        members = {}
        for item in self._parent:
            members.setdefault(self.find(item), []).append(item)
        return members
