"""Smooth activations (gradlab/ops/smooth_activation.py): silu, mish, softplus, logsigmoid,
elu, selu, celu — values, gradients, second derivatives, grad_fn graphs (also of the
gradient, create_graph) and NaN/inf upstream gradients against PyTorch; finite differences."""
import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, gradient_of, leaf, nonfinite_upstream

ACTIVATIONS = {
    "silu": lambda lib, x: lib.nn.functional.silu(x),
    "mish": lambda lib, x: lib.nn.functional.mish(x),
    "softplus": lambda lib, x: lib.nn.functional.softplus(x),
    "softplus beta threshold": lambda lib, x: lib.nn.functional.softplus(x, 2.0, 1.5),
    "logsigmoid": lambda lib, x: lib.nn.functional.logsigmoid(x),
    "elu": lambda lib, x: lib.nn.functional.elu(x),
    "elu alpha": lambda lib, x: lib.nn.functional.elu(x, 0.3),
    "selu": lambda lib, x: lib.nn.functional.selu(x),
    "celu": lambda lib, x: lib.nn.functional.celu(x, 2.0),
}
INPLACE = {
    "silu": lambda lib, x: lib.nn.functional.silu(x * 1, inplace=True),
    "mish": lambda lib, x: lib.nn.functional.mish(x * 1, inplace=True),
    "elu": lambda lib, x: lib.nn.functional.elu(x * 1, 0.5, inplace=True),
    "selu": lambda lib, x: lib.nn.functional.selu(x * 1, inplace=True),
    "celu": lambda lib, x: lib.nn.functional.celu(x * 1, 1.5, inplace=True),
}


def _wide(seed=0):
    """Values of both signs, large ones (softplus's threshold) and exact zeros."""
    return np.concatenate([double(12, seed=seed) * 3, [0.0, -25.0, 25.0, 12.0]]).reshape(4, 4)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_matches_torch_with_second_derivatives(name):
    compare_with_torch(ACTIVATIONS[name], _wide(), second_order=True, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_float32_matches_torch(name):
    compare_with_torch(ACTIVATIONS[name], (_wide() * 2).astype(np.float32))


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant"])
def test_double_backward_graph_matches_torch(name, upstream_requires_grad):
    compare_with_torch(gradient_of(ACTIVATIONS[name], upstream_requires_grad), double(3, 4))


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_matches_torch(name):
    def function(lib, x):
        y = x * 2
        out = INPLACE[name](lib, y)
        return out

    compare_with_torch(function, double(3, 4), second_order=True)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gradcheck_and_gradgradcheck(name):
    function = ACTIVATIONS[name]
    x = leaf(double(3, 4) * 2)
    assert gradcheck(lambda t: function(gradlab, t), (x,))
    assert gradgradcheck(lambda t: function(gradlab, t), (x,))


NONFINITE = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("value", NONFINITE.values(), ids=NONFINITE.keys())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf - inf, inf · 0: as PyTorch
def test_nonfinite_input_and_upstream_gradient_match_torch(name, value):
    array = np.concatenate([double(9), [0.0, np.nan, np.inf, -np.inf]]).reshape(13, 1) * [1.0, -1.0]
    for everywhere in (False, True):
        compare_with_torch(ACTIVATIONS[name], array, upstream=nonfinite_upstream(value, everywhere))
    compare_with_torch(ACTIVATIONS[name], array)


def test_graph_names():
    x = leaf(double(3))
    assert F.silu(x).grad_fn.name() == "SiluBackward0"
    assert F.selu(x).grad_fn.name() == "EluBackward0"
    assert F.celu(x).grad_fn.name() == "CeluBackward0"
    assert F.elu(x * 1, inplace=True).grad_fn.name() == "EluBackward1"
    (grad,) = gradlab.autograd.grad(F.softplus(x).sum(), x, create_graph=True)
    assert grad.grad_fn.name() == "SoftplusBackwardBackward0"


@pytest.mark.parametrize("name, kernel", [("silu", "silu_cpu"), ("mish", "mish_cpu"),
                                          ("softplus", "softplus_cpu"),
                                          ("logsigmoid", "log_sigmoid_cpu"), ("elu", "elu_cpu"),
                                          ("selu", "elu_cpu"), ("celu", "elu_cpu")])
def test_integers_are_refused_like_torch(name, kernel):
    compare_with_torch(lambda lib, x: getattr(lib.nn.functional, name)(x), np.array([1, -2]),
                       raises=NotImplementedError, match=kernel)


def test_inplace_elu_with_negative_alpha_refuses_backward_like_torch():
    def function(lib, x):
        out = lib.nn.functional.elu(x * 1, alpha=-1.0, inplace=True)
        out.sum().backward()

    compare_with_torch(function, double(3), raises=RuntimeError,
                       match="In-place elu backward calculation is triggered with a negative slope")


def test_inplace_on_a_leaf_is_refused_like_torch():
    compare_with_torch(lambda lib, x: lib.nn.functional.silu(x, inplace=True), double(3),
                       raises=RuntimeError, match="a leaf Variable that requires grad")
