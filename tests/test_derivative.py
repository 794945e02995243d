"""Every derivative is written once, in its node's ``derivatives`` record: these tests hold
each record to the node's real ``backward`` and check what is shown from it.

``SAMPLES`` makes each grad_fn from float64 leaves; for every input the formula is
evaluated with NumPy on the names the node knows (its inputs, ``out``, ctx values) and
compared with what the node's backward returns for a random ``grad_out``. A node class
whose record holds a formula (not words) and has no sample fails
``test_every_formula_is_sampled``.
"""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import gradlab as torch
from gradlab.autograd.derivative import Derivatives, Formula, Words
from gradlab.autograd.node import Node

ROOT = pathlib.Path(__file__).resolve().parents[1]

# (grad_fn name, function of leaf tensors that makes it, input shapes). An input shape
# written as ("signed", shape) gets values of both signs; others lie in [0.5, 2].
SAMPLES = [
    # ---------------------------------------------------------------- arithmetic
    ("AddBackward0", lambda a, b: a + b, [(2, 3), (3,)]),
    ("AddBackward0", lambda a, b: torch.add(a, b, alpha=2.5), [(2, 3), (2, 3)]),
    ("SubBackward0", lambda a, b: torch.sub(a, b, alpha=-1.5), [(3,), (2, 3)]),
    ("RsubBackward0", lambda a, b: torch.rsub(a, b, alpha=2.0), [(3,), (3,)]),
    ("RsubBackward1", lambda a: 2 - a, [(4,)]),
    ("MulBackward0", lambda a, b: a * b, [("signed", (2, 3)), ("signed", (2, 1))]),
    ("DivBackward0", lambda a, b: a / b, [("signed", (3,)), (2, 3)]),
    ("DivBackward2", lambda a, b: torch.div(a, b, rounding_mode="floor"), [(3,), (3,)]),
    ("NegBackward0", lambda a: -a, [("signed", (3,))]),
    ("ReciprocalBackward0", lambda a: torch.reciprocal(a), [("signed", (3,))]),
    ("PowBackward0", lambda a: a ** 3, [("signed", (3,))]),
    ("PowBackward0", lambda a: a ** 0.5, [(2, 2)]),
    ("PowBackward1", lambda a, b: a ** b, [(3,), ("signed", (3,))]),
    ("PowBackward2", lambda b: 2.5 ** b, [("signed", (3,))]),
    ("RemainderBackward0", lambda a: a % 0.7, [(3,)]),
    ("RemainderBackward1", lambda a, b: a % b, [("signed", (4,)), (4,)]),
    ("FmodBackward0", lambda a: torch.fmod(a, 0.7), [("signed", (3,))]),
    ("FmodBackward1", lambda a, b: torch.fmod(a, b), [("signed", (4,)), (4,)]),
    # ---------------------------------------------------------------- pointwise, activation
    # ---------------------------------------------------------------- reduction, linalg, copy
    # ---------------------------------------------------------------- shape, indexing, inplace
    # ---------------------------------------------------------------- loss, convolution, pooling
]


def _node_classes():
    found, stack = set(), [Node]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.derivatives is not None and not cls.__name__.startswith("_"):
            found.add(cls)
    return sorted(found, key=lambda c: c.__name__)


def _values(spec, rng):
    signed, shape = (True, spec[1]) if spec and spec[0] == "signed" else (False, spec)
    values = rng.uniform(0.5, 2.0, size=shape)
    if signed:
        values = values * rng.choice([-1.0, 1.0], size=shape)
    return values


def _sum_to_shape(value, shape):
    value = np.asarray(value, dtype=np.float64)
    value = np.broadcast_to(value, np.broadcast_shapes(value.shape, shape))
    while value.ndim > len(shape):
        value = value.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and value.shape[axis] != 1:
            value = value.sum(axis=axis, keepdims=True)
    return value


def _as_array(value):
    return value._data if isinstance(value, torch.Tensor) else value


@pytest.mark.parametrize("name, make, shapes", SAMPLES,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SAMPLES)])
def test_formula_matches_backward(name, make, shapes):
    rng = np.random.default_rng(len(name))
    arrays = [_values(spec, rng) for spec in shapes]
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = make(*leaves)
    node = out.grad_fn
    assert type(node).__name__ == name
    record = node.derivatives
    names = record.input_names(len(node.next_functions))
    namespace = {key: _as_array(value) for key, value in node.saved_named().items()}
    namespace.update(zip(names, arrays))  # the inputs in this sample's order
    namespace["out"] = out._data
    grad_out = rng.normal(size=out.shape)
    namespace["grad_out"] = grad_out
    grads = node(torch.tensor(grad_out, dtype=torch.float64))
    grads = grads if isinstance(grads, tuple) else (grads,)
    for position, grad in enumerate(grads):
        formula = record.formula(position)
        if grad is None or formula.in_words:
            continue
        value = formula.evaluate(namespace)
        expected = value if formula.is_gradient else grad_out * value
        np.testing.assert_allclose(grad._data, _sum_to_shape(expected, grad.shape), rtol=1e-10,
                                   atol=1e-12, err_msg=f"{name}: {formula.text}")


def test_every_formula_is_sampled():
    sampled = {name for name, _, _ in SAMPLES}
    with_formula = {cls.__name__ for cls in _node_classes()
                    if any(not f.in_words for f in cls.derivatives.formulas)}
    assert sorted(with_formula - sampled) == []


def test_every_record_names_each_input_once_and_renders():
    for cls in _node_classes():
        record = cls.derivatives
        assert len(set(record.inputs)) == len(record.inputs), cls.__name__
        for formula in record.formulas:
            assert formula.text and formula.latex, cls.__name__


def test_no_node_keeps_the_old_derivative_attributes():
    """The derivative is stated once: no class restates it as text beside its record."""
    for cls in _node_classes():
        for attribute in ("local_derivatives_latex",):
            assert attribute not in vars(cls), cls.__name__
        assert "local_derivatives" not in vars(cls), cls.__name__


# ---------------------------------------------------------------- showing a formula
@pytest.mark.parametrize("source, text, latex", [
    ("b", "∂out/∂a = b", r"\frac{\partial out}{\partial a} = b"),
    ("-a / b ** 2", "∂out/∂a = -a / b²", r"\frac{\partial out}{\partial a} = \frac{-a}{b^{2}}"),
    ("exponent * a ** (exponent - 1)", "∂out/∂a = exponent · a^(exponent-1)",
     r"\frac{\partial out}{\partial a} = \mathit{exponent} \cdot a^{\mathit{exponent} - 1}"),
    ("1 - out ** 2", "∂out/∂a = 1 - out²", r"\frac{\partial out}{\partial a} = 1 - \mathit{out}^{2}"),
    ("1 if min <= a <= max else 0", "∂out/∂a = 1 if min ≤ a ≤ max else 0",
     r"\frac{\partial out}{\partial a} = 1 \text{ if } \mathit{min} \le a \le \mathit{max} "
     r"\text{ else } 0"),
    ("grad_out @ b.T", "grad_a = grad_out @ bᵀ", r"\mathrm{grad}_{a} = \mathrm{grad}_{out} \, b^\top"),
    ("1 / (2 * sqrt(a))", "∂out/∂a = 1 / (2 · √a)",
     r"\frac{\partial out}{\partial a} = \frac{1}{2 \cdot \sqrt{a}}"),
])
def test_text_and_latex(source, text, latex):
    formula = Formula("a", source)
    assert formula.text == text
    assert formula.latex == latex


def test_chain_puts_the_values_in_place_of_the_names():
    local = Formula("a", "b")
    assert local.chain("a", {"grad_out": "[1., 1.]", "b": "[3., 4.]"}) == \
        ("grad_a = grad_out × b", "[1., 1.] × [3., 4.]")
    sum_of_two = Formula("a", "1 - out ** 2")
    assert sum_of_two.chain("x", {"grad_out": "2.", "out": "0.5"}) == \
        ("grad_x = grad_out × (1 - out²)", "2. × (1 - 0.5²)")
    gradient = Formula("A", "grad_out @ B.T")
    assert gradient.chain("A", {"grad_out": "[[1.]]"}) == ("grad_A = grad_out @ Bᵀ", "[[1.]] @ Bᵀ")
    assert Formula("x", Words("spread over the window")).chain("x") == (None, None)


def test_evaluate_works_element_by_element():
    formula = Formula("a", "1 if min <= a <= max else 0")
    result = formula.evaluate({"a": np.array([-1.0, 0.5, 2.0]), "min": 0.0, "max": 1.0})
    assert result.tolist() == [0, 1, 0]
    assert Formula("a", "not a > 0 and a < 2").evaluate({"a": np.array([-1.0, 1.0])}).tolist() == \
        [True, False]
    with pytest.raises(ValueError, match="in words"):
        Formula("a", Words("by hand")).evaluate({})


def test_variadic_record_names_every_input():
    record = Derivatives("cat(tensors, dim)", variadic=True, tensors=Words("its slice"))
    assert record.input_names(3) == ["tensors[0]", "tensors[1]", "tensors[2]"]
    assert record.formula(2) is record.formulas[0]


def test_node_reads_expression_and_inputs_from_its_record():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    node = (x * 3).grad_fn
    assert node.expression == "a * b"
    assert node.local_derivatives == ("∂out/∂a = b", "∂out/∂b = a")
    # a number after the declared inputs is a parameter of forward, not an edge
    assert len((x ** 2).grad_fn.next_functions) == 1
    assert (x ** 2).grad_fn.saved_named()["exponent"] == 2


def test_docs_derivatives_md_is_current():
    """docs/derivatives.md is exactly what scripts/render_derivatives.py writes now."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_derivatives.py"), "--stdout"],
                            capture_output=True, text=True, check=True)
    committed = (ROOT / "docs" / "derivatives.md").read_text(encoding="utf-8")
    assert result.stdout == committed, "run: python scripts/render_derivatives.py"
