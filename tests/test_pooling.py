"""2-d pooling (gradlab/ops/pooling.py): max_pool2d and avg_pool2d.

Finite differences (float64) for every kernel/stride/padding/dilation/ceil_mode variant,
PyTorch for values, indices, gradients (ties, NaN, -inf, padding) and second-order gradients,
and PyTorch's error messages.
"""
import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, leaf

MAX_VARIANTS = [  # kernel, stride, padding, dilation, ceil_mode
    (2, None, 0, 1, False),
    (3, 1, 1, 1, False),
    (3, 2, 1, 2, False),
    ((3, 2), (2, 1), (1, 0), 1, True),
    (2, 2, 1, 1, True),
    (3, 3, 0, 1, True),
    ((2, 3), None, (1, 1), (2, 1), False),
]
AVG_VARIANTS = [  # kernel, stride, padding, ceil_mode
    (2, None, 0, False),
    (3, 1, 1, False),
    ((3, 2), (2, 1), (1, 0), True),
    (2, 2, 1, True),
    (3, 2, 1, True),
]


# ================================================================== max pool
@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", MAX_VARIANTS)
def test_max_pool2d_matches_torch(kernel, stride, padding, dilation, ceil_mode):
    def pool(lib, x):
        return lib.nn.functional.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)

    compare_with_torch(pool, double(2, 3, 7, 6), second_order=True)


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", MAX_VARIANTS)
def test_max_pool2d_indices_match_torch(torch, kernel, stride, padding, dilation, ceil_mode):
    array = double(2, 3, 7, 6)
    theirs = torch.nn.functional.max_pool2d(torch.tensor(array), kernel, stride, padding,
                                            dilation, ceil_mode, return_indices=True)
    mine = F.max_pool2d(gradlab.tensor(array), kernel, stride, padding, dilation, ceil_mode,
                        return_indices=True)
    assert isinstance(mine, tuple) and mine[1].dtype == gradlab.int64
    assert not mine[1].requires_grad
    np.testing.assert_array_equal(mine[1].numpy(), theirs[1].numpy())


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", MAX_VARIANTS)
def test_max_pool2d_gradcheck(kernel, stride, padding, dilation, ceil_mode):
    x = leaf(np.random.default_rng(1).permutation(70).reshape(1, 2, 7, 5) / 7.0)  # no ties
    assert gradcheck(lambda t: F.max_pool2d(t, kernel, stride, padding, dilation, ceil_mode), (x,))


def test_max_pool2d_gradgradcheck():
    x = leaf(np.random.default_rng(1).permutation(32).reshape(1, 2, 4, 4) / 4.0)
    assert gradgradcheck(lambda t: F.max_pool2d(t, 2, 1), (x,))


@pytest.mark.parametrize("array", [
    np.ones((1, 1, 4, 4)),                                            # ties: the first wins
    np.array([[[[1.0, np.nan, 2.0], [np.nan, 0.0, 5.0], [3.0, 4.0, np.nan]]]]),  # the last NaN
    np.full((1, 1, 3, 3), -np.inf),                                   # all -inf, with padding
    np.array([[[[-np.inf, 1.0], [2.0, -np.inf]]]]),
])
def test_max_pool2d_ties_nan_and_infinities_like_torch(torch, array):
    for args in ((2, 1, 1), (2, 2, 0, 1, True), (3, 1, 1)):
        if array.shape[-1] < 3 and args[0] == 3:
            continue
        theirs = torch.nn.functional.max_pool2d(torch.tensor(array, requires_grad=True), *args,
                                                return_indices=True)
        x = gradlab.tensor(array, requires_grad=True)
        mine = F.max_pool2d(x, *args, return_indices=True)
        np.testing.assert_array_equal(mine[0].detach().numpy(), theirs[0].detach().numpy())
        np.testing.assert_array_equal(mine[1].numpy(), theirs[1].numpy())
        compare_with_torch(lambda lib, t: lib.nn.functional.max_pool2d(t, *args), array)


def test_max_pool2d_unbatched_and_graph():
    out = compare_with_torch(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), double(3, 6, 6))
    assert type(out.grad_fn).__name__ == "MaxPool2DWithIndicesBackward0"


def test_max_pool2d_integers_and_float32():
    ints = np.random.default_rng(0).integers(-50, 50, (2, 3, 6, 6))
    compare_with_torch(lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1), ints)
    floats = double(4, 3, 8, 8).astype(np.float32)
    compare_with_torch(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), floats)


def test_max_pool2d_double_backward_node():
    x = leaf(double(1, 1, 4, 4))
    (grad,) = gradlab.autograd.grad(F.max_pool2d(x, 2).pow(2).sum(), x, create_graph=True)
    assert grad.grad_fn.name() == "MaxPool2DWithIndicesBackwardBackward0"


# ================================================================== avg pool
@pytest.mark.parametrize("kernel,stride,padding,ceil_mode", AVG_VARIANTS)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_torch(kernel, stride, padding, ceil_mode, count_include_pad):
    def pool(lib, x):
        return lib.nn.functional.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad)

    compare_with_torch(pool, double(2, 3, 7, 6), second_order=True)


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode", AVG_VARIANTS)
def test_avg_pool2d_gradcheck(kernel, stride, padding, ceil_mode):
    x = leaf(double(1, 2, 7, 5))
    assert gradcheck(lambda t: F.avg_pool2d(t, kernel, stride, padding, ceil_mode, False), (x,))
    assert gradcheck(lambda t: F.avg_pool2d(t, kernel, stride, padding, ceil_mode), (x,))


def test_avg_pool2d_gradgradcheck():
    assert gradgradcheck(lambda t: F.avg_pool2d(t, 3, 2, 1), (leaf(double(1, 1, 5, 5)),))


def test_avg_pool2d_divisor_override_unbatched_and_float32():
    compare_with_torch(lambda lib, x: lib.nn.functional.avg_pool2d(x, 2, divisor_override=3),
                       double(3, 6, 6))
    compare_with_torch(lambda lib, x: lib.nn.functional.avg_pool2d(x, 2),
                       double(4, 3, 8, 8).astype(np.float32))
    out = compare_with_torch(lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, 1, 1), double(2, 5, 5))
    assert type(out.grad_fn).__name__ == "AvgPool2DBackward0"


def test_avg_pool2d_integers_like_torch():
    ints = np.random.default_rng(0).integers(-50, 50, (2, 3, 6, 6))
    compare_with_torch(lambda lib, x: lib.nn.functional.avg_pool2d(x, 2), ints)


def test_avg_pool2d_double_backward_node():
    x = leaf(double(1, 1, 4, 4))
    (grad,) = gradlab.autograd.grad(F.avg_pool2d(x, 2).pow(2).sum(), x, create_graph=True)
    assert grad.grad_fn.name() == "AvgPool2DBackwardBackward0"


# ==================================================================== errors
@pytest.mark.parametrize("function", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("shape,args,message", [
    ((5, 5), (2,), "non-empty 3D or 4D (batch mode) tensor expected for input"),
    ((1, 5, 5), (2, None, 2), "pad should be at most half of effective kernel size, but got pad=2, "
                              "kernel_size=2 and dilation=1"),
    ((1, 1, 1), (2,), "Given input size: (1x1x1). Calculated output size: (1x0x0). Output size "
                      "is too small"),
    ((1, 5, 5), (2, 0), "stride should not be zero"),
    ((1, 5, 5), ((2, 2, 2),), "kernel_size must either be a single int, or a tuple of two ints"),
])
def test_pool_errors_match_torch(function, shape, args, message):
    if function == "avg_pool2d" and len(shape) == 2:
        # PyTorch's avg_pool2d fails with an IndexError here; gradlab says what max_pool2d says
        with pytest.raises(RuntimeError, match="non-empty 3D or 4D"):
            F.avg_pool2d(gradlab.ones(*shape), *args)
        return
    compare_with_torch(lambda lib, x: getattr(lib.nn.functional, function)(x, *args), double(*shape),
                       raises=RuntimeError, match=message)


def test_max_pool2d_negative_padding():
    compare_with_torch(lambda lib, x: lib.nn.functional.max_pool2d(x, 2, padding=-1),
                       double(1, 5, 5), raises=RuntimeError, match="pad must be non-negative")


def test_pool_on_the_benchmark_shape_is_fast():
    import time

    x = gradlab.randn(32, 16, 32, 32, requires_grad=True)
    start = time.perf_counter()
    F.max_pool2d(x, 2).sum().backward()
    F.avg_pool2d(x, 2).sum().backward()
    assert time.perf_counter() - start < 1.0
