"""gradlab's benchmarks, one command: ``python benchmarks/run.py``.

1. Per-op overhead: forward + backward of a 20,000-op chain on 1-element
   tensors (the cost of the autograd machinery itself), for gradlab, PyTorch
   CPU (when installed) and plain NumPy without autograd (the floor: the
   same forward arithmetic, no graph, no backward).
2. A 1,000,000-node chain: backward time, and memory before the graph is
   built, with the graph alive, and after backward and ``del``.
3. The scripts in ``SECTIONS``: an MLP training step and a conv block against
   NumPy and PyTorch, the graph drawing, the ``%%autograd`` overhead, the
   capture cost of a 50,000-op cell and the backprop stepper.

Each library runs in its own fresh Python process, so no library pays for
another's imported objects in Python's garbage collector (importing torch
alone adds ~165,000 tracked objects, which makes every full collection in
a graph-building loop slower).  Times are the best of several repeats.
Prints a Markdown table (paste it into the README).
"""
import argparse
import json
import pathlib
import subprocess
import sys

CHAIN_LENGTH = 20_000
REPEATS = 5

_CHAIN = r'''
import gc, json, time
REPEATS, N, LIB = {repeats}, {n}, "{lib}"
if LIB == "numpy":
    import numpy as np
    def run():
        x = np.array([0.5], dtype=np.float32); w = np.array([0.999], dtype=np.float32)
        b = np.array([0.001], dtype=np.float32)
        start = time.perf_counter()
        y = x
        for i in range(N):
            r = i % 4
            if r == 0: y = y * w
            elif r == 1: y = y + b
            elif r == 2: y = np.sin(y)
            else: y = y * 0.5
        return time.perf_counter() - start, 0.0
else:
    lib = __import__(LIB)
    def run():
        x = lib.tensor([0.5], requires_grad=True); w = lib.tensor([0.999], requires_grad=True)
        b = lib.tensor([0.001], requires_grad=True)
        start = time.perf_counter()
        y = x
        for i in range(N):
            r = i % 4
            if r == 0: y = y * w
            elif r == 1: y = y + b
            elif r == 2: y = y.sin()
            else: y = y * 0.5
        middle = time.perf_counter()
        y.sum().backward()
        return middle - start, time.perf_counter() - middle
best = None
for _ in range(REPEATS):
    gc.collect()
    forward, backward = run()
    if best is None or forward + backward < sum(best):
        best = (forward, backward)
print(json.dumps({{"forward_us": best[0] / N * 1e6, "backward_us": best[1] / N * 1e6}}))
'''

_MILLION = r'''
import gc, json, time
import gradlab

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

gc.collect()
before = rss_mb()
x = gradlab.tensor(1.0, requires_grad=True)
start = time.perf_counter()
y = x
for _ in range(1_000_000):
    y = y * 1.0
built = time.perf_counter()
with_graph = rss_mb()
y.backward()
backward = time.perf_counter() - built
after_backward = rss_mb()
del y
gc.collect()
released = rss_mb()
print(json.dumps({"forward_s": built - start, "backward_s": backward, "rss_before_mb": before,
                  "rss_graph_mb": with_graph, "rss_after_backward_mb": after_backward,
                  "rss_released_mb": released, "grad": x.grad.item()}))
'''


def _run(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return None, result.stderr.strip().splitlines()[-1] if result.stderr else "failed"
    return json.loads(result.stdout.strip().splitlines()[-1]), None


def _has(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def chain_table(repeats=REPEATS, n=CHAIN_LENGTH):
    rows = {}
    for lib in ("gradlab", "torch", "numpy"):
        if lib == "torch" and not _has("torch"):
            continue
        measured, error = _run(_CHAIN.format(repeats=repeats, n=n, lib=lib))
        if error:
            print(f"{lib}: {error}", file=sys.stderr)
            continue
        rows[lib] = measured
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no million-node chain")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    arguments = parser.parse_args(argv)

    rows = chain_table(repeats=2 if arguments.quick else REPEATS)
    torch_total = sum(rows["torch"].values()) if "torch" in rows else None
    print(f"Per-op overhead: forward + backward of a {CHAIN_LENGTH:,}-op chain on 1-element tensors")
    print()
    print("| library | forward µs/op | backward µs/op | total µs/op | vs PyTorch |")
    print("|---|---:|---:|---:|---:|")
    names = {"gradlab": "gradlab", "torch": "PyTorch CPU", "numpy": "NumPy, no autograd (floor)"}
    for lib, figures in rows.items():
        total = figures["forward_us"] + figures["backward_us"]
        ratio = f"{total / torch_total:.2f}×" if torch_total else "–"
        backward = f"{figures['backward_us']:.2f}" if lib != "numpy" else "–"
        print(f"| {names[lib]} | {figures['forward_us']:.2f} | {backward} | {total:.2f} | {ratio} |")

    million = None
    if not arguments.quick:
        million, error = _run(_MILLION)
        print()
        if error:
            print(f"1,000,000-node chain failed: {error}")
        else:
            print("1,000,000-node chain (y = y * 1.0):")
            print()
            print("| build graph | backward | memory before | with graph | after backward + del |")
            print("|---:|---:|---:|---:|---:|")
            print(f"| {million['forward_s']:.1f} s | {million['backward_s']:.1f} s | "
                  f"{million['rss_before_mb']:.0f} MB | {million['rss_graph_mb']:.0f} MB | "
                  f"{million['rss_released_mb']:.0f} MB |")
    if arguments.json:
        print(json.dumps({"chain": rows, "million": million}, indent=2))
    if not arguments.quick:
        for script in SECTIONS:
            print()
            print(_run_script(script))
    return 0


# The other benchmarks, each a script that prints its own Markdown table; each runs in a
# fresh process, like the per-op chain above.
SECTIONS = ["nn_mlp.py", "nn_conv.py", "viz.py", "magic.py", "capture_cost.py", "stepper.py"]


def _run_script(name):
    path = pathlib.Path(__file__).with_name(name)
    if not path.exists():
        return f"({name} is not there)"
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"
        return f"{name} failed: {last}"
    return result.stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
