"""Gradient clipping: shrink the gradients before ``optimizer.step()`` when they are too big.

``clip_grad_norm_(parameters, max_norm)`` treats every gradient together as one long
vector ``g`` and, when ``‖g‖ > max_norm``, scales all of them by the same factor::

    total_norm = ‖ (‖g₁‖, ‖g₂‖, …) ‖            (the p-norm of the per-tensor p-norms)
    g ← g · min(1, max_norm / (total_norm + 1e-6))

so the direction of the step is kept and only its length is capped.
``clip_grad_value_(parameters, c)`` instead clamps every entry to ``[-c, c]``.
Nothing here is recorded in the graph (it all runs under ``no_grad``).
"""
import types
import warnings

import numpy as np

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor, _wrap


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(array, norm_type):
    """The ``norm_type``-norm of all the entries of ``array``, in its dtype (a 0-d array)."""
    magnitudes = np.abs(array)
    if norm_type == float("inf"):
        return magnitudes.max(initial=0).astype(array.dtype)
    if norm_type == float("-inf"):
        return magnitudes.min(initial=float("inf")).astype(array.dtype)
    if norm_type == 0:
        return np.asarray(np.count_nonzero(array), dtype=array.dtype)
    if norm_type == 2:
        return np.sqrt(np.sum(magnitudes * magnitudes, dtype=array.dtype))
    if norm_type == 1:
        return np.sum(magnitudes, dtype=array.dtype)
    total = np.sum(magnitudes ** array.dtype.type(norm_type), dtype=array.dtype)
    return total ** array.dtype.type(1 / norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of ``tensors`` taken together, as if concatenated into one vector
    (``foreach`` is accepted and ignored: gradlab has one CPU implementation)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _wrap(np.asarray(0.0, np.float32))
    norms = [_vector_norm(t._data, norm_type) for t in tensors]
    dtype = np.result_type(*norms)
    total = _vector_norm(np.array(norms, dtype=dtype), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return _wrap(np.asarray(total))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every ``.grad`` by ``min(1, max_norm / (total_norm + 1e-6))``, in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return
    with no_grad(), np.errstate(invalid="ignore"):  # an inf gradient times 0 is NaN, silently
        scale = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(scale)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all the gradients together so that their total norm is at most ``max_norm``;
    returns the total norm they had before (a 0-d tensor; ``norm_type`` may be ``inf``)."""
    if not isinstance(parameters, Tensor):
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=2)
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    with no_grad():
        total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
        clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated spelling of ``clip_grad_norm_`` (PyTorch warns the same way)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every entry of every ``.grad`` to ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    with no_grad():
        for param in _as_list(parameters):
            if param.grad is not None:
                param.grad.clamp_(min=-clip_value, max=clip_value)
