"""A short guided tour of autograd: ``python -m gradlab``.

It runs the examples every lesson starts from and prints what PyTorch would
print, then shows a ``grad_fn`` chain as ``gradlab.viz.to_text`` walks it
through ``next_functions``. Everything here uses the public API only
(``import gradlab as torch`` and ``gradlab.viz``).
"""
import textwrap

import gradlab as torch
from gradlab.viz import graph, to_text


def walk_grad_fn(tensor, names=None):
    """The grad_fn chain of ``tensor`` as indented lines, found through next_functions.

    This is ``gradlab.viz.to_text``: an iterative walk (deep graphs print
    too) in which a node reached twice is printed once and then referred to.
    ``names``: a namespace (``globals()``) to label tensors with their names.
    """
    return to_text(graph(tensor, names=names, accumulate_grad=True)).splitlines()


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
    namespace = {"torch": torch, "graph": graph, "to_text": to_text}

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
        # from gradlab.viz import graph, to_text: the whole chain, labelled
        print(to_text(graph(loss, names=globals(), accumulate_grad=True)), end="")
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

    _section("6. Why is .grad None, or this value? Ask explain()")
    _show("""
        from gradlab.viz import explain
        h = w * 3
        print(explain(h))
        print(explain(w, loss))
    """, namespace)

    print()
    print("Next: open the lessons in JupyterLab, or read gradlab/ops/ to see each rule.")


if __name__ == "__main__":
    main()
