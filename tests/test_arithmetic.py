"""Arithmetic (gradlab/ops/arithmetic.py): + - * / // % ** against finite differences
and against PyTorch (values, dtypes, grads, grad_fn names, next_functions, errors)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradlab
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, gradient_of, graph_edges

SHAPE_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1, 3), (3,)), ((3,), (2, 1, 3)),
               ((), (2, 3)), ((2, 3), ()), ((2, 1), (1, 3))]


def _positive(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape)


def _leaf(lib, array, requires_grad=True):
    return lib.tensor(array, requires_grad=requires_grad)


BINARY = {
    "add": lambda lib, a, b: a + b,
    "add_alpha": lambda lib, a, b: lib.add(a, b, alpha=2.5),
    "sub": lambda lib, a, b: a - b,
    "sub_alpha": lambda lib, a, b: a.sub(b, alpha=-3),
    "rsub": lambda lib, a, b: lib.rsub(a, b),
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b,
    "pow": lambda lib, a, b: a ** b,
    "torch_pow": lambda lib, a, b: lib.pow(a, b),
}


# ------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_gradcheck_over_broadcast_shapes(name, shapes, rng):
    a = gradlab.tensor(_positive(rng, shapes[0]), requires_grad=True)
    b = gradlab.tensor(_positive(rng, shapes[1]), requires_grad=True)
    assert gradcheck(lambda x, y: BINARY[name](gradlab, x, y), (a, b))


UNARY = {
    "neg": lambda x: -x,
    "reciprocal": lambda x: x.reciprocal(),
    "square": lambda x: x ** 2,
    "cube": lambda x: x ** 3,
    "sqrt_power": lambda x: x ** 0.5,
    "negative_power": lambda x: x ** -1.5,
    "zero_power": lambda x: x ** 0,
    "scalar_base": lambda x: 2 ** x,
    "fraction_base": lambda x: 0.5 ** x,
    "number_over_tensor": lambda x: 2 / x,
    "number_minus_tensor": lambda x: 3 - x,
    "tensor_plus_number": lambda x: x + 1.5,
    "tensor_times_number": lambda x: 2 * x,
    "tensor_over_number": lambda x: x / 4,
    "remainder_number": lambda x: x % 0.7,
    "fmod_number": lambda x: gradlab.fmod(x, 0.7),
    "float_power": lambda x: gradlab.float_power(x, 2),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)], ids=str)
def test_unary_gradcheck(name, shape, rng):
    x = gradlab.tensor(_positive(rng, shape), requires_grad=True)
    assert gradcheck(UNARY[name], (x,))


@pytest.mark.parametrize("function", [gradlab.remainder, gradlab.fmod], ids=["remainder", "fmod"])
def test_remainder_and_fmod_gradcheck_with_tensor_divisor(function):
    a = gradlab.tensor([[2.3, -1.7, 5.1], [0.4, 3.3, -2.9]], dtype=gradlab.float64, requires_grad=True)
    b = gradlab.tensor([0.9, 1.3, -1.6], dtype=gradlab.float64, requires_grad=True)
    assert gradcheck(function, (a, b))


@pytest.mark.parametrize("name", ["mul", "div", "pow", "sub_alpha"])
def test_second_derivatives_gradgradcheck(name, rng):
    a = gradlab.tensor(_positive(rng, (2, 3)), requires_grad=True)
    b = gradlab.tensor(_positive(rng, (3,)), requires_grad=True)
    assert gradgradcheck(lambda x, y: BINARY[name](gradlab, x, y), (a, b))


# --------------------------------------------------------- against torch
@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_matches_torch(name, shapes, rng):
    arrays = [_positive(rng, shapes[0]), _positive(rng, shapes[1])]
    compare_with_torch(BINARY[name], *arrays)


@pytest.mark.parametrize("requires_grad", [(True, False), (False, True)], ids=["left", "right"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_with_one_constant_matches_torch(name, requires_grad, rng):
    arrays = [_positive(rng, (2, 3)), _positive(rng, (3,))]
    compare_with_torch(BINARY[name], *arrays, requires_grad=list(requires_grad))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_torch(torch, name, rng):
    def function(lib, x):
        expression = UNARY[name]
        if lib is torch and name in ("fmod_number", "float_power"):
            return {"fmod_number": lambda t: torch.fmod(t, 0.7),
                    "float_power": lambda t: torch.float_power(t, 2)}[name](x)
        return expression(x)

    compare_with_torch(function, _positive(rng, (2, 3)))


ROUNDING = {
    "floor_divide": lambda lib, a, b: a // b,
    "div_floor": lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
    "div_trunc": lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
    "remainder": lambda lib, a, b: a % b,
    "fmod": lambda lib, a, b: lib.fmod(a, b),
}


@pytest.mark.parametrize("requires_grad", [(True, True), (True, False), (False, True)], ids=str)
@pytest.mark.parametrize("name", sorted(ROUNDING))
def test_rounding_divisions_match_torch(torch, name, requires_grad, rng):
    arrays = [rng.uniform(-5, 5, (2, 3)), rng.choice([-2.5, -1.5, 0.75, 1.25, 3.0], (3,))]
    if name == "floor_divide":  # no derivative in PyTorch: backward must fail the same way
        ours = [_leaf(gradlab, a, r) for a, r in zip(arrays, requires_grad)]
        theirs = [_leaf(torch, a, r) for a, r in zip(arrays, requires_grad)]
        out, expected = ours[0] // ours[1], theirs[0] // theirs[1]
        assert type(out.grad_fn).__name__ == type(expected.grad_fn).__name__ == "NotImplemented"
        assert graph_edges(out.grad_fn) == graph_edges(expected.grad_fn)
        with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
            out.sum().backward()
        return
    compare_with_torch(ROUNDING[name], *arrays, requires_grad=list(requires_grad))


@pytest.mark.parametrize("expression", ["x // 2", "2 // x", "x % 2", "2 % x", "torch.fmod(x, 2)",
                                        "torch.div(x, 2, rounding_mode='floor')",
                                        "torch.div(x, torch.tensor(2.), rounding_mode='trunc')",
                                        "torch.floor_divide(x, torch.tensor(2.))", "x % torch.tensor(2.)",
                                        "torch.rsub(x, 2)", "torch.rsub(x, torch.tensor([1., 2., 3.]))",
                                        "2 / x", "2 ** x", "x ** 2", "x ** x", "x + torch.tensor(2.)",
                                        "torch.add(2, x)", "torch.mul(2, x)", "x.pow(torch.tensor(2.))"])
def test_graph_layout_matches_torch(torch, expression):
    def graph(lib):
        x = lib.tensor([1.5, 2.0, 3.5], requires_grad=True)
        return graph_edges(eval(expression, {"torch": lib, "x": x}).grad_fn)

    assert graph(gradlab) == graph(torch)


@pytest.mark.parametrize("expression", [
    "2 / x", "x / 2", "x * 2.5", "2.5 - x", "x ** 2", "x ** 2.5", "2 ** x", "2.5 ** x", "x // 2", "x % 3",
    "x // 2.5", "-x", "x.reciprocal()", "torch.div(x, 2, rounding_mode='trunc')", "torch.fmod(x, 3)",
    "x + True", "x * x", "x / x", "x ** torch.tensor([-1, 1, 2])", "2 ** torch.tensor([-1, 1, 2])",
])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float16", "float64"])
def test_values_and_dtypes_for_every_dtype_match_torch(torch, expression, dtype):
    def run(lib):
        x = lib.tensor([1, 2, 3]).to(getattr(lib, dtype))
        try:
            out = eval(expression, {"torch": lib, "x": x})
        except Exception as error:
            return "error", isinstance(error, RuntimeError) or isinstance(error, TypeError)
        return str(out.dtype), out.double().tolist()

    ours, expected = run(gradlab), run(torch)
    assert ours[0] == expected[0]
    if ours[0] != "error":
        np.testing.assert_allclose(ours[1], expected[1], rtol=1e-3)


# ----------------------------------------------------- property tests
_BINARY_FOR_HYPOTHESIS = ["add", "sub", "mul", "div", "pow", "rsub", "add_alpha"]


@settings(max_examples=30, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       name=st.sampled_from(_BINARY_FOR_HYPOTHESIS), seed=st.integers(0, 2**32 - 1))
def test_random_broadcastable_shapes_match_torch(shapes, name, seed):
    rng = np.random.default_rng(seed)
    arrays = [_positive(rng, shape) for shape in shapes.input_shapes]
    compare_with_torch(BINARY[name], *arrays, seed=seed)


@settings(max_examples=30, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       name=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**32 - 1))
def test_random_broadcastable_shapes_gradcheck(shapes, name, seed):
    rng = np.random.default_rng(seed)
    a, b = (gradlab.tensor(_positive(rng, s), requires_grad=True) for s in shapes.input_shapes)
    assert gradcheck(lambda x, y: BINARY[name](gradlab, x, y), (a, b))


# ------------------------------------------------------ second derivatives
@pytest.mark.parametrize("name", ["mul", "div", "pow", "torch_pow"])
def test_second_derivatives_match_torch(torch, name, rng):
    arrays = [_positive(rng, (2, 3)), _positive(rng, (3,))]
    direction = rng.standard_normal((2, 3))

    def second(lib):
        a, b = (_leaf(lib, x) for x in arrays)
        out = BINARY[name](lib, a, b).sum()
        grad_a, grad_b = lib.autograd.grad(out, (a, b), create_graph=True)
        mixed = (grad_a * lib.tensor(direction)).sum() + (grad_b ** 2).sum()
        return [g.detach().numpy() for g in lib.autograd.grad(mixed, (a, b), allow_unused=True)]

    for ours, expected in zip(second(gradlab), second(torch)):
        np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"fmod_number", "float_power"}))  # gradlab's own
@pytest.mark.parametrize("upstream_requires_grad", [True, False], ids=["upstream", "constant upstream"])
def test_double_backward_graph_matches_torch(name, upstream_requires_grad, rng):
    """Issue 12: PyTorch's backward formulas multiply by a number with mul(Tensor, Scalar):
    x ** 3 differentiated twice has MulBackward1 (exponent · x²), as has 2 ** x (log 2 · out)."""
    compare_with_torch(gradient_of(lambda lib, x: UNARY[name](x), upstream_requires_grad),
                       _positive(rng, (2, 3)))


def test_cube_differentiated_twice_has_torchs_nodes():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    (grad,) = gradlab.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert graph_edges(grad.grad_fn) == (
        "MulBackward0", ((None, 0), (("MulBackward1", ((("PowBackward0", ((("AccumulateGrad", ()), 0),)), 0),)), 0)))
    assert grad.grad_fn.next_functions[1][0].factor == 3


@pytest.mark.parametrize("name", ["pow", "torch_pow", "mul", "div"])
@pytest.mark.parametrize("requires_grad", [(True, True), (True, False), (False, True)], ids=str)
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # log(0) · 0, as PyTorch
def test_binary_double_backward_graph_matches_torch(name, requires_grad, rng):
    """a ** b with tensors: where(b == 0, 0, ...) always, as PyTorch (not only when b holds a 0)."""
    def gradient(lib, a, b):
        out = BINARY[name](lib, a, b)
        leaves = [t for t in (a, b) if t.requires_grad]
        return lib.autograd.grad(out, leaves, lib.ones_like(out, requires_grad=True), create_graph=True)

    arrays = [_positive(rng, (2, 3)), _positive(rng, (3,))]
    compare_with_torch(gradient, *arrays, requires_grad=list(requires_grad))
    arrays[0][0, 0], arrays[1][1] = 0.0, 0.0  # 0 ** b and a ** 0
    compare_with_torch(gradient, *arrays, requires_grad=list(requires_grad))


# ---------------------------------------------------------------- kinks
def test_pow_at_zero_follows_torch_conventions():
    x = gradlab.tensor([0.0, 0.0, 2.0], dtype=gradlab.float64, requires_grad=True)
    y = gradlab.tensor([0.0, 2.0, 0.0], dtype=gradlab.float64, requires_grad=True)
    (x ** y).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]  # d(x^0)/dx = 0 even at 0; d(0^2)/dx = 0
    assert y.grad.tolist() == [0.0, 0.0, pytest.approx(np.log(2.0))]  # 0 ** y: 0 where y >= 0

    z = gradlab.tensor([0.0, 1.0], requires_grad=True)
    (z ** 0).sum().backward()
    assert z.grad.tolist() == [0.0, 0.0]
    w = gradlab.tensor([0.0], requires_grad=True)
    (w ** 0.5).sum().backward()
    assert w.grad.tolist() == [float("inf")]


def test_number_base_zero_follows_torch(torch):
    def grads(lib):
        x = lib.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        (0 ** x).sum().backward()
        return x.grad.tolist()

    assert grads(gradlab) == grads(torch) == [float("-inf"), 0.0, 0.0]


# ------------------------------------------------------------ integers
def test_integer_division_by_zero_is_an_error_not_garbage():
    x = gradlab.tensor([1, 2, 3])
    for expression in (lambda: x // 0, lambda: x % 0, lambda: gradlab.fmod(x, 0),
                       lambda: gradlab.div(x, 0, rounding_mode="trunc")):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            expression()
    assert (x / 0).tolist() == [float("inf")] * 3  # true division makes floats


def test_small_integer_types_wrap_around_like_torch():
    x = gradlab.tensor([1, 2], dtype=gradlab.uint8)
    assert (x + 1000).tolist() == [233, 234]
    assert (x + -1).tolist() == [0, 1]
    assert (gradlab.tensor([5], dtype=gradlab.int8) * 1000).tolist() == [-120]


def test_fmod_keeps_the_sign_of_the_dividend_remainder_of_the_divisor():
    x = gradlab.tensor([-7, 7])
    assert gradlab.fmod(x, 3).tolist() == [-1, 1]
    assert (x % 3).tolist() == [2, 1]
    assert gradlab.div(x, 2, rounding_mode="trunc").tolist() == [-3, 3]
    assert gradlab.div(x, 2, rounding_mode="floor").tolist() == [-4, 3]


def test_integer_powers_follow_torch():
    x = gradlab.tensor([1, 2, 3])
    assert (x ** 2).dtype is gradlab.int64
    assert (x ** 2.5).dtype is gradlab.float32
    assert (x ** gradlab.tensor([-1, 1, 2])).tolist() == [1, 2, 9]  # a negative power of 2 or 3 is 0 ... of 1 is 1
    assert (gradlab.tensor([-1, 2]) ** gradlab.tensor([-3, -1])).tolist() == [-1, 0]
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        x ** -1


# -------------------------------------------------------------- errors
ERRORS = [
    ("torch.tensor([True, False]) - torch.tensor([True, True])", RuntimeError, "logical_xor"),
    ("torch.tensor([1, 2]) - True", RuntimeError, "logical_not"),
    ("-torch.tensor([True])", RuntimeError, "logical_not"),
    ("torch.tensor([1., 2.]) + torch.tensor([1., 2., 3.])", RuntimeError, "must match the size"),
    ("torch.tensor([1., 2.]) * [1, 2]", TypeError, "list"),
    ("torch.add(torch.tensor([1, 2]), 2, alpha=0.5)", RuntimeError, "alpha"),
    ("torch.sub(torch.tensor([1., 2.]), 2, alpha=True)", RuntimeError, "Boolean alpha"),
    ("torch.div(torch.tensor([1.]), 2, rounding_mode='round')", RuntimeError, "rounding_mode"),
    ("torch.tensor([True]) ** torch.tensor([True])", NotImplementedError, "Bool"),
    ("torch.tensor([True]) // torch.tensor([True])", NotImplementedError, "Bool"),
]


@pytest.mark.parametrize("code, error, hint", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_mean_what_torch_means(code, error, hint):
    ours = compare_with_torch(lambda lib: eval(code, {"torch": lib}), raises=error, reworded=True)
    assert hint in str(ours) and "ufunc" not in str(ours)


# ------------------------------------------ parity details found by the differential fuzz
@pytest.mark.parametrize("exponent", [3, -2, -0.5, 0.5, 2, 1.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_powers_give_torchs_bits_and_its_values_at_minus_inf(torch, exponent, dtype):
    """x ** 3, x ** -2 and x ** -0.5 are computed as PyTorch computes them (products, rsqrt):
    the same last bit, and (-inf) ** -0.5 is NaN."""
    values = np.concatenate([np.random.default_rng(0).standard_normal(2000) * 10,
                             [-np.inf, np.inf, 0.0, -0.0, np.nan]]).astype(dtype)
    theirs = (torch.from_numpy(values) ** exponent).numpy()
    mine = (gradlab.from_numpy(values) ** exponent).numpy()
    if exponent in (3, -2, -0.5, 2):
        np.testing.assert_array_equal(mine, theirs)
    else:  # pow itself: NumPy's and PyTorch's libm may differ in the last bit
        np.testing.assert_allclose(mine, theirs, rtol=4 * np.finfo(dtype).eps)


def test_minus_inf_to_a_tensor_half_is_ieee_pow_as_torch():
    values = np.array([-np.inf, 4.0, 0.0])
    for exponent in (0.5, -0.5, 1.5, 0.25, -1.5):
        compare_with_torch(lambda lib, x: x ** exponent, values)
        compare_with_torch(lambda lib, x, e: x ** e, values, np.array(exponent))
