"""nn-zero-to-hero, lectures/micrograd/micrograd_lecture_second_half_roughly.ipynb.

The lecture's cross-check of a hand-built neuron against PyTorch: scalars made with the
legacy constructor ``torch.Tensor([2.0]).double()``, ``requires_grad = True`` set as an
attribute, ``o = torch.tanh(x1*w1 + x2*w2 + b)``, ``o.data.item()``, ``o.backward()`` and
each leaf's ``.grad.item()``; then the same neuron with ``exp`` spelled out, and the repr of
a few tensors the lecture shows.
"""
import torch

x1 = torch.Tensor([2.0]).double()
x1.requires_grad = True
x2 = torch.Tensor([0.0]).double()
x2.requires_grad = True
w1 = torch.Tensor([-3.0]).double()
w1.requires_grad = True
w2 = torch.Tensor([1.0]).double()
w2.requires_grad = True
b = torch.Tensor([6.8813735870195432]).double()
b.requires_grad = True
n = x1 * w1 + x2 * w2 + b
o = torch.tanh(n)

print(o.data.item())
o.backward()

print('---')
print('x2', x2.grad.item())
print('w2', w2.grad.item())
print('x1', x1.grad.item())
print('w1', w1.grad.item())
print(o, o.dtype)
print(torch.Tensor([2.0]), torch.Tensor([2.0]).dtype, torch.Tensor([[1, 2], [3, 4]]))
print(x1.grad_fn, n.grad_fn, o.grad_fn)

# the same neuron, tanh written with exp as in the lecture's second version
for leaf in (x1, x2, w1, w2, b):
    leaf.grad = None
n = x1 * w1 + x2 * w2 + b
e = (2 * n).exp()
o = (e - 1) / (e + 1)
o.backward()
print(o.item(), x1.grad.item(), w1.grad.item(), x2.grad.item(), w2.grad.item(), b.grad.item())
print(o.grad_fn, o.grad_fn.next_functions)
