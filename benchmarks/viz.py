"""Benchmark of gradlab.viz: capture + graph + layout + SVG of a 1,000-node graph.

``viz_table()`` returns the timings (ms, best of several repeats) for two
graph shapes of about 1,000 nodes, all drawn (``max_nodes`` above their
size, so nothing is collapsed):

- ``chain``: ``y = y * w + b`` 250 times — one long path whose parameters
  ``w`` and ``b`` are used at every step (long edges to route);
- ``wide``: 40 branches of 12 ops joined by ``stack().sum()`` — many paths
  side by side (crossing reduction at work);

and, for reference, the default drawing of the chain (``max_nodes=300``:
its middle collapsed into a summary box). Target: under 200 ms each.

    python benchmarks/viz.py          # prints a Markdown table
"""
import gc
import time

import gradlab as torch
from gradlab.viz import capture, graph, layout
from gradlab.viz.svg import render

REPEATS = 5


def _chain():
    x = torch.tensor([0.5], requires_grad=True)
    w = torch.tensor([0.9], requires_grad=True)
    b = torch.tensor([0.1], requires_grad=True)
    y = x
    for _ in range(250):
        y = y * w + b
    return {"x": x, "w": w, "b": b, "y": y}


def _wide():
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    outs = []
    for branch in range(40):
        y = x * (branch + 1.0)
        for step in range(11):
            y = y.sin() if step % 2 else y * 0.5
        outs.append(y.sum())
    return {"x": x, "total": torch.stack(outs).sum()}


def _time_once(build, max_nodes):
    gc.collect()
    start = time.perf_counter()
    with capture() as cap:
        namespace = build()
    captured = time.perf_counter()
    model = graph(cap, names=namespace, max_nodes=max_nodes)
    modelled = time.perf_counter()
    placed = layout(model)
    laid_out = time.perf_counter()
    svg = render(model, placed)
    drawn = time.perf_counter()
    return {
        "nodes": len(model),
        "svg_kb": round(len(svg.encode()) / 1024, 1),
        "capture_ms": (captured - start) * 1e3,
        "graph_ms": (modelled - captured) * 1e3,
        "layout_ms": (laid_out - modelled) * 1e3,
        "svg_ms": (drawn - laid_out) * 1e3,
        "total_ms": (drawn - start) * 1e3,
    }


def viz_table(repeats=REPEATS):
    """``{case: {nodes, svg_kb, capture_ms, graph_ms, layout_ms, svg_ms, total_ms}}``, best of ``repeats``.

    Capture includes running the ops themselves (the forward pass being recorded).
    """
    cases = {
        "chain, 1,000 nodes": (_chain, 5000),
        "wide, 1,000 nodes": (_wide, 5000),
        "chain, default max_nodes=300 (collapsed)": (_chain, 300),
    }
    table = {}
    for name, (build, max_nodes) in cases.items():
        runs = [_time_once(build, max_nodes) for _ in range(repeats)]
        best = min(runs, key=lambda run: run["total_ms"])
        table[name] = {key: (round(value, 1) if key.endswith("_ms") else value)
                       for key, value in best.items()}
    return table


def markdown(table):
    lines = ["| graph | nodes drawn | capture | graph | layout | SVG | total | SVG size |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in table.items():
        lines.append(f"| {name} | {row['nodes']} | {row['capture_ms']:.1f} ms | {row['graph_ms']:.1f} ms | "
                     f"{row['layout_ms']:.1f} ms | {row['svg_ms']:.1f} ms | **{row['total_ms']:.0f} ms** | "
                     f"{row['svg_kb']} kB |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(f"gradlab.viz: capture + graph + layout + SVG (best of {REPEATS}; target < 200 ms)")
    print()
    print(markdown(viz_table()))
