"""Comparisons and logic (gradlab/ops/comparison.py): bool results that cut the graph,
computed in PyTorch's common dtype."""
import numpy as np
import pytest

import gradlab
from gradlab.ops import comparison
from helpers import compare_with_torch

COMPARISONS = ["==", "!=", "<", "<=", ">", ">="]


@pytest.mark.parametrize("op", COMPARISONS)
def test_comparisons_give_bool_tensors_outside_the_graph(op):
    x = gradlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = eval(f"x {op} 2", {"x": x})
    assert out.dtype is gradlab.bool
    assert out.grad_fn is None and not out.requires_grad and out.is_leaf


@pytest.mark.parametrize("op", COMPARISONS)
@pytest.mark.parametrize("other", ["2", "2.5", "True", "y", "z", "torch.tensor(2.0, dtype=torch.float64)",
                                   "torch.tensor(2)", "-1", "1000"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "bool", "float16"])
def test_comparisons_match_torch(torch, op, other, dtype):
    def run(lib):
        x = lib.tensor([0, 1, 2, 3]).to(getattr(lib, dtype))
        names = {"torch": lib, "x": x, "y": lib.tensor([[2], [1]]), "z": lib.tensor([0.5, 1.0, 2.5, 3.0])}
        out = eval(f"x {op} {other}", names)
        return str(out.dtype), out.tolist()

    assert run(gradlab) == run(torch)


def test_numbers_are_compared_in_the_tensors_dtype(torch):
    # 0.1 is rounded to float32 first, as PyTorch does, so it equals the float32 element
    for lib in (gradlab, torch):
        assert (lib.tensor([0.1]) == 0.1).item()
        assert (lib.tensor([0.1]) == lib.tensor(0.1, dtype=lib.float64)).item()
        assert not (lib.tensor([1, 2], dtype=lib.uint8) > -1).any().item()  # -1 wraps to 255


@pytest.mark.parametrize("expression", [
    "a & b", "a | b", "a ^ b", "~a", "i & i", "i | 6", "a & i", "torch.logical_not(f)",
    "torch.logical_and(f, i)", "torch.logical_or(a, f)", "torch.isnan(n)", "torch.isinf(n)",
    "torch.isfinite(n)", "torch.isnan(i)", "torch.equal(f, f)", "torch.equal(f, i)",
    "torch.equal(f, f[:2])", "torch.isclose(f, f + 1e-9)", "torch.allclose(f, f + 1e-3)",
    "n.isnan().any()", "f.all()", "f.any(0)", "i.all(dim=0, keepdim=True)", "u.all()", "u.any()",
    "torch.any(torch.tensor([]))", "torch.all(torch.tensor([]))", "m.any(dim=1)", "m.all(dim=(0, 1))",
])
def test_logic_matches_torch(torch, expression):
    def run(lib):
        names = {
            "torch": lib, "a": lib.tensor([True, False, True]), "b": lib.tensor([True, True, False]),
            "i": lib.tensor([1, 2, 3]), "f": lib.tensor([1.0, 0.0, 3.0]), "u": lib.tensor([1, 0], dtype=lib.uint8),
            "n": lib.tensor([1.0, float("nan"), float("inf")]), "m": lib.tensor([[1.0, 0.0], [1.0, 1.0]]),
        }
        out = eval(expression, names)
        return (str(out.dtype), out.tolist()) if isinstance(out, (gradlab.Tensor, torch.Tensor)) else out

    assert run(gradlab) == run(torch)


def test_comparison_broadcasts():
    x = gradlab.tensor([[1], [2]])
    assert (x < gradlab.tensor([1, 2, 3])).tolist() == [[False, True, True], [False, False, True]]


def test_equality_operators_with_other_objects(torch):
    x = gradlab.tensor([1.0, 2.0])
    assert comparison.eq_operator(x, None) is NotImplemented
    assert comparison.eq_operator(x, "a") is NotImplemented
    assert comparison.eq_operator(x, 1.0).tolist() == [True, False]
    assert (torch.tensor([1.0]) == None) is False  # noqa: E711 - what Tensor.__eq__ must give


ERRORS = [
    ("torch.tensor([1., 2., 3.]) < torch.tensor([1., 2.])", RuntimeError, "must match the size"),
    ("torch.tensor([1., 2.]) < [1, 2]", TypeError, "not supported"),
    ("torch.tensor([1., 2.]) & torch.tensor([1., 2.])", NotImplementedError, "integer and bool"),
    ("torch.allclose(torch.tensor([1.]), torch.tensor([1.], dtype=torch.float64))", RuntimeError,
     "Float did not match Double"),
    ("torch.allclose(torch.tensor([1., 2., 3.]), torch.tensor([1., 2.]))", RuntimeError, "must match the size"),
    ("torch.isclose(torch.tensor([1.]), 1.0)", TypeError, "must be Tensor"),
    ("torch.equal(torch.tensor([1.]), 1.0)", TypeError, "must be Tensor"),
    ("torch.logical_or(torch.tensor([1.]), 0)", TypeError, "must be Tensor"),
]


@pytest.mark.parametrize("code, error, hint", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_say_what_to_do_as_torch_does(code, error, hint):
    ours = compare_with_torch(lambda lib: eval(code, {"torch": lib}), raises=error, reworded=True)
    assert hint in str(ours)


def test_bitwise_not_and_invert_functions():
    assert comparison.bitwise_not(gradlab.tensor([1, 2])).tolist() == [-2, -3]
    assert comparison.bitwise_not(gradlab.tensor([True, False])).tolist() == [False, True]
    with pytest.raises(TypeError, match="logical_not"):
        comparison.bitwise_not(gradlab.tensor([1.0]))


def test_operators_reach_the_comparison_functions():
    assert (~gradlab.tensor([1, 2])).tolist() == [-2, -3]
    assert (gradlab.tensor([1.0]) == None) is False  # noqa: E711 (what Tensor.__eq__ must give)
    with pytest.raises(TypeError):
        ~gradlab.tensor([1.0])


def test_results_are_plain_numpy_free_values():
    out = gradlab.tensor([1.0, np.nan]).isnan()
    assert out.tolist() == [False, True]
