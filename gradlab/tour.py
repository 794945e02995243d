"""A short guided tour of autograd: ``python -m gradlab``.

It runs the examples every lesson starts from and prints what PyTorch would
print, then walks a ``grad_fn`` chain by hand through ``next_functions``.
Everything here uses the public API only (``import gradlab as torch``).
"""
import textwrap

import gradlab as torch


def walk_grad_fn(tensor):
    """The grad_fn chain of ``tensor`` as indented lines, found through next_functions.

    An explicit stack instead of recursion, so deep graphs print too; a node
    reached twice is printed once and then referred to.
    """
    if tensor.grad_fn is None:
        return [f"{_describe_leaf(tensor)} (a leaf: grad_fn is None)"]
    lines = []
    seen = set()
    stack = [(tensor.grad_fn, 0)]
    while stack:
        node, depth = stack.pop()
        indent = "    " * depth
        if node is None:
            lines.append(f"{indent}None  (an input that needs no gradient)")
            continue
        name = type(node).__name__
        if id(node) in seen:
            lines.append(f"{indent}{name}  (already shown above: its gradients are added up)")
            continue
        seen.add(id(node))
        if name == "AccumulateGrad":
            lines.append(f"{indent}AccumulateGrad  → adds into .grad of {_describe_leaf(node.variable)}")
            continue
        lines.append(f"{indent}{name}")
        for next_node, _ in reversed(node.next_functions):
            stack.append((next_node, depth + 1))
    return lines


def _describe_leaf(tensor):
    return " ".join(repr(tensor).split())


def _section(title):
    print()
    print(title)
    print("-" * len(title))


def _show(code, namespace):
    """Print each line of ``code`` like a notebook cell, then run it."""
    code = textwrap.dedent(code).strip("\n")
    for line in code.splitlines():
        print(f">>> {line}" if line and not line.startswith(" ") else f"... {line}")
    exec(compile(code, "<tour>", "exec"), namespace)


def main():
    print("gradlab: a tour of PyTorch's autograd (import gradlab as torch)")
    namespace = {"torch": torch, "walk_grad_fn": walk_grad_fn}

    _section("1. A differentiable function and its derivative")
    _show("""
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        y.sum().backward()
        print(x.grad)        # d(x²)/dx = 2x
    """, namespace)

    _section("2. Leaf and non-leaf tensors, grad_fn")
    _show("""
        a = torch.tensor([2.0, 3.0], requires_grad=True)
        b = a + 5
        print(b)
        print(b.grad_fn)
        print(a.grad_fn, a.is_leaf, b.is_leaf)
    """, namespace)

    _section("3. Walking the graph by hand through next_functions")
    _show("""
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        loss = ((w * 3).sigmoid() * w).sum()
        print(loss.grad_fn.next_functions)
        for line in walk_grad_fn(loss):
            print(line)
    """, namespace)

    _section("4. Backpropagation fills .grad of the leaves")
    _show("""
        loss.backward()
        print(w.grad)
    """, namespace)

    _section("5. Operations without a gradient cut the graph")
    _show("""
        mask = w > 0
        print(mask, mask.requires_grad, mask.grad_fn)
        with torch.no_grad():
            frozen = w * 2
        print(frozen.requires_grad, w.detach().requires_grad)
    """, namespace)

    print()
    print("Next: open the lessons in JupyterLab, or read gradlab/ops/ to see each rule.")


if __name__ == "__main__":
    main()
