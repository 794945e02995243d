"""addcmul, addcdiv, lerp and their in-place forms (gradlab/ops/ternary.py) against PyTorch."""
import numpy as np
import pytest
from helpers import compare_with_torch, double, nonfinite_upstream


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1)), ((), (4,), ())])
@pytest.mark.parametrize("value", [1, -0.5])
def test_addcmul_and_addcdiv(shapes, value):
    a, b, c = (double(*shape, seed=i) for i, shape in enumerate(shapes))
    c = np.abs(c) + 0.5
    compare_with_torch(lambda lib, a, b, c: a.addcmul(b, c, value=value), a, b, c, second_order=True)
    compare_with_torch(lambda lib, a, b, c: lib.addcdiv(a, b, c, value=value), a, b, c,
                       second_order=True)
    compare_with_torch(lambda lib, a, b, c: lib.addcmul(a, b, c), a, b, c,
                       upstream=nonfinite_upstream(np.nan))


def test_float32_and_integer_promotion():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.ones((2, 3), np.float32)
    compare_with_torch(lambda lib, a, b: a.addcmul(b, b, value=2), a, b)
    compare_with_torch(lambda lib, a: a.addcmul(a, a, value=3), a)
    compare_with_torch(lambda lib, a: a.addcmul(a, a, value=0.5), a)  # PyTorch casts the value


@pytest.mark.parametrize("method", ["addcmul_", "addcdiv_"])
def test_in_place(method):
    a, b, c = double(2, 3), double(3, seed=1), np.abs(double(2, 3, seed=2)) + 0.5
    compare_with_torch(lambda lib, a, b, c: getattr(a * 1, method)(b, c, value=0.1), a, b, c,
                       second_order=True)
    compare_with_torch(lambda lib, a, b, c: getattr(a, method)(b, c), a, b, c,
                       requires_grad=False)
    compare_with_torch(lambda lib, a, b, c: getattr(a, method)(b, c), a, b, c,
                       raises=RuntimeError)  # a leaf that requires grad
    compare_with_torch(lambda lib, a, b, c: getattr(a, method)(b, c), double(3), double(2, 3),
                       double(3), requires_grad=False, raises=RuntimeError)


def test_adam_style_update_matches_pytorch(torch):
    """Adam's update, written as PyTorch's optimizer writes it, on float32."""
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(5).astype(np.float32) for _ in range(3)]
    results = []
    for lib in (__import__("gradlab"), torch):
        p, m, v = (lib.tensor(x) for x in values)
        for step in range(1, 4):
            g = p * 2
            m.lerp_(g, 0.1)
            v.mul_(0.999).addcmul_(g, g, value=0.001)
            denom = (v.sqrt() / (1 - 0.999 ** step) ** 0.5).add_(1e-8)
            p.addcdiv_(m, denom, value=-0.01 / (1 - 0.9 ** step))
        results.append(p.numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_argument_errors():
    compare_with_torch(lambda lib, a: a.addcmul(a, 2.0), double(2), raises=TypeError)
    compare_with_torch(lambda lib, a: a.addcmul(a, a, value="a"), double(2), raises=TypeError)
    compare_with_torch(lambda lib, a, b: a.addcmul(b, b), double(2), double(3), raises=RuntimeError)
    ints = np.arange(3)
    compare_with_torch(lambda lib, a: lib.ones(3).addcdiv(a, a), ints, raises=RuntimeError)


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.5, 0.75, 1.0, -1.0, 2.5])
def test_lerp_with_a_number(weight):
    compare_with_torch(lambda lib, a, b: a.lerp(b, weight), double(2, 3), double(3, seed=1),
                       second_order=True)
    compare_with_torch(lambda lib, a, b: lib.lerp(a, b, weight),
                       double(4).astype(np.float32), double(4, seed=1).astype(np.float32))


def test_lerp_with_a_tensor_weight():
    weight = np.array([[-0.5], [0.25], [0.5], [0.9]])
    compare_with_torch(lambda lib, a, b, w: a.lerp(b, w), double(4, 3), double(3, seed=1), weight,
                       second_order=True)
    compare_with_torch(lambda lib, a, b, w: (a * 1).lerp_(b, w), double(4, 3), double(3, seed=1),
                       weight, second_order=True)
    compare_with_torch(lambda lib, a, b: (a * 1).lerp_(b, 0.2), double(4, 3), double(3, seed=1),
                       upstream=nonfinite_upstream(np.inf))


def test_lerp_errors():
    compare_with_torch(lambda lib, a, b: a.lerp(b, 0.5), double(2).astype(np.float32), double(2),
                       raises=RuntimeError)
    compare_with_torch(lambda lib, a: a.lerp(a, 0.5), np.arange(2), raises=NotImplementedError)
    compare_with_torch(lambda lib, a: a.lerp(a, a.double()), double(2).astype(np.float32),
                       raises=RuntimeError)
