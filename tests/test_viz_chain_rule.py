"""gradlab.viz.chain_rule: the text of each recorded backward step (no widgets needed)."""
import pytest

import gradlab
from gradlab.viz.chain_rule import input_symbols, values_text
from gradlab.viz.recording import BackwardRecording
from recording_checks import line, record_of


@pytest.fixture
def reused():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    w = gradlab.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    z = y + x ** 2
    loss = z.relu().sum()
    return BackwardRecording(loss, names={"x": x, "w": w, "y": y, "z": z, "loss": loss})


def test_chain_rule_of_sum_relu_add_pow_mul(reused):
    assert line(record_of(reused, "SumBackward0"), "gradient arriving") == \
        "gradient arriving at loss: grad_out = 1.   (backward starts from d(output)/d(output) = 1)"
    assert line(record_of(reused, "SumBackward0"), "grad_a") == \
        "grad_a = expand(grad_out, shape) = expand(1., [2]) = [1., 1.]   → ReluBackward0"
    assert line(record_of(reused, "ReluBackward0"), "grad_a") == \
        "grad_a = grad_out × (0 if out ≤ 0 else 1) = [1., 1.] × (0 if [ 4., 12.] ≤ 0 else 1) = [1., 1.]   → z"
    add = record_of(reused, "AddBackward0")
    assert line(add, "grad_a") == "grad_a = grad_out × 1 = [1., 1.] × 1 = [1., 1.]   → y"
    assert line(add, "grad_b") == \
        "grad_b = grad_out × 1 = [1., 1.] × 1 = [1., 1.]   → PowBackward0"  # alpha = 1 put in
    assert line(record_of(reused, "PowBackward0"), "grad_a") == \
        "grad_a = grad_out × 2 · a = [1., 1.] × 2 · [1., 2.] = [2., 4.]   → x"  # the exponent put in
    assert line(record_of(reused, "PowBackward0"), "local derivatives") == \
        "local derivatives: ∂out/∂a = 2 · a"
    mul = record_of(reused, "MulBackward0")
    assert line(mul, "grad_a") == "grad_a = grad_out × b = [1., 1.] × [3., 4.] = [3., 4.]   → x"
    assert line(mul, "grad_b") == "grad_b = grad_out × a = [1., 1.] × [1., 2.] = [1., 2.]   → w"
    assert line(mul, "local derivatives") == "local derivatives: ∂out/∂a = b;  ∂out/∂b = a"
    assert mul.text.startswith("backward step 5 of 7: MulBackward0   out = a * b   (a = x, b = w)")


def test_a_reused_tensor_shows_its_contributions_added(reused):
    x_step = [r for r in reused.steps if r.name == "AccumulateGrad"
              and r.changed[0][0].label == "x"][0]
    assert line(x_step, "gradient arriving") == (
        "gradient arriving at x: grad = [2., 4.] (from PowBackward0, as a) + "
        "[3., 4.] (from MulBackward0, as a) = [5., 8.]")
    assert "x is used 2 times" in x_step.text
    assert line(x_step, "x.grad") == "x.grad was None, so it becomes the gradient: x.grad = [5., 8.]"


def test_grad_plus_equals_shows_before_added_after():
    x = gradlab.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)  # x.grad = [2., 4.] already
    recording = BackwardRecording(loss, names={"x": x})
    assert x.grad.tolist() == [4.0, 8.0]  # accumulated, as a second loss.backward() would
    leaf = recording.steps[-1]
    assert line(leaf, "gradient arriving") == (
        "gradient arriving at x: grad = [1., 2.] (from MulBackward0, as a) + "
        "[1., 2.] (from MulBackward0, as b) = [2., 4.]")
    assert line(leaf, "x.grad +=") == \
        "x.grad += grad:  [2., 4.] + [2., 4.] = [4., 8.]   (before + added = after)"


def test_chain_rule_of_matmul():
    a = gradlab.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = gradlab.tensor([[0.5, -1.0], [2.0, 1.0]], requires_grad=True)
    loss = (a @ b).sum()
    recording = BackwardRecording(loss, names={"a": a, "b": b})
    mm = record_of(recording, "MmBackward0")
    assert line(mm, "grad_A") == ("grad_A = grad_out @ Bᵀ = [[1., 1.], [1., 1.]] @ "
                                  "[[ 0.5000, -1.0000], [ 2.0000, 1.0000]]ᵀ = "
                                  "[[-0.5000, 3.0000], [-0.5000, 3.0000]]   → a")
    assert line(mm, "grad_B") == ("grad_B = Aᵀ @ grad_out = [[1., 2.], [3., 4.]]ᵀ @ "
                                  "[[1., 1.], [1., 1.]] = [[4., 4.], [6., 6.]]   → b")
    assert line(mm, "derivatives") == "derivatives: grad_A = grad_out @ Bᵀ;  grad_B = Aᵀ @ grad_out"


def test_the_numbers_after_the_last_equals_sign_are_the_engines(reused):
    for record in reused.steps:
        for position, grad in enumerate(record.step.grad_inputs):
            if grad is None:
                continue
            symbol = input_symbols(record.node)[position]
            assert line(record, f"grad_{symbol} ").split("   → ")[0].endswith(f"= {values_text(grad)}")


def test_a_broadcast_input_says_it_was_summed_back():
    x = gradlab.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    bias = gradlab.tensor([10.0, 20.0], requires_grad=True)
    loss = (x * bias).sum()
    recording = BackwardRecording(loss, names={"x": x, "bias": bias})
    assert line(record_of(recording, "MulBackward0"), "grad_b") == (
        "grad_b = grad_out × a = [[1., 1.], [1., 1.]] × [[1., 2.], [3., 4.]], summed over the "
        "broadcast dimensions to b's shape [2] = [4., 6.]   → bias")


def test_a_rule_in_words_is_shown_as_words():
    x = gradlab.tensor([[0.5, 1.0]], requires_grad=True)
    loss = x.gather(1, gradlab.tensor([[1, 1]])).sum()
    recording = BackwardRecording(loss, names={"x": x})
    gather = record_of(recording, "GatherBackward0")
    assert line(gather, "grad_a") == \
        "grad_a = 1 where index points (summed over repeats) = [[0., 2.]]   → x"


def test_a_custom_function_gets_the_general_line():
    class Double(gradlab.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    x = gradlab.tensor([0.5, 1.0], requires_grad=True)
    recording = BackwardRecording(Double.apply(x).sum(), names={"x": x})
    double = record_of(recording, "DoubleBackward")
    assert line(double, "grad_input0") == "grad_input0 = grad_out · ∂out/∂input0 = [2., 2.]   → x"


# ---------------------------------------------------------------- shapes: vector–Jacobian products

def _shape_lines(record):
    return [text.strip() for text in record.text.splitlines() if text.strip().startswith("shapes:")]


def test_matmul_shows_how_the_gradient_changes_shape():
    x = gradlab.ones(2, 3)
    W = gradlab.ones(3, 3, requires_grad=True)
    loss = (x @ W).sum()
    recording = BackwardRecording(loss, names={"x": x, "W": W, "loss": loss})
    mm = record_of(recording, "MmBackward0")
    assert _shape_lines(mm) == ["shapes: grad_out [2, 3] → grad_B [3, 3]   (a vector–Jacobian "
                                "product: grad_out has out's shape, grad_B has B's)"]
    lines = mm.text.splitlines()  # right below the chain-rule line it belongs to
    assert lines[lines.index(next(t for t in lines if t.strip().startswith("shapes:"))) - 1] \
        .strip().startswith("grad_B = ")


def test_a_reduction_and_a_broadcast_show_their_shapes():
    x = gradlab.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    bias = gradlab.tensor([10.0, 20.0], requires_grad=True)
    loss = (x * bias).sum()
    recording = BackwardRecording(loss, names={"x": x, "bias": bias})
    assert [t.split("   ")[0] for t in _shape_lines(record_of(recording, "SumBackward0"))] == \
        ["shapes: grad_out [] → grad_a [2, 2]"]
    assert [t.split("   ")[0] for t in _shape_lines(record_of(recording, "MulBackward0"))] == \
        ["shapes: grad_out [2, 2] → grad_b [2]"]  # grad_a keeps the shape: no line for it


def test_no_shapes_line_when_nothing_changes_shape(reused):
    for record in reused.steps:
        if record.name != "SumBackward0":
            assert _shape_lines(record) == [], record.text
