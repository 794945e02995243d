"""Activations (gradlab/ops/activation.py): leaky_relu, gelu, dropout.

Finite differences (float64) for first and second derivatives, PyTorch for values, gradients,
second-order gradients and grad_fn graphs, and dropout's statistics and edge cases.
"""
import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, gradient_of, graph_edges, leaf, nonfinite_upstream


# ================================================================ leaky_relu
@pytest.mark.parametrize("slope", [0.01, 0.2, 0.0, -0.5, 1.5])
def test_leaky_relu_matches_torch(slope):
    compare_with_torch(lambda lib, x: lib.nn.functional.leaky_relu(x, slope), double(4, 5),
                       second_order=True)


def test_leaky_relu_default_slope_and_float32():
    array = np.array([-2.0, -0.0, 0.0, 1e-3, 3.0, -np.inf, np.inf], dtype=np.float32)
    out = compare_with_torch(lambda lib, x: lib.nn.functional.leaky_relu(x), array)
    assert graph_edges(out.grad_fn) == ("LeakyReluBackward0", ((("AccumulateGrad", ()), 0),))
    assert out.grad_fn.next_functions[0][0].name() == "torch::autograd::AccumulateGrad"


def test_leaky_relu_gradcheck():
    x = leaf(double(3, 4))
    assert gradcheck(lambda t: F.leaky_relu(t, 0.1), (x,))
    assert gradgradcheck(lambda t: F.leaky_relu(t, 0.1), (x,))


def test_leaky_relu_gradient_at_zero_is_the_slope(torch):
    for lib, fn in ((torch, torch.nn.functional), (gradlab, F)):
        x = lib.tensor([0.0], requires_grad=True)
        fn.leaky_relu(x, 0.3).sum().backward()
        assert x.grad.tolist() == pytest.approx([0.3])


def test_leaky_relu_inplace_records_leaky_relu():
    def function(lib, x):
        y = x * 2
        out = lib.nn.functional.leaky_relu(y, 0.1, inplace=True)
        assert out is y
        return out

    compare_with_torch(function, double(3, 3))


def test_leaky_relu_refuses_integers():
    compare_with_torch(lambda lib, x: lib.nn.functional.leaky_relu(x), np.array([1, -2]),
                       raises=NotImplementedError, match="leaky_relu_cpu")


# ====================================================================== gelu
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch_with_second_derivatives(approximate):
    array = np.concatenate([double(20), [0.0, -8.0, 8.0, 30.0, -30.0]])
    compare_with_torch(lambda lib, x: lib.nn.functional.gelu(x, approximate=approximate), array,
                       second_order=True, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_float32_matches_torch(approximate):
    array = double(6, 7).astype(np.float32) * 3
    compare_with_torch(lambda lib, x: lib.nn.functional.gelu(x, approximate=approximate), array)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_gradcheck_and_gradgradcheck(approximate):
    x = leaf(double(2, 3) * 2)
    assert gradcheck(lambda t: F.gelu(t, approximate=approximate), (x,))
    assert gradgradcheck(lambda t: F.gelu(t, approximate=approximate), (x,))


def test_gelu_third_derivative_matches_torch(torch):
    results = []
    for lib, fn in ((torch, torch.nn.functional), (gradlab, F)):
        x = lib.tensor([-1.5, 0.3, 2.0], dtype=lib.float64, requires_grad=True)
        (first,) = lib.autograd.grad(fn.gelu(x).sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(first.sum(), x, create_graph=True)
        (third,) = lib.autograd.grad(second.sum(), x)
        results.append(third.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10)


def test_gelu_graph_names_its_double_backward_node():
    x = leaf(double(3))
    (grad,) = gradlab.autograd.grad(F.gelu(x).sum(), x, create_graph=True)
    assert F.gelu(x).grad_fn.name() == "GeluBackward0"
    assert grad.grad_fn.name() == "GeluBackwardBackward0"


def test_gelu_errors():
    compare_with_torch(lambda lib, x: lib.nn.functional.gelu(x, approximate="fast"), double(3),
                       raises=RuntimeError, match="approximate argument must be either none or tanh.")
    compare_with_torch(lambda lib, x: lib.nn.functional.gelu(x), np.array([1, 2]),
                       raises=NotImplementedError, match="GeluKernelImpl")


ACTIVATIONS = {
    "leaky_relu": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.2),
    "leaky_relu 0": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.0),
    "gelu": lambda lib, x: lib.nn.functional.gelu(x),
    "gelu tanh": lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"),
    "relu": lambda lib, x: lib.nn.functional.relu(x),
    "relu inplace": lambda lib, x: lib.nn.functional.relu(x * 1, inplace=True),
    "sigmoid": lambda lib, x: lib.nn.functional.sigmoid(x),
    "tanh": lambda lib, x: lib.nn.functional.tanh(x),
    "softmax": lambda lib, x: lib.nn.functional.softmax(x, dim=1),
    "log_softmax": lambda lib, x: lib.nn.functional.log_softmax(x, dim=0),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant upstream"])
def test_double_backward_graph_matches_torch(name, upstream_requires_grad):
    compare_with_torch(gradient_of(ACTIVATIONS[name], upstream_requires_grad), double(3, 4))


def test_gelu_third_derivative_graph_matches_torch():
    """gelu's second derivative is computed in PyTorch's steps (gelu_double_backward), so the
    third-order graph is PyTorch's too (approximate='tanh' needs cosh, which gradlab has not)."""
    gelu = gradient_of(lambda lib, x: lib.nn.functional.gelu(x))
    compare_with_torch(gradient_of(gelu), double(3, 4))


NONFINITE = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("value", NONFINITE.values(), ids=NONFINITE.keys())
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf, as PyTorch
def test_nonfinite_upstream_gradient_matches_torch(name, value):
    array = np.concatenate([double(9), [0.0, np.nan, np.inf, -np.inf]]).reshape(13, 1) * [1.0, -1.0]
    for everywhere in (False, True):
        compare_with_torch(ACTIVATIONS[name], array, upstream=nonfinite_upstream(value, everywhere))
    compare_with_torch(ACTIVATIONS[name], array)


# =================================================================== dropout
def test_dropout_is_a_multiplication_by_a_scaled_mask(torch):
    for lib, fn in ((torch, torch.nn.functional), (gradlab, F)):
        x = lib.ones(2000, 50, requires_grad=True)
        out = fn.dropout(x, 0.2)
        assert out.grad_fn.name() == "MulBackward0"
        edges = out.grad_fn.next_functions
        assert edges[0][0].variable is x and edges[1] == (None, 0)
        values = out.detach().numpy()
        assert set(np.unique(values)) <= {0.0, np.float32(1 / 0.8)}
        assert abs((values == 0).mean() - 0.2) < 0.01
        out.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), values)  # the gradient is the mask


def test_dropout_is_reproducible_with_manual_seed():
    x = gradlab.ones(10, 10)
    gradlab.manual_seed(3)
    first = F.dropout(x, 0.5).numpy()
    gradlab.manual_seed(3)
    second = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, F.dropout(x, 0.5).numpy())


@pytest.mark.parametrize("p,training", [(0.0, True), (0.5, False), (1.0, False)])
def test_dropout_returns_the_input_itself_when_it_does_nothing(torch, p, training):
    for lib, fn in ((torch, torch.nn.functional), (gradlab, F)):
        x = lib.ones(3, requires_grad=True)
        assert fn.dropout(x, p, training=training) is x


def test_dropout_with_p_one_zeros_everything_like_torch():
    compare_with_torch(lambda lib, x: lib.nn.functional.dropout(x, 1.0), double(3, 4))


def test_dropout_keeps_dtype_and_inplace():
    x = gradlab.ones(4, 4, dtype=gradlab.float64)
    assert F.dropout(x, 0.3).dtype == gradlab.float64
    y = gradlab.ones(100)
    assert F.dropout(y, 0.5, inplace=True) is y
    assert (y.numpy() == 0).any() and (y.numpy() == 2).any()


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_out_of_range(p):
    compare_with_torch(lambda lib, x: lib.nn.functional.dropout(x, p), double(3), raises=ValueError,
                       match="dropout probability has to be between 0 and 1, but got")


# ============================================================ channel dropout
def test_dropout2d_zeros_whole_channels_with_a_scaled_mask(torch):
    for lib, fn in ((torch, torch.nn.functional), (gradlab, F)):
        x = lib.ones(40, 50, 3, 2, requires_grad=True)
        out = fn.dropout2d(x, 0.2)
        assert out.grad_fn.name() == "MulBackward0"
        assert out.grad_fn.next_functions[0][0].variable is x and out.grad_fn.next_functions[1] == (None, 0)
        values = out.detach().numpy().reshape(40, 50, 6)
        assert np.all((values == 0).all(-1) | (values == np.float32(1 / 0.8)).all(-1))
        assert abs((values[..., 0] == 0).mean() - 0.2) < 0.03
        out.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy().reshape(40, 50, 6), values)


@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4)])
def test_dropout2d_warns_for_other_shapes_like_torch(torch, shape):
    messages = []
    for lib, fn in ((torch, torch.nn.functional), (gradlab, F)):
        with pytest.warns(UserWarning) as caught:
            fn.dropout2d(lib.ones(*shape), 0.5)
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1]


@pytest.mark.parametrize("p,training", [(0.0, True), (0.5, False)])
def test_channel_dropout_returns_the_input_itself_when_it_does_nothing(torch, p, training):
    for lib, fn in ((torch, torch.nn.functional), (gradlab, F)):
        x = lib.ones(2, 3, 4, requires_grad=True)
        assert fn.dropout1d(x, p, training=training) is x
        assert fn.dropout2d(x[None], p, training=training) is not None


def test_channel_dropout_with_p_one_and_unbatched_dropout1d_like_torch():
    compare_with_torch(lambda lib, x: lib.nn.functional.dropout2d(x, 1.0), double(2, 3, 4, 4))
    compare_with_torch(lambda lib, x: lib.nn.functional.dropout1d(x, 1.0), double(3, 4))


def test_channel_dropout_errors_like_torch():
    compare_with_torch(lambda lib, x: lib.nn.functional.dropout1d(x, 0.5), double(2, 3, 4, 4),
                       raises=RuntimeError, match="dropout1d: Expected 2D or 3D input")
    compare_with_torch(lambda lib, x: lib.nn.functional.dropout2d(x, 1.5), double(2, 3, 4, 4),
                       raises=ValueError, match="dropout probability has to be between 0 and 1")
