"""jacobian / hessian / vjp / jvp / hvp (gradlab/autograd/functional.py) against torch."""
import numpy as np
import pytest

import gradlab
from gradlab.autograd import functional as F


def _pair(torch, values):
    return (gradlab.tensor(values, dtype=gradlab.float64),
            torch.tensor(values, dtype=torch.float64))


def _function(lib):
    return lambda x: (x.sin() * x ** 2).exp()


def _scalar_function(lib):
    return lambda x: (x.exp() * x).sum() + (x * x).sum() ** 2


def test_jacobian(torch):
    mine, ref = _pair(torch, [0.1, -0.4, 0.9])
    J = F.jacobian(_function(gradlab), mine)
    J_ref = torch.autograd.functional.jacobian(_function(torch), ref)
    assert tuple(J.shape) == tuple(J_ref.shape) == (3, 3)
    np.testing.assert_allclose(J.numpy(), J_ref.numpy(), rtol=1e-10)


def test_jacobian_of_several_inputs(torch):
    a, ta = _pair(torch, [[1.0, 2.0], [3.0, 4.0]])
    b, tb = _pair(torch, [0.5, -1.0])
    f = lambda x, y: x @ y
    mine = F.jacobian(f, (a, b))
    ref = torch.autograd.functional.jacobian(f, (ta, tb))
    for m, r in zip(mine, ref):
        assert tuple(m.shape) == tuple(r.shape)
        np.testing.assert_allclose(m.numpy(), r.numpy(), rtol=1e-10)


def test_hessian(torch):
    mine, ref = _pair(torch, [0.3, -0.2])
    H = F.hessian(_scalar_function(gradlab), mine)
    H_ref = torch.autograd.functional.hessian(_scalar_function(torch), ref)
    np.testing.assert_allclose(H.numpy(), H_ref.numpy(), rtol=1e-9)


def test_vjp_and_jvp(torch):
    mine, ref = _pair(torch, [0.1, 0.2, 0.3])
    v = [1.0, -2.0, 0.5]
    out, product = F.vjp(_function(gradlab), mine, gradlab.tensor(v, dtype=gradlab.float64))
    out_ref, product_ref = torch.autograd.functional.vjp(_function(torch), ref, torch.tensor(v, dtype=torch.float64))
    np.testing.assert_allclose(out.numpy(), out_ref.numpy())
    np.testing.assert_allclose(product.numpy(), product_ref.numpy(), rtol=1e-10)
    _, jv = F.jvp(_function(gradlab), mine, gradlab.tensor(v, dtype=gradlab.float64))
    _, jv_ref = torch.autograd.functional.jvp(_function(torch), ref, torch.tensor(v, dtype=torch.float64))
    np.testing.assert_allclose(jv.numpy(), jv_ref.numpy(), rtol=1e-10)


def test_hvp(torch):
    mine, ref = _pair(torch, [0.3, -0.2])
    v = [1.0, 2.0]
    _, hv = F.hvp(_scalar_function(gradlab), mine, gradlab.tensor(v, dtype=gradlab.float64))
    _, hv_ref = torch.autograd.functional.hvp(_scalar_function(torch), ref, torch.tensor(v, dtype=torch.float64))
    np.testing.assert_allclose(hv.numpy(), hv_ref.numpy(), rtol=1e-10)


def test_vjp_needs_v_for_non_scalar_output():
    with pytest.raises(RuntimeError, match="can only be None"):
        F.vjp(lambda x: x * 2, gradlab.ones(3))
