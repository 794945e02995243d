"""nn-zero-to-hero, lectures/makemore/makemore_part1_bigrams.ipynb (second half).

The bigram model as a one-layer neural net: ``F.one_hot(xs, num_classes=27).float()``,
``xenc @ W`` logits, a softmax written out (``counts / counts.sum(1, keepdims=True)``),
the per-example walk-through printing probabilities and negative log likelihoods into a
``torch.zeros(5)`` filled by index, then gradient descent on
``-probs[torch.arange(num), ys].log().mean() + 0.01*(W**2).mean()`` with
``W.grad = None``, ``loss.backward()`` and ``W.data += -50 * W.grad``.
"""
import numpy as np
import torch
import torch.nn.functional as F

from _course_data import names

words = names(100, seed=4)
chars = sorted(list(set(''.join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}

xs, ys = [], []
for w in words[:1]:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        ix1 = stoi[ch1]
        ix2 = stoi[ch2]
        print(ch1, ch2)
        xs.append(ix1)
        ys.append(ix2)
xs = torch.tensor(xs)
ys = torch.tensor(ys)
print(xs, ys)

xenc = F.one_hot(xs, num_classes=27).float()
print(xenc.shape, xenc.dtype)
print(xenc[:2, :8])

rng = np.random.default_rng(2147483647)
W = torch.tensor(rng.standard_normal((27, 27)), dtype=torch.float32)
logits = xenc @ W
counts = logits.exp()
probs = counts / counts.sum(1, keepdims=True)
print(probs.shape, probs[0].shape)

nlls = torch.zeros(5)
for i in range(5):
    x = xs[i].item()
    y = ys[i].item()
    print('--------')
    print(f'bigram example {i+1}: {itos[x]}{itos[y]} (indexes {x},{y})')
    print('input to the neural net:', x)
    print('output probabilities from the neural net:', probs[i, :6])
    print('label (actual next character):', y)
    p = probs[i, y]
    print('probability assigned by the net to the the correct character:', p.item())
    logp = torch.log(p)
    print('log likelihood:', logp.item())
    nll = -logp
    print('negative log likelihood:', nll.item())
    nlls[i] = nll
print('=========')
print('average negative log likelihood, i.e. loss =', nlls.mean().item())

# the whole data set, and real optimisation
xs, ys = [], []
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print('number of examples: ', num)

W = torch.tensor(rng.standard_normal((27, 27)), dtype=torch.float32, requires_grad=True)
for k in range(20):
    xenc = F.one_hot(xs, num_classes=27).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
    if k % 5 == 0:
        print(loss.item())
    W.grad = None
    loss.backward()
    W.data += -50 * W.grad
print(loss)
print(W.grad[0, :5])

xenc = F.one_hot(torch.tensor([0]), num_classes=27).float()
p = (xenc @ W).exp()
p = p / p.sum(1, keepdims=True)
g = torch.Generator().manual_seed(2147483647)
ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
print(p.shape, isinstance(ix, int))
