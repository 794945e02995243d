"""gradlab.viz.explain: every reason why .grad is None or holds its value, in plain words."""
import pytest

import gradlab as torch
from gradlab.viz import capture, explain
from gradlab.viz.explain import REASONS, Explanation


def test_requires_grad_false():
    c = torch.ones(2)
    answer = explain(c)
    assert isinstance(answer, Explanation) and answer.reason == "requires_grad_false"
    assert str(answer).startswith("c does not require grad (requires_grad=False)")
    assert "requires_grad=True" in str(answer) and "c.requires_grad_()" in str(answer)
    assert repr(answer) == str(answer) and answer._repr_markdown_()
    indices = torch.tensor([1, 2])
    assert "Only floating point tensors can require grad" in str(explain(indices))


@pytest.mark.parametrize("code, words", [
    ("with torch.no_grad():\n    out = w * 2", "made under torch.no_grad()"),
    ("out = w.detach()", "detach() cut the graph"),
    ("out = w > 0", "comparison (>) gives a bool tensor"),
    ("out = w.argmax()", "argmax gives integer indices"),
])
def test_cut_tensor_names_the_op_and_the_line(code, words):
    namespace = {"torch": torch, "w": torch.tensor([1.0, -2.0], requires_grad=True)}
    with capture() as cap:
        exec(compile(code, "<cell>", "exec"), namespace)
    cap.name_tensors(namespace)
    answer = explain(namespace["out"])
    assert answer.reason == "cut"
    text = str(answer)
    assert text.startswith("out has no gradient: it was made from w by ")
    assert words in text and f"line {code.count(chr(10)) + 1}" in text
    assert "out.grad stays None" in text


def test_path_to_the_output_cut_on_the_way():
    with capture() as cap:
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        d = w.detach()
        v = torch.tensor([3.0, 4.0], requires_grad=True)
        loss = (d * v).sum()
    cap.name_tensors(locals())
    answer = explain(w, loss)
    assert answer.reason == "cut"
    assert str(answer).startswith("The path from w to loss is cut at d, made by detach()")
    assert "backward from loss never reaches w" in str(answer)


def test_non_leaf_without_retain_grad():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    y.sum().backward()
    answer = explain(y)
    assert answer.reason == "non_leaf"
    assert str(answer).startswith("y is not a leaf: it was computed by PowBackward0")
    assert "y.retain_grad()" in str(answer) and "(x)" in str(answer)


def test_retained_non_leaf_is_explained_like_a_leaf():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    y.retain_grad()
    z = y.sum()
    z.backward()
    answer = explain(y, z)
    assert answer.reason == "computed" and "y.grad = [1., 1.]" in str(answer)


def test_not_used_by_the_output():
    x = torch.tensor([1.0], requires_grad=True)
    unused = torch.tensor([1.0], requires_grad=True)
    loss = (x * 2).sum()
    answer = explain(unused, loss)
    assert answer.reason == "not_used"
    assert str(answer).startswith("loss does not use unused")


def test_backward_not_called_yet():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    answer = explain(x, loss)
    assert answer.reason == "no_backward"
    assert "backward has not been called yet" in str(answer) and "loss.backward()" in str(answer)
    assert explain(x).reason == "no_backward"


def test_grad_reset_after_backward():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    x.grad = None
    answer = explain(x, loss)
    assert answer.reason == "no_backward" and "reset to None" in str(answer)


def test_gradient_accumulated_over_several_backward_calls():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
    answer = explain(x)
    assert answer.reason == "accumulated"
    assert str(answer).startswith("x.grad = [ 6., 12.] is the sum of 3 backward passes")
    assert "zero_grad()" in str(answer)


def test_the_normal_case_lists_the_chain_and_local_derivatives():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    z = y.sum()
    z.backward()
    answer = explain(x, z)
    assert answer.reason == "computed"
    text = str(answer)
    assert text.startswith("x.grad = [4., 6.] is ∂z/∂x, from one backward pass")
    assert "SumBackward0 → PowBackward0 → AccumulateGrad" in text
    # the derivative in the names of the code, never the class's generic letters
    assert "PowBackward0 (y = x ** 2): ∂y/∂x = 2 · x" in text
    assert "SumBackward0 (z = sum(y)): grad_y = expand(grad_z, shape)" in text
    assert "exponent" not in text and "∂out/∂a" not in text


def test_without_output_the_captured_backward_call_is_used():
    with capture() as cap:
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        loss = ((w * 3).sigmoid() * w).sum()
        loss.backward()
    cap.name_tensors(locals())
    answer = explain(w)
    assert answer.reason == "computed"
    assert "∂loss/∂w" in str(answer) and "(backward at line" in str(answer)
    assert "w is used 2 times in loss's graph" in str(answer)


def test_unnamed_tensors_and_bad_arguments():
    answer = str(explain(torch.ones(1)))
    assert answer.startswith("this tensor does not require grad") and "tensor.grad stays None" in answer
    with pytest.raises(TypeError):
        explain([1.0])
    with pytest.raises(TypeError):
        explain(torch.ones(1), output=3)
    assert set(REASONS) == {"requires_grad_false", "cut", "non_leaf", "not_used", "no_backward",
                            "accumulated", "computed"}
