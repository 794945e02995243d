"""The engine's order (gradlab/autograd/engine.py): nodes, hooks and leaves run as in PyTorch.

PyTorch's ready queue is a binary heap keyed by ``sequence_nr`` alone, the highest first;
every AccumulateGrad shares the largest number, so among several ready leaves the heap's own
sifting decides. The random graphs below are replayed in both libraries with a hook on every
node and tensor, and the sequences in which the hooks fire must be the same.
"""
import random

import numpy as np
import pytest

import gradlab
from gradlab.autograd import iter_backward


def _hook_order(lib, *, interrupt_at=None):
    """``(a * b).sum()`` with a hook on each leaf; which leaf hooks ran, in order."""
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0, 4.0], requires_grad=True)
    order = []

    def recorder(name):
        def hook(grad):
            order.append(name)
            if name == interrupt_at:
                raise KeyboardInterrupt
        return hook

    a.register_hook(recorder("a"))
    b.register_hook(recorder("b"))
    try:
        (a * b).sum().backward()
    except KeyboardInterrupt:
        pass
    return order, a.grad is not None, b.grad is not None


def test_leaves_are_accumulated_in_pytorch_order(torch):
    assert _hook_order(gradlab) == _hook_order(torch) == (["a", "b"], True, True)


def test_an_interrupt_mid_backward_leaves_the_same_leaves_filled(torch):
    # b's hook runs second, so a's .grad is already filled when backward stops
    assert _hook_order(gradlab, interrupt_at="b") == _hook_order(torch, interrupt_at="b")
    assert _hook_order(gradlab, interrupt_at="b") == (["a", "b"], True, False)


def test_stepper_walk_fills_leaves_in_pytorch_order():
    a = gradlab.tensor([1.0, 2.0], requires_grad=True)
    b = gradlab.tensor([3.0, 4.0], requires_grad=True)
    steps = list(iter_backward((a * b).sum()))
    assert [step.node.name() for step in steps] == [
        "SumBackward0", "MulBackward0",
        "torch::autograd::AccumulateGrad", "torch::autograd::AccumulateGrad",
    ]
    assert [step.leaves[0] for step in steps[2:]] == [a, b]


def test_ties_between_leaves_follow_the_heap_not_first_in_first_out(torch):
    # five leaves ready at once: a binary heap hands them out as 0, 2, 4, 3, 1 (not 0..4)
    orders = []
    for lib in (gradlab, torch):
        leaves = [lib.tensor([float(i)], requires_grad=True) for i in range(5)]
        order = []
        for i, leaf in enumerate(leaves):
            leaf.register_hook(lambda grad, i=i: order.append(i))
        lib.stack(leaves).sum().backward()
        orders.append(order)
    assert orders[0] == orders[1]
    assert orders[0] != sorted(orders[0])


def test_several_roots_start_in_pytorch_order(torch):
    orders = []
    for lib in (gradlab, torch):
        a = lib.tensor(1.0, requires_grad=True)
        b = lib.tensor(2.0, requires_grad=True)
        order = []
        a.register_hook(lambda grad: order.append("a"))
        b.register_hook(lambda grad: order.append("b"))
        y, z = a * 2, b * 3
        lib.autograd.backward([y, z, y])  # y's last root gradient comes after z's
        orders.append(order)
    assert orders[0] == orders[1]


# ------------------------------------------------------------------ random graphs
_UNARY = ("sin", "exp", "tanh", "neg", "times_two", "square", "sum")
_BINARY = ("add", "mul", "sub")


def _random_recipe(rng):
    """A small random graph as plain data, replayable in either library."""
    leaves = [(3,)] * rng.randint(2, 5) + [()] * rng.randint(0, 1)
    constants = rng.randint(0, 1)
    count = len(leaves) + constants
    steps = []
    for _ in range(rng.randint(1, 10)):
        kind = rng.random()
        if kind < 0.4:
            steps.append((rng.choice(_BINARY), rng.randrange(count), rng.randrange(count)))
            count += 1
        elif kind < 0.7:
            steps.append((rng.choice(_UNARY), rng.randrange(count)))
            count += 1
        elif kind < 0.85:
            size = rng.randint(2, 6)
            steps.append(("stack", [rng.randrange(count) for _ in range(size)]))
            count += 1
        else:
            steps.append(("unbind", rng.randrange(count)))
            count += 3
    return {
        "leaves": leaves, "constants": constants, "steps": steps,
        "roots": rng.randint(1, 3), "root_picks": [rng.random() for _ in range(12)],
        "mode": rng.choice(["backward", "backward", "inputs", "grad"]),
        "hooked": [rng.random() < 0.4 for _ in range(count)],
        "retained": [rng.random() < 0.2 for _ in range(count)],
        "seed": rng.randrange(2**31),
    }


def _apply(lib, op, values):
    if op == "times_two":
        return values[0] * 2.0
    if op == "square":
        return values[0] ** 2
    if op == "stack":
        shaped = [v if v.dim() else v.expand(3) for v in values]
        return lib.stack(shaped).sum(0)
    if op == "unbind":
        return (values[0] if values[0].dim() else values[0].expand(3)).unbind()
    if op in _BINARY:
        return getattr(values[0], op)(values[1])
    return getattr(values[0], op)()


def _replay(lib, recipe):
    """Build the recipe's graph, hook everything, run backward; what fired, in order."""
    rng = np.random.default_rng(recipe["seed"])
    leaves = [lib.tensor(rng.standard_normal(shape) * 0.5, requires_grad=True)
              for shape in recipe["leaves"]]
    tensors = leaves + [lib.tensor(rng.standard_normal(3)) for _ in range(recipe["constants"])]
    labels = {}  # grad_fn -> name, from the recipe's step numbers
    for number, step in enumerate(recipe["steps"]):
        op, args = step[0], step[1:]
        indices = args[0] if op == "stack" else args
        result = _apply(lib, op, [tensors[i] for i in indices])
        outputs = result if isinstance(result, tuple) else (result,)
        for output in outputs:
            if output.grad_fn is not None:
                labels.setdefault(output.grad_fn, f"op{number}")
        tensors.extend(outputs)
    differentiable = [t for t in tensors if t.requires_grad]
    roots = []
    for pick in recipe["root_picks"][:recipe["roots"]]:
        roots.append(differentiable[int(pick * len(differentiable))].sum())
    for leaf_number, leaf in enumerate(leaves):
        labels[_accumulator_of(leaf, roots)] = f"leaf{leaf_number}"

    fired = []
    nodes = _reachable([r.grad_fn for r in roots])
    for node in nodes:
        name = labels.get(node, node.name())
        node.register_prehook(lambda grad_outputs, name=name: fired.append("pre " + name))
        node.register_hook(lambda grad_inputs, grad_outputs, name=name: fired.append("post " + name))
    for number, tensor in enumerate(tensors):
        if tensor.requires_grad and recipe["hooked"][number]:
            tensor.register_hook(lambda grad, number=number: fired.append(f"hook t{number}"))
        if tensor.requires_grad and recipe["retained"][number] and tensor.grad_fn is not None:
            tensor.retain_grad()

    chosen = [t for t, keep in zip(differentiable, recipe["retained"]) if keep] or differentiable[:1]
    if recipe["mode"] == "grad":
        results = lib.autograd.grad(roots, chosen, allow_unused=True)
    else:
        inputs = chosen if recipe["mode"] == "inputs" else None
        lib.autograd.backward(roots, inputs=inputs)
        results = ()
    grads = [None if t.grad is None else t.grad.detach().numpy().copy()
             for t in tensors if t.requires_grad and (t.is_leaf or t.retains_grad)]
    results = [None if g is None else g.detach().numpy().copy() for g in results]
    return fired, grads, results


def _reachable(roots):
    seen, stack = [], [r for r in roots if r is not None]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.append(node)
        stack.extend(n for n, _ in node.next_functions if n is not None)
    return seen


def _accumulator_of(leaf, roots):
    for node in _reachable([r.grad_fn for r in roots]):
        if getattr(node, "variable", None) is leaf:
            return node
    return None


def _same_arrays(mine, theirs):
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("block", range(4))
def test_random_graphs_fire_hooks_in_pytorch_order(torch, block):
    """200 random graphs (50 per block): the order of every hook, and the gradients."""
    rng = random.Random(1200 + block)
    for _ in range(50):
        recipe = _random_recipe(rng)
        fired, grads, results = _replay(gradlab, recipe)
        expected_fired, expected_grads, expected_results = _replay(torch, recipe)
        assert fired == expected_fired, recipe
        _same_arrays(grads, expected_grads)
        _same_arrays(results, expected_results)
