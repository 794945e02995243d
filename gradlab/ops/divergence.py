"""``kl_div``: the Kullback-Leibler divergence of a target distribution from a predicted one.

KL(target ‖ prediction) = Σ target · (log target - log prediction).  As in PyTorch,
the prediction arrives as log-probabilities (``input``, e.g. from log_softmax) and the
target as probabilities, or as log-probabilities too with ``log_target=True``.  The
loss is composed of ordinary ops, node for node as PyTorch builds it:

- probabilities: ``xlogy(target, target) - target · input`` (xlogy: 0·log 0 = 0);
- log-probabilities: ``exp(target) · (target - input)``;

then reduced.  ``reduction='batchmean'`` (the divergence per sample, the mathematical
KL) divides the sum by the batch size; ``'mean'`` divides by the number of elements,
which PyTorch warns is not the KL divergence.
"""
import warnings

from ..tensor import Tensor
from .loss import _legacy_reduction, _reduction
from .pointwise import xlogy


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Σ target · (log target - input) for log-probabilities ``input``, then reduced."""
    for name, value, position in (("input", input, 1), ("target", target, 2)):
        if not isinstance(value, Tensor):
            raise TypeError(f"kl_div(): argument '{name}' (position {position}) must be Tensor, "
                            f"not {type(value).__name__}")
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "mean")
        batchmean = False
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the support "
                "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                "major release.", stacklevel=2)
        batchmean = reduction == "batchmean"
        reduction = "sum" if batchmean else _reduction(reduction)
    if log_target:
        losses = target.exp() * (target - input)
    else:
        losses = xlogy(target, target) - target * input
    if reduction == "mean":
        reduced = losses.mean()
    elif reduction == "sum":
        reduced = losses.sum()
    else:
        reduced = losses
    if batchmean and input.dim() != 0:
        reduced = reduced / input.shape[0]
    return reduced
