"""Creating tensors (gradlab/creation.py): dtype inference, shapes, ranges and errors as in PyTorch."""
import warnings

import numpy as np
import pytest

import gradlab


def _outcome(lib, code):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = eval(code, {"torch": lib, "np": np})
    except Exception as error:
        return "error", error
    return "ok", (str(out.dtype), tuple(out.shape), out.detach().double().numpy(), out.requires_grad,
                  out.is_leaf)


CASES = [
    # dtype inference from Python data
    "torch.tensor([[1, 2], [3, 4]])", "torch.tensor([[1, 2.5], [3, 4]])", "torch.tensor([True, False])",
    "torch.tensor([True, 2])", "torch.tensor([True, 2.5])", "torch.tensor(3)", "torch.tensor(3.5)",
    "torch.tensor(True)", "torch.tensor([])", "torch.tensor([[], []])", "torch.tensor((1, 2))",
    "torch.tensor(range(3))", "torch.tensor([1e40])", "torch.tensor([2**40])",
    "torch.tensor(torch.Size([2, 3]))",
    # NumPy numbers and arrays keep their dtype; tensors inside lists too
    "torch.tensor(np.float64(2.5))", "torch.tensor(np.int32(2))", "torch.tensor([np.float64(2.5), 1])",
    "torch.tensor([np.int32(1), 2])", "torch.tensor([np.float16(1), 2.5])", "torch.tensor([np.bool_(True), False])",
    "torch.tensor(np.array([1, 2], dtype=np.int32))", "torch.tensor(np.array([1., 2.]))",
    "torch.tensor(np.array([[1, 2], [3, 4]]).T)",
    "torch.tensor([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)])",
    "torch.tensor([[1, 2], np.array([3.5, 4])])",
    "torch.tensor([torch.tensor(2.5, dtype=torch.float64), 1])",
    "torch.tensor([torch.tensor(1, dtype=torch.int32), torch.tensor(2, dtype=torch.int32)])",
    "torch.tensor(torch.tensor([1., 2.]))",
    # explicit dtype, requires_grad, device
    "torch.tensor([1, 2], dtype=torch.float64)", "torch.tensor([1.7, -2.7], dtype=torch.int64)",
    "torch.tensor([1, 2], dtype=float)", "torch.tensor([1, 2], dtype=int)", "torch.tensor([1, 2], dtype=bool)",
    "torch.tensor([-1], dtype=torch.uint8)", "torch.tensor(2.5, dtype=torch.int64)",
    "torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([1, 2], dtype=torch.float32, requires_grad=True)",
    "torch.tensor([1., 2.], device='cpu')", "torch.tensor([1., 2.], device=torch.device('cpu'))",
    "torch.tensor(np.array([1, 2]), dtype=torch.float16)", "torch.tensor([1.5e300], dtype=torch.float32)",
    # errors
    "torch.tensor([[1, 2], [3]])", "torch.tensor([[1, 2], 3])", "torch.tensor([1, [2, 3]])",
    "torch.tensor('abc')", "torch.tensor([1, 'a'])", "torch.tensor(None)", "torch.tensor([1, None])",
    "torch.tensor({1: 2})", "torch.tensor(object())", "torch.tensor([2**63])",
    "torch.tensor([torch.tensor([1., 2.]), torch.tensor([3., 4.])])",
    "torch.tensor([1, 2], requires_grad=True)", "torch.tensor([1., 2.], device='cuda')",
    "torch.tensor([1., 2.], device='gpu')",
    # filled tensors
    "torch.zeros(2, 3)", "torch.zeros((2, 3))", "torch.zeros([2, 3])", "torch.zeros(torch.Size([2, 3]))",
    "torch.zeros(size=(2, 3))", "torch.zeros(())", "torch.zeros([])", "torch.zeros(0)", "torch.zeros(np.int64(2))",
    "torch.zeros(2, 3, dtype=torch.int32)", "torch.zeros(2, requires_grad=True)", "torch.ones(2, dtype=float)",
    "torch.ones(3, dtype=torch.bool)", "torch.ones(2, 3, dtype=torch.uint8)",
    "torch.empty(2, 3).shape and torch.zeros(2, 3)",
    "torch.zeros(-1)", "torch.ones(2, -1)", "torch.zeros(2.5)", "torch.zeros(2, 3.0)",
    "torch.zeros(2, dtype=torch.int64, requires_grad=True)", "torch.zeros(2, device='cuda')",
    "torch.full((2, 2), 7)", "torch.full((2, 2), 7.)", "torch.full((2, 2), True)",
    "torch.full((2,), 7, dtype=torch.float64)", "torch.full([2], 7.5, requires_grad=True)",
    "torch.full((2,), torch.tensor(3.))", "torch.full(2, 7.5)", "torch.full((2,), 7, requires_grad=True)",
    "torch.full((2,), [1, 2])", "torch.eye(3)", "torch.eye(2, 3)", "torch.eye(2, dtype=torch.int64)",
    "torch.eye(2, requires_grad=True)", "torch.eye(2, 0)", "torch.eye(-1)",
    # ranges
    "torch.arange(5)", "torch.arange(1, 5)", "torch.arange(1, 5, 2)", "torch.arange(5, 0, -1)",
    "torch.arange(5, 0, -2)", "torch.arange(0, 1, 0.1)", "torch.arange(1, 0, -0.25)", "torch.arange(5.)",
    "torch.arange(0, 5, dtype=torch.float32)", "torch.arange(-1.5, 1.5, 0.5)", "torch.arange(0, 10, 3)",
    "torch.arange(0, -10, -3)", "torch.arange(torch.tensor(3))", "torch.arange(torch.tensor(3.))",
    "torch.arange(0.5, 5, 1.5, dtype=torch.int64)", "torch.arange(0, 5.5, dtype=torch.int64)",
    "torch.arange(-3, 3, 2.5)", "torch.arange(3, dtype=torch.float16)", "torch.arange(2**40, 2**40 + 3)",
    "torch.arange(5., requires_grad=True)", "torch.arange(5, requires_grad=True)",
    "torch.arange(0, 5, 0)", "torch.arange(0, 5, -1)", "torch.arange(5, 0)",
    "torch.arange(0, 1, 0.3, dtype=torch.int64)",
    "torch.arange(0, 5, dtype=torch.bool)",
    "torch.linspace(0, 1, 5)", "torch.linspace(0, 1, 1)", "torch.linspace(0, 1, 0)", "torch.linspace(-3.3, 7.1, 13)",
    "torch.linspace(0, 10, 4, dtype=torch.int64)", "torch.linspace(0., 1., 5, dtype=torch.int64)",
    "torch.linspace(-5, 5, 4, dtype=torch.int32)", "torch.linspace(-1, 1, 5, requires_grad=True)",
    "torch.linspace(torch.tensor(0.), 1, 3)", "torch.linspace(0, 1, steps=3)", "torch.linspace(0, 1, -1)",
    "torch.linspace(2.5, -1.5, 33, dtype=torch.float64)", "torch.logspace(0, 2, 3)",
    # *_like
    "torch.zeros_like(torch.tensor([[1, 2]]))", "torch.ones_like(torch.tensor([[1., 2.]]))",
    "torch.ones_like(torch.tensor([[1., 2.]], requires_grad=True))", "torch.full_like(torch.ones(2), 7)",
    "torch.full_like(torch.tensor([1, 2]), 7.5)",
    "torch.zeros_like(torch.tensor([1, 2]), dtype=torch.float32, requires_grad=True)",
    "torch.zeros_like(torch.tensor([1, 2]), requires_grad=True)", "torch.ones_like(torch.ones(2), device='cuda')",
    "torch.empty_like(torch.ones(2, dtype=torch.float64)).shape and torch.ones(2, dtype=torch.float64)",
    # sharing memory
    "torch.from_numpy(np.array([1., 2.]))", "torch.from_numpy(np.array([1, 2], dtype=np.int8))",
    "torch.from_numpy([1, 2])", "torch.as_tensor([1, 2])", "torch.as_tensor([1., 2.], dtype=torch.int32)",
    "torch.as_tensor(np.array([1., 2.]), dtype=torch.float32)",
]


@pytest.mark.parametrize("code", CASES)
def test_creation_matches_torch(torch, code):
    expected_kind, expected = _outcome(torch, code)
    kind, ours = _outcome(gradlab, code)
    assert kind == expected_kind, f"torch: {expected!r}\ngradlab: {ours!r}"
    if kind == "error":
        assert isinstance(ours, type(expected)) or (
            isinstance(expected, AssertionError) and isinstance(ours, RuntimeError)
        ), f"torch: {expected!r}\ngradlab: {ours!r}"
        message = str(ours)
        assert "inhomogeneous" not in message and "ufunc" not in message and "numpy." not in message
        return
    assert ours[0] == expected[0] and ours[1] == expected[1] and ours[3:] == expected[3:]
    np.testing.assert_allclose(ours[2], expected[2], rtol=1e-6)


@pytest.mark.parametrize("args", [(-3.3, 7.1, 13), (0, 1, 7), (0, 10, 4), (2.5, -1.5, 9), (-1, 1, 2)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_short_linspace_is_bit_exact(torch, args, dtype):
    ours = gradlab.linspace(*args, dtype=getattr(gradlab, dtype)).numpy()
    expected = torch.linspace(*args, dtype=getattr(torch, dtype)).numpy()
    assert ours.tolist() == expected.tolist()


# ------------------------------------------------------------ without torch
def test_dtype_inference():
    assert gradlab.tensor([1, 2]).dtype is gradlab.int64
    assert gradlab.tensor([1, 2.5]).dtype is gradlab.float32
    assert gradlab.tensor([True, 2]).dtype is gradlab.int64
    assert gradlab.tensor([True, False]).dtype is gradlab.bool
    assert gradlab.tensor(np.array([1.0])).dtype is gradlab.float64
    assert gradlab.tensor([]).dtype is gradlab.float32


def test_ragged_lists_get_pytorchs_message():
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 1\)"):
        gradlab.tensor([[1, 2], [3]])


def test_text_is_refused():
    with pytest.raises(TypeError, match="invalid data type 'str'"):
        gradlab.tensor("abc")


def test_only_floating_tensors_can_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        gradlab.tensor([1, 2], requires_grad=True)
    assert gradlab.tensor([1, 2], dtype=gradlab.float32, requires_grad=True).requires_grad


def test_from_numpy_and_as_tensor_share_memory():
    array = np.array([1.0, 2.0])
    shared = gradlab.from_numpy(array)
    also_shared = gradlab.as_tensor(array)
    copied = gradlab.tensor(array)
    array[0] = 5.0
    assert shared.tolist() == also_shared.tolist() == [5.0, 2.0]
    assert copied.tolist() == [1.0, 2.0]
    shared.add_(1)
    assert array.tolist() == [6.0, 3.0]


def test_as_tensor_of_a_tensor_is_the_tensor():
    x = gradlab.tensor([1.0, 2.0])
    assert gradlab.as_tensor(x) is x
    assert gradlab.as_tensor(x, dtype=gradlab.float64).dtype is gradlab.float64


def test_cuda_is_refused_with_a_sentence():
    with pytest.raises(RuntimeError, match="CPU only"):
        gradlab.zeros(2, device="cuda")


def test_decreasing_range_needs_a_negative_step():
    assert gradlab.arange(5, 0, -2).tolist() == [5, 3, 1]
    with pytest.raises(RuntimeError, match="negative step"):
        gradlab.arange(5, 0)


def test_copying_a_tensor_warns_like_torch():
    with pytest.warns(UserWarning, match="clone\\(\\)"):
        gradlab.tensor(gradlab.tensor([1.0]))
