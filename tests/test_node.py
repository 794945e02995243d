"""grad_fn nodes (gradlab/autograd/node.py): PyTorch's surface plus the teaching additions."""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import gradlab
import gradlab.ops
from gradlab.autograd.derivative import Derivatives
from gradlab.autograd.node import AccumulateGrad, Node, grad_accumulator
from gradlab.tensor import _wrap


def _op_classes():
    classes = []
    for info in pkgutil.iter_modules(gradlab.ops.__path__):
        module = importlib.import_module(f"gradlab.ops.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Node) and cls.__module__ == module.__name__ and not cls.__name__.startswith("_"):
                classes.append(cls)
    return classes


OPS = _op_classes()


def test_there_are_many_ops():
    assert len(OPS) >= 40


@pytest.mark.parametrize("cls", OPS, ids=lambda c: c.__name__)
def test_every_op_states_its_math_once(cls):
    assert cls.__doc__, "the docstring says what the op computes"
    assert isinstance(cls.derivatives, Derivatives), "one derivative record per op"
    assert cls.expression == cls.derivatives.expression, "forward expression for the teaching views"
    restated = [name for name in vars(cls) if name.startswith("local_derivative")]
    assert not restated, "the derivative text is read from the record, not restated"


@pytest.mark.parametrize("cls", OPS, ids=lambda c: c.__name__)
def test_every_op_is_named_like_a_pytorch_node(cls):
    assert "Backward" in cls.__name__ or cls.__name__ in ("CopySlices", "NotImplemented")


def test_teaching_additions_on_a_live_node():
    a = gradlab.tensor([1.0, 2.0], requires_grad=True)
    b = gradlab.tensor([3.0, 4.0], requires_grad=True)
    node = (a * b).grad_fn
    assert node.expression == "a * b"
    assert "b" in node.local_derivative and "a" in node.local_derivative
    saved_a, saved_b = node.saved_values
    assert saved_a is a and saved_b is b


def test_saved_values_are_gone_after_backward():
    a = gradlab.tensor([1.0, 2.0], requires_grad=True)
    out = (a * a).sum()
    node = out.grad_fn.next_functions[0][0]
    out.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        node.saved_values


def test_node_surface_like_pytorch(torch):
    for lib in (gradlab, torch):
        x = lib.tensor([1.0], requires_grad=True)
        y = (x * 2).exp()
        node = y.grad_fn
        assert node.name() == "ExpBackward0"
        assert type(node).__name__ == "ExpBackward0"
        assert isinstance(node.metadata, dict)
        assert node.next_functions[0][0].name() == "MulBackward0"
        accumulate = node.next_functions[0][0].next_functions[0][0]
        assert type(accumulate).__name__ == "AccumulateGrad"
        assert accumulate.variable is x


def test_accumulate_grad_node_called_directly_adds_into_grad():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    node = (x * 1).grad_fn.next_functions[0][0]
    assert isinstance(node, AccumulateGrad)
    node(gradlab.tensor([0.5, 0.5]))
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5])


def test_node_called_with_wrong_count():
    x = gradlab.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="expects 1 output gradient"):
        (x * 2).grad_fn(gradlab.ones(1), gradlab.ones(1))


def test_broadcast_gradient_is_summed_back_in_one_place(torch):
    for lib in (gradlab, torch):
        a = lib.ones(2, 3, requires_grad=True)
        b = lib.ones(3, requires_grad=True)
        c = lib.ones(1, 3, requires_grad=True)
        ((a + b) * c).sum().backward()
        assert list(b.grad.shape) == [3] and b.grad.tolist() == [2.0, 2.0, 2.0]
        assert list(c.grad.shape) == [1, 3] and c.grad.tolist() == [[4.0, 4.0, 4.0]]


def test_mixed_dtype_gradient_is_cast_back(torch):
    for lib in (gradlab, torch):
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2, dtype=lib.float64, requires_grad=True)
        (a * b).sum().backward()
        assert str(a.grad.dtype) == "torch.float32"
        assert str(b.grad.dtype) == "torch.float64"


def test_single_input_node_call_returns_the_tensor_like_pytorch(torch):
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        result = x.exp().grad_fn(lib.ones(2))
        assert type(result).__name__ == "Tensor"
        np.testing.assert_allclose(result.detach().numpy(), np.exp([1.0, 2.0]), rtol=1e-6)


# A node called directly returns what its rule returns, as in PyTorch: summing a broadcast
# input's gradient back and casting its dtype is the engine's work (validate_outputs), except
# where PyTorch's rule sums itself (expand).
DIRECT_CALLS = [
    "a + b", "a - b", "a * b", "a / b", "a ** b", "torch.maximum(a, b)",
    "torch.where(a > 0, a, b)", "torch.clamp(a, b, b + 1)", "b.expand(2, 3)", "b.expand_as(a)",
    "a.clone().copy_(b)", "a.sum()", "(a * 2).exp()",
]


@pytest.mark.parametrize("expression", DIRECT_CALLS)
def test_a_node_called_directly_leaves_broadcast_gradients_to_the_engine(torch, expression):
    results = []
    for lib in (gradlab, torch):
        a = lib.tensor([[1.0, -2.0, 3.0], [0.5, 1.5, -0.5]], requires_grad=True)
        b = lib.tensor([2.0, 0.5, 1.5], requires_grad=True)
        out = eval(expression, {"torch": lib, "a": a, "b": b})
        grads = out.grad_fn(lib.ones_like(out))
        grads = grads if isinstance(grads, tuple) else (grads,)
        results.append([None if g is None else g.detach().numpy() for g in grads])
    ours, theirs = results
    assert [g is None for g in ours] == [g is None for g in theirs]
    for mine, reference in zip(ours, theirs):
        if reference is not None:
            assert mine.shape == reference.shape
            np.testing.assert_allclose(mine, reference, rtol=1e-6)


def test_a_node_called_directly_keeps_the_dtype_of_its_rule(torch):
    dtypes = []
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        out = x * lib.tensor([3.0, 4.0], dtype=lib.float64)
        dtypes.append([str(g.dtype) for g in out.grad_fn(lib.ones(2, dtype=lib.float64)) if g is not None])
        out.sum().backward()
        dtypes.append(str(x.grad.dtype))  # the engine casts it back
    assert dtypes[0] == dtypes[2] == ["torch.float64"] and dtypes[1] == dtypes[3] == "torch.float32"


def test_a_node_called_with_none_gives_none_for_every_input(torch):
    for lib in (gradlab, torch):
        x = lib.tensor([2.0, 3.0], requires_grad=True)
        assert (x * x).grad_fn(None) == (None, None)
        assert x.exp().grad_fn(None) is None


@pytest.mark.parametrize("gradient", [1.0, [1.0], np.float32(1.0)])
def test_a_node_is_called_on_tensors_only(torch, gradient):
    for lib in (gradlab, torch):
        x = lib.tensor(2.0, requires_grad=True)
        with pytest.raises(TypeError, match="argument 0 is not a Variable"):
            (x * x).grad_fn(gradient)


@pytest.mark.parametrize("leaf_shape, grad_shapes", [
    ((2,), [(2,), (2,)]), ((2,), [()]), ((2,), [(1,), (2,)]), ((2, 3), [(3,), (2, 1)]),
    ((2,), [(3,)]), ((), [(3,)]), ((2,), [(2,), (3,)]), ((2,), [(1, 2)]), ((2, 1), [(2, 3)]),
])
def test_accumulate_grad_called_directly_broadcasts_like_pytorch(torch, leaf_shape, grad_shapes):
    seen = []
    for lib in (gradlab, torch):
        leaf = lib.ones(leaf_shape, requires_grad=True)
        node = (leaf * 1).grad_fn.next_functions[0][0]
        results = []
        for shape in grad_shapes:
            try:
                node(lib.ones(shape))
                results.append(leaf.grad.tolist())
            except RuntimeError as error:
                results.append(str(error).split(" (AccumulateGrad")[0])
        seen.append(results)
    assert seen[0] == seen[1]


def test_a_live_node_shows_its_own_numbers_in_its_derivatives():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    assert (x + 5).grad_fn.local_derivatives == ("∂out/∂a = 1", "∂out/∂b = 1")
    assert gradlab.add(x, x, alpha=2.5).grad_fn.local_derivatives == ("∂out/∂a = 1", "∂out/∂b = 2.5")
    assert (x ** 3).grad_fn.local_derivatives == ("∂out/∂a = 3 · a^(3-1)",)
    # the class states the rule with the names
    assert type((x ** 3).grad_fn).derivatives.texts == ("∂out/∂a = exponent · a^(exponent-1)",)


# ------------------------------------------- AccumulateGrad taking the gradient's memory
def _accumulate(leaf, grads, take=True):
    """What the engine does at a leaf (grad mode off: no create_graph), handing over ``grads``,
    the one list that holds the gradient."""
    with gradlab.no_grad():
        grad_accumulator(leaf)._run_backward(grads, take=take)


def _fresh(shape, order="C"):
    """([a gradient tensor whose memory nothing else holds], where that memory starts)."""
    array = np.ones(shape, np.float32, order=order)
    return [_wrap(array)], array.ctypes.data


def test_a_gradient_nothing_else_holds_becomes_grad_without_a_copy():
    leaf = gradlab.zeros(3, 4, requires_grad=True)
    grads, address = _fresh((3, 4))
    _accumulate(leaf, grads)
    assert leaf.grad._data.ctypes.data == address  # taken, as PyTorch's AccumulateGrad takes it
    first = leaf.grad
    _accumulate(leaf, _fresh((3, 4))[0])  # then added in place: .grad stays the same object
    assert leaf.grad is first and leaf.grad.tolist() == [[2.0] * 4] * 3


def test_a_gradient_held_elsewhere_is_copied():
    leaf = gradlab.zeros(3, 4, requires_grad=True)
    grads, address = _fresh((3, 4))
    kept = grads[0]  # a hook or the caller still holds it
    _accumulate(leaf, grads)
    assert leaf.grad._data.ctypes.data != address and kept._data.ctypes.data == address
    leaf.grad = None
    array = np.ones((3, 4), np.float32)
    _accumulate(leaf, [_wrap(array)])  # its array is held elsewhere
    assert not np.shares_memory(leaf.grad._data, array)
    leaf.grad = None
    bigger = np.ones((3, 8), np.float32)
    _accumulate(leaf, [_wrap(bigger[:, :4])])  # part of a bigger array
    assert not np.shares_memory(leaf.grad._data, bigger)
    leaf.grad = None
    view = np.ones((3, 4), np.float32).T.T  # a view, wrapped by two tensors
    other = _wrap(view)
    _accumulate(leaf, [_wrap(view)])
    assert not np.shares_memory(leaf.grad._data, other._data)


def test_a_gradient_is_taken_only_in_the_leafs_layout_and_without_create_graph():
    leaf = gradlab.zeros(3, 4, requires_grad=True)
    grads, address = _fresh((3, 4), order="F")  # column-major, for a row-major leaf
    _accumulate(leaf, grads)
    assert leaf.grad._data.ctypes.data != address and leaf.grad.stride() == (4, 1)
    leaf.grad = None
    grads, address = _fresh((3, 4))
    with gradlab.enable_grad():  # create_graph: .grad must be a new tensor (CopyBackwards)
        grad_accumulator(leaf)._run_backward(grads, take=True)
    assert leaf.grad._data.ctypes.data != address
    leaf.grad = None
    grads, address = _fresh((3, 4))
    _accumulate(leaf, grads, take=False)  # the engine's step records keep it: copied
    assert leaf.grad._data.ctypes.data != address


def test_a_view_of_memory_only_the_view_reaches_is_taken():
    leaf = gradlab.zeros(3, 4, requires_grad=True)
    with gradlab.no_grad():
        product = _wrap(np.ones((3, 4), np.float32))
        address = product._data.ctypes.data
        grads = [product.t().t()]  # a linear layer's W.grad comes so: (gradᵀ x)ᵀ, then TBackward0
    del product
    _accumulate(leaf, grads)
    assert leaf.grad._data.ctypes.data == address and leaf.grad.stride() == (4, 1)


def test_backward_results_are_the_same_whether_taken_or_copied():
    x = gradlab.tensor([[1.0, -2.0], [3.0, 4.0]])
    w = gradlab.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    (x @ w.t()).relu().sum().backward()
    copied = w.grad.clone()
    w.grad = None
    loss = (x @ w.t()).relu().sum()
    for _ in gradlab.autograd.iter_backward(loss):  # the engine's records keep the gradient
        pass
    assert w.grad.tolist() == copied.tolist()
