"""pytorch/tutorials, beginner_source/basics/tensorqs_tutorial.py (and blitz/tensor_tutorial.py).

Tensor basics: ``torch.tensor(data)``, ``torch.from_numpy``, ``*_like`` creators with
``dtype=``, creation from a ``shape`` tuple, ``.shape`` / ``.dtype`` / ``.device``,
``tensor[:, 1] = 0`` and ``tensor[..., -1]`` indexing, ``torch.cat(..., dim=1)``, the three
spellings of matrix product (``@``, ``.matmul``, ``torch.matmul(..., out=)``) and of the
element-wise product, ``agg.item()``, in-place ``add_``, and the NumPy bridge in both
directions (shared memory: ``t.add_(1)`` shows in ``n``, ``np.add(n, 1, out=n)`` in ``t``).
"""
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_data, x_np)

x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(f"Random Tensor shape: {x_rand.shape}, dtype: {x_rand.dtype} \n")

shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print(f"Random Tensor: {rand_tensor.shape} \n")
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
if torch.cuda.is_available():
    tensor = tensor.to("cuda")

tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)

y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1, torch.equal(y1, y2), torch.equal(y1, y3))

z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(z1, (z1 == z2).all(), (z1 == z3).all())

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")

x = torch.tensor([[1.5, -2.0], [0.25, 3.0]])
print(x.size(), x.size(0), x.view(4), x.view(-1, 1).size(), x.t())
print(torch.zeros(5, 3, dtype=torch.long), x.new_ones(2, 3, dtype=torch.double))
print(torch.randn_like(x, dtype=torch.float).size(), torch.empty(2, 3).shape)
