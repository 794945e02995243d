"""One MLP training step: gradlab (nn + optim) against hand-written NumPy and PyTorch CPU.

The step: a batch of 128 inputs of 784 features, Linear(784, 256) → ReLU →
Linear(256, 10), cross-entropy loss, backward, SGD with lr 0.1. All three
start from the same weights and see the same data. The NumPy version is the
floor: the same arithmetic written out by hand (stable log-softmax, the
closed-form gradient of softmax + cross-entropy, no input gradient), with no
graph and no bookkeeping. Times are the best of several blocks of steps, in
this process, the libraries taking turns (``timing.py``). ``python benchmarks/nn_mlp.py``
prints the table; ``--json`` prints the figures instead.
"""
import json
import sys

import numpy as np

from timing import CLOCK_NAME, best_ms

BATCH, INPUTS, HIDDEN, CLASSES = 128, 784, 256, 10
LEARNING_RATE = 0.1


def _problem(seed=0):
    """Data and initial weights (PyTorch's default init: uniform in ±1/sqrt(fan_in))."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, INPUTS)).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    bound1, bound2 = 1 / np.sqrt(INPUTS), 1 / np.sqrt(HIDDEN)
    weights = {
        "0.weight": rng.uniform(-bound1, bound1, (HIDDEN, INPUTS)).astype(np.float32),
        "0.bias": rng.uniform(-bound1, bound1, HIDDEN).astype(np.float32),
        "2.weight": rng.uniform(-bound2, bound2, (CLASSES, HIDDEN)).astype(np.float32),
        "2.bias": rng.uniform(-bound2, bound2, CLASSES).astype(np.float32),
    }
    return x, y, weights


# ------------------------------------------------------------------ NumPy floor
def numpy_step_function(x, y, weights, lr=LEARNING_RATE):
    """A training step in plain NumPy; returns ``step() -> loss``."""
    w1, b1 = weights["0.weight"].copy(), weights["0.bias"].copy()
    w2, b2 = weights["2.weight"].copy(), weights["2.bias"].copy()
    rows = np.arange(len(y))
    lr = np.float32(lr)

    def step():
        nonlocal w1, b1, w2, b2  # updated in place below
        # forward
        hidden = x @ w1.T
        hidden += b1
        activated = np.maximum(hidden, 0)
        logits = activated @ w2.T
        logits += b2
        shifted = logits - logits.max(axis=1, keepdims=True)  # stable: exp never overflows
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = np.log(total[:, 0]).mean() - shifted[rows, y].mean()
        # backward: d(mean cross-entropy)/d(logits) = (softmax − one_hot) / N
        grad_logits = exp / total
        grad_logits[rows, y] -= 1
        grad_logits /= len(y)
        grad_w2 = grad_logits.T @ activated
        grad_b2 = grad_logits.sum(axis=0)
        grad_activated = grad_logits @ w2
        grad_activated *= hidden > 0
        grad_w1 = grad_activated.T @ x
        grad_b1 = grad_activated.sum(axis=0)
        # SGD
        w1 -= lr * grad_w1
        b1 -= lr * grad_b1
        w2 -= lr * grad_w2
        b2 -= lr * grad_b2
        return float(loss)

    return step


# ------------------------------------------------------- gradlab and PyTorch
def library_step_function(lib, x, y, weights, lr=LEARNING_RATE):
    """The same step written once for ``torch`` or ``gradlab``; returns ``step() -> loss``."""
    nn = lib.nn
    model = nn.Sequential(nn.Linear(INPUTS, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))
    model.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    optimizer = lib.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    inputs, labels = lib.tensor(x), lib.tensor(y)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def mlp_step_table(rounds=40, steps_per_round=10):
    """ms per training step for each library (best of ``rounds`` blocks, libraries in turn).

    Returns ``{"gradlab": ms, "numpy": ms, "torch": ms (when installed), "first_losses": {...}}``.
    The first losses agree across libraries: the same network computes the same thing.
    """
    import gradlab

    x, y, weights = _problem()
    steps = {"numpy": numpy_step_function(x, y, weights),
             "gradlab": library_step_function(gradlab, x, y, weights)}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        steps["torch"] = library_step_function(torch, x, y, weights)
    first_losses = {name: step() for name, step in steps.items()}
    table = best_ms(steps, rounds, steps_per_round)
    table["first_losses"] = first_losses
    return table


TITLE = (f"MLP training step (batch {BATCH}, {INPUTS}→{HIDDEN}→{CLASSES}, ReLU, cross-entropy, "
         f"SGD lr {LEARNING_RATE})")


def main(argv=None):
    table = mlp_step_table()
    if "--json" in (sys.argv[1:] if argv is None else argv):
        print(json.dumps(table))
        return
    print(f"{TITLE}, best {CLOCK_NAME}")
    print()
    print("| library | ms/step | vs PyTorch | vs NumPy |")
    print("|---|---:|---:|---:|")
    names = {"gradlab": "gradlab (nn + optim)", "torch": "PyTorch CPU",
             "numpy": "NumPy by hand (floor)"}
    for name in ("gradlab", "torch", "numpy"):
        if name in table:
            versus_torch = f"{table[name] / table['torch']:.2f}×" if "torch" in table else "–"
            print(f"| {names[name]} | {table[name]:.3f} | {versus_torch} | "
                  f"{table[name] / table['numpy']:.2f}× |")


if __name__ == "__main__":
    main()
