"""One convolution block, forward and backward: gradlab against PyTorch CPU.

The block: conv2d 3→16, 3×3, padding 1 on a batch of 32 RGB images of
32×32 (the input needs no gradient, as for a network's first layer), ReLU,
max_pool2d 2, sum, backward (gradients for the weight and the bias). Both
libraries see the same data and weights. Times are the best of several
repeats in this process; ``python benchmarks/nn_conv.py`` prints them.
"""
import gc
import time

import numpy as np

BATCH, CHANNELS, SIZE, FILTERS, KERNEL = 32, 3, 32, 16, 3
REPEATS = 30


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


def _best_ms(step, repeats=REPEATS):
    step()  # warm up (first calls allocate)
    gc.collect()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def conv_block_table(repeats=REPEATS):
    """``{"gradlab_ms": ..., "torch_ms": ... or None}``: best time of one forward + backward."""
    import gradlab
    import gradlab.nn.functional as gradlab_functional

    images, weight, bias = _problem()
    result = {"gradlab_ms": _best_ms(_step_function(gradlab, gradlab_functional, images, weight,
                                                    bias), repeats),
              "torch_ms": None}
    try:
        import torch
        import torch.nn.functional as torch_functional
    except ImportError:
        return result
    result["torch_ms"] = _best_ms(_step_function(torch, torch_functional, images, weight, bias),
                                  repeats)
    return result


def main():
    table = conv_block_table()
    print("Conv block: conv2d 3→16 3×3 pad 1 on 32×3×32×32, relu, max_pool2d 2, sum, backward "
          f"(best of {REPEATS}; target ≤ 2× PyTorch)")
    print()
    print("| library | ms per step | vs PyTorch |")
    print("|---|---:|---:|")
    torch_ms = table["torch_ms"]
    ratio = f"{table['gradlab_ms'] / torch_ms:.2f}×" if torch_ms else "–"
    print(f"| gradlab | {table['gradlab_ms']:.2f} | {ratio} |")
    if torch_ms:
        print(f"| PyTorch CPU | {torch_ms:.2f} | 1.00× |")


if __name__ == "__main__":
    main()
