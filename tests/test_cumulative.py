"""Running totals (gradlab/ops/cumulative.py): cumsum and cumprod against PyTorch, including
cumprod's exact gradient where its input holds zeros."""
import numpy as np
import pytest

import gradlab
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, graph_edges, nonfinite_upstream


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("shape, dim", [((5,), 0), ((2, 4), 1), ((2, 4), 0), ((2, 3, 4), -1), ((), 0)],
                         ids=str)
def test_running_totals_match_torch(name, shape, dim, rng):
    x = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1, 1], size=shape)
    compare_with_torch(lambda lib, t: getattr(lib, name)(t, dim), x, second_order=True)
    compare_with_torch(lambda lib, t: getattr(t, name)(dim), x.astype(np.float32))


@pytest.mark.parametrize("values", [
    [2.0, 0.0, 3.0, 0.0, 4.0], [2.0, 0.0, 3.0, 1.0, 4.0], [0.0, 2.0, 3.0], [2.0, 3.0, 0.0],
    [0.0, 0.0, 0.0], [0.0],
], ids=str)
def test_cumprod_gradient_with_zeros_matches_torch(values):
    x = np.array(values)
    compare_with_torch(lambda lib, t: lib.cumprod(t, 0), x, second_order=True)
    rows = np.stack([x, x[::-1], x + 1])
    compare_with_torch(lambda lib, t: t.cumprod(1), rows, second_order=True)
    compare_with_torch(lambda lib, t: t.cumprod(0), rows.T.copy())


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_nonfinite_upstream_stays_where_torch_keeps_it(name):
    x = np.array([[0.5, 2.0, 0.0, 1.5], [1.0, -1.0, 2.0, 0.5]])
    for value in (np.nan, np.inf):
        compare_with_torch(lambda lib, t: getattr(lib, name)(t, 1), x, upstream=nonfinite_upstream(value))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_integers_and_bools_run_in_int64_and_dtype_casts_first(name):
    compare_with_torch(lambda lib, t: getattr(lib, name)(t, 0), np.array([1, 2, 3], dtype=np.int32))
    compare_with_torch(lambda lib, t: getattr(lib, name)(t, 0), np.array([True, True, False]))
    compare_with_torch(lambda lib, t: getattr(lib, name)(t, 0, dtype=lib.float64),
                       np.array([1.0, 2.0, 3.0], dtype=np.float32))
    compare_with_torch(lambda lib, t: getattr(t, name)(0, dtype=lib.float32), np.array([1, 2, 3]))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_axis_is_accepted_for_dim(name):
    compare_with_torch(lambda lib, t: getattr(lib, name)(t, axis=1), np.ones((2, 3)) * 1.5)
    compare_with_torch(lambda lib, t: getattr(t, name)(axis=0), np.ones((2, 3)) * 1.5)


@pytest.mark.parametrize("code, error", [
    ("torch.cumsum(x)", TypeError), ("x.cumprod()", TypeError), ("x.cumsum(2)", IndexError),
    ("x.cumsum(dim=0, axis=0)", TypeError),
])
def test_errors_match_torch(code, error):
    compare_with_torch(lambda lib, x: eval(code, {"torch": lib, "x": x}), np.ones((2, 3)),
                       raises=error, reworded=True)


def test_a_graph_through_cumsum_and_cumprod_matches_torch():
    def graph(lib, x):
        return (x.cumsum(0) * x.cumprod(0)).sum()

    result = compare_with_torch(graph, np.array([1.5, 0.5, 2.0]), second_order=True)
    assert graph_edges(result.grad_fn)[0] == "SumBackward0"


def test_gradcheck_and_gradgradcheck():
    x = gradlab.tensor(np.array([[1.5, 0.0, -0.5], [0.7, 1.2, 0.0]]), requires_grad=True)
    for name in ("cumsum", "cumprod"):
        assert gradcheck(lambda t: getattr(t, name)(1), (x,))
        assert gradgradcheck(lambda t: getattr(t, name)(1), (x,))
