"""pytorch/tutorials, beginner_source/basics/quickstart_tutorial.py, optimization_tutorial.py
and saveloadrun_tutorial.py.

The FashionMNIST quickstart on a small synthetic stand-in: ``TensorDataset`` +
``DataLoader(batch_size=...)``, ``for X, y in test_dataloader: print(f"Shape of X [N, C, H, W]:
{X.shape}")``, the ``NeuralNetwork`` module, ``nn.CrossEntropyLoss``, ``torch.optim.SGD``,
``train_loop`` / ``test_loop`` with ``model.train()`` / ``model.eval()``, the tutorial's
exact print formats (``loss: {loss:>7f}  [{current:>5d}/{size:>5d}]``, ``Accuracy:
{(100*correct):>0.1f}%``), ``(pred.argmax(1) == y).type(torch.float).sum().item()``, and
saving/loading: ``torch.save(model.state_dict(), path)``,
``model.load_state_dict(torch.load(path, weights_only=True))``, ``torch.save(model, path)``
with ``weights_only=False``, then a prediction printed with the class names.
"""
import os
import tempfile

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from _course_data import images

train_images, train_labels = images(192, seed=10)
test_images, test_labels = images(64, seed=11)
training_data = TensorDataset(torch.from_numpy(train_images), torch.from_numpy(train_labels))
test_data = TensorDataset(torch.from_numpy(test_images), torch.from_numpy(test_labels))

batch_size = 32
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
for X, y in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    break

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 64),
            nn.ReLU(),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Linear(64, 10)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def seeded_weights(model, seed):
    rng = np.random.default_rng(seed)
    return {name: torch.tensor(rng.uniform(-1, 1, tuple(t.shape)) / np.sqrt(t.shape[-1]), dtype=torch.float32)
            for name, t in model.state_dict().items()}


model = NeuralNetwork().to(device)
model.load_state_dict(seeded_weights(model, 12))
print(model)

learning_rate = 1e-1
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 2 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


epochs = 3
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")

classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "model.pth")
    torch.save(model.state_dict(), path)
    print("Saved PyTorch Model State to model.pth")
    model = NeuralNetwork().to(device)
    print(model.load_state_dict(torch.load(path, weights_only=True)))

    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model(x)
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
        print(f'Predicted: "{predicted}", Actual: "{actual}"')

    whole = os.path.join(folder, "whole_model.pth")
    torch.save(model, whole)
    again = torch.load(whole, weights_only=False)
    print(type(again).__name__, torch.equal(again(x), model(x)))
