"""nn-zero-to-hero, lectures/makemore/makemore_part3_bn.ipynb ("PyTorchifying" the code).

Hand-written ``Linear`` / ``BatchNorm1d`` / ``Tanh`` layer classes (``__call__``,
``parameters()``, ``self.out``, running buffers updated under ``torch.no_grad()``,
``x.var(0, keepdim=True)``), ``layers[-1].gamma *= 0.1`` inside ``no_grad``,
``layer.out.retain_grad()`` on every layer, and the diagnostics the lecture prints:
activation and gradient statistics with %-formatting of tensors (``'%+.2f' % t.mean()``),
saturation ``(t.abs() > 0.97).float().mean()*100``, ``torch.histogram(t, density=True)``,
grad:data ratios and the update:data ratio ``((lr*p.grad).std() / p.data.std()).log10()``.
"""
import numpy as np
import torch
import torch.nn.functional as F

from _course_data import contexts, names, vocabulary

words = names(150, seed=7)
stoi, itos = vocabulary(words)
vocab_size = len(itos)
block_size = 3
X, Y = contexts(words, block_size, stoi)
Xtr, Ytr = torch.tensor(X), torch.tensor(Y)
print(Xtr.shape)

rng = np.random.default_rng(2147483647)


def randn(*shape):
    return torch.from_numpy(rng.standard_normal(shape).astype(np.float32))


class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = randn(fan_in, fan_out) / fan_in**0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True)
            xvar = x.var(0, keepdim=True)
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


n_embd, n_hidden = 10, 50
C = randn(vocab_size, n_embd)
layers = [
    Linear(n_embd * block_size, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, vocab_size, bias=False), BatchNorm1d(vocab_size),
]
with torch.no_grad():
    layers[-1].gamma *= 0.1
    for layer in layers[:-1]:
        if isinstance(layer, Linear):
            layer.weight *= 5 / 3

parameters = [C] + [p for layer in layers for p in layer.parameters()]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

max_steps = 30
batch_size = 32
lossi, ud = [], []
for i in range(max_steps):
    ix = torch.tensor(rng.integers(0, Xtr.shape[0], size=batch_size))
    Xb, Yb = Xtr[ix], Ytr[ix]
    emb = C[Xb]
    x = emb.view(emb.shape[0], -1)
    for layer in layers:
        x = layer(x)
    loss = F.cross_entropy(x, Yb)
    for layer in layers:
        layer.out.retain_grad()
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1
    for p in parameters:
        p.data += -lr * p.grad
    if i % 10 == 0:
        print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
    lossi.append(loss.log10().item())
    with torch.no_grad():
        ud.append([((lr * p.grad).std() / p.data.std()).log10().item() for p in parameters])

print('activation distribution')
for i, layer in enumerate(layers[:-1]):
    if isinstance(layer, Tanh):
        t = layer.out
        print('layer %d (%10s): mean %+.2f, std %.2f, saturated: %.2f%%' % (
            i, layer.__class__.__name__, t.mean(), t.std(), (t.abs() > 0.97).float().mean() * 100))
        hy, hx = torch.histogram(t, density=True)
        print(hy.shape, hx.shape, hx[0].item(), hx[-1].item(), hx[:-1].detach().requires_grad)

print('gradient distribution')
for i, layer in enumerate(layers[:-1]):
    if isinstance(layer, Tanh):
        t = layer.out.grad
        print('layer %d (%10s): mean %+f, std %e' % (i, layer.__class__.__name__, t.mean() * 1e3, t.std()))

for i, p in enumerate(parameters):
    t = p.grad
    if p.ndim == 2:
        print('weight %10s | std %e | grad:data ratio %e' % (tuple(p.shape), t.std(), t.std() / p.std()))
print(len(ud), len(ud[0]), ud[-1][0] < 0)

for layer in layers:
    layer.training = False
with torch.no_grad():
    x = C[Xtr].view(Xtr.shape[0], -1)
    for layer in layers:
        x = layer(x)
    print('train', F.cross_entropy(x, Ytr).item())
