"""Whole-function derivatives: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``.

Each is built from ``grad``: a vector-Jacobian product is one backward pass
with ``grad_outputs=v``; a Jacobian is one such pass per output element; a
Hessian is the Jacobian of the gradient (so the gradient is computed with
``create_graph=True``).
"""
import numpy as np

from ..ops.shape import stack
from ..tensor import _wrap
from .engine import grad as _grad
from .grad_mode import enable_grad


def _as_tuple(values):
    return ((values,), False) if not isinstance(values, (tuple, list)) else (tuple(values), True)


def _prepare(inputs, create_graph):
    """Fresh leaves (or, with create_graph, differentiable aliases) that require grad."""
    return tuple(x if (create_graph and x.requires_grad) else x.detach().requires_grad_(True)
                 for x in inputs)


def _zeros_if_none(grads, like):
    return tuple(_wrap(np.zeros_like(x._data)) if g is None else g for g, x in zip(grads, like))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ J)``: the output and the vector-Jacobian product."""
    inputs, inputs_tuple = _as_tuple(inputs)
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs, outputs_tuple = _as_tuple(func(*inputs))
        if v is None:
            if any(o.numel() != 1 for o in outputs):
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            v = tuple(_wrap(np.ones_like(o._data)) for o in outputs)
        v, _ = _as_tuple(v)
        used = [(o, g) for o, g in zip(outputs, v) if o.requires_grad]
        grads = _grad([o for o, _ in used], inputs, [g for _, g in used], create_graph=create_graph,
                      allow_unused=True) if used else (None,) * len(inputs)
    grads = _zeros_if_none(grads, inputs)
    outputs = tuple(o if create_graph else o.detach() for o in outputs)
    return (outputs if outputs_tuple else outputs[0]), (grads if inputs_tuple else grads[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """∂ func(inputs) / ∂ inputs, shaped ``output.shape + input.shape`` per (output, input)."""
    inputs, inputs_tuple = _as_tuple(inputs)
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs, outputs_tuple = _as_tuple(func(*inputs))
        result = []
        for output in outputs:
            rows = [[] for _ in inputs]
            for i in range(output.numel()):
                if output.requires_grad:
                    one_hot = np.zeros(output._data.size, dtype=output._data.dtype)
                    one_hot[i] = 1
                    grads = _grad(output, inputs, _wrap(one_hot.reshape(output._data.shape)),
                                  retain_graph=True, create_graph=create_graph, allow_unused=True)
                else:
                    grads = (None,) * len(inputs)
                for k, g in enumerate(_zeros_if_none(grads, inputs)):
                    rows[k].append(g.reshape(-1))
            per_input = []
            for x, row in zip(inputs, rows):
                block = stack(row) if row else _wrap(np.zeros((0, x.numel()), x._data.dtype))
                per_input.append(block.reshape(tuple(output.shape) + tuple(x.shape)))
            result.append(tuple(per_input) if inputs_tuple else per_input[0])
    if not create_graph:
        result = [tuple(r.detach() for r in item) if isinstance(item, tuple) else item.detach()
                  for item in result]
    return tuple(result) if outputs_tuple else result[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function: the Jacobian of its gradient."""
    inputs_values, inputs_tuple = _as_tuple(inputs)

    def gradient(*xs):
        output = func(*xs)
        if output.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single element Tensor")
        return jacobian(func, xs if inputs_tuple else xs[0], create_graph=True)

    return jacobian(gradient, inputs, create_graph=create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)`` computed with two backward passes (the double-vjp trick)."""
    inputs, inputs_tuple = _as_tuple(inputs)
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs, outputs_tuple = _as_tuple(func(*inputs))
        if v is None:
            if any(x.numel() != 1 for x in inputs):
                raise RuntimeError("The vector v can only be None if the input to the user-provided "
                                   "function is a single Tensor with a single element.")
            v = tuple(_wrap(np.ones_like(x._data)) for x in inputs)
        v, _ = _as_tuple(v)
        dummies = tuple(_wrap(np.zeros_like(o._data)).requires_grad_(True) for o in outputs)
        grads = _grad(outputs, inputs, dummies, create_graph=True, allow_unused=True)
        used = [(g, vec) for g, vec in zip(grads, v) if g is not None]
        if used:
            result = _grad([g for g, _ in used], dummies, [vec for _, vec in used],
                           create_graph=create_graph, allow_unused=True)
        else:
            result = (None,) * len(outputs)
    result = _zeros_if_none(result, outputs)
    outputs = tuple(o if create_graph else o.detach() for o in outputs)
    return (outputs if outputs_tuple else outputs[0]), (result if outputs_tuple else result[0])


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ H)`` for a scalar function."""
    inputs_values, inputs_tuple = _as_tuple(inputs)
    with enable_grad():
        prepared = _prepare(inputs_values, create_graph)
        output = func(*prepared)
        (first,) = (_grad(output, prepared, create_graph=True, allow_unused=True),)
        first = _zeros_if_none(first, prepared)
        v_values, _ = _as_tuple(v)
        second = _grad(list(first), prepared, list(v_values), create_graph=create_graph, allow_unused=True)
    second = _zeros_if_none(second, prepared)
    output = output if create_graph else output.detach()
    return output, (second if inputs_tuple else second[0])


hvp = vhp  # the Hessian of a scalar function is symmetric, so vᵀH = Hv

