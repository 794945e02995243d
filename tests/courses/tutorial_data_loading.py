"""pytorch/tutorials, beginner_source/basics/data_tutorial.py and transforms_tutorial.py
(and recipes_source/recipes/loading_data_recipe.py).

"Datasets & DataLoaders" without files: a ``CustomImageDataset(Dataset)`` with
``__init__`` / ``__len__`` / ``__getitem__`` and ``transform`` / ``target_transform``, the
one-hot target transform ``torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y),
value=1)``, ``training_data[sample_idx]`` with ``torch.randint(len(data), size=(1,)).item()``,
``DataLoader(..., batch_size=64, shuffle=True)`` and ``next(iter(...))`` (shapes only: the
shuffle order is random), ``train_features.size()``, ``img.squeeze()`` and ``len(loader)``.
"""
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from _course_data import images

labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
              5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot"}


class CustomImageDataset(Dataset):
    def __init__(self, count, seed, transform=None, target_transform=None):
        self.pixels, self.img_labels = images(count, seed=seed)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        image = (self.pixels[idx] * 255).astype(np.uint8)  # what an image file would hold
        label = int(self.img_labels[idx])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


def to_tensor(picture):
    """What torchvision's ToTensor does: uint8 HWC-ish pixels to float in [0, 1]."""
    return torch.from_numpy(picture).float().div(255)


training_data = CustomImageDataset(150, seed=20, transform=to_tensor)
test_data = CustomImageDataset(40, seed=21, transform=to_tensor,
                               target_transform=lambda y: torch.zeros(10, dtype=torch.float).scatter_(
                                   0, torch.tensor(y), value=1))

sample_idx = torch.randint(len(training_data), size=(1,)).item()
print(type(sample_idx), 0 <= sample_idx < len(training_data))
for i in range(1, 4):
    img, label = training_data[i * 7]
    print(labels_map[label], img.shape, img.dtype, img.squeeze().shape, round(img.mean().item(), 4))
img, label = test_data[0]
print(label, label.dtype)

train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=64, shuffle=True)
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
print(img.shape, train_labels.dtype, len(train_dataloader), len(test_dataloader))
features, targets = next(iter(test_dataloader))
print(features.shape, targets.shape, targets.sum(1))

ordered = DataLoader(training_data, batch_size=64, shuffle=False, drop_last=True)
print(len(ordered), [labels.tolist()[:5] for _, labels in ordered])
