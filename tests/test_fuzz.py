"""The differential fuzz (tests/fuzz.py), bounded: random graphs give the same in gradlab and PyTorch.

Each test runs a few hundred random programs (every op family, in-place writes, NaN and inf,
second order, error parity) in both libraries and compares everything a student can see; a
failure prints each mismatch as a shrunk standalone program. The generator stays away from the
differences in ``fuzz.KNOWN_DIFFERENCES``, each listed there with its reason. The long run, and
how to read it, is in tests/fuzz.py's docstring (``python -m tests.fuzz --graphs 5000``).
"""
import contextlib
import io

import pytest

import gradlab
from fuzz import FEATURES, KNOWN_DIFFERENCES, Statement, check, fuzz, generate, render, reproduction, shrink

GRAPHS = 750  # per mode: about 4 s each on two cores


@pytest.mark.parametrize("mode, seed", [("basic", 101), ("inplace", 102), ("second-order", 103), ("all", 104)])
def test_random_graphs_match_pytorch(torch, mode, seed):
    report = fuzz(GRAPHS, seed=seed, mode=mode, exclude=KNOWN_DIFFERENCES, shrink_limit=2)
    assert report.graphs == GRAPHS
    if report.findings:
        pytest.fail(report.describe(), pytrace=False)


@pytest.fixture(scope="module")
def generated_kinds(torch):
    """Every kind of line random graphs use: 120 graphs, then more (up to 2000) until every kind
    that KNOWN_DIFFERENCES names has turned up."""
    named = {name.removesuffix("@second-order") for name in KNOWN_DIFFERENCES} - set(FEATURES)
    kinds = set()
    for number in range(2000):
        kinds |= {s.kind for s in generate(number, "all")}
        if number >= 120 and named <= kinds:
            break
    return kinds


def test_the_generator_reaches_every_op_family(generated_kinds):
    for family in ("leaf", "constant", "add", "exp", "relu", "clamp", "clamp-tensor", "where", "masked_fill",
                   "maximum", "sum-dim", "max-dim", "prod-all", "norm-dim", "var-dim", "logsumexp", "softmax",
                   "reshape", "view", "transpose", "permute", "expand", "split", "unbind", "index-basic",
                   "index-int-tensor", "index-mask", "cat", "stack", "detach", "no_grad", "retain_grad",
                   "backward", "second-backward", "grad-create_graph", "leaf-order"):
        assert family in generated_kinds, family
    for prefix in ("matmul-1d@", "matmul-2d@", "matmul-3d@", "setitem-", "add_", "mul_"):
        assert any(kind.startswith(prefix) for kind in generated_kinds), prefix
    assert any(kind.endswith("@view") for kind in generated_kinds)  # in-place writes into views


def test_every_known_difference_names_what_to_leave_out_and_why(generated_kinds):
    for name, reason in KNOWN_DIFFERENCES.items():
        feature = name.removesuffix("@second-order")
        assert feature in FEATURES or feature in generated_kinds, name
        assert len(reason) > 40, name


def test_a_graph_is_the_same_program_for_the_same_seed(torch):
    assert render(generate(7, "all")) == render(generate(7, "all"))
    assert render(generate(7, "all")) != render(generate(8, "all"))


# ------------------------------------------------ the fuzz finds what it is meant to find
def _program(*lines):
    return [Statement("", "checkpoint", line[1:]) if line.startswith("@") else Statement(line, line.split()[0])
            for line in lines]


PROGRAM = _program(
    "x0 = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)",
    "v1 = x0.sin()",  # not needed to show the mismatch: shrinking drops it
    "v2 = x0.exp()",
    "loss = v2.sum() + v1.sum()",
    "@forward",
    "loss.backward(retain_graph=True)",
    "@backward",
)


def test_a_wrong_gradient_is_reported_shrunk_and_reproducible(torch, monkeypatch):
    node = type(gradlab.tensor([1.0], requires_grad=True).exp().grad_fn)
    original = node.backward
    monkeypatch.setattr(node, "backward", staticmethod(lambda ctx, grad_output: original(ctx, grad_output) * 2))
    mismatch = check(PROGRAM)
    assert mismatch is not None and mismatch.aspect == "backward .grad value", mismatch
    assert mismatch.expression == "x0.grad"
    statements, mismatch = shrink(PROGRAM, mismatch)
    assert "v1 = x0.sin()" not in [s.source for s in statements]
    text = reproduction(statements, mismatch)
    assert text.startswith("import torch\n") and "print(x0.grad)" in text and "# gradlab:" in text
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(text, {})  # it runs as it is, with PyTorch
    assert "tensor(" in printed.getvalue()


def test_error_parity_is_checked_both_ways(torch, monkeypatch):
    assert check(PROGRAM) is None
    refusing = _program("x0 = torch.tensor([1.0, 2.0], requires_grad=True)", "x0.add_(1)", "@forward")
    assert check(refusing) is None  # both refuse, with the same type of error
    monkeypatch.setattr(gradlab.Tensor, "add_", lambda self, other, alpha=1: self)  # gradlab forgets to refuse
    mismatch = check(refusing)
    assert mismatch.aspect == "torch raises, gradlab does not" and mismatch.index == 1
    assert "x0.add_(1)  # torch: RuntimeError" in reproduction(refusing, mismatch)
