"""Memory layout (gradlab/ops/strides.py) against PyTorch's.

Whether ``view`` works, which node ``reshape`` records, ``is_contiguous()`` and how
``matmul`` folds its batch all follow from a tensor's strides, so every result must
lie in memory as PyTorch's does. The rules are checked one by one on random strided
tensors (PyTorch's own strides in, the same strides out), then on what gradlab's ops
make: single ops on permuted, sliced, expanded and indexed inputs, and random chains.
"""
import math
import re

import numpy as np
import pytest

import gradlab
from gradlab.ops.strides import (
    element_strides, index_order, lay_out, strides_for_order, view_strides,
)
from helpers import compare_with_torch, graph_edges


# ------------------------------------------------------------------ helpers
def _strides(tensor):
    """A gradlab tensor's strides in elements, or a torch tensor's ``stride()``."""
    if isinstance(tensor, gradlab.Tensor):
        return element_strides(tensor._data)
    return tuple(tensor.stride())


def _random_strided(torch, rng, ndim):
    """A torch tensor of ``ndim`` dimensions with a random layout: a permuted block,
    sliced with steps, some size-1 dimensions expanded."""
    shape = [int(rng.choice([1, 2, 3, 4])) for _ in range(ndim)]
    steps = [int(rng.choice([1, 1, 2])) for _ in range(ndim)]
    block = [size * step for size, step in zip(shape, steps)]
    order = rng.permutation(ndim).tolist()
    tensor = torch.arange(math.prod(block), dtype=torch.float32).view([block[d] for d in order])
    tensor = tensor.permute(np.argsort(order).tolist())[tuple(slice(None, None, s) for s in steps)]
    if rng.random() < 0.3 and 1 in tensor.shape:
        tensor = tensor.expand([3 if size == 1 and rng.random() < 0.5 else size for size in tensor.shape])
    return tensor


def _as_numpy(tensor):
    """A NumPy array with exactly the torch tensor's shape and strides."""
    if tensor.dim() == 0:
        return np.zeros((), np.float32)
    extent = sum((size - 1) * stride for size, stride in zip(tensor.shape, tensor.stride())) + 1
    memory = np.zeros(max(extent, 1), np.float32)
    return np.lib.stride_tricks.as_strided(memory, tuple(tensor.shape), [4 * s for s in tensor.stride()])


def _same_layout(mine, theirs):
    """The same strides wherever they matter (an empty tensor's never do)."""
    return theirs.numel() == 0 or _strides(mine) == _strides(theirs)


# ----------------------------------------------------------- the rules alone
def test_view_strides_is_pytorchs_rule(torch):
    rng = np.random.default_rng(0)
    for _ in range(3000):
        tensor = _random_strided(torch, rng, int(rng.integers(0, 5)))
        sizes, rest = [], tensor.numel()
        for _ in range(int(rng.integers(0, 4))):
            size = int(rng.choice([d for d in range(1, rest + 1) if rest % d == 0]))
            sizes.append(size)
            rest //= size
        sizes.append(rest)
        if rng.random() < 0.3:
            sizes.insert(int(rng.integers(0, len(sizes) + 1)), 1)
        try:
            expected = tuple(tensor.view(sizes).stride())
        except RuntimeError:
            expected = None
        got = view_strides(tuple(tensor.shape), tuple(tensor.stride()), tuple(sizes))
        assert got == expected or (got is not None and expected is not None and tensor.numel() == 0), \
            (tuple(tensor.shape), tensor.stride(), sizes)


def test_pointwise_results_are_laid_out_as_pytorchs_tensor_iterator(torch):
    rng = np.random.default_rng(1)
    for _ in range(3000):
        a = _random_strided(torch, rng, int(rng.integers(1, 5)))
        kind = rng.integers(0, 4)
        if kind == 0:
            operands = [a]
        elif kind == 1:  # the same shape in another layout
            order = rng.permutation(a.dim()).tolist()
            b = torch.zeros([a.shape[d] for d in order]).permute(np.argsort(order).tolist())
            operands = [a, b] if rng.random() < 0.5 else [b, a]
        elif kind == 2:  # another shape, maybe broadcast
            b = _random_strided(torch, rng, int(rng.integers(0, a.dim() + 1)))
            operands = [a, b] if rng.random() < 0.5 else [b, a]
        else:  # a number: PyTorch wraps it in a 0-d tensor
            operands = [a, 2.0] if rng.random() < 0.5 else [2.0, a]
        try:
            expected = operands[0].exp() if kind == 0 else operands[0] + operands[1]
        except RuntimeError:
            continue  # shapes that do not broadcast
        arrays = [_as_numpy(o) if isinstance(o, torch.Tensor) else o for o in operands]
        result = np.exp(arrays[0]) if kind == 0 else np.asarray(np.add(*arrays))
        if expected.numel():
            assert element_strides(lay_out(result, arrays, "pointwise")) == tuple(expected.stride()), \
                [(tuple(o.shape), o.stride()) if isinstance(o, torch.Tensor) else o for o in operands]


def test_index_results_are_laid_out_as_pytorchs_index(torch):
    rng = np.random.default_rng(2)
    for _ in range(2000):
        ndim = int(rng.integers(1, 5))
        a = _random_strided(torch, rng, ndim)
        if a.numel() == 0:
            continue
        dims = sorted(rng.choice(ndim, size=int(rng.integers(1, ndim + 1)), replace=False).tolist())
        index_shape = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(1, 3)))]
        full, indices = [slice(None)] * ndim, [None] * (dims[-1] + 1)
        for dim in dims:
            shape = [s if rng.random() < 0.7 else 1 for s in index_shape]
            index = torch.from_numpy(rng.integers(0, a.shape[dim], size=shape))
            if index.dim() == 2 and rng.random() < 0.5:
                index = index.t().contiguous().t()  # an index laid out column-major
            full[dim], indices[dim] = index, index.numpy()
        expected = a[tuple(full)]
        order = index_order(tuple(a.shape), tuple(a.stride()), indices)
        assert strides_for_order(tuple(expected.shape), order) == tuple(expected.stride())


# ------------------------------------------------------------ what ops make
INDEX = [2, 0, 1]
MADE_BY = {
    "permute": lambda m, x: x.permute(2, 0, 3, 1),
    "exp of permuted": lambda m, x: x.permute(3, 1, 0, 2).exp(),
    "relu of permuted": lambda m, x: x.permute(3, 1, 0, 2).relu(),
    "clone of permuted": lambda m, x: x.permute(3, 1, 0, 2).clone(),
    "contiguous of permuted": lambda m, x: x.permute(3, 1, 0, 2).contiguous(),
    "clone of sliced": lambda m, x: x.permute(3, 1, 0, 2)[1:].clone(),
    "permuted + contiguous": lambda m, x: x.permute(3, 1, 0, 2) + x.permute(3, 1, 0, 2).contiguous(),
    "contiguous + permuted": lambda m, x: x.permute(3, 1, 0, 2).contiguous() + x.permute(3, 1, 0, 2),
    "number * permuted": lambda m, x: 2 * x.permute(3, 1, 0, 2),
    "where of permuted": lambda m, x: m.where(x.permute(3, 1, 0, 2) > 0, x.permute(3, 1, 0, 2), 0.),
    "comparison of permuted": lambda m, x: x.permute(3, 1, 0, 2) > 0,
    "double of permuted": lambda m, x: x.permute(3, 1, 0, 2).double(),
    "index dim 1": lambda m, x: x[:, INDEX],
    "abs of index dim 1": lambda m, x: x[:, INDEX].abs(),
    "index dim 2": lambda m, x: x[:, :, INDEX],
    "two adjacent indices": lambda m, x: x[:, INDEX, INDEX],
    "two separate indices": lambda m, x: x[:, INDEX, :, INDEX],
    "index of permuted": lambda m, x: x.permute(3, 1, 0, 2)[:, INDEX],
    "mask": lambda m, x: x[x > 3],
    "expanded": lambda m, x: x[:, :1].expand(2, 3, 4, 5),
    "clone of expanded": lambda m, x: x[:, :1].expand(2, 3, 4, 5).clone(),
    "sum of permuted": lambda m, x: x.permute(3, 1, 0, 2).sum(1),
    "sum keepdim of permuted": lambda m, x: x.permute(3, 1, 0, 2).sum(1, keepdim=True),
    "amax of permuted": lambda m, x: x.permute(3, 1, 0, 2).amax(1),
    "softmax of permuted": lambda m, x: x.permute(3, 1, 0, 2).softmax(1),
    "masked_fill of permuted": lambda m, x: x.permute(3, 1, 0, 2).masked_fill(x.permute(3, 1, 0, 2) > 3, 0.),
    "index_select of permuted": lambda m, x: x.permute(3, 1, 0, 2).index_select(2, m.tensor([1, 0])),
    "cat of permuted": lambda m, x: m.cat([x.permute(3, 1, 0, 2), x.permute(3, 1, 0, 2)], 1),
    "stack of permuted": lambda m, x: m.stack([x.permute(3, 1, 0, 2), x.permute(3, 1, 0, 2)], 1),
    "matmul of transposed": lambda m, x: x.permute(0, 1, 3, 2) @ x,
    "zeros_like of permuted": lambda m, x: m.zeros_like(x.permute(3, 1, 0, 2)),
    "rand_like of permuted": lambda m, x: m.rand_like(x.permute(3, 1, 0, 2)),
    "unsqueeze of permuted": lambda m, x: x.permute(3, 1, 0, 2).unsqueeze(1),
    "squeeze of permuted": lambda m, x: x[:, :1].permute(1, 3, 0, 2).squeeze(0),
}


@pytest.mark.parametrize("name", MADE_BY)
def test_results_lie_in_memory_as_in_pytorch(torch, name):
    """Strides, is_contiguous(), which views work and which node reshape records."""
    function = MADE_BY[name]
    values = np.arange(120.0).reshape(2, 3, 4, 5) - 7
    mine = function(gradlab, gradlab.tensor(values, requires_grad=True))
    theirs = function(torch, torch.tensor(values, requires_grad=True))
    assert _same_layout(mine, theirs)
    assert mine.is_contiguous() == theirs.is_contiguous()
    count = theirs.numel()
    for shape in [(-1,), (count // 5, -1), (-1, 6), (2, -1, 2), (count // 4, 4)]:
        if count == 0 or count % abs(math.prod(shape)):
            continue
        try:
            theirs.view(shape)
        except RuntimeError as error:
            with pytest.raises(RuntimeError, match=re.escape(str(error).split(".")[0])):
                mine.view(shape)
        else:
            assert _same_layout(mine.view(shape), theirs.view(shape))
        if theirs.requires_grad:
            assert graph_edges(mine.reshape(shape).grad_fn) == graph_edges(theirs.reshape(shape).grad_fn)


def _random_step(rng, shape):
    """One op that changes the layout, as ``(function(library, t), text)``; None if none fits."""
    ndim = len(shape)
    kind = rng.choice(["permute", "unary", "mix", "broadcast", "slice", "select", "unsqueeze",
                       "squeeze", "clone", "contiguous", "reduce", "softmax", "index", "expand",
                       "reshape", "where", "matmul", "cat"])
    if kind == "permute" and ndim >= 2:
        order = rng.permutation(ndim).tolist()
        return (lambda m, t: t.permute(order)), f"permute({order})"
    if kind == "unary":
        name = str(rng.choice(["exp", "abs", "relu", "sigmoid", "neg", "double", "float"]))
        return (lambda m, t: getattr(t, name)()), f"{name}()"
    if kind == "mix" and ndim >= 1:  # the same values, laid out differently, as the second operand
        order = rng.permutation(ndim).tolist()
        back = np.argsort(order).tolist()
        return (lambda m, t: t + t.permute(order).contiguous().permute(back)), \
            f"t + t.permute({order}).contiguous().permute({back})"
    if kind == "broadcast":
        start = int(rng.integers(0, ndim + 1))
        other_shape = [size if rng.random() < 0.6 else 1 for size in shape[start:]]
        other = np.arange(math.prod(other_shape), dtype=np.float32).reshape(other_shape)
        if rng.random() < 0.5:
            return (lambda m, t: m.tensor(other) + t), f"tensor(shape {other_shape}) + t"
        return (lambda m, t: t * m.tensor(other)), f"t * tensor(shape {other_shape})"
    if kind == "slice" and ndim >= 1 and shape[-1] >= 2:
        dim = int(rng.integers(0, ndim))
        if shape[dim] >= 2:
            index = (slice(None),) * dim + (slice(int(rng.integers(0, shape[dim])), None, int(rng.choice([1, 2]))),)
            return (lambda m, t: t[index]), f"t[{index}]"
    if kind == "select" and ndim >= 2:
        dim = int(rng.integers(0, ndim))
        if shape[dim]:
            position = int(rng.integers(0, shape[dim]))
            return (lambda m, t: t.select(dim, position)), f"select({dim}, {position})"
    if kind == "unsqueeze" and ndim < 5:
        dim = int(rng.integers(0, ndim + 1))
        return (lambda m, t: t.unsqueeze(dim)), f"unsqueeze({dim})"
    if kind == "squeeze":
        return (lambda m, t: t.squeeze()), "squeeze()"
    if kind == "clone":
        return (lambda m, t: t.clone()), "clone()"
    if kind == "contiguous":
        return (lambda m, t: t.contiguous()), "contiguous()"
    if kind == "reduce" and ndim >= 2:
        dim, keepdim = int(rng.integers(0, ndim)), bool(rng.random() < 0.5)
        name = str(rng.choice(["sum", "mean", "amax", "logsumexp"]))
        return (lambda m, t: getattr(t, name)(dim, keepdim=keepdim)), f"{name}({dim}, keepdim={keepdim})"
    if kind == "softmax" and ndim >= 1:
        dim = int(rng.integers(0, ndim))
        return (lambda m, t: t.softmax(dim)), f"softmax({dim})"
    if kind == "index" and ndim >= 1:
        dim = int(rng.integers(0, ndim))
        if shape[dim]:
            items = [slice(None)] * ndim
            items[dim] = rng.integers(0, shape[dim], size=int(rng.integers(1, 4))).tolist()
            if rng.random() < 0.3 and ndim >= 2:
                other = (dim + 1 + int(rng.integers(0, ndim - 1))) % ndim
                items[other] = rng.integers(0, shape[other], size=len(items[dim])).tolist()
            index = tuple(items)
            return (lambda m, t: t[index]), f"t[{index}]"
    if kind == "expand" and 1 in shape:
        sizes = [3 if size == 1 and rng.random() < 0.7 else -1 for size in shape]
        return (lambda m, t: t.expand(*sizes)), f"expand({sizes})"
    if kind == "reshape" and math.prod(shape):
        count = math.prod(shape)
        size = int(rng.choice([d for d in range(1, count + 1) if count % d == 0]))
        target = (size, -1) if rng.random() < 0.5 else (-1, size, 1)
        return (lambda m, t: t.reshape(target)), f"reshape({target})"
    if kind == "where" and ndim >= 2 and shape[-1] == shape[-2]:
        return (lambda m, t: m.where(t > 0, t, t.mT)), "where(t > 0, t, t.mT)"
    if kind == "matmul" and ndim >= 2:
        return (lambda m, t: t @ m.ones(shape[-1], 3, dtype=t.dtype)), f"t @ ones({shape[-1]}, 3)"
    if kind == "cat" and ndim >= 1:
        dim = int(rng.integers(0, ndim))
        return (lambda m, t: m.cat([t, t], dim)), f"cat([t, t], {dim})"
    return None


@pytest.mark.parametrize("seed", range(20))
def test_random_chains_lay_out_memory_as_pytorch(torch, seed):
    """Chains of layout-changing ops: after every op the same strides, is_contiguous(),
    graph and answer to ``view``; a failure prints the chain."""
    for chain in range(seed * 15, seed * 15 + 15):
        rng = np.random.default_rng(chain)
        shape = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(1, 5)))]
        values = np.arange(math.prod(shape), dtype=np.float32).reshape(shape) - 3
        mine = gradlab.tensor(values, requires_grad=True)
        theirs = torch.tensor(values, requires_grad=True)
        steps = [f"x = torch.tensor(np.arange({math.prod(shape)}.).reshape({shape}) - 3, requires_grad=True)"]
        for _ in range(6):
            step = _random_step(rng, tuple(theirs.shape))
            if step is None:
                continue
            function, text = step
            steps.append(text)
            theirs, mine = function(torch, theirs), function(gradlab, mine)
            where = "\n    ".join(steps)
            assert _same_layout(mine, theirs), f"strides differ after:\n    {where}"
            assert mine.is_contiguous() == theirs.is_contiguous(), where
            assert graph_edges(mine.grad_fn) == graph_edges(theirs.grad_fn), where
            for target in ([-1], [1, -1], [-1, 1]):
                try:
                    theirs.view(target)
                except RuntimeError:
                    with pytest.raises(RuntimeError):
                        mine.view(target)
                else:
                    mine.view(target)


# --------------------------------------------------------- gradients, images
def test_leaf_grads_follow_the_gradient_layout_contract(torch):
    """``.grad`` is laid out like its leaf (a transposed leaf gets a transposed grad),
    whatever layout the gradient arrived in; ``autograd.grad`` returns it as it came."""
    values = np.arange(12.0).reshape(3, 4)
    for library in (gradlab, torch):
        x = library.tensor(values, requires_grad=True)
        transposed_leaf = library.tensor(values.T.copy()).t().requires_grad_()
        (x.t() * 2).sum().backward()
        (transposed_leaf * 2).sum().backward()
        (gradient,) = library.autograd.grad((x.t() * 2).sum(), x)
        if library is gradlab:
            mine = (x.grad, transposed_leaf.grad, gradient)
        else:
            theirs = (x.grad, transposed_leaf.grad, gradient)
    for a, b in zip(mine, theirs):
        assert _same_layout(a, b) and a.is_contiguous() == b.is_contiguous()


def test_convolution_of_a_channels_last_image_refuses_view_as_in_pytorch(torch):
    """Images stored (N, H, W, C) and permuted to (N, C, H, W) are channels-last: PyTorch's
    convolution keeps that layout, so ``view(N, -1)`` fails and ``flatten`` copies."""
    images = np.random.default_rng(0).standard_normal((2, 6, 6, 1)).astype(np.float32)
    weight = np.ones((4, 1, 3, 3), np.float32)

    def convolve(library, x, w):
        return library.nn.functional.conv2d(x.permute(0, 3, 1, 2), w)

    compare_with_torch(lambda m, x, w: convolve(m, x, w).view(2, -1), images, weight,
                       raises=RuntimeError, match="view size is not compatible")
    compare_with_torch(lambda m, x, w: convolve(m, x, w).flatten(1), images, weight)
    compare_with_torch(lambda m, x, w: m.nn.functional.max_pool2d(convolve(m, x, w), 2).view(2, -1),
                       images, weight, raises=RuntimeError, match="view size is not compatible")


def test_clone_keeps_the_layout_and_contiguous_does_not(torch):
    values = np.arange(6.0).reshape(2, 3)
    compare_with_torch(lambda m, x: x.t().clone().view(-1), values, raises=RuntimeError,
                       match="view size is not compatible")
    compare_with_torch(lambda m, x: x.t().contiguous().view(-1), values)
    compare_with_torch(lambda m, x: x.t().clone(memory_format=m.contiguous_format).view(-1), values)
