"""Exercises for lesson 09: training a network.

    from gradlab.exercises import lesson09 as exercises
    exercises.parameter_count.check(answer)      # a whole number
    exercises.train_step.check(train_step)       # your function: one step of the training loop
    exercises.max_pool_gradient.check(answer)    # a 4×4 tensor

``train_step`` is checked by running it: the student's function and the
reference step train two identical small models on the same three batches,
and the parameters must agree after every step. How they disagree says what
is missing (no backward, no step, no zero_grad, zero_grad in the wrong place).
It is run again with an optimizer of another learning rate and momentum, and
with another loss function: a step that hard-codes its update or its loss, and
so ignores what it is given, is found out there.
"""
import inspect

import numpy as np

import gradlab as torch
from gradlab import nn
from gradlab.nn import functional as F

from .core import (
    Exercise, NotAnswered, code_inside, correct, describe, expect_tensor, expect_value,
    run_with_time_limit, wrong,
)

__all__ = ["parameter_count", "train_step", "max_pool_gradient"]


# ---------------------------------------------------------------------------
# 1. counting parameters
# ---------------------------------------------------------------------------

def _check_parameter_count(answer):
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, float) and answer.is_integer():
        answer = int(answer)
    if isinstance(answer, int) and not isinstance(answer, bool):
        slips = {
            64 * 32 + 32 * 10: "The biases count too: Linear(64, 32) has 32 of them, Linear(32, 10) has 10.",
            64 * 32 + 32: "That is the first layer only; add Linear(32, 10): 32·10 weights + 10 biases.",
            32 * 10 + 10: "That is the last layer only; add Linear(64, 32): 64·32 weights + 32 biases.",
            64 * 32 * 10: "Layers add their parameters, they do not multiply: count each Linear "
                          "(in·out weights + out biases) and add them.",
        }
        if answer in slips:
            return wrong(f"{answer} is not right.", slips[answer])
    return expect_value(answer, 64 * 32 + 32 + 32 * 10 + 10)


parameter_count = Exercise(
    "parameter_count",
    "How many numbers does the optimizer adjust in nn.Sequential(nn.Linear(64, 32), nn.ReLU(), "
    "nn.Linear(32, 10))?",
    _check_parameter_count,
    hints=(
        "nn.Linear(a, b) holds a weight of shape (b, a) and a bias of shape (b,). ReLU has none.",
        "sum(p.numel() for p in model.parameters()) counts them for you.",
    ),
    solution="answer = sum(p.numel() for p in model.parameters())   # 64·32 + 32 + 32·10 + 10 = 2410",
)


# ---------------------------------------------------------------------------
# 2. one step of the training loop
# ---------------------------------------------------------------------------

def _reference_step(model, optimizer, loss_fn, images, labels):
    optimizer.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


# (what is given, optimizer factory, loss function, what a step that fails it ignored): the first
# is the main run; the others change only what train_step is given, so only a step that uses its
# arguments passes them all
_SETUPS = (
    ("optimizer = SGD(lr=0.5)", lambda parameters: torch.optim.SGD(parameters, lr=0.5),
     nn.CrossEntropyLoss, ""),
    ("optimizer = SGD(lr=0.1, momentum=0.9)",
     lambda parameters: torch.optim.SGD(parameters, lr=0.1, momentum=0.9), nn.CrossEntropyLoss,
     "the update must be the optimizer's own, optimizer.step(), not a learning rate or an update "
     "written into train_step."),
    ("loss_fn = nn.CrossEntropyLoss(reduction=\"sum\")",
     lambda parameters: torch.optim.SGD(parameters, lr=0.5),
     lambda: nn.CrossEntropyLoss(reduction="sum"),
     "the loss must be the one train_step is given, loss_fn(model(images), labels), not a loss "
     "function written into it."),
)


def _setup(make_optimizer, make_loss, ignored=""):
    """A small model, its optimizer, the loss and three batches: the same every call."""
    state = torch.get_rng_state()
    try:
        torch.manual_seed(7)
        model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    finally:
        torch.set_rng_state(state)  # the student's random numbers do not move
    optimizer = make_optimizer(model.parameters())
    generator = torch.Generator().manual_seed(8)
    batches = [(torch.randn(4, 6, generator=generator), torch.randint(0, 3, (4,), generator=generator))
               for _ in range(3)]
    return model, optimizer, make_loss(), batches


class _Run:
    """What happened when a step function trained the small model on the three batches."""

    def __init__(self, step, setup=_SETUPS[0]):
        self.model, optimizer, loss_fn, batches = _setup(*setup[1:])
        self.initial = self._parameters()
        self.calls = 0
        hook = self.model.register_forward_hook(self._count_call)
        self.results, self.parameters, self.grads_none = [], [], []
        try:
            for images, labels in batches:
                # the student's code with a time limit; copies of the batch, so it cannot change ours
                self.results.append(run_with_time_limit(step, self.model, optimizer, loss_fn,
                                                        images.clone(), labels.clone()))
                self.parameters.append(self._parameters())
                self.grads_none.append(all(p.grad is None for p in self.model.parameters()))
        finally:
            hook.remove()

    def _count_call(self, module, inputs, output):
        self.calls += 1

    def _parameters(self):
        return [p.detach().numpy().copy() for p in self.model.parameters()]


def _same(first, second):
    return all(np.allclose(a, b, rtol=1e-5, atol=1e-7) for a, b in zip(first, second))


def _check_train_step(answer):
    if not callable(answer) or inspect.isclass(answer):
        return wrong(f"Your answer should be your function train_step, but it is {describe(answer)}.")
    theirs = _Run(answer)
    reference = _Run(_reference_step)
    unchanged = _same(theirs.parameters[0], theirs.initial)
    if theirs.calls == 0 and unchanged and all(r is None for r in theirs.results):
        raise NotAnswered("write the body of train_step (replace the ...), then run the cell again.")
    if theirs.calls == 0:
        return wrong("train_step never called the model on the images.",
                     "The forward pass comes first: scores = model(images).")
    if unchanged:
        if not theirs.grads_none[0]:
            return wrong("The parameters did not change: the gradients were computed but never used.",
                         "optimizer.step() moves every parameter against its gradient.")
        return wrong("The parameters did not change, and no gradient was left in .grad.",
                     "Call loss.backward() before optimizer.step(), and optimizer.zero_grad() "
                     "before backward (between backward and step it erases the gradients).")
    if not _same(theirs.parameters[0], reference.parameters[0]):
        return wrong("After one step the parameters are not where one SGD step on this batch puts them.",
                     "One step is: zero_grad, forward, loss, backward, step — each once.")
    for index in (1, 2):
        if not _same(theirs.parameters[index], reference.parameters[index]):
            return wrong(f"The first step is right, but step {index + 1} is not: the gradients of "
                         "the earlier batches were still in .grad and were added to the new ones.",
                         "Start every step with optimizer.zero_grad().")
    result = theirs.results[0]
    if result is None:
        return wrong("The training is right, but train_step returns None.",
                     "Return the loss of the batch as a number: return loss.item().")
    if isinstance(result, torch.Tensor):
        return wrong(f"The training is right, but train_step returns {describe(result)}.",
                     "Return loss.item(), a plain number: a tensor would keep the whole graph "
                     "of the step alive.")
    problem = next((code_inside(r) for r in theirs.results if code_inside(r)), "")
    if problem:
        return wrong(f"The training is right, but what train_step returns could not be checked: "
                     f"{problem}", "Return the loss of the batch: return loss.item().")
    if not isinstance(result, (int, float)) or isinstance(result, bool):
        return wrong(f"The training is right, but train_step returns {describe(result)}.",
                     "Return the loss of the batch: return loss.item().")
    if not all(np.isclose(a, b, rtol=1e-5) for a, b in zip(theirs.results, reference.results)):
        return wrong("The training is right, but the number returned is not the loss of the batch.",
                     "Return loss.item() for the loss computed before optimizer.step().")
    for setup in _SETUPS[1:]:
        other, other_reference = _Run(answer, setup), _Run(_reference_step, setup)
        if not all(_same(a, b) for a, b in zip(other.parameters, other_reference.parameters)):
            return wrong(f"With {_SETUPS[0][0]} your three steps are right, but with {setup[0]} "
                         f"they are not: {setup[3]}",
                         "The checker calls train_step with other optimizers and losses, as a "
                         "training script would: use the arguments.")
    return correct("three steps on a small model land exactly where the reference loop does, "
                   "with plain SGD, with momentum and with another loss function.")


train_step = Exercise(
    "train_step",
    "Write train_step(model, optimizer, loss_fn, images, labels): one step of training on one "
    "batch, returning the batch's loss as a Python number.",
    _check_train_step,
    hints=(
        "Four actions, in order: clear the old gradients, compute the loss, backpropagate, "
        "update the parameters.",
        "optimizer.zero_grad(); loss = loss_fn(model(images), labels); loss.backward(); "
        "optimizer.step()",
        "Finish with return loss.item().",
    ),
    solution=(
        "def train_step(model, optimizer, loss_fn, images, labels):\n"
        "    optimizer.zero_grad()\n"
        "    loss = loss_fn(model(images), labels)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "    return loss.item()"
    ),
    kind="code",
)


# ---------------------------------------------------------------------------
# 3. where the gradient of max pooling goes
# ---------------------------------------------------------------------------

IMAGE = [[1.0, 5.0, 2.0, 0.0],
         [3.0, 2.0, 8.0, 1.0],
         [0.0, 4.0, 1.0, 1.0],
         [7.0, 2.0, 3.0, 9.0]]
WEIGHTS = [[1.0, 2.0],
           [3.0, 4.0]]


def _pooling_gradient(pool):
    x = torch.tensor(IMAGE).view(1, 4, 4).requires_grad_(True)
    (pool(x, 2) * torch.tensor(WEIGHTS)).sum().backward()
    return x.grad.view(4, 4)


_IMAGE_SHAPES = ((4, 4), (1, 4, 4), (1, 1, 4, 4))  # the image, as the lesson's x (1, 4, 4), or batched


def _check_max_pool_gradient(answer):
    expected = _pooling_gradient(F.max_pool2d)
    if isinstance(answer, torch.Tensor) and tuple(answer.shape) == (2, 2):
        return wrong("Your answer has shape (2, 2), the shape of the pooled output.",
                     "x.grad has the shape of x, 4×4: one gradient per pixel.")
    if isinstance(answer, torch.Tensor) and tuple(answer.shape) not in _IMAGE_SHAPES:
        shape = "(" + ", ".join(str(n) for n in answer.shape) + ("," if answer.dim() == 1 else "") + ")"
        return wrong(f"Your answer has shape {shape}, but a gradient has the shape of its tensor: "
                     "x is a 4×4 image, so x.grad is (4, 4) — or (1, 4, 4), the shape of the "
                     "lesson's x.",
                     "The place of each number is part of the answer: row and column of its pixel."
                     + (" Sixteen numbers are not enough on their own." if answer.numel() == 16 else ""))
    if isinstance(answer, torch.Tensor) and tuple(answer.shape) in _IMAGE_SHAPES:
        answer = answer.reshape(4, 4)  # x.grad of a (1, 4, 4) or (1, 1, 4, 4) image counts as well
        at_max = (expected != 0).float()
        slips = (
            (at_max, "The right places, but each window's max receives the gradient arriving at "
                     "its output: the weight of that output (1, 2, 3 or 4), not 1."),
            (_pooling_gradient(F.avg_pool2d),
             "That is average pooling, which shares the gradient among the 4 entries of a window; "
             "max pooling sends all of it to the largest entry."),
        )
        for value, nudge in slips:
            if np.allclose(answer.detach().double().numpy(), value.double().numpy()):
                return wrong("Your gradient is not right.", nudge)
    return expect_tensor(answer, expected, name="your gradient")


max_pool_gradient = Exercise(
    "max_pool_gradient",
    "x is the 4×4 image IMAGE; loss = (F.max_pool2d(x, 2) * w).sum() with w = [[1, 2], [3, 4]]. "
    "What is x.grad (x.grad of the lesson's (1, 4, 4) x, or the same numbers as a 4×4 tensor)?",
    _check_max_pool_gradient,
    hints=(
        "max_pool2d(x, 2) cuts x into four 2×2 windows and keeps the largest entry of each.",
        "The output of a window receives the gradient w[i, j]; the window passes all of it to the "
        "position of its maximum and 0 to the other three.",
    ),
    solution=(
        "x = torch.tensor(IMAGE).view(1, 4, 4).requires_grad_(True)\n"
        "(F.max_pool2d(x, 2) * torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()\n"
        "answer = x.grad.view(4, 4)\n"
        "# tensor([[0., 1., 0., 0.],\n"
        "#         [0., 0., 2., 0.],\n"
        "#         [0., 0., 0., 0.],\n"
        "#         [3., 0., 0., 4.]])"
    ),
)
