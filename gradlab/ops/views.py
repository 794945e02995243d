"""Views and in-place changes: how a write through a view reaches its base, and how a view's
grad_fn stays true when its memory changes (PyTorch's ``CopySlices`` and ``AsStridedBackward0``).

A view (``b[:2]``, ``b[0]``, ``b.t()``, ``b.view(6)``) shares its base's memory, so an in-place
op on the view changes the base too. Autograd follows PyTorch:

- the base gets a new grad_fn, ``CopySlices``: the base with the view's region replaced by what
  the op made of it. It wraps the op's own node (``MulBackward0`` for ``b[:2].mul_(w)``); its
  edges are the base's previous history, then the op's other inputs. Backward sends the view's
  region of the gradient through the op's node, and the rest straight to the base's history;
- every view of that memory now describes old values. The version counter, which all views of
  one memory share, tells: a view whose memory changed since its grad_fn was set gets a new one
  when next asked, ``AsStridedBackward0`` ("these positions of the base"), pointing at the
  base's current grad_fn.

A view keeps, from ``Node.apply``: ``_base`` (PyTorch's: the tensor it was taken from through
views), ``_memory_owner`` (whose memory and version counter it shares: the same tensor, or the
one a detached base shares), ``_view_version`` (the version its grad_fn describes) and
``_view_creation`` (None, "no_grad" or "multi_output"). What PyTorch refuses is refused with its
words: changing in place a view of a leaf that requires grad, a view made under ``no_grad``, or
one of the views that ``split``, ``chunk`` and ``unbind`` return together.
"""
import re

import numpy as np

from ..autograd.derivative import Derivatives, Words
from ..autograd.node import FREED_MESSAGE, Node, move_retained_grad
from ..tensor import _wrap, version_of
from . import indexing, inplace
from .strides import address, element_strides


# ------------------------------------------------------------ where a view lies
# As PyTorch does, a view is located by its geometry in memory: ``size``, ``stride`` (both in
# elements) and ``storage_offset`` (elements from the start of its base's memory).
def geometry(view, base):
    """``(size, stride, storage_offset)`` of the array ``view`` inside the array ``base``."""
    offset, misaligned = divmod(address(view) - address(base), view.itemsize)
    stride = element_strides(view)
    if offset < 0 or misaligned or any(step < 0 for step in stride):
        raise RuntimeError("this view's memory cannot be located in its base's (NumPy memory with "
                           "negative strides?); clone() the tensor before changing it in place.")
    return view.shape, stride, offset


def _strided(array, size, stride, offset):
    """The NumPy view of ``array``'s memory that PyTorch's ``as_strided`` reads: ``size``
    elements, ``stride`` apart, from ``offset`` elements after ``array``'s first one."""
    itemsize = array.itemsize
    start = np.lib.stride_tricks.as_strided(array, shape=(offset + 1,), strides=(itemsize,))[offset:]
    return np.lib.stride_tricks.as_strided(start, shape=tuple(size),
                                           strides=tuple(step * itemsize for step in stride))


def _empty_strided(size, stride, dtype):
    """New memory read as ``size``/``stride`` (PyTorch's ``new_empty_strided``)."""
    return _strided(np.empty(max(_min_storage_size(size, stride, 0), 1), dtype), size, stride, 0)


def _min_storage_size(size, stride, offset):
    """How many elements of memory ``size``/``stride`` read from ``offset`` on."""
    if 0 in size:
        return offset
    return offset + 1 + sum((n - 1) * step for n, step in zip(size, stride))


def _maybe_overlapping(size, stride):
    """PyTorch's test whether two elements may share memory (dimensions in order of stride)."""
    reach = 0
    for n, step in sorted(zip(size, stride), key=lambda dim: dim[1]):
        if step <= reach:
            return True
        reach += step * (n - 1)
    return False


def _dense(array):
    """PyTorch's ``is_non_overlapping_and_dense``: the elements fill a block of memory, once each."""
    expected = array.itemsize
    for step, n in sorted((step, n) for n, step in zip(array.shape, array.strides) if n > 1):
        if step != expected:
            return False
        expected *= n
    return True


def check_overlap(target, source, full_ok=True):
    """PyTorch's refusal to write into ``target`` from a ``source`` that shares some of its
    memory: the very same elements may do (``a.add_(a)``) unless ``full_ok`` is False; a partial
    overlap may not; where either is not dense, PyTorch does not look, nor does gradlab."""
    if not np.may_share_memory(target, source) or target.size == 0 or source.size == 0 \
            or not (_dense(target) and _dense(source)):
        return
    begin, other = address(target), address(source)
    full = (begin, target.nbytes) == (other, source.nbytes) and \
        [s for n, s in zip(target.shape, target.strides) if n > 1] == \
        [s for n, s in zip(source.shape, source.strides) if n > 1]
    if full and full_ok:
        return
    if full or (begin < other + source.nbytes and other < begin + target.nbytes):
        raise RuntimeError(
            "unsupported operation: some elements of the input tensor and the written-to tensor "
            "refer to a single memory location. Please clone() the tensor before performing the "
            "operation."
        )


def writable(tensor, same_everywhere=False):
    """``tensor``'s memory, writable. NumPy marks every view of an expanded array read-only;
    PyTorch refuses a write only when two elements are one (an expanded dimension), unless
    they all get the same value (``same_everywhere``: fill_, zero_)."""
    array, owner = tensor._data, tensor._memory_owner
    if owner is None or not owner._data.flags.writeable:
        raise _repeated_elements_error()
    if not same_everywhere:
        refuse_repeated_elements(array)
    return _strided(owner._data, *geometry(array, owner._data))


def refuse_repeated_elements(array):
    """PyTorch's refusal to write into memory where two elements are one (an expanded dim)."""
    if any(n > 1 and step == 0 for n, step in zip(array.shape, array.strides)):
        raise _repeated_elements_error()


def _repeated_elements_error():
    return RuntimeError(
        "unsupported operation: more than one element of the written-to tensor refers to a "
        "single memory location. Please clone() the tensor before performing the operation."
    )


# ------------------------------------------------------------------- the nodes
class CopySlices(Node):
    """An in-place op on a view, seen from its base: ``base`` with the view's region replaced by
    ``fn(region, *others)``, where ``fn`` is the op's own node (MulBackward0 for ``mul_``).
    Its edges: the base's previous history, then ``fn``'s other inputs."""

    derivatives = Derivatives("base[view] = fn(base[view], *others)",
                              base=Words("fn's gradient for the old values in the view's region, "
                                         "1 elsewhere"),
                              others=Words("fn's gradient for each, from the view's region"))

    def name(self):
        return "torch::autograd::CopySlices"  # PyTorch's name() for this C++ node

    @classmethod
    def wrapping(cls, base, view, fn):
        """The node for ``fn`` having changed ``view`` in place (``base`` still has its old history)."""
        node = cls.__new__(cls)
        node._link_inputs((base,))  # edge 0: the base's history before the change
        node._next_nodes += fn._next_nodes[1:]  # then the op's other inputs, as PyTorch does
        node._input_meta += fn._input_meta[1:]
        if node._next_indices is not None or fn._next_indices is not None:
            node._next_indices = ((node._next_indices or (0,))
                                  + (fn._next_indices or (0,) * len(fn._next_nodes))[1:])
        node._fn = fn
        node._base_geometry = (base._data.shape, element_strides(base._data))
        node._arrays, node._geometry = (view._data, base._data), None
        return node

    def _view_geometry(self):
        if self._geometry is None:  # worked out when needed: most writes never see a backward
            self._geometry = geometry(*self._arrays)
        return self._geometry

    @staticmethod
    def backward(ctx, grad_output):
        """As PyTorch runs it: the gradient copied into memory laid out like the base; the view's
        region of it goes through the op's own backward, whose gradient for the region's old
        values then takes the region's place."""
        if ctx._fn is None:
            raise RuntimeError(FREED_MESSAGE)
        result = _wrap(_empty_strided(*ctx._base_geometry, grad_output._data.dtype))
        inplace.copy_(result, grad_output)
        region = as_strided(result, *ctx._view_geometry())
        grads = ctx._fn._run_backward((region.clone(),))
        grad_base = None
        if ctx.needs_input_grad[0] and grads[0] is not None:
            inplace.copy_(region, grads[0])
            grad_base = result
        return (grad_base,) + tuple(grads[1:])

    def _release(self):
        if self._fn is not None:
            self._fn._release()
            self._fn = None  # as PyTorch: a second backward needs retain_graph=True


class AsStridedBackward0(Node):
    """``a.as_strided(size, stride, storage_offset)``: elements of ``a``'s memory read with their
    own shape and strides. The grad_fn a view gets when its memory was changed in place after
    it was made: it reads its positions from the base's current value."""

    derivatives = Derivatives("a.as_strided(size, stride, storage_offset)",
                              a=Words("1 at each position the view reads (added where it reads one twice)"))
    is_view = True

    @staticmethod
    def forward(ctx, a, size, stride, storage_offset):
        ctx._input_geometry = (a.shape, element_strides(a))
        ctx._geometry = (tuple(size), tuple(stride), storage_offset)
        return _strided(a, size, stride, storage_offset)

    @classmethod
    def of(cls, view, base):
        """The node that reads ``view``'s positions from ``base``'s current value."""
        node = cls.__new__(cls)
        node._link_inputs((base,))
        node._input_geometry = (base._data.shape, element_strides(base._data))
        node._arrays, node._geometry = (view._data, base._data), None
        return node

    _view_geometry = CopySlices._view_geometry

    # PyTorch's arguments of the read, as its node keeps them
    size = property(lambda self: self._view_geometry()[0])
    stride = property(lambda self: self._view_geometry()[1])
    storage_offset = property(lambda self: self._view_geometry()[2])

    @staticmethod
    def backward(ctx, grad_output):
        return _as_strided_backward(grad_output, *ctx._input_geometry, *ctx._view_geometry())


def as_strided(input, size, stride, storage_offset=0):
    """``size`` elements of ``input``'s memory, ``stride`` apart, from ``storage_offset`` on (a view)."""
    return AsStridedBackward0.apply(input, size=tuple(size), stride=tuple(stride),
                                    storage_offset=storage_offset)


def _as_strided_backward(grad, input_size, input_stride, size, stride, storage_offset):
    """PyTorch's ``as_strided_backward``: the gradient lands in scratch memory holding both the
    input and the view; elements the view reads twice add up (and an input that holds one
    element twice shares what arrives there)."""
    # dimensions of the view that read one element, or one element again and again, first
    view_size, view_stride = [], []
    for dim in reversed(range(len(size))):
        if size[dim] == 0:
            return grad.new_zeros(input_size)
        if size[dim] == 1:
            grad = grad.squeeze(dim)
        elif stride[dim] == 0:
            grad = grad.sum(dim)
        else:
            view_size.insert(0, size[dim])
            view_stride.insert(0, stride[dim])
    if 0 in input_size:
        return grad.new_zeros(input_size)
    kept = [(n, step) for n, step in zip(input_size, input_stride) if n != 1]
    in_size, in_stride = [n for n, _ in kept], [step for _, step in kept]
    length = max(_min_storage_size(in_size, in_stride, 0),
                 _min_storage_size(view_size, view_stride, storage_offset))
    storage = grad.new_zeros(length)
    if _maybe_overlapping(view_size, view_stride):
        read = _strided(np.arange(length), view_size, view_stride, storage_offset).reshape(-1)
        inplace.apply_inplace(storage, indexing.IndexAddBackward0, grad.reshape(-1), dim=0, index=read)
    else:
        inplace.copy_(as_strided(storage, view_size, view_stride, storage_offset), grad)
    if _maybe_overlapping(in_size, in_stride):
        held = _strided(np.arange(length), in_size, in_stride, 0).reshape(-1)
        inplace.div_(storage, _wrap(np.bincount(held, minlength=length).astype(storage._data.dtype)))
    return as_strided(storage, input_size, input_stride, 0)


# ------------------------------------------------------------ keeping views true
def refresh(view):
    """PyTorch's rule for a view's grad_fn: if autograd tracks it and its memory was changed in
    place since its grad_fn was set, the grad_fn is made again, as AsStridedBackward0."""
    base = view._base
    if view._grad_fn is None and not base._requires_grad:
        return
    version = version_of(view)
    if view._view_version == version:
        return
    _refuse_special_view(view, indirect=True)
    set_history(view, AsStridedBackward0.of(view, base))
    view._view_version = version


def rebase(view, fn):
    """``fn`` has changed ``view`` in place: its base's new grad_fn is CopySlices(fn), and the
    view's own is made again from that."""
    base = view._base
    set_history(base, CopySlices.wrapping(base, view, fn))
    refresh(view)


def set_history(tensor, node):
    """``tensor`` is now output 0 of ``node``. A ``retain_grad()`` moves to the new node, as in
    PyTorch; hooks registered before stay with the old one (they see the old value's gradient)."""
    old, old_output = tensor._grad_fn, tensor._output_nr
    tensor._grad_fn, tensor._requires_grad = node, True
    if old_output:
        tensor._output_nr = 0
    if tensor._retains_grad and old is not None:
        move_retained_grad(tensor, old, old_output)


# ------------------------------------------------------------ what is refused
def check_inplace(view, operands_require_grad):
    """PyTorch's refusals for an in-place op on ``view`` while grad mode is on."""
    base = view._base
    tracked = view.requires_grad  # (its own history, or its base's)
    if not (tracked or operands_require_grad):
        return  # nothing to record: the write just happens
    _refuse_special_view(view, indirect=False)
    if tracked and base._grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation. "
            "(Update parameters inside `with torch.no_grad():`, or change a copy: "
            "w.clone()[0] = 5 instead of w[0] = 5.)"
        )
    if tracked and view._grad_fn is None:
        # PyTorch asks the grad_fn the view has *stored*: one taken from its base before the base
        # required grad (and not looked at since) still counts as a leaf here
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation. (This "
            "view was taken before its base came to require grad: take it again, after.)"
        )


_MULTI_OUTPUT = (" This view is the output of a function that returns multiple views. Such "
                 "functions do not allow the output views to be modified inplace. You should "
                 "replace the inplace operation by an out-of-place one.")
_NO_GRAD = (" Given that this use case is ambiguous and error-prone, it is forbidden. You can "
            "clarify your code by moving both the view and the inplace either both inside the "
            "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
            "want the inplace to be tracked).")


def _refuse_special_view(view, indirect):
    """A view made under no_grad, or by split/chunk/unbind, may not be changed in place (nor be
    used after its base was) while autograd records: PyTorch's message."""
    creation = view._view_creation
    if creation is None:
        return
    changed = "its base or another view of its base has been" if indirect else "is being"
    node = view._grad_fn
    if node is not None:
        # PyTorch names the op without "Backward0": output 0 of Unbind, of Split, ...
        op = re.sub(r"Backward(\d+)$", lambda m: "" if m.group(1) == "0" else m.group(1),
                    type(node).__name__)
        message = f"Output {view._output_nr} of {op} is a view and {changed} modified inplace."
    else:
        message = f"A view was created in no_grad mode and {changed} modified inplace with grad mode enabled."
    raise RuntimeError(message + (_MULTI_OUTPUT if creation == "multi_output" else _NO_GRAD))
