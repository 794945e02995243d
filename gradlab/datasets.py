"""Small real data sets for the lessons, as gradlab tensors.

``load_digits()`` gives scikit-learn's bundled handwritten digits: 1,797
grey-scale images of 8×8 pixels, labels 0–9. The data ship inside
scikit-learn, so nothing is downloaded. scikit-learn is part of the ``lab``
extra (``pip install "gradlab[lab]"``), not of the engine, so it is imported
only when a loader runs.
"""
import numpy as np

from . import dtypes
from .random import Generator, randperm
from .tensor import _wrap


def _sklearn_datasets():
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(
            "gradlab.datasets.load_digits needs scikit-learn, which ships the digits data; "
            'install the notebook extras with: pip install "gradlab[lab]" '
            "(or just: pip install scikit-learn)"
        ) from None
    return datasets


def load_digits(*, as_images=False, dtype=dtypes.float32):
    """``(images, labels)``: 1,797 handwritten digits.

    ``images`` are floats in [0, 1] (the raw pixels, 0–16, divided by 16), of
    shape (1797, 64) — one flat row per digit, ready for ``nn.Linear(64, ...)`` —
    or (1797, 1, 8, 8) with ``as_images=True``, ready for ``nn.Conv2d(1, ...)``.
    ``labels`` are int64 class indices of shape (1797,), as ``nn.CrossEntropyLoss``
    expects.
    """
    digits = _sklearn_datasets().load_digits()
    pixels = (digits.data / 16.0).astype(dtypes.as_dtype(dtype).numpy_dtype)
    if as_images:
        pixels = pixels.reshape(-1, 1, 8, 8)
    labels = digits.target.astype(np.int64)
    return _wrap(np.ascontiguousarray(pixels)), _wrap(labels)


def train_test_split(*tensors, test_size=0.2, seed=0):
    """Shuffle the rows (the same way in every tensor) and cut off ``test_size`` of them.

    Returns ``train, test`` for each tensor in turn, as scikit-learn's function
    of the same name: ``x_train, x_test, y_train, y_test = train_test_split(x, y)``.
    The same ``seed`` gives the same split, whatever ``manual_seed`` was used.
    """
    if not tensors:
        raise ValueError("train_test_split needs at least one tensor")
    count = len(tensors[0])
    if any(len(t) != count for t in tensors):
        sizes = ", ".join(str(len(t)) for t in tensors)
        raise ValueError(f"train_test_split: every tensor needs the same number of rows, got {sizes}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size is a fraction between 0 and 1, got {test_size}")
    test_count = int(np.ceil(count * test_size))
    order = randperm(count, generator=Generator().manual_seed(seed))
    test_rows, train_rows = order[:test_count], order[test_count:]
    result = []
    for t in tensors:
        result += [t[train_rows], t[test_rows]]
    return result
