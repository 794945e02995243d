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


# ------------------------------------------------------- multinomial, bernoulli, fills
SAMPLING_CASES = [
    "torch.multinomial(torch.tensor([0.2, 0.8]), 2)", "torch.multinomial(torch.tensor([0.2, 0.8]), 5, True)",
    "torch.multinomial(torch.ones(3, 4), 2)", "torch.multinomial(torch.ones(3, 4), 6, replacement=True)",
    "torch.multinomial(torch.ones(0, 3), 1)", "torch.multinomial(torch.ones(2, dtype=torch.float64), 1)",
    "torch.multinomial(torch.ones(2, requires_grad=True), 1)", "torch.ones(3).multinomial(num_samples=2)",
    "torch.multinomial(torch.ones(3), torch.tensor(2))",
    "torch.bernoulli(torch.full((2, 3), 0.5))", "torch.bernoulli(torch.full((2,), 0.5, dtype=torch.float64))",
    "torch.bernoulli(torch.full((2,), 0.5, requires_grad=True))", "torch.bernoulli(torch.zeros(3), 0.5)",
    "torch.bernoulli(torch.zeros(3, dtype=torch.int64), 0.5)", "torch.zeros(3).bernoulli()",
    "torch.zeros(3).bernoulli_(0.3)", "torch.zeros(3, dtype=torch.int64).bernoulli_(0.3)",
    "torch.zeros(2, 3).bernoulli_(torch.full((3,), 0.5))", "torch.zeros(3, dtype=torch.bool).bernoulli_()",
    "torch.zeros(3).random_()", "torch.zeros(3).random_(10)", "torch.zeros(3).random_(3, 10)",
    "torch.zeros(3, dtype=torch.int8).random_()", "torch.zeros(3, dtype=torch.bool).random_()",
    "torch.zeros(3).random_(to=5)", "torch.zeros(3).random_(-5, None)", "torch.zeros(3).exponential_(2.)",
    "torch.rand(2, generator=torch.Generator())", "torch.randn(2, generator=torch.Generator())",
    "torch.randint(0, 3, (2,), generator=torch.Generator())", "torch.randperm(3, generator=torch.Generator())",
    "torch.normal(0., 1., (2,), generator=torch.Generator())", "torch.rand_like(torch.zeros(2), generator=torch.Generator())",
    "torch.randn_like(torch.zeros(2), generator=torch.Generator())",
    "torch.randint_like(torch.zeros(2), 5, generator=torch.Generator())",
    "torch.zeros(2).exponential_(generator=torch.Generator())", "torch.zeros(2).random_(generator=torch.Generator())",
    "torch.normal(torch.zeros(2, requires_grad=True), 1.)", "torch.normal(1., torch.ones(2, requires_grad=True))",
    "torch.normal(torch.zeros(2, 3), torch.ones(3, requires_grad=True))",
    "torch.normal(torch.zeros(2, dtype=torch.float64), 1.)",
    # errors
    "torch.multinomial(torch.tensor([0.2, 0.8]), 3)", "torch.multinomial(torch.tensor([-0.2, 0.8]), 1)",
    "torch.multinomial(torch.tensor([float('inf'), 0.8]), 1)", "torch.multinomial(torch.tensor([float('nan'), 1.]), 1)",
    "torch.multinomial(torch.tensor([[0., 0.], [1., 1.]]), 1)", "torch.multinomial(torch.tensor(1.), 1)",
    "torch.multinomial(torch.ones(2, 2, 2), 1)", "torch.multinomial(torch.ones(2), 0)",
    "torch.multinomial(torch.tensor([1, 2]), 1)", "torch.multinomial(torch.ones(2), 1.5)",
    "torch.multinomial([1., 2.], 1)",
    "torch.bernoulli(torch.tensor([1.2, 0.8]))", "torch.bernoulli(torch.tensor([float('nan')]))",
    "torch.bernoulli(torch.tensor([1, 0]))", "torch.bernoulli(torch.zeros(2), 1.5)",
    "torch.zeros(3).bernoulli_(1.3)", "torch.zeros(3, requires_grad=True).bernoulli_(0.3)",
    "torch.zeros(2).bernoulli_(torch.tensor([0.5, 0.5, 0.1]))", "torch.zeros(2).bernoulli_(torch.tensor([1, 0]))",
    "torch.zeros(3).random_(10, 3)", "torch.zeros(3).random_(0)", "torch.zeros(3, dtype=torch.int8).random_(200)",
    "torch.zeros(3, dtype=torch.uint8).random_(-1, 2)", "torch.zeros(2, dtype=torch.bool).random_(0, 3)",
    "torch.zeros(3).random_(2.5, 7.9)", "torch.zeros(3, requires_grad=True).random_()",
    "torch.zeros(3).exponential_(-2.)", "torch.zeros(3).exponential_(0.)",
    "torch.zeros(3, dtype=torch.int64).exponential_()",
    "torch.normal(torch.zeros(2), 1., (2,))", "torch.normal(torch.zeros(2, dtype=torch.int64), 1.)",
    "torch.normal(torch.zeros(2), torch.tensor([-1., 1.]))", "torch.normal(0., -1., (2,))",
    "torch.nn.functional.dropout(torch.ones(2), generator=torch.Generator())",
]


def _sampled(lib, code):
    try:
        out = eval(code, {"torch": lib})
    except Exception as error:
        return "error", error
    grad_fn = type(out.grad_fn).__name__ if out.grad_fn is not None else None
    return "ok", (str(out.dtype), tuple(out.shape), out.requires_grad, grad_fn)


@pytest.mark.parametrize("code", SAMPLING_CASES)
def test_sampling_shapes_dtypes_graphs_and_errors_match_torch(torch, code):
    expected_kind, expected = _sampled(torch, code)
    kind, ours = _sampled(gradlab, code)
    assert kind == expected_kind, f"torch: {expected!r}\ngradlab: {ours!r}"
    if kind == "ok":
        assert ours == expected
    else:
        assert type(ours) is type(expected), (expected, ours)
        first_words = str(expected).split("(Could")[0].split(", but expected")[0].strip()[:40]
        if not isinstance(expected, TypeError):  # PyTorch's argument listings are reworded
            assert str(ours).startswith(first_words), (expected, ours)


def test_random_fills_record_a_zero_gradient(torch):
    def run(lib):
        p = lib.tensor([0.2, 0.8], requires_grad=True)
        outs = [(p * 1).bernoulli_(0.5), (p * 1).bernoulli_(lib.tensor([0.5, 0.5])), (p * 1).random_(),
                (p * 1).random_(2, 5), (p * 1).random_(5), (p * 1).exponential_(), (p * 1).normal_(),
                (p * 1).uniform_(), lib.bernoulli(p), lib.normal(p, 1.), lib.normal(1., p), lib.normal(p, p)]
        names = [type(o.grad_fn).__name__ for o in outs]
        children = [[type(n).__name__ if n is not None else None for n, _ in o.grad_fn.next_functions]
                    for o in outs]
        grads = lib.autograd.grad(sum(o.sum() for o in outs), p)[0].tolist()
        return names, children, grads

    assert run(gradlab) == run(torch)


def test_bernoulli_with_number_p_has_no_derivative(torch):
    for lib in (gradlab, torch):
        out = lib.bernoulli(lib.tensor([0.2, 0.8], requires_grad=True), 0.5)
        assert type(out.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::bernoulli is not implemented"):
            out.sum().backward()


def test_makemore_sampling_is_reproducible_with_a_seeded_generator():
    """Karpathy's makemore: a seeded Generator gives the same names every run."""
    def names():
        g = gradlab.Generator().manual_seed(2147483647)
        W = gradlab.randn((27, 27), generator=g)
        batch = gradlab.randint(0, 100, (32,), generator=g)
        out = []
        for _ in range(5):
            ix, word = 0, []
            while True:
                p = W[ix].exp() / W[ix].exp().sum()
                ix = gradlab.multinomial(p, num_samples=1, replacement=True, generator=g).item()
                if ix == 0 or len(word) > 20:
                    break
                word.append(ix)
            out.append(word)
        return out, batch.tolist()

    assert names() == names()


def test_multinomial_with_replacement_follows_the_weights():
    g = gradlab.Generator().manual_seed(0)
    weights = gradlab.tensor([[1., 0., 3., 4.], [0., 0., 0., 2.]])
    samples = gradlab.multinomial(weights, 40000, replacement=True, generator=g)
    assert samples.dtype is gradlab.int64 and samples.shape == (2, 40000)
    frequencies = np.bincount(samples[0].numpy(), minlength=4) / 40000
    assert np.allclose(frequencies, [0.125, 0, 0.375, 0.5], atol=0.01)
    assert (samples[1] == 3).all()


def test_multinomial_without_replacement_draws_each_category_once():
    g = gradlab.Generator().manual_seed(1)
    weights = gradlab.tensor([1., 0., 2., 7.])
    firsts = []
    for _ in range(4000):
        sample = gradlab.multinomial(weights, 3, generator=g).tolist()
        assert len(set(sample)) == 3
        assert 1 not in sample[:2] or sample.index(1) == 2  # weight 0: only once the others are used up
        firsts.append(sample[0])
    assert np.allclose(np.bincount(firsts, minlength=4) / 4000, [0.1, 0, 0.2, 0.7], atol=0.02)
    assert gradlab.multinomial(gradlab.tensor([1., 0., 0.]), 3, generator=g).tolist() == [0, 1, 2]


def test_bernoulli_random_and_exponential_statistics():
    g = gradlab.Generator().manual_seed(3)
    p = gradlab.tensor([0.1, 0.5, 0.9]).expand(20000, 3)
    assert np.allclose(gradlab.bernoulli(p, generator=g).mean(0).numpy(), [0.1, 0.5, 0.9], atol=0.02)
    assert abs(gradlab.zeros(20000).bernoulli_(0.25, generator=g).mean().item() - 0.25) < 0.02
    assert set(gradlab.zeros(2000).random_(3, 6, generator=g).tolist()) == {3., 4., 5.}
    assert set(gradlab.zeros(2000, dtype=gradlab.bool).random_(generator=g).tolist()) == {False, True}
    top = gradlab.zeros(2000, dtype=gradlab.int8).random_(generator=g)
    assert 0 <= top.min().item() and top.max().item() <= 127
    assert abs(gradlab.zeros(20000).exponential_(4., generator=g).mean().item() - 0.25) < 0.01
    mean, std = gradlab.full((20000,), 3.), gradlab.full((20000,), 0.5)
    sample = gradlab.normal(mean, std, generator=g)
    assert abs(sample.mean().item() - 3) < 0.02 and abs(sample.std().item() - 0.5) < 0.02


def test_a_seeded_generator_repeats_every_sampler():
    def draw():
        g = gradlab.Generator().manual_seed(5)
        return [gradlab.multinomial(gradlab.ones(5), 3, generator=g).tolist(),
                gradlab.multinomial(gradlab.ones(2, 5), 4, True, generator=g).tolist(),
                gradlab.bernoulli(gradlab.full((4,), 0.5), generator=g).tolist(),
                gradlab.zeros(4).random_(10, generator=g).tolist(),
                gradlab.zeros(4).exponential_(generator=g).tolist(),
                gradlab.normal(gradlab.zeros(3), 1., generator=g).tolist(),
                gradlab.rand_like(gradlab.zeros(2), generator=g).tolist()]

    assert draw() == draw()
