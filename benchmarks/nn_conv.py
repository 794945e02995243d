"""One convolution block, forward and backward: gradlab against PyTorch CPU and NumPy by hand.

The block: conv2d 3→16, 3×3, padding 1 on a batch of 32 RGB images of
32×32 (the input needs no gradient, as for a network's first layer), ReLU,
max_pool2d 2, sum, backward (gradients for the weight and the bias). All three
see the same data and weights. The NumPy version is the floor: the same
arithmetic written out by hand (the windows copied into columns, one matrix
product per image, the pool's winners found by comparing its four corners), with no graph
and no bookkeeping. Times are the best of several blocks, in this process, the
libraries taking turns (``timing.py``). ``python benchmarks/nn_conv.py`` prints
the table; ``--json`` prints the figures instead.
"""
import json
import sys

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from timing import CLOCK_NAME, best_ms

BATCH, CHANNELS, SIZE, FILTERS, KERNEL = 32, 3, 32, 16, 3


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((BATCH, CHANNELS, SIZE, SIZE)).astype(np.float32)
    bound = 1 / np.sqrt(CHANNELS * KERNEL * KERNEL)
    weight = rng.uniform(-bound, bound, (FILTERS, CHANNELS, KERNEL, KERNEL)).astype(np.float32)
    bias = rng.uniform(-bound, bound, FILTERS).astype(np.float32)
    return images, weight, bias


def _step_function(lib, functional, images, weight, bias):
    x = lib.tensor(images)
    w = lib.tensor(weight, requires_grad=True)
    b = lib.tensor(bias, requires_grad=True)

    def step():
        w.grad = b.grad = None
        out = functional.max_pool2d(functional.relu(functional.conv2d(x, w, b, padding=1)), 2)
        out.sum().backward()
        return w.grad

    return step


def numpy_step_function(images, weight, bias):
    """The block in plain NumPy; returns ``step() -> grad of the weight``."""
    n, c, height, width = images.shape
    out_channels, k = weight.shape[0], weight.shape[2]
    padded = np.zeros((n, c, height + 2, width + 2), images.dtype)
    kernels = weight.reshape(out_channels, -1)

    def step():
        # forward: every 3×3 window copied into a column, one product per image
        padded[:, :, 1:-1, 1:-1] = images
        windows = sliding_window_view(padded, (k, k), axis=(2, 3))  # (n, c, h, w, k, k)
        columns = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3)).reshape(
            n, c * k * k, height * width)
        out = np.matmul(kernels, columns)
        out += bias[:, None]
        activated = np.maximum(out, 0).reshape(n, out_channels, height, width)
        corners = [activated[:, :, i::2, j::2] for i in (0, 1) for j in (0, 1)]
        pooled = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
        # backward of sum(pooled): 1 at each window's max, where ReLU let the value through
        # (the only ties, ReLU's zeros, get no gradient either way)
        grad_out = np.empty_like(activated)
        for (i, j), corner in zip([(0, 0), (0, 1), (1, 0), (1, 1)], corners):
            grad_out[:, :, i::2, j::2] = (corner == pooled) & (corner > 0)
        grad_out = grad_out.reshape(n, out_channels, height * width)
        grad_weight = np.matmul(grad_out, columns.transpose(0, 2, 1)).sum(0)
        grad_bias = grad_out.sum(axis=(0, 2))
        return grad_weight.reshape(weight.shape), grad_bias

    return step


def conv_block_table(rounds=30, calls=3):
    """``{"gradlab": ms, "numpy": ms, "torch": ms (when installed)}``: the best time of one
    forward + backward of each."""
    import gradlab
    import gradlab.nn.functional as gradlab_functional

    images, weight, bias = _problem()
    steps = {"numpy": numpy_step_function(images, weight, bias),
             "gradlab": _step_function(gradlab, gradlab_functional, images, weight, bias)}
    try:
        import torch
        import torch.nn.functional as torch_functional
    except ImportError:
        torch = None
    if torch is not None:
        steps["torch"] = _step_function(torch, torch_functional, images, weight, bias)
    return best_ms(steps, rounds, calls)


TITLE = (f"Conv block: conv2d {CHANNELS}→{FILTERS} {KERNEL}×{KERNEL} pad 1 on "
         f"{BATCH}×{CHANNELS}×{SIZE}×{SIZE}, relu, max_pool2d 2, sum, backward")


def main(argv=None):
    table = conv_block_table()
    if "--json" in (sys.argv[1:] if argv is None else argv):
        print(json.dumps(table))
        return
    print(f"{TITLE}, best {CLOCK_NAME}")
    print()
    print("| library | ms per step | vs PyTorch | vs NumPy |")
    print("|---|---:|---:|---:|")
    names = {"gradlab": "gradlab", "torch": "PyTorch CPU", "numpy": "NumPy by hand (floor)"}
    for name in ("gradlab", "torch", "numpy"):
        if name in table:
            versus_torch = f"{table[name] / table['torch']:.2f}×" if "torch" in table else "–"
            print(f"| {names[name]} | {table[name]:.2f} | {versus_torch} | "
                  f"{table[name] / table['numpy']:.2f}× |")


if __name__ == "__main__":
    main()
