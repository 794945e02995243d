"""normalize, cosine_similarity, pairwise_distance (gradlab/ops/distance.py): values, graphs
node for node (NormBackward1, the cloned norms), gradients, second order, broadcasting."""
import numpy as np
import pytest

import gradlab
import gradlab.nn.functional as F
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, leaf


@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, 0), (3.0, -1)])
def test_normalize_matches_torch(p, dim):
    x = double(3, 4)
    x[1] = 0.0  # a zero row: the eps floor
    compare_with_torch(lambda lib, a: lib.nn.functional.normalize(a, p, dim), x, second_order=True)


@pytest.mark.parametrize("shapes, dim", [(((3, 4), (3, 4)), 1), (((3, 4), (1, 4)), 1),
                                         (((2, 3, 4), (2, 3, 4)), 0), (((5,), (5,)), 0)])
def test_cosine_similarity_matches_torch(shapes, dim):
    arrays = [double(*shape, seed=i) for i, shape in enumerate(shapes)]
    compare_with_torch(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim), *arrays,
                       second_order=True)


def test_cosine_similarity_of_a_zero_vector_is_zero_like_torch():
    compare_with_torch(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), np.zeros((2, 3)),
                       np.ones((2, 3)))


@pytest.mark.parametrize("p, keepdim", [(2.0, False), (1.0, True), (3.0, False)])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((4,), (4,)), ((3, 4), (4,))])
def test_pairwise_distance_matches_torch(p, keepdim, shapes):
    arrays = [double(*shape, seed=i) for i, shape in enumerate(shapes)]
    compare_with_torch(lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b, p, keepdim=keepdim),
                       *arrays, second_order=True)


def test_gradcheck_and_gradgradcheck():
    a, b = leaf(double(3, 4, seed=1)), leaf(double(3, 4, seed=2))
    for function in (F.cosine_similarity, F.pairwise_distance, lambda x, y: F.normalize(x - y)):
        assert gradcheck(function, (a, b))
        assert gradgradcheck(function, (a, b))


def test_modules_match_torch(torch):
    a, b = double(3, 4, seed=1), double(3, 4, seed=2)
    for name, args in (("CosineSimilarity", (0,)), ("PairwiseDistance", (1.0, 1e-6, True))):
        compare_with_torch(lambda lib, x, y: getattr(lib.nn, name)(*args)(x, y), a, b)
    assert repr(gradlab.nn.PairwiseDistance()) == repr(torch.nn.PairwiseDistance())
