"""smooth_l1_loss and huber_loss (gradlab/ops/huber_loss.py): values, gradients of input and
target, second order, graphs (also of the gradient), reductions, broadcasting, NaN/inf
upstream gradients and PyTorch's errors."""
import numpy as np
import pytest

import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, leaf, nonfinite_upstream

REDUCTIONS = ["mean", "sum", "none"]
LOSSES = {
    "smooth_l1": lambda lib, r: lambda x, y: lib.nn.functional.smooth_l1_loss(x, y, reduction=r),
    "smooth_l1 beta": lambda lib, r: lambda x, y: lib.nn.functional.smooth_l1_loss(
        x, y, reduction=r, beta=0.4),
    "smooth_l1 beta 0": lambda lib, r: lambda x, y: lib.nn.functional.smooth_l1_loss(
        x, y, reduction=r, beta=0.0),
    "huber": lambda lib, r: lambda x, y: lib.nn.functional.huber_loss(x, y, reduction=r),
    "huber delta": lambda lib, r: lambda x, y: lib.nn.functional.huber_loss(x, y, r, delta=2.5),
}


def _pair():
    return double(4, 5, seed=1) * 3, double(4, 5, seed=2)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch_with_second_order(name, reduction):
    compare_with_torch(lambda lib, x, y: LOSSES[name](lib, reduction)(x, y), *_pair(),
                       second_order=True)
    compare_with_torch(lambda lib, x, y: LOSSES[name](lib, reduction)(x, y),
                       *(a.astype(np.float32) for a in _pair()))


@pytest.mark.parametrize("name", ["smooth_l1", "huber delta"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant"])
def test_double_backward_graph_matches_torch(name, reduction, upstream_requires_grad):
    def gradients(lib, x, y):
        out = LOSSES[name](lib, reduction)(x, y)
        upstream = lib.ones_like(out, requires_grad=upstream_requires_grad)
        return lib.autograd.grad(out, (x, y), upstream, create_graph=True)

    compare_with_torch(gradients, *_pair())


@pytest.mark.parametrize("name", LOSSES)
def test_broadcast_target_warns_like_torch(name):
    with pytest.warns(UserWarning, match="Using a target size"):
        compare_with_torch(lambda lib, x, y: LOSSES[name](lib, "mean")(x, y), double(4, 5),
                           double(1, 5))


@pytest.mark.parametrize("name", ["smooth_l1", "huber"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nonfinite_upstream_gradient_matches_torch(name, reduction, value):
    x, y = _pair()
    x[0, 0] = y[0, 0]  # a zero difference: inf · 0 in the gradient
    for everywhere in (False, True):
        compare_with_torch(lambda lib, a, b: LOSSES[name](lib, reduction)(a, b), x, y,
                           upstream=nonfinite_upstream(value, everywhere))


def test_gradcheck_and_gradgradcheck():
    x, y = (leaf(a) for a in _pair())
    for function in (lambda a, b: F.smooth_l1_loss(a, b, beta=0.7),
                     lambda a, b: F.huber_loss(a, b, reduction="sum", delta=0.5)):
        assert gradcheck(function, (x, y))
        assert gradgradcheck(function, (x, y))


def test_huber_weight_like_torch():
    weight = np.abs(double(4, 5, seed=5))
    for reduction in REDUCTIONS:
        compare_with_torch(lambda lib, x, y, w: lib.nn.functional.huber_loss(
            x, y, reduction=reduction, weight=w), *_pair(), weight, requires_grad=[True, True, False])


@pytest.mark.parametrize("call, error, message", [
    ("smooth_l1_loss(x, y, beta=-1.0)", RuntimeError, "does not support negative values for beta"),
    ("huber_loss(x, y, delta=0.0)", RuntimeError, "does not support non-positive values for delta"),
    ("huber_loss(x, y, reduction='average')", ValueError, "average is not a valid value"),
])
def test_errors_match_torch(call, error, message):
    compare_with_torch(lambda lib, x, y: eval("lib.nn.functional." + call), *_pair(),
                       raises=error, match=message)
