"""d2l-ai/d2l-en, chapter_linear-regression/linear-regression-scratch.md and
synthetic-regression-data.md (PyTorch tab, and the book's earlier edition of the chapter).

Linear regression from scratch: synthetic data ``y = Xw + b + noise`` (made with NumPy:
the book's ``torch.normal`` draws differ between libraries), a ``data_iter`` generator with
``random.shuffle`` and ``torch.tensor(indices[i: i + batch_size])`` indexing,
``torch.matmul(X, w) + b``, the squared loss with ``y.reshape(y_hat.shape)``, the book's
``sgd`` (``param -= lr * param.grad / batch_size`` and ``param.grad.zero_()`` inside
``torch.no_grad()``), the d2l Trainer's ``loss.backward()`` inside ``with torch.no_grad():``,
``float(train_l.mean()):f`` epoch prints and the parameter-estimation errors.
"""
import random

import numpy as np
import torch


def synthetic_data(w, b, num_examples, rng):
    X = torch.tensor(rng.standard_normal((num_examples, len(w))), dtype=torch.float32)
    y = torch.matmul(X, w) + b
    y += torch.tensor(rng.standard_normal(y.shape) * 0.01, dtype=torch.float32)
    return X, y.reshape((-1, 1))


rng = np.random.default_rng(70)
true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 200, rng)
print('features:', features[0], '\nlabel:', labels[0])


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


random.seed(0)
batch_size = 10
for X, y in data_iter(batch_size, features, labels):
    print(X.shape, '\n', y.shape)
    break

w = torch.tensor(rng.normal(0, 0.01, (2, 1)), dtype=torch.float32, requires_grad=True)
b = torch.zeros(1, requires_grad=True)


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr = 0.03
num_epochs = 3
net = linreg
loss = squared_loss
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = loss(net(X, w, b), y)  # noqa: E741 (the book's name)
        l.sum().backward()
        sgd([w, b], lr, batch_size)
    with torch.no_grad():
        train_l = loss(net(features, w, b), labels)
        print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')
print(f'error in estimating w: {true_w - w.reshape(true_w.shape)}')
print(f'error in estimating b: {true_b - b}')


class SGD:
    """The book's d2l.SGD (current edition): in-place updates, zero_grad by ``grad.zero_()``."""

    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


w = torch.tensor(rng.normal(0, 0.01, (2, 1)), dtype=torch.float32, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
optim = SGD([w, b], 0.03)
for epoch in range(3):
    for X, y in data_iter(32, features, labels):
        loss_value = squared_loss(linreg(X, w, b), y).mean()
        optim.zero_grad()
        with torch.no_grad():
            loss_value.backward()
            optim.step()
    print(epoch, loss_value.item(), w.is_leaf, w.requires_grad)
with torch.no_grad():
    print(f'error in estimating w: {true_w - w.reshape(true_w.shape)}')
    print(f'error in estimating b: {true_b - b}')
