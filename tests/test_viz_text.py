"""gradlab.viz.text: the graph as an indented grad_fn chain."""
import re

import gradlab as torch
from gradlab.viz import capture, graph, to_text


def _seed():
    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        z = y.sum()
        z.backward()
    return graph(cap, names={"x": x, "y": y, "z": z})


def test_seed_example_text():
    assert to_text(_seed()) == (
        "z  [non-leaf]  scalar · float32  value 13.\n"
        "└── SumBackward0  (y.sum())\n"
        "    └── y  [non-leaf]  [2] · float32  value [4., 9.]\n"
        "        └── PowBackward0  (x ** 2)\n"
        "            └── x  [leaf]  [2] · float32  value [2., 3.]  grad [4., 6.]\n"
    )
    assert to_text(_seed()) == to_text(_seed())


def test_shared_inputs_cuts_and_accumulate_grad():
    with capture() as cap:
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        loss = ((w * 3).sigmoid() * w).sum()
        d = w.detach()
        c = torch.ones(2)
        e = (w * c).sum()
    text = to_text(graph(cap, names={"w": w, "loss": loss, "d": d, "c": c, "e": e},
                         accumulate_grad=True, values=False))
    assert "│   └── SigmoidBackward0  ((w * 3).sigmoid())" in text  # the student's code
    assert "├── (unnamed)  [non-leaf]  [2] · float32" in text  # temporaries are shown, unnamed
    assert "AccumulateGrad  (w.grad += grad)" in text
    assert "AccumulateGrad  (see above)" in text
    assert re.search(r"d  \[no grad\]  \[2\] · float32\n└── ✂ cut: detach\(\) cut the graph \(line \d+\)\n"
                     r"    └── w  \(see above\)", text)
    assert "(input, no grad) c  [no grad]" in text
    assert "value" not in text


def test_summary_and_notes():
    x = torch.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(200):
        y = y * 1.0
    text = to_text(graph(y, max_nodes=40))
    assert "[collapsed] " in text and "MulBackward0 ×" in text
    assert text.splitlines()[-1].startswith("note: collapsed")
    assert max(len(line) for line in text.splitlines()) < 200


def test_empty_and_a_lone_leaf():
    with capture() as cap:
        pass
    assert to_text(graph(cap)) == "(empty graph: no tensors)\n"
    leaf = torch.tensor([1.0], requires_grad=True)
    assert to_text(graph(leaf, names={"leaf": leaf})) == \
        "leaf  [leaf]  [1] · float32  value [1.]\n"


def test_deep_graphs_stop_indenting():
    x = torch.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(100):
        y = y * 1.0
    text = to_text(graph(y, max_nodes=1000))
    lines = text.splitlines()
    assert len(lines) == 102
    assert max(len(line) for line in lines) < 4 * 26 + 60


def test_every_node_is_printed_even_on_a_cycle():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with capture() as cap:
        with torch.no_grad():
            w -= w * 0.1  # w -> (w * 0.1) -> w: an arrow back, drawn for the in-place change
    g = graph(cap, names={"w": w})
    text = to_text(g)
    assert "w  [leaf]" in text and "(unnamed)  [no grad]" in text
