"""``out=`` (gradlab/ops/out.py): results written into a tensor the caller gives, as PyTorch does."""
import warnings

import numpy as np
import pytest

import gradlab
from helpers import compare_with_torch

A = np.arange(6.0).reshape(2, 3) / 2
B = np.ones((2, 3)) * 1.5

CALLS = [
    "torch.add(a, b, out=o)", "torch.add(a, 2, alpha=3, out=o)", "torch.sub(a, b, out=o)",
    "torch.mul(a, b, out=o)", "torch.div(a, b, out=o)", "torch.div(a, b, rounding_mode='floor', out=o)",
    "torch.exp(a, out=o)", "torch.log(b, out=o)", "torch.matmul(a, b.t(), out=o)",
    "torch.mm(a, b.t(), out=o)", "torch.bmm(a[None], b.t()[None], out=o)", "torch.sum(a, 1, out=o)",
    "torch.mean(a, 0, keepdim=True, out=o)", "torch.cat([a, b], out=o)", "torch.stack([a, b], 1, out=o)",
    "torch.cumsum(a, 1, out=o)", "torch.cumprod(a, 0, out=o)",
]


@pytest.mark.parametrize("code", CALLS)
@pytest.mark.parametrize("empty", [True, False], ids=["empty", "of the result's shape"])
def test_out_takes_the_result_and_is_returned(code, empty):
    def call(lib, a, b):
        shape = (0,) if empty else eval(code.replace(", out=o", ""), {"torch": lib, "a": a, "b": b}).shape
        o = lib.zeros(shape, dtype=a.dtype)
        result = eval(code, {"torch": lib, "a": a, "b": b, "o": o})
        assert result is o
        return o

    compare_with_torch(call, A, B, requires_grad=False)


def test_out_of_another_dtype_takes_a_cast_result():
    def call(lib, a, b):
        o = lib.empty(0, dtype=lib.float64)
        lib.add(a, b, out=o)
        n = lib.empty(0)
        lib.add(a.long(), b.long(), out=n)  # an int result fits a float out
        return o, n

    compare_with_torch(call, A.astype(np.float32), B.astype(np.float32), requires_grad=False)


def test_a_non_empty_out_of_the_wrong_shape_is_resized_with_torchs_warning():
    o = gradlab.zeros(5)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        gradlab.add(gradlab.tensor(A), 1, out=o)
    assert o.shape == (2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradlab.add(gradlab.tensor(A), 1, out=gradlab.empty(0))  # an empty out: no warning


def test_writing_into_out_bumps_its_version_and_shows_through_views():
    o = gradlab.zeros(2, 3)
    row = o[0]
    gradlab.mul(gradlab.tensor(A), 2, out=o)
    assert o._version == 1 and row.tolist() == (A[0] * 2).tolist()


@pytest.mark.parametrize("code", ["torch.add(a, b, out=o)", "torch.exp(a, out=o)",
                                  "torch.mm(a, b.t(), out=o)", "torch.sum(a, 0, out=o)",
                                  "torch.cat([a, b], out=o)"])
def test_out_refuses_arguments_that_require_grad(code):
    error = compare_with_torch(lambda lib, a, b: eval(code, {"torch": lib, "a": a, "b": b,
                                                             "o": lib.empty(0)}),
                               A, B, requires_grad=[True, False], raises=RuntimeError)
    assert "out=... arguments don't support automatic differentiation" in str(error)


def test_out_that_requires_grad_is_refused_and_no_grad_allows_it():
    compare_with_torch(lambda lib, a: lib.exp(a, out=lib.zeros(2, 3, requires_grad=True)), A,
                       requires_grad=False, raises=RuntimeError)

    def under_no_grad(lib, a):
        with lib.no_grad():
            return lib.exp(a, out=lib.empty(0))

    compare_with_torch(under_no_grad, A)


def test_matrix_products_need_an_out_of_the_results_dtype():
    for code in ("torch.mm(a, b.t(), out=torch.empty(0, dtype=torch.float64))",
                 "torch.matmul(a, b.t(), out=torch.empty(0, dtype=torch.float64))"):
        compare_with_torch(lambda lib, a, b: eval(code, {"torch": lib, "a": a, "b": b}),
                           A.astype(np.float32), B.astype(np.float32), requires_grad=False,
                           raises=RuntimeError)


def test_a_float_result_cannot_go_into_an_int_out():
    for code in ("torch.add(a, b, out=torch.empty(0, dtype=torch.long))",
                 "torch.exp(a, out=torch.empty(0, dtype=torch.long))",
                 "torch.div(a.long(), b.long(), out=torch.empty(0, dtype=torch.long))"):
        compare_with_torch(lambda lib, a, b: eval(code, {"torch": lib, "a": a, "b": b}), A, B,
                           requires_grad=False, raises=RuntimeError)
