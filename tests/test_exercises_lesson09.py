"""gradlab.exercises.lesson09: parameters, the training step, and max-pool gradients."""
import pytest

import gradlab as torch
from gradlab import nn
from gradlab.exercises import lesson09
from gradlab.exercises.core import CORRECT, NOT_ANSWERED, NOT_YET
from gradlab.nn import functional as F


def feedback(exercise, answer):
    exercise.reset()
    return str(exercise.evaluate(answer))


def solution_namespace(exercise, **extra):
    namespace = {"torch": torch, "F": F, "nn": nn, "IMAGE": lesson09.IMAGE, **extra}
    exec(exercise.solution_text, namespace)  # the solution a student is shown must itself pass
    return namespace


# ---------------------------------------------------------------------------
# parameter_count
# ---------------------------------------------------------------------------

def test_parameter_count_solution():
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    answer = solution_namespace(lesson09.parameter_count, model=model)["answer"]
    assert feedback(lesson09.parameter_count, answer).startswith(CORRECT)


@pytest.mark.parametrize("answer", [2410, 2410.0, torch.tensor(2410)])
def test_parameter_count_number_forms(answer):
    assert feedback(lesson09.parameter_count, answer).startswith(CORRECT)


@pytest.mark.parametrize("answer, words", [
    (2368, "biases count too"), (2080, "first layer only"), (330, "last layer only"),
    (20480, "do not multiply"), (7, "not right"), ("2410", "text"),
])
def test_parameter_count_wrong(answer, words):
    text = feedback(lesson09.parameter_count, answer)
    assert text.startswith(NOT_YET) and words in text, text


def test_parameter_count_placeholder():
    assert feedback(lesson09.parameter_count, ...).startswith(NOT_ANSWERED)


# ---------------------------------------------------------------------------
# train_step
# ---------------------------------------------------------------------------

def good(model, optimizer, loss_fn, images, labels):
    optimizer.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def zero_grad_last(model, optimizer, loss_fn, images, labels):
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()


def functional_loss(model, optimizer, loss_fn, images, labels):
    model.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return float(loss)


def test_train_step_solution():
    step = solution_namespace(lesson09.train_step)["train_step"]
    assert feedback(lesson09.train_step, step).startswith(CORRECT)


@pytest.mark.parametrize("step", [good, zero_grad_last, functional_loss])
def test_train_step_equivalent_loops_pass(step):
    assert feedback(lesson09.train_step, step).startswith(CORRECT)


def no_zero_grad(model, optimizer, loss_fn, images, labels):
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def no_step(model, optimizer, loss_fn, images, labels):
    optimizer.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    return loss.item()


def no_backward(model, optimizer, loss_fn, images, labels):
    optimizer.zero_grad()
    loss = loss_fn(model(images), labels)
    optimizer.step()
    return loss.item()


def zero_grad_between(model, optimizer, loss_fn, images, labels):
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def two_steps(model, optimizer, loss_fn, images, labels):
    for _ in range(2):
        loss = good(model, optimizer, loss_fn, images, labels)
    return loss


def returns_tensor(model, optimizer, loss_fn, images, labels):
    optimizer.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss


def returns_nothing(model, optimizer, loss_fn, images, labels):
    good(model, optimizer, loss_fn, images, labels)


def returns_loss_after_step(model, optimizer, loss_fn, images, labels):
    good(model, optimizer, loss_fn, images, labels)
    with torch.no_grad():
        return loss_fn(model(images), labels).item()


def never_calls_model(model, optimizer, loss_fn, images, labels):
    optimizer.step()
    return 0.0


@pytest.mark.parametrize("step, words", [
    (no_zero_grad, "zero_grad"),
    (no_step, "optimizer.step()"),
    (no_backward, "loss.backward()"),
    (zero_grad_between, "between backward and step"),
    (two_steps, "each once"),
    (returns_tensor, "loss.item()"),
    (returns_nothing, "returns None"),
    (returns_loss_after_step, "before optimizer.step()"),
    (never_calls_model, "never called the model"),
])
def test_train_step_mistakes_are_named(step, words):
    text = feedback(lesson09.train_step, step)
    assert text.startswith(NOT_YET) and words in text, text


def test_train_step_template_is_not_answered():
    def train_step(model, optimizer, loss_fn, images, labels):
        ...

    assert feedback(lesson09.train_step, train_step).startswith(NOT_ANSWERED)
    assert feedback(lesson09.train_step, ...).startswith(NOT_ANSWERED)


@pytest.mark.parametrize("answer, words", [
    (3, "should be your function"),
    (nn.Linear, "should be your function"),
    (lambda model, optimizer: None, "TypeError"),
    (lambda model, optimizer, loss_fn, images, labels: model(labels), "raised an error"),
])
def test_train_step_wrong_types_and_broken_code(answer, words):
    text = feedback(lesson09.train_step, answer)
    assert text.startswith(NOT_YET) and words in text and "Traceback" not in text, text


def test_train_step_leaves_the_students_random_numbers_alone():
    torch.manual_seed(5)
    expected = torch.randn(3)
    torch.manual_seed(5)
    lesson09.train_step.evaluate(good)
    assert torch.equal(torch.randn(3), expected)


# ---------------------------------------------------------------------------
# max_pool_gradient
# ---------------------------------------------------------------------------

def pooled_gradient(shape):
    x = torch.tensor(lesson09.IMAGE).view(*shape).requires_grad_(True)
    (F.max_pool2d(x, 2) * torch.tensor(lesson09.WEIGHTS)).sum().backward()
    return x.grad


def pooled_gradient_of(pool):
    x = torch.tensor(lesson09.IMAGE).view(1, 4, 4).requires_grad_(True)
    (pool(x, 2) * torch.tensor(lesson09.WEIGHTS)).sum().backward()
    return x.grad


def test_max_pool_solution():
    answer = solution_namespace(lesson09.max_pool_gradient)["answer"]
    assert feedback(lesson09.max_pool_gradient, answer).startswith(CORRECT)


@pytest.mark.parametrize("shape", [(4, 4), (1, 4, 4), (1, 1, 4, 4)])
def test_max_pool_any_layout_of_the_16_entries(shape):
    grad = pooled_gradient((1, 4, 4) if shape == (4, 4) else shape).reshape(shape)
    assert feedback(lesson09.max_pool_gradient, grad).startswith(CORRECT)


def test_max_pool_by_hand():
    answer = torch.tensor([[0.0, 1.0, 0.0, 0.0],
                           [0.0, 0.0, 2.0, 0.0],
                           [0.0, 0.0, 0.0, 0.0],
                           [3.0, 0.0, 0.0, 4.0]])
    assert feedback(lesson09.max_pool_gradient, answer).startswith(CORRECT)


@pytest.mark.parametrize("make, words", [
    (lambda: (pooled_gradient((1, 4, 4)) != 0).float(), "not 1"),
    (lambda: pooled_gradient_of(F.avg_pool2d), "average pooling"),
    (lambda: torch.tensor(lesson09.WEIGHTS), "pooled output"),
    (lambda: pooled_gradient((1, 4, 4)).view(4, 4).T, "entries"),
    (lambda: [[0, 1, 0, 0]], "should be a tensor"),
])
def test_max_pool_typical_mistakes(make, words):
    text = feedback(lesson09.max_pool_gradient, make())
    assert text.startswith(NOT_YET) and words in text, text


def test_max_pool_placeholder():
    assert feedback(lesson09.max_pool_gradient, ...).startswith(NOT_ANSWERED)
