"""nn-zero-to-hero, lectures/makemore/makemore_part3_bn.ipynb (first half).

The MLP revisited with a batchnorm written inline: kaiming-style scaled init, ``bngain`` /
``bnbias`` parameters, ``hpreact.mean(0, keepdim=True)`` and ``hpreact.std(0, keepdim=True)``,
running statistics updated under ``with torch.no_grad()``, the training loop printing
``f'{i:7d}/{max_steps:7d}: {loss.item():.4f}'``, batchnorm calibration over the training
set, and ``split_loss`` decorated with ``@torch.no_grad()`` using the running statistics.
"""
import random

import numpy as np
import torch
import torch.nn.functional as F

from _course_data import contexts, names, vocabulary

words = names(160, seed=6)
stoi, itos = vocabulary(words)
vocab_size = len(itos)
print(vocab_size)
block_size = 3


def build_dataset(words):
    X, Y = contexts(words, block_size, stoi)
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, Y.shape)
    return X, Y


random.seed(42)
random.shuffle(words)
n1 = int(0.8 * len(words))
n2 = int(0.9 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte, Yte = build_dataset(words[n2:])

n_embd, n_hidden = 10, 200
rng = np.random.default_rng(2147483647)


def randn(*shape):
    return torch.tensor(rng.standard_normal(shape), dtype=torch.float)


C = randn(vocab_size, n_embd)
W1 = randn(n_embd * block_size, n_hidden) * (5 / 3) / ((n_embd * block_size)**0.5)
W2 = randn(n_hidden, vocab_size) * 0.01
b2 = randn(vocab_size) * 0
bngain = torch.ones((1, n_hidden))
bnbias = torch.zeros((1, n_hidden))
bnmean_running = torch.zeros((1, n_hidden))
bnstd_running = torch.ones((1, n_hidden))

parameters = [C, W1, W2, b2, bngain, bnbias]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

max_steps = 50
batch_size = 32
lossi = []
for i in range(max_steps):
    ix = torch.tensor(rng.integers(0, Xtr.shape[0], size=batch_size))
    Xb, Yb = Xtr[ix], Ytr[ix]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1
    bnmeani = hpreact.mean(0, keepdim=True)
    bnstdi = hpreact.std(0, keepdim=True)
    hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
    with torch.no_grad():
        bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
        bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 40 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    if i % 10 == 0:
        print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
    lossi.append(loss.log10().item())

print(bnmean_running.requires_grad, bnmean_running.shape, bnstd_running[0, :3])
print(bngain.grad.shape, bnbias.grad[0, :3] * 1000)

with torch.no_grad():
    emb = C[Xtr]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1
    bnmean = hpreact.mean(0, keepdim=True)
    bnstd = hpreact.std(0, keepdim=True)
print(bnmean.shape, bnstd.requires_grad)


@torch.no_grad()
def split_loss(split):
    x, y = {
        'train': (Xtr, Ytr),
        'val': (Xdev, Ydev),
        'test': (Xte, Yte),
    }[split]
    emb = C[x]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1
    hpreact = bngain * (hpreact - bnmean_running) / bnstd_running + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, y)
    print(split, loss.item())


split_loss('train')
split_loss('val')
print(split_loss.__name__)
