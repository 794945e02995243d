"""Hooks in the engine (gradlab/autograd/engine.py), against PyTorch: what they receive, when
they run, and what they may return (a hook's result is checked as PyTorch checks it)."""
import warnings

import numpy as np
import pytest
from helpers import compare_with_torch, graph_edges

import gradlab

TWO = np.array([1.0, 2.0], dtype=np.float32)


# ------------------------------------------------------------ what a hook may return
def _leaf_hook_returning(make):
    def run(lib, x):
        def hook(grad):
            return make(lib, grad)
        x.register_hook(hook)
        (x * 2).sum().backward()
        return x.grad
    return run


def _non_leaf_hook_returning(make, retain=False):
    def run(lib, x):
        y = x * 2
        if retain:
            y.retain_grad()

        def hook(grad):
            return make(lib, grad)
        y.register_hook(hook)
        (y * 3).sum().backward()
        return x.grad
    return run


@pytest.mark.parametrize("run", [
    _leaf_hook_returning(lambda lib, grad: lib.ones(1)),  # would make x.grad shape [1]
    _leaf_hook_returning(lambda lib, grad: lib.ones(1, 2)),
    _non_leaf_hook_returning(lambda lib, grad: lib.ones(3, 2)),  # would be summed back
    _non_leaf_hook_returning(lambda lib, grad: lib.ones(1), retain=True),
], ids=["leaf-[1]", "leaf-[1,2]", "non-leaf-[3,2]", "retained-[1]"])
def test_a_tensor_hook_may_not_change_the_shape(run):
    error = compare_with_torch(run, TWO, raises=RuntimeError, match="has changed the size of value")
    assert str(error).startswith("hook 'hook' has changed the size of value")


@pytest.mark.parametrize("run", [
    _leaf_hook_returning(lambda lib, grad: grad.double()),
    _leaf_hook_returning(lambda lib, grad: grad.long()),
    _non_leaf_hook_returning(lambda lib, grad: grad.double()),
], ids=["leaf-float64", "leaf-int64", "non-leaf-float64"])
def test_a_tensor_hook_may_not_change_the_dtype(run):
    error = compare_with_torch(run, TWO, raises=RuntimeError, match="has changed the type of value")
    assert "(was torch.FloatTensor got torch." in str(error)


@pytest.mark.parametrize("run", [
    _leaf_hook_returning(lambda lib, grad: [1.0, 1.0]),
    _leaf_hook_returning(lambda lib, grad: 3.0),
    _non_leaf_hook_returning(lambda lib, grad: (grad,)),
], ids=["list", "float", "tuple"])
def test_a_tensor_hook_returns_a_tensor(run):
    compare_with_torch(run, TWO, raises=TypeError, match="but hook returned")


def test_the_message_names_the_hook_or_says_unknown(torch):
    class Doubler:
        def __call__(self, grad):
            return grad.double()

    for hook, name in ((lambda grad: grad.double(), "'<lambda>'"), (Doubler(), "'<unknown>'")):
        def run(lib, x, hook=hook):
            x.register_hook(hook)
            (x * 2).sum().backward()
        error = compare_with_torch(run, TWO, raises=RuntimeError)
        assert f"hook {name} has changed the type" in str(error)


def test_a_valid_replacement_is_used(torch):
    def run(lib, x):
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda grad: grad * 10)
        x.register_hook(lambda grad: grad + 1)
        (y * 3).sum().backward()
        return x.grad, y.grad
    compare_with_torch(run, TWO)


def test_a_leaf_hook_cannot_make_sgd_broadcast_a_wrong_gradient():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda grad: gradlab.ones(1))
    optimizer = gradlab.optim.SGD([x], lr=0.1)
    with pytest.raises(RuntimeError, match="has changed the size of value"):
        (x * 2).sum().backward()
    optimizer.step()  # nothing was accumulated: x.grad is None, x is unchanged
    assert x.grad is None and x.tolist() == [1.0, 2.0]


def _post_hook_returning(make):
    def run(lib, x, w):
        y = x * w

        def hook(grad_inputs, grad_outputs):
            return make(lib, grad_inputs)
        y.grad_fn.register_hook(hook)
        y.sum().backward()
        return x.grad, w.grad
    return run


def test_a_node_post_hook_returns_one_gradient_per_input():
    three = _post_hook_returning(lambda lib, grads: (grads[0], grads[1], grads[1]))
    error = compare_with_torch(three, TWO, TWO, raises=RuntimeError)
    assert str(error).startswith(
        "hook 'hook' has returned an incorrect number of values (got 3, but expected 2)")
    one = _post_hook_returning(lambda lib, grads: (grads[0],))
    compare_with_torch(one, TWO, TWO, raises=RuntimeError, match="(got 1, but expected 2)")


@pytest.mark.parametrize("make, error, match", [
    (lambda lib, grads: (lib.ones(5), grads[1]), RuntimeError, "has changed the size of value"),
    (lambda lib, grads: (grads[0].double(), grads[1]), RuntimeError, "has changed the type of value"),
    (lambda lib, grads: [grads[0], grads[1]], TypeError, "expected tuple, but hook returned 'list'"),
    (lambda lib, grads: grads[0], TypeError, "expected tuple, but hook returned 'Tensor'"),
    (lambda lib, grads: (1.0, grads[1]), TypeError, "expected Variable, but hook returned 'float'"),
], ids=["size", "dtype", "list", "tensor", "float"])
def test_a_node_post_hook_result_is_checked(make, error, match):
    compare_with_torch(_post_hook_returning(make), TWO, TWO, raises=error, match=match)


def test_a_node_post_hook_may_drop_or_replace_gradients(torch):
    def run(lib, x, w):
        y = x * w
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (None, grad_inputs[1] * 3))
        y.sum().backward()
        return x.grad, w.grad
    compare_with_torch(run, TWO, TWO, requires_grad=[True, True])
    x = gradlab.tensor(TWO, requires_grad=True)
    w = gradlab.tensor(TWO, requires_grad=True)
    y = x * w
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (None, grad_inputs[1] * 3))
    y.sum().backward()
    assert x.grad is None and w.grad.tolist() == [3.0, 6.0]


def test_a_hook_cannot_invent_a_gradient_where_none_flows():
    def run(lib, x):
        y = x * lib.ones(2)  # the constant's slot gets no gradient
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0], lib.ones(2)))
        y.sum().backward()
    compare_with_torch(run, TWO, raises=RuntimeError,
                       match="can't replace a None gradient with a non-None value")


def _pre_hook_returning(make):
    def run(lib, x):
        y = x * 2

        def hook(grad_outputs):
            return make(lib, grad_outputs)
        y.grad_fn.register_prehook(hook)
        y.sum().backward()
        return x.grad
    return run


@pytest.mark.parametrize("make, error, match", [
    (lambda lib, grads: (lib.ones(5),), RuntimeError, "has changed the size of value"),
    (lambda lib, grads: (grads[0], grads[0]), RuntimeError, "(got 2, but expected 1)"),
    (lambda lib, grads: (), RuntimeError, "(got 0, but expected 1)"),
    (lambda lib, grads: [grads[0]], TypeError, "expected tuple, but hook returned 'list'"),
    (lambda lib, grads: (grads[0].double(),), RuntimeError, "has changed the type of value"),
], ids=["size", "two", "none", "list", "dtype"])
def test_a_node_pre_hook_result_is_checked(make, error, match):
    compare_with_torch(_pre_hook_returning(make), TWO, raises=error, match=match)


def test_a_node_pre_hook_may_scale_the_gradient(torch):
    compare_with_torch(_pre_hook_returning(lambda lib, grads: (grads[0] * 5,)), TWO)


def test_accumulate_grad_hooks_are_checked_too():
    def pre(lib, x):
        y = x * 2
        y.grad_fn.next_functions[0][0].register_prehook(lambda grads: (lib.ones(5),))
        y.sum().backward()
    compare_with_torch(pre, TWO, raises=RuntimeError, match="has changed the size of value")

    def post(lib, x):
        y = x * 2
        y.grad_fn.next_functions[0][0].register_hook(lambda grad_inputs, grad_outputs: grad_outputs)
        y.sum().backward()
    compare_with_torch(post, TWO, raises=RuntimeError, match="(got 1, but expected 0)")


def test_accumulate_grad_post_hook_sees_no_inputs_and_the_gradient(torch):
    seen = {}
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        record = []
        y.grad_fn.next_functions[0][0].register_hook(
            lambda grad_inputs, grad_outputs: record.append(
                (grad_inputs, [g.tolist() for g in grad_outputs], x.grad is not None)))
        y.sum().backward()
        seen[lib.__name__] = record
    assert seen["gradlab"] == seen["torch"] == [((), [[2.0, 2.0]], True)]


def test_post_accumulate_grad_hooks_run_after_grad_changed(torch):
    seen = {}
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        order = []
        x.register_post_accumulate_grad_hook(lambda leaf: order.append(("post-accumulate", leaf is x,
                                                                        leaf.grad.tolist())))
        x.register_hook(lambda grad: order.append(("tensor hook", None, grad.tolist())))
        y = x * 2
        accumulator = y.grad_fn.next_functions[0][0]
        accumulator.register_hook(lambda grad_inputs, grad_outputs: order.append(("node post", None, None)))
        y.sum().backward()
        lib.autograd.grad((x * 3).sum(), x)  # grad() leaves .grad alone: no post-accumulate hook
        seen[lib.__name__] = order
    assert seen["gradlab"] == seen["torch"]


@pytest.mark.parametrize("make, error, match", [
    (lambda lib, x: lib.ones(2), RuntimeError, "Tensor post accumulate grad hooks should return None."),
    (lambda lib, x: lib.ones(1), RuntimeError, "has changed the size of value"),
], ids=["a tensor", "a wrong size"])
def test_post_accumulate_grad_hooks_return_none(make, error, match):
    def run(lib, x):
        def hook(leaf):
            return make(lib, leaf)
        x.register_post_accumulate_grad_hook(hook)
        (x * 2).sum().backward()
    compare_with_torch(run, TWO, raises=error, match=match)


def test_post_accumulate_grad_hooks_are_for_leaves():
    def run(lib, x):
        (x * 1).register_post_accumulate_grad_hook(lambda leaf: None)
    compare_with_torch(run, TWO, raises=RuntimeError,
                       match="post accumulate grad hooks cannot be registered on non-leaf tensors")


# ------------------------------------------------------------ what a hook receives
def test_a_hook_on_an_output_without_gradient_is_called_with_none(torch):
    seen = {}
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, b = x.unbind()
        record = []
        b.register_hook(lambda grad: record.append(("tensor", grad)))
        a.grad_fn.register_prehook(lambda grads: record.append(("pre", [g is None for g in grads])))
        a.backward()
        seen[lib.__name__] = (record, x.grad.tolist())
    assert seen["gradlab"] == seen["torch"]


def test_a_hook_cannot_replace_a_missing_gradient():
    def run(lib, x):
        a, b = x.unbind()
        b.register_hook(lambda grad: lib.ones(()))
        a.backward()
    compare_with_torch(run, TWO, raises=RuntimeError,
                       match="can't replace a None gradient with a non-None value")


def test_hooks_run_in_the_grad_mode_of_the_backward_pass(torch):
    seen = {}
    for lib in (gradlab, torch):
        record = []
        for create_graph in (False, True):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            h = x * 1
            h.register_hook(lambda grad: record.append(("tensor", lib.is_grad_enabled())))
            h.grad_fn.register_prehook(lambda grads: record.append(("pre", lib.is_grad_enabled())))
            h.grad_fn.register_hook(lambda gi, go: record.append(("post", lib.is_grad_enabled())))
            x.register_hook(lambda grad: record.append(("leaf", lib.is_grad_enabled())))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch's note on create_graph with backward()
                (h * h).sum().backward(create_graph=create_graph)
        seen[lib.__name__] = record
    assert seen["gradlab"] == seen["torch"]


def test_retain_grad_stores_after_the_tensor_hooks_and_before_node_pre_hooks(torch):
    def run(lib, x):
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda grad: grad * 10)  # registered after retain_grad, still runs first
        y.grad_fn.register_prehook(lambda grads: (grads[0] * 100,))
        (y * 3).sum().backward()
        return x.grad, y.grad
    compare_with_torch(run, TWO)


def test_retain_grad_follows_the_tensor_through_an_in_place_change(torch):
    seen = {}
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        h.retain_grad()
        record = []
        h.register_hook(lambda grad: record.append(("before", grad.tolist())))
        h.mul_(2)
        h.register_hook(lambda grad: record.append(("after", grad.tolist())))
        (h * 3).sum().backward()
        seen[lib.__name__] = (record, h.grad.tolist(), x.grad.tolist())
    assert seen["gradlab"] == seen["torch"]


def test_gradients_kept_with_create_graph_are_copies_in_the_graph(torch):
    seen = {}
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        h.retain_grad()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (h * h).sum().backward(create_graph=True)
            first = (graph_edges(h.grad.grad_fn), graph_edges(x.grad.grad_fn))
            (h * h).sum().backward(create_graph=True)
        seen[lib.__name__] = (first, type(h.grad.grad_fn).__name__, type(x.grad.grad_fn).__name__)
    assert seen["gradlab"] == seen["torch"]
    assert seen["gradlab"][0][0][0] == "CloneBackward0"
    assert seen["gradlab"][0][1][0] == "CopyBackwards"


# ------------------------------------------------------------ hooks and grad(), inputs=
def test_grad_runs_leaf_hooks_and_returns_their_result(torch):
    def run(lib, x):
        x.register_hook(lambda grad: grad * 10)
        return lib.autograd.grad((x * 2).sum(), x)
    compare_with_torch(run, TWO)


def test_grad_reads_a_needed_tensor_before_its_hooks_and_an_end_tensor_after(torch):
    seen = {}
    for lib in (gradlab, torch):
        results = []
        for wanted in ("h and x", "h"):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            h = x * 2
            h.register_hook(lambda grad: grad * 10)
            h.grad_fn.register_prehook(lambda grads: results.append("pre-hook of h's node ran"))
            y = (h * 3).sum()
            inputs = [h, x] if wanted == "h and x" else [h]
            results.append([g.tolist() for g in lib.autograd.grad(y, inputs)])
        seen[lib.__name__] = results
    assert seen["gradlab"] == seen["torch"]


def test_backward_inputs_gives_a_non_leaf_input_its_grad(torch):
    seen = {}
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * x
        (h * 3).sum().backward(inputs=[h])
        seen[lib.__name__] = (h.grad.tolist(), x.grad, h.retains_grad)
    assert seen["gradlab"] == seen["torch"]


def test_nothing_runs_when_no_wanted_gradient_is_below(torch):
    seen = {}
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).sum()
        ran = []
        y.grad_fn.register_prehook(lambda grads: ran.append("sum"))
        y.backward(inputs=[w], retain_graph=True)
        unused = lib.autograd.grad(y, [w], allow_unused=True, retain_graph=True)
        itself = lib.autograd.grad(y, [y])
        seen[lib.__name__] = (ran, unused, itself[0].item())
    assert seen["gradlab"] == seen["torch"]


# ------------------------------------------------------------ the starting gradient
@pytest.mark.parametrize("call", [
    lambda lib, y: y.backward([1.0, 1.0]),
    lambda lib, y: y.backward(gradient=[1.0, 1.0]),
    lambda lib, y: y.backward([[1.0, 1.0]]),
    lambda lib, y: lib.autograd.backward(y, [1.0, 1.0]),
    lambda lib, y: lib.autograd.grad(y, y, [1.0, 1.0]),
    lambda lib, y: y.sum().backward([1.0]),
], ids=["list", "gradient=list", "nested", "autograd.backward", "grad", "scalar"])
def test_a_gradient_given_as_a_list_is_refused_as_pytorch_does(call):
    def run(lib, x):
        call(lib, x * 3)
    error = compare_with_torch(run, TWO, raises=TypeError,
                               match="gradients can be either Tensors or None, but got")
    assert "torch.tensor(" in str(error)  # the hint: make it a tensor


def test_too_few_gradients_are_refused_and_extra_ones_ignored(torch):
    def too_few(lib, x):
        lib.autograd.backward([x * 3, x * 2], [lib.ones(2)])
    compare_with_torch(too_few, TWO, raises=RuntimeError, match="got 2 tensors and 1 gradients")

    def extra(lib, x):
        lib.autograd.backward([x * 3], [lib.ones(2), lib.ones(2)])  # as PyTorch: the second is unused
        return x.grad
    compare_with_torch(extra, TWO)
