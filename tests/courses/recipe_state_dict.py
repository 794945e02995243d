"""pytorch/tutorials, recipes_source/recipes/what_is_state_dict.py,
saving_and_loading_a_general_checkpoint.py, saving_multiple_models_in_one_file.py and
warmstarting_model_using_parameters_from_a_different_model.py.

``state_dict`` of a model and of an optimizer printed as the recipes print them
(``param_tensor, "\\t", net.state_dict()[param_tensor].size()`` and
``var_name, "\\t", optimizer.state_dict()[var_name]``), a general checkpoint
``torch.save({'epoch': ..., 'model_state_dict': ..., 'optimizer_state_dict': ...,
'loss': ...}, PATH)`` restored with ``torch.load(PATH, weights_only=True)`` into a model
and an ``optim.SGD(..., momentum=0.9)`` whose momentum buffers come back, two models in
one file, and warm-starting with ``load_state_dict(..., strict=False)``.
"""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
print(net)
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

print("Model's state_dict:")
for param_tensor in net.state_dict():
    print(param_tensor, "\t", net.state_dict()[param_tensor].size())
print()
print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\t", optimizer.state_dict()[var_name])

rng = np.random.default_rng(50)
net.load_state_dict({name: torch.tensor(rng.uniform(-0.1, 0.1, tuple(t.shape)), dtype=torch.float32)
                     for name, t in net.state_dict().items()})
inputs = torch.tensor(rng.random((2, 3, 32, 32)), dtype=torch.float32)
loss = net(inputs).pow(2).mean()
loss.backward()
optimizer.step()
EPOCH = 5
LOSS = loss.item()

with tempfile.TemporaryDirectory() as folder:
    PATH = os.path.join(folder, "model.pt")
    torch.save({
        'epoch': EPOCH,
        'model_state_dict': net.state_dict(),
        'optimizer_state_dict': optimizer.state_dict(),
        'loss': LOSS,
    }, PATH)

    model = Net()
    optimizer2 = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    checkpoint = torch.load(PATH, weights_only=True)
    print(sorted(checkpoint))
    model.load_state_dict(checkpoint['model_state_dict'])
    optimizer2.load_state_dict(checkpoint['optimizer_state_dict'])
    epoch = checkpoint['epoch']
    loss = checkpoint['loss']
    print(epoch, loss)
    model.eval()
    print(model.training)
    model.train()
    print(model.training, torch.equal(model(inputs), net(inputs)))
    state = optimizer2.state_dict()['state']
    print(sorted(state), sorted(state[0]), state[0]['momentum_buffer'].shape)
    print(state[9]['momentum_buffer'])

    netA, netB = Net(), Net()
    PATH2 = os.path.join(folder, "two.pt")
    torch.save({'modelA_state_dict': netA.state_dict(), 'modelB_state_dict': netB.state_dict()}, PATH2)
    both = torch.load(PATH2, weights_only=True)
    print(netB.load_state_dict(both['modelB_state_dict']), len(both['modelA_state_dict']))


class NetB(nn.Module):
    def __init__(self):
        super(NetB, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.head = nn.Linear(6, 7)

    def forward(self, x):
        return self.head(x)


netB = NetB()
result = netB.load_state_dict(net.state_dict(), strict=False)
print(result.missing_keys, result.unexpected_keys)
print(torch.equal(netB.conv1.weight, net.conv1.weight))
