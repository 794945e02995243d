"""pytorch/tutorials, beginner_source/examples_autograd/polynomial_autograd.py
(and examples_tensor/polynomial_tensor.py).

Fitting ``y = a + b x + c x^2 + d x^3`` to ``sin(x)``: ``torch.linspace(-math.pi, math.pi,
2000, dtype=dtype)`` with ``dtype = torch.float`` and ``device = torch.device("cpu")``,
scalar parameters with ``requires_grad=True`` (from fixed values: the tutorial's
``torch.randn((), ...)`` differs between libraries), ``(y_pred - y).pow(2).sum()``, the loop
printing ``t, loss.item()``, updates ``a -= learning_rate * a.grad`` under ``torch.no_grad()``,
``a.grad = None``, the final ``Result: y = ... x^3`` line; then the manual-gradient tensor
version (``grad_y_pred = 2.0 * (y_pred - y)``).
"""
import math

import torch

dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.tensor(0.1, device=device, dtype=dtype, requires_grad=True)
b = torch.tensor(-0.2, device=device, dtype=dtype, requires_grad=True)
c = torch.tensor(0.3, device=device, dtype=dtype, requires_grad=True)
d = torch.tensor(-0.05, device=device, dtype=dtype, requires_grad=True)
print(a, a.shape, a.dim())

learning_rate = 1e-6
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
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
print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
print(a.requires_grad, a.is_leaf, a.grad, loss.grad_fn)

# the same fit with the gradients written by hand
a, b, c, d = (torch.tensor(v, device=device, dtype=dtype) for v in (0.1, -0.2, 0.3, -0.05))
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum().item()
    if t % 100 == 99:
        print(t, loss)
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d
print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
