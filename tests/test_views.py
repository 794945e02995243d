"""Views and in-place changes (gradlab/ops/views.py): a write through a view records CopySlices on
the base, a view whose memory changed gets AsStridedBackward0, and what PyTorch refuses is
refused — values, graphs, first and second order gradients and errors compared with PyTorch."""
import numpy as np
import pytest

import gradlab
from helpers import check_gradients, compare_with_torch, double, graph_edges


def _run(library, code):
    """Run ``code`` with ``torch`` bound to ``library``; the names it made."""
    names = {"torch": library}
    exec(code, names)
    return names


def _both(torch, code, read):
    """``read(names)`` after running ``code`` in gradlab and in PyTorch."""
    return read(_run(gradlab, code)), read(_run(torch, code))


# ------------------------------------------- issue 12: a view of a tensor without grad
# Writing a value that requires grad into a view of a tensor that does not used to leave
# the base disconnected (w.grad 5 instead of 9).
REPRODUCTIONS = [
    "base[:2].mul_(w)",
    "base[0].add_(w)",
    "base.view(3)[1:].copy_(w * torch.ones(2))",
    "base.unsqueeze(0)[0, 1] = w",
]


@pytest.mark.parametrize("write", REPRODUCTIONS)
def test_issue_reproductions_match_torch(torch, write):
    code = (f"w = torch.tensor(2.0, requires_grad=True); base = torch.ones(3); {write}\n"
            "(base * w).sum().backward()")
    mine, theirs = _both(torch, code, lambda n: (graph_edges(n["base"].grad_fn), n["base"].tolist(),
                                                 n["base"].requires_grad, n["w"].grad.item()))
    assert mine == theirs
    assert mine[0][0] == "CopySlices"


def test_the_first_reproduction_gives_9():
    w = gradlab.tensor(2.0, requires_grad=True)
    base = gradlab.ones(3)
    base[:2].mul_(w)
    (base * w).sum().backward()
    assert type(base.grad_fn).__name__ == "CopySlices" and w.grad.item() == 9.0
    assert "grad_fn=<CopySlices>" in repr(base)  # as PyTorch prints it


# ------------------------------------------------------- writes through views
def _ones(m, *shape):
    return m.ones(*shape, dtype=m.float64)


def _several_writes(m, x, w):
    b = x * 1
    b[0].mul_(w)
    b[:, 1].add_(w * 2)
    b.t()[2].sub_(w)
    b.narrow(1, 0, 2)[1].div_(w + 3)
    return b


def _write_then_read_the_view(m, x, w):
    b = x * 1
    v = b[:, 1:]
    v.mul_(w)
    v.add_(w)  # the same view again: its grad_fn is now AsStridedBackward0
    return v * 3, b


def _views_taken_before_a_write(m, x, w):
    b = x * 1
    rows, column, whole = b[1:], b[:, 0], b.view(6)
    b[:1].mul_(w)  # every earlier view now reads the new values
    return rows, column, whole


def _view_taken_before_the_base_changed(m, x, w):
    b = x * 1
    v = b.t()
    b.mul_(w)
    return v


def _view_of_a_plain_tensor_that_then_required_grad(m, x, w):
    b = m.zeros(2, 3, dtype=m.float64)
    v = b[0]  # b does not require grad yet
    b[:, 1:].add_(x[:, :2] * w)
    return v * 2, b


def _chains_of_views(m, x, w):
    b = x * 1
    b.t().unsqueeze(0)[0, 1:].transpose(0, 1)[0].mul_(w)
    b.squeeze()[..., ::2][1].clamp_(-0.5, 0.5)
    b.view(6)[2:5].view(3, 1)[1:].pow_(w)  # last: pow_ saves its result, which a later write would change
    return b


def _setitem_forms(m, x, w):
    b = x * 1
    b[0][1:] = w
    b[1, [0, 2]] = w * 2
    b[:, 0] += w
    b[True][0, 1, 2] = w / 2
    return b


def _other_inplace_ops(m, x, w):
    b = x * 1
    b[1].fill_(w)
    b[0, :2].zero_()
    b[:, 2].clamp_(0.1, 0.5)
    b[0].copy_(w)
    b.t()[1].copy_(w * 2)
    b[1, 1:].clamp_(m.zeros(2, dtype=m.float64), w)
    return b


def _write_into_a_detached_tensor(m, x, w):
    b = x * 1
    d = b.detach()
    d[:1].mul_(w)  # d's history (CopySlices), not b's
    return d * 1, b


def _views_of_a_leaf_changed_under_no_grad(m, x, w):
    v = x[0]
    with m.no_grad():
        x.mul_(2)  # v now reads x's new values, still from x itself
    return v * w


WRITES = [_several_writes, _write_then_read_the_view, _views_taken_before_a_write,
          _view_taken_before_the_base_changed, _view_of_a_plain_tensor_that_then_required_grad,
          _chains_of_views, _setitem_forms, _other_inplace_ops, _write_into_a_detached_tensor,
          _views_of_a_leaf_changed_under_no_grad]


@pytest.mark.parametrize("function", WRITES, ids=lambda f: f.__name__.strip("_"))
def test_writes_through_views_match_torch(function):
    """Values, every output's grad_fn graph, first and second order gradients."""
    compare_with_torch(function, double(2, 3), np.array(1.5), second_order=True)


@pytest.mark.parametrize("function", [_several_writes, _setitem_forms, _other_inplace_ops,
                                      _write_then_read_the_view, _views_taken_before_a_write])
def test_writes_through_views_gradcheck(function):
    check_gradients(lambda x, w: function(gradlab, x, w), (2, 3), (), second_order=True)


def test_write_into_a_view_of_a_plain_tensor_match_torch():
    def copy_into(m, w):
        base = _ones(m, 3)
        base.view(3)[1:].copy_(w)
        return base * base

    compare_with_torch(copy_into, double(2), second_order=True)


# ----------------------------------------------------- backprop ninja: dC[ix] += demb[k, j]
def _backprop_ninja(m, C, w):
    """makemore part 4's embedding gradient, by hand (demb requires grad: it is made from C)."""
    demb = (C[:1] * w).view(1, 1, 3).expand(2, 2, 3) * 1
    Xb = m.tensor([[1, 0], [1, 1]])
    dC = m.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            ix = Xb[k, j]
            dC[ix] += demb[k, j]
    return dC


def _backprop_ninja_under_no_grad(m, C, w):
    demb = (C[:1] * w).view(1, 1, 3).expand(2, 2, 3) * 1
    Xb = m.tensor([[1, 0], [1, 1]])
    dC = m.zeros_like(C)
    with m.no_grad():
        for k in range(Xb.shape[0]):
            for j in range(Xb.shape[1]):
                dC[Xb[k, j]] += demb[k, j]
    return dC, dC * w


@pytest.mark.parametrize("function", [_backprop_ninja, _backprop_ninja_under_no_grad])
def test_backprop_ninja_embedding_loop_matches_torch(function):
    compare_with_torch(function, double(2, 3), np.array(1.5), second_order=True)


def test_backprop_ninja_values(torch):
    code = ("C = torch.randn(5, 3, requires_grad=True); Xb = torch.tensor([[1, 4], [1, 1]])\n"
            "demb = C[Xb] * 2\n"  # the embedding's gradient, made from C: it requires grad
            "dC = torch.zeros_like(C)\n"
            "for k in range(Xb.shape[0]):\n"
            "    for j in range(Xb.shape[1]):\n"
            "        ix = Xb[k, j]\n"
            "        dC[ix] += demb[k, j]\n")
    names = _run(gradlab, code)
    expected = np.zeros((5, 3))
    np.add.at(expected, names["Xb"].numpy().reshape(-1), names["demb"].detach().numpy().reshape(-1, 3))
    np.testing.assert_allclose(names["dC"].detach().numpy(), expected, rtol=1e-6)
    assert names["dC"].requires_grad and type(names["dC"].grad_fn).__name__ == "CopySlices"
    mine, theirs = _both(torch, code, lambda n: (graph_edges(n["dC"].grad_fn), n["dC"]._version))
    assert mine == theirs
    assert mine[1] == 2 * 4  # each += is an add_ on the view dC[ix], then the write dC[ix] = view


# ------------------------------------------------------------- second backward
def test_second_backward_through_copy_slices_needs_retain_graph(torch):
    code = ("x = torch.tensor([1., 2., 3.], requires_grad=True); w = torch.tensor(2., requires_grad=True)\n"
            "b = x * 1; b[:2].mul_(w); s = (b * b).sum()\n"
            "s.backward(retain_graph=True); s.backward()\n")
    mine, theirs = _both(torch, code, lambda n: (n["x"].grad.tolist(), n["w"].grad.item()))
    assert mine == theirs
    for library in (gradlab, torch):
        names = _run(library, "x = torch.tensor([1., 2., 3.], requires_grad=True)\n"
                              "w = torch.tensor(2., requires_grad=True)\n"
                              "b = x * 1; b[:2].add_(w); s = b.sum(); s.backward()")
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            names["s"].backward()


def _gradient_through_copy_slices(m, x):
    w = x[0, 0] * 1
    b = x * 1
    b[:, 1:].mul_(w)
    b[0].add_(x[1] * 2)
    (g,) = m.autograd.grad((b * b).sum(), x, create_graph=True)
    return g


def _gradient_through_as_strided(m, x):
    b = x * 1
    v, row, piece = b.t(), b[1], b[0, 1:2]
    b.mul_(x)  # all three are now AsStridedBackward0 of b's new history
    (g,) = m.autograd.grad((v * v * v).sum() + (row * row).sum() + (piece * piece).sum(), x,
                           create_graph=True)
    return g


def _gradient_through_a_stale_expanded_view(m, x):
    b = x[:, :1] * 1
    e = b.expand(2, 3)  # reads each element three times: as_strided_backward adds them up
    b.mul_(x[:, :1])
    (g,) = m.autograd.grad((e * e).sum(), x, create_graph=True)
    return g


def _gradient_through_writes_into_a_plain_tensor(m, x):
    base = m.zeros(2, 3, dtype=m.float64)
    base[0] = x[1] * 2
    base[:, 2].mul_(x[0, :2])
    base[1, [0, 2]] = x[1, :2] * 3
    (g,) = m.autograd.grad((base * base).sum(), x, create_graph=True)
    return g


@pytest.mark.parametrize("function", [_gradient_through_copy_slices, _gradient_through_as_strided,
                                      _gradient_through_a_stale_expanded_view,
                                      _gradient_through_writes_into_a_plain_tensor],
                         ids=lambda f: f.__name__.strip("_"))
def test_double_backward_graphs_match_torch(function):
    """The graph double backward records is PyTorch's too: CopySlices runs as PyTorch's does
    (a copy, AsStridedBackward0, CloneBackward0, a CopySlices of its own), AsStridedBackward0
    as PyTorch's as_strided_backward, and an in-place op keeps a clone of the old value."""
    compare_with_torch(function, double(2, 3), second_order=True)


# ------------------------------------------------------------ the version counter
@pytest.mark.parametrize("code", [
    "b = x * 1; y = b * b; b[:2].mul_(2); y.sum().backward()",
    "b = x * 1; v = b[:2]; y = v * v; b.mul_(2); y.sum().backward()",
    "b = x * 1; v = b[:2]; y = b.sin(); v.zero_(); y.sum().backward()",
    "b = x * 1; y = b.exp(); y[1:] = 2.0; y.sum().backward()",
])
def test_a_saved_value_changed_through_a_view_still_raises(code):
    def run(m, x):
        exec(code, {"torch": m, "x": x})

    compare_with_torch(run, double(3), raises=RuntimeError, match="modified by an inplace operation",
                       reworded=True)  # PyTorch's first sentence, then gradlab's own hint


def test_views_share_the_version_counter(torch):
    code = ("b = torch.ones(4); v = b[1:]; w = v[1:]; v.mul_(2); b[0] = 3.0; w.add_(1)\n"
            "d = b.detach(); d[0] = 1.0\n")
    mine, theirs = _both(torch, code, lambda n: [n[k]._version for k in "bvwd"] + [n["b"].tolist()])
    assert mine == theirs == [4, 4, 4, 4, [1.0, 2.0, 3.0, 3.0]]


# ---------------------------------------------------------------------- refusals
@pytest.mark.parametrize("code, match", [
    ("x[:2].mul_(2)", "a view of a leaf Variable that requires grad"),
    ("x.view(3).add_(1)", "a view of a leaf Variable that requires grad"),
    ("x[0] = 1.0", "a view of a leaf Variable that requires grad"),
    ("x.unsqueeze(0)[0, 1:].zero_()", "a view of a leaf Variable that requires grad"),
    ("x[[0]] = 1.0", "a leaf Variable that requires grad"),
    ("b = x * 1\nwith torch.no_grad():\n    v = b[:2]\nv.mul_(2)", "A view was created in no_grad mode"),
    ("b = torch.ones(3)\nwith torch.no_grad():\n    v = b[:2]\nv.mul_(x[0])", "A view was created in no_grad mode"),
    ("b = x * 1\nwith torch.no_grad():\n    v = b[:2]\nb.mul_(2); v.grad_fn",
     "its base or another view of its base has been modified inplace"),
    ("b = x * 1; v = b.split(2)[0]; v.mul_(2)", "Output 0 of Split is a view and is being modified"),
    ("b = x * 1; v = b.unbind()[1]; v.add_(1)", "Output 1 of Unbind is a view and is being modified"),
    ("b = x * 1; v = b.chunk(2)[1]; b.mul_(2); v * 1", "Output 1 of Split is a view and its base"),
    ("b = torch.ones(3); v = b.unbind()[0]; v.mul_(x[0])", "A view was created in no_grad mode"),
    ("b = torch.ones(3, 1); b.expand(3, 2).mul_(x[0])", "more than one element of the written-to tensor"),
])
def test_refusals_match_torch(code, match):
    def run(m, x):
        exec(code, {"torch": m, "x": x})

    compare_with_torch(run, double(3), raises=RuntimeError, match=match)


def test_what_is_allowed_without_recording(torch):
    code = ("x = torch.tensor([1., 2., 3.], requires_grad=True)\n"
            "with torch.no_grad():\n"
            "    x[0] = 5.0; x[1:].mul_(2); v = x[:2]; v.add_(1)\n"  # under no_grad: just written
            "b = torch.ones(3); b.unbind()[0].mul_(2); b[1:].add_(torch.ones(2))\n"  # nothing to record
            "i = torch.zeros(3, dtype=torch.long); i[0] = x[0]; i.copy_(x)\n")  # ints get no history
    mine, theirs = _both(torch, code, lambda n: [
        (n[k].tolist(), n[k].requires_grad, n[k].is_leaf, n[k]._version) for k in "xbi"])
    assert mine == theirs


# ------------------------------------------------------ what a view's grad_fn says
def test_a_stale_view_reports_pytorchs_grad_fn_without_being_used(torch):
    code = ("w = torch.tensor(2., requires_grad=True); b = torch.ones(2, 3); v = b[0]; t = b.t()\n"
            "b[:, 1:].mul_(w)\n")
    mine, theirs = _both(torch, code, lambda n: [(n[k].requires_grad, n[k].is_leaf, graph_edges(n[k].grad_fn))
                                                  for k in ("v", "t", "b")])
    assert mine == theirs
    assert mine[0][2][0] == "AsStridedBackward0"


def test_as_strided_geometry_is_pytorchs(torch):
    code = "x = torch.ones(4, 3, requires_grad=True); b = x * 1; v = b.t()[1:, ::2]; b.mul_(2)\n"
    mine, theirs = _both(torch, code, lambda n: n["v"].grad_fn)
    assert (mine.size, mine.stride, mine.storage_offset) == \
        (tuple(theirs._saved_size), tuple(theirs._saved_stride), theirs._saved_storage_offset)


@pytest.mark.parametrize("write", ["a.fill_(2.)", "a.zero_()", "a.add_(v, alpha=2)", "a.mul_(2)",
                                   "a.clamp_(v, v * 2)", "a.copy_(v)", "a[0] = v", "a[[0, 1]] = v",
                                   "a.pow_(v)", "a += 1"])
def test_copy_slices_takes_the_edges_of_the_ops_node(torch, write):
    """CopySlices: the base's history first, then the op's other inputs (as many as it has)."""
    code = ("x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True); b = x * 1\n"
            f"v = torch.tensor(0.5, requires_grad=True); a = b[1]; {write}\n")
    mine, theirs = _both(torch, code, lambda n: (graph_edges(n["b"].grad_fn), graph_edges(n["a"].grad_fn),
                                                 n["b"]._version))
    assert mine == theirs


def test_retain_grad_follows_an_inplace_change(torch):
    code = ("x = torch.tensor([1., 2.], requires_grad=True); y = x * 2; y.retain_grad(); y.mul_(3)\n"
            "b = x * 1; b.retain_grad(); b[0].mul_(3)\n"
            "(y.sum() + (b * b).sum()).backward()\n")
    mine, theirs = _both(torch, code, lambda n: (n["y"].grad.tolist(), n["b"].grad.tolist(),
                                                 n["x"].grad.tolist()))
    assert mine == theirs


def test_hooks_and_the_engine_see_the_new_history(torch):
    code = ("x = torch.tensor([1., 2., 3.], requires_grad=True); b = torch.zeros(3); v = b[1:]\n"
            "b[:2] = x[:2] * 2\n"  # v overlaps the write: it now depends on x
            "name = type(v.grad_fn).__name__\n"  # (PyTorch 2.13 crashes on register_hook without this)
            "seen = []; v.register_hook(lambda g: seen.append(g.tolist()))\n"
            "(v * torch.tensor([10., 100.])).sum().backward()\n")
    mine, theirs = _both(torch, code, lambda n: (n["name"], n["seen"], n["x"].grad.tolist()))
    assert mine == theirs == ("AsStridedBackward0", [[10.0, 100.0]], [0.0, 20.0, 0.0])


def test_what_a_view_reports_before_its_grad_fn_is_asked_for(torch):
    """requires_grad follows the base without remaking the grad_fn; is_leaf remakes it (and so
    raises for a view that may not be remade); .grad only warns."""
    code = ("x = torch.ones(3, requires_grad=True); b = x * 1; p = b.split(1)\n"
            "with torch.no_grad():\n"
            "    stale = b[1:]\n"
            "plain = torch.ones(3); v = plain[:2]; plain[1:].add_(x[1:])\n"
            "b.mul_(2)\n"
            "with torch.no_grad():\n"
            "    fresh = b[:2]\n"
            "import warnings\n"
            "with warnings.catch_warnings():\n"
            "    warnings.simplefilter('ignore')\n"
            "    grads = (p[0].grad, stale.grad)\n"
            "flags = [(t.requires_grad, t._base is not None) for t in (p[0], fresh, stale, v)]\n"
            "leaf = (fresh.is_leaf, fresh.grad_fn, v.is_leaf)\n"
            "y = fresh * 2\n")  # no edge for a view made under no_grad, yet y requires grad

    def read(names):
        y = names["y"]
        return (names["grads"], names["flags"], names["leaf"][0], names["leaf"][1] is None,
                names["leaf"][2], y.requires_grad, graph_edges(y.grad_fn))

    mine, theirs = _both(torch, code, read)
    assert mine == theirs
    for library in (gradlab, torch):
        names = _run(library, code)
        for view in (names["p"][0], names["stale"]):
            with pytest.raises(RuntimeError, match="its base or another view of its base has been modified"):
                view.is_leaf


def test_writing_one_element_of_an_expanded_view(torch):
    """NumPy marks every view of an expanded array read-only; PyTorch refuses only a write to
    elements that share memory."""
    code = ("x = torch.tensor([[0.5, 1.5, 2.0], [1.0, -1.0, 3.0]], requires_grad=True)\n"
            "s = x[1].sum(); e = s.expand(2); e[0] = s * 3\n"
            "e.sum().backward()\n"
            "c = torch.ones(2, 1); c.expand(2, 3)[0, 1] = 5.0\n")
    mine, theirs = _both(torch, code, lambda n: (n["e"].tolist(), graph_edges(n["e"].grad_fn),
                                                 n["x"].grad.tolist(), n["c"].tolist(), n["c"]._version))
    assert mine == theirs
    compare_with_torch(lambda m, x: m.ones(2, 1, dtype=m.float64).expand(2, 3).__setitem__(0, x), double(3),
                       raises=RuntimeError, match="more than one element of the written-to tensor")


@pytest.mark.parametrize("code", [
    "a[1:].add_(a[:3])", "a.add_(a)", "a[1:].copy_(a[:3])", "a.copy_(a)", "a[:2].mul_(a[2:])",
    "a.view(2, 2).t().copy_(a.view(2, 2))", "a[::2].copy_(a[1::2])", "a[1:].clamp_(a[:3], a[:3] + 1)",
    "a[None, :] = a", "a[1:] = a[:3]", "a[:] = a.expand(4)", "a.fill_(a[1])", "a[[0, 1]] = a[2:]",
    "a[[0, 1]] = a[:2]", "a[0] = a[1]", "a.view(2, 2)[0] = a[2:]",
])
def test_writes_from_memory_they_share_as_pytorch(torch, code):
    """The same elements may be read and written; a partial overlap is refused, except where
    PyTorch does not look (memory that is not dense); index_put_ refuses any overlap."""
    def run(library):
        a = library.arange(4.0)
        try:
            exec(code, {"a": a})
        except RuntimeError as error:
            return str(error).split(".")[0]
        return a.tolist(), a._version

    assert run(gradlab) == run(torch)


@pytest.mark.parametrize("code, refused", [
    ("c = torch.zeros(1, 1); c.view(-1)[0:] += x", True),  # c.view(-1) is taken before the +=
    ("c = torch.ones(2); v = c.transpose(0, 0); c.unsqueeze(0)[0].div_(x.sum()); v /= v", True),
    ("c = torch.ones(2); v = c[1:]; c[:1].mul_(x[0]); v.grad_fn; v.mul_(2)", False),  # asked for
])
def test_a_view_older_than_its_bases_history_as_pytorch(code, refused):
    """PyTorch checks the grad_fn a view has stored: taken before its base came to require grad
    and not asked for since, the view counts as a leaf that requires grad."""
    def run(m, x):
        names = {"torch": m, "x": x}
        exec(code, names)
        return names["c"]

    if refused:
        compare_with_torch(run, double(1), raises=RuntimeError,
                           match="a leaf Variable that requires grad is being used in an in-place operation.")
    else:
        compare_with_torch(run, double(1), second_order=True)


def test_gather_keeps_its_input_as_pytorch_does():
    """gather's backward reads only the input's shape, but PyTorch saves the input: changing it
    in place (here through a view) makes backward fail; index_select and a[[i]] do not save it."""
    def run(m, x, code):
        b = x + x
        y = eval(code, {"b": b, "m": m})
        b[0] *= x[0, 0]
        return y

    compare_with_torch(lambda m, x: run(m, x, "b.gather(0, m.tensor([[1, 0, 1]]))").mean().backward(),
                       double(2, 3), raises=RuntimeError, match="modified by an inplace operation",
                       reworded=True)
    for code in ("b.index_select(0, m.tensor([1]))", "b[[1, 1]]"):
        compare_with_torch(lambda m, x: run(m, x, code), double(2, 3))
