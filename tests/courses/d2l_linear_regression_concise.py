"""d2l-ai/d2l-en, chapter_linear-regression/linear-regression-concise.md and
synthetic-regression-data.md (PyTorch tab).

Linear regression with the high-level API: ``torch.utils.data.TensorDataset`` and
``DataLoader(dataset, batch_size, shuffle=train)`` (the shuffled loader is only measured),
``nn.LazyLinear(1)`` materialised by a first call, ``net.weight.data`` / ``net.bias.data.fill_(0)``
initialisation, ``nn.MSELoss()``, ``torch.optim.SGD(params, lr)``, the train/eval loop and
``get_w_b`` returning ``.data``, then the estimation errors.
"""
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(80)
w = torch.tensor([2, -3.4])
b = 4.2
n = 300
X = torch.tensor(rng.standard_normal((n, len(w))), dtype=torch.float32)
noise = torch.tensor(rng.standard_normal((n, 1)), dtype=torch.float32) * 0.01
y = torch.matmul(X, w.reshape((-1, 1))) + b + noise


def get_tensorloader(tensors, train, indices=slice(0, None), batch_size=32):
    tensors = tuple(a[indices] for a in tensors)
    dataset = torch.utils.data.TensorDataset(*tensors)
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle=train)


shuffled = get_tensorloader((X, y), True, slice(0, 200))
batch_X, batch_y = next(iter(shuffled))
print('X shape:', batch_X.shape, '\ny shape:', batch_y.shape)
print(len(shuffled))
train_loader = get_tensorloader((X, y), False, slice(0, 200))
val_loader = get_tensorloader((X, y), False, slice(200, None))

net = nn.LazyLinear(1)
print(net)
net(batch_X)
print(net, net.weight.shape)
net.weight.data.copy_(torch.tensor(rng.normal(0, 0.01, (1, 2))))
net.bias.data.fill_(0)
loss_fn = nn.MSELoss()
optim = torch.optim.SGD(net.parameters(), 0.03)
for epoch in range(3):
    net.train()
    for Xb, yb in train_loader:
        loss = loss_fn(net(Xb), yb)
        optim.zero_grad()
        loss.backward()
        optim.step()
    net.eval()
    with torch.no_grad():
        val = sum(loss_fn(net(Xb), yb).item() for Xb, yb in val_loader) / len(val_loader)
    print(f'epoch {epoch + 1}, train loss {loss.item():f}, val loss {val:f}')


def get_w_b():
    return (net.weight.data, net.bias.data)


w_hat, b_hat = get_w_b()
print(f'error in estimating w: {w - w_hat.reshape(w.shape)}')
print(f'error in estimating b: {b - b_hat}')
