"""The digits training run (gradlab/examples/digits.py): an MLP and a small CNN reach the
accuracy the lessons promise on held-out images, seeded so the numbers are the same every run."""
import pytest

import gradlab
from gradlab import nn

pytest.importorskip("sklearn")

from gradlab.examples import digits


def test_mlp_reaches_95_percent_held_out():
    model, history = digits.train_mlp(seed=0)
    assert history["test_accuracy"][-1] >= 0.95, history["test_accuracy"]
    assert history["loss"][-1] < history["loss"][0] / 5
    assert len(history["loss"]) == len(history["test_accuracy"]) == 20
    _, x_test, _, y_test = digits.digits_split()
    assert digits.evaluate(model, x_test, y_test) == history["test_accuracy"][-1]
    assert model.training  # evaluate restores the mode it found


def test_training_is_reproducible():
    _, first = digits.train_mlp(epochs=2, seed=1)
    _, second = digits.train_mlp(epochs=2, seed=1)
    assert first["loss"] == second["loss"] and first["test_accuracy"] == second["test_accuracy"]


@pytest.mark.slow
def test_cnn_reaches_97_percent_held_out():
    model, history = digits.train_cnn(seed=0)
    assert history["test_accuracy"][-1] >= 0.97, history["test_accuracy"]
    assert isinstance(model[0], nn.Conv2d) and isinstance(model[-1], nn.Linear)


def test_models_print_like_pytorch_models(torch):
    assert repr(digits.make_cnn()).startswith(
        "Sequential(\n  (0): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))")
    assert sum(p.numel() for p in digits.make_mlp().parameters()) == 64 * 128 + 128 + 128 * 10 + 10


def test_evaluate_runs_without_a_graph():
    gradlab.manual_seed(0)
    model = digits.make_mlp()
    _, x_test, _, y_test = digits.digits_split()
    accuracy = digits.evaluate(model, x_test, y_test)
    assert 0.0 <= accuracy <= 0.3  # an untrained model guesses
    assert all(p.grad is None for p in model.parameters())
