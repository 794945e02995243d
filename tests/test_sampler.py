"""Samplers (gradlab/utils/data/sampler.py) against torch.utils.data: lengths, which indices
come out and how often, reproducibility, errors. The random streams differ from PyTorch's by
design, so orders are compared as multisets."""
import collections

import pytest

import gradlab
from gradlab.utils.data import (
    DataLoader, RandomSampler, Sampler, SubsetRandomSampler, WeightedRandomSampler,
)


def _both(torch, code):
    """``code`` evaluated with ``torch`` and with gradlab: (kind, value or error) for each."""
    def outcome(lib):
        data = lib.utils.data
        try:
            return "ok", eval(code, {"torch": lib, "data": data, "d": list(range(5))})
        except Exception as error:
            return "error", error
    return outcome(torch), outcome(gradlab)


@pytest.mark.parametrize("code", [
    "len(data.RandomSampler(d))", "len(data.RandomSampler(d, replacement=True))",
    "len(data.RandomSampler(d, replacement=True, num_samples=12))",
    "len(data.RandomSampler(d, num_samples=12))", "data.RandomSampler(d, True, 7).num_samples",
    "data.RandomSampler(d).replacement", "sorted(data.RandomSampler(d))",
    "sorted(data.RandomSampler(d, num_samples=12))[::5]",
    "collections.Counter(data.RandomSampler(d, num_samples=13)).most_common(3)[0][1]",
    "len(list(data.RandomSampler(d, num_samples=3)))", "len(set(data.RandomSampler(d, num_samples=3)))",
    "len(list(data.RandomSampler(d, replacement=True, num_samples=70)))",
    "all(0 <= i < 5 for i in data.RandomSampler(d, replacement=True, num_samples=70))",
    "type(next(iter(data.RandomSampler(d, replacement=True))))",
    "len(data.RandomSampler(d, num_samples=True))",
    "len(data.SubsetRandomSampler([4, 2, 9]))", "sorted(data.SubsetRandomSampler([4, 2, 9]))",
    "data.SubsetRandomSampler([4, 2, 9]).indices",
    "type(next(iter(data.SubsetRandomSampler(torch.tensor([4, 2, 9])))))",
    "len(data.WeightedRandomSampler([0.1, 0.9, 0.0], 5))", "data.WeightedRandomSampler([1, 2], 2).weights",
    "data.WeightedRandomSampler([1, 2], 2).num_samples", "data.WeightedRandomSampler([1, 2], 2).replacement",
    "sorted(set(data.WeightedRandomSampler([0.1, 0.9, 0.0], 300)))",
    "sorted(data.WeightedRandomSampler([0.1, 0.9, 0.0], 3, replacement=False))",
    "type(next(iter(data.WeightedRandomSampler([1., 2.], 2))))",
    "len(data.DataLoader(d, sampler=data.RandomSampler(d, replacement=True, num_samples=7), batch_size=2))",
    "len(data.DataLoader(d, sampler=data.SubsetRandomSampler([1, 2, 3]), batch_size=2))",
    "len(data.DataLoader(d, sampler=data.WeightedRandomSampler([1, 2], 9), batch_size=4))",
    "isinstance(data.WeightedRandomSampler([1.], 1), data.Sampler)",
    # errors
    "data.RandomSampler(d, num_samples=0)", "data.RandomSampler(d, num_samples=-1)",
    "data.RandomSampler(d, num_samples=2.0)", "data.RandomSampler(d, replacement=1)",
    "data.RandomSampler(d, replacement=None)", "data.RandomSampler([])",
    "list(data.RandomSampler([], replacement=True, num_samples=3))",
    "data.DataLoader([], shuffle=True)",
    "data.WeightedRandomSampler([1.], 0)", "data.WeightedRandomSampler([1.], 2.0)",
    "data.WeightedRandomSampler([1.], True)", "data.WeightedRandomSampler([1.], 2, replacement=1)",
    "data.WeightedRandomSampler([[1., 2.]], 2)",
    "list(data.WeightedRandomSampler([0.1, 0.9, 0.0], 4, replacement=False))",
    "list(data.WeightedRandomSampler([0., 0.], 2))", "list(data.WeightedRandomSampler([-1., 2.], 2))",
    "list(data.WeightedRandomSampler([], 2))",
    "len(data.Sampler())", "iter(data.Sampler())",
])
def test_matches_torch(torch, code):
    code = code.replace("collections.", "__import__('collections').")
    (kind, expected), (our_kind, ours) = _both(torch, code)
    assert our_kind == kind, (expected, ours)
    if kind == "ok":
        if isinstance(expected, torch.Tensor):
            assert ours.dtype.__repr__().replace("gradlab", "torch") == repr(expected.dtype)
            assert ours.tolist() == expected.tolist()
        elif isinstance(expected, type):
            assert ours.__name__ == expected.__name__
        else:
            assert ours == expected
    else:
        assert type(ours) is type(expected), (expected, ours)
        if str(expected) and not str(expected).startswith("invalid multinomial"):
            assert str(ours).startswith(str(expected)), (expected, ours)


def test_huge_num_samples_with_replacement_is_lazy():
    """makemore's infinite loader: ``num_samples=int(1e10)`` draws only what is read."""
    sampler = RandomSampler(range(3), replacement=True, num_samples=int(1e10))
    assert len(sampler) == int(1e10)
    batch = next(iter(DataLoader(gradlab.arange(30).reshape(3, 10), batch_size=8, sampler=sampler)))
    assert list(batch.shape) == [8, 10]


def test_replacement_draws_cover_every_index_about_evenly():
    counts = collections.Counter(RandomSampler(range(4), replacement=True, num_samples=4000))
    assert sorted(counts) == [0, 1, 2, 3] and all(800 < c < 1200 for c in counts.values())
    counts = collections.Counter(WeightedRandomSampler([1.0, 3.0], 4000))
    assert 2700 < counts[1] < 3300


def test_without_replacement_longer_than_the_data_repeats_whole_permutations():
    order = list(RandomSampler(range(4), num_samples=10))
    assert sorted(order[:4]) == sorted(order[4:8]) == [0, 1, 2, 3] and len(set(order[8:])) == 2


@pytest.mark.parametrize("make", [
    lambda g: RandomSampler(range(10), generator=g),
    lambda g: RandomSampler(range(10), replacement=True, num_samples=50, generator=g),
    lambda g: SubsetRandomSampler([3, 1, 4, 5, 9], generator=g),
    lambda g: WeightedRandomSampler([1.0, 2.0, 3.0], 20, generator=g),
    lambda g: WeightedRandomSampler([1.0, 2.0, 3.0], 3, replacement=False, generator=g),
])
def test_generator_and_manual_seed_make_the_order_reproducible(make):
    first = list(make(gradlab.Generator().manual_seed(7)))
    assert first == list(make(gradlab.Generator().manual_seed(7)))
    gradlab.manual_seed(3)
    default = list(make(None))
    gradlab.manual_seed(3)
    assert default == list(make(None))


def test_a_sampler_subclass_with_a_type_parameter():
    class Evens(Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return (self.n + 1) // 2

    loader = DataLoader(gradlab.arange(10.0), batch_size=2, sampler=Evens(10))
    assert [b.tolist() for b in loader] == [[0.0, 2.0], [4.0, 6.0], [8.0]]
