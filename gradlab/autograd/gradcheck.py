"""``gradcheck``: compare autograd's gradients with finite differences.

For every input element x_j we nudge it by ±eps and watch every output
element y_i move: (y_i(x + eps) - y_i(x - eps)) / 2eps is the numerical
Jacobian entry J[i, j].  Autograd's Jacobian is built one row at a time with
``grad`` (a one-hot gradient per output element).  They must agree within
``atol + rtol * |numerical|``.  Use float64: with float32 the rounding error
of the finite difference is larger than the tolerance.
"""
import warnings

import numpy as np

from ..tensor import Tensor, _wrap
from .engine import grad as _grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Autograd's and the numerical Jacobian disagree (shows both)."""


def _as_tuple(values):
    return tuple(values) if isinstance(values, (tuple, list)) else (values,)


def _flat_outputs(function, inputs):
    return [o._data.astype(np.float64).reshape(-1) for o in _differentiable_outputs(function, inputs)]


def _differentiable_outputs(function, inputs):
    outputs = _as_tuple(function(*inputs))
    return [o for o in outputs if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def get_numerical_jacobian(function, inputs, eps=1e-6):
    """One Jacobian per (output, input that requires grad), by central differences."""
    inputs = _as_tuple(inputs)
    with no_grad():
        outputs = _differentiable_outputs(function, inputs)
    jacobians = []
    for output in outputs:
        jacobians.append([
            np.zeros((output._data.size, x._data.size)) for x in inputs
            if isinstance(x, Tensor) and x._requires_grad
        ])
    position = 0
    for x in inputs:
        if not (isinstance(x, Tensor) and x._requires_grad):
            continue
        if not x._data.flags.c_contiguous:
            x._data = np.ascontiguousarray(x._data)
        flat = x._data.reshape(-1)  # a view: writing into it changes x
        for j in range(flat.size):
            original = flat[j].item()
            with no_grad():
                flat[j] = original + eps
                plus = _flat_outputs(function, inputs)
                flat[j] = original - eps
                minus = _flat_outputs(function, inputs)
                flat[j] = original
            for k, (p, m) in enumerate(zip(plus, minus)):
                jacobians[k][position][:, j] = (p - m) / (2 * eps)
        position += 1
    return jacobians


def get_analytical_jacobian(function, inputs, create_graph=False):
    """The same Jacobians from autograd: one ``grad`` call per output element."""
    inputs = _as_tuple(inputs)
    wrt = [x for x in inputs if isinstance(x, Tensor) and x._requires_grad]
    outputs = _differentiable_outputs(function, inputs)
    jacobians = []
    for output in outputs:
        rows = [np.zeros((output._data.size, x._data.size)) for x in wrt]
        if output._requires_grad:
            for i in range(output._data.size):
                one_hot = np.zeros(output._data.size, dtype=output._data.dtype)
                one_hot[i] = 1
                grads = _grad(output, wrt, _wrap(one_hot.reshape(output._data.shape)),
                              retain_graph=True, allow_unused=True)
                for k, g in enumerate(grads):
                    if g is not None:
                        rows[k][i, :] = g._data.astype(np.float64).reshape(-1)
        jacobians.append(rows)
    return jacobians


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """True if autograd's gradients of ``func`` at ``inputs`` match finite differences.

    Otherwise raises ``GradcheckError`` (a RuntimeError) showing both Jacobians,
    or returns False with ``raise_exception=False``.
    """
    inputs = _as_tuple(inputs)
    if not any(isinstance(x, Tensor) and x._requires_grad for x in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for index, x in enumerate(inputs):
        if isinstance(x, Tensor) and x._requires_grad and x._data.dtype != np.float64:
            warnings.warn(
                f"Input #{index} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point (use dtype=torch.float64).",
                UserWarning,
                stacklevel=2,
            )
    numerical = get_numerical_jacobian(func, inputs, eps)
    analytical = get_analytical_jacobian(func, inputs)
    for out_index, (numeric_rows, analytic_rows) in enumerate(zip(numerical, analytical)):
        for in_index, (n, a) in enumerate(zip(numeric_rows, analytic_rows)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {out_index} with respect to input {in_index},\n"
                    f"numerical:{_show(n)}\nanalytical:{_show(a)}\n"
                )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """Check second derivatives: gradcheck applied to the (differentiable) backward of ``func``."""
    inputs = _as_tuple(inputs)
    with no_grad():
        outputs = _differentiable_outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            _wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype)).requires_grad_()
            for o in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    wrt_positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]

    def first_derivatives(*values):
        current_inputs, current_grads = values[:len(inputs)], values[len(inputs):]
        with enable_grad():  # also while gradcheck perturbs inputs under no_grad
            current_outputs = _differentiable_outputs(func, current_inputs)
            used = [(o, g) for o, g in zip(current_outputs, current_grads) if o._requires_grad]
            grads = _grad([o for o, _ in used], [current_inputs[i] for i in wrt_positions],
                          [g for _, g in used], create_graph=True, allow_unused=True)
        return tuple(_wrap(np.zeros_like(current_inputs[i]._data)) if g is None else g
                     for g, i in zip(grads, wrt_positions))

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


def _show(matrix):
    return repr(_wrap(matrix))


