"""What ``%%autograd`` costs: the extra milliseconds the magic adds to a small cell.

The same cell (the README's first example) runs in an IPython
``InteractiveShell`` with and without ``%%autograd`` on top; the difference is
the magic: capturing the tensors, naming them, building the graph, laying it
out and rendering the SVG and the text that a notebook receives. Target:
under 20 ms. Each measurement runs in a fresh Python process; times are the
best of several repeats. ``python benchmarks/magic.py`` prints a Markdown table.
"""
import json
import subprocess
import sys

from timing import IPYTHON_SHELL

REPEATS = 30
TARGET_MS = 20.0

CELL = """\
x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x ** 2
y.sum().backward()
"""

_MEASURE = IPYTHON_SHELL + r'''

def best_ms(cell):
    times = []
    for _ in range(REPEATS):
        gc.collect()
        with capture_output() as captured:  # a notebook receives every format
            start = time.perf_counter()
            result = shell.run_cell(cell)
            times.append(time.perf_counter() - start)
        result.raise_error()
    return min(times) * 1e3

best_ms(CELL), best_ms("%%autograd\n" + CELL)  # warm up: imports, first renders
plain = best_ms(CELL)
magic = best_ms("%%autograd\n" + CELL)
with capture_output() as captured:
    shell.run_cell("%%autograd\n" + CELL)
svg_kb = len(captured.outputs[0].data["image/svg+xml"]) / 1024
print(json.dumps({{"plain_ms": plain, "magic_ms": magic, "overhead_ms": magic - plain,
                  "svg_kb": svg_kb}}))
'''


def magic_overhead_table(repeats=REPEATS):
    """``{"plain_ms", "magic_ms", "overhead_ms", "svg_kb"}`` for the small cell, in a fresh process."""
    result = subprocess.run([sys.executable, "-c", _MEASURE.format(cell=CELL, repeats=repeats)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"benchmarks/magic.py: the measurement failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    figures = magic_overhead_table()
    verdict = "✓" if figures["overhead_ms"] < TARGET_MS else "✗"
    print("%%autograd overhead on a 3-line cell (x ** 2, sum, backward), IPython InteractiveShell")
    print()
    print("| cell alone | with %%autograd | overhead | target | SVG size |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {figures['plain_ms']:.2f} ms | {figures['magic_ms']:.2f} ms | "
          f"{figures['overhead_ms']:.2f} ms {verdict} | < {TARGET_MS:.0f} ms | "
          f"{figures['svg_kb']:.1f} KB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
