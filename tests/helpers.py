"""What the test modules share: one comparison with PyTorch and one way to spell a graph.

``compare_with_torch(function, *inputs)`` runs ``function(library, *tensors)`` once with
gradlab and once with PyTorch, on tensors made from the same NumPy arrays, and checks what
a student sees: values, dtype, shape, ``requires_grad``, view or copy, the whole grad_fn
graph and the input gradients for one random upstream gradient (second-order ones too
when asked). With ``raises=`` it checks instead that both raise the same error, meaning
the same. ``graph_edges(node)`` spells a grad_fn and everything below it as nested tuples,
so a whole graph compares with ``==`` and reads in an assertion.

Test modules import them as ``from helpers import compare_with_torch, graph_edges``:
pytest puts ``tests/`` on ``sys.path`` (tests/ has no ``__init__.py``), as it does for
``lesson_exercise_checks``.
"""
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

import gradlab
from gradlab.autograd import gradcheck, gradgradcheck


def graph_edges(node):
    """``node`` and everything below it as ``(name, ((child, output_nr), ...))``; None for an empty slot.

    ``graph_edges((a * 2).grad_fn)`` for a leaf ``a`` is
    ``("MulBackward0", ((("AccumulateGrad", ()), 0), (None, 0)))``.
    """
    if node is None:
        return None
    return (type(node).__name__,
            tuple((graph_edges(child), output_nr) for child, output_nr in node.next_functions))


def compare_with_torch(function, *inputs, requires_grad=None, rtol=None, atol=None,
                       second_order=False, seed=0, upstream=None, raises=None, match=None,
                       reworded=False):
    """Run ``function(library, *tensors)`` with gradlab and with PyTorch; assert they agree.

    inputs: NumPy arrays or scalars, made into one tensor per library (anything else is
        passed as is).
    requires_grad: one flag per input, or one for all; by default every floating-point array.
    rtol, atol: for values and gradients; by default 1e-7 and 0 for float64, 1e-5 and 1e-6
        for the other floating dtypes; integers and booleans must be equal.
    second_order: build the gradients with ``create_graph`` and compare the gradients of
        ``sum(grad ** 2)`` with respect to the inputs too.
    seed: of the random upstream gradient.
    upstream: ``upstream(shape, rng)`` makes the upstream gradient of each output instead
        (``nonfinite_upstream``: one with NaN or inf entries; NaN positions must then match).
    raises: instead of a result, both must raise this type (``Exception``: any), exactly
        the same type, and gradlab's message must start with PyTorch's whole message
        (not asked of PyTorch's "invalid combination of arguments" listings).
    match: with ``raises``, a phrase that both messages contain.
    reworded: with ``raises``, gradlab says it in its own words: its message need not start
        with PyTorch's (``match`` still holds for both).

    Returns gradlab's result (what ``function`` returned) or, with ``raises``, its exception.
    Skips the test when PyTorch is not installed; an expected error is still checked in
    gradlab first, and that check does not skip.
    """
    if requires_grad is None:
        requires_grad = [_is_array(x) and x.dtype.kind == "f" for x in inputs]
    elif isinstance(requires_grad, bool):
        requires_grad = [requires_grad] * len(inputs)
    if raises is not None:
        return _compare_errors(function, inputs, requires_grad, raises, match, reworded)
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's own deprecation notes; gradlab's stay visible
        expected = _run(torch, function, inputs, requires_grad, second_order, seed, upstream)
    actual = _run(gradlab, function, inputs, requires_grad, second_order, seed, upstream)
    assert len(actual.outputs) == len(expected.outputs)
    for mine, theirs in zip(actual.outputs, expected.outputs):
        if isinstance(theirs, torch.Tensor):
            _assert_same_tensor(mine, theirs, rtol, atol)
        else:
            assert mine == theirs
    _assert_same_grads(actual.grads, expected.grads, rtol, atol)
    if second_order:
        if not actual.second and expected.second:
            # gradlab's gradient was a constant (no graph); PyTorch's must then be all zeros
            assert all(g is None or not np.any(g.numpy()) for g in expected.second)
            expected.second = []
        _assert_same_grads(actual.second, expected.second, rtol, atol, none_is_zero=True)
    return actual.result


@dataclass
class _Run:
    """What one library made of ``function``: its result, outputs and gradients."""

    result: object
    outputs: tuple
    grads: list
    second: list


def _is_array(x):
    return isinstance(x, (np.ndarray, np.generic))  # a 0-d result of NumPy is a scalar


def _tensors(library, inputs, requires_grad):
    return [library.tensor(x, requires_grad=bool(flag)) if _is_array(x) else x
            for x, flag in zip(inputs, requires_grad)]


def _run(library, function, inputs, requires_grad, second_order, seed, make_upstream=None):
    tensors = _tensors(library, inputs, requires_grad)
    result = function(library, *tensors)
    outputs = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    leaves = [t for t in tensors if isinstance(t, library.Tensor) and t.requires_grad]
    differentiable = [out for out in outputs if isinstance(out, library.Tensor) and out.requires_grad]
    grads, second = [], []
    if leaves and differentiable:
        rng = np.random.default_rng(seed)
        make_upstream = make_upstream or (lambda shape, rng: rng.standard_normal(shape))
        upstream = [library.tensor(make_upstream(tuple(out.shape), rng), dtype=out.dtype)
                    for out in differentiable]
        grads = list(library.autograd.grad(differentiable, leaves, upstream,
                                           create_graph=second_order, allow_unused=True))
        if second_order:
            total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
            if isinstance(total, library.Tensor):
                second = list(library.autograd.grad(total, leaves, allow_unused=True))
    return _Run(result, outputs, grads, second)


def _assert_same_tensor(mine, theirs, rtol, atol):
    assert isinstance(mine, gradlab.Tensor), type(mine)
    assert str(mine.dtype) == str(theirs.dtype)
    assert tuple(mine.shape) == tuple(theirs.shape)
    _assert_close(mine.detach().numpy(), theirs.detach().numpy(force=True), rtol, atol)  # a ZeroTensor
    assert mine.requires_grad == theirs.requires_grad
    assert graph_edges(mine.grad_fn) == graph_edges(theirs.grad_fn)
    assert mine.output_nr == theirs.output_nr
    assert (mine._base is None) == (theirs._base is None), "one is a view, the other a copy"


def _assert_same_grads(mine, theirs, rtol, atol, none_is_zero=False):
    """``none_is_zero``: a second-order gradient that one graph leaves out (None) and the
    other computes as zeros is the same."""
    assert len(mine) == len(theirs)
    for grad, reference in zip(mine, theirs):
        if none_is_zero and (grad is None) != (reference is None):
            other = reference if grad is None else grad
            assert not np.any(other.detach().numpy(force=True)), other
            continue
        assert (grad is None) == (reference is None), (grad, reference)
        if reference is not None:  # force: PyTorch's all-zero gradients may be ZeroTensors
            assert str(grad.dtype) == str(reference.dtype)
            _assert_close(grad.detach().numpy(), reference.detach().numpy(force=True), rtol, atol)


def _assert_close(actual, expected, rtol, atol):
    assert actual.shape == expected.shape
    if expected.dtype.kind not in "fc":
        np.testing.assert_array_equal(actual, expected)
        return
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), err_msg="NaN positions differ")
    tight = expected.dtype == np.float64
    np.testing.assert_allclose(actual, expected,
                               rtol=(1e-7 if tight else 1e-5) if rtol is None else rtol,
                               atol=(0 if tight else 1e-6) if atol is None else atol)


def _compare_errors(function, inputs, requires_grad, raises, match, reworded):
    with pytest.raises(raises) as ours:
        function(gradlab, *_tensors(gradlab, inputs, requires_grad))
    message = str(ours.value)
    assert "Traceback" not in message, message
    if match is not None:
        assert match in message, message
    try:
        import torch
    except ImportError:
        return ours.value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as theirs:
            function(torch, *_tensors(torch, inputs, requires_grad))
    expected = str(theirs.value)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)
    assert "numpy" not in message.lower() or "numpy" in expected.lower(), message  # no NumPy internals
    if match is not None:
        assert match in expected, expected
    if not reworded and "invalid combination of arguments" not in expected:  # a parser dump
        assert message.startswith(expected), (message, expected)
    return ours.value


# ------------------------------------------------------------- inputs and gradcheck
def nonfinite_upstream(value, everywhere=False):
    """An ``upstream=`` for ``compare_with_torch``: random values with ``value`` (nan, inf or
    -inf) in the first entry, or in every entry. A backward must keep it where PyTorch does:
    multiplying by a 0/1 mask would turn the zeros into NaN (NaN · 0)."""
    def make(shape, rng):
        gradient = rng.standard_normal(shape)
        if everywhere:
            gradient[...] = value
        elif gradient.size:
            gradient.flat[0] = value
        return gradient

    return make


def double(*shape, seed=0):
    """A float64 array of standard-normal values, the same for a given seed."""
    return np.random.default_rng(seed).standard_normal(shape)


def leaf(array):
    """A gradlab leaf that requires grad."""
    return gradlab.tensor(array, requires_grad=True)


def gradient_of(function, upstream_requires_grad=True):
    """``(library, x) -> d function / dx``, built with ``create_graph`` for an upstream of ones
    that requires grad: comparing it compares double backward's graph and second derivatives.
    With ``upstream_requires_grad=False``, ``grad(function(x).sum(), x, create_graph=True)``:
    the gradient's graph then holds only what depends on x."""
    def gradient(library, x):
        out = function(library, x)
        upstream = library.ones_like(out, requires_grad=upstream_requires_grad)
        return library.autograd.grad(out, x, upstream, create_graph=True)[0]

    return gradient


def check_gradients(function, *shapes, second_order=False, seed=1):
    """gradcheck (and gradgradcheck with ``second_order``) of ``function`` at random float64 inputs."""
    rng = np.random.default_rng(seed)
    inputs = tuple(gradlab.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert gradcheck(function, inputs)
    if second_order:
        assert gradgradcheck(function, inputs)
