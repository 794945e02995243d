"""Shared fixtures: the PyTorch reference (skipped cleanly when torch is missing).

Shared functions (``compare_with_torch``, ``graph_edges``) live in tests/helpers.py."""
import numpy as np
import pytest


@pytest.fixture(scope="session")  # one module for every test, hypothesis's @given ones too
def torch():
    """Real PyTorch, the reference for values, gradients, names and errors."""
    return pytest.importorskip("torch")


@pytest.fixture
def rng():
    return np.random.default_rng(0)

