"""Small stand-ins for the courses' data files, made from a seeded NumPy generator.

``names(count)`` replaces makemore's names.txt (lowercase name-like words); ``images``
replaces FashionMNIST / CIFAR-10 batches. Both give the same data on every run and
with either library, so only the code under test can make outputs differ.
"""
import numpy as np

_ONSETS = ["", "b", "ch", "d", "el", "j", "k", "l", "m", "n", "r", "s", "sh", "t", "v", "z", "qu", "x"]
_VOWELS = ["a", "e", "i", "o", "u", "y", "ia", "ae", "ou"]
_CODAS = ["", "", "n", "l", "r", "s", "h", "ck", "th", "x", "w", "f", "g", "p"]


def names(count, seed=0):
    """``count`` lowercase words of 2 to 10 letters (every letter a-z appears)."""
    rng = np.random.default_rng(seed)
    words = ["abcdefghijklmnopqrstuvwxyz"[i:i + 4] for i in range(0, 26, 4)]  # every letter at least once
    while len(words) < count:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                       for _ in range(rng.integers(1, 4)))
        if 2 <= len(word) <= 10:
            words.append(word)
    return words[:count]


def images(count, channels=1, size=28, classes=10, seed=0):
    """(float32 images in [0, 1] of shape (count, channels, size, size), int64 labels)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=count)
    # each class brightens its own band of rows, so a small net can learn something
    base = rng.random((count, channels, size, size)).astype(np.float32) * 0.5
    for index, label in enumerate(labels):
        band = (label * size) // classes
        base[index, :, band:band + max(1, size // classes), :] += 0.5
    return base.astype(np.float32), labels.astype(np.int64)
