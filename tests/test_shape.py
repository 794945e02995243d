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
from helpers import check_gradients, compare_with_torch, double, gradient_of, graph_edges


# ------------------------------------------------------------ reshape / view
@pytest.mark.parametrize("shape, target", [
    ((2, 3, 4), (6, 4)), ((2, 3, 4), (-1,)), ((2, 3, 4), (4, -1, 3)), ((2, 3, 4), (2, 3, 4)),
    ((), (1, 1)), ((1,), ()), ((6,), (2, 1, 3)), ((0, 3), (3, -1)),
])
def test_reshape_and_view_match_torch(shape, target):
    compare_with_torch(lambda m, x: x.reshape(target), double(*shape))
    compare_with_torch(lambda m, x: x.view(target), double(*shape))
    compare_with_torch(lambda m, x: m.reshape(x * 2, target), double(*shape))
    if target:
        compare_with_torch(lambda m, x: x.view(*target), double(*shape))


def test_reshape_accepts_sizes_lists_and_size_objects():
    x = gradlab.zeros(2, 3)
    assert x.reshape(3, 2).shape == (3, 2)
    assert x.reshape([3, 2]).shape == (3, 2)
    assert x.view(gradlab.Size([6])).shape == (6,)
    assert x.view_as(gradlab.zeros(3, 2)).shape == (3, 2)


def test_reshape_of_transposed_copies_like_torch():
    out = compare_with_torch(lambda m, x: x.t().reshape(-1), double(3, 4))
    assert type(out.grad_fn).__name__ == "UnsafeViewBackward0"
    compare_with_torch(lambda m, x: x.transpose(0, 1).flatten(), double(2, 3, 4))


def test_view_of_transposed_fails_like_torch():
    compare_with_torch(lambda m, x: x.t().view(-1), double(3, 4),
                       raises=RuntimeError, match="view size is not compatible")


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 4), (3, 2, 6), (6, 4), (2, 2, 6)])
def test_view_after_indexing_works_as_in_torch(shape):
    """PyTorch's ``x[:, idx]`` and what is computed from it are row-major (NumPy's are not):
    ``view`` works on them."""
    index = list(range(shape[1]))[::-1]
    compare_with_torch(lambda m, x: x[:, index].abs().view(-1, 6), double(*shape))
    compare_with_torch(lambda m, x: (x[:, index] * 2).view(-1), double(*shape))


@pytest.mark.parametrize("function", [
    lambda m, x: x.t().clone().view(-1),         # a copy keeps the transposed layout
    lambda m, x: x.t().exp().view(-1),           # so does a pointwise result
    lambda m, x: (x.t() + x.t().contiguous()).view(-1),  # the first operand's layout wins
    lambda m, x: m.zeros_like(x.t()).view(-1),
])
def test_views_torch_refuses_are_refused(function):
    compare_with_torch(function, double(3, 4), raises=RuntimeError, match="view size is not compatible")


@pytest.mark.parametrize("function", [
    lambda m, x: x.t().contiguous().view(-1),
    lambda m, x: (x.t().contiguous() + x.t()).view(-1),
    lambda m, x: x.t().softmax(0).view(-1),      # softmax writes row-major
    lambda m, x: x.t().sum(0, keepdim=True).view(-1),
    lambda m, x: m.cat([x.t(), x.t()]).view(-1),
])
def test_views_of_row_major_results_work(function):
    compare_with_torch(function, double(3, 4))


# every way to lay out a (2, 3, 4) tensor that gradlab's ops make, and shapes to read it with
LAYOUTS = [
    lambda x: x, lambda x: x.transpose(0, 2), lambda x: x.permute(1, 2, 0), lambda x: x[:, 1:],
    lambda x: x[..., ::2], lambda x: x[:, :1].expand(2, 3, 4), lambda x: x[:, [2, 0]],
    lambda x: x.permute(2, 0, 1).exp(), lambda x: x.transpose(1, 2).clone(), lambda x: x.mT[:, :2],
    lambda x: x.unsqueeze(1).transpose(1, 3), lambda x: x[:1].permute(2, 1, 0).squeeze(),
]
TARGETS = [(-1,), (2, -1), (-1, 2), (3, -1), (-1, 1), (1, -1, 2), (2, 2, -1)]


@pytest.mark.parametrize("layout", range(len(LAYOUTS)))
def test_view_and_reshape_choose_as_torch_on_every_layout(layout):
    """``view`` works exactly when PyTorch's does; ``reshape`` records the same node
    (ViewBackward0, ReshapeAliasBackward0, or CloneBackward0 then UnsafeViewBackward0)."""
    arrange = LAYOUTS[layout]
    for target in TARGETS:
        count = arrange(gradlab.zeros(2, 3, 4)).numel()
        if count % abs(np.prod(target)):
            continue
        compare_with_torch(lambda m, x: arrange(x).reshape(target), double(2, 3, 4))
        try:
            compare_with_torch(lambda m, x: arrange(x).view(target), double(2, 3, 4))
        except RuntimeError:  # gradlab refused: then so must PyTorch
            compare_with_torch(lambda m, x: arrange(x).view(target), double(2, 3, 4),
                               raises=RuntimeError, match="view size is not compatible")


@pytest.mark.parametrize("target, match", [
    ((7, -1), "shape '[7, -1]' is invalid for input of size 24"),
    ((-1, -1), "only one dimension can be inferred"),
    ((-2, 12), "invalid shape dimension -2"),
    ((5,), "is invalid for input of size 24"),
])
def test_reshape_errors(target, match):
    compare_with_torch(lambda m, x: x.reshape(target), double(2, 3, 4), raises=RuntimeError, match=match)
    compare_with_torch(lambda m, x: x.view(*target), double(2, 3, 4), raises=RuntimeError, match=match)


def test_reshape_without_sizes_is_a_type_error():
    compare_with_torch(lambda m, x: x.view(), double(1), raises=TypeError, reworded=True)
    compare_with_torch(lambda m, x: x.reshape(), double(1), raises=TypeError, reworded=True)


def test_reshape_errors_for_ambiguous_empty_and_float_sizes():
    compare_with_torch(lambda m, x: x.reshape(-1, 0), double(0, 3), raises=RuntimeError, match="ambiguous")
    compare_with_torch(lambda m, x: x.reshape(2.5), double(5),
                       raises=TypeError, match="must be tuple of ints, not float")


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
    check_gradients(lambda x: x.reshape(-1), shape, second_order=True)


# ---------------------------------------------------------------- flatten
@pytest.mark.parametrize("start, end", [(0, -1), (1, -1), (0, 1), (-2, -1), (1, 2)])
def test_flatten_matches_torch(start, end):
    compare_with_torch(lambda m, x: x.flatten(start, end), double(2, 3, 4, 2))
    compare_with_torch(lambda m, x: m.flatten(x, start, end), double(2, 3, 4, 2))
    check_gradients(lambda x: x.flatten(start, end), (2, 3, 2, 1))


def test_flatten_returns_the_same_object_when_nothing_changes():
    torch = pytest.importorskip("torch")
    for module in (gradlab, torch):
        v = module.ones(3, requires_grad=True)
        x = module.ones(2, 3, 4, requires_grad=True)
        assert v.flatten() is v
        assert x.flatten(1, 1) is x and x.flatten(-1) is x
    compare_with_torch(lambda m, x: x.flatten(), double())  # a 0-d tensor becomes (1,)


def test_flatten_errors():
    compare_with_torch(lambda m, x: x.flatten(2, 0), double(2, 3, 4),
                       raises=RuntimeError, match="start_dim cannot come after end_dim")
    compare_with_torch(lambda m, x: x.flatten(5), double(2, 3, 4),
                       raises=IndexError, match="Dimension out of range")


# ----------------------------------------------------- t / transpose / permute
@pytest.mark.parametrize("shape", [(), (3,), (3, 4)])
def test_t_matches_torch(shape):
    compare_with_torch(lambda m, x: x.t(), double(*shape))
    compare_with_torch(lambda m, x: m.t(x), double(*shape))
    check_gradients(lambda x: x.t(), shape, second_order=True)


def test_t_rejects_more_than_two_dims():
    compare_with_torch(lambda m, x: x.t(), double(2, 3, 4), raises=RuntimeError,
               match="t() expects a tensor with <= 2 dimensions, but self is 3D")


@pytest.mark.parametrize("dims", [(0, 1), (0, 2), (-1, 0), (1, 1), (-3, -2)])
def test_transpose_swapaxes_swapdims_match_torch(dims):
    compare_with_torch(lambda m, x: x.transpose(*dims), double(2, 3, 4))
    compare_with_torch(lambda m, x: m.swapaxes(x, *dims), double(2, 3, 4))
    compare_with_torch(lambda m, x: x.swapdims(*dims), double(2, 3, 4))
    check_gradients(lambda x: gradlab.transpose(x, *dims), (2, 3, 2), second_order=True)


def test_transpose_errors():
    compare_with_torch(lambda m, x: x.transpose(0, 3), double(2, 3, 4), raises=IndexError,
               match="Dimension out of range (expected to be in range of [-3, 2], but got 3)")


@pytest.mark.parametrize("dims", [(2, 0, 1), (0, 1, 2), (-1, -3, 1), (1, 2, 0)])
def test_permute_matches_torch(dims):
    compare_with_torch(lambda m, x: x.permute(*dims), double(2, 3, 4))
    compare_with_torch(lambda m, x: x.permute(dims), double(2, 3, 4))
    compare_with_torch(lambda m, x: x.permute(list(dims)), double(2, 3, 4))
    compare_with_torch(lambda m, x: m.permute(x, dims), double(2, 3, 4))
    check_gradients(lambda x: x.permute(dims), (2, 3, 2), second_order=True)


def test_T_of_a_matrix_matches_torch():
    compare_with_torch(lambda m, x: x.T, double(3, 4))


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
    compare_with_torch(lambda m, x: x.permute(*dims), double(2, 3, 4), raises=Exception, match=match,
                       reworded=True)


# ------------------------------------------------------ squeeze / unsqueeze
@pytest.mark.parametrize("dim", [0, 1, 3, -1, -4])
def test_unsqueeze_matches_torch(dim):
    compare_with_torch(lambda m, x: x.unsqueeze(dim), double(2, 3, 4))
    compare_with_torch(lambda m, x: m.unsqueeze(x, dim), double(2, 3, 4))
    check_gradients(lambda x: x.unsqueeze(dim), (2, 3, 2), second_order=True)


def test_unsqueeze_errors():
    compare_with_torch(lambda m, x: x.unsqueeze(4), double(2, 3, 4), raises=IndexError,
               match="Dimension out of range (expected to be in range of [-4, 3], but got 4)")


@pytest.mark.parametrize("args", [(), (0,), (1,), (2,), (-1,), ((0, 2),), ([0, 1, 2],), ((),)])
def test_squeeze_matches_torch(args):
    out = compare_with_torch(lambda m, x: x.squeeze(*args), double(1, 3, 1))
    compare_with_torch(lambda m, x: m.squeeze(x, *args), double(1, 3, 1))
    expected = {0: "SqueezeBackward0", 1: "SqueezeBackward1"}.get(
        len(args) if not args or not isinstance(args[0], (tuple, list)) else 2, "SqueezeBackward2")
    assert type(out.grad_fn).__name__ == expected
    check_gradients(lambda x: x.squeeze(*args), (1, 3, 1), second_order=True)


def test_squeeze_errors():
    compare_with_torch(lambda m, x: x.squeeze(3), double(1, 3, 1),
                       raises=IndexError, match="Dimension out of range")
    compare_with_torch(lambda m, x: x.squeeze((0, 0)), double(1, 3, 1),
                       raises=RuntimeError, match="dim 0 appears multiple times")


# ------------------------------------------------------------ expand / repeat
@pytest.mark.parametrize("shape, sizes", [((3, 1), (3, 4)), ((1,), (2, 3, 5)), ((3, 1), (-1, 2)),
                                          ((), (2, 2))])
def test_expand_matches_torch(shape, sizes):
    compare_with_torch(lambda m, x: x.expand(*sizes), double(*shape))
    compare_with_torch(lambda m, x: x.expand(sizes), double(*shape))
    check_gradients(lambda x: x.expand(*sizes), shape, second_order=True)


@pytest.mark.parametrize("sizes, match", [
    ((3,), "expand(torch.DoubleTensor{[3, 1]}, size=[3]): the number of sizes provided (1)"),
    ((3, 4, 5), "must match the existing size (3) at non-singleton dimension 1"),
    ((-1, 3, 1), "isn't allowed in a leading, non-existing dimension 0"),
])
def test_expand_errors(sizes, match):
    compare_with_torch(lambda m, x: x.expand(*sizes), double(3, 1), raises=RuntimeError, match=match)


def test_expand_without_sizes_is_a_type_error():
    for shape in [(3, 1), ()]:
        compare_with_torch(lambda m, x: x.expand(), double(*shape), raises=TypeError,
                           match='expand() missing 1 required positional arguments: "size"')
    compare_with_torch(lambda m, x: x.expand(()), double(), requires_grad=False)  # an empty size is one


@pytest.mark.parametrize("shape, repeats", [((2, 3), (2, 1)), ((2, 3), (1, 3)), ((3,), (2, 2)),
                                            ((2, 1, 3), (2, 2, 1, 2)), ((2, 3), (0, 1)), ((), (3,))])
def test_repeat_matches_torch(shape, repeats):
    compare_with_torch(lambda m, x: x.repeat(*repeats), double(*shape))
    compare_with_torch(lambda m, x: x.repeat(repeats), double(*shape))
    check_gradients(lambda x: x.repeat(*repeats), shape)


def test_repeat_double_backward():
    check_gradients(lambda x: x.repeat(2, 1, 3), (2, 3), second_order=True)


def test_repeat_errors():
    compare_with_torch(lambda m, x: x.repeat(2), double(2, 3),
                       raises=RuntimeError, match="can not be smaller than number of dimensions")
    compare_with_torch(lambda m, x: x.repeat(-1, 1), double(2, 3),
                       raises=RuntimeError, match="negative dimension -2")


# ------------------------------------------------------- split / chunk / unbind
@pytest.mark.parametrize("args", [(2,), (2, 1), (3, -1), (10,), ([1, 2],), ([1, 0, 3], 1), ((2, 2), -1)])
def test_split_matches_torch(args):
    outs = compare_with_torch(lambda m, x: x.split(*args), double(3, 4, 4))
    compare_with_torch(lambda m, x: m.split(x, *args), double(3, 4, 4))
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
    compare_with_torch(lambda m, x: x.split(2)[1], double(5, 2))
    compare_with_torch(lambda m, x: x.chunk(3, 1)[0], double(2, 6))
    compare_with_torch(lambda m, x: x.unbind(1)[2], double(2, 3))
    check_gradients(lambda x: x.split([1, 3], 1)[1] * 2, (2, 4), second_order=True)


@pytest.mark.parametrize("chunks, dim", [(2, 0), (3, 1), (5, 1), (4, -1), (1, 0)])
def test_chunk_matches_torch(chunks, dim):
    compare_with_torch(lambda m, x: x.chunk(chunks, dim), double(3, 4, 3))
    compare_with_torch(lambda m, x: m.chunk(x, chunks, dim), double(3, 4, 3))
    check_gradients(lambda x: x.chunk(chunks, dim), (3, 4, 3))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind_matches_torch(dim):
    compare_with_torch(lambda m, x: x.unbind(dim), double(2, 3, 4))
    compare_with_torch(lambda m, x: m.unbind(x, dim), double(2, 3, 4))
    check_gradients(lambda x: x.unbind(dim), (2, 3, 2), second_order=True)


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
    compare_with_torch(call, double(3, 4), raises=Exception, match=match)


# ------------------------------------------------------------------ narrow
@pytest.mark.parametrize("dim, start, length", [(0, 1, 2), (1, -2, 2), (-1, 0, 0), (0, 3, 0)])
def test_narrow_matches_torch(dim, start, length):
    out = compare_with_torch(lambda m, x: m.narrow(x, dim, start, length), double(3, 4))
    assert type(out.grad_fn).__name__ == "SliceBackward0"
    check_gradients(lambda x: gradlab.narrow(x, dim, start, length), (3, 4), second_order=True)


@pytest.mark.parametrize("start, length, match", [
    (1, 5, "start (1) + length (5) exceeds dimension size (3)."),
    (4, 0, "start out of range (expected to be in range of [-3, 3], but got 4)"),
])
def test_narrow_errors(start, length, match):
    compare_with_torch(lambda m, x: m.narrow(x, 0, start, length), double(3, 4),
                       raises=Exception, match=match)


# ------------------------------------------------------------- cat / stack
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_matches_torch(dim):
    compare_with_torch(lambda m, a, b: m.cat([a, b * 2], dim), double(2, 3), double(2, 3, seed=1))
    check_gradients(lambda a, b: gradlab.cat((a, b), dim), (2, 3), (2, 3), second_order=True)


def test_cat_with_different_sizes_and_empty_tensors():
    compare_with_torch(lambda m, a, b: m.cat([a, b], 1), double(2, 3), double(2, 1, seed=1))
    compare_with_torch(lambda m, a, b: m.cat([b, a], 0), double(2, 3), double(0, seed=1))
    compare_with_torch(lambda m, a, b: m.concat((a, a), 0), double(2, 3), double(1, seed=1))


@pytest.mark.parametrize("call, match", [
    (lambda m, a, b: m.cat([a, b[0]]), "Tensors must have same number of dimensions: got 2 and 1"),
    (lambda m, a, b: m.cat([a, b], 2), "Dimension out of range"),
    (lambda m, a, b: m.cat([a, b[:, :2]], 0), "Sizes of tensors must match except in dimension 0"),
    (lambda m, a, b: m.cat([]), "expected a non-empty list of Tensors"),
    (lambda m, a, b: m.stack([a, b[0]]), "stack expects each tensor to be equal size"),
    (lambda m, a, b: m.stack([a, b], 3), "Dimension out of range"),
])
def test_cat_and_stack_errors(call, match):
    compare_with_torch(call, double(2, 3), double(2, 3, seed=1), raises=Exception, match=match)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_matches_torch(dim):
    compare_with_torch(lambda m, a, b: m.stack([a, b * 3], dim), double(2, 3), double(2, 3, seed=1))
    check_gradients(lambda a, b: gradlab.stack((a, b), dim), (2, 3), (2, 3), second_order=True)


@pytest.mark.parametrize("call", [
    lambda m, x: m.cat([x, x]), lambda m, x: m.stack([x, x]), lambda m, x: x.split(2)[0],
    lambda m, x: x.unbind(0)[0], lambda m, x: x.transpose(0, 1), lambda m, x: x.unsqueeze(0),
    lambda m, x: x.repeat(2, 1),
])
def test_double_backward_graphs_match_torch(call):
    """Backward is built from the same ops as PyTorch's, so create_graph graphs match too."""
    compare_with_torch(gradient_of(call), double(3, 4))


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
    compare_with_torch(lambda m, x: x.permute(dims).reshape(target), double(*shape))
    compare_with_torch(lambda m, x: x.reshape(-1).view(shape), double(*shape))


# ------------------------------------------ parity details found by the differential fuzz
@pytest.mark.parametrize("shape, repeats", [((2, 3), (1, 1)), ((2, 3), (1, 1, 2, 1)), ((3,), (2,)),
                                            ((2, 3), (2, 3)), ((2, 3), (3, 1, 1)), ((2, 3), (0, 1))])
def test_repeat_differentiates_twice_with_torchs_graph(torch, shape, repeats):
    compare_with_torch(lambda lib, x: x.repeat(*repeats), double(*shape), second_order=True)
    graphs = []
    for lib in (torch, gradlab):
        x = lib.tensor(double(*shape), requires_grad=True)
        (g,) = lib.autograd.grad((x.repeat(*repeats) ** 2).sum(), x, create_graph=True)
        graphs.append(graph_edges(g.grad_fn))
    assert graphs[0] == graphs[1]


def test_permute_with_no_dims_is_a_type_error_as_torch():
    compare_with_torch(lambda lib, x: x.permute(), double(), raises=TypeError)
    compare_with_torch(lambda lib, x: lib.permute(x), double(), raises=TypeError)
    assert gradlab.zeros(()).permute(()).shape == ()
