"""karpathy/micrograd, test/test_engine.py.

The two checks micrograd's tests run against PyTorch, printed instead of asserted: double
scalars from ``torch.Tensor([-4.0]).double()``, ``relu``, reflected ``2 * x + 2 + x``, powers,
``-a``, ``10.0 / f``, re-binding ``c = c + c + 1`` chains, ``y.backward()`` and the forward
value and input gradients (``.data.item()``, ``.grad.item()``).
"""
import torch

x = torch.Tensor([-4.0]).double()
x.requires_grad = True
z = 2 * x + 2 + x
q = z.relu() + z * x
h = (z * z).relu()
y = h + q + q * x
y.backward()
print('sanity check: y', y.data.item(), 'dy/dx', x.grad.item())
print(y.grad_fn, z.grad_fn, h.grad_fn)

a = torch.Tensor([-4.0]).double()
b = torch.Tensor([2.0]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g = g + 10.0 / f
g.backward()
print('more ops: g', g.data.item())
print('dg/da', a.grad.item(), 'dg/db', b.grad.item())
print(g, a.grad, b.grad)
print(f.grad_fn, (10.0 / f).grad_fn, (-a).grad_fn, (b**3).grad_fn)
tol = 1e-6
print(abs(g.data.item() - 24.70408163265306) < tol, abs(a.grad.item() - 138.83381924198252) < tol)
