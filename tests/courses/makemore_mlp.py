"""nn-zero-to-hero, lectures/makemore/makemore_part2_mlp.ipynb.

Bengio-style MLP on character contexts: ``build_dataset`` with ``random.shuffle`` splits,
the embedding lookup ``C[X]`` on a (N, 3) index tensor, ``emb.view(-1, 30)``, ``torch.tanh``,
the hand-written softmax loss next to ``F.cross_entropy``, a learning-rate sweep built with
``torch.linspace(-3, 0, 1000)`` and ``10**lre``, the minibatch training loop with
``p.grad = None`` / ``p.data += -lr * p.grad`` and ``loss.log10()``, and sampling
(``F.softmax`` + ``torch.multinomial``: only shapes printed; the greedy name is printed).
"""
import random

import numpy as np
import torch
import torch.nn.functional as F

from _course_data import names

words = names(200, seed=5)
print(words[:8], len(words))
chars = sorted(list(set(''.join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}
print(itos)

block_size = 3


def build_dataset(words):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, Y.shape)
    return X, Y


X, Y = build_dataset(words[:5])
print(X.shape, X.dtype, Y.shape, Y.dtype)
for x, y in zip(X[:6], Y[:6]):
    print(''.join(itos[ix.item()] for ix in x), '--->', itos[y.item()])

random.seed(42)
random.shuffle(words)
n1 = int(0.8 * len(words))
n2 = int(0.9 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte, Yte = build_dataset(words[n2:])

rng = np.random.default_rng(2147483647)


def randn(*shape):
    return torch.tensor(rng.standard_normal(shape).astype(np.float32))


C = randn(27, 2)
emb = C[X]
print(emb.shape)
W1 = randn(6, 100)
b1 = randn(100)
h = torch.tanh(emb.view(-1, 6) @ W1 + b1)
print(h.shape, h[0, :4])
W2 = randn(100, 27)
b2 = randn(27)
logits = h @ W2 + b2
counts = logits.exp()
prob = counts / counts.sum(1, keepdims=True)
loss = -prob[torch.arange(X.shape[0]), Y].log().mean()
print(prob.shape, loss)
print(F.cross_entropy(logits, Y))

C = randn(27, 10)
W1 = randn(30, 200) * 0.2
b1 = randn(200) * 0.01
W2 = randn(200, 27) * 0.01
b2 = randn(27) * 0
parameters = [C, W1, b1, W2, b2]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

lre = torch.linspace(-3, 0, 1000)
lrs = 10**lre
print(lre[:3], lrs[-3:], lrs.dtype)

lossi, stepi = [], []
for i in range(80):
    ix = torch.tensor(rng.integers(0, Xtr.shape[0], size=32))
    emb = C[Xtr[ix]]
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Ytr[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 60 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    stepi.append(i)
    lossi.append(loss.log10().item())
print(loss.item(), lossi[0], len(stepi))

for Xs, Ys in [(Xtr, Ytr), (Xdev, Ydev)]:
    emb = C[Xs]
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    logits = h @ W2 + b2
    print(F.cross_entropy(logits, Ys))

print(C[:, 0].data.shape, C[3, 1].item())
context = [0] * block_size
print(C[torch.tensor([context])].shape)

g = torch.Generator().manual_seed(2147483647 + 10)
out = []
context = [0] * block_size
while True:
    emb = C[torch.tensor([context])]
    h = torch.tanh(emb.view(1, -1) @ W1 + b1)
    logits = h @ W2 + b2
    probs = F.softmax(logits, dim=1)
    sampled = torch.multinomial(probs, num_samples=1, generator=g)
    ix = torch.argmax(probs, dim=1).item()
    context = context[1:] + [ix]
    out.append(ix)
    if ix == 0 or len(out) > 10:
        break
print(sampled.shape, sampled.dtype, probs.shape)
print(''.join(itos[i] for i in out))
