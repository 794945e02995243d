"""``Parameter``: a tensor that a ``Module`` treats as one of its learnable weights.

A Parameter is an ordinary leaf tensor (``isinstance(p, torch.Tensor)`` is
True) with two differences: it requires grad by default, and assigning it as
an attribute of a module (``self.weight = Parameter(...)``) registers it, so
``module.parameters()`` finds it and an optimizer can update it.
"""
from .. import dtypes, printing
from ..creation import empty
from ..device import check_device
from ..tensor import Tensor


class Parameter(Tensor):
    """``Parameter(data=None, requires_grad=True)``: shares ``data``'s memory, as PyTorch's does."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter(): data must be a Tensor, not {type(data).__name__} "
                "(wrap it first, e.g. nn.Parameter(torch.tensor([1., 2.])))"
            )
        self._data = data._data
        self.grad_fn = None
        self._requires_grad = False
        self.requires_grad_(requires_grad)  # refuses integer data with PyTorch's message

    def __repr__(self):
        return printing.format_parameter(self._data, self.dtype.name, requires_grad=self._requires_grad)

    def __deepcopy__(self, memo):
        # as PyTorch: a new Parameter holding a copy of the values (the .grad is not copied)
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor(self._data.copy()), self._requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return _rebuild_parameter, (self._data.copy(), self._requires_grad)


def _rebuild_parameter(array, requires_grad):
    from ..tensor import _wrap

    return Parameter(_wrap(array), requires_grad)


# ------------------------------------------------------------------ lazy parameters
_UNINITIALIZED = (
    "Attempted to use an uninitialized parameter in a tensor operation. This error happens when "
    "you are using a `LazyModule` or explicitly manipulating "
    "`gradlab.nn.parameter.UninitializedParameter` objects. When using LazyModules Call `forward` "
    "with a dummy batch to initialize the parameters before calling torch functions")


def _no_values(tensor):
    raise ValueError(_UNINITIALIZED)


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (a lazy module's, e.g. ``nn.LazyLinear``'s
    weight before its first call). It has a dtype and ``requires_grad`` but no values: using
    it raises ValueError until ``materialize(shape)`` turns it, in place, into a ``Parameter``
    (so an optimizer made earlier still holds it)."""

    cls_to_become = Parameter

    # no values yet: every use of them (every operation) raises
    _data = property(_no_values)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        check_device(device)
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
        self._grad_fn = None
        self._requires_grad = bool(requires_grad)

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing their "
            "attributes.")

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def requires_grad_(self, requires_grad=True):
        _no_values(self)

    def materialize(self, shape, device=None, dtype=None):
        """Become a ``Parameter`` of ``shape`` (zeros; the module's ``reset_parameters`` then
        fills it)."""
        check_device(device)
        dtype = self._dtype if dtype is None else dtypes.as_dtype(dtype)
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        del self._dtype
        self.__class__ = self.cls_to_become
        self._data = empty(shape, dtype=dtype)._data

    # Module.to / .double() / .float() change the dtype it will be made with
    def to(self, *args, **kwargs):
        dtype = kwargs.get("dtype", next((a for a in args if isinstance(a, dtypes.dtype)), None))
        return UninitializedParameter(self._requires_grad, dtype=dtype or self._dtype)

    @property
    def data(self):
        _no_values(self)

    @data.setter
    def data(self, value):
        if isinstance(value, UninitializedParameter):
            self._dtype = value._dtype
        else:
            self.materialize(value.shape, dtype=value.dtype)
            self._data = value._data

    def __repr__(self):
        return "<UninitializedParameter>"

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = UninitializedParameter(self._requires_grad, dtype=self._dtype)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        # PyTorch's pickle keeps only requires_grad: it comes back with the default dtype
        return UninitializedParameter, (self._requires_grad,)


def is_lazy(param):
    """True for a parameter (or buffer) whose shape is not known yet."""
    return isinstance(param, UninitializedParameter)
