"""Teaching code in the style of common autograd tutorials, run twice — with real
PyTorch and with ``import gradlab as torch`` — and the printed output compared.

Memory addresses are replaced before comparing; everything else must match
character for character.
"""
import contextlib
import io
import re
import textwrap

import numpy as np
import pytest

import gradlab

SNIPPETS = {
    "first_steps": """
        x = torch.ones(2, 2, requires_grad=True)
        print(x)
        y = x + 2
        print(y)
        print(y.grad_fn)
        z = y * y * 3
        out = z.mean()
        print(z, out)
        out.backward()
        print(x.grad)
    """,
    "requires_grad_flag": """
        a = torch.tensor([[1.0, -2.0], [3.0, 0.5]])
        a = ((a * 3) / (a - 1))
        print(a.requires_grad)
        a.requires_grad_(True)
        print(a.requires_grad)
        b = (a * a).sum()
        print(b.grad_fn)
    """,
    "vector_jacobian_product": """
        x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = x * 2
        while y.data.norm() < 1000:
            y = y * 2
        print(y)
        v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
        y.backward(v)
        print(x.grad)
    """,
    "no_grad_and_detach": """
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        print(x.requires_grad)
        print((x ** 2).requires_grad)
        with torch.no_grad():
            print((x ** 2).requires_grad)
        y = x.detach()
        print(y.requires_grad)
        print(x.eq(y).all())
    """,
    "dot_product_gradients": """
        x = torch.arange(4.0)
        x.requires_grad_(True)
        print(x.grad)
        y = 2 * torch.dot(x, x)
        print(y)
        y.backward()
        print(x.grad)
        print(x.grad == 4 * x)
        x.grad.zero_()
        y = x.sum()
        y.backward()
        print(x.grad)
        x.grad.zero_()
        y = x * x
        y.sum().backward()
        print(x.grad)
        x.grad.zero_()
        y = x * x
        u = y.detach()
        z = u * x
        z.sum().backward()
        print(x.grad == u)
    """,
    "python_control_flow": """
        def f(a):
            b = a * 2
            while b.norm() < 1000:
                b = b * 2
            if b.sum() > 0:
                c = b
            else:
                c = 100 * b
            return c

        a = torch.tensor(0.7, requires_grad=True)
        d = f(a)
        d.backward()
        print(a.grad == d / a)
        print(a.grad)
    """,
    "manual_linear_regression": """
        X = torch.tensor([[1.0, 2.0], [2.0, 0.5], [3.0, -1.0], [4.0, 1.5]])
        Y = torch.tensor([[5.0], [3.5], [1.0], [7.5]])
        w = torch.zeros(2, 1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        learning_rate = 0.05
        for epoch in range(60):
            prediction = X @ w + b
            loss = ((prediction - Y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= learning_rate * w.grad
                b -= learning_rate * b.grad
                w.grad.zero_()
                b.grad.zero_()
            if epoch % 20 == 0:
                print(epoch, round(loss.item(), 3))
        print(w.is_leaf, w.grad_fn, w.shape)
    """,
    "higher_order": """
        x = torch.tensor(3.0, requires_grad=True)
        y = x ** 3
        (dy,) = torch.autograd.grad(y, x, create_graph=True)
        print(dy)
        (d2y,) = torch.autograd.grad(dy, x)
        print(d2y)
        z = torch.tensor([1.0, 2.0], requires_grad=True)
        g = torch.autograd.grad((z.sin() * z).sum(), z, create_graph=True)[0]
        print(g)
        print(torch.autograd.grad(g.sum(), z)[0])
    """,
    "hooks": """
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.register_hook(lambda grad: print("grad of y:", grad))
        h = x.register_hook(lambda grad: grad * 2)
        (y * y).sum().backward()
        print(x.grad)
        h.remove()
    """,
    "retain_grad": """
        a = torch.tensor([2.0, 3.0], requires_grad=True)
        b = a * a
        b.retain_grad()
        c = b.sum()
        c.backward()
        print(b.grad, a.grad, b.is_leaf, c.grad_fn)
    """,
    "walking_the_graph": """
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        w = torch.tensor([0.5, -0.5], requires_grad=True)
        loss = (x * w).sigmoid().sum()
        node = loss.grad_fn
        while node is not None:
            print(node.name(), [(type(n).__name__ if n else None, i) for n, i in node.next_functions])
            node = node.next_functions[0][0] if node.next_functions else None
        print(loss.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[1][0].variable)
    """,
    "accumulation": """
        w = torch.tensor([1.0, 1.0], requires_grad=True)
        for step in range(3):
            loss = (w * torch.tensor([2.0, 3.0])).sum()
            loss.backward()
            print(step, w.grad)
        w.grad = None
        (w ** 2).sum().backward()
        print(w.grad)
    """,
    "jacobian": """
        from torch.autograd.functional import jacobian, hessian
        def f(x):
            return x ** 2 + x.prod()
        x = torch.tensor([1.0, 2.0, 3.0])
        print(jacobian(f, x))
        print(hessian(lambda t: (t ** 3).sum(), x))
    """,
    "custom_function": """
        class MyReLU(torch.autograd.Function):
            @staticmethod
            def forward(ctx, input):
                ctx.save_for_backward(input)
                return input.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                (input,) = ctx.saved_tensors
                grad_input = grad_output.clone()
                grad_input[input < 0] = 0
                return grad_input

        x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        y = MyReLU.apply(x)
        print(y)
        y.sum().backward()
        print(x.grad)
    """,
    "indexing_and_shapes": """
        m = torch.arange(12.0).reshape(3, 4).requires_grad_()
        row = m[1]
        col = m[:, 2]
        picked = m[[0, 2, 2], [1, 3, 3]]
        total = row.sum() + (col * 2).sum() + picked.sum() + m.t().mean()
        print(row.grad_fn, col.grad_fn, picked.grad_fn)
        total.backward()
        print(m.grad)
        print(m.view(-1).shape, m.flatten().grad_fn, m.T.grad_fn, m.t().grad_fn)
    """,
    "dtypes": """
        print(torch.tensor([1, 2]) * 2.5)
        print(torch.tensor([1, 2]) / 2)
        print(torch.tensor([1.0], dtype=torch.float64) * torch.tensor(2.0))
        print(torch.arange(5), torch.arange(0, 1, 0.25), torch.linspace(0, 1, 5))
        print(torch.zeros(2, 3).dtype, torch.tensor([True]).dtype, torch.eye(2))
    """,
}

ERRORS = {
    "backward_twice": """
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    """,
    "non_scalar": """
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward()
    """,
    "int_requires_grad": """
        torch.tensor([1, 2], requires_grad=True)
    """,
    "numpy_with_grad": """
        torch.tensor([1.0], requires_grad=True).numpy()
    """,
    "leaf_in_place": """
        w = torch.tensor([1.0], requires_grad=True)
        w += 1
    """,
    "shape_mismatch": """
        torch.ones(3) + torch.ones(2)
    """,
    "matmul_mismatch": """
        torch.ones(2, 3) @ torch.ones(4, 5)
    """,
    "modified_in_place": """
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        a = x * 1
        b = a * a
        a.add_(1)
        b.sum().backward()
    """,
}

ONE_LINERS = [
 "x=torch.tensor([1.,2.,3.],requires_grad=True); print((np.float64(2.0)*x))",
 "x=torch.tensor([1.,2.,3.],requires_grad=True); print(x*np.float32(2.0), 2**x, x**0.5)",
 "x=torch.ones(2,3); print(x.view(-1,1).shape, x.sum(dim=[0,1]), x.mean(1, keepdim=True))",
 "x=torch.arange(6.).reshape(2,3); print(x[x>2], x[:,None].shape, x.max(dim=1))",
 "x=torch.tensor([[1.,2.],[3.,4.]],requires_grad=True); y=x.pow(2).sum(); y.backward(); print(x.grad, y)",
 "x=torch.tensor(2.,requires_grad=True); y=torch.tensor(3.,requires_grad=True); z=x*y+y**2; z.backward(); print(x.grad,y.grad,z)",
 "print(torch.tensor([1.5]).item(), torch.tensor([[1,2],[3,4]]).tolist(), torch.zeros(3).dtype, torch.ones(2,dtype=torch.int32))",
 "x=torch.linspace(-2,2,5,requires_grad=True); y=torch.relu(x); y.sum().backward(); print(x.grad, y)",
 "x=torch.tensor([0.,1.,2.],requires_grad=True); y=torch.sigmoid(x); y.backward(torch.ones(3)); print(x.grad)",
 "x=torch.tensor([3.,4.],requires_grad=True); n=x.norm(); n.backward(); print(n, x.grad)",
 "a=torch.tensor([1.,2.],requires_grad=True); b=a.detach().clone(); b.requires_grad_(); print(b, b.is_leaf)",
 "x=torch.tensor([1.,2.]); print(x.numpy(), type(x.numpy()).__name__)",
 "x=torch.tensor([[1.,2.],[3.,4.]]); print(x @ x, x.T, x.t() @ x, torch.matmul(x, x[0]))",
 "x=torch.tensor([1.,2.,3.], requires_grad=True); print(x[0], x[1:], x.sum()/3, x.mean())",
 "print(torch.tensor([[0.1234567, 100.5],[1e-3, 2]]), torch.tensor([1e10, 1.]), torch.tensor(float('inf')))",
 "w=torch.tensor([0.5],requires_grad=True); print(w.grad_fn, (w*2).grad_fn.next_functions)",
 "x=torch.tensor([1.,2.],requires_grad=True); print(torch.autograd.grad(x.exp().sum(), x))",
 "x=torch.tensor([1.,-1.],requires_grad=True); print(torch.where(x>0, x, torch.zeros(2)), torch.abs(x), torch.clamp(x, min=0))",
 "x=torch.tensor([[1.,2.],[3.,4.]],requires_grad=True); print(torch.softmax(x, dim=1), torch.log_softmax(x,1))",
 "x=torch.tensor([1, 2, 3]); print(x.float().mean(), x.sum(), x * 1.5, x // 2, x % 2, -x)",
 "x=torch.ones(3,requires_grad=True); y=x*2; print(y.requires_grad, y.is_leaf, x.is_leaf, y.grad_fn.name())",
 "print(torch.cat([torch.ones(2), torch.zeros(2)]), torch.stack([torch.ones(2), torch.zeros(2)], dim=1))",
 "print(torch.eye(3), torch.full((2,2), 7.), torch.zeros_like(torch.ones(2,dtype=torch.int64)))",
]

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _run(code, lib):
    namespace = {"torch": lib, "np": np}
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(textwrap.dedent(code).replace("from torch.", f"from {lib.__name__}."), namespace)
    return _ADDRESS.sub("0xADDR", output.getvalue())


def _error(code, lib):
    try:
        _run(code, lib)
    except Exception as error:
        return type(error), str(error)
    return None, None


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_output_as_pytorch(name, torch):
    expected = _run(SNIPPETS[name], torch)
    assert _run(SNIPPETS[name], gradlab) == expected


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_same_error_meaning_as_pytorch(name, torch):
    expected_type, expected_message = _error(ERRORS[name], torch)
    actual_type, actual_message = _error(ERRORS[name], gradlab)
    assert expected_type is not None and actual_type is not None
    assert issubclass(actual_type, expected_type.__mro__[0]) or actual_type is expected_type
    first_sentence = re.split(r"[.(:]", expected_message)[0].strip()
    assert first_sentence.lower() in actual_message.lower(), (expected_message, actual_message)


@pytest.mark.parametrize("code", ONE_LINERS)
def test_one_liners_print_like_pytorch(code, torch):
    assert _run(code, gradlab) == _run(code, torch)
