"""Adaptive pooling (gradlab/ops/adaptive_pooling.py): output sizes (int, tuple, None
entries), 3-d and 4-d inputs, PyTorch's graphs (MeanBackward1 for the global average),
gradients, second order, indices, ties/NaN, and PyTorch's errors."""
import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, gradient_of, graph_edges, leaf

SIZES = [1, (1, 1), 2, (2, 3), (None, 3), (3, None), (5, 6), (4, 4), (7, 9)]


@pytest.mark.parametrize("output_size", SIZES, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 5, 6), (3, 5, 6)], ids=["4d", "3d"])
def test_adaptive_avg_pool2d_matches_torch(output_size, shape):
    compare_with_torch(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, output_size),
                       double(*shape), second_order=True)


def test_global_average_is_a_mean_like_torch():
    out = compare_with_torch(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 1),
                             double(2, 3, 4, 4))
    assert graph_edges(out.grad_fn) == ("MeanBackward1", ((("AccumulateGrad", ()), 0),))
    out = compare_with_torch(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (2, 2)),
                             double(2, 3, 4, 4))
    assert out.grad_fn.name() == "AdaptiveAvgPool2DBackward0"


@pytest.mark.parametrize("output_size", [2, (3, 2)], ids=str)
@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant"])
def test_adaptive_avg_pool2d_double_backward_graph_matches_torch(output_size,
                                                                 upstream_requires_grad):
    function = gradient_of(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, output_size),
                           upstream_requires_grad)
    compare_with_torch(function, double(2, 2, 5, 4))


@pytest.mark.parametrize("output_size", [1, 3, 4])
@pytest.mark.parametrize("shape", [(2, 3, 7), (3, 7)], ids=["3d", "2d"])
def test_adaptive_avg_pool1d_matches_torch(output_size, shape):
    compare_with_torch(lambda lib, x: lib.nn.functional.adaptive_avg_pool1d(x, output_size),
                       double(*shape), second_order=True)


@pytest.mark.parametrize("output_size", [1, 2, (2, 3), (None, 2), (4, 5)], ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 5, 6), (3, 5, 6)], ids=["4d", "3d"])
def test_adaptive_max_pool2d_values_indices_and_grads_match_torch(output_size, shape):
    compare_with_torch(
        lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, output_size, return_indices=True),
        double(*shape), second_order=True)


def test_adaptive_max_pool2d_ties_nan_and_infinities_like_torch():
    nan, inf = np.nan, np.inf
    array = np.array([[[1.0, nan, 3.0, nan], [2, 2, 2, 2], [-inf, -inf, -inf, -inf],
                       [5, 1, 5, 0]]])
    compare_with_torch(
        lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, (2, 2), return_indices=True),
        array)
    compare_with_torch(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, 3), array)


@pytest.mark.parametrize("output_size", [1, 3])
def test_adaptive_max_pool1d_matches_torch(output_size):
    compare_with_torch(
        lambda lib, x: lib.nn.functional.adaptive_max_pool1d(x, output_size, return_indices=True),
        double(2, 3, 7), second_order=True)


def test_adaptive_max_pool2d_double_backward_node():
    x = leaf(double(1, 2, 5, 5))
    (grad,) = gradlab.autograd.grad(F.adaptive_max_pool2d(x, 2), x,
                                    gradlab.ones(1, 2, 2, 2, dtype=gradlab.float64,
                                                 requires_grad=True), create_graph=True)
    assert grad.grad_fn.name() == "AdaptiveMaxPool2DBackwardBackward0"


def test_float32_matches_torch():
    array = double(2, 3, 9, 7).astype(np.float32)
    compare_with_torch(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (4, 3)), array)
    compare_with_torch(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, (4, 3)), array)


def test_gradcheck_and_gradgradcheck():
    x = leaf(double(1, 2, 5, 7))
    for function in (lambda t: F.adaptive_avg_pool2d(t, (3, 4)),
                     lambda t: F.adaptive_max_pool2d(t, (3, 4)),
                     lambda t: F.adaptive_avg_pool1d(t[0], 3)):
        assert gradcheck(function, (x,))
        assert gradgradcheck(function, (x,))


@pytest.mark.parametrize("call, shape, dtype, error, message", [
    ("adaptive_avg_pool2d(x, (1, 2, 3))", (2, 3, 4, 4), "f", RuntimeError, "output_size must be 2"),
    ("adaptive_avg_pool2d(x, -1)", (2, 3, 4, 4), "f", RuntimeError,
     "elements of output_size must be greater than or equal to 0"),
    ("adaptive_avg_pool2d(x, 2)", (4, 4), "f", RuntimeError, "Expected 3D or 4D tensor"),
    ("adaptive_avg_pool2d(x, 2)", (1, 2, 3, 4, 4), "f", RuntimeError, "Expected 3D or 4D tensor"),
    ("adaptive_avg_pool2d(x, 2)", (2, 2, 2), "i", NotImplementedError, "adaptive_avg_pool2d"),
    ("adaptive_max_pool2d(x, 2)", (4, 4), "f", RuntimeError, "Expected 3D or 4D tensor"),
    ("adaptive_max_pool2d(x, (1, 2, 3))", (2, 3, 4, 4), "f", RuntimeError,
     "output_size.size() must be 2"),
    ("adaptive_max_pool2d(x, 2)", (2, 2, 2), "i", NotImplementedError, "adaptive_max_pool2d"),
    ("adaptive_avg_pool1d(x, 2)", (2, 3, 4, 4), "f", RuntimeError, "Expected 2 to 3 dimensions"),
    ("adaptive_avg_pool1d(x, (2, 3))", (3, 4), "f", RuntimeError, "should contain one int"),
])
def test_errors_match_torch(call, shape, dtype, error, message):
    array = double(*shape) if dtype == "f" else np.ones(shape, dtype=np.int64)
    compare_with_torch(lambda lib, x: eval("lib.nn.functional." + call), array, raises=error,
                       match=message)


@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant"])
def test_adaptive_max_pool2d_double_backward_graph_matches_torch(upstream_requires_grad):
    function = gradient_of(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, (2, 3)),
                           upstream_requires_grad)
    compare_with_torch(function, double(2, 2, 5, 4))
