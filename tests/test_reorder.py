"""Reordering elements and dims (gradlab/ops/reorder.py): sort, argsort, topk, flip, roll,
movedim and tile against PyTorch."""
import numpy as np
import pytest

from helpers import compare_with_torch, nonfinite_upstream

MATRIX = np.array([[3.0, 1.0, 2.0, -1.5], [0.25, 5.0, -4.0, 0.5], [7.0, -2.0, 6.0, 1.0]])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch(dim, descending):
    compare_with_torch(lambda lib, x: lib.sort(x, dim, descending=descending), MATRIX, second_order=True)
    compare_with_torch(lambda lib, x: x.sort(dim=dim, descending=descending, stable=True), MATRIX)
    compare_with_torch(lambda lib, x: lib.argsort(x, dim, descending=descending), MATRIX)


def test_sort_keeps_ties_in_order_and_puts_nan_last_or_first():
    x = np.array([2.0, np.nan, 1.0, 2.0, 1.0, np.inf, -np.inf])
    for descending in (False, True):
        compare_with_torch(lambda lib, t: t.sort(descending=descending, stable=True), x)
        compare_with_torch(lambda lib, t: t.argsort(descending=descending, stable=True), x)


def test_sort_result_reads_like_torchs():
    result = compare_with_torch(lambda lib, x: lib.sort(x), MATRIX[0])
    assert repr(result).startswith("torch.return_types.sort(\nvalues=tensor(")
    values, indices = result
    assert values is result.values and indices is result.indices


@pytest.mark.parametrize("k, dim, largest", [(1, -1, True), (2, 1, False), (3, 0, True), (0, 1, True),
                                             (4, 1, False)])
def test_topk_matches_torch(k, dim, largest):
    compare_with_torch(lambda lib, x: lib.topk(x, k, dim, largest=largest), MATRIX, second_order=True)
    compare_with_torch(lambda lib, x: x.topk(k, dim=dim, largest=largest).values.sum(), MATRIX)


def test_unpicked_elements_get_exactly_zero_even_for_a_nan_gradient():
    compare_with_torch(lambda lib, x: x.topk(2).values, MATRIX, upstream=nonfinite_upstream(np.nan))
    compare_with_torch(lambda lib, x: x.sort(0).values, MATRIX, upstream=nonfinite_upstream(np.inf))


def test_zero_dimensional_inputs():
    compare_with_torch(lambda lib, x: lib.sort(x), np.array(1.5))
    compare_with_torch(lambda lib, x: lib.topk(x, 1), np.array(1.5))
    compare_with_torch(lambda lib, x: lib.argsort(x), np.array(1.5))
    compare_with_torch(lambda lib, x: lib.flip(x, (0,)), np.array(1.5))
    compare_with_torch(lambda lib, x: lib.roll(x, 1), np.array(1.5))


@pytest.mark.parametrize("code", ["torch.flip(x, (0,))", "torch.flip(x, [0, 1])", "x.flip(1)",
                                  "x.flip(0, 1)", "x.flip(-1)", "torch.roll(x, 1)", "x.roll(-5)",
                                  "torch.roll(x, (1, 2), (0, 1))", "x.roll(1, 0)", "x.roll(2, dims=-1)",
                                  "torch.movedim(x, 0, 1)", "torch.moveaxis(x, 1, 0)",
                                  "x.movedim((0, 1), (1, 0))", "torch.tile(x, (2,))", "x.tile(2, 1)",
                                  "x.tile((1, 2, 2))"])
def test_flip_roll_movedim_tile_match_torch(code):
    compare_with_torch(lambda lib, x: eval(code, {"torch": lib, "x": x}), MATRIX, second_order=True)


def test_movedim_of_three_dims():
    x = np.arange(24.0).reshape(2, 3, 4)
    compare_with_torch(lambda lib, t: lib.movedim(t, (0, 1), (2, 0)), x)
    compare_with_torch(lambda lib, t: t.movedim(-1, 0), x)


@pytest.mark.parametrize("code, error", [
    ("x.topk(5)", RuntimeError), ("x.topk(-1)", RuntimeError), ("x.flip()", TypeError),
    ("torch.flip(x, 0)", TypeError), ("torch.flip(x, (0, 0))", RuntimeError),
    ("torch.roll(x, (1, 2), 0)", RuntimeError), ("torch.roll(x, (1, 2))", RuntimeError),
    ("x.sort(2)", IndexError), ("x.argsort(dim=(0, 1))", TypeError),
    ("torch.movedim(x, (0, 1), (0,))", RuntimeError), ("torch.movedim(x, (0, 1), 0)", TypeError),
    ("torch.movedim(x, (0, 0), (0, 1))", RuntimeError),
])
def test_errors_match_torch(code, error):
    compare_with_torch(lambda lib, x: eval(code, {"torch": lib, "x": x}), MATRIX, raises=error,
                       reworded=True)
