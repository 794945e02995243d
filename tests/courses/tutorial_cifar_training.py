"""pytorch/tutorials, beginner_source/blitz/cifar10_tutorial.py and
recipes_source/recipes/zeroing_out_gradients.py.

Training a small CNN on a CIFAR-10-shaped synthetic set: ``nn.MaxPool2d(2, 2)`` shared by
two convolutions, ``x.flatten(start_dim=1)``, ``nn.CrossEntropyLoss``,
``optim.SGD(net.parameters(), lr=0.001, momentum=0.9)``, ``for i, data in
enumerate(trainloader, 0)``, ``optimizer.zero_grad()`` each step, the
``'[%d, %5d] loss: %.3f'`` running-loss print, ``torch.max(outputs.data, 1)``,
``(predicted == labels).sum().item()``, per-class accuracy with ``zip`` over
``predictions``, ``torch.save(net.state_dict(), PATH)`` and ``net.load_state_dict(torch.load(PATH,
weights_only=True))``, and ``model.zero_grad()`` as the alternative.
"""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

from _course_data import images

classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
train_x, train_y = images(64, channels=3, size=32, seed=30)
test_x, test_y = images(32, channels=3, size=32, seed=31)
normalise = lambda t: (t - 0.5) / 0.5  # noqa: E731 (transforms.Normalize((0.5,)*3, (0.5,)*3))
trainset = TensorDataset(normalise(torch.from_numpy(train_x)), torch.from_numpy(train_y))
testset = TensorDataset(normalise(torch.from_numpy(test_x)), torch.from_numpy(test_y))
trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=False, num_workers=0)
testloader = DataLoader(testset, batch_size=4, shuffle=False)

dataiter = iter(trainloader)
images_batch, labels = next(dataiter)
print(images_batch.shape, ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))


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
        x = x.flatten(start_dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


def seeded(net, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in net.parameters():
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            p.copy_(torch.tensor(rng.uniform(-1, 1, tuple(p.shape)) / np.sqrt(fan_in)))
    return net


net = seeded(Net(), 32)
print(net)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

for epoch in range(2):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 8 == 7:
            print('[%d, %5d] loss: %.3f' % (epoch + 1, i + 1, running_loss / 8))
            running_loss = 0.0
print('Finished Training')

with tempfile.TemporaryDirectory() as folder:
    PATH = os.path.join(folder, 'cifar_net.pth')
    torch.save(net.state_dict(), PATH)
    net = Net()
    net.load_state_dict(torch.load(PATH, weights_only=True))

outputs = net(images_batch)
_, predicted = torch.max(outputs, 1)
print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}' for j in range(4)))

correct = 0
total = 0
with torch.no_grad():
    for data in testloader:
        images_, labels = data
        outputs = net(images_)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
print(f'Accuracy of the network on the {total} test images: {100 * correct // total} %')

correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
with torch.no_grad():
    for data in testloader:
        images_, labels = data
        outputs = net(images_)
        _, predictions = torch.max(outputs, 1)
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1
for classname, correct_count in correct_pred.items():
    if total_pred[classname]:
        accuracy = 100 * float(correct_count) / total_pred[classname]
        print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')

net.zero_grad()
criterion(net(images_batch), labels[:4]).backward()
print(net.conv1.bias.grad.shape, sum(p.grad.abs().sum() > 0 for p in net.parameters()))
net.zero_grad()
print(net.conv1.bias.grad)
