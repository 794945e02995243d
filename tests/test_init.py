"""nn.init (gradlab/nn/init.py): gains, fans, the statistics of each scheme, PyTorch's defaults."""
import math

import numpy as np
import pytest

import gradlab
from gradlab import nn
from gradlab.nn import init


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None),
])
def test_calculate_gain_matches_pytorch(torch, nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == \
        torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors_match_pytorch(torch):
    for args in (("softplus",), ("leaky_relu", "x"), ("leaky_relu", True)):
        with pytest.raises(ValueError) as ours:
            init.calculate_gain(*args)
        with pytest.raises(ValueError) as theirs:
            torch.nn.init.calculate_gain(*args)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("shape", [(3, 5), (8, 3, 3, 3), (4, 2, 5), (7, 1)])
def test_fan_in_and_fan_out_match_pytorch(torch, shape):
    assert init._calculate_fan_in_and_fan_out(gradlab.empty(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_fan_of_a_vector_is_an_error():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(gradlab.empty(5))


def test_fill_functions_work_on_parameters_in_place():
    p = nn.Parameter(gradlab.empty(3, 4))
    assert init.constant_(p, 0.5) is p and np.all(p.detach().numpy() == 0.5)
    assert init.ones_(p) is p and np.all(p.detach().numpy() == 1)
    assert init.zeros_(p) is p and not p.any()
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def _values(fill, shape=(400, 500)):
    gradlab.manual_seed(0)
    tensor = nn.Parameter(gradlab.empty(shape))
    assert fill(tensor) is tensor
    return tensor.detach().numpy()


def test_uniform_and_normal_statistics():
    values = _values(lambda t: init.uniform_(t, -2.0, 3.0))
    assert values.min() >= -2 and values.max() < 3 and abs(values.mean() - 0.5) < 0.02
    values = _values(lambda t: init.normal_(t, 1.0, 0.5))
    assert abs(values.mean() - 1.0) < 0.01 and abs(values.std() - 0.5) < 0.01


@pytest.mark.parametrize("fill, expected_std, bound", [
    (lambda t: init.xavier_uniform_(t), math.sqrt(2 / 900), math.sqrt(6 / 900)),
    (lambda t: init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(2 / 900), 2 * math.sqrt(6 / 900)),
    (lambda t: init.xavier_normal_(t), math.sqrt(2 / 900), None),
    (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2 / 500),
     math.sqrt(6 / 500)),
    (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), 1 / math.sqrt(3 * 500),
     1 / math.sqrt(500)),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / 400),
     None),
])
def test_scheme_statistics(fill, expected_std, bound):
    values = _values(fill)  # fan_in 500, fan_out 400
    assert abs(values.std() - expected_std) / expected_std < 0.01
    assert abs(values.mean()) < 0.01 * expected_std * 10
    if bound is not None:
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound


def test_kaiming_mode_errors_and_empty_tensors(torch):
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(gradlab.empty(2, 2), mode="fan_avg")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(gradlab.empty(0, 3))


def test_seeded_and_generator_reproducible():
    gradlab.manual_seed(3)
    first = nn.Linear(10, 5)
    gradlab.manual_seed(3)
    second = nn.Linear(10, 5)
    assert gradlab.equal(first.weight, second.weight) and gradlab.equal(first.bias, second.bias)
    a = init.normal_(gradlab.empty(5), generator=gradlab.Generator().manual_seed(1))
    b = init.normal_(gradlab.empty(5), generator=gradlab.Generator().manual_seed(1))
    assert gradlab.equal(a, b)


@pytest.mark.parametrize("make, fan_in", [
    (lambda nn: nn.Linear(300, 200), 300),
    (lambda nn: nn.Conv2d(16, 32, 3), 16 * 9),
    (lambda nn: nn.Conv2d(1, 64, (5, 3)), 15),
])
def test_default_layer_init_has_pytorchs_bounds_and_spread(torch, make, fan_in):
    """Weights and bias uniform in ±1/sqrt(fan_in) in both libraries (the same distribution)."""
    gradlab.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = make(nn), make(torch.nn)
    bound = 1 / math.sqrt(fan_in)
    for name in ("weight", "bias"):
        a = getattr(ours, name).detach().numpy()
        b = getattr(theirs, name).detach().numpy()
        assert a.shape == b.shape and a.dtype == b.dtype
        for values in (a, b):
            assert np.abs(values).max() <= bound
        if a.size > 1000:  # same spread: the std of U(-bound, bound) is bound/√3
            assert abs(a.std() - b.std()) / b.std() < 0.05
            assert abs(a.std() - bound / math.sqrt(3)) / a.std() < 0.05
