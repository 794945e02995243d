"""The backward engine (gradlab/autograd/engine.py) against PyTorch's semantics."""
import gc
import threading
import warnings
import weakref

import numpy as np
import pytest

import gradlab
from gradlab.autograd import iter_backward


# ------------------------------------------------------------------ the seed
def test_seed_square_example_prints_pytorch_output(capsys):
    x = gradlab.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    y.sum().backward()
    print(x.grad)
    assert capsys.readouterr().out == "tensor([4., 6.])\n"


def test_seed_add_example_grad_fn():
    a = gradlab.tensor([2.0, 3.0], requires_grad=True)
    b = a + 5
    assert a.grad_fn is None
    assert repr(b.grad_fn).startswith("<AddBackward0 object at 0x")
    assert repr(b) == "tensor([7., 8.], grad_fn=<AddBackward0>)"
    assert repr(a) == "tensor([2., 3.], requires_grad=True)"
    assert a.is_leaf and not b.is_leaf


def test_next_functions_reach_one_shared_accumulate_grad():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = x * 3
    (acc_y, index_y), constant = y.grad_fn.next_functions
    assert constant == (None, 0) and index_y == 0
    assert type(acc_y).__name__ == "AccumulateGrad"
    assert acc_y.variable is x
    assert z.grad_fn.next_functions[0][0] is acc_y
    assert acc_y.next_functions == ()


# ---------------------------------------------------------- accumulation
def test_grad_accumulates_in_the_same_object():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert x.grad is first
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])


def test_reused_value_gets_summed_gradient():
    x = gradlab.tensor(3.0, requires_grad=True)
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad.item() == pytest.approx(7.0)


def test_diamond_graph_matches_torch(torch):
    def build(lib, values):
        x = lib.tensor(values, requires_grad=True)
        a = x.exp()
        b = a * x
        c = a.sin()
        d = (b + c) * a
        d.sum().backward()
        return x.grad.detach().numpy()

    values = [0.1, -0.4, 0.7]
    np.testing.assert_allclose(build(gradlab, values), build(torch, values), rtol=1e-5)


# ---------------------------------------------------------- backward arguments
def test_non_scalar_backward_needs_gradient():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(gradlab.tensor([1.0, 0.5]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0])


def test_one_element_tensor_of_any_shape_needs_no_gradient():
    x = gradlab.tensor([[2.0]], requires_grad=True)
    (x * 3).backward()
    assert x.grad.item() == 3.0


def test_gradient_shape_mismatch_message():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"torch.Size\(\[3\]\) and output\[0\] has a shape of "
                                           r"torch.Size\(\[2\]\)"):
        (x * 2).backward(gradlab.ones(3))


def test_backward_on_tensor_without_grad_says_why():
    x = gradlab.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        x.sum().backward()


def test_backward_twice_through_saved_values_fails():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_graph_that_saved_nothing_may_run_twice(torch):
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_saved_arrays_are_freed_after_backward():
    x = gradlab.tensor(np.arange(4.0), requires_grad=True)
    left, right = x * 2, x * 3
    product = left * right
    refs = [weakref.ref(left), weakref.ref(right)]
    del left, right
    gc.collect()
    assert all(r() is not None for r in refs)  # kept alive by the graph for backward
    product.sum().backward()
    gc.collect()
    assert all(r() is None for r in refs)  # released by backward


def test_retain_graph_keeps_saved_arrays():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    left = x * 2
    product = left * left
    ref = weakref.ref(left)
    del left
    product.sum().backward(retain_graph=True)
    gc.collect()
    assert ref() is not None


# ------------------------------------------------------------- non-leaves
def test_non_leaf_grad_is_none_with_warning():
    x = gradlab.tensor([1.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert y.grad is None


def test_retain_grad_keeps_non_leaf_grad():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    assert y.retains_grad
    np.testing.assert_allclose(y.grad.numpy(), [4.0, 8.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is not None


# ---------------------------------------------------------------- hooks
def test_tensor_hooks_chain_and_may_replace_gradient():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])


def test_leaf_hook_sees_summed_gradient_once():
    x = gradlab.tensor(2.0, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 3 + x * 4).backward()
    assert calls == [7.0]
    assert x.grad.item() == 7.0


def test_hook_handle_removes_hook():
    x = gradlab.tensor(2.0, requires_grad=True)
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 3).backward()
    assert x.grad.item() == 3.0


def test_node_hooks_see_inputs_and_outputs(torch):
    results = {}
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        record = []
        y.grad_fn.register_prehook(lambda grad_outputs: record.append(("pre", grad_outputs[0].tolist())))
        y.grad_fn.register_hook(
            lambda grad_inputs, grad_outputs: record.append(
                ("post", [g.tolist() if g is not None else None for g in grad_inputs]))
        )
        y.sum().backward()
        results[lib.__name__] = record
    assert results["gradlab"] == results["torch"]


def test_hook_on_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        gradlab.tensor([1.0]).register_hook(lambda g: g)


# ------------------------------------------------------------- grad mode
def test_no_grad_cuts_graph_and_restores_mode():
    x = gradlab.tensor([1.0], requires_grad=True)
    with gradlab.no_grad():
        y = x * 2
        with gradlab.enable_grad():
            z = x * 2
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None
    assert gradlab.is_grad_enabled()


def test_no_grad_update_keeps_the_same_leaf():
    w = gradlab.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with gradlab.no_grad():
        w -= 0.1 * w.grad
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6])


def test_grad_mode_decorators():
    @gradlab.no_grad()
    def inside():
        return gradlab.is_grad_enabled()

    @gradlab.enable_grad()
    def enabled():
        return gradlab.is_grad_enabled()

    assert inside() is False
    with gradlab.no_grad():
        assert enabled() is True
    assert gradlab.is_grad_enabled()


def test_set_grad_enabled_as_function_and_context():
    gradlab.set_grad_enabled(False)
    try:
        assert not gradlab.is_grad_enabled()
    finally:
        gradlab.set_grad_enabled(True)
    with gradlab.set_grad_enabled(False):
        assert not gradlab.is_grad_enabled()
    assert gradlab.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = []
    with gradlab.no_grad():
        thread = threading.Thread(target=lambda: seen.append(gradlab.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


def test_detach_cuts_graph_and_shares_memory():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert d.grad_fn is None and not d.requires_grad
    y = x.detach()
    y.zero_()
    np.testing.assert_allclose(x.detach().numpy(), [0.0, 0.0])


# ------------------------------------------------------------ higher order
def test_create_graph_gives_second_derivative(torch):
    for lib in (gradlab, torch):
        x = lib.tensor(2.0, requires_grad=True)
        y = x ** 3
        (dy,) = lib.autograd.grad(y, x, create_graph=True)
        (d2y,) = lib.autograd.grad(dy, x)
        assert dy.item() == pytest.approx(12.0)
        assert d2y.item() == pytest.approx(12.0)


def test_backward_with_create_graph_then_backward_again(torch):
    results = []
    for lib in (gradlab, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = (x.sin() * x).sum()
        y.backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        x.grad = None
        g.sum().backward()
        results.append(x.grad.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)


# ------------------------------------------------------------------ grad()
def test_autograd_grad_leaves_dot_grad_alone():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    (g,) = gradlab.autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    assert x.grad is None


def test_autograd_grad_of_non_leaf_input():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (g,) = gradlab.autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(g.numpy(), [6.0, 12.0])


def test_autograd_grad_unused_input():
    x = gradlab.tensor(1.0, requires_grad=True)
    unused = gradlab.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        gradlab.autograd.grad(x * 2, [x, unused])
    gx, gu = gradlab.autograd.grad(x * 2, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_backward_inputs_limits_accumulation():
    a = gradlab.tensor(1.0, requires_grad=True)
    b = gradlab.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


# --------------------------------------------------------- nodes are callable
def test_grad_fn_is_callable_like_pytorch(torch):
    outputs = []
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        result = y.grad_fn(lib.ones(2))
        outputs.append((len(result), result[0].tolist(), result[1]))
    assert outputs[0] == outputs[1]


# ----------------------------------------------------------- iter_backward
def _build_graph(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    d = c + a
    loss = d.sum()
    return a, b, loss


def test_iter_backward_replays_exactly_backward():
    a, b, loss = _build_graph(gradlab)
    steps = list(iter_backward(loss))
    a2, b2, loss2 = _build_graph(gradlab)
    loss2.backward()
    np.testing.assert_array_equal(a.grad.numpy(), a2.grad.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), b2.grad.numpy())
    names = [type(step.node).__name__ for step in steps]
    assert names[0] == "SumBackward0"
    assert names.count("AccumulateGrad") == 2
    for step in steps:
        assert len(step.grad_inputs) in (0, len(step.node.next_functions))


def test_iter_backward_partial_walk_leaves_partly_filled():
    a, b, loss = _build_graph(gradlab)
    walk = iter_backward(loss)
    seen = []
    for step in walk:
        seen.append(step)
        if step.leaves:
            break
    assert seen[-1].leaves == [a]  # PyTorch's order: a, MulBackward0's first input, first
    assert a.grad is not None and b.grad is None
    assert gradlab.is_grad_enabled()  # stepping must not leak no_grad into the caller


def test_iter_backward_records_chain_rule_numbers():
    a, b, loss = _build_graph(gradlab)
    steps = {step.node.name(): step for step in iter_backward(loss)}
    mul = steps["MulBackward0"]
    np.testing.assert_allclose(mul.grad_outputs[0].numpy(), [1.0, 1.0])
    np.testing.assert_allclose(mul.grad_inputs[0].numpy(), [3.0, 4.0])  # grad × b
    np.testing.assert_allclose(mul.grad_inputs[1].numpy(), [1.0, 2.0])  # grad × a


# ------------------------------------------------------------- big graphs
def test_deep_chain_does_not_recurse():
    x = gradlab.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


@pytest.mark.slow
def test_million_node_chain_backpropagates_and_releases_memory():
    x = gradlab.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 0.0
    first_node = weakref.ref(y.grad_fn)
    y.backward()
    assert x.grad.item() == 1.0
    del y
    gc.collect()
    assert first_node() is None  # the whole graph was freed, without a RecursionError


# ------------------------------------------------------------------ in place
def test_inplace_on_leaf_requiring_grad_fails():
    w = gradlab.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        w += 1


def test_inplace_change_of_saved_value_fails_at_backward():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    b = a * a
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_inplace_on_non_leaf_records_new_grad_fn(torch):
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y *= x
        assert type(y.grad_fn).__name__ == "MulBackward0"
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_a_view_taken_before_its_base_changed_in_place_reads_the_new_value(torch):
    """As in PyTorch, such a view's grad_fn is made again (AsStridedBackward0 of the base's new
    history) when it is used, so its gradient sees the write (tests/test_views.py has more)."""
    results = []
    for library in (gradlab, torch):
        x = library.ones(3, requires_grad=True)
        t = x * 1
        view = t[:2]
        t[0] = 5.0
        view.sum().backward()
        node = view.grad_fn
        results.append((type(node).__name__, type(node.next_functions[0][0]).__name__, x.grad.tolist()))
    assert results[0] == results[1] == ("AsStridedBackward0", "CopySlices", [0.0, 1.0, 0.0])


def test_grad_of_several_outputs_of_one_node(torch):
    """a, b = x.split(2): both outputs are roots of one node, which runs once with both gradients."""
    results = []
    for library in (gradlab, torch):
        x = library.arange(4.0, requires_grad=True)
        a, b = x.split(2)
        (grad,) = library.autograd.grad([a, b], [x], [library.ones(2), 2 * library.ones(2)],
                                        retain_graph=True)
        library.autograd.backward([a, b], [library.ones(2), 2 * library.ones(2)])
        results.append((grad.tolist(), x.grad.tolist()))
    assert results[0] == results[1] == ([1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0])


def test_a_saved_detached_copy_is_not_taken_for_the_tensor(torch):
    """x * x.detach(): the detached factor is a constant, so the gradient does not require grad."""
    results = []
    for library in (gradlab, torch):
        x = library.tensor([1.0, 2.0], requires_grad=True)
        (times,) = library.autograd.grad((x * x.detach()).sum(), x, create_graph=True)
        (over,) = library.autograd.grad((x / x.data).sum(), x, create_graph=True)
        results.append((times.tolist(), times.requires_grad, over.tolist(), over.requires_grad))
    assert results[0] == results[1] == ([1.0, 2.0], False, [1.0, 0.5], False)
