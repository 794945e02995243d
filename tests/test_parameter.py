"""nn.Parameter (gradlab/nn/parameter.py): a leaf tensor that requires grad, printed as PyTorch does."""
import copy
import pickle

import numpy as np
import pytest

import gradlab
from gradlab import nn


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(gradlab.tensor([1.0, 2.0]))
    assert isinstance(p, gradlab.Tensor) and isinstance(p, nn.Parameter)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None and p.grad is None
    assert not nn.Parameter(gradlab.tensor([1.0]), requires_grad=False).requires_grad


def test_parameter_shares_memory_with_its_data():
    data = gradlab.tensor([1.0, 2.0])
    p = nn.Parameter(data)
    data[0] = 5.0
    assert p[0].item() == 5.0


def test_ops_on_a_parameter_give_plain_tensors_with_a_grad_fn():
    p = nn.Parameter(gradlab.tensor([1.0, 2.0]))
    y = p * 3
    assert type(y) is gradlab.Tensor and y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert p.grad.tolist() == [3.0, 3.0]
    assert type(p.detach()) is gradlab.Tensor and type(p.data) is gradlab.Tensor


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Parameter(lib.tensor([1.0, -2.5, 3.0])),
    lambda lib: lib.nn.Parameter(lib.tensor([[0.1, 0.2], [0.3, 0.4]])),
    lambda lib: lib.nn.Parameter(lib.tensor([1.0, 2.0], dtype=lib.float64)),
    lambda lib: lib.nn.Parameter(lib.tensor([1.0, 2.0]), requires_grad=False),
    lambda lib: lib.nn.Parameter(lib.tensor(3.5)),
    lambda lib: lib.nn.Parameter(),
    lambda lib: lib.nn.Parameter(lib.arange(30.0).reshape(3, 10) / 7),
])
def test_repr_matches_pytorch(torch, make):
    assert repr(make(gradlab)) == repr(make(torch))
    assert str(make(gradlab)) == str(make(torch))


def test_repr_text():
    assert repr(nn.Parameter(gradlab.zeros(2))) == \
        "Parameter containing:\ntensor([0., 0.], requires_grad=True)"


def test_integer_data_cannot_be_a_parameter(torch):
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        nn.Parameter(gradlab.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        torch.nn.Parameter(torch.tensor([1, 2]))


def test_non_tensor_data_is_refused_with_advice():
    with pytest.raises(TypeError, match="must be a Tensor"):
        nn.Parameter([1.0, 2.0])


def test_deepcopy_and_pickle_give_an_independent_parameter():
    p = nn.Parameter(gradlab.tensor([1.0, 2.0]))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert isinstance(q, nn.Parameter) and q.requires_grad and q is not p
        assert np.array_equal(q.detach().numpy(), p.detach().numpy())
        q.data[0] = 9.0
        assert p[0].item() == 1.0


def test_updating_a_parameter_in_place_needs_no_grad():
    p = nn.Parameter(gradlab.tensor([1.0]))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p.add_(1.0)
    with gradlab.no_grad():
        p.add_(1.0)
    assert p.item() == 2.0 and p.is_leaf


# ------------------------------------------------------------------ UninitializedParameter
def _outcome(lib, code):
    try:
        return "ok", repr(eval(code, {"torch": lib, "nn": lib.nn, "copy": copy, "pickle": pickle}))
    except Exception as error:
        return "error", error


@pytest.mark.parametrize("code", [
    "nn.UninitializedParameter()", "str(nn.UninitializedParameter())",
    "nn.UninitializedParameter().requires_grad", "nn.UninitializedParameter(requires_grad=False).requires_grad",
    "nn.UninitializedParameter().dtype", "nn.UninitializedParameter(dtype=torch.float64).dtype",
    "nn.UninitializedParameter().device", "nn.UninitializedParameter().is_leaf",
    "nn.UninitializedParameter().grad", "nn.UninitializedParameter().is_floating_point()",
    "isinstance(nn.UninitializedParameter(), nn.Parameter)", "nn.parameter.is_lazy(nn.UninitializedParameter())",
    "nn.parameter.is_lazy(nn.Parameter(torch.zeros(1)))",
    "copy.deepcopy(nn.UninitializedParameter(dtype=torch.float64)).dtype",
    "pickle.loads(pickle.dumps(nn.UninitializedParameter(dtype=torch.float64))).dtype",
    "nn.UninitializedParameter().float()", "nn.UninitializedParameter().double().dtype",
    "nn.UninitializedParameter().shape", "nn.UninitializedParameter().sum()",
    "nn.UninitializedParameter().numel()", "nn.UninitializedParameter() + 1",
    "nn.UninitializedParameter().requires_grad_(False)",
    "nn.UninitializedParameter().cls_to_become.__name__",
])
def test_uninitialized_parameter_matches_torch(torch, code):
    (kind, expected), (our_kind, ours) = _outcome(torch, code), _outcome(gradlab, code)
    assert our_kind == kind, (expected, ours)
    if kind == "ok":
        assert ours.replace("gradlab", "torch") == expected
    else:
        assert type(ours) is type(expected)
        assert str(ours).split(" in ")[0] == str(expected).split(" in ")[0]


def test_materialize_turns_it_into_a_parameter_in_place(torch):
    for lib in (torch, gradlab):
        p = lib.nn.UninitializedParameter(dtype=lib.float64)
        same = p
        p.materialize((2, 3))
        assert type(p) is lib.nn.Parameter and same is p
        assert tuple(p.shape) == (2, 3) and p.dtype == lib.float64 and p.requires_grad
        assert not hasattr(p, "materialize")
