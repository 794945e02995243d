"""In-place operations (gradlab/ops/inplace.py): the leaf rule, the version counter and
when backward refuses a changed value — exactly when PyTorch does and not otherwise."""
import numpy as np
import pytest

import gradlab
from gradlab.autograd import gradcheck
from helpers import compare_with_torch, double, graph_edges


def _run(lib, code):
    """Run a PyTorch snippet with ``torch`` bound to ``lib``; its outcome as plain data."""
    names = {"torch": lib}
    try:
        exec(code, names)
    except Exception as error:
        return "error", error
    result = names.get("result")
    if isinstance(result, tuple):
        return "ok", [r if not hasattr(r, "detach") else r.detach().double().tolist() for r in result]
    return "ok", result


# ------------------------------------------------------ the version counter
LEAF = "x = torch.tensor([1., 2., 3.], requires_grad=True); "
SAVED = LEAF + "a = x * 1; "
SCENARIOS = [
    # changing an input that the node did NOT save is fine ...
    SAVED + "b = a.exp(); a.add_(1); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a * 2; a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a / 2; a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a + 1; a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "y = torch.ones(3); b = a * y; a.add_(1); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.relu(); a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.sqrt(); a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.sigmoid(); a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.clone(); a.add_(1); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a % 2; a.add_(1); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.round(); a.add_(1); b.sum().backward(); result = (x.grad,)",
    # ... changing one it saved is not
    SAVED + "b = a * a; a.add_(1); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a ** 2; a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.sin(); a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.log(); a.add_(1); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.abs(); a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.clamp(0, 2); a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = torch.maximum(a, x); a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = 2 ** a; a.mul_(2); b.sum().backward(); result = (x.grad,)",
    SAVED + "y = torch.ones(3); b = y / a; a.add_(1); b.sum().backward(); result = (x.grad,)",
    SAVED + "y = torch.ones(3); b = a ** y; b.add_(1); b.sum().backward(); result = (x.grad,)",
    SAVED + "y = torch.ones(3); b = a * y; y.add_(1); b.sum().backward(); result = (x.grad,)",
    SAVED + "b = a.mul_(a); b.sum().backward(); result = (x.grad,)",
    # outputs saved by exp, tanh, sigmoid, sqrt, relu: changing the output is caught
    "x = torch.tensor([1., 2., 3.], requires_grad=True); y = x.exp(); y.add_(1); y.sum().backward()",
    "x = torch.tensor([1., 2., 3.], requires_grad=True); y = x.tanh(); y.zero_(); y.sum().backward()",
    "x = torch.tensor([1., 2., 3.], requires_grad=True); y = x.sigmoid(); y.mul_(2); y.sum().backward()",
    "x = torch.tensor([1., 2., 3.], requires_grad=True); y = x.relu(); y.mul_(2); y.sum().backward()",
    "x = torch.tensor([1., 2., 3.], requires_grad=True); y = x.sqrt(); y.sub_(1); y.sum().backward()",
    "x = torch.tensor([1., 2., 3.], requires_grad=True); y = x.reciprocal(); y.add_(1); y.sum().backward()",
    "x = torch.tensor([1., 2., 3.], requires_grad=True); y = x * 1; y.add_(1); y.sum().backward(); result = (x.grad,)",
    # ... also when nothing holds the changed output any more (a function's local, a node that
    # kept it and freed it during this very backward): the node keeps its version counter
    "x = torch.tensor([1., 2., 3.], requires_grad=True)\ndef f(x):\n    h = x.tanh()\n    h *= 2\n"
    "    return (h ** 2).mean()\nf(x).backward()",
    "x = torch.tensor([1., 2., 3.], requires_grad=True)\ndef f(x):\n    h = x.sigmoid()\n    h.mul_(2)\n"
    "    return h.sum()\nf(x).backward()",
    "x = torch.tensor([1., 2., 3.], requires_grad=True)\ndef f(x):\n    h = x.exp()\n"
    "    h.detach().zero_()\n    return h\nf(x).sum().backward()",
    "x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)\ndef f(x):\n    h = x.relu()\n"
    "    h[0] = 5.\n    return h * 3\nf(x).sum().backward()",
    "x = torch.tensor([1., 2., 3.], requires_grad=True)\ndef f(x):\n    h = x.exp()\n    h.data.mul_(2)\n"
    "    return h\nf(x).sum().backward(); result = (x.grad,)",
    # in-place ops in the graph: their own gradients
    SAVED + "a.mul_(x); a.sum().backward(); result = (x.grad,)",
    SAVED + "a.div_(x + 1); a.sum().backward(); result = (x.grad,)",
    SAVED + "a.pow_(2); a.sum().backward(); result = (x.grad,)",
    SAVED + "a.pow_(x); a.sum().backward(); result = (x.grad,)",
    SAVED + "a.sub_(x, alpha=3); a.sum().backward(); result = (x.grad,)",
    SAVED + "a.clamp_(1.5, 2.5); a.sum().backward(); result = (x.grad,)",
    SAVED + "a.clamp_(torch.tensor(1.5), torch.tensor([2., 2., 2.])); a.sum().backward(); result = (x.grad,)",
    SAVED + "a.zero_(); a.sum().backward(); result = (x.grad,)",
    SAVED + "a.fill_(2); a.sum().backward(); result = (x.grad, a)",
    SAVED + "v = torch.tensor(2., requires_grad=True); a.fill_(v); (a * x).sum().backward(); "
            "result = (x.grad, v.grad)",
    SAVED + "y = torch.tensor([4., 5., 6.], requires_grad=True); a.copy_(y); (a * a).sum().backward(); "
            "result = (x.grad, y.grad)",
    LEAF + "a = torch.zeros(2, 3, dtype=torch.float64); a.copy_(x); a.sum().backward(); result = (x.grad, a)",
    LEAF + "a = torch.ones(3); a *= x; a += x; a.sum().backward(); result = (x.grad, a)",
    LEAF + "a = torch.zeros(3, dtype=torch.float16); a.add_(x); a.sum().backward(); result = (x.grad, a)",
    # version numbers
    "x = torch.tensor([1., 2.]); x.add_(1); x.mul_(2); x += 1; x.zero_(); result = x._version",
    "x = torch.tensor([1., 2.]); y = x.detach(); y.add_(1); result = (x._version, x)",
    # the leaf rule
    "x = torch.tensor([1., 2.], requires_grad=True); x.add_(1)",
    "x = torch.tensor([1., 2.], requires_grad=True); x += 1",
    "x = torch.tensor([1., 2.], requires_grad=True); x.zero_()",
    "x = torch.tensor([1., 2.], requires_grad=True); x.copy_(torch.ones(2))",
    "x = torch.tensor([1., 2.], requires_grad=True)\nwith torch.no_grad():\n    x.mul_(2)\nresult = (x,)",
    # dtypes and shapes
    "x = torch.tensor([1, 2]); x += 1.5",
    "x = torch.tensor([1, 2]); x *= torch.tensor(1.5)",
    "x = torch.tensor([1, 2]); x /= 2",
    "x = torch.tensor([1, 2]); x.pow_(0.5)",
    "x = torch.tensor([1, 2]); x.clamp_(0.5, 1.5)",
    "x = torch.tensor([True, False]); x += 1",
    "x = torch.tensor([1, 2], dtype=torch.int32); x += torch.tensor([1, 2]); result = (x,)",
    "x = torch.tensor([1., 2.]); x += torch.tensor([1., 2.], dtype=torch.float64); result = (x,)",
    "x = torch.tensor([1, 2], dtype=torch.uint8); x += 300; x -= 2; result = (x,)",
    "x = torch.tensor([1, 2]); x.fill_(2.7); result = (x,)",
    "x = torch.tensor([1, 2]); x.copy_(torch.tensor([2.7, -1.2])); result = (x,)",
    "x = torch.tensor([1., 2.]); x += torch.tensor([[1., 2.], [3., 4.]])",
    "x = torch.tensor([1., 2.]); x.add_(torch.tensor([1., 2., 3.]))",
    "x = torch.tensor([1., 2.]); x.fill_(torch.tensor([1., 2.]))",
    "x = torch.tensor([1., 2.]); x.copy_(torch.zeros(3))",
]


@pytest.mark.parametrize("code", SCENARIOS)
def test_inplace_scenarios_match_torch(torch, code):
    expected_kind, expected = _run(torch, code)
    kind, ours = _run(gradlab, code)
    assert kind == expected_kind, f"torch: {expected!r}\ngradlab: {ours!r}"
    if kind == "error":
        assert isinstance(ours, type(expected)), f"torch: {expected!r}\ngradlab: {ours!r}"
        assert "numpy" not in str(ours).lower()
        if "modified by an inplace operation" in str(expected):
            assert "modified by an inplace operation" in str(ours)
    elif isinstance(expected, list):
        assert len(ours) == len(expected)
        for mine, reference in zip(ours, expected):
            assert (mine is None) == (reference is None)
            if reference is not None:
                np.testing.assert_allclose(mine, reference, rtol=1e-3)
    else:
        assert ours == expected


# ------------------------------------------------------------ grad_fn names
@pytest.mark.parametrize("code", [
    "a.add_(1)", "a.add_(x)", "a.sub_(1, alpha=2)", "a.mul_(2)", "a.mul_(x)", "a.div_(2)", "a.div_(x)",
    "a.pow_(2)", "a.pow_(x)", "a.clamp_(0, 2)", "a.clamp_(min=2)", "a.zero_()", "a.fill_(2)",
    "a.fill_(torch.tensor(2.))", "a.fill_(v)", "a.copy_(torch.ones(3))", "a.copy_(x)",
    "a += 1", "a -= x", "a *= 2", "a /= x",
])
def test_grad_fns_of_inplace_ops_match_torch(torch, code):
    def graph(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        names = {"torch": lib, "x": x, "a": x * 1, "v": lib.tensor(2.0, requires_grad=True)}
        exec(code, names)
        a = names["a"]
        return graph_edges(a.grad_fn), a._version

    assert graph(gradlab) == graph(torch)


# ------------------------------------------------- fill: PyTorch's two nodes
# fill_ with a number records FillBackward2 (one edge). fill_ with a 0-d tensor, and
# t[...] = value / t[:] = value with a number or a 0-d tensor, record FillBackward3
# (two edges; the value's is None when it needs no gradient) -- except into a 0-d t: the
# shapes are equal, so PyTorch copies (CopyBackwards).
FILLS = [
    ("a = x.sum(); a[...] = v", "CopyBackwards"),
    ("a = x.sum(); a[...] = 2.5", "CopyBackwards"),
    ("a = x.sum(); a[()] = v * 2", "CopyBackwards"),
    ("a.fill_(2.5)", "FillBackward2"),
    ("a.fill_(v)", "FillBackward3"),
    ("a.fill_(v.detach())", "FillBackward3"),
    ("a[...] = 2.5", "FillBackward3"),
    ("a[:] = 2.5", "FillBackward3"),
    ("a[...] = v", "FillBackward3"),
    ("a[:] = v * 2", "FillBackward3"),
    ("a = torch.zeros(2, 3, dtype=torch.float64); a.fill_(v)", "FillBackward3"),
    ("a = torch.zeros(2, 3, dtype=torch.float64); a[...] = v", "FillBackward3"),
]


@pytest.mark.parametrize("code, name", FILLS, ids=[code for code, _ in FILLS])
def test_fill_records_pytorchs_node_with_its_gradients(code, name):
    def run(lib, x, v):
        names = {"torch": lib, "x": x, "v": v, "a": x * 1}
        exec(code, names)
        assert type(names["a"].grad_fn).__name__ == name
        return names["a"] * x  # x also reaches the result past the fill

    compare_with_torch(run, double(2, 3), np.array(0.7), second_order=True)


@pytest.mark.parametrize("code", ["a.fill_(2.5)", "a.fill_(v)", "a[...] = 2.5", "a[:] = v"])
def test_fill_sends_exact_zeros_to_the_overwritten_values(torch, code):
    """zeros_like(grad), as PyTorch: not grad * 0, which is NaN for an infinite gradient and
    would be recorded as a MulBackward0 under create_graph."""
    def gradient(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        names = {"a": x * 1, "v": lib.tensor(3.0, requires_grad=True)}
        exec(code, names)
        upstream = lib.tensor([float("inf"), 1.0], requires_grad=True)
        (grad,) = lib.autograd.grad(names["a"], x, upstream, create_graph=True)
        return grad.tolist(), grad.requires_grad

    assert gradient(gradlab) == gradient(torch) == ([0.0, 0.0], False)


def test_inplace_gradcheck(rng):
    x = gradlab.tensor(rng.uniform(0.5, 2.0, (2, 3)), requires_grad=True)
    y = gradlab.tensor(rng.uniform(0.5, 2.0, (3,)), requires_grad=True)
    assert gradcheck(lambda a, b: a.clone().mul_(b).add_(a).div_(b).pow_(2), (x, y))
    assert gradcheck(lambda a, b: a.clone().copy_(b), (x, y))
    assert gradcheck(lambda a, b: (a * 1).fill_(b.sum()) * a, (x, y))


# ------------------------------------------------------ rules, without torch
def test_leaf_that_requires_grad_cannot_change_in_place():
    w = gradlab.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*no_grad"):
        w += 1


def test_no_grad_update_keeps_the_same_leaf():
    w = gradlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    before = w
    with gradlab.no_grad():
        w -= 0.1 * w.grad
    assert w is before and w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w._version == 1
    assert w.tolist() == pytest.approx([0.8, 1.6, 2.4])


def test_exp_saves_its_output_so_changing_its_input_is_fine():
    x = gradlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 1
    b = a.exp()
    a.add_(1)
    b.sum().backward()
    assert x.grad.tolist() == pytest.approx(np.exp([1.0, 2.0, 3.0]).tolist())


def test_a_saved_input_changed_in_place_fails_at_backward_time():
    x = gradlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 1
    b = a * a
    a.add_(1)  # no error yet
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1; expected version 0"):
        b.sum().backward()


def test_a_saved_output_changed_in_place_fails_at_backward_time():
    x = gradlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    assert type(y.grad_fn).__name__ == "AddBackward0"
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_int_tensor_cannot_take_a_float_in_place():
    x = gradlab.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        x += 1.5
    assert x.tolist() == [1, 2] and x._version == 0


def test_an_inplace_result_keeps_its_shape():
    x = gradlab.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[2, 2\]"):
        x += gradlab.ones(2, 2)


def test_division_in_place_with_rounding():
    from gradlab.ops import inplace

    x = gradlab.tensor([-3.0, 2.0, 3.0])
    assert inplace.div_(x, 2, rounding_mode="floor").tolist() == [-2.0, 1.0, 1.0]
    n = gradlab.tensor([-3, 2, 3])
    assert inplace.div_(n, 2, rounding_mode="trunc").tolist() == [-1, 1, 1]
    with pytest.raises(RuntimeError, match="can't be cast"):
        inplace.div_(n, 2.5, rounding_mode="floor")


# ---------------------------------------- in-place element-wise functions (issue 11)
INPLACE_FUNCTIONS = ["exp_", "log_", "sqrt_", "abs_", "tanh_", "sigmoid_", "relu_", "neg_"]


@pytest.mark.parametrize("method", INPLACE_FUNCTIONS)
def test_inplace_functions_match_torch(method):
    x = np.array([[0.3, 1.7, 0.9], [0.2, 1.1, 2.5]])

    def changed(lib, t):
        y = t * 1.5  # a non-leaf: changing it in place is allowed
        result = getattr(y, method)()
        assert result is y
        return y

    compare_with_torch(changed, x, second_order=True)


@pytest.mark.parametrize("method", INPLACE_FUNCTIONS)
def test_inplace_functions_change_a_view_and_its_base(method):
    def through_view(lib, t):
        y = t * 1.0
        getattr(y[0], method)()
        return y

    compare_with_torch(through_view, np.array([[0.3, 1.7], [0.2, 1.1]]))


@pytest.mark.parametrize("method", INPLACE_FUNCTIONS)
def test_inplace_functions_on_integers_follow_torch(method):
    def on_ints(lib, t):
        return getattr(t.clone(), method)()

    if method in ("exp_", "log_", "sqrt_", "tanh_", "sigmoid_"):
        compare_with_torch(on_ints, np.array([1, 2]), raises=RuntimeError)
    else:
        compare_with_torch(on_ints, np.array([-1, 2]))


@pytest.mark.parametrize("method", INPLACE_FUNCTIONS)
def test_inplace_functions_refuse_a_leaf_that_requires_grad(method):
    compare_with_torch(lambda lib, t: getattr(t, method)(), np.array([0.5, 1.0]), raises=RuntimeError)


def test_exp_in_place_bumps_the_version_and_a_later_change_breaks_backward():
    x = gradlab.tensor([0.5, 1.0], requires_grad=True)
    y = x * 2
    y.exp_()
    assert y._version == 1
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ------------------------------------------ parity details found by the differential fuzz
@pytest.mark.parametrize("write", [
    lambda lib, e, x: e.fill_(2.0), lambda lib, e, x: e.zero_(),
    lambda lib, e, x: e.copy_(x.expand(3, 2)), lambda lib, e, x: e.copy_(e),
    lambda lib, e, x: e.copy_(lib.ones(3, 2)), lambda lib, e, x: e.add_(1),
    lambda lib, e, x: e.fill_(lib.tensor(3.0)),
], ids=["fill_", "zero_", "copy_-same-memory", "copy_-itself", "copy_-other", "add_", "fill_-tensor"])
def test_writes_into_an_expanded_tensor_as_torch(torch, write):
    """PyTorch writes one value into every element (fill_, zero_) or a tensor's own memory onto
    itself even where elements share memory; anything else there is refused."""
    outcomes = []
    for lib in (torch, gradlab):
        x = lib.tensor([1.0, 2.0])
        try:
            write(lib, x.expand(3, 2), x)
            outcomes.append((x.tolist(), x._version))
        except RuntimeError as error:
            assert "more than one element of the written-to tensor" in str(error)
            outcomes.append("refused")
    assert outcomes[0] == outcomes[1]


def test_backward_through_a_write_into_an_expanded_view_is_refused_as_torch(torch):
    for lib in (torch, gradlab):
        w = lib.tensor([2.0, 3.0], requires_grad=True)
        x = w * 1
        x.expand(3, 2).zero_()
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            x.sum().backward()
