"""Selecting and scattering by a mask (gradlab/ops/masking.py): masked_select, masked_scatter,
and the double backward of masked_fill with a tensor value that goes through them."""
import numpy as np
import pytest

import gradlab
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, graph_edges, leaf, nonfinite_upstream

MASK = np.array([True, False, True])


@pytest.mark.parametrize("shape, mask", [
    ((2, 3), MASK),                      # the mask broadcasts over rows
    ((3,), MASK),
    ((2, 1, 3), MASK.reshape(3, 1)),     # both broadcast: the input's gradient is summed back
    ((), np.array(True)),
    ((2, 3), np.zeros((2, 3), dtype=bool)),  # nothing selected: an empty result
])
def test_masked_select_matches_torch(shape, mask):
    out = compare_with_torch(lambda lib, x: x.masked_select(lib.tensor(mask)), double(*shape),
                             second_order=True)
    assert out.ndim == 1
    compare_with_torch(lambda lib, x: lib.masked_select(x, lib.tensor(mask)), double(*shape))


def test_masked_select_keeps_nan_gradients_where_they_belong():
    compare_with_torch(lambda lib, x: x.masked_select(lib.tensor(MASK)), double(2, 3),
                       upstream=nonfinite_upstream(float("nan")))


def test_masked_select_graph_and_its_gradient_graph(torch):
    for lib in (torch, gradlab):
        x = lib.tensor(double(2, 3), requires_grad=True)
        y = x.masked_select(lib.tensor(MASK))
        assert graph_edges(y.grad_fn) == ("MaskedSelectBackward0", ((("AccumulateGrad", ()), 0),))
        (g,) = lib.autograd.grad((y ** 2).sum(), x, create_graph=True)
        assert type(g.grad_fn).__name__ == "MaskedScatterBackward0"
        assert g.grad_fn.next_functions[0] == (None, 0)


@pytest.mark.parametrize("source_shape", [(5,), (2, 3), (4,)])
def test_masked_scatter_matches_torch(source_shape):
    compare_with_torch(lambda lib, x, s: x.masked_scatter(lib.tensor(MASK), s), double(2, 3),
                       double(*source_shape), second_order=True)


def test_masked_fill_with_a_tensor_value_differentiates_twice_as_torch(torch):
    compare_with_torch(lambda lib, x, v: x.masked_fill(lib.tensor(MASK), v), double(2, 3), double(),
                       second_order=True)
    for lib in (torch, gradlab):
        v = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        x = lib.tensor(double(3), requires_grad=True)
        (g,) = lib.autograd.grad((x.masked_fill(lib.tensor(MASK), v) ** 2).sum(), v, create_graph=True)
        assert graph_edges(g.grad_fn)[0] == "SumBackward0"
        assert graph_edges(g.grad_fn)[1][0][0][0] == "MaskedSelectBackward0"


def test_gradcheck():
    mask = gradlab.tensor(MASK)
    assert gradcheck(lambda t: t.masked_select(mask), (leaf(double(2, 3)),))
    assert gradgradcheck(lambda t: t.masked_select(mask), (leaf(double(2, 3)),))
    assert gradcheck(lambda t, s: t.masked_scatter(mask, s), (leaf(double(2, 3)), leaf(double(5))))


@pytest.mark.parametrize("call", [
    lambda lib, x: x.masked_select(lib.tensor([1, 0, 1])),
    lambda lib, x: x.masked_select(lib.ones(4, dtype=lib.bool)),
    lambda lib, x: x.masked_scatter(lib.tensor(MASK), lib.zeros(1, dtype=lib.float64)),
    lambda lib, x: x.masked_scatter(lib.tensor(MASK), lib.zeros(5, dtype=lib.float32)),
    lambda lib, x: x.masked_scatter(lib.tensor(MASK).int(), lib.zeros(5, dtype=lib.float64)),
    lambda lib, x: lib.masked_select(x, 1),
], ids=["int-mask", "shapes", "short-source", "dtypes", "scatter-int-mask", "not-a-tensor"])
def test_errors_match_torch(call):
    compare_with_torch(call, double(2, 3), raises=Exception)
