"""2-d convolution (gradlab/ops/convolution.py): conv2d and its double backward.

Finite differences (float64, small shapes) for every stride/padding/dilation/groups variant,
PyTorch for values, gradients, second-order gradients and the graph
(``ConvolutionBackward0`` over input, weight, bias — ``(None, 0)`` without a bias), and
PyTorch's error messages for bad shapes.
"""
import warnings

import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, graph_edges, leaf

VARIANTS = [  # stride, padding, dilation, groups
    (1, 0, 1, 1),
    (1, 1, 1, 1),
    (2, 1, 1, 1),
    (1, 2, 2, 1),
    ((2, 1), (1, 0), (1, 2), 1),
    (3, 2, 1, 1),
    (1, 1, 1, 2),
    ([1, 2], [0, 1], 1, 4),
]


@pytest.mark.parametrize("stride,padding,dilation,groups", VARIANTS)
def test_conv2d_matches_torch_including_double_backward(stride, padding, dilation, groups):
    arrays = [double(2, 4, 7, 6), double(8, 4 // groups, 3, 2, seed=1), double(8, seed=2)]
    compare_with_torch(
        lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, stride, padding, dilation, groups),
        *arrays, second_order=True, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("stride,padding,dilation,groups", VARIANTS[:6])
def test_conv2d_gradcheck(stride, padding, dilation, groups):
    x, w, b = leaf(double(1, 2, 5, 6)), leaf(double(2, 2 // groups, 2, 3, seed=1)), leaf(double(2))

    def conv(x, w, b):
        return F.conv2d(x, w, b, stride, padding, dilation, groups)

    assert gradcheck(conv, (x, w, b))


def test_conv2d_gradgradcheck():
    x, w, b = leaf(double(1, 2, 4, 4)), leaf(double(2, 1, 2, 2, seed=1)), leaf(double(2))
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2), (x, w, b))


def test_conv2d_graph_has_a_none_slot_without_bias():
    x, w = leaf(double(1, 3, 5, 5)), leaf(double(4, 3, 3, 3))
    node = F.conv2d(x, w).grad_fn
    assert node.name() == "ConvolutionBackward0"
    (x_edge, _), (w_edge, _), bias_slot = node.next_functions
    assert x_edge.variable is x and w_edge.variable is w and bias_slot == (None, 0)


@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_without_input_grad_matches_torch(with_bias):
    arrays = [double(2, 3, 6, 6), double(4, 3, 3, 3, seed=1)] + ([double(4, seed=2)] if with_bias else [])
    compare_with_torch(lambda lib, *t: lib.nn.functional.conv2d(*t, padding=1), *arrays,
                       requires_grad=[False, True, True], second_order=True)


def test_conv2d_unbatched_is_unsqueezed_and_squeezed_like_torch():
    out = compare_with_torch(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1),
                             double(3, 5, 5), double(4, 3, 3, 3, seed=1), double(4, seed=2))
    assert type(out.grad_fn).__name__ == "SqueezeBackward1"


@pytest.mark.parametrize("kernel,dilation", [((3, 3), 1), ((4, 2), 1), ((2, 3), 2), ((1, 1), 1)])
def test_conv2d_padding_same_and_valid(kernel, dilation):
    arrays = [double(2, 3, 6, 5), double(4, 3, *kernel, seed=1), double(4, seed=2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's note about even kernels (gradlab's too)
        for padding in ("same", "valid"):
            if padding == "valid" and (kernel[0] - 1) * dilation >= 6:
                continue
            compare_with_torch(
                lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=padding,
                                                          dilation=dilation),
                *arrays, second_order=True, rtol=1e-6, atol=1e-8)


def test_conv2d_same_padding_with_even_kernel_pads_first_and_warns():
    x, w = leaf(double(1, 1, 4, 4)), leaf(double(1, 1, 2, 2))
    import gradlab.ops.convolution as convolution

    convolution._warned_same_padding = False
    with pytest.warns(UserWarning, match="padding='same' with even kernel lengths"):
        out = F.conv2d(x, w, padding="same")
    assert out.shape == (1, 1, 4, 4)
    assert graph_edges(out.grad_fn)[1][0][0][0] == "ConstantPadNdBackward0"


def test_conv2d_float32_values_and_grads_match_torch():
    arrays = [a.astype(np.float32) for a in (double(4, 3, 9, 9), double(5, 3, 3, 3, seed=1),
                                              double(5, seed=2))]
    compare_with_torch(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, stride=2, padding=1),
                       *arrays, rtol=1e-4, atol=1e-5)


def test_conv2d_integer_tensors_work_without_grad(torch):
    x = np.arange(2 * 1 * 4 * 4).reshape(2, 1, 4, 4)
    w = np.ones((1, 1, 2, 2), dtype=np.int64)
    mine = F.conv2d(gradlab.tensor(x), gradlab.tensor(w))
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w))
    assert mine.dtype == gradlab.int64
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_conv2d_double_backward_through_a_network_matches_torch(torch):
    """A gradient penalty: d/dW of |d loss / d x|², through conv, relu-free so it is smooth."""
    results = []
    for lib in (torch, gradlab):
        fn = lib.nn.functional
        x = lib.tensor(double(2, 2, 5, 5), requires_grad=True)
        w = lib.tensor(double(3, 2, 3, 3, seed=1), requires_grad=True)
        w2 = lib.tensor(double(2, 3, 2, 2, seed=2), requires_grad=True)
        hidden = fn.conv2d(x, w, padding=1, stride=1).tanh()
        loss = fn.conv2d(hidden, w2, stride=2).pow(2).sum()
        (grad_x,) = lib.autograd.grad(loss, x, create_graph=True)
        penalty = (grad_x * grad_x).sum()
        results.append([g.numpy() for g in lib.autograd.grad(penalty, (x, w, w2))])
    for mine, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-7, atol=1e-9)


def test_conv2d_backward_node_records_convolution_backward_backward():
    x, w, b = leaf(double(1, 2, 4, 4)), leaf(double(3, 2, 3, 3)), leaf(double(3))
    grads = gradlab.autograd.grad(F.conv2d(x, w, b).pow(2).sum(), (x, w, b), create_graph=True)
    for index, grad in enumerate(grads):
        assert grad.grad_fn.name() == "ConvolutionBackwardBackward0"
        assert grad.output_nr == index


# ==================================================================== errors
@pytest.mark.parametrize("shapes,message", [
    ([(32, 4, 32, 32), (16, 3, 3, 3)],
     "Given groups=1, weight of size [16, 3, 3, 3], expected input[32, 4, 32, 32] to have 3 "
     "channels, but got 4 channels instead"),
    ([(4, 32, 32), (16, 3, 3, 3)],
     "Given groups=1, weight of size [16, 3, 3, 3], expected input[1, 4, 32, 32] to have 3 "
     "channels, but got 4 channels instead"),
    ([(32, 32), (16, 3, 3, 3)],
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [32, 32]"),
    ([(1, 3, 2, 2), (16, 3, 3, 3)],
     "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't "
     "be greater than actual input size"),
    ([(1, 3, 5, 5), (16, 3, 3, 3), (4,)],
     "Given weight of size [16, 3, 3, 3], expected bias to be 1-dimensional with 16 elements, but "
     "got bias of size [4] instead"),
])
def test_conv2d_shape_errors_match_torch(shapes, message):
    compare_with_torch(lambda lib, *t: lib.nn.functional.conv2d(*t),
                       *[double(*shape) for shape in shapes], raises=RuntimeError, match=message)


def test_conv2d_channel_error_explains_the_layout():
    with pytest.raises(RuntimeError, match="dimension 1 holds the channels"):
        F.conv2d(gradlab.ones(2, 4, 8, 8), gradlab.ones(6, 3, 3, 3))


@pytest.mark.parametrize("kwargs,message", [
    (dict(stride=0), "non-positive stride is not supported"),
    (dict(padding=-1), "negative padding is not supported"),
    (dict(dilation=0), "dilation should be greater than zero"),
    (dict(groups=0), "non-positive groups is not supported"),
    (dict(stride=2, padding="same"), "padding='same' is not supported for strided convolutions"),
    (dict(padding="full"), "Invalid padding string: 'full'"),
    (dict(stride=(1, 1, 1)), "expected stride to be a single integer value or a list of 2 values"),
    (dict(dilation=3), "Kernel size: (7 x 7). Kernel size can't be greater than actual input"),
])
def test_conv2d_argument_errors_match_torch(kwargs, message):
    compare_with_torch(lambda lib, x, w: lib.nn.functional.conv2d(x, w, **kwargs),
                       double(1, 3, 5, 5), double(6, 3, 3, 3), raises=RuntimeError, match=message)


def test_conv2d_group_errors_match_torch():
    compare_with_torch(lambda lib, x, w: lib.nn.functional.conv2d(x, w, groups=2),
                       double(1, 4, 5, 5), double(5, 2, 3, 3),
                       raises=RuntimeError,
                       match="Given groups=2, expected weight to be divisible by 2 at dimension 0")
    compare_with_torch(lambda lib, x, w: lib.nn.functional.conv2d(x, w, groups=2),
                       double(1, 3, 5, 5), double(6, 1, 3, 3),
                       raises=RuntimeError,
                       match="expected input[1, 3, 5, 5] to have 2 channels, but got 3 channels")


def test_conv2d_dtype_mismatch_matches_torch():
    compare_with_torch(lambda lib, x, w: lib.nn.functional.conv2d(x.double(), w.float()),
                       double(1, 3, 5, 5), double(6, 3, 3, 3),
                       raises=RuntimeError, match="expected scalar type Double but found Float")


def test_conv2d_refuses_a_weight_that_is_not_4d_or_not_a_tensor():
    with pytest.raises(RuntimeError, match="4-D weight"):
        F.conv2d(gradlab.ones(1, 3, 5, 5), gradlab.ones(6, 3, 3))
    with pytest.raises(TypeError, match="argument 'weight' \\(position 2\\) must be Tensor"):
        F.conv2d(gradlab.ones(1, 3, 5, 5), 3)


def test_conv2d_is_fast_enough_for_the_benchmark_shape():
    """Smoke test of the vectorised path on the benchmark's shape (no Python loop per pixel)."""
    import time

    x = gradlab.randn(32, 3, 32, 32)
    w = gradlab.randn(16, 3, 3, 3, requires_grad=True)
    start = time.perf_counter()
    F.conv2d(x, w, padding=1).sum().backward()
    assert time.perf_counter() - start < 1.0


# ============================================== reused memory (ops/workspace.py)
def test_results_kept_by_the_caller_are_never_overwritten_by_later_calls():
    """conv2d and the pools draw big arrays from a workspace; a result still referenced —
    directly, through a view, or saved by a graph node — must never be handed out again."""
    weight = gradlab.randn(16, 3, 3, 3)
    first_input, second_input = gradlab.randn(32, 3, 32, 32), gradlab.randn(32, 3, 32, 32)
    first = F.conv2d(first_input, weight, padding=1)
    kept = first.numpy().copy()
    view = F.max_pool2d(first, 2).numpy()[0]  # only a NumPy view of the pooled result survives
    view_copy = view.copy()
    for _ in range(3):
        second = F.conv2d(second_input, weight, padding=1)
        F.max_pool2d(second, 2)
    np.testing.assert_array_equal(first.numpy(), kept)
    np.testing.assert_array_equal(view, view_copy)
    assert not np.shares_memory(first.numpy(), second.numpy())


def test_saved_columns_survive_a_second_forward_before_backward(torch):
    """Two graphs alive at once: each backward must use its own saved windows."""
    arrays = [double(8, 3, 16, 16), double(8, 3, 16, 16, seed=1), double(4, 3, 3, 3, seed=2)]
    results = []
    for lib in (torch, gradlab):
        x1, x2 = lib.tensor(arrays[0]), lib.tensor(arrays[1])
        w = lib.tensor(arrays[2], requires_grad=True)
        loss1 = lib.nn.functional.conv2d(x1, w, padding=1).pow(2).sum()
        loss2 = lib.nn.functional.conv2d(x2, w, padding=1).pow(3).sum()
        (grad1,) = lib.autograd.grad(loss1, w)
        (grad2,) = lib.autograd.grad(loss2, w)
        results.append((grad1.numpy(), grad2.numpy()))
    for mine, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-8)


def test_workspace_hands_out_an_array_again_only_when_unused():
    from gradlab.ops.workspace import Workspace

    workspace = Workspace(capacity=3 * 2**20)
    first = workspace.empty((512, 512), np.float32)
    second = workspace.empty((512, 512), np.float32)
    assert first is not second
    address = id(first)
    del first
    assert id(workspace.empty((512, 512), np.float32)) == address  # free again: reused
    held = workspace.empty((512, 512), np.float32)
    view = held[1:]
    address = id(held)
    del held
    assert id(workspace.empty((512, 512), np.float32)) != address  # the view still uses it
    assert workspace.empty((4, 4), np.float32).shape == (4, 4)  # small arrays are not kept
    workspace.clear()
    del view
