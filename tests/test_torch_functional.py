"""gradlab.functional (gradlab/functional.py, PyTorch's ``torch.functional``): broadcast_shapes,
broadcast_tensors and meshgrid against PyTorch. (tests/test_functional.py is
gradlab.autograd.functional's.)"""
import warnings

import numpy as np
import pytest
from helpers import compare_with_torch, double

import gradlab
import gradlab.functional


def test_module_reexports_what_gradlab_has(torch):
    for name in gradlab.functional.__all__:
        assert name in torch.functional.__all__
        assert getattr(gradlab.functional, name) is getattr(gradlab, name)


@pytest.mark.parametrize("shapes", [((3, 1), (4,)), (2, (3, 1)), ((), (2, 3)), ([5, 1, 2], (1, 4, 1)),
                                    ((0, 1), (1, 3))])
def test_broadcast_shapes(torch, shapes):
    ours = gradlab.broadcast_shapes(*shapes)
    assert repr(ours) == repr(torch.broadcast_shapes(*shapes))
    assert isinstance(ours, gradlab.Size)


def test_broadcast_shapes_errors(torch):
    messages = []
    for lib in (gradlab, torch):
        with pytest.raises(RuntimeError) as info:
            lib.broadcast_shapes((3, 2), (4,))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("shapes", [((3, 1), (4,)), ((2, 3), (2, 3)), ((1,), (2, 1, 3), ())])
def test_broadcast_tensors(shapes):
    inputs = [double(*shape, seed=i) for i, shape in enumerate(shapes)]
    compare_with_torch(lambda lib, *ts: lib.broadcast_tensors(*ts), *inputs, second_order=True)
    compare_with_torch(lambda lib, *ts: lib.functional.broadcast_tensors(*ts), *inputs)


def test_broadcast_tensors_returns_an_input_of_the_full_shape_itself():
    a = gradlab.ones(2, 3, requires_grad=True)
    x, y = gradlab.broadcast_tensors(a, gradlab.ones(3, requires_grad=True))
    assert x is a and y.grad_fn.name() == "ExpandBackward0"


def test_broadcast_tensors_errors():
    compare_with_torch(lambda lib, a, b: lib.broadcast_tensors(a, b), double(3, 2), double(4),
                       raises=RuntimeError)
    compare_with_torch(lambda lib, a, b: lib.broadcast_tensors([a, b]), double(3, 2), double(4),
                       raises=TypeError)
    compare_with_torch(lambda lib, a: lib.meshgrid(a, 2.0, indexing="ij"), double(3),
                       raises=TypeError)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(4,), (4, 2), (3, 2, 5), (0, 2)])
def test_meshgrid(indexing, sizes):
    inputs = [double(n, seed=n) for n in sizes]
    compare_with_torch(lambda lib, *ts: lib.meshgrid(*ts, indexing=indexing), *inputs,
                       second_order=True)
    compare_with_torch(lambda lib, *ts: lib.meshgrid(list(ts), indexing=indexing), *inputs)


def test_meshgrid_of_scalars_and_without_indexing(torch):
    compare_with_torch(lambda lib, a, b: lib.meshgrid(a, b, indexing="xy"), np.float64(2.0),
                       double(3))
    for lib in (gradlab, torch):
        with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
            grids = lib.meshgrid(lib.arange(3), lib.arange(2))
        assert [tuple(g.shape) for g in grids] == [(3, 2), (3, 2)]


def test_meshgrid_errors():
    compare_with_torch(lambda lib, a: lib.meshgrid(a, a, indexing="foo"), double(3),
                       raises=RuntimeError)
    compare_with_torch(lambda lib, a, b: lib.meshgrid(a, b, indexing="ij"), double(3),
                       double(2, 2), raises=RuntimeError, reworded=True,
                       match="torch.meshgrid: Expected 0D or 1D tensor in the tensor list")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_with_torch(lambda lib: lib.meshgrid(), raises=RuntimeError, reworded=True,
                           match="expects a non-empty TensorList")
