"""karpathy/makemore, makemore.py (the Transformer and the RNN/GRU cells).

``nn.Module`` code as makemore writes it: ``NewGELU`` with ``torch.tanh`` / ``torch.pow``,
``CausalSelfAttention`` with ``register_buffer("bias", torch.tril(torch.ones(...)).view(...))``,
``split(n_embd, dim=2)``, ``transpose(1, 2)``, ``masked_fill(... == 0, float('-inf'))``,
``F.softmax(att, dim=-1)``, ``contiguous().view``; a ``Block`` with ``nn.LayerNorm`` and an
``nn.ModuleDict`` MLP; ``nn.ModuleList``; ``torch.arange(0, t, dtype=torch.long).unsqueeze(0)``
positions; and a ``GRUCell`` (``torch.cat([xt, hprev], dim=1)``, ``F.sigmoid``, ``F.tanh``)
unrolled with ``nn.Parameter`` start state, ``expand`` and ``torch.stack(hiddens, 1)``.
Weights are set from a seeded NumPy generator; values, shapes, reprs and gradients printed.
"""
import math

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F


class ModelConfig:
    block_size = 6
    vocab_size = 11
    n_layer = 2
    n_embd = 8
    n_embd2 = 12
    n_head = 2


class NewGELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.register_buffer("bias", torch.tril(torch.ones(config.block_size, config.block_size))
                             .view(1, 1, config.block_size, config.block_size))
        self.n_head = config.n_head
        self.n_embd = config.n_embd

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        y = self.c_proj(y)
        return y


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = nn.ModuleDict(dict(
            c_fc=nn.Linear(config.n_embd, 4 * config.n_embd),
            c_proj=nn.Linear(4 * config.n_embd, config.n_embd),
            act=NewGELU(),
        ))
        m = self.mlp
        self.mlpf = lambda x: m.c_proj(m.act(m.c_fc(x)))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlpf(self.ln_2(x))
        return x


class Transformer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.block_size = config.block_size
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        n_params = sum(p.numel() for p in self.transformer.parameters())
        print("number of transformer parameters: %.2fM" % (n_params / 1e6,))

    def forward(self, idx, targets=None):
        b, t = idx.size()
        assert t <= self.block_size, f"Cannot forward sequence of length {t}, block size is only {self.block_size}"
        pos = torch.arange(0, t, dtype=torch.long).unsqueeze(0)
        tok_emb = self.transformer.wte(idx)
        pos_emb = self.transformer.wpe(pos)
        x = tok_emb + pos_emb
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        logits = self.lm_head(x)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


class GRUCell(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.xh_to_z = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)
        self.xh_to_r = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)
        self.xh_to_hbar = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)

    def forward(self, xt, hprev):
        xh = torch.cat([xt, hprev], dim=1)
        r = F.sigmoid(self.xh_to_r(xh))
        hprev_reset = r * hprev
        xhr = torch.cat([xt, hprev_reset], dim=1)
        hbar = F.tanh(self.xh_to_hbar(xhr))
        z = F.sigmoid(self.xh_to_z(xh))
        ht = (1 - z) * hprev + z * hbar
        return ht


def seeded(module, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.3))
    return module


config = ModelConfig()
model = seeded(Transformer(config), 90)
print(model)
print([name for name, _ in model.named_buffers()])
print(sum(p.numel() for p in model.parameters()), len(model.state_dict()))

rng = np.random.default_rng(91)
idx = torch.tensor(rng.integers(0, config.vocab_size, size=(3, 5)))
targets = torch.tensor(rng.integers(0, config.vocab_size, size=(3, 5)))
targets[0, 3:] = -1
logits, loss = model(idx, targets)
print(logits.shape, loss)
loss.backward()
print(model.lm_head.weight.grad[:2, :4] * 100)
print(model.transformer.h[0].ln_1.weight.grad * 100)
print(model.transformer.wpe.weight.grad[5], loss.grad_fn)

attn = model.transformer.h[1].attn
print(attn.bias.shape, attn.bias[0, 0], attn.bias.requires_grad)

cell = seeded(GRUCell(config), 92)
start = nn.Parameter(torch.zeros(1, config.n_embd2))
emb = torch.tensor(rng.standard_normal((2, 4, config.n_embd)), dtype=torch.float32)
hprev = start.expand((2, -1))
hiddens = []
for i in range(4):
    xt = emb[:, i, :]
    ht = cell(xt, hprev)
    hprev = ht
    hiddens.append(ht)
hidden = torch.stack(hiddens, 1)
print(hidden.shape, hidden[1, -1, :4], hidden.grad_fn)
hidden.sum().backward()
print(start.grad[0, :4], cell.xh_to_z.bias.grad[:4])
