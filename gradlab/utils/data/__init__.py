"""``gradlab.utils.data``: datasets and mini-batches, as ``torch.utils.data``."""
from .dataloader import (
    BatchSampler, DataLoader, RandomSampler, SequentialSampler, default_collate,
)
from .dataset import Dataset, Subset, TensorDataset, random_split

__all__ = [
    "BatchSampler", "DataLoader", "Dataset", "RandomSampler", "SequentialSampler", "Subset",
    "TensorDataset", "default_collate", "random_split",
]
