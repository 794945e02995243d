"""nn-zero-to-hero, lectures/makemore/makemore_part1_bigrams.ipynb (first half).

The counting bigram model: an int32 count matrix filled with ``N[ix1, ix2] += 1``,
rows normalised with ``P /= P.sum(1, keepdims=True)`` (broadcasting a (27, 1) column),
the average negative log likelihood accumulated from ``torch.log(prob)`` in a Python loop
and printed with f-string ``=`` specifiers, and sampling with ``torch.multinomial`` and a
seeded ``torch.Generator`` (only the sample's shape and range are printed: the two
libraries draw different random streams).
"""
import torch

from _course_data import names

words = names(120, seed=3)
print(words[:5], len(words))
print(min(len(w) for w in words), max(len(w) for w in words))

N = torch.zeros((27, 27), dtype=torch.int32)
chars = sorted(list(set(''.join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}

for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        ix1 = stoi[ch1]
        ix2 = stoi[ch2]
        N[ix1, ix2] += 1

print(N[0])
print(N[0, 1], N[0, 1].item(), N.dtype, N.sum())
p = N[0].float()
p = p / p.sum()
print(p)

g = torch.Generator().manual_seed(2147483647)
ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
print(type(ix), 0 <= ix < 27)
samples = torch.multinomial(p, num_samples=100, replacement=True, generator=g)
print(samples.shape, samples.dtype, bool((p[samples] > 0).all()))

P = (N + 1).float()
P /= P.sum(1, keepdims=True)
print(P.shape, P.sum(1, keepdim=True).shape, P.sum(1).shape)
print(P[0].sum().item(), P[5, :5])

log_likelihood = 0.0
n = 0
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        prob = P[stoi[ch1], stoi[ch2]]
        logprob = torch.log(prob)
        log_likelihood += logprob
        n += 1
        if n <= 3:
            print(f'{ch1}{ch2}: {prob:.4f} {logprob:.4f}')

print(f'{log_likelihood=}')
nll = -log_likelihood
print(f'{nll=}')
print(f'{nll/n}')

# greedy "sampling" is the same in both libraries: follow the most likely next character
out = []
ix = 0
while True:
    ix = P[ix].argmax().item()
    out.append(itos[ix])
    if ix == 0 or len(out) > 12:
        break
print(''.join(out))
