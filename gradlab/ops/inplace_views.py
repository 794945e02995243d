"""Shape changes in place: ``t_``, ``transpose_``, ``squeeze_``, ``unsqueeze_``.

They give the tensor itself a new shape and strides over the same memory, as if it were
replaced by the view ``t()``, ``transpose(...)``, ... of its old self. Autograd records
that view under its own name (PyTorch's: ``TBackward1`` for ``t_`` where ``t`` records
``TBackward0``), the tensor's history continues from it, and, as for any in-place op, a
leaf that requires grad is refused and the version counter moves.
"""
import operator

import numpy as np

from ..autograd.derivative import Derivatives
from ..autograd.grad_mode import _state as _grad_state
from ..tensor import _wrap, announce, bump_version, observers, version_of
from . import inplace, views
from .linalg import SqueezeBackward4  # a.squeeze_(dim): matmul records it too
from .shape import (
    SqueezeBackward0, TBackward0, TransposeBackward0, UnsqueezeBackward0, normalize_dim,
    size_one_dims,
)


class TBackward1(TBackward0):
    """``a.t_()``: ``a`` transposed in place."""

    derivatives = Derivatives("a.t_()", a="grad_out.T")


class TransposeBackward1(TransposeBackward0):
    """``a.transpose_(dim0, dim1)``: dimensions dim0 and dim1 of ``a`` swapped in place."""

    derivatives = Derivatives("a.transpose_(dim0, dim1)", a="transpose(grad_out, dim0, dim1)")


class SqueezeBackward3(SqueezeBackward0):
    """``a.squeeze_()``: every size-1 dimension of ``a`` removed in place."""

    derivatives = Derivatives("a.squeeze_()", a="unsqueeze(grad_out, removed)")


class SqueezeBackward5(SqueezeBackward0):
    """``a.squeeze_(dims)``: those of ``dims`` whose size is 1 removed in place."""

    derivatives = Derivatives("a.squeeze_(dims)", a="unsqueeze(grad_out, removed)")


class UnsqueezeBackward1(UnsqueezeBackward0):
    """``a.unsqueeze_(dim)``: a new dimension of size 1 inserted in place at ``dim``."""

    derivatives = Derivatives("a.unsqueeze_(dim)", a="squeeze(grad_out, dim)")


def _reshape_in_place(tensor, node_class, *args, data=None, **params):
    """Make ``tensor`` the view ``node_class`` takes of its old self (recorded when autograd
    tracks it). ``data``: the new view of the memory, for a node that is not itself a view."""
    inplace.check_inplace(tensor)
    old = _wrap(tensor._data, tensor.grad_fn if _grad_state.enabled else None, tensor._output_nr)
    old._requires_grad = tensor._requires_grad
    result = node_class.apply(old, *args, **params)
    tensor._data = result._data if data is None else data
    if result._grad_fn is not None:
        views.set_history(tensor, result._grad_fn)
    bump_version(tensor)
    if tensor._base is not None:
        tensor._view_version = version_of(tensor)  # its new grad_fn describes the new geometry
    if observers:
        announce(tensor)
    return tensor


def t_(tensor):
    if tensor._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is "
                           f"{tensor._data.ndim}D")
    return _reshape_in_place(tensor, TBackward1)


def transpose_(tensor, dim0, dim1):
    ndim = tensor._data.ndim
    return _reshape_in_place(tensor, TransposeBackward1, dim0=normalize_dim(dim0, ndim),
                             dim1=normalize_dim(dim1, ndim))


def squeeze_(tensor, dim=None):
    shape = tensor._data.shape
    ndim = len(shape)
    if dim is None:
        return _reshape_in_place(tensor, SqueezeBackward3,
                                 tuple(d for d, size in enumerate(shape) if size == 1))
    if isinstance(dim, (tuple, list)):
        return _reshape_in_place(tensor, SqueezeBackward5, size_one_dims(shape, dim))
    dim = normalize_dim(operator.index(dim), ndim)
    if not ndim or shape[dim] != 1:
        # nothing to remove: PyTorch still records SqueezeBackward4 (a no-op); gradlab's
        # (matmul's) needs a size-1 dimension, so only the version counter moves
        inplace.check_inplace(tensor)
        bump_version(tensor)
        return tensor
    return _reshape_in_place(tensor, SqueezeBackward4, dim=dim, data=np.squeeze(tensor._data, dim))


def unsqueeze_(tensor, dim):
    return _reshape_in_place(tensor, UnsqueezeBackward1,
                             dim=normalize_dim(dim, tensor._data.ndim + 1))
