"""gradcheck / gradgradcheck (gradlab/autograd/gradcheck.py)."""
import numpy as np
import pytest

import gradlab
from gradlab.autograd import Function, GradcheckError, gradcheck, gradgradcheck


def _input(*values):
    return gradlab.tensor(list(values), dtype=gradlab.float64, requires_grad=True)


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output  # should be 2x


def test_gradcheck_passes_for_correct_ops():
    assert gradcheck(lambda x: (x.sin() * x ** 2).exp(), (_input(0.1, -0.5, 0.7),))
    assert gradcheck(lambda a, b: a * b + a / b, (_input(1.0, 2.0), _input(3.0, -4.0)))


def test_gradcheck_failure_shows_both_jacobians():
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSquare.apply, (_input(1.0, 3.0),))
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "Jacobian mismatch for output 0 with respect to input 0" in message
    assert "numerical:" in message and "analytical:" in message
    assert "6.0000" in message  # the true derivative 2x at x = 3


def test_gradcheck_can_return_false():
    assert gradcheck(WrongSquare.apply, (_input(1.0),), raise_exception=False) is False


def test_gradcheck_warns_for_float32():
    x = gradlab.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda t: t * 2, (x,), raise_exception=False)


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="requires_grad=True"):
        gradcheck(lambda t: t * 2, (gradlab.tensor([1.0], dtype=gradlab.float64),))


def test_gradgradcheck_second_derivatives():
    assert gradgradcheck(lambda x: x.sin() * x.exp(), (_input(0.3, 1.1),))
    assert gradgradcheck(lambda a, b: (a * b).tanh(), (_input(0.2, -0.3), _input(0.5, 0.8)))


def test_gradgradcheck_catches_wrong_double_backward():
    class NoDouble(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x.detach() ** 2  # detached: wrong second derivative

    with pytest.raises(GradcheckError):
        gradgradcheck(NoDouble.apply, (_input(0.5, 2.0),))


def test_numerical_jacobian_matches_torch_jacobian(torch):
    from gradlab.autograd.gradcheck import get_numerical_jacobian

    values = [0.2, -0.7, 1.3]
    mine = get_numerical_jacobian(lambda x: x.exp() * x, (_input(*values),))[0][0]
    reference = torch.autograd.functional.jacobian(
        lambda x: x.exp() * x, torch.tensor(values, dtype=torch.float64))
    np.testing.assert_allclose(mine, reference.numpy(), rtol=1e-6)
