"""d2l-ai/d2l-en, chapter_preliminaries/autograd.md (PyTorch tab).

Automatic differentiation: ``x.requires_grad_(True)`` on ``torch.arange(4.0)``, ``x.grad``
is None at first, ``y = 2 * torch.dot(x, x)``, ``x.grad == 4 * x``, ``x.grad.zero_()``
between backward calls, ``y.backward(gradient=torch.ones(len(y)))`` on a vector,
``u = y.detach()`` to cut the graph, and Python control flow (``while b.norm() < 1000``,
``if b.sum() > 0``) on a scalar, and the book's check ``a.grad == d / a`` (on fixed values of
both signs: the book's ``torch.randn(size=(), requires_grad=True)`` draw differs between
libraries and, for negative draws, the check's rounding depends on the value).
"""
import torch

x = torch.arange(4.0)
print(x)
x.requires_grad_(True)
print(x.grad)
y = 2 * torch.dot(x, x)
print(y)
y.backward()
print(x.grad)
print(x.grad == 4 * x)

x.grad.zero_()
y = x.sum()
y.backward()
print(x.grad)

x.grad.zero_()
y = x * x
y.backward(gradient=torch.ones(len(y)))
print(x.grad)

x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
print(x.grad == u)
x.grad.zero_()
y.sum().backward()
print(x.grad == 2 * x)
print(u.requires_grad, u.grad_fn, z.grad_fn)


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


a = torch.randn(size=(), requires_grad=True)
print(a.shape, a.requires_grad)
for value in (0.37, -0.37):
    a = torch.tensor(value, requires_grad=True)
    d = f(a)
    d.backward()
    print(a.grad == d / a)
    print(d, a.grad, d.grad_fn)
