"""gradlab.utils.data (gradlab/utils/data/): TensorDataset, DataLoader batching and shuffling,
default_collate and random_split, against PyTorch where the results are deterministic."""
import numpy as np
import pytest

import gradlab
from gradlab.utils.data import (
    DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split,
)


def _dataset(lib, n=10):
    return lib.utils.data.TensorDataset(lib.arange(2.0 * n).reshape(n, 2), lib.arange(n))


def test_tensor_dataset_items_and_length():
    data = _dataset(gradlab)
    assert len(data) == 10
    x, y = data[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3
    assert isinstance(data, Dataset)


def test_tensor_dataset_size_mismatch(torch):
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(gradlab.zeros(3), gradlab.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        torch.utils.data.TensorDataset(torch.zeros(3), torch.zeros(4))


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True), (4, True),
                                                   (10, False), (12, False), (12, True)])
def test_sequential_batches_match_pytorch(torch, batch_size, drop_last):
    ours = DataLoader(_dataset(gradlab), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(_dataset(torch), batch_size=batch_size,
                                         drop_last=drop_last)
    assert len(ours) == len(theirs)
    our_batches, their_batches = list(ours), list(theirs)
    assert len(our_batches) == len(their_batches)
    for a, b in zip(our_batches, their_batches):
        assert type(a) is type(b) is list and len(a) == len(b) == 2
        for p, q in zip(a, b):
            assert p.tolist() == q.tolist() and str(p.dtype) == str(q.dtype)


def test_shuffle_visits_every_example_once_per_epoch():
    loader = DataLoader(_dataset(gradlab, 23), batch_size=5, shuffle=True)
    for _ in range(2):
        labels = [y for _, batch in loader for y in batch.tolist()]
        assert sorted(labels) == list(range(23)) and labels != list(range(23))
    shapes = [tuple(x.shape) for x, _ in loader]
    assert shapes == [(5, 2)] * 4 + [(3, 2)]
    assert [len(y) for _, y in DataLoader(_dataset(gradlab, 23), 5, shuffle=True,
                                          drop_last=True)] == [5] * 4


def test_shuffle_is_reproducible_with_manual_seed_and_generators():
    def order(**kwargs):
        return [y.tolist() for _, y in DataLoader(_dataset(gradlab), batch_size=4, shuffle=True,
                                                  **kwargs)]

    gradlab.manual_seed(0)
    first = order()
    gradlab.manual_seed(0)
    assert order() == first
    assert order() != first  # the next epoch draws a new order
    a = order(generator=gradlab.Generator().manual_seed(5))
    b = order(generator=gradlab.Generator().manual_seed(5))
    assert a == b
    # with its own generator the loader leaves the global generator alone
    gradlab.manual_seed(1)
    order(generator=gradlab.Generator().manual_seed(5))
    after = gradlab.rand(1).item()
    gradlab.manual_seed(1)
    assert gradlab.rand(1).item() == after


def test_each_epoch_draws_a_new_order_from_the_loaders_generator():
    generator = gradlab.Generator().manual_seed(2)
    loader = DataLoader(_dataset(gradlab), batch_size=10, shuffle=True, generator=generator)
    epoch_one, epoch_two = [y.tolist() for _, y in loader], [y.tolist() for _, y in loader]
    assert epoch_one != epoch_two and sorted(epoch_one[0]) == sorted(epoch_two[0])


def test_default_collate_matches_pytorch(torch):
    cases = [
        lambda lib: [lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])],
        lambda lib: [1, 2, 3],
        lambda lib: [1.5, 2.5],
        lambda lib: [(1, 2.0), (3, 4.0)],
        lambda lib: [{"x": lib.tensor(1.0), "y": 2}, {"x": lib.tensor(3.0), "y": 4}],
        lambda lib: [np.array([1, 2]), np.array([3, 4])],
        lambda lib: [("a", 1), ("b", 2)],
    ]
    for make in cases:
        assert repr(default_collate(make(gradlab))) == \
            repr(torch.utils.data.default_collate(make(torch)))


def test_loader_over_a_python_list_and_a_custom_dataset(torch):
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, index):
            return gradlab.tensor([float(index)]), index * index

    batches = list(DataLoader(Squares(), batch_size=2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [4, 9], [16]]
    assert batches[0][0].shape == (2, 1)
    assert [b.tolist() for b in DataLoader([1, 2, 3], batch_size=2)] == [[1, 2], [3]]
    unbatched = list(DataLoader(_dataset(gradlab, 3), batch_size=None))
    assert len(unbatched) == 3 and type(unbatched[0]) is list and unbatched[0][1].item() == 0


def test_custom_collate_fn_and_sampler():
    loader = DataLoader(list(range(6)), batch_size=2, sampler=[5, 4, 3, 2, 1, 0],
                        collate_fn=lambda items: sum(items))
    assert list(loader) == [9, 5, 1] and len(loader) == 3


def test_loader_argument_errors_match_pytorch(torch):
    for kwargs in ({"batch_size": 0}, {"batch_size": 2, "shuffle": True, "sampler": [0, 1]},
                   {"batch_size": 2, "drop_last": "yes"}):
        errors = []
        for lib in (gradlab, torch):
            with pytest.raises(ValueError) as info:
                lib.utils.data.DataLoader(_dataset(lib), **kwargs)
            errors.append(str(info.value))
        assert errors[0] == errors[1], kwargs


def test_random_split_lengths_and_fractions(torch):
    parts = random_split(range(10), [3, 7], generator=gradlab.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7] and all(isinstance(p, Subset) for p in parts)
    assert sorted(list(parts[0]) + list(parts[1])) == list(range(10))
    for fractions in ([0.5, 0.5], [0.3, 0.3, 0.4], [0.25, 0.75]):
        ours = [len(p) for p in random_split(range(11), fractions)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(11), fractions)]
        assert ours == theirs
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 3])
    again = random_split(range(10), [3, 7], generator=gradlab.Generator().manual_seed(0))
    assert list(again[0]) == list(parts[0])


def test_subset_of_a_tensor_dataset_in_a_loader():
    train, _ = random_split(_dataset(gradlab), [6, 4], generator=gradlab.Generator().manual_seed(1))
    xs, ys = next(iter(DataLoader(train, batch_size=6)))
    assert xs.shape == (6, 2) and sorted(ys.tolist()) == sorted(train.indices)
