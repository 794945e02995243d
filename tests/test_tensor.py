"""The Tensor class (gradlab/tensor.py): attributes, conversions, errors, printing."""
import pytest

import gradlab


def test_default_dtypes_like_pytorch(torch):
    for data in (1.5, [1.0, 2.0], 3, [1, 2], True, [True, False], [1, 2.5]):
        assert str(gradlab.tensor(data).dtype) == str(torch.tensor(data).dtype), data


def test_attributes():
    x = gradlab.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and repr(x.shape) == "torch.Size([2, 3])"
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.dim() == x.ndim == 2 and x.numel() == 6 and len(x) == 2
    assert str(x.dtype) == "torch.float32"
    assert repr(x.device) == "device(type='cpu')"
    assert x.is_leaf and not x.requires_grad and x.grad is None and x.grad_fn is None
    assert x.type() == "torch.FloatTensor"


def test_item_tolist_numpy():
    x = gradlab.tensor([[1.0, 2.0]])
    assert x.tolist() == [[1.0, 2.0]]
    assert gradlab.tensor(2.5).item() == 2.5 and isinstance(gradlab.tensor(3).item(), int)
    shared = x.numpy()
    shared[0, 0] = 10
    assert x[0, 0].item() == 10  # numpy() shares memory, as in PyTorch
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()


def test_numpy_on_tensor_requiring_grad_is_refused_with_advice(torch):
    x = gradlab.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0]


def test_only_float_tensors_may_require_grad():
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        gradlab.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        gradlab.tensor([1, 2]).requires_grad_()


def test_requires_grad_is_settable_on_leaves_only():
    x = gradlab.tensor([1.0])
    x.requires_grad = True
    assert x.requires_grad
    y = x * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad = False


def test_conversions_and_to(torch):
    x = gradlab.tensor([1.5, -2.5], requires_grad=True)
    assert str(x.double().dtype) == "torch.float64"
    assert x.double().grad_fn.name() == "ToCopyBackward0"
    assert x.long().tolist() == [1, -2] and not x.long().requires_grad
    assert x.to("cpu") is x and x.to(gradlab.float32) is x
    assert str(x.to(gradlab.device("cpu"), gradlab.float64).dtype) == "torch.float64"
    assert str(x.to(gradlab.zeros(1, dtype=gradlab.float64)).dtype) == "torch.float64"
    assert float(gradlab.tensor(2.0)) == 2.0 and int(gradlab.tensor(3.7)) == 3


def test_gpu_is_refused_with_a_sentence():
    with pytest.raises(RuntimeError, match="CPU only"):
        gradlab.tensor([1.0], device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        gradlab.tensor([1.0]).to("cuda")
    assert gradlab.cuda.is_available() is False


def test_bool_of_tensor():
    assert bool(gradlab.tensor([1.0])) is True
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(gradlab.tensor([1.0, 2.0]))


def test_iteration_and_format():
    x = gradlab.tensor([1.0, 2.0])
    assert [t.item() for t in x] == [1.0, 2.0]
    assert f"{gradlab.tensor(3.14159):.2f}" == "3.14"
    assert str(x) == repr(x) == "tensor([1., 2.])"


def test_repr_matches_pytorch(torch):
    cases = [
        lambda lib: lib.tensor([2.0, 3.0], requires_grad=True),
        lambda lib: lib.tensor([2.0, 3.0], requires_grad=True) + 5,
        lambda lib: lib.tensor(2.0, requires_grad=True) * 3,
        lambda lib: lib.tensor([[1, 2], [30, 4]]),
        lambda lib: lib.tensor([True, False]),
        lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64),
        lambda lib: lib.tensor([1e-5, 1.0]),
        lambda lib: lib.arange(2000.0).reshape(40, 50),
        lambda lib: lib.zeros(2, 3, 4),
        lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).sum(),
    ]
    for build in cases:
        assert repr(build(gradlab)) == repr(build(torch))


def test_hash_and_equality_return_tensors():
    x = gradlab.tensor([1.0, 2.0])
    assert {x: 1}[x] == 1
    assert (x == gradlab.tensor([1.0, 3.0])).tolist() == [True, False]


def test_detach_data_and_version(torch):
    for lib in (gradlab, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        d = x.detach()
        assert d._version == x._version == 0
        d.add_(1)
        assert x._version == 1  # detach shares the version counter
        data = x.data
        data.add_(1)
        assert x._version == 1  # .data does not
        assert x.tolist() == [3.0, 4.0]


def test_legacy_tensor_constructor():
    assert gradlab.Tensor([1, 2]).tolist() == [1.0, 2.0]
    assert str(gradlab.Tensor([1, 2]).dtype) == "torch.float32"
    assert gradlab.Tensor(2, 3).shape == (2, 3)


def test_isinstance_and_module_functions():
    x = gradlab.tensor([1.0, 4.0])
    assert isinstance(x, gradlab.Tensor) and gradlab.is_tensor(x)
    assert gradlab.sqrt(x).tolist() == [1.0, 2.0]
    assert gradlab.exp(gradlab.tensor(0.0)).item() == 1.0
    assert gradlab.sum(x).item() == 5.0 and gradlab.mean(x).item() == 2.5


def test_nonzero_like_pytorch(torch):
    for data in ([[0, 1], [2, 0]], [0.0, 3.0, 0.0], 3, 0):
        mine, reference = gradlab.tensor(data), torch.tensor(data)
        assert repr(mine.nonzero()) == repr(reference.nonzero())
        assert [t.tolist() for t in mine.nonzero(as_tuple=True)] == \
            [t.tolist() for t in reference.nonzero(as_tuple=True)]


# ------------------------------------------------ layout, storage and small methods
_LAYOUTS = [
    lambda lib, x: x,
    lambda lib, x: x.transpose(0, 2),
    lambda lib, x: x.permute(2, 0, 1),
    lambda lib, x: x[:, :1].expand(2, 5, 4),
    lambda lib, x: x[1:, ::2, 1:3],
    lambda lib, x: x[1, 2],
    lambda lib, x: x.unsqueeze(1),
    lambda lib, x: x[:, :1].squeeze(1),
    lambda lib, x: x.transpose(0, 1)[:, :, 1:].unsqueeze(0),
    lambda lib, x: x.transpose(0, 2).clone(),
    lambda lib, x: x[1].detach(),
    lambda lib, x: x.narrow(2, 1, 2),
    lambda lib, x: x.transpose(1, 2).unflatten(1, (2, -1)),
    lambda lib, x: lib.zeros(0, 3),
    lambda lib, x: lib.zeros(1, 3, 1),
    lambda lib, x: lib.tensor(2.0),
]


@pytest.mark.parametrize("make", _LAYOUTS)
def test_stride_storage_offset_and_data_ptr_match_pytorch(torch, make):
    results = []
    for lib in (gradlab, torch):
        x = lib.arange(24.0).reshape(2, 3, 4)
        t = make(lib, x)
        offset_in_bytes = t.data_ptr() - x.data_ptr() if t.numel() and t.data_ptr() else None
        results.append((t.stride(), [t.stride(d) for d in range(t.dim())], t.storage_offset(),
                        t.ndimension(), t.element_size(), offset_in_bytes is None or
                        offset_in_bytes == t.storage_offset() * t.element_size()))
    assert results[0] == results[1]


def test_stride_errors(torch):
    messages = []
    for lib in (gradlab, torch):
        for t, dim in ((lib.tensor(1.0), 0), (lib.ones(2, 3), 2)):
            with pytest.raises(IndexError) as info:
                t.stride(dim)
            messages.append(str(info.value))
    assert messages[:2] == messages[2:]


def test_data_ptr_is_stable_and_shared_by_views():
    x = gradlab.ones(3, 4)
    assert x.data_ptr() == x.data_ptr() == x.t().data_ptr() == x.view(12).data_ptr()
    assert x[1].data_ptr() == x.data_ptr() + 4 * x.element_size()
    assert x.clone().data_ptr() != x.data_ptr()


def test_type_as_new_empty_and_unflatten(torch):
    import numpy as np
    from helpers import compare_with_torch, double

    compare_with_torch(lambda lib, a, b: a.type_as(b), double(2, 3), double(1).astype(np.float32))
    compare_with_torch(lambda lib, a, b: a.type_as(b), double(3), np.arange(2))
    compare_with_torch(lambda lib, a: a.unflatten(1, (2, 3)), double(2, 6), second_order=True)
    compare_with_torch(lambda lib, a: lib.unflatten(a.t(), 0, (-1, 2)), double(2, 6))
    compare_with_torch(lambda lib, a: a.unflatten(1, (4, 2)), double(2, 6), raises=RuntimeError)
    a = gradlab.ones(2, dtype=gradlab.float64)
    assert a.type_as(a) is a
    for size in ((3, 2), ((3, 2),)):
        empty = a.new_empty(*size)
        assert empty.shape == (3, 2) and empty.dtype == gradlab.float64 and empty.is_leaf
    assert a.new_empty(2, dtype=gradlab.int64).dtype == gradlab.int64


def test_apply_(torch):
    results = []
    for lib in (gradlab, torch):
        t = lib.arange(4)
        assert t.apply_(lambda v: v * 2.5) is t
        u = lib.tensor([1.0, -2.0]).apply_(abs)
        results.append((t.tolist(), u.tolist(), t._version))
        for tensor in (lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True) * 1):
            with pytest.raises(RuntimeError, match="Can't call apply_\\(\\) on Variable that "
                                                   "requires grad"):
                tensor.apply_(lambda v: v)
        with pytest.raises(TypeError, match="must be real number, not str"):
            lib.ones(2).apply_(lambda v: "a")
    assert results[0] == results[1]


def test_public_classes_print_as_in_pytorch(torch):
    """``type(t)`` prints ``<class 'gradlab.Tensor'>`` where PyTorch prints ``<class 'torch.Tensor'>``."""
    import pickle

    t, reference = gradlab.ones(2), torch.ones(2)
    pairs = [(type(t), type(reference)), (type(t.shape), type(reference.shape)),
             (type(t.dtype), type(reference.dtype)), (type(t.device), type(reference.device)),
             (gradlab.finfo, torch.finfo), (gradlab.iinfo, torch.iinfo),
             (type(gradlab.contiguous_format), type(torch.contiguous_format)),
             (gradlab.nn.Parameter, torch.nn.Parameter), (gradlab.optim.AdamW, torch.optim.AdamW),
             (gradlab.optim.lr_scheduler.StepLR, torch.optim.lr_scheduler.StepLR)]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs).replace("torch", "gradlab")
        assert pickle.loads(pickle.dumps(ours)) is ours
    assert repr((t * 2).grad_fn if t.requires_grad else None) == "None"
    node = (gradlab.ones(1, requires_grad=True) * 2).grad_fn
    assert repr(node).startswith("<MulBackward0 object at 0x")
