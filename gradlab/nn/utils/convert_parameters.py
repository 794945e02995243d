"""A model's parameters as one flat vector, and back (``torch.nn.utils.convert_parameters``)."""
from ...ops.shape import cat, view
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """Every parameter flattened and concatenated, in order (``CatBackward0`` over views:
    gradients flow back to the parameters)."""
    return cat([view(param, -1) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into ``parameters`` (through ``.data``: not recorded)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    start = 0
    for param in parameters:
        count = param.numel()
        param.data = vec[start:start + count].view_as(param).data
        start += count


def _typename(value):
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
