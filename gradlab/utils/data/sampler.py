"""Samplers: which dataset indices a ``DataLoader`` visits, in which order.

``SequentialSampler`` gives 0 … N−1; ``RandomSampler`` a fresh permutation every epoch (or,
with ``replacement=True``, independent uniform draws); ``SubsetRandomSampler`` a permutation
of given indices; ``WeightedRandomSampler`` draws index i with probability weight[i] / Σ
weights. ``BatchSampler`` groups any sampler's indices into lists of ``batch_size``.

Random samplers draw from gradlab's generator, so ``torch.manual_seed`` (or a
``torch.Generator`` passed as ``generator=``) makes them reproducible; the numbers are not
PyTorch's, whose generator is a different algorithm.
"""
from ... import dtypes
from ...creation import as_tensor
from ...random import Generator, _rng, multinomial, randint, randperm

_CHUNK = 32  # draws with replacement are made this many at a time, so num_samples may be huge


class Sampler:
    """The base of every sampler: a subclass gives ``__iter__`` (and ``__len__`` if it can)."""

    def __class_getitem__(cls, item):  # ``Sampler[int]`` in a type hint or a base list
        return cls

    def __iter__(self):  # abstract, as in PyTorch: each sampler gives its own order
        raise NotImplementedError(f"{type(self).__name__} must define __iter__(), the order of indices")


class SequentialSampler(Sampler):
    """Indices 0, 1, …, len(data_source) − 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices, new every epoch.

    ``num_samples`` (default: the dataset's length) indices are drawn per epoch: without
    replacement, whole permutations one after another, the last cut short; with
    ``replacement=True``, independent uniform draws, made lazily so that ``num_samples``
    may be far larger than any epoch is ever read.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            # as PyTorch: a seed drawn from the global generator, so manual_seed fixes the order
            generator = Generator().manual_seed(int(_rng(None).integers(0, 2**63)))
        if self.replacement:
            for start in range(0, self.num_samples, _CHUNK):
                count = min(_CHUNK, self.num_samples - start)
                yield from randint(high=n, size=(count,), generator=generator).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from randperm(n, generator=generator).tolist()
        if self.num_samples % n:
            yield from randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, new every epoch (without replacement)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for position in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[position]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices, index i drawn with probability weights[i] / Σ weights (the
    weights need not sum to 1); ``replacement=False`` draws each index at most once."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = as_tensor(weights, dtype=dtypes.float64)
        if weights.ndim != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights.shape)}")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        yield from multinomial(self.weights, self.num_samples, self.replacement,
                               generator=self.generator).tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError("drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
