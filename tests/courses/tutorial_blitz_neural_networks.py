"""pytorch/tutorials, beginner_source/blitz/neural_networks_tutorial.py.

LeNet: ``nn.Conv2d(1, 6, 5)``, ``nn.Conv2d(6, 16, 5)``, ``F.max_pool2d(F.relu(...), (2, 2))``
and ``F.max_pool2d(..., 2)``, ``torch.flatten(x, 1)``; ``print(net)``,
``params = list(net.parameters())`` with ``len(params)`` and ``params[0].size()``, a
(1, 1, 32, 32) input, ``net.zero_grad()`` and ``out.backward(grad)``; ``nn.MSELoss`` on
``target.view(1, -1)``; walking back through ``loss.grad_fn.next_functions[0][0]``;
``conv1.bias.grad`` before and after ``backward``; the manual update
``f.data.sub_(f.grad.data * learning_rate)`` and the ``optim.SGD`` loop.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        output = self.fc3(f6)
        return output


rng = np.random.default_rng(7)
net = Net()
with torch.no_grad():
    for p in net.parameters():
        fan_in = p[0].numel() if p.dim() > 1 else p.numel()
        p.copy_(torch.tensor(rng.uniform(-1, 1, tuple(p.shape)) / np.sqrt(fan_in)))
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())

input = torch.tensor(rng.standard_normal((1, 1, 32, 32)), dtype=torch.float32)
out = net(input)
print(out)

net.zero_grad()
out.backward(torch.tensor(rng.standard_normal((1, 10)), dtype=torch.float32))
print(net.conv1.bias.grad)

output = net(input)
target = torch.tensor(rng.standard_normal(10), dtype=torch.float32)
target = target.view(1, -1)
criterion = nn.MSELoss()
loss = criterion(output, target)
print(loss)
print(loss.grad_fn)
print(loss.grad_fn.next_functions[0][0])
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])

net.zero_grad()
print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)
loss.backward()
print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
print(criterion(net(input), target))

optimizer = optim.SGD(net.parameters(), lr=0.01)
for _ in range(3):
    optimizer.zero_grad()
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()
    print(loss.item())
print(net.conv2.weight.grad.shape, net.fc3.bias.grad)
