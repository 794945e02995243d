"""Embedding (gradlab/ops/embedding.py and nn.Embedding): PyTorch for values, graphs, first
and second derivatives (repeated indices, padding_idx, scale_grad_by_freq, int32 indices),
max_norm, the layer's repr, initialisation and errors; makemore's ``C[Xb]`` still works."""
import numpy as np
import pytest

import gradlab
from helpers import compare_with_torch, double, gradient_of, nonfinite_upstream

INDICES = np.array([[1, 1, 3], [0, 4, 1]])


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"padding_idx": -1},
                                    {"scale_grad_by_freq": True}])
def test_embedding_matches_torch_with_second_order(kwargs):
    compare_with_torch(lambda lib, w, i: lib.nn.functional.embedding(i, w, **kwargs) ** 2,
                       double(5, 3), INDICES, second_order=True)


def test_embedding_int32_indices_graph_and_nan_upstream():
    compare_with_torch(lambda lib, w, i: lib.nn.functional.embedding(i, w), double(5, 3),
                       INDICES.astype(np.int32))
    compare_with_torch(lambda lib, w, i: lib.nn.functional.embedding(i, w), double(5, 3),
                       INDICES, upstream=nonfinite_upstream(np.nan))
    compare_with_torch(gradient_of(lambda lib, w: lib.nn.functional.embedding(
        lib.tensor(INDICES), w, padding_idx=0) ** 2), double(5, 3), second_order=True)


def test_max_norm_renormalises_the_rows_read(torch):
    tables = [library.tensor(double(5, 3) * 3) for library in (gradlab, torch)]
    for table, library in zip(tables, (gradlab, torch)):
        library.nn.functional.embedding(library.tensor([0, 2]), table, max_norm=1.0)
    np.testing.assert_allclose(tables[0].numpy(), tables[1].numpy(), rtol=1e-6)


def test_embedding_module(torch):
    for args, kwargs in (((10, 3), {}), ((10, 3), {"padding_idx": -2}),
                         ((10, 3), {"max_norm": 2, "norm_type": 1.0, "scale_grad_by_freq": True})):
        assert repr(gradlab.nn.Embedding(*args, **kwargs)) == repr(torch.nn.Embedding(*args, **kwargs))
    layer = gradlab.nn.Embedding(1000, 4, padding_idx=0)
    assert list(layer.state_dict()) == ["weight"]
    assert layer.weight[0].tolist() == [0.0] * 4
    values = layer.weight[1:].detach().numpy()
    assert abs(values.mean()) < 0.1 and abs(values.std() - 1) < 0.1  # N(0, 1), as PyTorch
    out = layer(gradlab.tensor([[0, 5]]))
    assert out.shape == (1, 2, 4) and type(out.grad_fn).__name__ == "EmbeddingBackward0"
    frozen = gradlab.nn.Embedding.from_pretrained(gradlab.ones(3, 2))
    assert repr(frozen) == "Embedding(3, 2)" and not frozen.weight.requires_grad


@pytest.mark.parametrize("indices, error", [
    (np.array([5]), IndexError), (np.array([-1]), IndexError), (np.array([1.0]), RuntimeError)])
def test_embedding_errors(indices, error):
    compare_with_torch(lambda lib, w, i: lib.nn.functional.embedding(i, w), double(5, 3), indices,
                       raises=error)


def test_padding_idx_out_of_range(torch):
    for library in (gradlab, torch):
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            library.nn.Embedding(10, 3, padding_idx=10)


def test_makemore_lookup_by_indexing_still_works():
    compare_with_torch(lambda lib, table, batch: table[batch], double(27, 2),
                       np.array([[0, 0, 5], [13, 13, 1]]), second_order=True)
