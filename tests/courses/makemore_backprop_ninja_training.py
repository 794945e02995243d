"""nn-zero-to-hero, lectures/makemore/makemore_part4_backprop.ipynb, exercise 4.

Training the batchnorm MLP with the hand-written backward pass only: everything runs under
``with torch.no_grad()``, gradients come from the manual formulas (softmax trick for
cross-entropy, one-line batchnorm backward, ``dC[ix] += demb[k, j]``), updates go through
``p.data += -lr * grad``, then the batchnorm statistics are calibrated and the splits
evaluated in an ``@torch.no_grad()`` function, and the manual gradients are compared with
autograd's for one batch.
"""
import numpy as np
import torch
import torch.nn.functional as F

from _course_data import backprop_ninja_parameters, contexts, names, vocabulary

words = names(150, seed=1)
stoi, itos = vocabulary(words)
vocab_size = len(itos)
block_size = 3


def build_dataset(words):
    X, Y = contexts(words, block_size, stoi)
    return torch.tensor(X), torch.tensor(Y)


Xtr, Ytr = build_dataset(words[:120])
Xdev, Ydev = build_dataset(words[120:])
print(Xtr.shape, Xdev.shape)

n_embd, n_hidden = 10, 64
rng = np.random.default_rng(42)


def randn(*shape):
    return torch.from_numpy(rng.standard_normal(shape).astype(np.float32))


parameters = backprop_ninja_parameters(randn, vocab_size, block_size, n_embd, n_hidden)
C, W1, b1, W2, b2, bngain, bnbias = parameters
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True


def manual_backward(Xb, Yb, emb, embcat, bnraw, bnvar_inv, h, logits):
    n = Xb.shape[0]
    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1
    dlogits /= n
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpreact = (1.0 - h**2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnbias = dhpreact.sum(0, keepdim=True)
    dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0)
                                        - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
    dembcat = dhprebn @ W1.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = torch.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            ix = Xb[k, j]
            dC[ix] += demb[k, j]
    return [dC, dW1, db1, dW2, db2, dbngain, dbnbias]


def forward(Xb):
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmean = hprebn.mean(0, keepdim=True)
    bnvar = hprebn.var(0, keepdim=True, unbiased=True)
    bnvar_inv = (bnvar + 1e-5)**-0.5
    bnraw = (hprebn - bnmean) * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    return emb, embcat, bnraw, bnvar_inv, h, logits


# one batch with autograd, to check the manual gradients
ix = torch.tensor(rng.integers(0, Xtr.shape[0], size=32))
Xb, Yb = Xtr[ix], Ytr[ix]
emb, embcat, bnraw, bnvar_inv, h, logits = forward(Xb)
loss = F.cross_entropy(logits, Yb)
for p in parameters:
    p.grad = None
loss.backward()
with torch.no_grad():
    grads = manual_backward(Xb, Yb, emb, embcat, bnraw, bnvar_inv, h, logits)
for p, g in zip(parameters, grads):
    print(f'{str(tuple(p.shape)):15s} | approximate: {str(torch.allclose(g, p.grad, atol=1e-6)):5s}')

max_steps = 60
batch_size = 32
lossi = []
with torch.no_grad():
    for i in range(max_steps):
        ix = torch.tensor(rng.integers(0, Xtr.shape[0], size=batch_size))
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb, embcat, bnraw, bnvar_inv, h, logits = forward(Xb)
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        grads = manual_backward(Xb, Yb, emb, embcat, bnraw, bnvar_inv, h, logits)
        lr = 0.1 if i < 40 else 0.01
        for p, grad in zip(parameters, grads):
            p.data += -lr * grad
        if i % 20 == 0:
            print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
        lossi.append(loss.log10().item())
print(len(lossi), loss.requires_grad)

with torch.no_grad():
    emb = C[Xtr]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1 + b1
    bnmean = hpreact.mean(0, keepdim=True)
    bnvar = hpreact.var(0, keepdim=True, unbiased=True)


@torch.no_grad()
def split_loss(split):
    x, y = {'train': (Xtr, Ytr), 'val': (Xdev, Ydev)}[split]
    emb = C[x]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1 + b1
    hpreact = bngain * (hpreact - bnmean) * (bnvar + 1e-5)**-0.5 + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, y)
    print(split, loss.item())


split_loss('train')
split_loss('val')

context = [0] * block_size
emb = C[torch.tensor([context])]
print(emb.shape)
