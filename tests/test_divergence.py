"""kl_div (gradlab/ops/divergence.py): every reduction (batchmean too), log_target, the graph
node for node, second order, NaN/inf upstream gradients and PyTorch's warning for 'mean'."""
import warnings

import numpy as np
import pytest

from helpers import compare_with_torch, double, nonfinite_upstream


def _distributions():
    scores, target = double(4, 5, seed=1), double(4, 5, seed=2)
    log_p = scores - np.log(np.exp(scores).sum(1, keepdims=True))
    q = np.exp(target) / np.exp(target).sum(1, keepdims=True)
    q[0, 0] = 0.0  # 0 · log 0 = 0 (xlogy)
    return log_p, q


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.filterwarnings("ignore:reduction. 'mean'")
def test_matches_torch(reduction, log_target):
    log_p, q = _distributions()
    target = np.log(q + 0.01) if log_target else q
    compare_with_torch(lambda lib, x, y: lib.nn.functional.kl_div(
        x, y, reduction=reduction, log_target=log_target), log_p, target, second_order=True)


@pytest.mark.parametrize("reduction", ["batchmean", "none"])
@pytest.mark.parametrize("value", [np.nan, np.inf], ids=["nan", "inf"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nonfinite_upstream_gradient_matches_torch(reduction, value):
    for everywhere in (False, True):
        compare_with_torch(lambda lib, x, y: lib.nn.functional.kl_div(x, y, reduction=reduction),
                           *_distributions(), upstream=nonfinite_upstream(value, everywhere))


def test_mean_warns_like_torch(torch):
    import gradlab

    messages = []
    for lib in (torch, gradlab):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.functional.kl_div(lib.zeros(2, 3), lib.ones(2, 3) / 3)
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1] and "'batchmean' divides only by the batch size" in messages[0][0]


def test_bad_reduction_is_refused_like_torch():
    compare_with_torch(lambda lib, x, y: lib.nn.functional.kl_div(x, y, reduction="bad"),
                       *_distributions(), raises=ValueError, match="bad is not a valid value")
