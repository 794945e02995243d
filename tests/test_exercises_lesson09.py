"""gradlab.exercises.lesson09: parameters, the training step, and max-pool gradients."""
import pytest

import gradlab as torch
from gradlab import nn
from gradlab.exercises import lesson09
from gradlab.exercises.core import CORRECT, NOT_ANSWERED, NOT_YET
from gradlab.nn import functional as F
from lesson_exercise_checks import FrameReadingTensor, generic_tests, verdict

# gradlab.exercises.lesson09 has no EXERCISES tuple: its exercises, in the lesson's order
EXERCISES = (lesson09.parameter_count, lesson09.train_step, lesson09.max_pool_gradient)
SOLUTION_NAMES = {"train_step": "train_step"}
LESSON_CELLS = {"F": F, "nn": nn, "IMAGE": lesson09.IMAGE,
                "model": nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))}

(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(EXERCISES, SOLUTION_NAMES, odd_answers=["six", {"x": 1}, object()],
                  huge_answer="2410" * 3_000_000, namespace=LESSON_CELLS)


def feedback(exercise, answer):
    return str(verdict(exercise, answer))


# ---------------------------------------------------------------------------
# parameter_count
# ---------------------------------------------------------------------------

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


def model_zero_grad_and_float(model, optimizer, loss_fn, images, labels):
    model.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return float(loss)


@pytest.mark.parametrize("step", [good, zero_grad_last, model_zero_grad_and_float])
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


# ---- gaming: a step that ignores the optimizer or the loss it is given
def hard_coded_learning_rate(model, optimizer, loss_fn, images, labels):
    for p in model.parameters():
        p.grad = None
    loss = loss_fn(model(images), labels)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.5 * p.grad
    return loss.item()


def own_sgd_with_the_optimizers_learning_rate(model, optimizer, loss_fn, images, labels):
    optimizer.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    with torch.no_grad():
        for group in optimizer.param_groups:
            for p in group["params"]:
                p -= group["lr"] * p.grad
    return loss.item()


def a_new_optimizer_every_step(model, optimizer, loss_fn, images, labels):
    own = torch.optim.SGD(model.parameters(), lr=0.5)
    own.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    own.step()
    return loss.item()


def functional_loss(model, optimizer, loss_fn, images, labels):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


@pytest.mark.parametrize("step, words", [
    (hard_coded_learning_rate, "momentum=0.9"),
    (own_sgd_with_the_optimizers_learning_rate, "the optimizer's own, optimizer.step()"),
    (a_new_optimizer_every_step, "not a learning rate or an update written into train_step"),
    (functional_loss, "loss_fn(model(images), labels)"),
])
def test_train_step_that_ignores_what_it_is_given_is_refused(step, words):
    text = feedback(lesson09.train_step, step)
    assert text.startswith(NOT_YET) and "your three steps are right, but with" in text, text
    assert words in text, text


def test_train_step_returning_its_own_number_class_is_refused():
    class Loss(float):
        pass

    def train_step(model, optimizer, loss_fn, images, labels):
        return Loss(good(model, optimizer, loss_fn, images, labels))

    text = feedback(lesson09.train_step, train_step)
    assert text.startswith(NOT_YET) and "Loss" in text, text


def test_train_step_cannot_change_the_checkers_batches():
    def train_step(model, optimizer, loss_fn, images, labels):
        loss = good(model, optimizer, loss_fn, images, labels)
        images.zero_()  # a copy: the reference run trains on the real batch
        return loss

    assert feedback(lesson09.train_step, train_step).startswith(CORRECT)


# ---- gaming: max_pool_gradient's shape is part of the answer
BY_HAND = torch.tensor([[0.0, 1.0, 0.0, 0.0],
                        [0.0, 0.0, 2.0, 0.0],
                        [0.0, 0.0, 0.0, 0.0],
                        [3.0, 0.0, 0.0, 4.0]])


@pytest.mark.parametrize("shape", [(2, 8), (8, 2), (16,), (4, 4, 1), (1, 16), (2, 2, 4)])
def test_max_pool_right_numbers_in_the_wrong_shape_are_refused(shape):
    text = feedback(lesson09.max_pool_gradient, BY_HAND.reshape(shape))
    assert text.startswith(NOT_YET) and "a gradient has the shape of its tensor" in text, text
    assert "Sixteen numbers are not enough on their own" in text


def test_max_pool_wrong_shape_and_count():
    text = feedback(lesson09.max_pool_gradient, torch.zeros(3, 3))
    assert text.startswith(NOT_YET) and "shape (3, 3)" in text and "Sixteen" not in text, text


@pytest.mark.parametrize("exercise, shape", [(lesson09.max_pool_gradient, (4, 4)),
                                             (lesson09.parameter_count, ())])
def test_an_answer_that_would_run_its_own_code_is_refused(exercise, shape):
    answer = torch.zeros(shape)
    answer.__class__ = FrameReadingTensor
    text = feedback(exercise, answer)
    assert text.startswith(NOT_YET) and "a class of your own, FrameReadingTensor" in text, text


def test_parameter_count_own_int_class_is_refused():
    class Count(int):
        def __float__(self):
            return 2410.0

    text = feedback(lesson09.parameter_count, Count(7))
    assert text.startswith(NOT_YET) and "a class of your own, Count" in text, text
