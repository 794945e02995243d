"""gradlab.nn.utils (gradlab/nn/utils/): gradient clipping and parameters as one vector,
against PyTorch."""
import math
import warnings

import numpy as np
import pytest

import gradlab
from gradlab import nn

_SHAPES = [(3, 4), (5,), (2, 2), (1,)]


def _parameters(lib, dtype="float32", scale=3.0, without_grad=(2,), special=None):
    """Parameters with random gradients (``without_grad``: indices left with ``.grad`` None;
    ``special``: a value written into the first gradient, e.g. nan)."""
    rng = np.random.default_rng(0)
    params = []
    for index, shape in enumerate(_SHAPES):
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(shape), dtype=getattr(lib, dtype)))
        grad = rng.standard_normal(shape) * scale
        if special is not None and index == 0:
            grad.flat[0] = special
        if index not in without_grad:
            p.grad = lib.tensor(grad, dtype=getattr(lib, dtype))
        params.append(p)
    return params


def _grads(params):
    return [None if p.grad is None else p.grad.numpy() for p in params]


def _assert_same(ours, theirs, rtol=1e-5):
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("norm_type", [2, 2.0, 1, 3, 0.5, math.inf, "inf", -math.inf, 0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("max_norm", [1.5, 1e6])
def test_clip_grad_norm_matches_pytorch(torch, norm_type, dtype, max_norm):
    results = []
    for lib in (gradlab, torch):
        params = _parameters(lib, dtype)
        total = lib.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        results.append((total, _grads(params)))
    (ours, our_grads), (theirs, their_grads) = results
    assert isinstance(ours, gradlab.Tensor) and ours.shape == () and ours.grad_fn is None
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)
    _assert_same(our_grads, their_grads)


def test_clip_grad_norm_of_one_tensor_and_of_none(torch):
    for lib in (gradlab, torch):
        p = _parameters(lib)[0]
        total = lib.nn.utils.clip_grad_norm_(p, 1.0)
        assert abs(p.grad.norm().item() - 1.0) < 1e-5 and total.item() > 1
        empty = lib.nn.utils.clip_grad_norm_([lib.nn.Parameter(lib.ones(2))], 1.0)
        assert repr(empty) == "tensor(0.)"
        with pytest.warns(UserWarning, match="`parameters` is an empty generator"):
            lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)


@pytest.mark.parametrize("special", [math.nan, math.inf])
def test_clip_grad_norm_of_nonfinite_gradients(torch, special):
    results, messages = [], []
    for lib in (gradlab, torch):
        params = _parameters(lib, special=special)
        with pytest.raises(RuntimeError) as info:
            lib.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
        messages.append(str(info.value))
        total = lib.nn.utils.clip_grad_norm_(params, 1.0, foreach=None)  # scaled anyway
        results.append((total.item(), _grads(params)))
    assert messages[0] == messages[1]
    assert messages[0].startswith("The total norm of order 2.0 for gradients from `parameters` "
                                  "is non-finite")
    (ours, our_grads), (theirs, their_grads) = results
    assert repr(ours) == repr(theirs)
    _assert_same(our_grads, their_grads)


@pytest.mark.parametrize("foreach", [None, True, False])
def test_clipping_a_models_parameters_generator_with_foreach(torch, foreach):
    """The training-loop form: model.parameters() (a generator), foreach as a caller passes it."""
    results = []
    for lib in (gradlab, torch):
        model = lib.nn.Linear(3, 2)
        with lib.no_grad():
            model.weight.copy_(lib.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]]))
            model.bias.copy_(lib.tensor([0.1, -0.2]))
        model(lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])).pow(2).sum().backward()
        total = lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=foreach)
        norm_after = math.sqrt(sum((p.grad ** 2).sum().item() for p in model.parameters()))
        assert lib.nn.utils.clip_grad_value_(model.parameters(), 0.3, foreach=foreach) is None
        results.append((total.item(), norm_after, [p.grad.numpy().copy() for p in model.parameters()]))
    (ours, our_after, our_grads), (theirs, their_after, their_grads) = results
    assert ours == pytest.approx(theirs, rel=1e-6) and ours > 1.0
    assert our_after == pytest.approx(their_after, rel=1e-6) == pytest.approx(1.0, rel=1e-5)
    _assert_same(our_grads, their_grads)
    assert max(abs(v) for g in our_grads for v in g.ravel()) <= 0.3


def test_clip_grad_value_of_one_tensor(torch):
    results = []
    for lib in (gradlab, torch):
        p = lib.nn.Parameter(lib.zeros(3))
        p.grad = lib.tensor([-5.0, 0.25, 7.0])
        lib.nn.utils.clip_grad_value_(p, 1.0)
        results.append(p.grad.tolist())
    assert results[0] == results[1] == [-1.0, 0.25, 1.0]


def test_clip_grad_norm_deprecated_name(torch):
    for lib in (gradlab, torch):
        with pytest.warns(FutureWarning, match="clip_grad_norm_"):
            lib.nn.utils.clip_grad_norm(_parameters(lib), 1.0)


def test_get_total_norm_and_clip_grads_with_norm(torch):
    results = []
    for lib in (gradlab, torch):
        params = _parameters(lib)
        grads = [p.grad for p in params if p.grad is not None]
        total = lib.nn.utils.get_total_norm(grads, norm_type=3.0)
        lib.nn.utils.clip_grads_with_norm_(params, 2.0, total)
        results.append((total.item(), _grads(params)))
    assert np.isclose(results[0][0], results[1][0], rtol=1e-6)
    _assert_same(results[0][1], results[1][1])


@pytest.mark.parametrize("clip_value", [0.5, 2, 100.0])
def test_clip_grad_value_matches_pytorch(torch, clip_value):
    results = []
    for lib in (gradlab, torch):
        params = _parameters(lib)
        versions = [p.grad._version for p in params if p.grad is not None]
        assert lib.nn.utils.clip_grad_value_(params, clip_value) is None
        # changed in place (PyTorch clamps twice, min then max: its counter moves by 2)
        assert all(p.grad._version > v for p, v in zip([p for p in params if p.grad is not None],
                                                       versions))
        results.append(_grads(params))
    _assert_same(*results)


def test_clipping_inside_a_training_step_is_not_recorded():
    model = nn.Linear(3, 2)
    loss = model(gradlab.ones(4, 3)).pow(2).sum()
    loss.backward(create_graph=True)
    nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    nn.utils.clip_grad_value_(model.parameters(), 0.01)
    assert all(abs(v) <= 0.01 for p in model.parameters() for v in p.grad.flatten().tolist())


def test_parameters_to_vector_matches_pytorch(torch):
    results = []
    for lib in (gradlab, torch):
        params = _parameters(lib)
        vector = lib.nn.utils.parameters_to_vector(params)
        (vector * lib.arange(float(vector.numel()))).sum().backward()
        results.append(vector)
        assert vector.grad_fn.next_functions[0][0].name() == "ViewBackward0"
    ours, theirs = results
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__ == "CatBackward0"
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def test_vector_to_parameters_matches_pytorch(torch):
    results = []
    for lib in (gradlab, torch):
        params = _parameters(lib)
        vector = lib.arange(float(sum(p.numel() for p in params)))
        assert lib.nn.utils.vector_to_parameters(vector, params) is None
        assert all(p.is_leaf and p.requires_grad and p.grad_fn is None for p in params)
        vector[0] = 100.0  # the parameters share the vector's memory, as in PyTorch
        results.append([p.detach().numpy().copy() for p in params])
        with pytest.raises(TypeError) as info:
            lib.nn.utils.vector_to_parameters([1.0, 2.0], params)
        results.append(str(info.value))
    assert results[1] == results[3] == "expected torch.Tensor, but got: list"
    _assert_same(results[0], results[2])
    assert results[0][0].flat[0] == 100.0


def test_module_paths_mirror_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from gradlab.nn.utils import clip_grad_norm_, parameters_to_vector  # noqa: F401 (imports)
    assert nn.utils.clip_grad_norm_.__module__ == "gradlab.nn.utils.clip_grad"
    assert nn.utils.vector_to_parameters.__module__ == "gradlab.nn.utils.convert_parameters"
