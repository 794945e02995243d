"""Normalization (gradlab/ops/normalization.py and nn BatchNorm1d/2d, LayerNorm, GroupNorm).

PyTorch for values, graphs, first and second derivatives (batch statistics and running
ones), NaN upstream gradients, running-statistics updates (momentum, momentum=None),
train/eval, reprs, state_dict names, dtype moves and error messages; finite differences
(float64) for the gradient and double-backward rules.
"""
import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from helpers import check_gradients, compare_with_torch, double, gradient_of, nonfinite_upstream


def _batch_norm(library, x, w, b, training=True):
    mean = library.tensor(np.linspace(-0.5, 0.5, x.shape[1]), dtype=x.dtype)
    var = library.tensor(np.linspace(0.5, 2.0, x.shape[1]), dtype=x.dtype)
    return library.nn.functional.batch_norm(x, mean, var, w, b, training=training)


# ============================================================== batch norm
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 4, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch_with_second_order(shape, training):
    compare_with_torch(lambda lib, x, w, b: _batch_norm(lib, x, w, b, training) ** 2,
                       double(*shape), double(3, seed=1), double(3, seed=2), second_order=True)


def test_batch_norm_without_affine_and_without_running_stats():
    compare_with_torch(lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True),
                       double(6, 2, 3), second_order=True, atol=1e-12)


def test_batch_norm_float32_and_nan_upstream():
    compare_with_torch(lambda lib, x, w, b: _batch_norm(lib, x, w, b),
                       double(5, 3).astype(np.float32), double(3, seed=1).astype(np.float32),
                       double(3, seed=2).astype(np.float32))
    compare_with_torch(lambda lib, x, w, b: _batch_norm(lib, x, w, b),
                       double(5, 3), double(3, seed=1), double(3, seed=2),
                       upstream=nonfinite_upstream(np.nan))


def test_batch_norm_double_backward_graph_matches_torch():
    compare_with_torch(gradient_of(lambda lib, x: _batch_norm(lib, x, None, None) ** 3),
                       double(4, 3, 2), second_order=True)


def test_batch_norm_gradients_numerically():
    check_gradients(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                    (4, 3, 2), (3,), (3,), second_order=True)
    mean, var = gradlab.zeros(3, dtype=gradlab.float64), gradlab.ones(3, dtype=gradlab.float64) * 2
    check_gradients(lambda x, w, b: F.batch_norm(x, mean, var, w, b, training=False),
                    (4, 3), (3,), (3,), second_order=True)


def test_running_statistics_update_as_torch(torch):
    data = [double(5, 3, seed=k) * (k + 1) + k for k in range(3)]
    for momentum in (0.1, 0.5, None):
        layers = [library.nn.BatchNorm1d(3, momentum=momentum) for library in (gradlab, torch)]
        for batch in data:
            outputs = [layer(library.tensor(batch, dtype=library.float32))
                       for layer, library in zip(layers, (gradlab, torch))]
            np.testing.assert_allclose(outputs[0].detach().numpy(), outputs[1].detach().numpy(),
                                       rtol=1e-5, atol=1e-5)
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            mine, theirs = (getattr(layer, name).numpy() for layer in layers)
            np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-6)
        for layer in layers:
            layer.eval()
        probe = double(2, 3, seed=9)
        outputs = [layer(library.tensor(probe, dtype=library.float32))
                   for layer, library in zip(layers, (gradlab, torch))]
        np.testing.assert_allclose(outputs[0].detach().numpy(), outputs[1].detach().numpy(),
                                   rtol=1e-5, atol=1e-6)


def test_eval_without_running_stats_uses_the_batch(torch):
    for library in (gradlab, torch):
        layer = library.nn.BatchNorm2d(2, track_running_stats=False, affine=False).eval()
        out = layer(library.tensor(double(3, 2, 2, 2)))
        assert abs(float(out.mean())) < 1e-6
        assert layer.running_mean is None and list(layer.state_dict()) == []


def test_batch_norm_module_state_repr_and_dtype(torch):
    for kwargs in ({}, {"momentum": None, "affine": False}, {"bias": False, "eps": 1e-3},
                   {"track_running_stats": False}):
        for cls in ("BatchNorm1d", "BatchNorm2d"):
            mine, theirs = getattr(gradlab.nn, cls)(4, **kwargs), getattr(torch.nn, cls)(4, **kwargs)
            assert repr(mine) == repr(theirs)
            assert list(mine.state_dict()) == list(theirs.state_dict())
            assert [n for n, _ in mine.named_parameters()] == \
                [n for n, _ in theirs.named_parameters()]
            assert [n for n, _ in mine.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    layer = gradlab.nn.BatchNorm1d(4).double()
    assert layer.running_mean.dtype == gradlab.float64
    assert layer.num_batches_tracked.dtype == gradlab.int64
    assert layer.weight.tolist() == [1.0] * 4 and layer.bias.tolist() == [0.0] * 4


def test_batch_norm_graph(torch):
    for library in (gradlab, torch):
        x = library.randn(3, 4, requires_grad=True)
        out = library.nn.BatchNorm1d(4)(x)
        assert type(out.grad_fn).__name__ == "NativeBatchNormBackward0"
        gradient, = library.autograd.grad(out.pow(2).sum(), x, create_graph=True)
        assert type(gradient.grad_fn).__name__ == "NativeBatchNormBackwardBackward0"
        assert len(gradient.grad_fn.next_functions) == 5


@pytest.mark.parametrize("make, shape", [
    (lambda lib: lib.nn.BatchNorm1d(4).train(), (1, 4)),
    (lambda lib: lib.nn.BatchNorm1d(4).train(), (1, 4, 1)),
    (lambda lib: lib.nn.BatchNorm1d(4), (4,)),
    (lambda lib: lib.nn.BatchNorm1d(4), (2, 4, 3, 3)),
    (lambda lib: lib.nn.BatchNorm2d(4), (2, 4, 3)),
    (lambda lib: lib.nn.BatchNorm1d(4), (2, 3)),
])
def test_batch_norm_module_errors(make, shape):
    compare_with_torch(lambda lib, x: make(lib)(x), double(*shape), raises=Exception)


def test_batch_norm_function_errors():
    compare_with_torch(lambda lib, x: lib.nn.functional.batch_norm(x, None, None), double(3, 4),
                       raises=RuntimeError)
    compare_with_torch(lambda lib, x, m, v: lib.nn.functional.batch_norm(x, m, v, training=True),
                       double(3, 4), double(3), double(4), raises=RuntimeError)
    compare_with_torch(lambda lib, x, m, v, w: lib.nn.functional.batch_norm(x, m, v, w),
                       double(3, 4), double(4), double(4), double(3), raises=RuntimeError)
    compare_with_torch(lambda lib, x: lib.nn.BatchNorm1d(4)(x), np.ones((3, 4), np.int64),
                       raises=NotImplementedError)


# ============================================================== layer norm
@pytest.mark.parametrize("shape, normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((6,), (6,))])
def test_layer_norm_matches_torch_with_second_order(shape, normalized):
    compare_with_torch(
        lambda lib, x, w, b: lib.nn.functional.layer_norm(x, normalized, w, b) ** 2,
        double(*shape), double(*normalized, seed=1), double(*normalized, seed=2), second_order=True)
    compare_with_torch(lambda lib, x: lib.nn.functional.layer_norm(x, normalized), double(*shape),
                       second_order=True, atol=1e-12)


def test_layer_norm_graphs_and_nan_upstream():
    compare_with_torch(gradient_of(lambda lib, x: lib.nn.functional.layer_norm(x, (3,)) ** 3),
                       double(2, 3), second_order=True)
    compare_with_torch(lambda lib, x, w: lib.nn.functional.layer_norm(x, (3,), w),
                       double(2, 3), double(3), upstream=nonfinite_upstream(np.inf))
    compare_with_torch(lambda lib, x, w, b: lib.nn.functional.layer_norm(x, [3], w, b),
                       double(2, 3).astype(np.float32), double(3).astype(np.float32),
                       double(3).astype(np.float32))


def test_layer_norm_gradients_numerically():
    check_gradients(lambda x, w, b: F.layer_norm(x, (3, 2), w, b), (4, 3, 2), (3, 2), (3, 2),
                    second_order=True)


def test_layer_norm_module(torch):
    for args, kwargs in (((4,), {}), (([2, 4],), {"elementwise_affine": False}),
                         ((4,), {"bias": False, "eps": 1e-6})):
        mine, theirs = gradlab.nn.LayerNorm(*args, **kwargs), torch.nn.LayerNorm(*args, **kwargs)
        assert repr(mine) == repr(theirs)
        assert list(mine.state_dict()) == list(theirs.state_dict())
    compare_with_torch(lambda lib, x: lib.nn.LayerNorm(4).double()(x), double(2, 4))


@pytest.mark.parametrize("call", [
    lambda lib, x, p: lib.nn.functional.layer_norm(x, (5,)),
    lambda lib, x, p: lib.nn.functional.layer_norm(x, (4,), p),
    lambda lib, x, p: lib.nn.functional.layer_norm(x, (4,), None, p),
    lambda lib, x, p: lib.nn.LayerNorm(5)(x),
])
def test_layer_norm_errors(call):
    compare_with_torch(call, double(3, 4).astype(np.float32), np.ones(3, np.float32),
                       raises=RuntimeError)


def test_layer_norm_int_shape_and_integer_input_errors():
    compare_with_torch(lambda lib, x: lib.nn.functional.layer_norm(x, 4), double(3, 4),
                       raises=TypeError)
    compare_with_torch(lambda lib, x: lib.nn.functional.layer_norm(x, (4,)),
                       np.ones((3, 4), np.int64), raises=NotImplementedError)


# ============================================================== group norm
def test_group_norm_matches_torch():
    compare_with_torch(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b) ** 2,
                       double(3, 4, 5), double(4, seed=1), double(4, seed=2), second_order=True)
    compare_with_torch(lambda lib, x: lib.nn.functional.group_norm(x, 3), double(2, 6, 2, 2),
                       second_order=True, atol=1e-12)


def test_group_norm_module_and_errors(torch):
    assert repr(gradlab.nn.GroupNorm(2, 4)) == repr(torch.nn.GroupNorm(2, 4))
    assert repr(gradlab.nn.GroupNorm(2, 4, affine=False)) == \
        repr(torch.nn.GroupNorm(2, 4, affine=False))
    assert list(gradlab.nn.GroupNorm(2, 4).state_dict()) == ["weight", "bias"]
    out = gradlab.nn.GroupNorm(2, 4)(gradlab.randn(3, 4, 5))
    assert type(out.grad_fn).__name__ == "NativeGroupNormBackward0"
    with pytest.raises(ValueError, match=r"num_channels \(4\) must be divisible by num_groups"):
        gradlab.nn.GroupNorm(3, 4)
    compare_with_torch(lambda lib, x: lib.nn.functional.group_norm(x, 3), double(3, 4, 2),
                       raises=RuntimeError)
    compare_with_torch(lambda lib, x: lib.nn.functional.group_norm(x, 2, lib.ones(3)),
                       double(3, 4, 2), raises=RuntimeError)
