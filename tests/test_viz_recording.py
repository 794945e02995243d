"""gradlab.viz.recording: one backward pass, recorded step by step (no widgets needed)."""
import subprocess
import sys

import numpy as np

import gradlab
from gradlab.viz.recording import BackwardRecording
from recording_checks import mixed


# ---------------------------------------------------------------- the records are the engine's

def test_the_records_replay_to_the_grads_of_backward():
    loss, leaves = mixed(gradlab)
    recording = BackwardRecording(loss, names=leaves)
    last = len(recording.steps) - 1
    for row in recording.rows:
        assert np.array_equal(row.grad_after(last), row.tensor.grad.numpy())
    # every leaf received exactly the gradient its AccumulateGrad record carried
    for record in recording.steps:
        if record.name == "AccumulateGrad":
            (row, before, after), = record.changed
            assert before is None
            assert np.array_equal(after, record.step.grad_outputs[0].numpy())


def test_the_grads_match_pytorch(torch):
    loss, leaves = mixed(gradlab)
    BackwardRecording(loss, names=leaves)
    torch_loss, torch_leaves = mixed(torch)
    torch_loss.backward()
    for name in ("a", "b", "x"):
        np.testing.assert_allclose(leaves[name].grad.numpy(), torch_leaves[name].grad.numpy(),
                                   rtol=1e-6, err_msg=name)


# ---------------------------------------------------------------- the forward replay

def test_forward_replay_without_a_capture_follows_creation_order():
    x = gradlab.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    loss = (y * x).sum()
    recording = BackwardRecording(loss, names={"x": x, "y": y, "loss": loss})
    titles = [record.lines[0].text for record in recording.forward]
    assert titles == ["forward op 1 of 3: y = a ** exponent   (a = x)",
                      "forward op 2 of 3: a * b   (a = y, b = x)",
                      "forward op 3 of 3: loss = sum(a)   (a from MulBackward0)"]


# ---------------------------------------------------------------- layers

def test_the_recording_and_its_text_need_no_widgets():
    code = ("import sys, gradlab.viz.recording, gradlab.viz.chain_rule\n"
            "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'\n"
            "assert 'gradlab.widgets' not in sys.modules, 'gradlab.widgets imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
