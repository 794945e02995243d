"""Tests for gradlab/ops/shape.py: reshape/view, flatten, t, transpose, permute,
squeeze/unsqueeze, expand, repeat, split/chunk/unbind, narrow, cat and stack.

Every op is checked numerically (gradcheck in float64) and, when PyTorch is
installed, against it: values, input gradients for a random upstream
gradient, the grad_fn class and the whole next_functions layout.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradlab
from gradlab.autograd import gradcheck, gradgradcheck


# ------------------------------------------------------------------ helpers
def layout(node):
    """A grad_fn as nested ``(name, ((child, output_nr), ...))``, None for empty slots."""
    if node is None:
        return None
    return (type(node).__name__, tuple((layout(child), nr) for child, nr in node.next_functions))


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def compare_with_torch(fn, *shapes, seed=0):
    """Run ``fn(module, *leaves)`` with gradlab and with torch on the same float64 data.

    Checks values, grad_fn layout, output_nr and leaf gradients for a random
    upstream gradient; returns gradlab's outputs.
    """
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    ours = [gradlab.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    outputs, references = _as_tuple(fn(gradlab, *ours)), _as_tuple(fn(torch, *theirs))
    assert len(outputs) == len(references)
    loss_ours, loss_theirs = 0, 0
    for out, ref in zip(outputs, references):
        assert tuple(out.shape) == tuple(ref.shape)
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy())
        assert layout(out.grad_fn) == layout(ref.grad_fn)
        assert out.output_nr == ref.output_nr
        assert (out._base is not None) == (ref._base is not None), "view-ness differs"
        upstream = rng.standard_normal(tuple(ref.shape))
        loss_ours = loss_ours + (out * gradlab.tensor(upstream)).sum()
        loss_theirs = loss_theirs + (ref * torch.tensor(upstream)).sum()
    loss_ours.backward()
    loss_theirs.backward()
    for mine, reference in zip(ours, theirs):
        assert (mine.grad is None) == (reference.grad is None)
        if reference.grad is not None:
            np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), atol=1e-12)
    return outputs


def check_gradients(fn, *shapes, double=False, seed=1):
    """gradcheck (and gradgradcheck when ``double``) of ``fn`` at random float64 inputs."""
    rng = np.random.default_rng(seed)
    inputs = tuple(gradlab.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert gradcheck(fn, inputs)
    if double:
        assert gradgradcheck(fn, inputs)


def same_error(fn, *shapes, match=None):
    """gradlab raises the exception type PyTorch raises; message checked against ``match``."""
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in shapes]
    with pytest.raises(Exception) as ours:
        fn(gradlab, *[gradlab.tensor(a, requires_grad=True) for a in arrays])
    if match is not None:
        assert match in str(ours.value), str(ours.value)
    try:
        import torch
    except ImportError:
        return ours.value
    with pytest.raises(Exception) as theirs:
        fn(torch, *[torch.tensor(a, requires_grad=True) for a in arrays])
    assert isinstance(ours.value, type(theirs.value)) or isinstance(theirs.value, type(ours.value)), \
        (ours.value, theirs.value)
    if match is not None:
        assert match in str(theirs.value), str(theirs.value)
    return ours.value


# ------------------------------------------------------------ reshape / view
@pytest.mark.parametrize("shape, target", [
    ((2, 3, 4), (6, 4)), ((2, 3, 4), (-1,)), ((2, 3, 4), (4, -1, 3)), ((2, 3, 4), (2, 3, 4)),
    ((), (1, 1)), ((1,), ()), ((6,), (2, 1, 3)), ((0, 3), (3, -1)),
])
def test_reshape_and_view_match_torch(shape, target):
    compare_with_torch(lambda m, x: x.reshape(target), shape)
    compare_with_torch(lambda m, x: x.view(target), shape)
    compare_with_torch(lambda m, x: m.reshape(x * 2, target), shape)
    if target:
        compare_with_torch(lambda m, x: x.view(*target), shape)


def test_reshape_accepts_sizes_lists_and_size_objects():
    x = gradlab.zeros(2, 3)
    assert x.reshape(3, 2).shape == (3, 2)
    assert x.reshape([3, 2]).shape == (3, 2)
    assert x.view(gradlab.Size([6])).shape == (6,)
    assert x.view_as(gradlab.zeros(3, 2)).shape == (3, 2)


def test_reshape_of_transposed_copies_like_torch():
    out, = compare_with_torch(lambda m, x: x.t().reshape(-1), (3, 4))
    assert type(out.grad_fn).__name__ == "UnsafeViewBackward0"
    compare_with_torch(lambda m, x: x.transpose(0, 1).flatten(), (2, 3, 4))


def test_view_of_transposed_fails_like_torch():
    same_error(lambda m, x: x.t().view(-1), (3, 4), match="view size is not compatible")


@pytest.mark.parametrize("target, match", [
    ((7, -1), "shape '[7, -1]' is invalid for input of size 24"),
    ((-1, -1), "only one dimension can be inferred"),
    ((-2, 12), "invalid shape dimension -2"),
    ((5,), "is invalid for input of size 24"),
])
def test_reshape_errors(target, match):
    same_error(lambda m, x: x.reshape(target), (2, 3, 4), match=match)
    same_error(lambda m, x: x.view(*target), (2, 3, 4), match=match)


def test_reshape_without_sizes_is_a_type_error():
    same_error(lambda m, x: x.view(), (1,))
    same_error(lambda m, x: x.reshape(), (1,))


def test_reshape_errors_for_ambiguous_empty_and_float_sizes():
    same_error(lambda m, x: x.reshape(-1, 0), (0, 3), match="ambiguous")
    same_error(lambda m, x: x.reshape(2.5), (5,), match="must be tuple of ints, not float")


def test_view_shares_memory_and_version_counter():
    x = gradlab.arange(6.0).requires_grad_()
    y = x.view(2, 3)
    with gradlab.no_grad():
        y[0, 0] = 100.0
    assert x[0].item() == 100.0
    assert x._version == y._version == 1
    assert y._base is x


@pytest.mark.parametrize("shape", [(2, 3, 4), (6,), ()])
def test_reshape_gradcheck(shape):
    check_gradients(lambda x: x.reshape(-1), shape, double=True)


# ---------------------------------------------------------------- flatten
@pytest.mark.parametrize("start, end", [(0, -1), (1, -1), (0, 1), (-2, -1), (1, 2)])
def test_flatten_matches_torch(start, end):
    compare_with_torch(lambda m, x: x.flatten(start, end), (2, 3, 4, 2))
    compare_with_torch(lambda m, x: m.flatten(x, start, end), (2, 3, 4, 2))
    check_gradients(lambda x: x.flatten(start, end), (2, 3, 2, 1))


def test_flatten_returns_the_same_object_when_nothing_changes():
    torch = pytest.importorskip("torch")
    for module in (gradlab, torch):
        v = module.ones(3, requires_grad=True)
        x = module.ones(2, 3, 4, requires_grad=True)
        assert v.flatten() is v
        assert x.flatten(1, 1) is x and x.flatten(-1) is x
    compare_with_torch(lambda m, x: x.flatten(), ())  # a 0-d tensor becomes (1,)


def test_flatten_errors():
    same_error(lambda m, x: x.flatten(2, 0), (2, 3, 4), match="start_dim cannot come after end_dim")
    same_error(lambda m, x: x.flatten(5), (2, 3, 4), match="Dimension out of range")


# ----------------------------------------------------- t / transpose / permute
@pytest.mark.parametrize("shape", [(), (3,), (3, 4)])
def test_t_matches_torch(shape):
    compare_with_torch(lambda m, x: x.t(), shape)
    compare_with_torch(lambda m, x: m.t(x), shape)
    check_gradients(lambda x: x.t(), shape, double=True)


def test_t_rejects_more_than_two_dims():
    same_error(lambda m, x: x.t(), (2, 3, 4),
               match="t() expects a tensor with <= 2 dimensions, but self is 3D")


@pytest.mark.parametrize("dims", [(0, 1), (0, 2), (-1, 0), (1, 1), (-3, -2)])
def test_transpose_swapaxes_swapdims_match_torch(dims):
    compare_with_torch(lambda m, x: x.transpose(*dims), (2, 3, 4))
    compare_with_torch(lambda m, x: m.swapaxes(x, *dims), (2, 3, 4))
    compare_with_torch(lambda m, x: x.swapdims(*dims), (2, 3, 4))
    check_gradients(lambda x: gradlab.transpose(x, *dims), (2, 3, 2), double=True)


def test_transpose_errors():
    same_error(lambda m, x: x.transpose(0, 3), (2, 3, 4),
               match="Dimension out of range (expected to be in range of [-3, 2], but got 3)")


@pytest.mark.parametrize("dims", [(2, 0, 1), (0, 1, 2), (-1, -3, 1), (1, 2, 0)])
def test_permute_matches_torch(dims):
    compare_with_torch(lambda m, x: x.permute(*dims), (2, 3, 4))
    compare_with_torch(lambda m, x: x.permute(dims), (2, 3, 4))
    compare_with_torch(lambda m, x: x.permute(list(dims)), (2, 3, 4))
    compare_with_torch(lambda m, x: m.permute(x, dims), (2, 3, 4))
    check_gradients(lambda x: x.permute(dims), (2, 3, 2), double=True)


def test_T_of_a_matrix_matches_torch():
    compare_with_torch(lambda m, x: x.T, (3, 4))


@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)])
def test_T_reverses_all_dimensions_with_permute(shape):
    out = gradlab.zeros(shape, requires_grad=True).T
    assert type(out.grad_fn).__name__ == "PermuteBackward0"
    assert out.shape == tuple(reversed(shape))


@pytest.mark.parametrize("dims, match", [
    ((0, 1), "input.dim() = 3 is not equal to len(dims) = 2"),
    ((0, 1, 1), "duplicate dims are not allowed"),
    ((0, 1, 3), "Dimension out of range"),
])
def test_permute_errors(dims, match):
    same_error(lambda m, x: x.permute(*dims), (2, 3, 4), match=match)


# ------------------------------------------------------ squeeze / unsqueeze
@pytest.mark.parametrize("dim", [0, 1, 3, -1, -4])
def test_unsqueeze_matches_torch(dim):
    compare_with_torch(lambda m, x: x.unsqueeze(dim), (2, 3, 4))
    compare_with_torch(lambda m, x: m.unsqueeze(x, dim), (2, 3, 4))
    check_gradients(lambda x: x.unsqueeze(dim), (2, 3, 2), double=True)


def test_unsqueeze_errors():
    same_error(lambda m, x: x.unsqueeze(4), (2, 3, 4),
               match="Dimension out of range (expected to be in range of [-4, 3], but got 4)")


@pytest.mark.parametrize("args", [(), (0,), (1,), (2,), (-1,), ((0, 2),), ([0, 1, 2],), ((),)])
def test_squeeze_matches_torch(args):
    out, = compare_with_torch(lambda m, x: x.squeeze(*args), (1, 3, 1))
    compare_with_torch(lambda m, x: m.squeeze(x, *args), (1, 3, 1))
    expected = {0: "SqueezeBackward0", 1: "SqueezeBackward1"}.get(
        len(args) if not args or not isinstance(args[0], (tuple, list)) else 2, "SqueezeBackward2")
    assert type(out.grad_fn).__name__ == expected
    check_gradients(lambda x: x.squeeze(*args), (1, 3, 1), double=True)


def test_squeeze_errors():
    same_error(lambda m, x: x.squeeze(3), (1, 3, 1), match="Dimension out of range")
    same_error(lambda m, x: x.squeeze((0, 0)), (1, 3, 1), match="dim 0 appears multiple times")


# ------------------------------------------------------------ expand / repeat
@pytest.mark.parametrize("shape, sizes", [((3, 1), (3, 4)), ((1,), (2, 3, 5)), ((3, 1), (-1, 2)),
                                          ((), (2, 2))])
def test_expand_matches_torch(shape, sizes):
    compare_with_torch(lambda m, x: x.expand(*sizes), shape)
    compare_with_torch(lambda m, x: x.expand(sizes), shape)
    check_gradients(lambda x: x.expand(*sizes), shape, double=True)


@pytest.mark.parametrize("sizes, match", [
    ((3,), "expand(torch.DoubleTensor{[3, 1]}, size=[3]): the number of sizes provided (1)"),
    ((3, 4, 5), "must match the existing size (3) at non-singleton dimension 1"),
    ((-1, 3, 1), "isn't allowed in a leading, non-existing dimension 0"),
])
def test_expand_errors(sizes, match):
    same_error(lambda m, x: x.expand(*sizes), (3, 1), match=match)


@pytest.mark.parametrize("shape, repeats", [((2, 3), (2, 1)), ((2, 3), (1, 3)), ((3,), (2, 2)),
                                            ((2, 1, 3), (2, 2, 1, 2)), ((2, 3), (0, 1)), ((), (3,))])
def test_repeat_matches_torch(shape, repeats):
    compare_with_torch(lambda m, x: x.repeat(*repeats), shape)
    compare_with_torch(lambda m, x: x.repeat(repeats), shape)
    check_gradients(lambda x: x.repeat(*repeats), shape)


def test_repeat_double_backward():
    check_gradients(lambda x: x.repeat(2, 1, 3), (2, 3), double=True)


def test_repeat_errors():
    same_error(lambda m, x: x.repeat(2), (2, 3), match="can not be smaller than number of dimensions")
    same_error(lambda m, x: x.repeat(-1, 1), (2, 3), match="negative dimension -2")


# ------------------------------------------------------- split / chunk / unbind
@pytest.mark.parametrize("args", [(2,), (2, 1), (3, -1), (10,), ([1, 2],), ([1, 0, 3], 1), ((2, 2), -1)])
def test_split_matches_torch(args):
    outs = compare_with_torch(lambda m, x: x.split(*args), (3, 4, 4))
    compare_with_torch(lambda m, x: m.split(x, *args), (3, 4, 4))
    expected = "SplitWithSizesBackward0" if isinstance(args[0], (list, tuple)) else "SplitBackward0"
    assert {type(o.grad_fn).__name__ for o in outs} == {expected}
    assert len({id(o.grad_fn) for o in outs}) == 1, "one node shared by every piece"
    check_gradients(lambda x: x.split(*args), (3, 4, 4))


def test_split_pieces_are_views_of_the_input():
    x = gradlab.arange(6.0)
    first, second = x.split(3)
    first[0] = -1.0
    assert x[0].item() == -1.0
    assert first._version == x._version == second._version == 1


def test_split_gradient_of_unused_pieces_is_zero():
    compare_with_torch(lambda m, x: x.split(2)[1], (5, 2))
    compare_with_torch(lambda m, x: x.chunk(3, 1)[0], (2, 6))
    compare_with_torch(lambda m, x: x.unbind(1)[2], (2, 3))
    check_gradients(lambda x: x.split([1, 3], 1)[1] * 2, (2, 4), double=True)


@pytest.mark.parametrize("chunks, dim", [(2, 0), (3, 1), (5, 1), (4, -1), (1, 0)])
def test_chunk_matches_torch(chunks, dim):
    compare_with_torch(lambda m, x: x.chunk(chunks, dim), (3, 4, 3))
    compare_with_torch(lambda m, x: m.chunk(x, chunks, dim), (3, 4, 3))
    check_gradients(lambda x: x.chunk(chunks, dim), (3, 4, 3))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind_matches_torch(dim):
    compare_with_torch(lambda m, x: x.unbind(dim), (2, 3, 4))
    compare_with_torch(lambda m, x: m.unbind(x, dim), (2, 3, 4))
    check_gradients(lambda x: x.unbind(dim), (2, 3, 2), double=True)


@pytest.mark.parametrize("call, match", [
    (lambda m, x: x.split(0), "split_size can only be 0 if dimension size is 0"),
    (lambda m, x: x.split(-1), "split expects split_size be non-negative"),
    (lambda m, x: x.split([1, 1]), "split_with_sizes expects split_sizes to sum exactly to 3"),
    (lambda m, x: x.split([4, -1]), "only non-negative entries"),
    (lambda m, x: x.split(1, 2), "Dimension out of range"),
    (lambda m, x: x.chunk(0), "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda m, x: x.unbind(2), "Dimension out of range"),
])
def test_split_chunk_unbind_errors(call, match):
    same_error(call, (3, 4), match=match)


# ------------------------------------------------------------------ narrow
@pytest.mark.parametrize("dim, start, length", [(0, 1, 2), (1, -2, 2), (-1, 0, 0), (0, 3, 0)])
def test_narrow_matches_torch(dim, start, length):
    out, = compare_with_torch(lambda m, x: m.narrow(x, dim, start, length), (3, 4))
    assert type(out.grad_fn).__name__ == "SliceBackward0"
    check_gradients(lambda x: gradlab.narrow(x, dim, start, length), (3, 4), double=True)


@pytest.mark.parametrize("start, length, match", [
    (1, 5, "start (1) + length (5) exceeds dimension size (3)."),
    (4, 0, "start out of range (expected to be in range of [-3, 3], but got 4)"),
])
def test_narrow_errors(start, length, match):
    same_error(lambda m, x: m.narrow(x, 0, start, length), (3, 4), match=match)


# ------------------------------------------------------------- cat / stack
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_matches_torch(dim):
    compare_with_torch(lambda m, a, b: m.cat([a, b * 2], dim), (2, 3), (2, 3))
    check_gradients(lambda a, b: gradlab.cat((a, b), dim), (2, 3), (2, 3), double=True)


def test_cat_with_different_sizes_and_empty_tensors():
    compare_with_torch(lambda m, a, b: m.cat([a, b], 1), (2, 3), (2, 1))
    compare_with_torch(lambda m, a, b: m.cat([b, a], 0), (2, 3), (0,))
    compare_with_torch(lambda m, a, b: m.concat((a, a), 0), (2, 3), (1,))


@pytest.mark.parametrize("call, match", [
    (lambda m, a, b: m.cat([a, b[0]]), "Tensors must have same number of dimensions: got 2 and 1"),
    (lambda m, a, b: m.cat([a, b], 2), "Dimension out of range"),
    (lambda m, a, b: m.cat([a, b[:, :2]], 0), "Sizes of tensors must match except in dimension 0"),
    (lambda m, a, b: m.cat([]), "expected a non-empty list of Tensors"),
    (lambda m, a, b: m.stack([a, b[0]]), "stack expects each tensor to be equal size"),
    (lambda m, a, b: m.stack([a, b], 3), "Dimension out of range"),
])
def test_cat_and_stack_errors(call, match):
    same_error(call, (2, 3), (2, 3), match=match)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_matches_torch(dim):
    compare_with_torch(lambda m, a, b: m.stack([a, b * 3], dim), (2, 3), (2, 3))
    check_gradients(lambda a, b: gradlab.stack((a, b), dim), (2, 3), (2, 3), double=True)


def test_double_backward_graphs_match_torch():
    """Backward is built from the same ops as PyTorch's, so create_graph graphs match too."""
    torch = pytest.importorskip("torch")
    calls = [lambda m, x: m.cat([x, x]), lambda m, x: m.stack([x, x]),
             lambda m, x: x.split(2)[0], lambda m, x: x.unbind(0)[0],
             lambda m, x: x.transpose(0, 1), lambda m, x: x.unsqueeze(0),
             lambda m, x: x.repeat(2, 1)]
    for call in calls:
        layouts = []
        for module in (gradlab, torch):
            x = module.ones(3, 4, dtype=module.float64, requires_grad=True)
            y = call(module, x)
            upstream = module.ones(tuple(y.shape), dtype=module.float64, requires_grad=True)
            grad, = module.autograd.grad(y, x, upstream, create_graph=True)
            layouts.append(layout(grad.grad_fn))
        assert layouts[0] == layouts[1]


# ------------------------------------------------------- property tests
@st.composite
def _shape_and_permutation(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple))
    dims = draw(st.permutations(range(len(shape))))
    target_split = draw(st.integers(0, len(shape)))
    return shape, tuple(dims), target_split


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_shape_and_permutation())
def test_permute_then_reshape_matches_torch(case):
    shape, dims, split_at = case
    permuted = tuple(shape[d] for d in dims)
    target = (int(np.prod(permuted[:split_at])), -1)
    compare_with_torch(lambda m, x: x.permute(dims).reshape(target), shape)
    compare_with_torch(lambda m, x: x.reshape(-1).view(shape), shape)
