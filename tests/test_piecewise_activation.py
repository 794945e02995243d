"""Piecewise-linear activations (gradlab/ops/piecewise_activation.py): hardtanh, relu6,
threshold, prelu — values, gradients at the kinks, second derivatives, grad_fn graphs and
NaN/inf upstream gradients against PyTorch, and PyTorch's errors."""
import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, gradient_of, graph_edges, leaf, nonfinite_upstream

# the kinks themselves (-1, 0, 1, 6, 0.5) are in every input
KINKS = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, 0.25, -0.25, 2.0]).reshape(3, 4)

ACTIVATIONS = {
    "hardtanh": lambda lib, x: lib.nn.functional.hardtanh(x),
    "hardtanh range": lambda lib, x: lib.nn.functional.hardtanh(x, -0.5, 3.0),
    "relu6": lambda lib, x: lib.nn.functional.relu6(x),
    "threshold": lambda lib, x: lib.nn.functional.threshold(x, 0.5, -3.0),
    "prelu one slope": lambda lib, x: lib.nn.functional.prelu(
        x, lib.tensor([0.25], dtype=x.dtype)),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_matches_torch_at_and_between_the_kinks(name):
    compare_with_torch(ACTIVATIONS[name], KINKS, second_order=True)
    compare_with_torch(ACTIVATIONS[name], double(3, 4) * 4, second_order=True)
    compare_with_torch(ACTIVATIONS[name], KINKS.astype(np.float32))


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant"])
def test_double_backward_graph_matches_torch(name, upstream_requires_grad):
    compare_with_torch(gradient_of(ACTIVATIONS[name], upstream_requires_grad), double(3, 4))


NONFINITE = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("value", NONFINITE.values(), ids=NONFINITE.keys())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nonfinite_input_and_upstream_gradient_match_torch(name, value):
    array = np.concatenate([double(9), [0.0, np.nan, np.inf, -np.inf]]).reshape(13, 1) * [1.0, -1.0]
    for everywhere in (False, True):
        compare_with_torch(ACTIVATIONS[name], array, upstream=nonfinite_upstream(value, everywhere))
    compare_with_torch(ACTIVATIONS[name], array)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gradcheck_and_gradgradcheck(name):
    x = leaf(double(3, 4) * 3)
    assert gradcheck(lambda t: ACTIVATIONS[name](gradlab, t), (x,))
    assert gradgradcheck(lambda t: ACTIVATIONS[name](gradlab, t), (x,))


# ---------------------------------------------------------------- in place
@pytest.mark.parametrize("function", [
    lambda lib, x: lib.nn.functional.hardtanh(x * 1, -0.5, 0.5, inplace=True),
    lambda lib, x: lib.nn.functional.relu6(x * 4, inplace=True),
    lambda lib, x: lib.nn.functional.threshold(x * 1, 0.1, 20.0, inplace=True),
], ids=["hardtanh", "relu6", "threshold"])
def test_inplace_matches_torch(function):
    out = compare_with_torch(function, double(3, 4))
    assert out.grad_fn.name() in ("HardtanhBackward0", "ThresholdBackward1")


def test_integer_hardtanh_and_threshold_work_like_torch():
    compare_with_torch(lambda lib, x: lib.nn.functional.hardtanh(x), np.array([-3, 0, 2]))
    compare_with_torch(lambda lib, x: lib.nn.functional.relu6(x), np.array([-3, 4, 9]))
    compare_with_torch(lambda lib, x: lib.nn.functional.threshold(x, 1, 7), np.array([-3, 1, 2]))


def test_hardtanh_refuses_min_above_max_like_torch():
    compare_with_torch(lambda lib, x: lib.nn.functional.hardtanh(x, 2.0, 1.0), double(3),
                       raises=ValueError, match="min_val cannot be greater than max_val")


# ---------------------------------------------------------------- prelu
@pytest.mark.parametrize("shape", [(2, 3, 4), (5, 3), (2, 3, 2, 2)])
@pytest.mark.parametrize("slopes", [1, 3])
def test_prelu_matches_torch_with_a_weight_per_channel(shape, slopes):
    x = double(*shape) * 2
    x.flat[0] = 0.0
    weight = np.linspace(-0.5, 0.75, slopes)
    out = compare_with_torch(lambda lib, a, w: lib.nn.functional.prelu(a, w), x, weight,
                             second_order=True)
    assert graph_edges(out.grad_fn) == ("PreluKernelBackward0", (
        (("AccumulateGrad", ()), 0), (("ViewBackward0", ((("AccumulateGrad", ()), 0),)), 0)))


@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant"])
def test_prelu_double_backward_graph_matches_torch(upstream_requires_grad):
    def gradients(lib, x, weight):
        out = lib.nn.functional.prelu(x, weight)
        upstream = lib.ones_like(out, requires_grad=upstream_requires_grad)
        return lib.autograd.grad(out, (x, weight), upstream, create_graph=True)

    compare_with_torch(gradients, double(2, 3, 4), np.array([0.1, -0.2, 0.3]))


def test_prelu_gradcheck_and_gradgradcheck():
    x, weight = leaf(double(2, 3, 2) * 2), leaf(np.array([0.2, -0.4, 0.6]))
    assert gradcheck(F.prelu, (x, weight))
    assert gradgradcheck(F.prelu, (x, weight))


@pytest.mark.parametrize("weight, error, message", [
    (np.ones(2), RuntimeError, "Mismatch of parameter numbers and input channel size"),
    (np.ones((3, 1)), RuntimeError, "prelu: Expected `weight` to be a scalar or 1D tensor"),
    (0.25, TypeError, "must be Tensor, not float"),
])
def test_prelu_errors_like_torch(weight, error, message):
    compare_with_torch(lambda lib, x, w: lib.nn.functional.prelu(x, w), double(2, 3, 4), weight,
                       raises=error, match=message)


def test_prelu_refuses_integers_like_torch():
    compare_with_torch(lambda lib, x, w: lib.nn.functional.prelu(x, w), np.array([1, 2]),
                       np.array([1]), raises=NotImplementedError, match="prelu_cpu")
