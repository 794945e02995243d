"""``DataLoader``: iterate over a dataset in mini-batches.

Each epoch (each ``for batch in loader``) visits the indices 0 … N−1 in
order, or in a fresh random order when ``shuffle=True``, cuts them into
batches of ``batch_size`` (the last one smaller, unless ``drop_last=True``),
and stacks the examples of a batch into tensors whose first dimension is the
batch: a dataset of ``(image, label)`` pairs gives ``[images, labels]`` lists.

The random order comes from gradlab's generator, so ``torch.manual_seed``
(or a ``torch.Generator`` passed as ``generator=``) makes it reproducible.
"""
import collections.abc

import numpy as np

from ... import dtypes
from ...creation import tensor
from ...ops.shape import stack
from ...tensor import Tensor
from .dataset import TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


# ------------------------------------------------------------------- collate
def default_collate(batch):
    """Stack a list of examples into a batch, keeping the examples' structure.

    Tensors are stacked along a new first dimension; Python ints become an
    int64 tensor, floats a float64 tensor (as PyTorch); tuples and lists of
    fields become a list of collated fields; dicts a dict.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        return stack([tensor(b) for b in batch], 0)
    if isinstance(elem, (bool, np.bool_)):
        return tensor(batch)
    if isinstance(elem, (int, np.integer)):
        return tensor(batch)
    if isinstance(elem, (float, np.floating)):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(samples) for samples in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                    f"or lists; found {type(elem)}")


def _convert(example):
    """batch_size=None: examples are passed on one by one (tuples become lists, as PyTorch)."""
    if isinstance(example, tuple) and not hasattr(example, "_fields"):
        return list(example)
    return example


# ------------------------------------------------------------------ the loader
class DataLoader:
    """``DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, generator=None)``.

    ``len(loader)`` is the number of batches per epoch. ``num_workers`` is
    accepted for compatibility; gradlab always loads in the main process.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.collate_fn = collate_fn if collate_fn is not None else \
            (default_collate if batch_sampler is not None else _convert)

    def __iter__(self):
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        tensors = self.dataset.tensors if type(self.dataset) is TensorDataset \
            and self.collate_fn is default_collate else None
        for indices in self.batch_sampler:
            if tensors is not None:
                # the same values as stacking the examples one by one, in one indexing step
                index = tensor(indices)
                yield [t[index] for t in tensors]
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self):
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)
