"""Random numbers (gradlab/random.py): reproducible with a seed, PyTorch's shapes, dtypes and errors.

The numbers themselves differ from PyTorch's (NumPy's generator), so only
their statistics are checked."""
import numpy as np
import pytest

import gradlab


def test_manual_seed_reproduces_the_numbers():
    gradlab.manual_seed(0)
    first = [gradlab.rand(3).tolist(), gradlab.randn(2, 2).tolist(), gradlab.randint(0, 10, (4,)).tolist(),
             gradlab.randperm(5).tolist()]
    gradlab.manual_seed(0)
    again = [gradlab.rand(3).tolist(), gradlab.randn(2, 2).tolist(), gradlab.randint(0, 10, (4,)).tolist(),
             gradlab.randperm(5).tolist()]
    assert first == again
    assert gradlab.initial_seed() == 0


def test_a_generator_has_its_own_sequence():
    g = gradlab.Generator().manual_seed(3)
    a = gradlab.rand(4, generator=g).tolist()
    gradlab.rand(10)  # the global generator does not disturb g
    assert gradlab.rand(4, generator=gradlab.Generator().manual_seed(3)).tolist() == a
    assert g.initial_seed() == 3
    state = g.get_state()
    b = gradlab.randn(3, generator=g).tolist()
    g.set_state(state)
    assert gradlab.randn(3, generator=g).tolist() == b


def test_statistics():
    gradlab.manual_seed(1)
    uniform = gradlab.rand(20000).numpy()
    normal = gradlab.randn(20000).numpy()
    integers = gradlab.randint(3, 7, (20000,)).numpy()
    assert 0 <= uniform.min() and uniform.max() < 1 and abs(uniform.mean() - 0.5) < 0.01
    assert abs(normal.mean()) < 0.03 and abs(normal.std() - 1) < 0.03
    assert set(np.unique(integers)) == {3, 4, 5, 6}
    assert sorted(gradlab.randperm(50).tolist()) == list(range(50))


CASES = [
    "torch.rand(2, 3)", "torch.rand((2, 3))", "torch.rand(())", "torch.rand(size=(2, 3))",
    "torch.rand(2, dtype=torch.float64)", "torch.rand(2, requires_grad=True)", "torch.randn(2, 3)",
    "torch.randn(2, dtype=torch.float16)", "torch.randint(10, (3,))", "torch.randint(3, 10, (3,))",
    "torch.randint(3, 10, (3,), dtype=torch.float32)", "torch.randint(5, size=(2,))",
    "torch.randint(low=2, high=5, size=(2,))", "torch.randint(high=5, size=(2,))",
    "torch.randint(0, 2, (3,), dtype=torch.bool)", "torch.randperm(5)", "torch.randperm(5, dtype=torch.float32)",
    "torch.randperm(0)", "torch.normal(0., 1., (2, 3))", "torch.normal(torch.zeros(3), 1.)",
    "torch.normal(torch.zeros(3), torch.ones(3))", "torch.normal(2, 3, size=(1, 4))",
    "torch.rand_like(torch.zeros(2, 2))", "torch.randn_like(torch.zeros(2, 2, dtype=torch.float64))",
    "torch.zeros(3).uniform_(-1, 1)", "torch.zeros(3, dtype=torch.float64).normal_(0, 2)",
    # errors
    "torch.rand(2, dtype=torch.int64)", "torch.randn(2, dtype=torch.int32)", "torch.randint(10, 3, (3,))",
    "torch.randint(3, 10)", "torch.randint(0, 10, (3,), requires_grad=True)", "torch.randperm(-1)",
    "torch.rand(2.5)", "torch.rand(-1)", "torch.zeros(3, requires_grad=True).uniform_()",
    "torch.zeros(3).normal_(0, -1)", "torch.zeros(3).uniform_(2, 1)",
    "torch.normal(torch.zeros(2), torch.ones(3))", "torch.rand(2, device='cuda')",
    "torch.randint(0, 10, (3,), dtype=torch.bool)", "torch.rand_like(torch.zeros(2, dtype=torch.int64))",
]


def _outcome(lib, code):
    try:
        out = eval(code, {"torch": lib})
    except Exception as error:
        return "error", error
    return "ok", (str(out.dtype), tuple(out.shape), out.requires_grad, out.is_leaf)


@pytest.mark.parametrize("code", CASES)
def test_shapes_dtypes_and_errors_match_torch(torch, code):
    expected_kind, expected = _outcome(torch, code)
    kind, ours = _outcome(gradlab, code)
    assert kind == expected_kind, f"torch: {expected!r}\ngradlab: {ours!r}"
    if kind == "ok":
        assert ours == expected
    else:
        assert isinstance(ours, type(expected)) or (
            isinstance(expected, AssertionError) and isinstance(ours, RuntimeError)), (expected, ours)


def test_randint_like():
    from gradlab.random import randint_like

    x = randint_like(gradlab.zeros(2, 3, dtype=gradlab.int32), 3, 5)
    assert x.dtype is gradlab.int32 and x.shape == (2, 3) and set(x.flatten().tolist()) <= {3, 4}


def test_in_place_fills_bump_the_version():
    x = gradlab.zeros(3)
    x.uniform_()
    x.normal_()
    assert x._version == 2
