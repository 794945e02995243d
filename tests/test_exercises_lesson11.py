"""gradlab.exercises.lesson11: each checker accepts right answers, names the typical slips and
refuses answers that game it (graph cut to silence the error, autograd or clip_grad_norm_ in a
"by hand" exercise, hard-coded counts, one backward for everything, endless loops, PyTorch's
tensors, reading the checker's frame)."""
import inspect
import math

import numpy as np
import pytest

import gradlab as torch
from gradlab.exercises import core
from gradlab.exercises import lesson11 as exercises
from gradlab.nn import functional as F
from gradlab.nn.utils import clip_grad_norm_ as imported_directly
from lesson_exercise_checks import assert_correct, assert_wrong, generic_tests, verdict

SOLUTION_NAMES = {"fix_inplace": "loss_fn", "clip_by_hand": "clip_by_hand", "train_step": "train_step"}

(
    test_the_written_solution_is_correct,
    test_placeholder_is_not_answered_yet,
    test_a_wrong_type_gets_a_plain_sentence,
    test_hints_come_one_at_a_time_then_the_solution,
    test_a_huge_answer_is_shortened,
    test_pytorchs_own_tensor_is_recognised,
    test_an_endless_loop_is_stopped,
) = generic_tests(exercises.EXERCISES, SOLUTION_NAMES,
                  odd_answers=[{"x": 1}, object(), "def f(): pass", [1.0, 2.0], 3.5, torch.ones(2)])


def assert_not_answered(exercise, answer, *phrases):
    feedback = verdict(exercise, answer)
    assert feedback.status == "not answered", str(feedback)
    for phrase in phrases:
        assert phrase in str(feedback), str(feedback)


# ===================================================================== 1. fix_inplace

def test_the_snippet_really_fails_as_the_lesson_says():
    namespace = {"torch": torch}
    exec(exercises.SNIPPET, namespace)
    w = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    loss = namespace["loss_fn"](torch.randn(4, 3, dtype=torch.float64), w)
    with pytest.raises(RuntimeError, match="output 0 of Tanh, is at version 1; expected version 0"):
        loss.backward()


def fixed(x, w):
    z = x @ w
    z += 1
    h = torch.tanh(z)
    h = h * 2
    return (h ** 2).mean()


def fixed_with_clone(x, w):
    h = torch.tanh(x @ w + 1).clone()
    h *= 2  # into the copy: the output tanh saved stays as it was
    return (h ** 2).mean()


def fixed_in_one_line(x, w):
    return ((2 * torch.tanh(x @ w + 1)) ** 2).mean()


@pytest.mark.parametrize("answer", [fixed, fixed_with_clone, fixed_in_one_line])
def test_fix_inplace_right_answers(answer):
    assert_correct(exercises.fix_inplace, answer)


def unfixed(x, w):
    z = x @ w
    z += 1
    h = torch.tanh(z)
    h *= 2
    return (h ** 2).mean()


def under_no_grad(x, w):
    h = torch.tanh(x @ w + 1)
    with torch.no_grad():
        h *= 2  # not recorded, but the version counter still moves
    return (h ** 2).mean()


def through_detach_in_place(x, w):
    h = torch.tanh(x @ w + 1)
    h.detach().mul_(2)  # detach shares the version counter: caught
    return (h ** 2).mean()


def through_data(x, w):
    h = torch.tanh(x @ w + 1)
    h.data *= 2  # not caught: the gradient is silently wrong
    return (h ** 2).mean()


def detached(x, w):
    h = torch.tanh(x @ w + 1).detach()
    h *= 2
    return (h ** 2).mean()


def detached_weights(x, w):
    h = torch.tanh(x @ w.detach() + 1) * 2
    return (h ** 2).mean()


def no_grad_everywhere(x, w):
    with torch.no_grad():
        h = torch.tanh(x @ w + 1) * 2
        return (h ** 2).mean()


def changed_the_loss(x, w):
    h = torch.tanh(x @ w + 1)  # the * 2 dropped to get rid of the error
    return (h ** 2).mean()


def calls_backward_itself(x, w):
    loss = fixed(x, w)
    loss.backward()
    return loss


def returns_the_float(x, w):
    return fixed(x, w).item()


def returns_per_entry_losses(x, w):
    return torch.tanh(x @ w + 1) * 2


def returns_nothing(x, w):
    ...


def hard_coded(x, w):
    return torch.tensor(1.2345, requires_grad=True)


@pytest.mark.parametrize("answer, phrases", [
    (unfixed, ["backward still fails with the version-counter error", "'output 0 of Tanh'"]),
    (under_no_grad, ["version-counter error", "torch.no_grad() is counted too"]),
    (through_detach_in_place, ["version-counter error"]),
    (through_data, ["through .data, behind autograd's back", "1 − (2·tanh)²", "h = h * 2"]),
    (detached, ["has no grad_fn", "detach(), .data and torch.no_grad()"]),
    (detached_weights, ["has no grad_fn"]),
    (no_grad_everywhere, ["has no grad_fn"]),
    (changed_the_loss, ["the fix changed what it computes", "not what"]),
    (calls_backward_itself, ["loss_fn called backward itself"]),
    (returns_the_float, ["should be a tensor, but it is the number"]),
    (returns_per_entry_losses, ["should be one number", "(h ** 2).mean()"]),
    (hard_coded, ["the fix changed what it computes"]),
])
def test_fix_inplace_typical_mistakes_and_graph_cuts(answer, phrases):
    assert_wrong(exercises.fix_inplace, answer, *phrases)


def test_fix_inplace_nothing_returned_is_not_answered_yet():
    assert_not_answered(exercises.fix_inplace, returns_nothing, "loss_fn returns nothing yet")


def test_fix_inplace_a_right_loss_with_a_made_up_gradient_is_refused():
    """A loss with the right value whose gradient was read from elsewhere (here: the gradient of
    another function) is compared with the true gradient, computed after the call."""
    def other_gradient(x, w):
        value = fixed(x, w).detach()
        return value + (w * 0.001).sum() - (w * 0.001).sum().detach()
    assert_wrong(exercises.fix_inplace, other_gradient, "w.grad is not the gradient")


def test_fix_inplace_reading_the_checkers_frame_finds_no_answer():
    def peek(x, w):
        for frame_info in inspect.stack()[1:]:
            for value in frame_info.frame.f_locals.values():
                if isinstance(value, torch.Tensor) and value is not w and value.shape == w.shape \
                        and not value.requires_grad:
                    return (w * value).sum()  # the gradient it found, as a loss: wrong value
        return (w * 0).sum()
    assert_wrong(exercises.fix_inplace, peek)


def test_fix_inplace_changing_x_after_the_matmul_is_caught_as_in_pytorch():
    def changes_x(x, w):
        result = fixed(x, w)
        x.zero_()  # MmBackward0 saved x (for w's gradient)
        return result
    assert_wrong(exercises.fix_inplace, changes_x, "version-counter error",
                 "[torch.DoubleTensor [4, 3]] is at version 1", "x @ w keeps x and w")


def test_fix_inplace_returning_pytorchs_tensor_is_named():
    torch_module = pytest.importorskip("torch")

    def pytorch_loss(x, w):
        return torch_module.tensor(1.0)
    assert_wrong(exercises.fix_inplace, pytorch_loss, "PyTorch's tensor")


# ===================================================================== 2. clip_by_hand

def by_cat(grads, max_norm):
    total = torch.cat([g.flatten() for g in grads]).pow(2).sum().sqrt()
    scale = min(1.0, max_norm / (total.item() + 1e-6))
    return total, [g * scale for g in grads]


def by_norms_of_norms(grads, max_norm):
    total = torch.stack([g.norm() for g in grads]).norm()
    scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
    return total.item(), [g * scale for g in grads]


def in_place_like_pytorch(grads, max_norm):
    total = math.sqrt(sum((g ** 2).sum().item() for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    for g in grads:
        g.mul_(scale)
    return torch.tensor(total, dtype=torch.float64), grads


@pytest.mark.parametrize("answer", [by_cat, by_norms_of_norms, in_place_like_pytorch])
def test_clip_by_hand_right_answers(answer):
    assert_correct(exercises.clip_by_hand, answer)


def _norm(grads):
    return math.sqrt(sum((g ** 2).sum().item() for g in grads))


def without_epsilon(grads, max_norm):
    total = _norm(grads)
    return total, [g * min(1.0, max_norm / total) for g in grads]


def always_scaled(grads, max_norm):
    total = _norm(grads)
    return total, [g * (max_norm / (total + 1e-6)) for g in grads]


def per_tensor(grads, max_norm):
    return _norm(grads), [g * min(1.0, max_norm / (g.norm().item() + 1e-6)) for g in grads]


def clamped(grads, max_norm):
    return _norm(grads), [g.clamp(-max_norm, max_norm) for g in grads]


def upside_down(grads, max_norm):
    total = _norm(grads)
    return total, [g * ((total + 1e-6) / max_norm) for g in grads]


def total_in_float32(grads, max_norm):
    total, clipped = by_cat(grads, max_norm)
    return torch.tensor(total.item()), clipped


def unchanged(grads, max_norm):
    return _norm(grads), list(grads)


def sum_of_norms(grads, max_norm):
    total = sum(g.norm().item() for g in grads)
    return total, [g * min(1.0, max_norm / (_norm(grads) + 1e-6)) for g in grads]


def squared_norm(grads, max_norm):
    return _norm(grads) ** 2, by_cat(grads, max_norm)[1]


def largest_norm(grads, max_norm):
    return max(g.norm().item() for g in grads), by_cat(grads, max_norm)[1]


def norm_after_clipping(grads, max_norm):
    clipped = by_cat(grads, max_norm)[1]
    return _norm(clipped), clipped


def flattened(grads, max_norm):
    total, clipped = by_cat(grads, max_norm)
    return total, torch.cat([g.flatten() for g in clipped])


def reshaped(grads, max_norm):
    total, clipped = by_cat(grads, max_norm)
    return total, [g.reshape(-1) for g in clipped]


def missing_one(grads, max_norm):
    total, clipped = by_cat(grads, max_norm)
    return total, clipped[:-1]


def total_as_a_list(grads, max_norm):
    total, clipped = by_cat(grads, max_norm)
    return [total.item()], clipped


def only_the_clipped(grads, max_norm):
    return by_cat(grads, max_norm)[1]


def rounded(grads, max_norm):
    total, clipped = by_cat(grads, max_norm)
    return round(total.item(), 4), [torch.tensor(np.round(g.numpy(), 4)) for g in clipped]


@pytest.mark.parametrize("answer, phrases", [
    (without_epsilon, ["total_norm + 1e-6"]),
    (always_scaled, ["only ever shrinks them"]),
    (per_tensor, ["clipped by its own norm", "one total norm"]),
    (clamped, ["clip_grad_value_"]),
    (upside_down, ["upside down"]),
    (unchanged, ["gradients unchanged"]),
    (sum_of_norms, ["sum of the per-tensor norms"]),
    (squared_norm, ["squared norm"]),
    (largest_norm, ["largest per-tensor norm"]),
    (norm_after_clipping, ["AFTER clipping"]),
    (flattened, ["a list of 2 tensors", "The number of entries is right"]),
    (reshaped, ["clipped[0] has shape (12,)", "keeps its shape"]),
    (missing_one, ["clipped holds 1 tensor;", "one per gradient, 2"]),
    (total_as_a_list, ["total_norm should be a number"]),
    (only_the_clipped, ["total_norm should be a number", "tensor of shape (2,)"]),
    (rounded, ["close to the right ones, but not precise enough", "Rounded numbers"]),
    (total_in_float32, ["close to 7.19494388", "not precise enough", "float32"]),
])
def test_clip_by_hand_typical_mistakes(answer, phrases):
    assert_wrong(exercises.clip_by_hand, answer, *phrases)


def calls_an_imported_name(grads, max_norm):
    """``from gradlab.nn.utils import clip_grad_norm_`` in the notebook: a global of the student's
    code (this module's, here), refused there too."""
    parameters = [torch.nn.Parameter(g.clone()) for g in grads]
    for parameter, g in zip(parameters, grads):
        parameter.grad = g.clone()
    return imported_directly(parameters, max_norm), [p.grad for p in parameters]


def test_clip_by_hand_refuses_pytorchs_own_clipping():
    def calls_clip_grad_norm_(grads, max_norm):
        parameters = [torch.nn.Parameter(g.clone()) for g in grads]
        for parameter, g in zip(parameters, grads):
            parameter.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(parameters, max_norm)
        return total, [p.grad for p in parameters]

    def calls_get_total_norm(grads, max_norm):
        total = torch.nn.utils.get_total_norm(grads)
        return total, [g * min(1.0, max_norm / (total.item() + 1e-6)) for g in grads]

    def calls_the_deprecated_name(grads, max_norm):
        parameters = [torch.nn.Parameter(g.clone()) for g in grads]
        for parameter, g in zip(parameters, grads):
            parameter.grad = g.clone()
        return torch.nn.utils.clip_grad_norm(parameters, max_norm), [p.grad for p in parameters]

    for answer, used in ((calls_clip_grad_norm_, "torch.nn.utils.clip_grad_norm_()"),
                         (calls_get_total_norm, "torch.nn.utils.get_total_norm()"),
                         (calls_the_deprecated_name, "torch.nn.utils.clip_grad_norm()"),
                         (calls_an_imported_name, "torch.nn.utils.clip_grad_norm_()")):
        assert_wrong(exercises.clip_by_hand, answer, "asks for clip_grad_norm_'s rule itself", used)
    # and nothing stays patched afterwards
    parameter = torch.nn.Parameter(torch.ones(2))
    parameter.grad = torch.tensor([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([parameter], 1.0).item() == 5.0


def test_clip_by_hand_refuses_autograd():
    def with_backward(grads, max_norm):
        vector = torch.cat([g.flatten() for g in grads]).requires_grad_()
        vector.norm().backward()
        return by_cat(grads, max_norm)
    assert_wrong(exercises.clip_by_hand, with_backward, "asks for the rule itself")


def test_clip_by_hand_hard_coded_first_example_is_refused():
    def hard_coded(grads, max_norm):
        return 13.0, [torch.tensor([3.0, -4.0]) / 13, torch.tensor([12.0]) / 13]
    assert_wrong(exercises.clip_by_hand, hard_coded)


def test_clip_by_hand_returning_pytorchs_tensors_is_named():
    torch_module = pytest.importorskip("torch")

    def pytorch_tensors(grads, max_norm):
        return torch_module.tensor(13.0), [torch_module.tensor(g.numpy()) for g in grads]
    assert_wrong(exercises.clip_by_hand, pytorch_tensors, "PyTorch's tensor")


def test_clip_by_hand_agrees_with_clip_grad_norm_():
    for arrays, max_norm in exercises._clip_trials():
        parameters = [torch.nn.Parameter(torch.tensor(np.asarray(a, dtype=np.float64))) for a in arrays]
        for parameter in parameters:
            parameter.grad = parameter.detach().clone()
        total = torch.nn.utils.clip_grad_norm_(parameters, max_norm)
        mine_total, mine = by_cat([torch.tensor(np.asarray(a, dtype=np.float64)) for a in arrays], max_norm)
        assert math.isclose(total.item(), mine_total.item(), rel_tol=1e-12)
        for parameter, clipped in zip(parameters, mine):
            np.testing.assert_allclose(parameter.grad.numpy(), clipped.numpy(), rtol=1e-12)


def test_clip_by_hand_placeholders():
    def placeholders(grads, max_norm):
        total_norm = ...
        clipped = ...
        return total_norm, clipped
    assert_not_answered(exercises.clip_by_hand, placeholders, "replace the ...")
    assert_not_answered(exercises.clip_by_hand, lambda grads, max_norm: None, "returns nothing yet")


# ===================================================================== 3. train_step

def accumulated(model, optimizer, micro_batches):
    optimizer.zero_grad()
    for inputs, targets in micro_batches:
        (F.mse_loss(model(inputs), targets) / len(micro_batches)).backward()
    optimizer.step()


def accumulated_with_model_zero_grad(model, optimizer, micro_batches):
    model.zero_grad()
    for inputs, targets in micro_batches:
        loss = F.mse_loss(model(inputs), targets, reduction="sum") / (len(micro_batches) * targets.numel())
        loss.backward()
    optimizer.step()


@pytest.mark.parametrize("answer", [accumulated, accumulated_with_model_zero_grad])
def test_train_step_right_answers(answer):
    assert_correct(exercises.train_step, answer)


def test_train_step_accumulation_gives_the_full_batch_gradient():
    """The claim the exercise rests on, on the checker's own data."""
    inputs, targets = exercises._data(0)
    full = exercises._gradients(exercises._fresh_model(0), inputs, targets)
    model = exercises._fresh_model(0)
    for chunk_inputs, chunk_targets in zip(inputs.chunk(4), targets.chunk(4)):
        (F.mse_loss(model(chunk_inputs), chunk_targets) / 4).backward()
    for parameter, expected in zip(model.parameters(), full):
        np.testing.assert_allclose(parameter.grad.numpy(), expected, rtol=1e-12)


def not_divided(model, optimizer, micro_batches):
    optimizer.zero_grad()
    for inputs, targets in micro_batches:
        F.mse_loss(model(inputs), targets).backward()
    optimizer.step()


def no_zero_grad(model, optimizer, micro_batches):
    for inputs, targets in micro_batches:
        (F.mse_loss(model(inputs), targets) / len(micro_batches)).backward()
    optimizer.step()


def zero_grad_inside(model, optimizer, micro_batches):
    for inputs, targets in micro_batches:
        optimizer.zero_grad()
        (F.mse_loss(model(inputs), targets) / len(micro_batches)).backward()
    optimizer.step()


def hard_coded_four(model, optimizer, micro_batches):
    optimizer.zero_grad()
    for inputs, targets in micro_batches:
        (F.mse_loss(model(inputs), targets) / 4).backward()
    optimizer.step()


def divided_by_rows(model, optimizer, micro_batches):
    optimizer.zero_grad()
    for inputs, targets in micro_batches:
        (F.mse_loss(model(inputs), targets) / len(inputs)).backward()
    optimizer.step()


def step_each_time(model, optimizer, micro_batches):
    for inputs, targets in micro_batches:
        optimizer.zero_grad()
        (F.mse_loss(model(inputs), targets) / len(micro_batches)).backward()
        optimizer.step()


def one_backward_for_all(model, optimizer, micro_batches):
    optimizer.zero_grad()
    total = sum(F.mse_loss(model(inputs), targets) for inputs, targets in micro_batches)
    (total / len(micro_batches)).backward()
    optimizer.step()


def whole_batch(model, optimizer, micro_batches):
    optimizer.zero_grad()
    inputs = torch.cat([i for i, _ in micro_batches])
    targets = torch.cat([t for _, t in micro_batches])
    F.mse_loss(model(inputs), targets).backward()
    optimizer.step()


def update_by_hand(model, optimizer, micro_batches):
    model.zero_grad()
    for inputs, targets in micro_batches:
        (F.mse_loss(model(inputs), targets) / len(micro_batches)).backward()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter -= 0.1 * parameter.grad  # a hard-coded learning rate


def step_without_backward(model, optimizer, micro_batches):
    optimizer.zero_grad()
    optimizer.step()


def step_then_tamper(model, optimizer, micro_batches):
    accumulated(model, optimizer, micro_batches)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(0.9)


def forward_under_no_grad(model, optimizer, micro_batches):
    optimizer.zero_grad()
    for inputs, targets in micro_batches:
        with torch.no_grad():
            loss = F.mse_loss(model(inputs), targets)
        loss.requires_grad_()
        (loss / len(micro_batches)).backward()
    optimizer.step()


@pytest.mark.parametrize("answer, phrases", [
    (not_divided, ["4 times the full-batch gradient", "len(micro_batches)"]),
    (no_zero_grad, ["what .grad held before this step", "optimizer.zero_grad()"]),
    (zero_grad_inside, ["last micro-batch only", "once before the loop"]),
    (hard_coded_four, ["With 3 micro-batches", "divided by 4", "len(micro_batches)"]),
    (divided_by_rows, ["divided by 3", "len(micro_batches)"]),
    (step_each_time, ["optimizer.step() ran 4 times", "after the loop"]),
    (one_backward_for_all, ["backward ran once, not once per micro-batch", "graph in memory"]),
    (whole_batch, ["called on 12 rows at once", "one micro-batch at a time"]),
    (update_by_hand, ["optimizer.step() was never called", "own learning rate"]),
    (step_without_backward, ["no backward pass reached the parameters"]),
    (step_then_tamper, ["changed after optimizer.step()"]),
    (forward_under_no_grad, ["no backward pass reached the parameters"]),
])
def test_train_step_typical_mistakes_and_gaming(answer, phrases):
    assert_wrong(exercises.train_step, answer, *phrases)


def test_train_step_skeleton_is_not_answered_yet():
    def skeleton(model, optimizer, micro_batches):
        ...
        for inputs, targets in micro_batches:
            loss = F.mse_loss(model(inputs), targets)  # noqa: F841 (the student's skeleton)
            ...
        ...
    assert_not_answered(exercises.train_step, skeleton, "fill in the ... lines")


def test_train_step_reading_the_checkers_frame_does_not_help():
    """The expected gradients are computed after the student's function returns: a function that
    looks for them in the calling frames finds nothing to copy."""
    def peek(model, optimizer, micro_batches):
        found = [frame_info.frame.f_locals.get("expected") for frame_info in inspect.stack()[1:]]
        found = [f for f in found if f is not None]
        optimizer.zero_grad()
        if found:
            for parameter, value in zip(model.parameters(), found[0]):
                parameter.grad = torch.tensor(value)
        optimizer.step()
    feedback = verdict(exercises.train_step, peek)
    assert feedback.status in ("wrong", "not answered") and not feedback.correct


def test_time_limit_of_the_module_is_the_shared_one():
    assert all(exercise.time_limit == core.TIME_LIMIT for exercise in exercises.EXERCISES)
