"""Benchmark of the backprop stepper (gradlab/widgets/stepper.py) on 1,000-node graphs.

``stepper_table()`` returns, for each case, the number of backward steps,
the time to make the stepper (the whole backward pass with its records,
the graph model and its layout) and the milliseconds one step takes in the
kernel: ``next()`` onto a step not seen before (drawing its SVG, writing its
chain-rule text and gradient table into the widgets), and ``previous()`` back
onto one already drawn. Target: under 50 ms per step.

Cases, each about 1,000 nodes the engine runs:

- ``chain``: ``y = y * w + b`` 500 times (two parameters used at every step);
- ``MLP``: a training step of a small MLP (2 → 8 → 1, tanh) written sample by
  sample over 110 samples, as a from-scratch lesson would;

each drawn the default way (collapsed to ``max_nodes=300``, as the graph
view does) and, for the chain, with every node drawn (``max_nodes=5000``).

    python benchmarks/stepper.py      # prints a Markdown table
"""
import gc
import statistics
import time

import gradlab as torch
from gradlab.widgets import BackpropStepper

STEPS_TIMED = 150


def _chain():
    x = torch.tensor([0.5], requires_grad=True)
    w = torch.tensor([0.9], requires_grad=True)
    b = torch.tensor([0.1], requires_grad=True)
    y = x
    for _ in range(500):
        y = y * w + b
    loss = y.sum()
    return loss, {"x": x, "w": w, "b": b, "loss": loss}


def _mlp():
    torch.manual_seed(0)
    w1 = torch.randn(2, 8, requires_grad=True)
    b1 = torch.zeros(8, requires_grad=True)
    w2 = torch.randn(8, 1, requires_grad=True)
    b2 = torch.zeros(1, requires_grad=True)
    inputs = torch.randn(110, 2)
    targets = torch.randn(110, 1)
    loss = torch.tensor(0.0)
    for i in range(110):
        hidden = (inputs[i:i + 1] @ w1 + b1).tanh()
        error = hidden @ w2 + b2 - targets[i:i + 1]
        loss = loss + (error ** 2).sum()
    loss = loss / 110
    return loss, {"w1": w1, "b1": b1, "w2": w2, "b2": b2, "loss": loss}


def _time_case(build, max_nodes, steps=STEPS_TIMED):
    gc.collect()
    loss, names = build()
    start = time.perf_counter()
    stepper = BackpropStepper(loss, names=names, max_nodes=max_nodes)
    made = time.perf_counter() - start
    count = min(steps, len(stepper.steps) - 1)
    forward = []
    for _ in range(count):  # every step drawn for the first time
        start = time.perf_counter()
        stepper.next()
        forward.append(time.perf_counter() - start)
    back = []
    for _ in range(count):  # every step already drawn once
        start = time.perf_counter()
        stepper.previous()
        back.append(time.perf_counter() - start)
    start = time.perf_counter()
    stepper.goto(len(stepper.steps) // 2)
    jump = time.perf_counter() - start
    return {
        "steps": len(stepper.steps),
        "boxes drawn": len(stepper.graph),
        "make ms": made * 1e3,
        "next ms (median)": statistics.median(forward) * 1e3,
        "next ms (max)": max(forward) * 1e3,
        "back ms (median)": statistics.median(back) * 1e3,
        "goto ms": jump * 1e3,
    }


def stepper_table():
    """``{case: {steps, boxes drawn, make ms, next ms (median), next ms (max), back ms (median),
    goto ms}}``."""
    cases = {
        "chain, 1,000 nodes, default (collapsed to 300)": (_chain, 300),
        "chain, 1,000 nodes, all drawn": (_chain, 5000),
        "MLP training step, sample by sample, default": (_mlp, 300),
    }
    return {name: _time_case(build, max_nodes) for name, (build, max_nodes) in cases.items()}


def main():
    table = stepper_table()
    columns = ["steps", "boxes drawn", "make ms", "next ms (median)", "next ms (max)",
               "back ms (median)", "goto ms"]
    print("Backprop stepper: one step on a 1,000-node graph (target < 50 ms)")
    print()
    print("| case | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name, row in table.items():
        cells = [f"{row[c]:.1f}" if isinstance(row[c], float) else str(row[c]) for c in columns]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
