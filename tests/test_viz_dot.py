"""gradlab.viz.dot: Graphviz DOT export."""
import re

import gradlab as torch
from gradlab.viz import capture, graph, to_dot


def test_dot_of_the_seed_example_with_a_cut():
    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        z = y.sum()
        mask = x > 2
    dot = to_dot(graph(cap, names={"x": x, "y": y, "z": z, "mask": mask}, accumulate_grad=True))
    assert dot.startswith("digraph autograd {\n  rankdir=LR;") and dot.endswith("}\n")
    assert re.search(r'"t0" \[shape=box, style="filled,bold".*label="\[leaf\] x\\n', dot)
    assert 'shape=ellipse' in dot and 'label="PowBackward0\\nx ** 2"' in dot
    assert 'shape=hexagon' in dot and "AccumulateGrad" in dot
    assert 'label="[non-leaf] y' in dot and 'label="[no grad] mask' in dot
    assert re.search(r'-> "t\d+" \[color="#c62828", style=dashed, label="✂ comparison >"', dot)
    assert "tooltip=" in dot and "requires_grad: True" in dot
    assert to_dot(graph(cap, names={"x": x})).count("->") == 5
    assert "rankdir=TB" in to_dot(graph(cap), direction="TB")


def test_dot_escapes_quotes_and_backslashes():
    x = torch.tensor([1.0], requires_grad=True)
    dot = to_dot(graph(x, names={id(x): ['say "hi" \\ there']}))
    assert 'say \\"hi\\" \\\\ there' in dot
