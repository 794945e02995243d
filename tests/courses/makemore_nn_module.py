"""karpathy/makemore, makemore.py (the Bigram and MLP models and the training script).

``nn.Module`` models as makemore writes them: a ``Bigram`` holding an ``nn.Parameter``
table, an ``MLP`` with ``nn.Embedding`` (vocab + 1 rows for the blank token),
``torch.roll`` to shift the context, ``torch.cat(embs, -1)``, ``nn.Sequential``,
``F.cross_entropy(..., ignore_index=-1)`` on ``view(-1, logits.size(-1))``; a
``CharDataset(Dataset)`` with ``__len__`` / ``__getitem__`` and ``-1`` masked targets, a
``DataLoader`` (and a ``RandomSampler(replacement=True, num_samples=...)`` one, shapes
only), ``torch.optim.AdamW(..., betas=(0.9, 0.99), eps=1e-8)``, ``@torch.inference_mode()``
evaluation, ``@torch.no_grad()`` generation with ``torch.topk`` and ``-float('Inf')``
masking, and ``torch.save(model.state_dict())`` / ``load_state_dict(torch.load(...))``.
"""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F
from torch.utils.data import Dataset
from torch.utils.data.dataloader import DataLoader

from _course_data import names


class CharDataset(Dataset):

    def __init__(self, words, chars, max_word_length):
        self.words = words
        self.chars = chars
        self.max_word_length = max_word_length
        self.stoi = {ch: i + 1 for i, ch in enumerate(chars)}
        self.itos = {i: s for s, i in self.stoi.items()}

    def __len__(self):
        return len(self.words)

    def get_vocab_size(self):
        return len(self.chars) + 1

    def get_output_length(self):
        return self.max_word_length + 1

    def encode(self, word):
        return torch.tensor([self.stoi[w] for w in word], dtype=torch.long)

    def decode(self, ix):
        return ''.join(self.itos[i] for i in ix)

    def __getitem__(self, idx):
        word = self.words[idx]
        ix = self.encode(word)
        x = torch.zeros(self.max_word_length + 1, dtype=torch.long)
        y = torch.zeros(self.max_word_length + 1, dtype=torch.long)
        x[1:1 + len(ix)] = ix
        y[:len(ix)] = ix
        y[len(ix) + 1:] = -1  # index -1 will mask the loss at the inactive locations
        return x, y


class Bigram(nn.Module):

    def __init__(self, vocab_size):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros((vocab_size, vocab_size)))

    def get_block_size(self):
        return 1

    def forward(self, idx, targets=None):
        logits = self.logits[idx]
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


class MLP(nn.Module):

    def __init__(self, vocab_size, block_size, n_embd, n_embd2):
        super().__init__()
        self.block_size = block_size
        self.vocab_size = vocab_size
        self.wte = nn.Embedding(vocab_size + 1, n_embd)  # the extra token is the blank before the word
        self.mlp = nn.Sequential(
            nn.Linear(self.block_size * n_embd, n_embd2),
            nn.Tanh(),
            nn.Linear(n_embd2, self.vocab_size)
        )

    def get_block_size(self):
        return self.block_size

    def forward(self, idx, targets=None):
        embs = []
        for k in range(self.block_size):
            tok_emb = self.wte(idx)
            idx = torch.roll(idx, 1, 1)
            idx[:, 0] = self.vocab_size
            embs.append(tok_emb)
        x = torch.cat(embs, -1)
        logits = self.mlp(x)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None):
    block_size = model.get_block_size()
    for _ in range(max_new_tokens):
        idx_cond = idx if idx.size(1) <= block_size else idx[:, -block_size:]
        logits, _ = model(idx_cond)
        logits = logits[:, -1, :] / temperature
        if top_k is not None:
            v, _ = torch.topk(logits, top_k)
            logits[logits < v[:, [-1]]] = -float('Inf')
        probs = F.softmax(logits, dim=-1)
        _, idx_next = torch.topk(probs, k=1, dim=-1)  # greedy: the same in both libraries
        idx = torch.cat((idx, idx_next), dim=1)
    return idx


@torch.inference_mode()
def evaluate(model, dataset, batch_size=50, max_batches=None):
    model.eval()
    loader = DataLoader(dataset, shuffle=False, batch_size=batch_size, num_workers=0)
    losses = []
    for i, batch in enumerate(loader):
        X, Y = batch
        logits, loss = model(X, Y)
        losses.append(loss.item())
        if max_batches is not None and i >= max_batches:
            break
    mean_loss = torch.tensor(losses).mean().item()
    model.train()
    return mean_loss


words = names(120, seed=9)
chars = sorted(list(set(''.join(words))))
max_word_length = max(len(w) for w in words)
train_dataset = CharDataset(words[:100], chars, max_word_length)
test_dataset = CharDataset(words[100:], chars, max_word_length)
vocab_size = train_dataset.get_vocab_size()
block_size = train_dataset.get_output_length()
print(f"number of examples in the dataset: {len(words)}")
print(f"max word length: {max_word_length}")
print(f"vocabulary: {''.join(chars)}")
x, y = train_dataset[0]
print(words[0], x, y)

rng = np.random.default_rng(0)
model = MLP(vocab_size, block_size, n_embd=8, n_embd2=32)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.2))
print(model)
print(f"model #params: {sum(p.numel() for p in model.parameters())}")
print([name for name, _ in model.named_parameters()])

optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
loader = DataLoader(train_dataset, batch_size=25, shuffle=False)
step = 0
for epoch in range(3):
    for X, Y in loader:
        logits, loss = model(X, Y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % 4 == 0:
            print(f"step {step} | loss {loss.item():.4f}")
        step += 1
print(logits.shape, loss.grad_fn)
print('train loss', evaluate(model, train_dataset, batch_size=50))
print('test loss', evaluate(model, test_dataset, batch_size=50))

X_init = torch.zeros(3, 1, dtype=torch.long)
X_samp = generate(model, X_init, block_size - 1, top_k=5)
for i in range(X_samp.size(0)):
    row = X_samp[i, 1:].tolist()
    crop_index = row.index(0) if 0 in row else len(row)
    print(train_dataset.decode(row[:crop_index]))

with tempfile.TemporaryDirectory() as work_dir:
    out_path = os.path.join(work_dir, "model.pt")
    torch.save(model.state_dict(), out_path)
    fresh = MLP(vocab_size, block_size, n_embd=8, n_embd2=32)
    print(fresh.load_state_dict(torch.load(out_path)))
    print(all(torch.equal(a, b) for a, b in zip(fresh.parameters(), model.parameters())))

bigram = Bigram(vocab_size)
logits, loss = bigram(x.view(1, -1), y.view(1, -1))
print(logits.shape, loss)
loss.backward()
print(bigram.logits.grad[1, :4] * 100)

sampler = torch.utils.data.RandomSampler(train_dataset, replacement=True, num_samples=int(1e10))
batch = next(iter(DataLoader(train_dataset, batch_size=8, sampler=sampler)))
print([t.shape for t in batch], [t.dtype for t in batch])
