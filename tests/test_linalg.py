"""Matrix products (gradlab/ops/linalg.py): finite differences and PyTorch.

``matmul`` is checked for PyTorch's exact dispatch: the same grad_fn names
and ``next_functions`` layout (which product, which reshapes around it) for
every combination of dimensions, of which inputs require grad, and of
contiguous or transposed inputs.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradlab
from gradlab.autograd import gradcheck, gradgradcheck
from helpers import compare_with_torch, double, graph_edges


# ------------------------------------------------------------------ helpers
def _with_transposed(function, arrays, transposed):
    """``function`` and its arrays, with the chosen operands passed as ``leaf.mT`` (same values,
    not contiguous): the leaf stores the swapped array."""
    stored = [np.swapaxes(a, -1, -2).copy() if t else a for a, t in zip(arrays, transposed)]

    def on_operands(library, *leaves):
        return function(library, *(leaf.mT if t else leaf for leaf, t in zip(leaves, transposed)))

    return on_operands, stored


def _matmul(library, a, b):
    return a @ b


RNG = np.random.default_rng(0)
SHAPE_PAIRS = [
    ((3,), (3,)),              # dot
    ((2, 3), (3, 4)),          # mm
    ((2, 3), (3,)),            # mv
    ((3,), (3, 4)),            # unsqueeze, mm, squeeze_
    ((5, 2, 3), (3, 4)),       # folded into one mm
    ((4, 2, 2, 3), (3, 4)),
    ((5, 2, 3), (3,)),         # folded into one mv
    ((3,), (5, 3, 4)),
    ((2, 3), (5, 3, 4)),       # folded, transposed
    ((5, 2, 3), (5, 3, 4)),    # bmm
    ((2, 5, 2, 3), (2, 5, 3, 4)),
    ((5, 2, 3), (1, 3, 4)),    # a batch of one that requires grad: squeezed
    ((1, 2, 3), (5, 3, 4)),
    ((7, 1, 2, 3), (5, 3, 4)),  # broadcast batch dims: expand and copy
    ((5, 2, 3), (2, 1, 3, 4)),
    ((2, 3), (4, 5, 3, 2)),
    ((4, 1, 2, 3), (3,)),
    ((3,), (2, 1, 3, 4)),
    ((0, 2, 3), (3, 4)),       # empty
    ((2, 0), (0, 3)),
]
GRAD_PATTERNS = [(True, True), (True, False), (False, True)]


def _ids(pair):
    return "@".join("x".join(map(str, shape)) or "()" for shape in pair)


# ------------------------------------------------------- matmul vs torch
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=_ids)
def test_matmul_matches_torch(shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    for requires_grad in GRAD_PATTERNS:
        for transposed in ([False, False], [True, False], [False, True], [True, True]):
            if any(t and a.ndim < 2 for t, a in zip(transposed, arrays)):
                continue
            function, stored = _with_transposed(_matmul, arrays, transposed)
            compare_with_torch(function, *stored, requires_grad=list(requires_grad))


@pytest.mark.parametrize("shapes", SHAPE_PAIRS[:18], ids=_ids)
def test_matmul_gradcheck(shapes):
    a, b = (gradlab.tensor(RNG.standard_normal(s), requires_grad=True) for s in shapes)
    assert gradcheck(lambda x, y: x @ y, (a, b))


def test_the_common_graphs_read_as_in_pytorch():
    x = gradlab.randn(5, 2, 3, requires_grad=True)
    w = gradlab.randn(3, 4, requires_grad=True)
    out = x @ w
    assert graph_edges(out.grad_fn) == (
        "UnsafeViewBackward0", ((("MmBackward0", ((("ViewBackward0", ((("AccumulateGrad", ()), 0),)), 0),
                                                  (("AccumulateGrad", ()), 0))), 0),))
    v = gradlab.randn(3, requires_grad=True)
    assert graph_edges((v @ w).grad_fn) == (
        "SqueezeBackward4", ((("MmBackward0", ((("UnsqueezeBackward0", ((("AccumulateGrad", ()), 0),)), 0),
                                               (("AccumulateGrad", ()), 0))), 0),))
    assert (w.t() @ gradlab.randn(3, requires_grad=True)).grad_fn.name() == "MvBackward0"
    assert (v @ v).grad_fn.name() == "DotBackward0"
    constant = gradlab.randn(3, 4)
    assert (x @ constant).grad_fn.next_functions[0][0].next_functions[1] == (None, 0)


# how an operand can lie in memory: matmul folds a batch into one mm/mv only when its strides allow
OPERAND_LAYOUTS = {
    "stored": lambda x: x,
    "indexed": lambda x: x[[1, 0] * (x.shape[0] // 2) + [0] * (x.shape[0] % 2)],
    "indexed inside": lambda x: x[..., [1, 0], :] if x.dim() >= 3 else x[..., [1, 0]] if x.dim() == 2 else x,
    "copied transposed": lambda x: x.mT.clone().mT if x.dim() >= 2 else x,
    "pointwise of permuted": lambda x: x.permute(*range(x.dim() - 1, -1, -1)).abs().permute(
        *range(x.dim() - 1, -1, -1)),
    "expanded": lambda x: x[:1].expand(x.shape) if x.dim() >= 2 else x,
}


@pytest.mark.parametrize("rank_a", [1, 2, 3, 4])
@pytest.mark.parametrize("rank_b", [1, 2, 3, 4])
def test_matmul_dispatch_matches_torch_for_every_layout(rank_a, rank_b):
    """The same products and reshapes (MvBackward0 vs bmm + SqueezeBackward1, ViewBackward0
    vs UnsafeViewBackward0) for every rank pair, broadcast batch and operand layout; the
    trailing ``reshape`` checks that the product lies in memory as PyTorch's (a view of a
    row-major result, a copy otherwise)."""
    batches = {1: [()], 2: [()], 3: [(4,), (1,)], 4: [(3, 4), (1, 4), (3, 1)]}
    for batch_a in batches[rank_a]:
        for batch_b in batches[rank_b]:
            shape_a = (2,) if rank_a == 1 else batch_a + (2, 2)
            shape_b = (2,) if rank_b == 1 else batch_b + (2, 2)
            arrays = [RNG.standard_normal(shape_a), RNG.standard_normal(shape_b)]
            for layout_a, layout_b in [(a, "stored") for a in OPERAND_LAYOUTS] + \
                    [("stored", b) for b in OPERAND_LAYOUTS]:
                arrange_a, arrange_b = OPERAND_LAYOUTS[layout_a], OPERAND_LAYOUTS[layout_b]
                for requires_grad in GRAD_PATTERNS:
                    compare_with_torch(lambda m, a, b: (arrange_a(a) @ arrange_b(b)).reshape(-1), *arrays,
                                       requires_grad=list(requires_grad))


def test_folded_matmul_runs_one_mm_over_all_rows():
    x = gradlab.randn(5, 2, 3, requires_grad=True)
    w = gradlab.randn(3, 4, requires_grad=True)
    mm_node = (x @ w).grad_fn.next_functions[0][0]
    view_node = mm_node.next_functions[0][0]
    assert mm_node.name() == "MmBackward0"
    assert view_node.name() == "ViewBackward0"  # x seen as a (10, 3) matrix, without a copy


# ----------------------------------------------------- the four products
@pytest.mark.parametrize("function, shapes", [
    (lambda t, a, b: t.mm(a, b), ((2, 3), (3, 4))),
    (lambda t, a, b: a.mm(b), ((1, 1), (1, 5))),
    (lambda t, a, b: t.mv(a, b), ((2, 3), (3,))),
    (lambda t, a, b: a.mv(b), ((4, 1), (1,))),
    (lambda t, a, b: t.dot(a, b), ((3,), (3,))),
    (lambda t, a, b: a.dot(b), ((1,), (1,))),
    (lambda t, a, b: t.bmm(a, b), ((4, 2, 3), (4, 3, 5))),
    (lambda t, a, b: a.bmm(b), ((1, 2, 3), (1, 3, 1))),
    (lambda t, a, b: t.outer(a, b), ((3,), (4,))),
    (lambda t, a, b: a.outer(b), ((1,), (2,))),
    (lambda t, a, b: t.matmul(a, b), ((2, 3), (3, 2))),
    (lambda t, a, b: a.matmul(b), ((2, 2, 3), (3,))),
])
def test_products_match_torch(function, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    for requires_grad in GRAD_PATTERNS:
        compare_with_torch(function, *arrays, requires_grad=list(requires_grad))
        compare_with_torch(function, *[a.astype(np.float32) for a in arrays],
                           requires_grad=list(requires_grad))


@pytest.mark.parametrize("function, shapes", [
    (lambda a, b: a.mm(b), ((2, 3), (3, 4))),
    (lambda a, b: a.mv(b), ((2, 3), (3,))),
    (lambda a, b: a.dot(b), ((3,), (3,))),
    (lambda a, b: a.bmm(b), ((2, 2, 3), (2, 3, 2))),
    (lambda a, b: gradlab.outer(a, b), ((3,), (2,))),
])
def test_products_gradcheck_and_gradgradcheck(function, shapes):
    inputs = tuple(gradlab.tensor(RNG.standard_normal(s), requires_grad=True) for s in shapes)
    assert gradcheck(function, inputs)
    assert gradgradcheck(function, inputs)


def test_transposed_operands_match_torch():
    for function, shapes in ((lambda t, a, b: a.mm(b), ((2, 3), (3, 4))),
                             (lambda t, a, b: a.bmm(b), ((2, 2, 3), (2, 3, 4))),
                             (lambda t, a, b: a.mv(b), ((2, 3), (3,)))):
        arrays = [RNG.standard_normal(s) for s in shapes]
        transposed = [True, arrays[1].ndim > 1]
        on_operands, stored = _with_transposed(function, arrays, transposed)
        compare_with_torch(on_operands, *stored)


def test_integer_products_match_torch():
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    for function, arrays in ((_matmul, [a, b]), (_matmul, [a[0], a[1]]), (_matmul, [a, b[:, 0]]),
                             (lambda t, x, y: t.outer(x, y), [a[0], b[0].astype(np.float32)])):
        compare_with_torch(function, *arrays)


def test_outer_promotes_dtypes_like_torch():
    compare_with_torch(lambda t, a, b: t.outer(a, b),
                       RNG.standard_normal(2).astype(np.float32), RNG.standard_normal(3))


# ------------------------------------------------------- double backward
@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                                    ((5, 2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)), ((2, 3), (4, 3, 2)),
                                    ((3, 1, 2, 3), (2, 3, 2))], ids=_ids)
def test_double_backward_matches_torch(torch, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]

    def second_derivatives(library):
        a, b = (library.tensor(array, requires_grad=True) for array in arrays)
        out = (a @ b).tanh()  # non-linear, so the second derivative is not zero
        upstream = library.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
        grad_a, grad_b = library.autograd.grad(out, (a, b), upstream, create_graph=True)
        weights = [library.tensor(np.random.default_rng(2 + i).standard_normal(s))
                   for i, s in enumerate(shapes)]
        ((grad_a * weights[0]).sum() + (grad_b * weights[1]).sum()).backward()
        return [grad_a.detach().numpy(), grad_b.detach().numpy(), a.grad.numpy(), b.grad.numpy()]

    for mine, theirs in zip(second_derivatives(gradlab), second_derivatives(torch)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("transposed", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("with_bias", [False, True])
def test_gradient_graphs_of_column_major_operands_match_torch(transposed, with_bias):
    """The gradient of a column-major operand (``W.t()``) is computed transposed, (Bᵀ-side
    product)ᵀ, as PyTorch's mm_mat1_backward / mm_mat2_backward do: create_graph shows it."""
    def product(library, x, w):  # x @ Wᵀ: Wᵀ is column-major unless W is a transposed view
        x, w = (leaf.t() if t else leaf for leaf, t in zip((x, w), transposed))
        if with_bias:
            return library.nn.functional.linear(x, w, library.ones(4, dtype=x.dtype))  # addmm
        return x @ w.t()

    def gradients(library, x, w):
        out = product(library, x, w)
        upstream = library.ones_like(out, requires_grad=True)
        return library.autograd.grad(out, (x, w), upstream, create_graph=True)

    x, w = RNG.standard_normal((3, 2)), RNG.standard_normal((4, 2))
    stored = [array.T.copy() if t else array for array, t in zip((x, w), transposed)]
    compare_with_torch(gradients, *stored)


@pytest.mark.parametrize("shapes", [((2, 3), (3, 2)), ((3,), (3, 2)), ((2, 2, 3), (3,)),
                                    ((2, 1, 2, 3), (3, 3, 2))], ids=_ids)
def test_matmul_gradgradcheck(shapes):
    inputs = tuple(gradlab.tensor(RNG.standard_normal(s), requires_grad=True) for s in shapes)
    assert gradgradcheck(lambda a, b: (a @ b).sin(), inputs)


# ------------------------------------------- property: broadcasting batches
_batch = st.lists(st.integers(1, 3), min_size=0, max_size=3)


@settings(max_examples=40, deadline=None)
@given(batch=_batch, data=st.data())
def test_matmul_broadcasting_matches_torch(batch, data):
    n, m, p = (data.draw(st.integers(1, 3)) for _ in range(3))
    # each operand keeps a suffix of the batch dims, some of them squashed to 1
    def operand_batch():
        kept = batch[data.draw(st.integers(0, len(batch))):]
        return [size if data.draw(st.booleans()) else 1 for size in kept]

    # a 1-d operand is a plain vector: batch dims belong to matrices only
    shape_a = operand_batch() + [n, m] if data.draw(st.booleans()) else [m]
    shape_b = operand_batch() + [m, p] if data.draw(st.booleans()) else [m]
    arrays = [np.random.default_rng(len(shape_a)).standard_normal(shape_a),
              np.random.default_rng(len(shape_b) + 5).standard_normal(shape_b)]
    requires_grad = list(data.draw(st.sampled_from(GRAD_PATTERNS)))
    transposed = [data.draw(st.booleans()) and a.ndim >= 2 for a in arrays]
    function, stored = _with_transposed(_matmul, arrays, transposed)
    compare_with_torch(function, *stored, requires_grad=requires_grad)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("function, shapes", [
    (_matmul, ((2, 3), (4, 5))),
    (_matmul, ((3,), (4,))),
    (_matmul, ((2, 3), (4,))),
    (_matmul, ((3,), (4, 5))),
    (_matmul, ((5, 2, 3), (4, 5))),
    (_matmul, ((5, 2, 3), (4,))),
    (_matmul, ((2, 3), (5, 4, 5))),
    (_matmul, ((5, 2, 3), (5, 4, 5))),
    (_matmul, ((7, 2, 3), (5, 3, 5))),
    (_matmul, ((2, 7, 2, 3), (5, 3, 5))),
    (_matmul, ((), (4,))),
    (_matmul, ((3,), ())),
    (lambda t, a, b: t.mm(a, b), ((3,), (3, 2))),
    (lambda t, a, b: t.mm(a, b), ((2, 3), (2, 3, 2))),
    (lambda t, a, b: t.mm(a, b), ((2, 3), (2, 3))),
    (lambda t, a, b: t.mv(a, b), ((2, 3), (4,))),
    (lambda t, a, b: t.mv(a, b), ((3,), (3,))),
    (lambda t, a, b: t.dot(a, b), ((3,), (4,))),
    (lambda t, a, b: t.dot(a, b), ((2, 3), (3,))),
    (lambda t, a, b: t.dot(a, b), ((), ())),
    (lambda t, a, b: t.bmm(a, b), ((2, 3), (3, 2))),
    (lambda t, a, b: t.bmm(a, b), ((2, 2, 3), (3, 2))),
    (lambda t, a, b: t.bmm(a, b), ((2, 2, 3), (3, 3, 2))),
    (lambda t, a, b: t.bmm(a, b), ((2, 2, 3), (2, 4, 2))),
    (lambda t, a, b: t.outer(a, b), ((2, 3), (3,))),
    (lambda t, a, b: t.outer(a, b), ((3,), ())),
])
def test_shape_errors_match_torch(function, shapes):
    arrays = [np.ones(shape, np.float32) for shape in shapes]
    compare_with_torch(function, *arrays, requires_grad=False, raises=RuntimeError)


def test_the_messages_students_meet_most():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        gradlab.ones(2, 3) @ gradlab.ones(4, 5)
    with pytest.raises(RuntimeError) as error:
        gradlab.dot(gradlab.ones(3), gradlab.ones(4))
    assert str(error.value) == (
        "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
        "elements, but got 3 and 4 elements respectively")


@pytest.mark.parametrize("function, shapes, dtypes", [
    (_matmul, ((2, 3), (3, 2)), (np.float32, np.float64)),
    (_matmul, ((2, 3), (3, 2)), (np.int64, np.float32)),
    (_matmul, ((2, 2, 3), (2, 3, 2)), (np.float32, np.float64)),
    (_matmul, ((2, 2, 3), (3, 2)), (np.float32, np.float64)),
    (lambda t, a, b: t.dot(a, b), ((3,), (3,)), (np.float32, np.float64)),
    (lambda t, a, b: t.mm(a, b), ((2, 3), (3, 2)), (np.bool_, np.bool_)),
])
def test_dtype_errors_match_torch(function, shapes, dtypes):
    arrays = [np.ones(shape, dtype) for shape, dtype in zip(shapes, dtypes)]
    compare_with_torch(function, *arrays, requires_grad=False, raises=Exception)


def test_mv_dtype_error_has_the_same_meaning():
    with pytest.raises(RuntimeError, match="same dtype"):
        gradlab.mv(gradlab.ones(2, 3), gradlab.ones(3, dtype=gradlab.float64))


def test_matmul_with_a_list_is_a_type_error():
    with pytest.raises(TypeError, match="unsupported operand type"):
        gradlab.ones(3) @ [1.0, 2.0, 3.0]


def test_module_functions_are_exported():
    for name in ("matmul", "mm", "mv", "dot", "bmm", "outer", "ger"):
        assert callable(getattr(gradlab, name))


# ------------------------------------------ parity details found by the differential fuzz
@pytest.mark.parametrize("product", [
    lambda x, w: x.mm(w), lambda x, w: x @ w, lambda x, w: x[0].dot(w[:, 0]),
    lambda x, w: x.mv(w[:, 0]), lambda x, w: x.unsqueeze(0).bmm(w.unsqueeze(0)),
], ids=["mm", "matmul", "dot", "mv", "bmm"])
def test_an_operand_is_kept_only_when_the_other_gradient_needs_it(torch, product):
    """Changing the weight in place after x @ w, with x not requiring grad, does not break
    backward: w's gradient needs x, not w (PyTorch saves only x)."""
    for lib in (torch, gradlab):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        w = lib.tensor([[0.5, 1.5], [2.0, 3.0]], requires_grad=True).clone()
        y = product(x, w)
        w.add_(1)
        y.sum().backward()  # no "modified by an inplace operation"


def test_vector_at_matrix_differentiates_twice_through_unsqueeze(torch):
    compare_with_torch(lambda lib, v, m: v @ m, double(3), double(3, 4), second_order=True)
    for lib in (torch, gradlab):
        v = lib.tensor(double(3), requires_grad=True)
        m = lib.tensor(double(3, 4))
        (g,) = lib.autograd.grad(((v @ m) ** 2).sum(), v, create_graph=True)
        assert "UnsqueezeBackward0" in repr(graph_edges(g.grad_fn))


def test_a_view_written_through_another_view_folds_as_torch(torch):
    """The fold decision reads requires_grad as it is now (a view whose base was written in place
    with a value that requires grad), so the graph is PyTorch's CloneBackward0 of TBackward."""
    names = []
    for lib in (torch, gradlab):
        x6 = lib.tensor([[-1.0], [1.9], [0.5]], dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            base = lib.zeros(3, 3, dtype=lib.float64)
        view = base[1:]
        view.transpose(0, -1).add_(x6, alpha=2)
        names.append(graph_edges((view @ lib.ones(2, 3, 3, dtype=lib.float64)).grad_fn)[0])
    assert names[0] == names[1] == "CloneBackward0"
