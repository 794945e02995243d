"""pytorch/tutorials, beginner_source/transfer_learning_tutorial.py (training loop shape),
with the gradient clipping of d2l's Trainer and of makemore.py's training script.

A small conv "backbone" ending in ``nn.AdaptiveAvgPool2d((1, 1))``, the frozen body
(``param.requires_grad = False``) and a new ``model.fc``, ``optim.SGD(model.fc.parameters(),
lr=0.001, momentum=0.9)``, ``lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)`` with
``scheduler.step()`` per epoch and ``get_last_lr()``, the ``for phase in ['train', 'val']``
loop with ``torch.set_grad_enabled(phase == 'train')``, ``torch.max(outputs, 1)``,
``running_corrects += torch.sum(preds == labels.data)`` and ``.double()``; then
``torch.nn.utils.clip_grad_norm_`` and AdamW with a ``CosineAnnealingLR``.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset

from _course_data import images


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 1000)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn(self.conv(x))))
        return self.fc(torch.flatten(x, 1))


def seeded(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape))))
    return model


x_train, y_train = images(24, channels=3, size=8, classes=2, seed=60)
x_val, y_val = images(8, channels=3, size=8, classes=2, seed=61)
dataloaders = {
    'train': DataLoader(TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)), batch_size=8),
    'val': DataLoader(TensorDataset(torch.from_numpy(x_val), torch.from_numpy(y_val)), batch_size=8),
}
dataset_sizes = {phase: len(loader.dataset) for phase, loader in dataloaders.items()}
print(dataset_sizes)

model_conv = seeded(Backbone(), 62)
for param in model_conv.parameters():
    param.requires_grad = False
num_ftrs = model_conv.fc.in_features
model_conv.fc = nn.Linear(num_ftrs, 2)
with torch.no_grad():
    model_conv.fc.weight.copy_(torch.tensor(np.linspace(-0.5, 0.5, 16).reshape(2, 8)))
    model_conv.fc.bias.zero_()
print(model_conv)
criterion = nn.CrossEntropyLoss()
optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.05, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=2, gamma=0.1)

for epoch in range(4):
    print(f'Epoch {epoch}/{3}')
    print('-' * 10)
    for phase in ['train', 'val']:
        if phase == 'train':
            model_conv.train()
        else:
            model_conv.eval()
        running_loss = 0.0
        running_corrects = 0
        for inputs, labels in dataloaders[phase]:
            optimizer_conv.zero_grad()
            with torch.set_grad_enabled(phase == 'train'):
                outputs = model_conv(inputs)
                _, preds = torch.max(outputs, 1)
                loss = criterion(outputs, labels)
                if phase == 'train':
                    loss.backward()
                    optimizer_conv.step()
            running_loss += loss.item() * inputs.size(0)
            running_corrects += torch.sum(preds == labels.data)
        if phase == 'train':
            exp_lr_scheduler.step()
        epoch_loss = running_loss / dataset_sizes[phase]
        epoch_acc = running_corrects.double() / dataset_sizes[phase]
        print(f'{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}')
    print(exp_lr_scheduler.get_last_lr())
print(model_conv.bn.running_mean.shape, model_conv.conv.weight.grad)

model = seeded(Backbone(), 63)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
inputs, labels = next(iter(dataloaders['train']))
for step in range(4):
    loss = criterion(model(inputs)[:, :2], labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.05)
    optimizer.step()
    scheduler.step()
    print(f'step {step} loss {loss.item():.5f} grad norm {norm.item():.5f} lr {scheduler.get_last_lr()[0]:.6f}')
total = torch.sqrt(sum(torch.sum(p.grad ** 2) for p in model.parameters()))
print(total <= 0.05 + 1e-6, total)
