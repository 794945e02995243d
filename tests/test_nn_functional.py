"""gradlab.nn.functional (gradlab/nn/functional.py): the public surface, linear, softmax's
implicit dim, one_hot and pad, against PyTorch (``compare_with_torch`` in tests/helpers.py)."""
import warnings

import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, leaf


# ================================================================ the surface
def test_functional_is_reachable_as_in_pytorch():
    import gradlab.nn.functional as functional

    assert gradlab.nn.functional is functional
    for name in ("relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax",
                 "linear", "dropout", "conv2d", "max_pool2d", "avg_pool2d", "mse_loss", "l1_loss",
                 "cross_entropy", "nll_loss", "binary_cross_entropy",
                 "binary_cross_entropy_with_logits", "one_hot", "pad"):
        assert callable(getattr(functional, name)), name


def test_signatures_match_pytorch(torch):
    import inspect

    for name in ("relu", "leaky_relu", "softmax", "log_softmax", "dropout", "mse_loss", "l1_loss",
                 "cross_entropy", "nll_loss", "binary_cross_entropy",
                 "binary_cross_entropy_with_logits", "pad"):
        theirs = inspect.signature(getattr(torch.nn.functional, name))
        mine = inspect.signature(getattr(F, name))
        assert [(p.name, p.default) for p in mine.parameters.values()] == \
            [(p.name, p.default) for p in theirs.parameters.values()], name


# ================================================================ activations
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_elementwise_activations_match_torch(name):
    compare_with_torch(lambda lib, x: getattr(lib.nn.functional, name)(x), double(3, 4), second_order=True)


def test_relu_inplace_keeps_the_tensor_and_records_relu():
    def function(lib, x):
        y = x * 1
        out = lib.nn.functional.relu(y, inplace=True)
        assert out is y
        return out

    compare_with_torch(function, double(3, 4))


@pytest.mark.parametrize("shape,dim", [((4, 3), 1), ((4, 3), 0), ((2, 3, 4), -1), ((5,), 0)])
def test_softmax_and_log_softmax_match_torch(shape, dim):
    compare_with_torch(lambda lib, x: lib.nn.functional.softmax(x, dim), double(*shape), second_order=True)
    compare_with_torch(lambda lib, x: lib.nn.functional.log_softmax(x, dim), double(*shape),
                       second_order=True)


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_implicit_dim_warns_and_picks_pytorchs_dim(torch, shape):
    array = double(*shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        theirs = torch.nn.functional.softmax(torch.tensor(array))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax") as record:
        mine = F.softmax(gradlab.tensor(array))
    assert record[0].filename == __file__  # the warning points at the caller
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        F.log_softmax(gradlab.tensor(array))


def test_softmax_is_stable_for_large_logits():
    logits = gradlab.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    out = F.log_softmax(logits, dim=1)
    assert np.isfinite(out.detach().numpy()).all()
    out[0, 0].backward()
    assert np.isfinite(logits.grad.numpy()).all()


# ===================================================================== linear
@pytest.mark.parametrize("input_shape", [(4, 3), (3,), (5, 4, 3), (2, 5, 4, 3)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_matches_torch_graph_values_and_grads(input_shape, with_bias):
    arrays = [double(*input_shape), double(2, 3, seed=1)] + ([double(2, seed=2)] if with_bias else [])
    compare_with_torch(lambda lib, *t: lib.nn.functional.linear(*t), *arrays, second_order=True)


def test_linear_with_bias_is_one_addmm_over_bias_input_and_transposed_weight():
    x, weight, bias = leaf(double(4, 3)), leaf(double(2, 3)), leaf(double(2))
    out = F.linear(x, weight, bias)
    node = out.grad_fn
    assert node.name() == "AddmmBackward0"
    (bias_edge, _), (x_edge, _), (weight_edge, _) = node.next_functions
    assert bias_edge.variable is bias and x_edge.variable is x
    assert weight_edge.name() == "TBackward0" and weight_edge.next_functions[0][0].variable is weight


@pytest.mark.parametrize("requires_grad", [(False, True, True), (True, False, True),
                                           (True, True, False)])
def test_linear_leaves_none_slots_for_inputs_without_grad(requires_grad):
    arrays = [double(4, 3), double(2, 3, seed=1), double(2, seed=2)]
    compare_with_torch(lambda lib, *t: lib.nn.functional.linear(*t), *arrays,
                       requires_grad=list(requires_grad))


def test_linear_non_contiguous_input_and_2d_bias_match_torch():
    compare_with_torch(lambda lib, x, w, b: lib.nn.functional.linear(x.transpose(0, 1), w, b),
                       double(4, 5, 3), double(2, 3, seed=1), double(2, seed=2))
    compare_with_torch(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
                       double(5, 4, 3), double(2, 3, seed=1), double(4, 2, seed=2))
    compare_with_torch(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
                       double(4, 3), double(2, 3, seed=1), double(4, 2, seed=2))


def test_linear_gradcheck():
    assert gradcheck(F.linear, (leaf(double(4, 3)), leaf(double(2, 3)), leaf(double(2))))
    assert gradcheck(F.linear, (leaf(double(2, 4, 3)), leaf(double(2, 3)), leaf(double(2))))
    assert gradgradcheck(F.linear, (leaf(double(3, 3)), leaf(double(2, 3)), leaf(double(2))))


def test_linear_float32_default_matches_torch():
    arrays = [a.astype(np.float32) for a in (double(8, 5), double(3, 5, seed=1), double(3, seed=2))]
    compare_with_torch(lambda lib, *t: lib.nn.functional.linear(*t), *arrays)


@pytest.mark.parametrize("shapes,expected", [
    ([(4, 3), (2, 5)], "mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)"),
    ([(4, 3), (2, 5), (2,)], "mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)"),
    ([(3,), (2, 5), (2,)], "mat1 and mat2 shapes cannot be multiplied (1x3 and 5x2)"),
    ([(6, 4, 3), (2, 5), (2,)], "mat1 and mat2 shapes cannot be multiplied (24x3 and 5x2)"),
    ([(4, 3), (2, 3), (3,)], "The expanded size of the tensor (2) must match the existing size (3)"),
    ([(), (2, 3)], "both arguments to linear need to be at least 1D, but they are 0D and 2D"),
])
def test_linear_bad_shapes_say_what_pytorch_says_plus_a_hint(shapes, expected):
    message = str(compare_with_torch(lambda lib, *t: lib.nn.functional.linear(*t),
                                     *[double(*shape) for shape in shapes], raises=RuntimeError,
                                     match=expected))
    if "mat1" in expected:
        assert "in_features=5" in message and "[2, 5]" in message


def test_linear_dtype_mismatch():
    compare_with_torch(lambda lib, x, w: lib.nn.functional.linear(x.double(), w.float()),
                       double(4, 3), double(2, 3), raises=RuntimeError, match="double != float")
    compare_with_torch(lambda lib, x, w, b: lib.nn.functional.linear(x.float(), w.float(), b),
                       double(4, 3), double(2, 3), double(2),
                       raises=RuntimeError,
                       match="self and mat2 must have the same dtype, but got Double and Float")


def test_linear_refuses_non_tensors():
    with pytest.raises(TypeError, match="linear\\(\\): argument 'weight' \\(position 2\\) must be Tensor"):
        F.linear(gradlab.ones(2, 3), [[1.0, 2.0, 3.0]])


# =================================================================== one_hot
def test_one_hot_matches_torch(torch):
    for values, classes in (([0, 2, 1], -1), ([[1], [3]], 5), ([], 3)):
        theirs = torch.nn.functional.one_hot(torch.tensor(values, dtype=torch.long), classes)
        mine = F.one_hot(gradlab.tensor(values, dtype=gradlab.int64), classes)
        assert mine.dtype == gradlab.int64 and not mine.requires_grad
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("values,classes,message", [
    ([-1, 2], -1, "Class values must be non-negative."),
    ([1, 2], 2, "Class values must be smaller than num_classes."),
])
def test_one_hot_errors(values, classes, message):
    compare_with_torch(lambda lib, t: lib.nn.functional.one_hot(t, classes),
                       np.array(values, dtype=np.int64), raises=RuntimeError, match=message)


def test_one_hot_refuses_float_indices():
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor"):
        F.one_hot(gradlab.tensor([1.0, 2.0]))


# ======================================================================== pad
@pytest.mark.parametrize("amounts", [(1, 2), (1, 1, 2, 0), (-1, 2), (0, 0, -1, -1, 1, 0)])
def test_pad_matches_torch(amounts):
    compare_with_torch(lambda lib, x: lib.nn.functional.pad(x, amounts), double(3, 4, 5),
                       second_order=True)
    compare_with_torch(lambda lib, x: lib.nn.functional.pad(x, amounts, value=2.5), double(3, 4, 5))


def test_pad_gradcheck():
    assert gradcheck(lambda x: F.pad(x, (1, -1, 2, 0)), (leaf(double(3, 4)),))


@pytest.mark.parametrize("amounts,message", [
    ((1,), "Padding length must be divisible by 2"),
    ((1, 1, 1, 1, 1, 1), "Padding length should be less than or equal to two times the input"),
])
def test_pad_errors(amounts, message):
    compare_with_torch(lambda lib, x: lib.nn.functional.pad(x, amounts), double(2, 3),
                       raises=RuntimeError, match=message)


def test_pad_other_modes_say_they_are_missing():
    with pytest.raises(NotImplementedError, match="mode='reflect'"):
        F.pad(gradlab.ones(1, 2, 3), (1, 1), mode="reflect")


def test_no_numpy_traceback_from_functional_errors():
    """Every error message above is gradlab's own, not a NumPy exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in (lambda: F.linear(gradlab.ones(4, 3), gradlab.ones(2, 5)),
                     lambda: F.conv2d(gradlab.ones(1, 4, 5, 5), gradlab.ones(2, 3, 3, 3)),
                     lambda: F.mse_loss(gradlab.ones(4, 5), gradlab.ones(3))):
            with pytest.raises(RuntimeError) as info:
                call()
            assert "numpy" not in str(info.value).lower()


def test_signatures_of_the_course_layers_match_pytorch(torch):
    import inspect

    for name in ("silu", "mish", "elu", "selu", "celu", "hardtanh", "relu6", "threshold",
                 "softmin", "normalize", "smooth_l1_loss", "huber_loss", "kl_div", "dropout1d",
                 "dropout2d", "adaptive_avg_pool2d"):
        theirs = inspect.signature(getattr(torch.nn.functional, name))
        mine = inspect.signature(getattr(F, name))
        assert [(p.name, p.default) for p in mine.parameters.values()] == \
            [(p.name, p.default) for p in theirs.parameters.values()], name


def test_softmin_matches_torch_and_warns_without_dim(torch):
    compare_with_torch(lambda lib, x: lib.nn.functional.softmin(x, dim=1), double(3, 4),
                       second_order=True)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        F.softmin(gradlab.ones(2, 3))
