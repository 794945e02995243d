"""Losses (gradlab/ops/loss.py): mse, l1, nll, cross-entropy, binary cross-entropy.

PyTorch for values, gradients (input and target), second-order gradients and graphs over
every reduction; finite differences (float64); stability for logits of ±1000; PyTorch's
meaning for targets of the wrong dtype, shape or range.
"""
import warnings

import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, leaf, nonfinite_upstream

REDUCTIONS = ["mean", "sum", "none"]


def classes(*values):
    return np.array(values, dtype=np.int64)


def probabilities(*shape, seed=3, axis=1):
    values = np.random.default_rng(seed).uniform(0.1, 1.0, shape)
    return values / values.sum(axis=axis, keepdims=True)


# ==================================================================== mse, l1
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_match_torch(name, reduction):
    compare_with_torch(lambda lib, x, y: getattr(lib.nn.functional, name)(x, y, reduction=reduction),
                       double(4, 5), double(4, 5, seed=1), second_order=(name == "mse_loss"))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_warn_and_broadcast_like_torch(name):
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[4, 1\]\)\) that is "
                                         r"different to the input size \(torch.Size\(\[4, 5\]\)\)"):
        getattr(F, name)(gradlab.ones(4, 5), gradlab.ones(4, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_with_torch(lambda lib, x, y: getattr(lib.nn.functional, name)(x, y),
                           double(4, 1), double(4, 5, seed=1), requires_grad=[True, False])
        compare_with_torch(lambda lib, x, y: getattr(lib.nn.functional, name)(x, y),
                           double(4, 5), double(5, seed=1))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_with_weights_and_legacy_flags(name):
    for reduction in REDUCTIONS:
        compare_with_torch(
            lambda lib, x, y, w: getattr(lib.nn.functional, name)(x, y, reduction=reduction, weight=w),
            double(4, 5), double(4, 5, seed=1), np.abs(double(4, 5, seed=2)),
            requires_grad=[True, False, False])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for size_average, reduce in ((False, None), (None, False), (True, True)):
            compare_with_torch(
                lambda lib, x, y: getattr(lib.nn.functional, name)(x, y, size_average, reduce),
                double(3, 2), double(3, 2, seed=1))


def test_mse_promotes_the_target_like_torch():
    compare_with_torch(lambda lib, x, y: lib.nn.functional.mse_loss(x, y),
                       double(3, 4).astype(np.float32), np.arange(12).reshape(3, 4))
    compare_with_torch(lambda lib, x, y: lib.nn.functional.mse_loss(x, y),
                       double(3, 4).astype(np.float32), double(3, 4, seed=1))


def test_regression_loss_gradcheck():
    x, y = leaf(double(3, 4)), leaf(double(3, 4, seed=1))
    for reduction in REDUCTIONS:
        assert gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), (x, y))
        assert gradcheck(lambda a, b: F.l1_loss(a, b, reduction=reduction), (x, y))
    assert gradgradcheck(F.mse_loss, (x, y))


def test_regression_loss_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_with_torch(lambda lib, x, y: lib.nn.functional.mse_loss(x, y), double(4, 5), double(3),
                           raises=RuntimeError,
                           match="The size of tensor a (5) must match the size of tensor b (3)")
    compare_with_torch(lambda lib, x, y: lib.nn.functional.mse_loss(x, y, reduction="avg"),
                       double(4, 5), double(4, 5), raises=ValueError,
                       match="avg is not a valid value for reduction")
    compare_with_torch(lambda lib, x, y: lib.nn.functional.mse_loss(x, y),
                       np.ones((2, 2), np.int64), np.ones((2, 2), np.int64),
                       raises=NotImplementedError, match='"mse_cpu" not implemented for \'Long\'')
    compare_with_torch(lambda lib, x, y, w: lib.nn.functional.l1_loss(x, y, weight=w),
                       double(2, 2), double(2, 2), double(2), raises=ValueError,
                       match="Weights and input must have the same size.")


# ======================================================= nll and cross-entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_is_nll_over_log_softmax_like_torch(reduction):
    out = compare_with_torch(
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, reduction=reduction),
        double(4, 5), classes(1, 0, 4, 2), second_order=True)
    assert type(out.grad_fn).__name__ == "NllLossBackward0"
    assert type(out.grad_fn.next_functions[0][0]).__name__ == "LogSoftmaxBackward0"


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_weight_and_ignore_index(reduction):
    weight = np.arange(1.0, 6.0)
    compare_with_torch(
        lambda lib, x, t, w: lib.nn.functional.cross_entropy(x, t, w, reduction=reduction),
        double(4, 5), classes(1, -100, 4, 2), weight, requires_grad=[True, False, False],
        second_order=True)
    compare_with_torch(
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, ignore_index=2, reduction=reduction),
        double(4, 5), classes(1, 2, 4, 2), second_order=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weight", [False, True])
def test_cross_entropy_label_smoothing_graph_and_values(reduction, with_weight):
    arrays = [double(4, 5), classes(1, -100, 4, 2)] + ([np.arange(1.0, 6.0)] if with_weight else [])
    compare_with_torch(
        lambda lib, x, t, *w: lib.nn.functional.cross_entropy(
            x, t, *w, reduction=reduction, label_smoothing=0.2),
        *arrays, requires_grad=[True, False, False], second_order=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_probability_targets(reduction):
    compare_with_torch(lambda lib, x, p: lib.nn.functional.cross_entropy(x, p, reduction=reduction),
                       double(4, 5), probabilities(4, 5), second_order=True)
    compare_with_torch(  # a target that requires grad, a weight and label smoothing
        lambda lib, x, p, w: lib.nn.functional.cross_entropy(x, p, w, reduction=reduction,
                                                         label_smoothing=0.1),
        double(4, 5), probabilities(4, 5), np.arange(1.0, 6.0),
        requires_grad=[True, True, False])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("input_shape,target", [
    ((5,), np.array(3)),                                    # unbatched
    ((2, 5, 3), classes(1, 0, 2, 4, 4, -100).reshape(2, 3)),  # (N, C, d)
    ((2, 5, 2, 2), classes(1, 0, 2, 3, 4, 4, 0, 1).reshape(2, 2, 2)),  # images
    ((2, 5, 2, 1, 2), classes(1, 0, 2, 3, 4, 4, 0, 1).reshape(2, 2, 1, 2)),
])
def test_cross_entropy_other_shapes_like_torch(reduction, input_shape, target):
    compare_with_torch(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, reduction=reduction),
                       double(*input_shape), target)
    compare_with_torch(lambda lib, x, t: lib.nn.functional.nll_loss(x, t, reduction=reduction),
                       double(*input_shape), target)


def test_cross_entropy_probabilities_on_images():
    compare_with_torch(lambda lib, x, p: lib.nn.functional.cross_entropy(x, p),
                       double(2, 3, 2, 2), probabilities(2, 3, 2, 2))


def test_cross_entropy_float32_and_uint8_targets():
    compare_with_torch(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t),
                       double(16, 10).astype(np.float32), np.arange(16) % 10)
    compare_with_torch(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t),
                       double(4, 5), classes(1, 0, 4, 2).astype(np.uint8))


def test_nll_loss_all_ignored_or_zero_weight_gives_nan_like_torch():
    compare_with_torch(lambda lib, x, t: lib.nn.functional.nll_loss(x, t),
                       double(2, 5), classes(-100, -100))
    compare_with_torch(lambda lib, x, t, w: lib.nn.functional.nll_loss(x, t, w),
                       double(2, 5), classes(1, 2), np.zeros(5), requires_grad=[True, False, False])


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]], dtype=np.float32)
    compare_with_torch(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), logits, classes(2, 1))
    x = leaf(logits)
    out = F.cross_entropy(x, gradlab.tensor(classes(2, 1)))
    out.backward()
    assert np.isfinite(out.item()) and np.isfinite(x.grad.numpy()).all()


def test_cross_entropy_gradcheck():
    x = leaf(double(3, 4))
    target = gradlab.tensor([1, 3, -100])
    weight = gradlab.tensor([1.0, 2.0, 0.5, 1.5], dtype=gradlab.float64)
    for reduction in REDUCTIONS:
        assert gradcheck(lambda t: F.cross_entropy(t, target, weight, reduction=reduction,
                                                   label_smoothing=0.1), (x,))
        assert gradcheck(lambda t: F.nll_loss(t, target, weight, reduction=reduction), (x,))
    soft = leaf(probabilities(3, 4))
    assert gradcheck(lambda t, p: F.cross_entropy(t, p), (x, soft))
    assert gradgradcheck(lambda t: F.cross_entropy(t, target), (x,))


@pytest.mark.parametrize("target,error,message", [
    (np.array([1.0, 2.0, 3.0, 0.0], np.float32), RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    (np.array([1, 2, 3, 0], np.int32), RuntimeError,
     "expected target dtype to be Long or Byte, but got Int"),
    (np.ones((4, 5), np.int64), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (classes(1, 2, 10, 0), IndexError, "Target 10 is out of bounds."),
    (classes(1, 2, -1, 0), IndexError, "Target -1 is out of bounds."),
    (classes(1, 2, 0), ValueError, "Expected input batch_size (4) to match target batch_size (3)."),
    (np.ones((4, 2), np.int64), RuntimeError,
     "0D or 1D target tensor expected, multi-target not supported"),
])
def test_cross_entropy_target_errors_like_torch(target, error, message):
    def function(lib, x, t):
        return lib.nn.functional.cross_entropy(x.float(), t)

    compare_with_torch(function, double(4, 5), target, raises=error, match=message)


def test_cross_entropy_errors_explain_in_plain_words():
    with pytest.raises(RuntimeError, match="use target.long\\(\\)"):
        F.cross_entropy(gradlab.randn(4, 5), gradlab.tensor([1.0, 2.0, 3.0, 0.0]))
    with pytest.raises(IndexError, match="must be in \\[0, 4\\] for 5 classes"):
        F.cross_entropy(gradlab.randn(4, 5), gradlab.tensor([1, 2, 10, 0]))


@pytest.mark.parametrize("call,error,message", [
    (lambda fn, x, t, w: fn.cross_entropy(x, t, w[:4]), RuntimeError,
     "weight tensor should be defined either for all 5 classes or no classes"),
    (lambda fn, x, t, w: fn.cross_entropy(x, t, label_smoothing=1.5), RuntimeError,
     "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (lambda fn, x, t, w: fn.cross_entropy(x, t, reduction="avg"), ValueError,
     "avg is not a valid value for reduction"),
    (lambda fn, x, t, w: fn.nll_loss(x, t, w.float()), RuntimeError,
     "expected scalar type Double but found Float"),
    (lambda fn, x, t, w: fn.nll_loss(x[0, 0], t[0]), ValueError,
     "Expected 1 or more dimensions (got 0)"),
    (lambda fn, x, t, w: fn.nll_loss(x.reshape(2, 5, 2), t.reshape(2, 2)[:, :1]), RuntimeError,
     "Expected target size [2, 2], got [2, 1]"),
    (lambda fn, x, t, w: fn.nll_loss(x.reshape(1, 5, 2, 2), t.reshape(1, 4)), RuntimeError,
     "only batches of spatial targets supported (3D tensors) but got targets of dimension: 2"),
    (lambda fn, x, t, w: fn.cross_entropy(x, x.softmax(1), ignore_index=1), RuntimeError,
     "ignore_index is not supported for floating point target"),
])
def test_nll_and_cross_entropy_argument_errors(call, error, message):
    compare_with_torch(lambda lib, x, t, w: call(lib.nn.functional, x, t, w),
                       double(4, 5), classes(1, 2, 3, 0), np.ones(5), requires_grad=False,
                       raises=error, match=message)


def test_nll_loss_refuses_a_weight_that_requires_grad():
    def function(lib, x, t, w):
        return lib.nn.functional.nll_loss(x, t, w.requires_grad_())

    compare_with_torch(function, double(4, 5), classes(1, 2, 3, 0), np.ones(5),
                       raises=RuntimeError,
                       match="The function 'nll_loss_forward' is not differentiable with respect "
                            "to argument 'weight'")


# ===================================================== binary cross-entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_torch(reduction):
    rng = np.random.default_rng(0)
    p, y = rng.uniform(0.05, 0.95, (4, 5)), rng.uniform(0, 1, (4, 5))
    out = compare_with_torch(
        lambda lib, a, b: lib.nn.functional.binary_cross_entropy(a, b, reduction=reduction), p, y,
        second_order=True)
    assert type(out.grad_fn).__name__ == "BinaryCrossEntropyBackward0"
    compare_with_torch(
        lambda lib, a, b, w: lib.nn.functional.binary_cross_entropy(a, b, w, reduction=reduction),
        p, y, np.arange(1.0, 6.0), requires_grad=[True, True, False])


def test_binary_cross_entropy_clamps_the_log_at_minus_100():
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-50], dtype=np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=np.float32)
    out = compare_with_torch(lambda lib, a, b: lib.nn.functional.binary_cross_entropy(a, b,
                                                                                   reduction="none"),
                             p, y, requires_grad=[True, False])
    np.testing.assert_allclose(out.detach().numpy(), [100, 100, 0, 0, 100], rtol=1e-6)


def test_binary_cross_entropy_gradcheck():
    p = leaf(np.random.default_rng(0).uniform(0.1, 0.9, (3, 4)))
    y = leaf(np.random.default_rng(1).uniform(0, 1, (3, 4)))
    weight = gradlab.tensor(np.arange(1.0, 5.0))
    for reduction in REDUCTIONS:
        assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight, reduction=reduction),
                         (p, y))
    assert gradgradcheck(F.binary_cross_entropy, (p, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_matches_torch(reduction):
    y = np.random.default_rng(0).uniform(0, 1, (4, 5))
    out = compare_with_torch(
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(x, t, reduction=reduction),
        double(4, 5) * 3, y, second_order=True)
    assert type(out.grad_fn).__name__ == "BinaryCrossEntropyWithLogitsBackward0"
    compare_with_torch(
        lambda lib, x, t, w, pw: lib.nn.functional.binary_cross_entropy_with_logits(
            x, t, w, reduction=reduction, pos_weight=pw),
        double(4, 5) * 3, y, np.arange(1.0, 6.0), np.arange(2.0, 7.0),
        requires_grad=[True, True, False, False], second_order=True)


def test_binary_cross_entropy_with_logits_is_stable():
    logits = np.array([1000.0, -1000.0, 0.0, 88.0, -88.0, 1e4], dtype=np.float32)
    target = np.array([0.0, 1.0, 0.5, 1.0, 0.0, 0.3], dtype=np.float32)
    pos_weight = np.full(6, 2.0, np.float32)
    compare_with_torch(
        lambda lib, x, t, pw: lib.nn.functional.binary_cross_entropy_with_logits(
            x, t, reduction="none", pos_weight=pw),
        logits, target, pos_weight, requires_grad=[True, True, False])
    x, t = leaf(logits), leaf(target)
    out = F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=gradlab.tensor(pos_weight))
    out.backward(gradlab.tensor(double(6), dtype=gradlab.float32))
    assert np.isfinite(out.detach().numpy()).all()
    assert np.isfinite(x.grad.numpy()).all() and np.isfinite(t.grad.numpy()).all()


def test_binary_cross_entropy_with_logits_gradcheck():
    x = leaf(double(3, 4) * 2)
    y = leaf(np.random.default_rng(1).uniform(0, 1, (3, 4)))
    pos_weight = gradlab.tensor(np.arange(1.0, 5.0))
    for reduction in REDUCTIONS:
        assert gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(
            a, b, reduction=reduction, pos_weight=pos_weight), (x, y))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, pos_weight=pos_weight), (x, y))


def test_binary_cross_entropy_with_logits_promotes_a_double_target():
    compare_with_torch(lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(x, t),
                       double(3).astype(np.float32), np.array([0.0, 1.0, 0.5]),
                       requires_grad=[True, False])


@pytest.mark.parametrize("function,target,error,message", [
    ("binary_cross_entropy", np.ones((4, 1)), ValueError,
     "Using a target size (torch.Size([4, 1])) that is different to the input size "
     "(torch.Size([4, 5])) is deprecated"),
    ("binary_cross_entropy", np.ones((4, 5), np.int64), RuntimeError,
     "Found dtype Long but expected Float"),
    ("binary_cross_entropy", np.full((4, 5), 2.0, np.float32), RuntimeError,
     "all elements of target should be between 0 and 1"),
    ("binary_cross_entropy_with_logits", np.ones((4, 1)), ValueError,
     "Target size (torch.Size([4, 1])) must be the same as input size (torch.Size([4, 5]))"),
    ("binary_cross_entropy_with_logits", np.ones((4, 5), np.int64), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
])
def test_binary_cross_entropy_target_errors(function, target, error, message):
    compare_with_torch(lambda lib, x, t: getattr(lib.nn.functional, function)(x.float().sigmoid(), t),
                       double(4, 5), target, raises=error, match=message)


def test_binary_cross_entropy_refuses_scores_outside_0_1():
    message = str(compare_with_torch(lambda lib, x, t: lib.nn.functional.binary_cross_entropy(x, t),
                                     double(4, 5) * 5, np.ones((4, 5)), raises=RuntimeError,
                                     match="all elements of input should be between 0 and 1"))
    assert "binary_cross_entropy_with_logits" in message


@pytest.mark.parametrize("function", ["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_binary_losses_refuse_a_weight_that_requires_grad(function):
    compare_with_torch(
        lambda lib, x, t, w: getattr(lib.nn.functional, function)(x.sigmoid(), t, w.requires_grad_()),
        double(4, 5), np.ones((4, 5)) / 2, np.ones(5),
        raises=RuntimeError,
        match=f"The function '{function}' is not differentiable with respect to argument 'weight'")


# ================================================== NaN and inf upstream gradients
# (input, target) -> loss, for every loss and its options; the input requires grad, and the
# target too where PyTorch differentiates it
LOSSES = {
    "mse": (lambda lib, x, y, r: lib.nn.functional.mse_loss(x, y, reduction=r), "values"),
    "l1": (lambda lib, x, y, r: lib.nn.functional.l1_loss(x, y, reduction=r), "values"),
    "cross_entropy": (lambda lib, x, y, r: lib.nn.functional.cross_entropy(x, y, reduction=r),
                      "classes"),
    "cross_entropy ignore_index": (lambda lib, x, y, r: lib.nn.functional.cross_entropy(
        x, y, ignore_index=2, reduction=r), "classes"),
    "cross_entropy weight": (lambda lib, x, y, r: lib.nn.functional.cross_entropy(
        x, y, weight=lib.tensor([1.0, 0.0, 2.0, 0.5, 1.0], dtype=lib.float64), reduction=r), "classes"),
    "cross_entropy label_smoothing": (lambda lib, x, y, r: lib.nn.functional.cross_entropy(
        x, y, label_smoothing=0.1, reduction=r), "classes"),
    "cross_entropy probabilities": (lambda lib, x, y, r: lib.nn.functional.cross_entropy(
        x, y, reduction=r), "probabilities"),
    "nll ignore_index": (lambda lib, x, y, r: lib.nn.functional.nll_loss(
        x, y, ignore_index=0, reduction=r), "classes"),
    "binary_cross_entropy": (lambda lib, x, y, r: lib.nn.functional.binary_cross_entropy(
        x.sigmoid(), y, reduction=r), "probabilities"),
    "binary_cross_entropy_with_logits": (lambda lib, x, y, r: lib.nn.functional.binary_cross_entropy_with_logits(
        x, y, pos_weight=lib.tensor([1.0, 2.0, 0.0, 3.0, 1.0], dtype=lib.float64), reduction=r),
        "probabilities"),
}
TARGETS = {"values": double(4, 5, seed=1), "classes": classes(1, 0, 4, 2),
           "probabilities": probabilities(4, 5)}


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf · 0, as PyTorch
def test_nonfinite_upstream_gradient_matches_torch(name, reduction, value):
    """An ignored sample (ignore_index) gets exactly 0, even for a NaN gradient (the 0 used to
    multiply it); elsewhere NaN and inf reach the input as in PyTorch."""
    function, target = LOSSES[name]
    for everywhere in (False, True):
        compare_with_torch(lambda lib, x, y: function(lib, x, y, reduction), double(4, 5),
                           TARGETS[target], requires_grad=[True, target == "values"],
                           upstream=nonfinite_upstream(value, everywhere))

