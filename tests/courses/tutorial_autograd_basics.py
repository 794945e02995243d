"""pytorch/tutorials, beginner_source/basics/autogradqs_tutorial.py.

The one-layer network of "Automatic Differentiation with torch.autograd":
``torch.matmul(x, w) + b``, ``torch.nn.functional.binary_cross_entropy_with_logits``,
``z.grad_fn`` / ``loss.grad_fn`` printed in f-strings, ``loss.backward()`` and the leaf
gradients, gradient tracking turned off by ``torch.no_grad()`` and by ``detach()``, and the
Jacobian-product section: ``torch.eye(4, 5, requires_grad=True)``, ``(inp+1).pow(2).t()``,
``backward(torch.ones_like(out), retain_graph=True)`` three times with accumulation and
``inp.grad.zero_()``.
"""
import numpy as np
import torch

rng = np.random.default_rng(0)
x = torch.ones(5)
y = torch.zeros(3)
w = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32, requires_grad=True)
b = torch.tensor(rng.standard_normal(3), dtype=torch.float32, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
print(loss)

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w) + b
print(z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")
print(out.grad_fn, out.grad_fn.next_functions[0][0])
