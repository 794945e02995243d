"""``Tensor``: a NumPy array plus the autograd fields PyTorch gives every tensor.

The fields a student meets first:

- ``requires_grad``: should gradients flow to this tensor?
- ``grad_fn``: the node that made it (None for leaves, which the user created);
- ``grad``: filled by ``backward()`` for leaves (and for tensors that called
  ``retain_grad()``), accumulating across calls;
- ``is_leaf``: ``grad_fn is None``.

Everything that computes lives in ``gradlab/ops/`` as one ``Node`` subclass per
operation; the methods here only forward to those functions, so this file
reads as the list of what a tensor can do.
"""
import warnings

import numpy as np

from . import dtypes as _dtypes
from .device import CPU, check_device
from .ops.numpy_names import accepts_numpy_names as _accepts_numpy_names
from .size import Size

def _wrap(data, grad_fn=None, output_nr=0):
    """Make a tensor around ``data`` (no copy). The single constructor the ops use."""
    tensor = _new_tensor(Tensor)
    tensor._data = data
    tensor._grad_fn = grad_fn
    tensor._requires_grad = grad_fn is not None
    if output_nr:
        tensor._output_nr = output_nr
    if observers:
        announce(tensor)
    return tensor


_new_tensor = object.__new__

# Callables told about every tensor made (and every in-place change) while they are
# listed: ``gradlab.viz.capture`` uses this to record what a notebook cell built. The
# engine never reads it; with no observer, an op pays one truth test.
observers = []


def announce(tensor):
    for observer in list(observers):
        observer(tensor)


class Tensor:
    """A multi-dimensional array that records how it was computed."""

    __module__ = "gradlab"  # prints as <class 'gradlab.Tensor'>, as PyTorch's <class 'torch.Tensor'>

    # Every tensor sets the three slots; the rarer fields below start from these
    # class defaults and go into the instance __dict__ only when set.
    __slots__ = ("_data", "_grad_fn", "_requires_grad", "__dict__", "__weakref__")
    _grad = None  # .grad, filled by backward for leaves
    _changes = 0  # version counter: in-place changes of this memory (views use their base's)
    _version_cell = None  # the counter again, for saved outputs that outlive this tensor
    _output_nr = 0  # which output of grad_fn this tensor is
    _hooks = None  # leaf hooks, run by AccumulateGrad
    _post_accumulate_grad_hooks = None  # leaf hooks run after .grad changed
    _retains_grad = False
    _accumulator = None  # weak reference to the leaf's AccumulateGrad node
    _base = None  # for a view: the tensor it was taken from, through views (ops/views.py)
    _memory_owner = None  # whose memory (and version counter) a view or detached tensor shares
    _view_creation = None  # "no_grad" or "multi_output": a view PyTorch won't let change in place
    _grad_accumulations = 0  # teaching aid: backward passes added into the current .grad

    __array_priority__ = 1000  # numpy scalars defer to Tensor's reflected operators

    def __init__(self, *args, dtype=None, device=None):
        """Legacy constructor: ``Tensor([1, 2])`` copies data as float32; ``Tensor(2, 3)`` allocates."""
        check_device(device)
        target = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.get_default_dtype()
        if len(args) == 1 and not isinstance(args[0], int):
            data = np.array(_to_nested(args[0]), dtype=target.numpy_dtype)
        else:
            data = np.zeros(args, dtype=target.numpy_dtype)
        _init_from(self, data)

    # ----------------------------------------------------------------- autograd
    @property
    def requires_grad(self):
        if self._base is not None:  # a view requires grad when its base does (PyTorch's rule)
            return self._requires_grad or self._base._requires_grad
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Ask autograd to track this leaf (in place; returns self)."""
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients "
                f"(this tensor is {self.dtype}); make it a float first, e.g. "
                "torch.tensor([1., 2.]) or t.float()"
            )
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        """The node that made this tensor; None for a leaf. A view whose memory was changed in
        place since it got its grad_fn gets a new one when asked (AsStridedBackward0, ops/views.py)."""
        if self._base is not None:
            _views.refresh(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: the tensor has shape "
                    f"{list(self._data.shape)} but the grad has shape {list(value._data.shape)}"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: the tensor is {self.dtype}, "
                    f"the grad is {value.dtype}"
                )
        self._grad = value
        self._grad_accumulations = 0 if value is None else 1

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor too after backward."""
        _engine.retain_grad(self)

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a replacement
        of the same shape and dtype (or None to keep ``grad``)."""
        return _engine.register_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after backward added into this leaf's ``.grad``; returns None."""
        return _engine.register_post_accumulate_grad_hook(self, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor with respect to the graph's leaves."""
        _engine.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """The same data (shared memory), cut from the graph: no grad_fn, no requires_grad."""
        # a new array object on the same memory: a saved ``x.detach()`` must not be taken for ``x``
        detached = _wrap(self._data.view())
        detached._memory_owner = self if self._memory_owner is None else self._memory_owner
        return detached

    def detach_(self):
        if self._base is not None and self.grad_fn is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The values, as a tensor that shares memory but is not tracked by autograd."""
        return _wrap(self._data.view())

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def _version(self):
        """How many times this tensor's memory was changed in place (PyTorch's counter)."""
        return version_of(self)

    @property
    def output_nr(self):
        return self._output_nr

    # ------------------------------------------------------------ description
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_shape.normalize_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dtypes.from_numpy(self._data.dtype)

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def stride(self, dim=None):
        """Elements to step in memory along each dimension, as PyTorch lays the tensor out."""
        array = self._data
        strides = _strides.element_strides(array) if array.size else _strides.contiguous_strides(array.shape)
        if dim is None:
            return strides
        if not array.ndim:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return strides[_shape.normalize_dim(dim, array.ndim)]

    def storage_offset(self):
        """Where the first element lies in the memory this tensor shares with its views."""
        return _strides.storage_offset(self._data)

    def data_ptr(self):
        """The address of the first element (views of one memory differ by their offset)."""
        return _strides.address(self._data) if self._data.size else 0

    def ndimension(self):
        return self._data.ndim

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def contiguous(self, memory_format=None):
        """Self when the memory is already in row-major order, else a copy (CloneBackward0)."""
        if self._data.flags.c_contiguous:
            return self
        return _copy.clone(self, memory_format=_strides.contiguous_format)

    def type(self, dtype=None):
        if dtype is None:
            return f"torch.{_dtypes.type_name(self.dtype)}Tensor"
        return self.to(dtype)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(_shape.unbind(self, 0))

    def __hash__(self):
        return id(self)

    # ------------------------------------------------------------ copy, pickle
    def __deepcopy__(self, memo):
        """A new leaf with a copy of the values, ``requires_grad`` and ``.grad``; tensors that
        shared memory share the copied memory (as PyTorch's storages do)."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        result = _wrap(_serialization.copied_array(self._data, memo))
        result._requires_grad = self._requires_grad
        memo[id(self)] = result
        if self._grad is not None:
            result._grad = self._grad.__deepcopy__(memo)
        return result

    def __reduce_ex__(self, protocol):
        """``pickle``: the values, dtype and ``requires_grad`` — not the graph (a non-leaf comes
        back as a leaf that requires grad, as in PyTorch) and not ``.grad``."""
        return _rebuild_from_array, (self._data, self.requires_grad)

    def __repr__(self, *, tensor_contents=None):
        grad_fn = self.grad_fn
        grad_fn_name = type(grad_fn).__name__ if grad_fn is not None else None  # <CopySlices>, as PyTorch
        return _printing.format_tensor(
            self._data,
            self.dtype.name,
            requires_grad=self.requires_grad and grad_fn_name is None,
            grad_fn_name=grad_fn_name,
        )

    def __format__(self, spec):
        if self._data.ndim == 0 or (spec and self._data.size == 1):
            return format(self.item(), spec)
        return object.__format__(self, spec) if spec else repr(self)

    # ------------------------------------------------------------- conversion
    def item(self):
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar; "
                "item() needs exactly one element (index it first, e.g. t[0].item())"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        """The values as a NumPy array sharing memory with this tensor."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data if dtype is None else self._data.astype(dtype)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous "
                f"(this one has {self._data.size}); use .any() or .all()"
            )
        return bool(self._data.reshape(()))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(other)``, ``to(device, dtype)``, keywords too."""
        return _copy.to(self, *args, **kwargs)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        check_device("cuda")

    def float(self):
        return self.to(_dtypes.float32)

    def double(self):
        return self.to(_dtypes.float64)

    def half(self):
        return self.to(_dtypes.float16)

    def long(self):
        return self.to(_dtypes.int64)

    def int(self):
        return self.to(_dtypes.int32)

    def bool(self):
        return self.to(_dtypes.bool)

    def clone(self, *, memory_format=None):
        return _copy.clone(self, memory_format=memory_format)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        return tensor_from_data(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return _creation.zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return _creation.ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return _creation.full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return _creation.empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def type_as(self, other):
        """This tensor in ``other``'s dtype (itself when it already is)."""
        return self.to(other.dtype)

    # ----------------------------------------------------------- arithmetic
    def __add__(self, other):
        return _arith.add(self, other)

    def __radd__(self, other):
        return _arith.add(self, other)

    def __sub__(self, other):
        return _arith.sub(self, other)

    def __rsub__(self, other):
        return _arith.rsub(self, other)

    def __mul__(self, other):
        return _arith.mul(self, other)

    def __rmul__(self, other):
        return _arith.mul(self, other)

    def __truediv__(self, other):
        return _arith.div(self, other)

    def __rtruediv__(self, other):
        return _arith.rdiv(self, other)

    def __floordiv__(self, other):
        return _arith.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _arith.floor_divide(other, self)

    def __mod__(self, other):
        return _arith.remainder(self, other)

    def __rmod__(self, other):
        return _arith.remainder(other, self)

    def __pow__(self, exponent):
        return _arith.pow(self, exponent)

    def __rpow__(self, base):
        return _arith.rpow(self, base)

    def __matmul__(self, other):
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return _linalg.matmul(other, self)

    def __neg__(self):
        return _arith.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _pointwise.abs(self)

    def add(self, other, *, alpha=1):
        return _arith.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _arith.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other):
        return _arith.mul(self, other)

    multiply = mul

    def div(self, other, *, rounding_mode=None):
        return _arith.div(self, other, rounding_mode=rounding_mode)

    divide = true_divide = div

    def pow(self, exponent):
        return _arith.pow(self, exponent)

    def neg(self):
        return _arith.neg(self)

    def float_power(self, exponent):
        return _arith.float_power(self, exponent)

    def remainder(self, other):
        return _arith.remainder(self, other)

    def fmod(self, other):
        return _arith.fmod(self, other)

    def floor_divide(self, other):
        return _arith.floor_divide(self, other)

    negative = neg

    # ------------------------------------------------------------ comparisons
    def __eq__(self, other):
        return _compare.eq_operator(self, other)

    def __ne__(self, other):
        return _compare.ne_operator(self, other)

    def __contains__(self, element):
        return bool((self == element).any())

    def __lt__(self, other):
        return _compare.lt(self, other)

    def __le__(self, other):
        return _compare.le(self, other)

    def __gt__(self, other):
        return _compare.gt(self, other)

    def __ge__(self, other):
        return _compare.ge(self, other)

    def __and__(self, other):
        return _compare.logical_op(np.bitwise_and, self, other)

    def __or__(self, other):
        return _compare.logical_op(np.bitwise_or, self, other)

    def __xor__(self, other):
        return _compare.logical_op(np.bitwise_xor, self, other)

    def __invert__(self):
        return _compare.bitwise_not(self)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def eq(self, other):
        return _compare.eq(self, other)

    def ne(self, other):
        return _compare.ne(self, other)

    def lt(self, other):
        return _compare.lt(self, other)

    def le(self, other):
        return _compare.le(self, other)

    def gt(self, other):
        return _compare.gt(self, other)

    def ge(self, other):
        return _compare.ge(self, other)

    def equal(self, other):
        return _compare.equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _compare.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _compare.isclose(self, other, rtol, atol, equal_nan)

    def logical_not(self):
        return _compare.logical_not(self)

    def isnan(self):
        return _compare.isnan(self)

    def isinf(self):
        return _compare.isinf(self)

    def isfinite(self):
        return _compare.isfinite(self)

    @_accepts_numpy_names
    def any(self, dim=None, keepdim=False):
        return _compare.any(self, dim, keepdim)

    @_accepts_numpy_names
    def all(self, dim=None, keepdim=False):
        return _compare.all(self, dim, keepdim)

    # ------------------------------------------------------------ pointwise math
    def exp(self):
        return _pointwise.exp(self)

    def log(self):
        return _pointwise.log(self)

    def sqrt(self):
        return _pointwise.sqrt(self)

    def abs(self):
        return _pointwise.abs(self)

    def sin(self):
        return _pointwise.sin(self)

    def cos(self):
        return _pointwise.cos(self)

    def tanh(self):
        return _pointwise.tanh(self)

    def sigmoid(self):
        return _pointwise.sigmoid(self)

    def relu(self):
        return _pointwise.relu(self)

    def clamp(self, min=None, max=None):
        return _pointwise.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):
        return _pointwise.clamp_min(self, min)

    def clamp_max(self, max):
        return _pointwise.clamp_max(self, max)

    def trunc(self):
        return _pointwise.trunc(self)

    fix = trunc

    def round(self, *, decimals=0):
        return _pointwise.round(self, decimals=decimals)

    def floor(self):
        return _pointwise.floor(self)

    def ceil(self):
        return _pointwise.ceil(self)

    def sign(self):
        return _pointwise.sign(self)

    def sgn(self):
        return _pointwise.sgn(self)

    def reciprocal(self):
        return _pointwise.reciprocal(self)

    def square(self):
        return _pointwise.square(self)

    def log1p(self):
        return _pointwise.log1p(self)

    def expm1(self):
        return _pointwise.expm1(self)

    def rsqrt(self):
        return _pointwise.rsqrt(self)

    def tan(self):
        return _pointwise.tan(self)

    def log10(self):
        return _pointwise.log10(self)

    def log2(self):
        return _pointwise.log2(self)

    def exp2(self):
        return _pointwise.exp2(self)

    def sinh(self):
        return _pointwise.sinh(self)

    def cosh(self):
        return _pointwise.cosh(self)

    def asin(self):
        return _pointwise.asin(self)

    def acos(self):
        return _pointwise.acos(self)

    def atan(self):
        return _pointwise.atan(self)

    arcsin, arccos, arctan = asin, acos, atan

    def atan2(self, other):
        return _pointwise.atan2(self, other)

    arctan2 = atan2

    def erf(self):
        return _pointwise.erf(self)

    def logit(self, eps=None):
        return _pointwise.logit(self, eps)

    def xlogy(self, other):
        return _pointwise.xlogy(self, other)

    def frac(self):
        return _pointwise.frac(self)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return _pointwise.nan_to_num(self, nan, posinf, neginf)

    def maximum(self, other):
        return _pointwise.maximum(self, other)

    def minimum(self, other):
        return _pointwise.minimum(self, other)

    def where(self, condition, other):
        return _pointwise.where(condition, self, other)

    def masked_fill(self, mask, value):
        return _pointwise.masked_fill(self, mask, value)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return _ternary.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return _ternary.addcdiv(self, tensor1, tensor2, value=value)

    def lerp(self, end, weight):
        return _ternary.lerp(self, end, weight)

    def masked_select(self, mask):
        return _masking.masked_select(self, mask)

    def masked_scatter(self, mask, source):
        return _masking.masked_scatter(self, mask, source)

    # ---------------------------------------------------------------- reductions
    @_accepts_numpy_names
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return _reduction.sum(self, dim, keepdim, dtype=dtype)

    @_accepts_numpy_names
    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return _reduction.mean(self, dim, keepdim, dtype=dtype)

    @_accepts_numpy_names
    def max(self, dim=None, keepdim=False, *, other=None):
        return _reduction.max(self, dim, keepdim, other=other)

    @_accepts_numpy_names
    def min(self, dim=None, keepdim=False, *, other=None):
        return _reduction.min(self, dim, keepdim, other=other)

    @_accepts_numpy_names
    def amax(self, dim=(), keepdim=False):
        return _reduction.amax(self, dim, keepdim)

    @_accepts_numpy_names
    def amin(self, dim=(), keepdim=False):
        return _reduction.amin(self, dim, keepdim)

    def nonzero(self, *, as_tuple=False):
        """Indices of the non-zero elements: one row per element, or one tensor per dim."""
        if self._data.ndim == 0:  # a 0-d tensor: PyTorch treats it as one element
            count = int(bool(self._data))
            if as_tuple:
                return (_wrap(np.zeros(count, np.int64)),)
            return _wrap(np.zeros((count, 0), np.int64))
        indices = np.nonzero(self._data)
        if as_tuple:
            return tuple(_wrap(i.astype(np.int64)) for i in indices)
        return _wrap(np.stack(indices, axis=1).astype(np.int64))

    @_accepts_numpy_names
    def argmax(self, dim=None, keepdim=False):
        return _reduction.argmax(self, dim, keepdim)

    @_accepts_numpy_names
    def argmin(self, dim=None, keepdim=False):
        return _reduction.argmin(self, dim, keepdim)

    @_accepts_numpy_names
    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return _reduction.prod(self, dim, keepdim, dtype=dtype)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return _reduction.norm(self, p, dim, keepdim, dtype=dtype)

    @_accepts_numpy_names
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _reduction.var(self, dim, unbiased, keepdim, correction=correction)

    @_accepts_numpy_names
    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _reduction.std(self, dim, unbiased, keepdim, correction=correction)

    @_accepts_numpy_names
    def logsumexp(self, dim, keepdim=False):
        return _reduction.logsumexp(self, dim, keepdim)

    @_accepts_numpy_names
    def softmax(self, dim, dtype=None):
        return _reduction.softmax(self, dim, dtype=dtype)

    @_accepts_numpy_names
    def log_softmax(self, dim, dtype=None):
        return _reduction.log_softmax(self, dim, dtype=dtype)

    @_accepts_numpy_names
    def cumsum(self, dim=None, *, dtype=None):
        return _cumulative.cumsum(self, dim, dtype=dtype)

    @_accepts_numpy_names
    def cumprod(self, dim=None, *, dtype=None):
        return _cumulative.cumprod(self, dim, dtype=dtype)

    # ------------------------------------------------------------------ reordering
    @_accepts_numpy_names
    def sort(self, dim=-1, descending=False, *, stable=None):
        return _reorder.sort(self, dim, descending, stable=stable)

    @_accepts_numpy_names
    def argsort(self, dim=-1, descending=False, *, stable=False):
        return _reorder.argsort(self, dim, descending, stable=stable)

    @_accepts_numpy_names
    def topk(self, k, dim=-1, largest=True, sorted=True):
        return _reorder.topk(self, k, dim, largest, sorted)

    def flip(self, *dims):
        return _reorder.flip(self, *dims)

    def roll(self, shifts, dims=None):
        return _reorder.roll(self, shifts, dims)

    def movedim(self, source, destination):
        return _reorder.movedim(self, source, destination)

    moveaxis = movedim

    def tile(self, *dims):
        return _reorder.tile(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims)

    def tril(self, diagonal=0):
        return _diagonal.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _diagonal.triu(self, diagonal)

    def diag(self, diagonal=0):
        return _diagonal.diag(self, diagonal)

    def trace(self):
        return _diagonal.trace(self)

    # ---------------------------------------------------------------- shape
    def reshape(self, *shape):
        return _shape.reshape(self, *shape)

    def view(self, *shape):
        return _shape.view(self, *shape)

    def view_as(self, other):
        return _shape.view(self, other.shape)

    def reshape_as(self, other):
        return _shape.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return _shape.flatten(self, start_dim, end_dim)

    def t(self):
        return _shape.t(self)

    @property
    def T(self):
        if self._data.ndim not in (0, 2):
            warnings.warn(
                "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
                "to reverse the dimensions of a tensor.", UserWarning, stacklevel=2)
        return _shape.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self):
        if self._data.ndim == 0:
            warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the identity "
                          "in these cases.", UserWarning, stacklevel=2)
            return self
        if self._data.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self._data.ndim}-D tensor.")
        return _shape.transpose(self, -2, -1)

    def transpose(self, dim0, dim1):
        return _shape.transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def permute(self, *dims, **keyword):
        """``permute(2, 0, 1)``, ``permute((2, 0, 1))`` or ``permute(dims=(2, 0, 1))``."""
        if keyword:
            if set(keyword) != {"dims"} or dims:
                raise TypeError("permute() takes the new order of dimensions, e.g. permute(1, 0) "
                                "or permute(dims=(1, 0))")
            dims = (keyword["dims"],)
        return _shape.permute(self, *dims)

    def unsqueeze(self, dim):
        return _shape.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        return _shape.squeeze(self, dim)

    def expand(self, *sizes):
        return _shape.expand(self, *sizes)

    def sum_to_size(self, *size):
        """Sum over broadcast dimensions down to ``size`` (how broadcast gradients are reduced)."""
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        return _broadcast.sum_to_shape(self, tuple(size), "sum_to_size")

    def expand_as(self, other):
        return _shape.expand(self, other.shape)

    def repeat(self, *sizes):
        return _shape.repeat(self, *sizes)

    def narrow(self, dim, start, length):
        return _indexing.narrow(self, dim, start, length)

    def select(self, dim, index):
        return _indexing.select(self, dim, index)

    def split(self, split_size, dim=0):
        return _shape.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _shape.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return _shape.unbind(self, dim)

    def unflatten(self, dim, sizes):
        return _shape.unflatten(self, dim, sizes)

    def t_(self):
        return _inplace_views.t_(self)

    def transpose_(self, dim0, dim1):
        return _inplace_views.transpose_(self, dim0, dim1)

    def squeeze_(self, dim=None):
        return _inplace_views.squeeze_(self, dim)

    def unsqueeze_(self, dim):
        return _inplace_views.unsqueeze_(self, dim)

    # ----------------------------------------------------------------- linalg
    def matmul(self, other):
        return _linalg.matmul(self, other)

    def mm(self, other):
        return _linalg.mm(self, other)

    def mv(self, vec):
        return _linalg.mv(self, vec)

    def dot(self, other):
        return _linalg.dot(self, other)

    def bmm(self, other):
        return _linalg.bmm(self, other)

    def outer(self, other):
        return _linalg.outer(self, other)

    # ---------------------------------------------------------------- indexing
    def __getitem__(self, index):
        return _indexing.getitem(self, index)

    def __setitem__(self, index, value):
        _indexing.setitem(self, index, value)

    def gather(self, dim, index):
        return _indexing.gather(self, dim, index)

    def index_select(self, dim, index):
        return _indexing.index_select(self, dim, index)

    def take(self, index):
        return _scatter.take(self, index)

    def index_add(self, dim, index, source, *, alpha=1):
        return _scatter.index_add(self, dim, index, source, alpha=alpha)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return _scatter.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return _scatter.scatter_add(self, dim, index, src)

    # ---------------------------------------------------------------- in place
    def add_(self, other, *, alpha=1):
        return _inplace.add_(self, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        return _inplace.sub_(self, other, alpha=alpha)

    def mul_(self, other):
        return _inplace.mul_(self, other)

    def div_(self, other, *, rounding_mode=None):
        return _inplace.div_(self, other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return _inplace.pow_(self, exponent)

    def clamp_(self, min=None, max=None):
        return _inplace.clamp_(self, min, max)

    def round_(self, *, decimals=0):
        return _inplace.round_(self, decimals=decimals)

    def exp_(self):
        return _inplace.exp_(self)

    def log_(self):
        return _inplace.log_(self)

    def sqrt_(self):
        return _inplace.sqrt_(self)

    def abs_(self):
        return _inplace.abs_(self)

    def tanh_(self):
        return _inplace.tanh_(self)

    def sigmoid_(self):
        return _inplace.sigmoid_(self)

    def relu_(self):
        return _inplace.relu_(self)

    def neg_(self):
        return _inplace.neg_(self)

    def zero_(self):
        return _inplace.zero_(self)

    def fill_(self, value):
        return _inplace.fill_(self, value)

    def copy_(self, source):
        return _inplace.copy_(self, source)

    def __iadd__(self, other):
        return _inplace.add_(self, other)

    def __isub__(self, other):
        return _inplace.sub_(self, other)

    def __imul__(self, other):
        return _inplace.mul_(self, other)

    def __itruediv__(self, other):
        return _inplace.div_(self, other)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        return _random.uniform_(self, a, b, generator=generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return _random.normal_(self, mean, std, generator=generator)

    def masked_fill_(self, mask, value):
        return _scatter.masked_fill_(self, mask, value)

    def index_add_(self, dim, index, source, *, alpha=1):
        return _scatter.index_add_(self, dim, index, source, alpha=alpha)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        return _scatter.scatter_(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add_(self, dim, index, src):
        return _scatter.scatter_add_(self, dim, index, src)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return _ternary.addcmul_(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return _ternary.addcdiv_(self, tensor1, tensor2, value=value)

    def lerp_(self, end, weight):
        return _ternary.lerp_(self, end, weight)

    def apply_(self, callable):
        """Replace every element ``v`` by ``callable(v)``, a Python call per element (slow;
        never recorded, so refused for a tensor that requires grad)."""
        if self.requires_grad:
            raise RuntimeError("Can't call apply_() on Variable that requires grad. Use "
                               "var.detach().apply_() instead.")
        results = []
        for value in self._data.reshape(-1).tolist():
            result = callable(value)
            if not isinstance(result, (int, float, np.number)):
                raise TypeError(f"must be real number, not {type(result).__name__}")
            results.append(result)
        # (PyTorch's version counter does not move here either)
        self._data[...] = np.array(results, dtype=object).astype(self._data.dtype).reshape(self._data.shape)
        return self

    def bernoulli_(self, p=0.5, *, generator=None):
        return _random.bernoulli_(self, p, generator=generator)

    def random_(self, *args, generator=None, **bounds):
        """``random_()``, ``random_(to)``, ``random_(from, to)``: whole numbers in [from, to)."""
        return _random.random_(self, *args, generator=generator, **bounds)

    def exponential_(self, lambd=1.0, *, generator=None):
        return _random.exponential_(self, lambd, generator=generator)

    def bernoulli(self, p=None, *, generator=None):
        return _random.bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return _random.multinomial(self, num_samples, replacement, generator=generator)

    def histc(self, bins=100, min=0, max=0):
        return _histogram.histc(self, bins, min, max)

    def histogram(self, bins=100, *, range=None, weight=None, density=False):
        return _histogram.histogram(self, bins, range=range, weight=weight, density=density)


def version_of(tensor):
    """The version counter of a tensor's memory: views and detached tensors share their base's."""
    return tensor._changes if tensor._memory_owner is None else tensor._memory_owner._changes


def bump_version(tensor):
    """Record an in-place change of the tensor's memory (seen by every view of it)."""
    owner = tensor if tensor._memory_owner is None else tensor._memory_owner
    owner._changes += 1
    if owner._version_cell is not None:
        owner._version_cell[0] = owner._changes


def version_cell(tensor):
    """A one-element list that follows the version counter of ``tensor``'s memory, and outlives
    the tensor: a node that saved its output checks it even when that tensor is gone (PyTorch's
    saved variables share the counter itself, not the tensor)."""
    owner = tensor if tensor._memory_owner is None else tensor._memory_owner
    if owner._version_cell is None:
        owner._version_cell = [owner._changes]
    return owner._version_cell


def _rebuild_from_array(array, requires_grad):
    """Unpickle a tensor (``Tensor.__reduce_ex__``)."""
    result = _wrap(array)
    result._requires_grad = bool(requires_grad)
    return result


def _init_from(tensor, data):
    tensor._data = data
    tensor._grad_fn = None
    tensor._requires_grad = False
    if observers:
        announce(tensor)


def _to_nested(data):
    """Replace tensors inside (nested) lists by their values, so NumPy can read them."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_to_nested(item) for item in data]
    return data


def tensor_from_data(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """``gradlab.tensor``: copy ``data`` (numbers, nested lists, arrays, tensors) into a new leaf.

    Python floats become float32, ints int64 and bools bool, as in PyTorch;
    a NumPy array keeps its dtype.
    """
    check_device(device)
    if isinstance(data, Tensor):
        array = np.array(data._data, copy=True)
    elif isinstance(data, np.ndarray):
        array = np.array(data, copy=True)
    else:
        array = _array_from_python(data, dtype)
    if dtype is not None:
        array = array.astype(_dtypes.as_dtype(dtype).numpy_dtype, copy=False)
    else:
        _dtypes.from_numpy(array.dtype)  # rejects dtypes PyTorch lacks, with a clear message
    result = _wrap(array)
    if requires_grad:
        result.requires_grad_(True)
    return result


def _array_from_python(data, dtype=None):
    if isinstance(data, str) or (isinstance(data, (list, tuple)) and _contains_str(data)):
        raise TypeError(f"new(): invalid data type 'str' — tensor() takes numbers, not text ({data!r})")
    try:
        array = np.array(_to_nested(data))
    except ValueError as error:
        raise ValueError(
            f"expected a rectangular nested list of numbers (every row the same length): {error}"
        ) from None
    if array.dtype == object:
        raise TypeError(
            "could not convert the data to a tensor: use numbers or nested lists of numbers "
            "with the same length in every row"
        )
    if dtype is not None:
        return array  # converted once, by the caller, straight to the requested dtype
    if array.dtype.kind == "f" and array.dtype != np.float16:
        return array.astype(_dtypes.get_default_dtype().numpy_dtype, copy=False)
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    return array


def _contains_str(items):
    return any(isinstance(i, str) or (isinstance(i, (list, tuple)) and _contains_str(i)) for i in items)


# The one import cycle (see gradlab/__init__.py): the modules Tensor's methods call
# import Tensor themselves, so they are imported once it is defined.
from . import creation as _creation, printing as _printing, random as _random  # noqa: E402 (the cycle)
from . import serialization as _serialization  # noqa: E402 (the cycle)
from .autograd import engine as _engine  # noqa: E402 (the cycle)
from .ops import (  # noqa: E402 (the cycle)
    arithmetic as _arith, broadcast as _broadcast, comparison as _compare, copy as _copy,
    indexing as _indexing, inplace as _inplace, linalg as _linalg, pointwise as _pointwise,
    reduction as _reduction, shape as _shape, strides as _strides, views as _views,
    inplace_views as _inplace_views, scatter as _scatter, ternary as _ternary,
    masking as _masking, histogram as _histogram, cumulative as _cumulative,
    diagonal as _diagonal, reorder as _reorder,
)
