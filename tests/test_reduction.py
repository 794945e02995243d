"""Reductions (gradlab/ops/reduction.py): finite differences and PyTorch.

Every op is checked three ways: ``gradcheck`` in float64 (runs everywhere),
then against real PyTorch when it is installed (the ``torch`` fixture skips
otherwise): values, dtype, input gradients for a random upstream gradient,
the grad_fn name and the ``next_functions`` layout.
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradlab
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, gradient_of, graph_edges, nonfinite_upstream


# ------------------------------------------------------------------ helpers
def _input(array, requires_grad=True):
    return gradlab.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


RNG = np.random.default_rng(0)
MATRIX = RNG.standard_normal((3, 4))
CUBE = RNG.standard_normal((2, 3, 4))
VECTOR = RNG.standard_normal(5)
SCALAR = np.array(1.7)
TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
ZEROS = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])


# ---------------------------------------------------------------- gradcheck
REDUCTIONS = {
    "sum": lambda t, x: x.sum(),
    "sum dim": lambda t, x: x.sum(1),
    "sum -1 keepdim": lambda t, x: x.sum(-1, keepdim=True),
    "sum dims": lambda t, x: t.sum(x, (0, -1)),
    "sum None keepdim": lambda t, x: x.sum(None, True),
    "sum ()": lambda t, x: x.sum(()),
    "mean": lambda t, x: x.mean(),
    "mean dim": lambda t, x: x.mean(0),
    "mean -1 keepdim": lambda t, x: t.mean(x, -1, keepdim=True),
    "mean dims": lambda t, x: x.mean((0, 1)),
    "max": lambda t, x: x.max(),
    "max dim": lambda t, x: x.max(1),
    "max -1 keepdim": lambda t, x: t.max(x, -1, keepdim=True),
    "min": lambda t, x: t.min(x),
    "min dim": lambda t, x: x.min(0),
    "min -1 keepdim": lambda t, x: x.min(dim=-1, keepdim=True),
    "amax": lambda t, x: x.amax(),
    "amax dim": lambda t, x: x.amax(1),
    "amax dims keepdim": lambda t, x: t.amax(x, (0, -1), keepdim=True),
    "amin": lambda t, x: x.amin(),
    "amin -1": lambda t, x: t.amin(x, -1),
    "prod": lambda t, x: x.prod(),
    "prod dim": lambda t, x: x.prod(1),
    "prod -1 keepdim": lambda t, x: t.prod(x, -1, keepdim=True),
    "norm": lambda t, x: x.norm(),
    "norm 1": lambda t, x: x.norm(1),
    "norm 3 dim": lambda t, x: x.norm(3, dim=-1),
    "norm 1.5": lambda t, x: t.norm(x, 1.5),
    "norm 0.5 keepdim": lambda t, x: x.norm(0.5, dim=0, keepdim=True),
    "norm -1": lambda t, x: x.norm(-1),
    "norm inf dim": lambda t, x: x.norm(float("inf"), dim=-1),
    "norm -inf": lambda t, x: x.norm(-math.inf),
    "norm fro dims": lambda t, x: t.norm(x, "fro", dim=(0, -1), keepdim=True),
    "var": lambda t, x: x.var(),
    "var dim": lambda t, x: x.var(-1),
    "var biased keepdim": lambda t, x: x.var(0, unbiased=False, keepdim=True),
    "var correction": lambda t, x: t.var(x, dim=(0, -1), correction=0),
    "std": lambda t, x: x.std(),
    "std dim keepdim": lambda t, x: x.std(-1, keepdim=True),
    "std False": lambda t, x: t.std(x, False),
    "logsumexp": lambda t, x: x.logsumexp(-1),
    "logsumexp dims keepdim": lambda t, x: t.logsumexp(x, (0, -1), keepdim=True),
    "softmax": lambda t, x: x.softmax(-1),
    "softmax 0": lambda t, x: t.softmax(x, 0),
    "log_softmax": lambda t, x: x.log_softmax(-1),
    "log_softmax 0": lambda t, x: t.log_softmax(x, dim=0),
}


def _first(result):
    return result[0] if isinstance(result, tuple) else result


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("array", [MATRIX, CUBE], ids=["2d", "3d"])
def test_gradcheck(name, array):
    function = REDUCTIONS[name]
    assert gradcheck(lambda x: _first(function(gradlab, x)), (_input(array),))


@pytest.mark.parametrize("name", REDUCTIONS)
def test_matches_torch(name):
    for array in (MATRIX, CUBE, MATRIX.astype(np.float32)):
        compare_with_torch(REDUCTIONS[name], array)


@pytest.mark.parametrize("name", [
    "sum", "sum -1 keepdim", "sum ()", "mean", "mean -1 keepdim", "max", "max -1 keepdim", "min",
    "min -1 keepdim", "amax", "amin -1", "prod", "prod -1 keepdim", "norm", "norm 1", "norm 3 dim",
    "norm 1.5", "norm -1", "norm inf dim", "norm -inf", "var", "var dim", "std", "std False",
    "logsumexp", "softmax", "log_softmax", "log_softmax 0", "softmax 0",
])
def test_matches_torch_on_a_vector(name):
    compare_with_torch(REDUCTIONS[name], VECTOR)


@pytest.mark.parametrize("function", [
    lambda t, x: x.sum(0), lambda t, x: x.mean(-1), lambda t, x: x.max(0), lambda t, x: x.amax(),
    lambda t, x: x.prod(0), lambda t, x: x.norm(), lambda t, x: x.softmax(0),
    lambda t, x: x.log_softmax(-1), lambda t, x: x.logsumexp(0), lambda t, x: x.argmax(0),
])
def test_zero_dimensional_input_matches_torch(function):
    compare_with_torch(function, SCALAR)


# ---------------------------------------------------------------- dtypes
@pytest.mark.parametrize("function", [
    lambda t, x: x.sum(), lambda t, x: x.sum(0), lambda t, x: x.prod(), lambda t, x: x.prod(1),
    lambda t, x: x.max(), lambda t, x: x.max(1), lambda t, x: x.amin(0), lambda t, x: x.argmax(),
    lambda t, x: x.argmin(1, keepdim=True), lambda t, x: x.logsumexp(1),
    lambda t, x: x.sum(dtype=t.float32), lambda t, x: x.mean(dtype=t.float64),
    lambda t, x: x.mean(1, dtype=t.float32), lambda t, x: t.softmax(x, 1, dtype=t.float64),
])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_inputs_match_torch(torch, function, dtype):
    array = np.array([[1, 0, 3], [2, 2, 1]]).astype(dtype)
    try:
        function(torch, torch.tensor(array))
    except Exception:  # e.g. argmax of bool: the error test below compares those
        return
    compare_with_torch(function, array, rtol=1e-6, atol=0)


@pytest.mark.parametrize("function", [
    lambda t, x: x.sum(dtype=t.float64), lambda t, x: x.sum(1, dtype=t.float64),
    lambda t, x: x.mean(dtype=t.float64), lambda t, x: x.prod(dtype=t.float64),
    lambda t, x: x.prod(0, dtype=t.float64), lambda t, x: x.norm(dtype=t.float64),
    lambda t, x: x.norm(3, 1, dtype=t.float64), lambda t, x: t.softmax(x, 0, dtype=t.float64),
    lambda t, x: t.log_softmax(x, 1, dtype=t.float64),
])
def test_dtype_argument_matches_torch(function):
    compare_with_torch(function, MATRIX.astype(np.float32))


def test_sum_keeps_the_input_layout_for_the_gradient():
    x = gradlab.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x.sum(dtype=gradlab.float64).backward()
    assert x.grad.dtype == gradlab.float32
    assert x.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


# ------------------------------------------------------------------ ties
def test_max_and_min_share_the_gradient_among_ties():
    x = gradlab.tensor(TIES, requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]
    y = gradlab.tensor([[2.0, 1.0], [1.0, 1.0]], requires_grad=True)
    y.min().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[0, 1 / 3], [1 / 3, 1 / 3]])


def test_max_along_a_dim_sends_the_gradient_to_the_first_tie():
    x = gradlab.tensor(TIES, requires_grad=True)
    values, indices = x.max(1)
    assert indices.tolist() == [1, 0]
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_amax_shares_the_gradient_among_ties_of_each_slice():
    x = gradlab.tensor(TIES, requires_grad=True)
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]]


@pytest.mark.parametrize("function", [
    lambda t, x: x.max(), lambda t, x: x.min(), lambda t, x: x.max(1), lambda t, x: x.min(0),
    lambda t, x: x.max(-1, keepdim=True), lambda t, x: x.amax(), lambda t, x: x.amax(1),
    lambda t, x: x.amin(0), lambda t, x: x.amin((0, 1), keepdim=True),
    lambda t, x: x.norm(float("inf")), lambda t, x: x.norm(float("inf"), dim=1),
])
@pytest.mark.parametrize("array", [TIES, -TIES, np.ones((2, 3))], ids=["ties", "negated", "ones"])
def test_ties_match_torch(function, array):
    compare_with_torch(function, array)


def test_argmax_argmin_pick_the_first_tie_and_have_no_grad():
    x = gradlab.tensor(TIES, requires_grad=True)
    assert x.argmax().item() == 1 and x.argmin().item() == 5
    index = x.argmax(1, keepdim=True)
    assert index.tolist() == [[1], [0]]
    assert index.dtype == gradlab.int64 and not index.requires_grad and index.grad_fn is None
    assert x.argmax(keepdim=True).shape == (1, 1)


def test_max_along_dim_returns_values_and_indices_like_torch(torch):
    x, y = torch.tensor(TIES, requires_grad=True), gradlab.tensor(TIES, requires_grad=True)
    theirs, mine = torch.max(x, 1), gradlab.max(y, 1)
    assert repr(mine) == repr(theirs)
    assert repr(y.min(0, keepdim=True)) == repr(x.min(0, keepdim=True))
    assert type(mine).__name__ == "max" and isinstance(mine, tuple)
    assert mine.values is mine[0] and mine.indices is mine[1]
    assert mine.indices.dtype == gradlab.int64 and not mine.indices.requires_grad
    assert mine.values.grad_fn.next_functions[0][0].variable is y


def test_results_with_names_survive_pickle_and_deepcopy():
    """``max`` names both the function and its result's class, so they are rebuilt by name."""
    import copy
    import pickle

    x = gradlab.tensor(TIES)
    for result in (x.max(1), x.min(0), x.sort(0), x.topk(1), gradlab.histogram(x, 2)):
        for again in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
            assert type(again) is type(result) and repr(again) == repr(result)


def test_max_with_a_tensor_is_the_elementwise_maximum():
    for function in (lambda t, a, b: t.max(a, b), lambda t, a, b: a.max(b),
                     lambda t, a, b: t.min(a, other=b), lambda t, a, b: a.min(b)):
        compare_with_torch(function, MATRIX, MATRIX[::-1].copy())


# ------------------------------------------------------------------ prod
@pytest.mark.parametrize("function", [
    lambda t, x: x.prod(), lambda t, x: x.prod(0), lambda t, x: x.prod(1),
    lambda t, x: x.prod(-1, keepdim=True), lambda t, x: x.prod(0, keepdim=True),
])
@pytest.mark.parametrize("array", [ZEROS, ZEROS[2:], np.array([[2.0, 0.0, 3.0]]), ZEROS.T.copy()],
                         ids=["many zeros", "no zero", "one zero", "transposed"])
def test_prod_with_zeros(function, array):
    compare_with_torch(function, array)


def test_prod_with_zeros_along_long_dims():
    array = RNG.uniform(0.5, 1.5, (3, 11))
    array[0, 4] = array[1, 0] = array[1, 10] = 0.0
    for function in (lambda t, x: x.prod(), lambda t, x: x.prod(1), lambda t, x: x.prod(0),
                     lambda t, x: x.t().prod(0, keepdim=True)):
        compare_with_torch(function, array)
    assert gradgradcheck(lambda x: x.prod(1), (_input(array[:2, :7]),))


@pytest.mark.parametrize("array", [ZEROS, np.array([2.0, 0.0, 3.0, -1.5]), np.array([0.0, 0.0, 2.0])])
def test_prod_gradcheck_with_zeros(array):
    assert gradcheck(lambda x: x.prod(), (_input(array),))
    if array.ndim == 2:
        assert gradcheck(lambda x: x.prod(0), (_input(array),))
        assert gradcheck(lambda x: x.prod(-1, keepdim=True), (_input(array),))


def test_prod_second_derivative_with_a_zero():
    assert gradgradcheck(lambda x: x.prod(), (_input([2.0, 0.0, 3.0]),))
    assert gradgradcheck(lambda x: x.prod(1), (_input([[2.0, 0.0, 3.0], [1.0, 2.0, -1.0]]),))


# ------------------------------------------------------------------ norm
def test_norm_gradient_is_zero_at_the_zero_vector():
    for p in (2, "fro", 1, 3, 1.5, float("inf")):
        compare_with_torch(lambda t, x: x.norm(p), np.zeros(3))
        compare_with_torch(lambda t, x: x.norm(p, dim=1), np.array([[0.0, 0.0], [3.0, 4.0]]))
    x = gradlab.zeros(3, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_norm_zero_counts_nonzeros_and_gives_no_gradient():
    compare_with_torch(lambda t, x: x.norm(0), np.array([-3.0, 0.0, 3.0]))
    x = gradlab.tensor([-3.0, 0.0, 3.0], requires_grad=True)
    x.norm(0).backward()
    assert x.grad is None


def test_norm_with_small_p_and_zeros():
    compare_with_torch(lambda t, x: x.norm(0.5), np.array([0.0, 1.0, 2.0]))


# -------------------------------------------------------------- var / std
def test_std_of_a_constant_has_zero_gradient():
    compare_with_torch(lambda t, x: x.std(), np.ones(3))
    compare_with_torch(lambda t, x: x.std(1), np.ones((2, 3)))


@pytest.mark.parametrize("function", [
    lambda t, x: x.var(), lambda t, x: x.var(correction=2), lambda t, x: x.var(correction=3),
    lambda t, x: x.var(0, correction=2), lambda t, x: x.var(0, correction=3),
    lambda t, x: x.std(correction=2), lambda t, x: x.var(correction=0.5),
])
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf·0 in arithmetic.py
@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")  # PyTorch's warning: tested below
def test_var_with_too_few_degrees_of_freedom_matches_torch(function):
    for array in (np.array([1.0, 2.0]), np.array([1.0])):
        compare_with_torch(function, array)


def test_var_warns_when_degrees_of_freedom_run_out():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        value = gradlab.tensor([1.0]).var()
    assert math.isnan(value.item())


def test_var_positional_unbiased_flag():
    for function in (lambda t, x: x.var(False), lambda t, x: x.std(True),
                     lambda t, x: t.var(x, 1, False), lambda t, x: x.std(1, False, True)):
        compare_with_torch(function, MATRIX)


# ------------------------------------------------------ numerical stability
def test_softmax_and_logsumexp_do_not_overflow():
    big = np.array([[1000.0, 0.0, -1000.0], [1e4, 1e4, 1e4]])
    for function in (lambda t, x: x.softmax(1), lambda t, x: x.log_softmax(1),
                     lambda t, x: x.logsumexp(1), lambda t, x: x.logsumexp((0, 1))):
        for array in (big, big.astype(np.float32)):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no NumPy overflow warning either
                compare_with_torch(function, array)
    x = gradlab.tensor([1000.0, 0.0])
    assert x.softmax(0).tolist() == [1.0, 0.0]
    assert x.log_softmax(0).tolist() == [0.0, -1000.0]
    assert x.logsumexp(0).item() == pytest.approx(1000.0 + math.log1p(math.exp(-1000.0)))


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # from arithmetic.py
def test_infinities_match_torch():
    for array in (np.array([-np.inf, 0.0]), np.array([np.inf, 1.0]), np.array([-np.inf, -np.inf])):
        for function in (lambda t, x: x.logsumexp(0), lambda t, x: x.log_softmax(0),
                         lambda t, x: x.softmax(0)):
            compare_with_torch(function, array, rtol=0, atol=0)


def test_empty_inputs_match_torch():
    for function in (lambda t, x: x.sum(), lambda t, x: x.mean(), lambda t, x: x.prod(),
                     lambda t, x: x.norm(), lambda t, x: x.logsumexp(0), lambda t, x: x.sum(0),
                     lambda t, x: x.amax(1), lambda t, x: x.max(1), lambda t, x: x.argmax(1),
                     lambda t, x: x.softmax(0), lambda t, x: x.norm(float("inf"), dim=1)):
        compare_with_torch(function, np.zeros((0, 3)))


# ------------------------------------------------------- double backward
@pytest.mark.parametrize("function", [
    lambda t, x: x.softmax(-1), lambda t, x: x.log_softmax(0), lambda t, x: x.logsumexp(1),
    lambda t, x: x.logsumexp((0, 1)), lambda t, x: x.norm(), lambda t, x: x.norm(3, dim=1),
    lambda t, x: x.norm(1.5, dim=0), lambda t, x: x.norm(float("inf"), dim=1),
    lambda t, x: x.var(1), lambda t, x: x.std(), lambda t, x: x.prod(1), lambda t, x: x.prod(),
    lambda t, x: x.mean(0) * x.sum(1, keepdim=True), lambda t, x: x.max(1)[0] * x.amin(),
])
def test_double_backward_matches_torch(torch, function):
    def second_derivative(library):
        x = library.tensor(MATRIX, requires_grad=True)
        out = function(library, x)
        upstream = library.tensor(np.random.default_rng(2).standard_normal(tuple(out.shape)))
        (grad,) = library.autograd.grad(out, x, upstream, create_graph=True)
        weights = library.tensor(np.random.default_rng(3).standard_normal(MATRIX.shape))
        (grad * weights).sum().backward()
        return grad.detach().numpy(), x.grad.numpy(force=True)  # torch: may be a ZeroTensor

    for mine, theirs in zip(second_derivative(gradlab), second_derivative(torch)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("function", [
    lambda x: x.softmax(-1), lambda x: x.log_softmax(0), lambda x: x.logsumexp(1),
    lambda x: x.norm(), lambda x: x.norm(3, dim=0), lambda x: x.var(0), lambda x: x.std(1),
    lambda x: x.mean(1), lambda x: x.sum(0) ** 2, lambda x: x.max(1)[0] ** 2,
])
def test_gradgradcheck(function):
    assert gradgradcheck(function, (_input(MATRIX[:2, :3]),))


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant upstream"])
def test_double_backward_graph_matches_torch(name, upstream_requires_grad):
    """The gradient built with create_graph has PyTorch's nodes: unsqueeze (not reshape) to put
    reduced dims back, MulBackward1 / DivBackward1 for numbers, masked_fill / scatter for max."""
    gradient = gradient_of(lambda t, x: _first(REDUCTIONS[name](t, x)), upstream_requires_grad)
    for array in (MATRIX, CUBE):
        compare_with_torch(gradient, array, atol=1e-12)  # softmax's second derivatives are ~1e-17


@pytest.mark.parametrize("function, array", [
    (lambda t, x: x.prod(1), np.array([[0.0], [2.0], [3.0]])),
    (lambda t, x: x.prod(-1, keepdim=True), np.array([[0.0], [2.0], [3.0]])),
    (lambda t, x: x.prod(0), np.array([[0.0, 2.0]])),
    (lambda t, x: x.prod(0), np.array([0.0])),
    (lambda t, x: x.prod(), np.array([[0.0]])),
], ids=["column", "column keepdim", "row", "one element", "whole"])
@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant upstream"])
def test_prod_over_a_single_element_with_a_zero_matches_torch(function, array, upstream_requires_grad):
    """Alone along its dim, an element's gradient is the upstream gradient itself (no product of
    others): with a constant upstream it does not depend on x, so it does not require grad."""
    compare_with_torch(gradient_of(function, upstream_requires_grad), array)
    x = gradlab.tensor([[0.0], [2.0]], requires_grad=True)
    (grad,) = gradlab.autograd.grad(x.prod(1).sum(), x, create_graph=True)
    assert not grad.requires_grad and grad.tolist() == [[1.0], [1.0]]


# ------------------------------------------------- NaN and inf upstream gradients
NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
# NumPy warns at inf · 0 and inf - inf, which PyTorch computes silently (gradlab's own filter for
# these, set when gradlab.ops is imported, is undone by pytest after collection)
quiet_nan_arithmetic = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


@quiet_nan_arithmetic
def test_max_sends_a_nan_gradient_only_to_the_winner():
    """Issue 12: sqrt(max(x) - 4) has a NaN gradient, which goes to the max alone (it was
    multiplied by a 0/1 mask: NaN · 0 = NaN everywhere)."""
    x = gradlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    gradlab.sqrt(x.max() - 4).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, np.nan])
    for function in (lambda t, x: t.sqrt(x.max() - 4), lambda t, x: t.sqrt(x.min() - 4),
                     lambda t, x: t.sqrt(x.max(0)[0] - 4), lambda t, x: t.sqrt(x.min(0).values - 4),
                     lambda t, x: t.sqrt(x.amax() - 4), lambda t, x: t.sqrt(x.amin(0) - 4)):
        compare_with_torch(function, np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("value", NONFINITE.values(), ids=NONFINITE.keys())
@pytest.mark.parametrize("everywhere", [False, True], ids=["one entry", "every entry"])
@quiet_nan_arithmetic
def test_nonfinite_upstream_gradient_matches_torch(name, value, everywhere):
    """A NaN or inf gradient reaches the input where PyTorch sends it (selected, not masked
    by multiplication: max, min, prod with zeros, ...), NaN positions included."""
    upstream = nonfinite_upstream(value, everywhere)
    for array in (MATRIX, TIES, ZEROS):
        compare_with_torch(REDUCTIONS[name], array, upstream=upstream)


@pytest.mark.parametrize("name", REDUCTIONS)
@quiet_nan_arithmetic
def test_nan_and_inf_inputs_match_torch(name):
    array = MATRIX.copy()
    array[0, 1], array[1, 2], array[2, 0] = np.nan, np.inf, -np.inf
    compare_with_torch(REDUCTIONS[name], array)
    compare_with_torch(REDUCTIONS[name], array, upstream=nonfinite_upstream(math.nan))


# ------------------------------------------------------- property: sum/mean
@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=4), data=st.data())
def test_sum_and_mean_over_random_dims_match_torch(shape, data):
    ndim = len(shape)
    dims = data.draw(st.one_of(
        st.none(),
        st.integers(-max(ndim, 1), max(ndim, 1) - 1),
        st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(
            lambda ds: tuple(d - ndim if i % 2 else d for i, d in enumerate(ds)))
        if ndim else st.just(()),
    ))
    keepdim = data.draw(st.booleans())
    array = np.random.default_rng(len(shape)).standard_normal(shape)
    for reduce in ("sum", "mean"):
        compare_with_torch(lambda t, x: getattr(x, reduce)(dims, keepdim) if dims is not None or keepdim
            else getattr(x, reduce)(), array)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("function, array", [
    (lambda t, x: x.max(), np.zeros(0)),
    (lambda t, x: x.min(), np.zeros(0)),
    (lambda t, x: x.amax(), np.zeros((0, 2))),
    (lambda t, x: x.max(0), np.zeros((0, 3))),
    (lambda t, x: x.min(0), np.zeros((0, 3))),
    (lambda t, x: x.amin(0), np.zeros((0, 3))),
    (lambda t, x: x.argmax(), np.zeros(0)),
    (lambda t, x: x.argmin(), np.zeros(0)),
    (lambda t, x: x.argmax(0), np.zeros((0, 3))),
    (lambda t, x: x.argmax(), np.array([True, False])),
    (lambda t, x: x.max(2), MATRIX),
    (lambda t, x: x.sum(-3), MATRIX),
    (lambda t, x: x.mean((0, 2)), MATRIX),
    (lambda t, x: x.softmax(2), MATRIX),
    (lambda t, x: x.max(1), SCALAR),
    (lambda t, x: x.sum((0, 0)), MATRIX),
    (lambda t, x: x.amax([1, -1]), MATRIX),
    (lambda t, x: x.var((0, 0)), MATRIX),
    (lambda t, x: x.mean(), np.array([1, 2])),
    (lambda t, x: x.mean(dtype=t.int64), np.array([1.0, 2.0])),
    (lambda t, x: x.var(), np.array([1, 2])),
    (lambda t, x: x.std(), np.array([1, 2])),
    (lambda t, x: x.norm(), np.array([3, 4])),
    (lambda t, x: x.norm(dtype=t.int64), np.array([3.0])),
    (lambda t, x: x.norm("abc"), MATRIX),
    (lambda t, x: x.norm("2"), VECTOR),
    (lambda t, x: x.norm("fro", dim=(0, 1, 2)), CUBE),
    (lambda t, x: x.norm(float("inf")), np.zeros(0)),
    (lambda t, x: x.norm(float("inf"), dim=0), np.zeros((0, 3))),
    (lambda t, x: x.softmax(0), np.array([1, 2])),
    (lambda t, x: t.log_softmax(x, 0), np.array([1, 2])),
    (lambda t, x: x.max((0, 1)), MATRIX),
    (lambda t, x: x.prod((0, 1)), MATRIX),
    (lambda t, x: x.max(keepdim=True), MATRIX),
    (lambda t, x: x.sum("a"), MATRIX),
    (lambda t, x: x.sum(True), MATRIX),
    (lambda t, x: x.var(1.0), MATRIX),
    (lambda t, x: x.softmax(1.5), MATRIX),
    (lambda t, x: x.argmax((0, 1)), MATRIX),
    (lambda t, x: x.logsumexp(None), MATRIX),
])
def test_errors_match_torch(function, array):
    error = compare_with_torch(function, array, requires_grad=False, raises=Exception)
    assert "Traceback" not in str(error) and "numpy" not in str(error).lower()


def test_errors_without_torch():
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        gradlab.tensor([]).max()
    with pytest.raises(IndexError, match="Dimension out of range"):
        gradlab.ones(2, 3).max(2)
    with pytest.raises(RuntimeError, match="appears multiple times"):
        gradlab.ones(2, 3).sum((1, -1))
    with pytest.raises(RuntimeError, match="Autograd not support dtype: Long"):
        gradlab.ones(2, requires_grad=True).sum(dtype=gradlab.int64)
    with pytest.raises(TypeError, match="unbiased= or correction="):
        gradlab.ones(3).var(0, unbiased=True, correction=1)
    with pytest.raises(NotImplementedError, match="nuclear norm"):
        gradlab.ones(2, 2).norm("nuc")
    with pytest.raises(TypeError, match="dim"):
        gradlab.softmax(gradlab.ones(2))
    with pytest.raises(TypeError, match="dim"):
        gradlab.logsumexp(gradlab.ones(2))


def test_module_functions_are_exported():
    for name in ("sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "prod", "norm",
                 "var", "std", "logsumexp", "softmax", "log_softmax"):
        assert callable(getattr(gradlab, name))


# ------------------------------------- NumPy's axis= and keepdims= (issue 11)
# each call is tried as written with gradlab and PyTorch: both accept it and agree, or
# both refuse it with the same error type
NUMPY_NAMES = [
    "x.sum(1, keepdims=True)", "x.sum(axis=0)", "torch.sum(x, axis=(0, 1))", "x.sum(dim=[0, 1])",
    "x.sum((0, 1))", "torch.sum(x, dim=1, keepdims=True)", "x.mean(axis=1, keepdim=True)",
    "torch.mean(x, axis=[0])", "x.prod(axis=1, keepdims=True)", "torch.prod(x, axis=0)",
    "x.max(axis=1).values", "torch.max(x, axis=1, keepdims=True).indices", "x.min(axis=0)[0]",
    "x.amax(axis=(0, 1))", "torch.amin(x, axis=1, keepdims=True)", "x.std(axis=1)",
    "torch.var(x, axis=(0, 1), keepdims=True)", "x.std(axis=1, unbiased=False)",
    "x.logsumexp(axis=1, keepdims=True)", "torch.logsumexp(x, axis=(0, 1))",
    "x.argmax(axis=1, keepdims=True)", "torch.argmin(x, axis=0)", "x.argmax(axis=None)",
    "(x > 0).any(axis=1, keepdims=True)", "torch.all(x > 0, axis=(0, 1))",
    "x.softmax(axis=1)", "torch.log_softmax(x, axis=0)", "torch.cat([x, x], axis=1)",
    "torch.stack([x, x], axis=2)", "x.norm(dim=[0, 1])",
]
REFUSED = [
    "torch.sum(x, dim=0, axis=1)", "torch.sum(x, 0, axis=1)", "x.sum(0, keepdim=True, keepdims=True)",
    "torch.prod(x, axis=(0, 1))", "x.prod(dim=[0, 1])", "x.max(dim=[0, 1])", "torch.min(x, axis=(0,))",
    "torch.argmax(x, axis=(0, 1))", "x.norm(axis=1)", "x.norm(dim=1, keepdims=True)",
    "torch.norm(x, axis=1)", "x.mean(axis=0, dim=0)",
]


@pytest.mark.parametrize("code", NUMPY_NAMES)
def test_numpy_names_are_accepted_where_torch_accepts_them(code):
    compare_with_torch(lambda lib, x: eval(code, {"torch": lib, "x": x}),
                       np.random.default_rng(0).standard_normal((3, 4)), second_order=True,
                       atol=1e-12)  # second derivatives of std that are 0 up to rounding


@pytest.mark.parametrize("code", REFUSED)
def test_numpy_names_are_refused_where_torch_refuses_them(code):
    compare_with_torch(lambda lib, x: eval(code, {"torch": lib, "x": x}), np.ones((3, 4)),
                       raises=TypeError, reworded=True)


def test_naming_dim_twice_says_so_as_torch_does():
    error = compare_with_torch(lambda lib, x: lib.sum(x, dim=0, axis=1), np.ones((2, 2)),
                               raises=TypeError)
    assert "unexpected keyword argument 'axis'" in str(error)


# ------------------------------------------ parity details found by the differential fuzz
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_counts_ties_at_backward_time_as_torch(torch, op):
    """The ties are counted when backward runs: an input changed through .data since forward
    (no version counter sees it) gives PyTorch's NaN (0 / 0), not a stale count."""
    grads = []
    for lib in (torch, gradlab):
        x = lib.tensor([[1.0, 5.0], [5.0, 2.0]], requires_grad=True)
        y = getattr(x, op)()
        x.data.add_(1)
        y.backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_with_zeros_differentiates_twice_through_cumprod(torch, dim):
    a = np.array([[1.5, 0.0, 2.0], [3.0, -1.0, 0.0], [0.0, 0.0, 2.0]])
    compare_with_torch(lambda lib, x: x.prod() if dim is None else x.prod(dim), a, second_order=True)
    for lib in (torch, gradlab):
        x = lib.tensor(a, requires_grad=True)
        y = x.prod() if dim is None else x.prod(dim)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        assert "CumprodBackward0" in repr(graph_edges(g.grad_fn))
