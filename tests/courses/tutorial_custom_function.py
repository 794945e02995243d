"""pytorch/tutorials, beginner_source/examples_autograd/polynomial_custom_function.py and
two_layer_net_custom_function.py.

New autograd Functions: ``LegendrePolynomial3(torch.autograd.Function)`` with static
``forward(ctx, input)`` / ``backward(ctx, grad_output)``, ``ctx.save_for_backward`` and
``ctx.saved_tensors``, ``P3 = LegendrePolynomial3.apply`` inside ``a + b * P3(c + d * x)``,
``torch.full((), 0.0, ..., requires_grad=True)`` parameters, the training loop with
``no_grad`` updates and ``a.grad = None``; the grad_fn of a custom Function's output; and
``MyReLU`` with ``input.clamp(min=0)`` and ``grad_input[input < 0] = 0`` in a two-layer net
on ``dtype=torch.float64`` data, checked with ``torch.autograd.gradcheck``.
"""
import math

import numpy as np
import torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2, with P3'(x) = 3/2 (5x^2 - 1) written by hand."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(300):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')
out = LegendrePolynomial3.apply(c + d * x)
print(out.grad_fn)
print(out.grad_fn.next_functions)
print(out.requires_grad, out.shape)


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


rng = np.random.default_rng(5)
N, D_in, H, D_out = 16, 10, 8, 3
x = torch.tensor(rng.standard_normal((N, D_in)), dtype=torch.float64)
y = torch.tensor(rng.standard_normal((N, D_out)), dtype=torch.float64)
w1 = torch.tensor(rng.standard_normal((D_in, H)), dtype=torch.float64, requires_grad=True)
w2 = torch.tensor(rng.standard_normal((H, D_out)), dtype=torch.float64, requires_grad=True)
learning_rate = 1e-3
for t in range(50):
    relu = MyReLU.apply
    y_pred = relu(x.mm(w1)).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    if t % 10 == 9:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
print(y_pred.grad_fn, y_pred.grad_fn.next_functions[0][0])
probe = torch.tensor(rng.standard_normal(6), dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradcheck(MyReLU.apply, (probe,)))
