"""t_, transpose_, squeeze_, unsqueeze_ (gradlab/ops/inplace_views.py) against PyTorch."""
import numpy as np
import pytest
from helpers import compare_with_torch, double

import gradlab

_CASES = [
    (lambda t: t.t_(), (2, 3)),
    (lambda t: t.t_(), (3,)),
    (lambda t: t.transpose_(0, -1), (2, 3, 4)),
    (lambda t: t.squeeze_(), (2, 1, 3, 1)),
    (lambda t: t.squeeze_(1), (2, 1, 3)),
    (lambda t: t.squeeze_((1, 3)), (2, 1, 3, 1)),
    (lambda t: t.unsqueeze_(1), (2, 3)),
    (lambda t: t.unsqueeze_(-1), (2, 3)),
]


@pytest.mark.parametrize("change, shape", _CASES)
def test_on_a_result_of_the_graph(change, shape):
    def function(lib, a):
        b = a * 2
        result = change(b)
        assert result is b and b._version == 1
        return b, b.stride(), b.is_contiguous()

    compare_with_torch(function, double(*shape), second_order=True)


@pytest.mark.parametrize("change, shape", _CASES)
def test_untracked_and_leaf(change, shape):
    compare_with_torch(lambda lib, a: (change(a), a.stride()), double(*shape), requires_grad=False)
    compare_with_torch(lambda lib, a: change(a), double(*shape), raises=RuntimeError)


def test_under_no_grad_a_leaf_keeps_requires_grad(torch):
    for lib in (gradlab, torch):
        w = lib.ones(2, 3, requires_grad=True)
        with lib.no_grad():
            w.t_()
        assert w.shape == (3, 2) and w.is_leaf and w.requires_grad


def test_on_a_view_shares_memory():
    def function(lib, a):
        b = a * 1
        v = b[0]
        v.unsqueeze_(0)
        v.mul_(10)  # still writes into b
        return b, v

    compare_with_torch(function, double(2, 3))


def test_errors():
    compare_with_torch(lambda lib, a: a.t_(), double(2, 3, 4), requires_grad=False,
                       raises=RuntimeError)
    compare_with_torch(lambda lib, a: a.transpose_(0, 3), double(2, 3), requires_grad=False,
                       raises=IndexError)
    compare_with_torch(lambda lib, a: a.unsqueeze_(3), double(2, 3), requires_grad=False,
                       raises=IndexError)


def test_squeeze_of_a_dimension_that_is_not_one_changes_nothing():
    b = gradlab.ones(2, 3, requires_grad=True) * 1
    node = b.grad_fn
    assert b.squeeze_(0) is b and b.shape == (2, 3) and b.grad_fn is node
    np.testing.assert_array_equal(b.detach().numpy(), np.ones((2, 3)))
