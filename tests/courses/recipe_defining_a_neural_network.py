"""pytorch/tutorials, recipes_source/recipes/defining_a_neural_network.py.

The MNIST-style ``Net``: ``nn.Conv2d(1, 32, 3, 1)``, ``nn.Conv2d(32, 64, 3, 1)``,
``nn.Dropout2d(0.25)`` / ``nn.Dropout2d(0.5)``, ``nn.Linear(9216, 128)``; forward with
``F.relu``, ``F.max_pool2d(x, 2)``, ``torch.flatten(x, 1)`` and
``F.log_softmax(x, dim=1)``; ``print(my_nn)``; a random (1, 1, 28, 28) input (shape only in
train mode, where dropout draws random masks; values in ``eval()`` mode).
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


my_nn = Net()
print(my_nn)
rng = np.random.default_rng(40)
with torch.no_grad():
    for p in my_nn.parameters():
        fan_in = p[0].numel() if p.dim() > 1 else p.numel()
        p.copy_(torch.tensor(rng.uniform(-1, 1, tuple(p.shape)) / np.sqrt(fan_in)))

random_data = torch.rand((1, 1, 28, 28))
result = my_nn(random_data)
print(result.shape, result.grad_fn, my_nn.training)

my_nn.eval()
data = torch.tensor(rng.random((1, 1, 28, 28)), dtype=torch.float32)
result = my_nn(data)
print(result)
print(result.exp().sum().item(), my_nn.training, my_nn.dropout1)
