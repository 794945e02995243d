"""Exercises for lesson 11: when autograd says no.

::

    from gradlab.exercises import lesson11 as exercises
    exercises.fix_inplace.check(loss_fn)           # a function (x, w) -> loss, without the error
    exercises.clip_by_hand.check(clip_by_hand)     # a function (grads, max_norm) -> (norm, clipped)
    exercises.train_step.check(train_step)         # a function (model, optimizer, micro_batches)

- ``fix_inplace``: a loss function whose backward fails with the version-counter error, to be
  fixed so that it computes the same loss and the right gradient. The checker calls backward
  itself; cutting the graph (``detach()``, ``.data``, ``no_grad``) is named for what it does.
- ``clip_by_hand``: ``clip_grad_norm_``'s rule written out, run "by hand" (autograd off, and
  ``torch.nn.utils``'s clipping functions refused) on float64 gradients of several shapes.
- ``train_step``: one optimizer step with gradients accumulated over micro-batches, run on fresh
  models with 2, 3, 4 and 6 micro-batches and different learning rates; the checker counts the
  backward passes, the optimizer steps and the rows the model sees at once.

Every call of student code runs with a time limit; expected values are computed only after the
student's function has returned, from copies its code never sees.
"""
import math

import numpy as np

import gradlab as torch
from gradlab import nn
from gradlab.nn import functional as F
from gradlab.nn.utils import clip_grad as _clip_grad

from .core import (
    ByHand, Exercise, NotAnswered, correct, describe, expect_function, is_pytorch_tensor,
    run_by_hand, run_with_time_limit, wrong,
)

__all__ = ["fix_inplace", "clip_by_hand", "train_step", "EXERCISES"]


def _shape_text(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"



def _close(values, expected, rtol=1e-9, atol=1e-12):
    values, expected = np.asarray(values, np.float64), np.asarray(expected, np.float64)
    return values.shape == expected.shape and bool(np.allclose(values, expected, rtol=rtol, atol=atol))


def _a_gradlab_tensor(value, what):
    """None when ``value`` is a gradlab tensor, else the sentence saying what it is instead."""
    if isinstance(value, torch.Tensor):
        return None
    if is_pytorch_tensor(value):
        return (f"{what} is PyTorch's tensor (torch.Tensor): in these lessons `torch` is gradlab; run "
                "the lesson's first cell (import gradlab as torch) and define the function again.")
    return f"{what} should be a tensor, but it is {describe(value)}."


# ====================================================================== 1. fix the in-place error
SNIPPET = """def loss_fn(x, w):
    z = x @ w
    z += 1
    h = torch.tanh(z)
    h *= 2
    return (h ** 2).mean()"""


def _intended_loss(x, w):
    """What the snippet means to compute, written out of place."""
    h = torch.tanh(x @ w + 1) * 2
    return (h ** 2).mean()


def _gradient(loss_function, x, w):
    w = w.detach().clone().requires_grad_(True)
    loss = loss_function(x.clone(), w)
    loss.backward()
    return loss.detach(), w.grad


def _through_data(x, w):
    """The snippet with ``h.data *= 2``: no error, and tanh's backward reads the doubled values."""
    z = x @ w + 1
    h = torch.tanh(z)
    h.data *= 2
    return (h ** 2).mean()


def _fix_inplace_trials():
    generator = np.random.default_rng(11)
    for rows, columns, outputs in ((4, 3, 2), (5, 2, 3), (3, 4, 1)):
        x = generator.normal(size=(rows, columns))
        w = generator.normal(size=(columns, outputs)) * 0.7
        yield torch.tensor(x), torch.tensor(w)


def _check_fix_inplace(loss_fn):
    verdict = expect_function(loss_fn, "loss_fn", "x, w", exercise="fix_inplace")
    if verdict is not None:
        return verdict
    for x, w in _fix_inplace_trials():
        given = w.clone().requires_grad_(True)
        loss = run_with_time_limit(loss_fn, x.clone(), given)
        if loss is None or loss is ...:
            raise NotAnswered("loss_fn returns nothing yet: copy the snippet into it, fix it, and end "
                              "it with return (h ** 2).mean().")
        problem = _a_gradlab_tensor(loss, "The loss loss_fn returns")
        if problem:
            return wrong(problem, "Return the loss itself: return (h ** 2).mean()")
        if given.grad is not None:
            return wrong("w.grad is already filled when loss_fn returns: loss_fn called backward itself.",
                         "loss_fn should only compute the loss and return it; the checker calls "
                         "loss.backward() on it.")
        if loss.numel() != 1:
            return wrong(f"The loss should be one number, but loss_fn returns {describe(loss)}.",
                         "Keep the last line of the snippet: return (h ** 2).mean()")
        expected_loss, expected_grad = _gradient(_intended_loss, x, w)
        if not _close(loss.detach().double().numpy(), expected_loss.numpy(), rtol=1e-7):
            return wrong(f"loss_fn computes {loss.item():.6g}, but the snippet's loss is "
                         f"{expected_loss.item():.6g} for the same x and w: the fix changed what it "
                         "computes.", "Change only HOW a line computes (in place or not), not what.")
        if loss.grad_fn is None:
            return wrong("No error now, but your loss has no grad_fn: it is cut off from w, so there is "
                         "no gradient at all.",
                         "detach(), .data and torch.no_grad() hide the change from autograd by cutting "
                         "the graph; the fix is to stop changing in place a tensor backward needs.")
        try:
            loss.backward()
        except RuntimeError as error:
            if "modified by an inplace operation" in str(error):
                named = str(error).split(": ", 1)[-1].split(" instead.")[0]
                nudge = ("The error names the tensor: 'output 0 of Tanh' is h = torch.tanh(z). Which "
                         "line changes h in place after tanh saved it?" if "output 0 of Tanh" in named
                         else f"The error says which tensor: {named}. A node saved it for backward "
                              "(x @ w keeps x and w), so it must not change afterwards.")
                return wrong("backward still fails with the version-counter error: a tensor that "
                             "backward needs is changed in place (a change under torch.no_grad() "
                             "is counted too).", nudge)
            return wrong(f"loss.backward() raised RuntimeError: {str(error).splitlines()[0][:200]}")
        if given.grad is None:
            return wrong("w.grad is None after backward: the loss does not depend on w through the graph.",
                         "Something cut the graph between w and the loss (detach(), .data, no_grad).")
        values = given.grad.detach().double().numpy()
        if _close(values, expected_grad.numpy(), rtol=1e-7, atol=1e-10):
            continue
        _, through_data = _gradient(_through_data, x, w)
        if _close(values, through_data.numpy(), rtol=1e-7, atol=1e-10):
            return wrong("No error now, and the loss is right, but w.grad is wrong: the change went "
                         "through .data, behind autograd's back, so tanh's backward used the doubled "
                         "values (1 − (2·tanh)² instead of 1 − tanh²) and the × 2 has no node at all.",
                         "Make the change a new tensor instead: h = h * 2.")
        return wrong("No error now, but w.grad is not the gradient of the snippet's loss.",
                     "Compute the same thing out of place: h = h * 2 makes a new tensor and leaves "
                     "the one tanh saved untouched.")
    return correct("backward runs and w.grad is right. z += 1 could stay: nothing had saved z "
                   "(MmBackward0 keeps x and w). h *= 2 could not: TanhBackward0 keeps its output "
                   "h, since tanh′ = 1 − tanh².")


fix_inplace = Exercise(
    "fix_inplace",
    "loss_fn(x, w) below fails in backward with 'one of the variables needed for gradient "
    "computation has been modified by an inplace operation'. Fix it so that it computes the same "
    "loss and backward gives the right w.grad:\n" + SNIPPET,
    _check_fix_inplace,
    hints=(
        "Run the snippet and read the error: 'output 0 of Tanh' names the tensor that was saved "
        "for backward and then changed.",
        "TanhBackward0 keeps tanh's output h (tanh′ = 1 − tanh²). h *= 2 writes into that very "
        "tensor and bumps its version.",
        "Write h = h * 2 (a new tensor). z += 1 may stay: no node saved z. Hiding the change with "
        "h.data *= 2 or detach() removes the error but gives a wrong (or no) gradient.",
    ),
    solution=(
        "def loss_fn(x, w):\n"
        "    z = x @ w\n"
        "    z += 1                # fine: MmBackward0 saved x and w, not z\n"
        "    h = torch.tanh(z)\n"
        "    h = h * 2             # a new tensor: the output TanhBackward0 saved stays as it was\n"
        "    return (h ** 2).mean()"
    ),
    kind="code",
)


# ====================================================================== 2. clip_grad_norm_ by hand
EPSILON = 1e-6  # clip_grad_norm_ divides by total_norm + 1e-6


def _clip_trials():
    """(gradients, max_norm): the lesson's example first, then random ones that clip and not."""
    yield [[3.0, -4.0], [12.0]], 1.0
    generator = np.random.default_rng(2024)
    for shapes, max_norm in (([(3, 4), (5,), (2, 2)], 2.5), ([(2, 3), (4,)], 50.0),
                             ([(6,), (1, 3), (2, 2, 2)], 0.75)):
        yield [generator.normal(size=shape) * 1.5 for shape in shapes], max_norm


def _total_norm(grads):
    return math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))


def _clip_slips(grads, max_norm):
    """(clipped gradients, nudge) for the usual slips, and (total norm, nudge) for the norm."""
    total = _total_norm(grads)
    scale = min(1.0, max_norm / (total + EPSILON))
    norms = [math.sqrt(float(np.sum(np.square(g)))) for g in grads]
    clipped = [
        ([g * min(1.0, max_norm / total) for g in grads],
         "Close: PyTorch divides by total_norm + 1e-6 (so a zero gradient does not divide by 0). "
         "Use the factor min(1, max_norm / (total_norm + 1e-6))."),
        ([g * (max_norm / (total + EPSILON)) for g in grads],
         "The factor is min(1, max_norm / (total_norm + 1e-6)): when the total norm is already "
         "below max_norm, clipping leaves the gradients as they are — it only ever shrinks them."),
        ([g * min(1.0, max_norm / (n + EPSILON)) for g, n in zip(grads, norms)],
         "Each gradient was clipped by its own norm. clip_grad_norm_ treats all of them as one long "
         "vector: one total norm, one factor for every tensor, so the direction of the step is kept."),
        ([np.clip(g, -max_norm, max_norm) for g in grads],
         "That clamps every entry to [-max_norm, max_norm], which is clip_grad_value_. "
         "clip_grad_norm_ multiplies all the gradients by one factor."),
        ([np.array(g, copy=True) for g in grads],
         "These are the gradients unchanged: scale them by min(1, max_norm / (total_norm + 1e-6))."
         if scale < 1 else ""),
        ([g * ((total + EPSILON) / max_norm) for g in grads],
         "The factor is upside down: it is max_norm / (total_norm + 1e-6), capped at 1."),
        ([g * scale * scale for g in grads],
         "The factor was applied twice."),
    ]
    totals = [
        (sum(norms), "That is the sum of the per-tensor norms. The total norm is the norm of all the "
                     "entries together: the square root of the sum of every entry squared."),
        (total ** 2, "That is the squared norm: take its square root."),
        (max(norms), "That is the largest per-tensor norm; the total norm takes all the entries "
                     "together."),
        (total * scale, "That is the total norm AFTER clipping; clip_grad_norm_ returns the norm the "
                        "gradients had before.") if scale < 1 else (None, ""),
    ]
    return total, scale, clipped, totals


def _as_number(value):
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.item())
    return None


_IMPRECISE = ("Rounded numbers, or float32 (torch.tensor(a_python_float) is float32), are not "
              "exact: keep the float64 tensors you were given, or return the Python number itself.")

_REFUSED_CLIPPING = {
    _clip_grad.clip_grad_norm_: "torch.nn.utils.clip_grad_norm_()",
    _clip_grad.clip_grad_norm: "torch.nn.utils.clip_grad_norm()",
    _clip_grad.clip_grads_with_norm_: "torch.nn.utils.clip_grads_with_norm_()",
    _clip_grad.get_total_norm: "torch.nn.utils.get_total_norm()",
    _clip_grad.clip_grad_value_: "torch.nn.utils.clip_grad_value_()",
}


def _check_clip_by_hand(clip_by_hand):
    verdict = expect_function(clip_by_hand, "clip_by_hand", "grads, max_norm")
    if verdict is not None:
        return verdict
    for arrays, max_norm in _clip_trials():
        arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
        given = [torch.tensor(a) for a in arrays]
        where = (f"For gradients of shapes {', '.join(_shape_text(a.shape) for a in arrays)} and "
                 f"max_norm = {max_norm:g}")
        try:
            result = run_by_hand(clip_by_hand, given, max_norm, refuse=_REFUSED_CLIPPING)
        except ByHand as refused:
            if refused.used not in _REFUSED_CLIPPING.values():
                raise  # autograd itself: the shared sentence
            return wrong(f"This exercise asks for clip_grad_norm_'s rule itself, so the check refuses "
                         f"{refused.used}.", "Write the rule with tensor operations: the total norm "
                         "from the squares of all the entries, then one factor for every gradient.")
        if result is None or result is ...:
            raise NotAnswered("clip_by_hand returns nothing yet: end it with return total_norm, clipped.")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return wrong(f"clip_by_hand should return two things, (total_norm, clipped), but it returned "
                         f"{describe(result)}.", "End it with: return total_norm, clipped")
        total_answer, clipped_answer = result
        if total_answer is ... or clipped_answer is ...:
            raise NotAnswered("replace the ... in clip_by_hand with your formulas, then run the cell again.")
        total, scale, clipped_slips, total_slips = _clip_slips(arrays, max_norm)
        # the total norm
        if is_pytorch_tensor(total_answer):
            return wrong(_a_gradlab_tensor(total_answer, "total_norm"))
        number = _as_number(total_answer)
        if number is None:
            return wrong(f"total_norm should be a number or a one-element tensor, but it is "
                         f"{describe(total_answer)}.",
                         "The total norm is one number for all the gradients together.")
        if not math.isclose(number, total, rel_tol=1e-9, abs_tol=1e-12):
            if math.isclose(number, total, rel_tol=1e-3):
                return wrong(f"{where}, total_norm is {number:.10g}: close to {total:.10g}, but not "
                             "precise enough (it must be within 1e-9 of it, relatively).", _IMPRECISE)
            nudge = next((text for value, text in total_slips
                          if value is not None and math.isclose(number, value, rel_tol=1e-7)),
                         "Treat all the entries of all the gradients as one long vector and take its "
                         "length: the square root of the sum of the squares.")
            return wrong(f"{where}, total_norm is {number:.10g}, but it should be {total:.10g}.", nudge)
        # the clipped gradients: one tensor per gradient, each with its gradient's shape
        if isinstance(clipped_answer, torch.Tensor) or is_pytorch_tensor(clipped_answer):
            size = sum(a.size for a in arrays)
            nudge = ("The number of entries is right: return one tensor per gradient, each with the "
                     "shape of its gradient (a list)." if clipped_answer.numel() == size else
                     "Return a list with one clipped tensor per gradient.")
            return wrong(f"clipped should be a list of {len(arrays)} tensors (one per gradient), but it "
                         f"is {describe(clipped_answer)}.", nudge)
        if not isinstance(clipped_answer, (list, tuple)):
            return wrong(f"clipped should be a list of {len(arrays)} tensors (one per gradient), but it "
                         f"is {describe(clipped_answer)}.")
        if len(clipped_answer) != len(arrays):
            held = f"{len(clipped_answer)} tensor{'' if len(clipped_answer) == 1 else 's'}"
            return wrong(f"{where}, clipped holds {held}; it should hold one per gradient, "
                         f"{len(arrays)}.", "Return [g * scale for g in grads].")
        values = []
        for position, (item, array) in enumerate(zip(clipped_answer, arrays)):
            problem = _a_gradlab_tensor(item, f"clipped[{position}]")
            if problem:
                return wrong(problem)
            if tuple(item.shape) != array.shape:
                return wrong(f"clipped[{position}] has shape {_shape_text(tuple(item.shape))}, but its "
                             f"gradient has shape {_shape_text(array.shape)}.",
                             "Clipping scales a gradient; it keeps its shape.")
            values.append(item.detach().double().numpy())
        expected = [a * scale for a in arrays]
        if all(_close(v, e) for v, e in zip(values, expected)):
            continue
        nudge = next((text for slip, text in clipped_slips
                      if text and all(_close(v, s, rtol=1e-7) for v, s in zip(values, slip))), None)
        if nudge is None and all(_close(v, e, rtol=1e-3, atol=1e-4) for v, e in zip(values, expected)):
            return wrong(f"{where}, the clipped gradients are close to the right ones, but not precise "
                         "enough (each entry must be within 1e-9 of it, relatively).", _IMPRECISE)
        return wrong(f"{where} (total norm {total:.6g}), the clipped gradients are not right.",
                     nudge or "Multiply every gradient by the same factor, "
                               "min(1, max_norm / (total_norm + 1e-6)).")
    return correct("your rule gives clip_grad_norm_'s numbers on 4 sets of gradients: one total norm "
                   "for all of them, one factor min(1, max_norm / (total_norm + 1e-6)) for every "
                   "tensor.")


clip_by_hand = Exercise(
    "clip_by_hand",
    "Write clip_by_hand(grads, max_norm): grads is a list of gradient tensors; return "
    "(total_norm, clipped), the total 2-norm of all of them together and the list of gradients "
    "scaled as torch.nn.utils.clip_grad_norm_ would scale them — without calling it.",
    _check_clip_by_hand,
    hints=(
        "The total norm treats every entry of every gradient as one long vector: "
        "sqrt(sum of g ** 2 over all entries of all the g). torch.cat([g.flatten() for g in grads]) "
        "builds that vector.",
        "One factor for all of them: scale = min(1, max_norm / (total_norm + 1e-6)). Below max_norm "
        "it is 1 and nothing changes.",
        "Return total_norm (the norm before clipping) and [g * scale for g in grads].",
    ),
    solution=(
        "def clip_by_hand(grads, max_norm):\n"
        "    total_norm = torch.cat([g.flatten() for g in grads]).pow(2).sum().sqrt()\n"
        "    scale = min(1.0, max_norm / (total_norm.item() + 1e-6))\n"
        "    clipped = [g * scale for g in grads]\n"
        "    return total_norm, clipped"
    ),
    kind="code",
)


# ====================================================================== 3. gradient accumulation
ROWS = 12  # every trial splits 12 rows into micro-batches
STALE = 0.5  # what .grad holds before the step (left over from an earlier step)


def _fresh_model(seed):
    """A Linear(3, 2) in float64 with weights from NumPy (the same on every call with this seed)."""
    generator = np.random.default_rng(seed)
    model = nn.Linear(3, 2).double()
    with torch.no_grad():
        model.weight.copy_(torch.tensor(generator.normal(size=(2, 3))))
        model.bias.copy_(torch.tensor(generator.normal(size=2)))
    return model


def _accumulation_trials():
    """(micro-batch count, learning rate, seed): counts and learning rates change together, so a
    hard-coded count or learning rate is right at most once."""
    return ((4, 0.1, 0), (3, 0.05, 1), (2, 0.2, 2), (6, 0.1, 3))


def _data(seed):
    generator = np.random.default_rng(100 + seed)
    inputs = torch.tensor(generator.normal(size=(ROWS, 3)))
    targets = torch.tensor(generator.normal(size=(ROWS, 2)))
    return inputs, targets


def _gradients(model, inputs, targets):
    model.zero_grad()
    F.mse_loss(model(inputs), targets).backward()
    return [p.grad.detach().numpy().copy() for p in model.parameters()]


class _Watch:
    """What a train_step did to the checker's model and optimizer: forward calls (rows each),
    backward passes reaching the parameters, optimizer steps (with the gradients at each)."""

    def __init__(self, model, optimizer):
        self.rows, self.backwards, self.steps = [], [0, 0], []
        model.register_forward_pre_hook(lambda module, args: self.rows.append(
            args[0].shape[0] if args and isinstance(args[0], torch.Tensor) and args[0].ndim else 0))
        for position, parameter in enumerate(model.parameters()):
            parameter.register_hook(lambda grad, position=position: self._arrived(position))
        step = optimizer.step

        def counted_step(*args, **kwargs):
            self.steps.append([None if p.grad is None else p.grad.detach().numpy().copy()
                               for p in model.parameters()])
            return step(*args, **kwargs)

        optimizer.step = counted_step

    def _arrived(self, position):
        self.backwards[position] += 1


def _accumulation_slip(grads, expected, count, stale, last):
    """A sentence for gradients that match a usual slip of accumulation, else None."""
    def matches(candidate):
        return all(_close(g, c, rtol=1e-7, atol=1e-10) for g, c in zip(grads, candidate))

    if matches([e * count for e in expected]):
        return (f"the gradients are {count} times the full-batch gradient: each micro-batch's "
                f"loss is a mean over its rows, and {count} of them were added up.",
                "Divide each micro-batch's loss by the number of micro-batches, "
                "len(micro_batches), before backward.")
    if matches([e + s for e, s in zip(expected, stale)]) or \
            matches([e * count + s for e, s in zip(expected, stale)]):
        return ("the gradients include what .grad held before this step: backward adds to it.",
                "Reset the gradients once, before the first micro-batch: optimizer.zero_grad().")
    if matches(last) or matches([value * count for value in last]):
        return ("the gradients are those of the last micro-batch only: the earlier ones were "
                "wiped before the step.",
                "Call optimizer.zero_grad() once before the loop, not inside it.")
    for divisor in range(1, 4 * ROWS + 1):
        if divisor != count and matches([e * count / divisor for e in expected]):
            return (f"the gradients are those of a loss divided by {divisor}, but this step has "
                    f"{count} micro-batches.",
                    "Divide by len(micro_batches): the number changes from step to step.")
    return None


def _check_train_step(train_step):
    verdict = expect_function(train_step, "train_step", "model, optimizer, micro_batches")
    if verdict is not None:
        return verdict
    for count, learning_rate, seed in _accumulation_trials():
        model = _fresh_model(seed)
        for parameter in model.parameters():
            parameter.grad = torch.full_like(parameter, STALE)  # left over from an earlier step
        before = [p.detach().numpy().copy() for p in model.parameters()]
        optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
        watch = _Watch(model, optimizer)
        inputs, targets = _data(seed)
        micro_batches = list(zip(inputs.clone().chunk(count), targets.clone().chunk(count)))
        run_with_time_limit(train_step, model, optimizer, micro_batches)
        after = [p.detach().numpy().copy() for p in model.parameters()]
        moved = not all(np.array_equal(a, b) for a, b in zip(after, before))
        backwards = max(watch.backwards)
        where = f"With {count} micro-batches of {ROWS // count} rows"
        if not watch.steps and not backwards and not moved:
            raise NotAnswered("train_step does not call backward or optimizer.step() yet: fill in the "
                              "... lines, then run the cell again.")
        if max(watch.rows, default=0) > ROWS // count:
            return wrong(f"{where}, the model was called on {max(watch.rows)} rows at once.",
                         "Accumulation runs the model on one micro-batch at a time — the point is "
                         "never to hold the whole batch (and its graph) in memory.")
        if not watch.steps:
            if moved:
                return wrong("The parameters changed, but optimizer.step() was never called.",
                             "Let the optimizer make the update (it has its own learning rate, and "
                             "may have momentum): optimizer.step(), once, after the loop.")
            return wrong("optimizer.step() was never called, so the model did not change.",
                         "After the loop over the micro-batches: optimizer.step().")
        if len(watch.steps) > 1:
            return wrong(f"{where}, optimizer.step() ran {len(watch.steps)} times.",
                         "Accumulate first, update once: call optimizer.step() after the loop, "
                         "not inside it.")
        if not backwards:
            return wrong("optimizer.step() ran, but no backward pass reached the parameters before it.",
                         "Inside the loop, after the forward: backward on the micro-batch's loss "
                         "divided by len(micro_batches).")
        if backwards < count:
            times = "once" if backwards == 1 else f"{backwards} times"
            return wrong(f"{where}, backward ran {times}, not once per micro-batch.",
                         "Adding the losses up and calling backward once keeps every micro-batch's "
                         "graph in memory until the end. Call backward inside the loop: each "
                         "graph is freed as soon as its gradients are added to .grad.")
        grads = watch.steps[0]
        if any(g is None for g in grads):
            return wrong("Some parameters had no gradient when optimizer.step() ran.",
                         "Call backward on each micro-batch's (scaled) loss before the step.")
        reference = _fresh_model(seed)
        expected = _gradients(reference, inputs, targets)
        if not all(_close(g, e, rtol=1e-8, atol=1e-12) for g, e in zip(grads, expected)):
            last = _gradients(reference, *micro_batches[-1])
            slip = _accumulation_slip(grads, expected, count,
                                      [np.full_like(e, STALE) for e in expected],
                                      [value / count for value in last])
            if slip is not None:
                return wrong(f"{where}, {slip[0]}", slip[1])
            return wrong(f"{where}, the gradients at optimizer.step() are not the full batch's.",
                         "Each micro-batch: loss / len(micro_batches), then backward. Reset the "
                         "gradients once before the loop.")
        if not all(_close(a, b - learning_rate * g, rtol=1e-8, atol=1e-12)
                   for a, b, g in zip(after, before, expected)):
            return wrong("The gradients were right, but the parameters were changed after "
                         "optimizer.step().", "optimizer.step() makes the whole update; leave the "
                         "parameters alone after it.")
    return correct("the gradients at the step equal the full batch's with 2, 3, 4 and 6 "
                   "micro-batches: backward after each (scaled) micro-batch, one step at the end.")


train_step = Exercise(
    "train_step",
    "Write train_step(model, optimizer, micro_batches): one optimizer step whose gradient is that "
    "of F.mse_loss over all the micro-batches together (a list of (inputs, targets) pairs of equal "
    "size), accumulated one micro-batch at a time.",
    _check_train_step,
    hints=(
        "The full batch's loss is the mean of the micro-batches' mean losses. Backward adds into "
        ".grad, so backward on each loss / len(micro_batches) adds up to the full-batch gradient.",
        "Order: optimizer.zero_grad() once before the loop; inside it, forward, scale, backward; "
        "after it, optimizer.step() once.",
        "(F.mse_loss(model(inputs), targets) / len(micro_batches)).backward()",
    ),
    solution=(
        "def train_step(model, optimizer, micro_batches):\n"
        "    optimizer.zero_grad()                       # start from clean gradients\n"
        "    for inputs, targets in micro_batches:\n"
        "        loss = torch.nn.functional.mse_loss(model(inputs), targets)\n"
        "        (loss / len(micro_batches)).backward()  # adds this micro-batch's share to .grad\n"
        "    optimizer.step()                            # one update, with the full-batch gradient"
    ),
    kind="code",
)

EXERCISES = (fix_inplace, clip_by_hand, train_step)
