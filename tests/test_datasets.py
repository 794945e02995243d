"""gradlab.datasets (gradlab/datasets.py): scikit-learn's digits as tensors, and the split."""
import sys

import numpy as np
import pytest

import gradlab
from gradlab import datasets

pytest.importorskip("sklearn")


def test_load_digits_flat():
    images, labels = datasets.load_digits()
    assert images.shape == (1797, 64) and images.dtype == gradlab.float32
    assert labels.shape == (1797,) and labels.dtype == gradlab.int64
    assert images.min().item() == 0.0 and images.max().item() == 1.0
    assert sorted(set(labels.tolist())) == list(range(10))
    assert not images.requires_grad and images.is_contiguous()


def test_load_digits_as_images_for_conv2d():
    images, labels = datasets.load_digits(as_images=True)
    flat, _ = datasets.load_digits()
    assert images.shape == (1797, 1, 8, 8) and images.is_contiguous()
    assert gradlab.equal(images.reshape(1797, 64), flat)
    assert datasets.load_digits(dtype=gradlab.float64)[0].dtype == gradlab.float64


def test_matches_scikit_learn():
    from sklearn.datasets import load_digits

    raw = load_digits()
    images, labels = datasets.load_digits()
    np.testing.assert_allclose(images.numpy(), raw.data / 16, rtol=1e-6)
    np.testing.assert_array_equal(labels.numpy(), raw.target)


def test_train_test_split_is_seeded_and_disjoint():
    images, labels = datasets.load_digits()
    x_train, x_test, y_train, y_test = datasets.train_test_split(images, labels, test_size=0.2)
    assert x_train.shape == (1437, 64) and x_test.shape == (360, 64)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    gradlab.manual_seed(123)  # the global seed does not change the split
    again = datasets.train_test_split(images, labels, test_size=0.2)
    assert gradlab.equal(again[1], x_test) and gradlab.equal(again[3], y_test)
    other = datasets.train_test_split(images, labels, test_size=0.2, seed=1)
    assert not gradlab.equal(other[3], y_test)
    assert len(x_train) + len(x_test) == len(images)
    assert sorted(y_train.tolist() + y_test.tolist()) == sorted(labels.tolist())


def test_split_errors():
    with pytest.raises(ValueError, match="same number of rows"):
        datasets.train_test_split(gradlab.zeros(3), gradlab.zeros(4))
    with pytest.raises(ValueError, match="fraction between 0 and 1"):
        datasets.train_test_split(gradlab.zeros(3), test_size=3)


def test_missing_scikit_learn_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r'pip install "gradlab\[lab\]"'):
        datasets.load_digits()
