"""nn-zero-to-hero, lectures/makemore/makemore_part3_bn.ipynb (bonus cells at the end).

How activation and gradient statistics move through a linear layer and through a
linear + batchnorm layer: leaves made with ``requires_grad=True``, ``retain_grad()`` on
inputs and intermediates, a scalar made with a vector ``@`` product, and the ``.std().item()``
of values and gradients printed; plus the batchnorm widget's ``x.mean()`` / ``x.std()``
with an element overwritten by ``x[0] = x0``, and ``torch.nn.init.kaiming_normal_``.
"""
import numpy as np
import torch

rng = np.random.default_rng(2147483647)


def randn(*shape, requires_grad=False):
    return torch.tensor(rng.standard_normal(shape), dtype=torch.float32, requires_grad=requires_grad)


a = randn(300, 1, requires_grad=True)
b = randn(300, 300, requires_grad=True)
c = b @ a
loss = randn(300) @ c
a.retain_grad()
b.retain_grad()
c.retain_grad()
loss.backward()
print('a std:', a.std().item())
print('b std:', b.std().item())
print('c std:', c.std().item())
print('-----')
print('c grad std:', c.grad.std().item())
print('a grad std:', a.grad.std().item())
print('b grad std:', b.grad.std().item())
print(loss.grad_fn, c.grad_fn)

n = 300
inp = randn(n, requires_grad=True)
w = randn(n, n, requires_grad=True)
x = w @ inp
xmean = x.mean()
xvar = x.var()
out = (x - xmean) / torch.sqrt(xvar + 1e-5)
loss = out @ randn(n)
inp.retain_grad()
x.retain_grad()
w.retain_grad()
out.retain_grad()
loss.backward()
print('inp std: ', inp.std().item())
print('w std: ', w.std().item())
print('x std: ', x.std().item())
print('out std: ', out.std().item())
print('------')
print('out grad std: ', out.grad.std().item())
print('x grad std: ', x.grad.std().item())
print('w grad std: ', w.grad.std().item())
print('inp grad std: ', inp.grad.std().item())
print(x.grad_fn, out.grad_fn, loss.grad_fn)

x = randn(5) * 5
x[0] = 12.5
mu = x.mean()
sig = x.std()
y = (x - mu) / sig
print('input mu %.2f std %.2f' % (mu, sig))
print(y, torch.ones_like(x).data, torch.zeros_like(y).dtype)

weight = torch.empty(200, 30)
torch.nn.init.kaiming_normal_(weight, mode='fan_in', nonlinearity='tanh')
print(weight.shape, weight.requires_grad, (5 / 3) / 30**0.5)
