"""A matrix's diagonal and triangles (gradlab/ops/diagonal.py): tril, triu, diag, trace."""
import numpy as np
import pytest

from helpers import compare_with_torch, nonfinite_upstream

MATRIX = np.arange(1.0, 13.0).reshape(3, 4) / 4


@pytest.mark.parametrize("diagonal", [0, 1, -1, 3, -5])
def test_triangles_match_torch(diagonal):
    compare_with_torch(lambda lib, x: lib.tril(x, diagonal), MATRIX, second_order=True)
    compare_with_torch(lambda lib, x: x.triu(diagonal), MATRIX, second_order=True)
    batch = np.stack([MATRIX, -MATRIX])
    compare_with_torch(lambda lib, x: x.tril(diagonal=diagonal), batch)


def test_triangles_send_exact_zeros_above_and_below():
    compare_with_torch(lambda lib, x: x.tril(), MATRIX, upstream=nonfinite_upstream(np.nan, everywhere=True))
    compare_with_torch(lambda lib, x: x.triu(), MATRIX, upstream=nonfinite_upstream(np.inf, everywhere=True))


@pytest.mark.parametrize("diagonal", [0, 1, -1, 2])
def test_diag_both_ways_matches_torch(diagonal):
    compare_with_torch(lambda lib, x: lib.diag(x, diagonal), MATRIX, second_order=True)
    compare_with_torch(lambda lib, v: v.diag(diagonal), np.array([1.0, -2.0, 3.0]), second_order=True)


def test_trace_matches_torch():
    compare_with_torch(lambda lib, x: lib.trace(x), MATRIX, second_order=True)
    compare_with_torch(lambda lib, x: x.trace(), MATRIX.T.copy())
    compare_with_torch(lambda lib, x: lib.trace(x), np.array([[1, 2], [3, 4]]))
    compare_with_torch(lambda lib, x: (x @ x.t()).trace() + x.diag().sum(), MATRIX, second_order=True)


@pytest.mark.parametrize("code, error", [
    ("torch.tril(torch.ones(3))", RuntimeError), ("torch.ones(3).triu()", RuntimeError),
    ("torch.diag(torch.ones(2, 2, 2))", RuntimeError), ("torch.trace(torch.ones(3))", RuntimeError),
])
def test_errors_match_torch(code, error):
    compare_with_torch(lambda lib: eval(code, {"torch": lib}), raises=error)
