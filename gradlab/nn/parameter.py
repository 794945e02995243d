"""``Parameter``: a tensor that a ``Module`` treats as one of its learnable weights.

A Parameter is an ordinary leaf tensor (``isinstance(p, torch.Tensor)`` is
True) with two differences: it requires grad by default, and assigning it as
an attribute of a module (``self.weight = Parameter(...)``) registers it, so
``module.parameters()`` finds it and an optimizer can update it.
"""
from .. import printing
from ..creation import empty
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
