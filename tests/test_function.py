"""Custom operations (gradlab/autograd/function.py) against torch.autograd.Function."""
import numpy as np
import pytest

import gradlab
from gradlab.autograd import Function, gradcheck
from helpers import compare_with_torch


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


class ScaleBy(Function):
    """Non-tensor arguments get None gradients; next_functions list tensors only."""

    @staticmethod
    def forward(ctx, x, factor, y):
        ctx.factor = factor
        ctx.needs = ctx.needs_input_grad
        return x * factor * y

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.factor, None, grad_output


class Exp(Function):
    """Saves its output, as the PyTorch docs example does."""

    @staticmethod
    def forward(ctx, x):
        result = x.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class SplitSigns(Function):
    """Two outputs, one marked non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        positive = x.clamp(min=0)
        mask = x > 0
        ctx.mark_non_differentiable(mask)
        ctx.save_for_backward(x)
        return positive, mask

    @staticmethod
    def backward(ctx, grad_positive, grad_mask):
        (x,) = ctx.saved_tensors
        return grad_positive * (x > 0)


def test_custom_function_gradient_and_node_name():
    x = gradlab.tensor([1.0, 3.0], requires_grad=True)
    y = Square.apply(x)
    assert y.grad_fn.name() == "SquareBackward"
    assert repr(y.grad_fn).startswith("<torch.autograd.function.SquareBackward object at 0x")
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 6.0])


def test_forward_runs_without_recording():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(gradlab.is_grad_enabled())
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    y = Probe.apply(gradlab.tensor([1.0], requires_grad=True))
    assert seen == [False]
    assert y.grad_fn.name() == "ProbeBackward"


def test_non_tensor_arguments_match_torch(torch):
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = gradlab.tensor([3.0, 4.0])
    out = ScaleBy.apply(x, 3, y)
    assert len(out.grad_fn.next_functions) == 2
    assert out.grad_fn.next_functions[1] == (None, 0)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_needs_input_grad():
    holder = {}

    class Record(Function):
        @staticmethod
        def forward(ctx, a, k, b):
            holder["needs"] = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, None, None

    Record.apply(gradlab.ones(2, requires_grad=True), 2, gradlab.ones(2))
    assert holder["needs"] == (True, False, False)


def test_wrong_number_of_gradients_is_explained():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    out = Bad.apply(gradlab.ones(2, requires_grad=True), gradlab.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match=r"returned an incorrect number of gradients \(expected 2, got 1\)"):
        out.sum().backward()


def test_saved_output_and_gradcheck():
    x = gradlab.tensor([0.3, -1.2], dtype=gradlab.float64, requires_grad=True)
    assert gradcheck(Exp.apply, (x,))
    assert gradcheck(Square.apply, (x,))


def test_double_backward_through_custom_function(torch):
    x = gradlab.tensor(1.5, requires_grad=True)
    y = Exp.apply(x)
    (first,) = gradlab.autograd.grad(y, x, create_graph=True)
    (second,) = gradlab.autograd.grad(first, x)
    assert second.item() == pytest.approx(np.exp(1.5), rel=1e-6)
    assert gradlab.autograd.gradgradcheck(Square.apply, (gradlab.tensor([0.5, 2.0], dtype=gradlab.float64, requires_grad=True),))


def test_several_outputs_and_non_differentiable_mask():
    x = gradlab.tensor([-1.0, 2.0], requires_grad=True)
    positive, mask = SplitSigns.apply(x)
    assert positive.grad_fn.name() == "SplitSignsBackward"
    assert mask.grad_fn is None and not mask.requires_grad
    (positive * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 3.0])


def test_unused_output_gradient_is_materialized_as_zeros():
    class Pair(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            assert grad_b is not None
            return grad_a * 2 + grad_b * 3

    x = gradlab.tensor([1.0], requires_grad=True)
    a, _ = Pair.apply(x)
    a.sum().backward()
    assert x.grad.item() == 2.0


class _NotATensor:
    pass


def _saving(library, value):
    """A Function (of ``library``) whose forward saves its input and ``value``."""
    class Saves(library.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, value)
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    return Saves


@pytest.mark.parametrize("value", [3, 2.5, [1.0], (1.0,), "x", _NotATensor(), np.ones(2), np.float64(1)],
                         ids=["int", "float", "list", "tuple", "str", "class", "ndarray", "numpy number"])
def test_saving_what_is_not_a_tensor_is_a_type_error(value):
    compare_with_torch(lambda m, x: _saving(m, value).apply(x), np.ones(2), raises=TypeError,
                       match="save_for_backward can only save variables, but argument 1 is of type")


def test_saving_none_or_saving_while_not_recording_is_accepted():
    compare_with_torch(lambda m, x: _saving(m, None).apply(x), np.ones(2))
    compare_with_torch(lambda m, x: _saving(m, 3).apply(x), np.ones(2), requires_grad=False)


def test_no_grad_apply_builds_no_graph():
    x = gradlab.tensor([1.0], requires_grad=True)
    with gradlab.no_grad():
        y = Square.apply(x)
    assert y.grad_fn is None


def test_matches_torch_on_same_function(torch):
    class TorchSquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 2 * x

    values = [0.5, -2.0, 3.0]
    tx = torch.tensor(values, requires_grad=True)
    ty = TorchSquare.apply(tx)
    ty.sum().backward()
    gx = gradlab.tensor(values, requires_grad=True)
    gy = Square.apply(gx)
    gy.sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy())
    assert gy.grad_fn.name() == type(ty.grad_fn).__name__.replace("Torch", "")
