"""What capturing a big cell costs: a 50,000-op cell with and without ``%%autograd``.

Two figures, each measured in a fresh Python process (best of several repeats):

- **the cell**: a 50,000-op loop (``y = y * w``, ``y = y + b``, ``y = y.sin()``,
  ``y = y * 0.5`` in turn, on 1-element tensors) run in an IPython
  ``InteractiveShell`` as a plain cell and as a ``%%autograd`` cell (which
  records every tensor, names them, builds the graph model, collapses it to
  ``max_nodes``, lays it out and renders SVG and text). Target: the magic
  cell at most 2× the plain cell.
- **the graph model**: ``graph(cap)`` for the captured 50,000-op chain (about
  100,000 tensors and grad_fn nodes before collapsing). Target: under 1 s.
  The capture alone (the same loop inside ``with capture():``) is shown
  against the loop without it.

    python benchmarks/capture_cost.py        # prints a Markdown table
"""
import json
import subprocess
import sys

from timing import IPYTHON_SHELL

OPS = 50_000
REPEATS = 3
TARGET_RATIO = 2.0
TARGET_GRAPH_S = 1.0

CELL = """\
x = torch.tensor([0.5], requires_grad=True)
w = torch.tensor([0.999], requires_grad=True)
b = torch.tensor([0.001], requires_grad=True)
y = x
for i in range({ops}):
    r = i % 4
    if r == 0:
        y = y * w
    elif r == 1:
        y = y + b
    elif r == 2:
        y = y.sin()
    else:
        y = y * 0.5
"""

_MEASURE = IPYTHON_SHELL + r'''

def best_s(cell):
    times = []
    for _ in range(REPEATS):
        shell.run_cell("x = w = b = y = None")
        gc.collect()
        with capture_output():
            start = time.perf_counter()
            result = shell.run_cell(cell)
            times.append(time.perf_counter() - start)
        result.raise_error()
    return min(times)

plain = best_s(CELL)
magic = best_s("%%autograd\n" + CELL)
print(json.dumps({{"plain_s": plain, "magic_s": magic}}))
'''

_GRAPH = r'''
import gc, json, time
import gradlab as torch
from gradlab.viz import capture, graph

namespace = {{"torch": torch}}
code = compile({cell!r}, "<cell>", "exec")

def loop_s(captured):
    gc.collect()
    start = time.perf_counter()
    if captured:
        with capture() as cap:
            exec(code, namespace)
    else:
        cap = None
        exec(code, namespace)
    return time.perf_counter() - start, cap

plain = min(loop_s(False)[0] for _ in range({repeats}))
captures = [loop_s(True) for _ in range({repeats})]
captured = min(seconds for seconds, _ in captures)
cap = captures[-1][1]
del captures
names = {{key: value for key, value in namespace.items() if key != "torch"}}
times = []
for _ in range({repeats}):
    gc.collect()
    start = time.perf_counter()
    model = graph(cap, names=names)
    times.append(time.perf_counter() - start)
print(json.dumps({{"loop_s": plain, "captured_loop_s": captured, "records": len(cap.records),
                  "graph_s": min(times), "drawn_nodes": len(model)}}))
'''


def _run(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"benchmarks/capture_cost.py: the measurement failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def capture_cost_table(ops=OPS, repeats=REPEATS):
    """``{plain_s, magic_s, ratio, loop_s, captured_loop_s, capture_ratio, graph_s, records}``."""
    cell = CELL.format(ops=ops)
    figures = _run(_MEASURE.format(cell=cell, repeats=repeats))
    figures.update(_run(_GRAPH.format(cell=cell, repeats=repeats)))
    figures["ratio"] = figures["magic_s"] / figures["plain_s"]
    figures["capture_ratio"] = figures["captured_loop_s"] / figures["loop_s"]
    return figures


def main():
    figures = capture_cost_table()
    ratio_ok = "✓" if figures["ratio"] <= TARGET_RATIO else "✗"
    graph_ok = "✓" if figures["graph_s"] < TARGET_GRAPH_S else "✗"
    print(f"%%autograd on a {OPS:,}-op cell (1-element tensors), IPython InteractiveShell, "
          f"best of {REPEATS}")
    print()
    print("| cell alone | with %%autograd | ratio (target ≤ 2×) | loop in `capture()` | "
          "capture ratio | graph model of the capture | target |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {figures['plain_s']:.2f} s | {figures['magic_s']:.2f} s | "
          f"{figures['ratio']:.2f}× {ratio_ok} | {figures['captured_loop_s']:.2f} s | "
          f"{figures['capture_ratio']:.2f}× | {figures['graph_s']:.2f} s "
          f"({figures['records']:,} tensors) {graph_ok} | < {TARGET_GRAPH_S:.0f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
