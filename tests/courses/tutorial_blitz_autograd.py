"""pytorch/tutorials, beginner_source/blitz/autograd_tutorial.py.

"A Gentle Introduction to torch.autograd": ``Q = 3*a**3 - b**2`` on
``torch.tensor([2., 3.], requires_grad=True)``, ``Q.backward(gradient=external_grad)``,
``9*a**2 == a.grad``; which results require gradients (f-strings with backticks); freezing
a model (``param.requires_grad = False`` for all, then a new ``model.fc = nn.Linear``)
so only the new head gets gradients, and an ``optim.SGD(model.parameters(), lr=1e-2,
momentum=0.9)`` step over the whole model.
"""
import numpy as np
import torch
from torch import nn, optim

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a**3 - b**2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * a**2 == a.grad)
print(-2 * b == b.grad)
print(Q, a.grad, b.grad)

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")


class TinyNet(nn.Module):
    """Stands in for torchvision's resnet18: a body and an ``fc`` head."""

    def __init__(self):
        super().__init__()
        self.body = nn.Linear(12, 8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(torch.relu(self.body(x)))


rng = np.random.default_rng(1)
model = TinyNet()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.3))
data = torch.tensor(rng.random((2, 12)), dtype=torch.float32)
labels = torch.tensor(rng.random((2, 4)), dtype=torch.float32)
prediction = model(data)
loss = (prediction - labels).sum()
loss.backward()
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
optimizer.step()
print(prediction, loss)

for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(8, 10)
with torch.no_grad():
    model.fc.weight.fill_(0.1)
    model.fc.bias.zero_()
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
model.zero_grad()
out = model(data)
out.sum().backward()
print([(name, p.requires_grad, p.grad is None) for name, p in model.named_parameters()])
print(model.fc.weight.grad[:, :3])
optimizer.step()
print(model.fc.bias[:3], model)
