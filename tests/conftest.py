"""Shared fixtures: the PyTorch reference (skipped cleanly when torch is missing)."""
import numpy as np
import pytest


@pytest.fixture
def torch():
    """Real PyTorch, the reference for values, gradients, names and errors."""
    return pytest.importorskip("torch")


@pytest.fixture
def rng():
    return np.random.default_rng(0)

