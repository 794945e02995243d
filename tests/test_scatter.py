"""index_add, scatter, scatter_add, masked_fill_ (out of place and in place) and take
(gradlab/ops/scatter.py) against PyTorch: values, grad_fn graphs, gradients, errors."""
import numpy as np
import pytest
from helpers import compare_with_torch, double, nonfinite_upstream


def _index(lib, values):
    return lib.tensor(values)


@pytest.mark.parametrize("alpha", [1, 2.5])
def test_index_add(alpha):
    compare_with_torch(lambda lib, a, s: a.index_add(0, _index(lib, [2, 0, 2]), s, alpha=alpha),
                       double(3, 4), double(3, 4, seed=1), second_order=True)
    compare_with_torch(lambda lib, a, s: lib.index_add(a, -1, _index(lib, [1, 1]), s, alpha=alpha),
                       double(3, 4), double(3, 2, seed=1), second_order=True)
    compare_with_torch(lambda lib, a, s: (a * 1).index_add_(1, _index(lib, [3, 0]), s, alpha=alpha),
                       double(2, 4), double(2, 2, seed=1), second_order=True,
                       upstream=nonfinite_upstream(np.nan))


def test_index_add_untracked():
    compare_with_torch(lambda lib, a, s: a.index_add_(0, _index(lib, [0, 0]), s),
                       np.arange(6).reshape(3, 2), np.ones((2, 2), np.int64))


@pytest.mark.parametrize("index, source, error", [
    ([0, 5], (2, 4), RuntimeError),
    ([0, -1], (2, 4), RuntimeError),
    ([0, 1], (3, 4), RuntimeError),
    ([[0, 1]], (2, 4), IndexError),
    ([0.0, 1.0], (2, 4), RuntimeError),
    ([0, 1], (2, 3), RuntimeError),
])
def test_index_add_errors(index, source, error):
    compare_with_torch(lambda lib, a, s: a.index_add(0, _index(lib, index), s), double(3, 4),
                       double(*source), raises=error)
    compare_with_torch(lambda lib, a, s: a.index_add(0, _index(lib, [0]), s), double(3, 4),
                       double(1, 4).astype(np.float32), raises=RuntimeError)


def test_src_larger_than_index_fails_in_backward_as_in_pytorch():
    """PyTorch's gradient for ``src`` has ``index``'s shape, which its engine then refuses;
    gradlab says the same."""
    compare_with_torch(lambda lib, a, s: lib.autograd.grad(
        a.scatter(0, _index(lib, [[1, 0, 2, 1]]), s).sum(), s), double(3, 4), double(2, 4),
        raises=RuntimeError)


def test_scatter_with_a_tensor_and_a_number():
    index = [[0, 2, 1], [2, 0, 0]]
    compare_with_torch(lambda lib, a, s: a.scatter(1, _index(lib, index), s), double(2, 4),
                       double(2, 3, seed=1), second_order=True)
    compare_with_torch(lambda lib, a, s: (a * 1).scatter_(0, _index(lib, [[1, 0, 2, 1]]), s),
                       double(3, 4), double(1, 4, seed=1), second_order=True,
                       upstream=nonfinite_upstream(np.inf))
    compare_with_torch(lambda lib, a: a.scatter(1, _index(lib, index), -2.5), double(2, 4),
                       second_order=True)
    compare_with_torch(lambda lib, a: (a * 1).scatter_(1, _index(lib, index), value=1.5),
                       double(2, 4))
    compare_with_torch(lambda lib, a: lib.scatter(a, 0, _index(lib, 0), lib.tensor(5.0, dtype=lib.float64)),
                       np.float64(1.0))


def test_scatter_add():
    index = [[0, 2, 0], [1, 1, 1]]
    compare_with_torch(lambda lib, a, s: a.scatter_add(1, _index(lib, index), s), double(2, 3),
                       double(2, 3, seed=1), second_order=True)
    compare_with_torch(lambda lib, a, s: (a * 1).scatter_add_(1, _index(lib, index), s),
                       double(2, 3), double(2, 3, seed=1), second_order=True)
    compare_with_torch(lambda lib, a, s: lib.scatter_add(a, 0, _index(lib, [[1, 1, 0]]), s),
                       np.zeros((2, 3), np.int64), np.ones((1, 3), np.int64))


@pytest.mark.parametrize("index, src, error", [
    ([[0, 5]], (2, 4), RuntimeError),
    ([[0, -1]], (2, 4), RuntimeError),
    ([0, 1], (2, 4), RuntimeError),
    ([[0, 1, 2, 0, 1]], (2, 4), RuntimeError),
    ([[0.0, 1.0]], (2, 4), RuntimeError),
])
def test_scatter_errors(index, src, error):
    for name in ("scatter", "scatter_add"):
        compare_with_torch(lambda lib, a, s: getattr(a, name)(0, _index(lib, index), s),
                           double(3, 4), double(*src), raises=error)
    compare_with_torch(lambda lib, a, s: a.scatter(0, _index(lib, [[0]]), s), double(3, 4),
                       double(2, 4).astype(np.float32), raises=RuntimeError)
    compare_with_torch(lambda lib, a: a.scatter(0, _index(lib, [[0, -1]]), 2.0), double(3, 4),
                       raises=RuntimeError)


def test_zero_dim_index_and_src_read_as_one_element():
    """A 0-d tensor counts as 1-d of size 1: PyTorch's data-loading tutorial makes a one-hot
    label with ``torch.zeros(10).scatter_(0, torch.tensor(y), value=1)``."""
    compare_with_torch(lambda lib: lib.zeros(10).scatter_(0, _index(lib, 3), value=1))
    compare_with_torch(lambda lib: lib.zeros(4, dtype=lib.long).scatter_(0, _index(lib, 3), value=1))
    compare_with_torch(lambda lib, a: a.scatter(0, _index(lib, 3), -2.5), double(5), second_order=True)
    compare_with_torch(lambda lib, a, s: a.scatter(0, _index(lib, 1), s), double(5), np.float64(2.0),
                       second_order=True)
    compare_with_torch(lambda lib, a, s: a.scatter(0, _index(lib, [1]), s), double(5), np.float64(2.0),
                       second_order=True)
    compare_with_torch(lambda lib, a, s: a.scatter(0, _index(lib, [0]), s), np.float64(1.0), double(1),
                       second_order=True)
    compare_with_torch(lambda lib, a: a.scatter(-1, _index(lib, 0), 3.0), np.float64(1.0))
    compare_with_torch(lambda lib, a, s: a.scatter(0, _index(lib, 2), s), double(5), double(3),
                       requires_grad=[True, False])
    for name in ("scatter_add", "scatter_add_"):
        compare_with_torch(lambda lib, a, s: getattr(a * 1, name)(0, _index(lib, 3), s), double(5),
                           np.float64(2.0), second_order=True)
    compare_with_torch(lambda lib, a, s: a.scatter_add(0, _index(lib, [1]), s), double(3),
                       np.float64(2.0), second_order=True)
    compare_with_torch(lambda lib, a: a.scatter(0, _index(lib, np.zeros((0, 1, 1), np.int64)), 1.0),
                       double(2, 3))


@pytest.mark.parametrize("input, index, src", [
    ((2, 3), 1, None), ((2, 3), 1, (1, 2)), ((5,), [[3]], None), ((5,), 7, None), ((5,), -1, None),
    ((5,), 1, (2, 2)), ((5,), [1], (2, 2)), ((5,), 1, (0,)), ((5,), [3, 4], ()), ((3, 2), [[1]], (2,)),
])
def test_zero_dim_errors(input, index, src):
    inputs = (double(*input),) + (() if src is None else (double(*src),))
    for name in ("scatter",) + (() if src is None else ("scatter_add",)):
        compare_with_torch(lambda lib, a, *s: getattr(a, name)(0, _index(lib, index), *(s or (1.0,))),
                           *inputs, raises=Exception)


def test_masked_fill_in_place():
    mask = np.array([True, False, True])
    compare_with_torch(lambda lib, a: (a * 1).masked_fill_(lib.tensor(mask), 0.5), double(2, 3),
                       second_order=True, upstream=nonfinite_upstream(np.nan))
    compare_with_torch(lambda lib, a, v: (a * 1).masked_fill_(lib.tensor(mask), v), double(2, 3),
                       np.float64(2.0), second_order=True)
    compare_with_torch(lambda lib, a: a.masked_fill_(lib.tensor(mask), 7), np.arange(6).reshape(2, 3))
    compare_with_torch(lambda lib, a: a.masked_fill_(lib.tensor(mask), 0.5), double(2, 3),
                       raises=RuntimeError)  # a leaf that requires grad
    compare_with_torch(lambda lib, a: a.masked_fill_(lib.zeros(3), 0.5), double(3),
                       requires_grad=False, raises=RuntimeError)
    compare_with_torch(lambda lib, a: a.masked_fill_(lib.tensor(mask), lib.ones(2)), double(3),
                       requires_grad=False, raises=RuntimeError)
    compare_with_torch(lambda lib, a: a.masked_fill_(lib.zeros(2, 3, dtype=lib.bool), 0.5),
                       double(3), requires_grad=False, raises=RuntimeError)


def test_take():
    compare_with_torch(lambda lib, a: a.take(_index(lib, [[0, 5], [-1, 5]])), double(2, 3),
                       second_order=True)
    compare_with_torch(lambda lib, a: lib.take(a.t(), _index(lib, [1, 2])), double(2, 3))
    compare_with_torch(lambda lib, a: a.take(_index(lib, [6])), double(2, 3), raises=IndexError)
    compare_with_torch(lambda lib, a: a.take(_index(lib, [1.0])), double(2, 3),
                       raises=RuntimeError)
