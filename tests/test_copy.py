"""Copies (gradlab/ops/copy.py): clone and dtype casts, in the graph with gradient 1."""
import numpy as np
import pytest

import gradlab
from gradlab.autograd import gradcheck
from helpers import graph_edges


def test_clone_is_a_new_tensor_in_the_graph():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert type(y.grad_fn).__name__ == "CloneBackward0"
    assert y.detach().numpy() is not x.detach().numpy()
    y.detach().numpy()[0] = 5.0
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)], ids=str)
def test_gradcheck_clone_and_casts(shape, rng):
    x = gradlab.tensor(rng.standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: t.clone() * t, (x,))
    assert gradcheck(lambda t: (t.float() * 2).double(), (x,), eps=1e-3, atol=1e-3)
    assert gradcheck(lambda t: gradlab.clone(t).to(gradlab.float64), (x,))


@pytest.mark.parametrize("expression", [
    "x.clone()", "torch.clone(x)", "x.double()", "x.to(torch.float64)", "x.half()", "x.float()",
    "x.to(torch.float32)", "x.to(torch.float32, copy=True)", "x.to('cpu')", "x.to('cpu', torch.float64)",
    "x.to(device='cpu', dtype=torch.float64)", "x.to(torch.tensor([1], dtype=torch.float64))",
    "x.long()", "x.int()", "x.bool()", "x.to(float)", "x.to(int)", "x.to(torch.device('cpu'))",
    "x.type(torch.float64)", "x.to(torch.float64).to(torch.float32)",
])
def test_casts_match_torch(torch, expression, rng):
    values = rng.standard_normal(3).astype(np.float32) * 3
    upstream = rng.standard_normal(3)

    def run(lib):
        x = lib.tensor(values, requires_grad=True)
        out = eval(expression, {"torch": lib, "x": x})
        result = [str(out.dtype), out.detach().double().tolist(), out is x, out.requires_grad,
                  graph_edges(out.grad_fn)]
        if out.requires_grad and out is not x:
            out.backward(lib.tensor(upstream).to(out.dtype))
            result += [str(x.grad.dtype), x.grad.tolist()]
        return result

    ours, expected = run(gradlab), run(torch)
    assert ours[0] == expected[0] and ours[2:] == expected[2:]
    np.testing.assert_allclose(ours[1], expected[1], rtol=1e-3)


@pytest.mark.parametrize("values, dtype", [([1.5, -2.7, 3.0], "int64"), ([1.5, -2.7, 300.0], "uint8"),
                                           ([1.5, 0.0, 3.0], "bool"), ([1, 2, 3], "float16"),
                                           ([1e5, 2.0, 3.0], "float16")])
def test_conversion_values_match_torch(torch, values, dtype):
    ours = gradlab.tensor(values).to(getattr(gradlab, dtype))
    expected = torch.tensor(values).to(getattr(torch, dtype))
    assert str(ours.dtype) == str(expected.dtype)
    if dtype != "uint8":  # out-of-range float -> uint8 is undefined behaviour in C, also in PyTorch
        assert ours.tolist() == expected.tolist()


def test_gradient_of_a_cast_is_cast_back():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * gradlab.tensor([3.0, 4.0], dtype=gradlab.float64)
    y.sum().backward()
    assert x.grad.dtype is gradlab.float32 and x.grad.tolist() == [3.0, 4.0]


def test_to_the_same_dtype_returns_the_tensor_itself():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    assert x.to(gradlab.float32) is x and x.to("cpu") is x and x.float() is x
    assert x.to(gradlab.float32, copy=True) is not x


ERRORS = [
    ("x.to('cuda')", RuntimeError, "CPU only"),
    ("x.to(torch.float64, torch.float32)", TypeError, "to\\(\\) received an invalid"),
    ("x.to('float32')", RuntimeError, "device"),
]


@pytest.mark.parametrize("code, error, hint", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_say_what_to_do(code, error, hint):
    with pytest.raises(error, match=hint):
        eval(code, {"torch": gradlab, "x": gradlab.tensor([1.0])})


def test_cuda_refusal_is_also_the_assertion_error_torch_raises():
    with pytest.raises(AssertionError):
        gradlab.tensor([1.0]).to("cuda")


def test_name_of_the_cpp_only_copy_node_is_pytorchs():
    """``name()`` of nodes that exist only in PyTorch's C++ carries the ``torch::autograd::`` prefix."""
    a = gradlab.zeros(3) * 1
    a.copy_(gradlab.ones(3, requires_grad=True))
    assert type(a.grad_fn).__name__ == "CopyBackwards"
    assert a.grad_fn.name() == "torch::autograd::CopyBackwards"
