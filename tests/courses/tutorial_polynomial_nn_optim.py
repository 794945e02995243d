"""pytorch/tutorials, beginner_source/examples_nn/polynomial_nn.py, polynomial_optim.py and
polynomial_module.py.

The polynomial fit with ``torch.nn``: ``p = torch.tensor([1, 2, 3])``,
``xx = x.unsqueeze(-1).pow(p)``, ``nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))``,
``nn.MSELoss(reduction='sum')``, ``model.zero_grad()`` and a manual update over
``model.parameters()`` under ``no_grad``, ``linear_layer = model[0]`` and its
``weight[:, 0].item()``; then ``torch.optim.RMSprop``; then a custom ``Polynomial3(nn.Module)``
with four ``torch.nn.Parameter`` scalars, a ``string()`` method and ``torch.optim.SGD``.
"""
import math

import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print(xx.shape, xx.dtype, p.dtype)


def fresh_model():
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 1),
        torch.nn.Flatten(0, 1)
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[0.5, -0.1, -0.05]]))
        model[0].bias.fill_(0.1)
    return model


model = fresh_model()
print(model)
loss_fn = torch.nn.MSELoss(reduction='sum')
learning_rate = 1e-6
for t in range(200):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
print(y_pred.shape, y_pred.grad_fn, loss.grad_fn)

model = fresh_model()
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(200):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(0.1))
        self.b = torch.nn.Parameter(torch.tensor(-0.2))
        self.c = torch.nn.Parameter(torch.tensor(0.3))
        self.d = torch.nn.Parameter(torch.tensor(-0.05))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'


model = Polynomial3()
print(model, [name for name, _ in model.named_parameters()], model.a)
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(200):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f'Result: {model.string()}')
