"""Broadcasting, in one place.

When ``a`` of shape (3,) is added to ``b`` of shape (2, 3), ``a`` was used by
every row, so its gradient is the *sum* of the rows of the output gradient.
``sum_to_shape`` does that summing for every op: the engine calls it whenever
a rule returns a gradient of the output's shape for a smaller input, so no
rule repeats shape logic.
"""
import numpy as np


def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to, with PyTorch's error meaning on failure."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        pretty = " and ".join(str(list(s)) for s in shapes)
        raise RuntimeError(
            f"The shapes {pretty} cannot be broadcast together: from the last dimension "
            "backwards, sizes must be equal or 1"
        ) from None


def sum_to_shape(grad, shape, op_name="backward", index=0):
    """Sum ``grad`` over the dimensions that broadcasting added or stretched, to get ``shape``."""
    grad_shape = grad._data.shape
    extra = len(grad_shape) - len(shape)
    if extra < 0 or any(
        size != 1 and size != grad_size for size, grad_size in zip(shape, grad_shape[extra:])
    ):
        raise RuntimeError(
            f"Function {op_name} returned an invalid gradient at index {index} - got "
            f"{list(grad_shape)} but expected shape compatible with {list(shape)}"
        )
    if not shape:  # PyTorch's sum_to: a plain sum() for a 0-d input (grad_fn SumBackward0)
        return grad.sum()
    leading = tuple(range(extra))
    stretched = tuple(
        extra + i for i, (size, grad_size) in enumerate(zip(shape, grad_shape[extra:]))
        if size == 1 and grad_size != 1
    )
    if leading or stretched:
        grad = grad.sum(dim=leading + stretched, keepdim=True)
    if grad._data.shape != tuple(shape):
        grad = grad.reshape(shape)
    return grad
