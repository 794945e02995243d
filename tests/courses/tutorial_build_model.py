"""pytorch/tutorials, beginner_source/basics/buildmodel_tutorial.py.

"Build the Neural Network": a ``NeuralNetwork(nn.Module)`` with ``nn.Flatten`` and an
``nn.Sequential`` of ``nn.Linear`` / ``nn.ReLU``, ``.to(device)`` with the
``torch.cuda.is_available()`` device choice, ``print(model)``, ``nn.Softmax(dim=1)`` and
``argmax(1)``, each layer applied to a (3, 28, 28) minibatch with its ``size()`` printed,
``nn.ReLU()(hidden1)`` before/after, and the ``named_parameters()`` loop printing
``param.size()`` and ``param[:2]`` (weights set from a seeded NumPy generator).
"""
import numpy as np
import torch
from torch import nn

device = 'cuda' if torch.cuda.is_available() else 'cpu'
print('Using {} device'.format(device))


class NeuralNetwork(nn.Module):
    def __init__(self):
        super(NeuralNetwork, self).__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


rng = np.random.default_rng(3)
model = NeuralNetwork().to(device)
state = {name: torch.tensor(rng.uniform(-1, 1, tuple(t.shape)) / np.sqrt(t.shape[-1]), dtype=torch.float32)
         for name, t in model.state_dict().items()}
model.load_state_dict(state)
print(model)

X = torch.tensor(rng.random((1, 28, 28)), dtype=torch.float32, device=device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")
print(pred_probab.sum().item(), logits.shape, logits.grad_fn)

input_image = torch.tensor(rng.random((3, 28, 28)), dtype=torch.float32)
print(input_image.size())
flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())
layer1 = nn.Linear(in_features=28 * 28, out_features=20)
with torch.no_grad():
    layer1.weight.copy_(torch.tensor(rng.uniform(-0.05, 0.05, (20, 784))))
    layer1.bias.copy_(torch.tensor(rng.uniform(-0.05, 0.05, 20)))
hidden1 = layer1(flat_image)
print(hidden1.size())
print(f"Before ReLU: {hidden1[:, :6]}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1[:, :6]}")

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10)
)
logits = seq_modules(input_image)
softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)
print(pred_probab.shape, seq_modules)

print("Model structure: ", model, "\n\n")
for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2, :3] if param.dim() > 1 else param[:2]} \n")
