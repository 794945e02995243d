"""Exercises for lesson 02: requires_grad, leaf and non-leaf tensors, grad_fn, retain_grad.

All four use the tensors of one cell in the lesson::

    w = torch.tensor([1.0, -2.0], requires_grad=True)
    data = torch.tensor([3.0, 4.0])
    h = w * data
    bias = torch.tensor(0.5, requires_grad=True)
    out = h.sum() + bias
    frozen = w.detach()

- ``which_are_leaves``: the names of the leaf tensors (a set of names);
- ``which_get_a_grad``: after ``out.backward()``, whose ``.grad`` is not None (a set of names);
- ``gradient_of_w``: w.grad after ``out.backward()`` (a tensor);
- ``retained_gradient_of_h``: h.grad when ``h.retain_grad()`` came before backward (a tensor).
"""
import gradlab as torch

from .core import Exercise, correct, describe, expect_tensor, wrong

NAMES = ("w", "data", "h", "bias", "out", "frozen")

SETUP = (
    "w = torch.tensor([1.0, -2.0], requires_grad=True)\n"
    "data = torch.tensor([3.0, 4.0])\n"
    "h = w * data\n"
    "bias = torch.tensor(0.5, requires_grad=True)\n"
    "out = h.sum() + bias\n"
    "frozen = w.detach()"
)


def _join(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _short(text, limit=40):
    """``text`` cut to ``limit`` characters: feedback never echoes a huge answer."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _check_names(answer, expected, why_in, why_out):
    """A set of tensor names compared with ``expected``: a wrong() Verdict, or None when right.

    ``why_in[name]``: why a name the student left out belongs in the set;
    ``why_out[name]``: why a name the student put in does not.
    """
    example = "{'x', 'y'}"
    if isinstance(answer, str):
        return wrong(f"Write a set of names, like {example}, even for a single name; your answer "
                     f"is {describe(answer)}.")
    if isinstance(answer, dict) or not isinstance(answer, (set, frozenset, list, tuple)):
        return wrong(f"Write a set of names, like {example}; your answer is {describe(answer)}.")
    if any(isinstance(item, torch.Tensor) for item in answer):
        return wrong(f"Write the names of the tensors as text, like {example}, not the tensors "
                     "themselves.")
    not_text = [item for item in answer if not isinstance(item, str)]
    if not_text:
        return wrong(f"Every entry should be a name in quotes, like {example}; "
                     f"{describe(not_text[0])} is not.")
    given = {item.strip() for item in list(answer)[:1000]}
    unknown = sorted(given - set(NAMES))
    if unknown:
        return wrong(f"{_short(unknown[0])!r} is not one of the tensors of the exercise: "
                     f"they are {_join(NAMES)}.")
    missing = [name for name in NAMES if name in expected and name not in given]
    extra = [name for name in NAMES if name in given and name not in expected]
    if not missing and not extra:
        return None
    parts = []
    if extra:
        parts.append(f"{_join(extra)} should not be in the set")
    if missing:
        parts.append(f"{_join(missing)} {'is' if len(missing) == 1 else 'are'} missing")
    first = extra[0] if extra else missing[0]
    nudge = why_out[first] if extra else why_in[first]
    return wrong("; ".join(parts) + ".", nudge)


# ====================================================================== 1. which are leaves?
LEAVES = {"w", "data", "bias", "frozen"}

WHY_LEAF = {
    "w": "w was created by you, not computed: a leaf (w.is_leaf is True).",
    "bias": "bias was created by you, not computed: a leaf.",
    "data": "A tensor that does not require grad is a leaf too: data.is_leaf is True.",
    "frozen": "detach() returns a new tensor with no history: no grad_fn, so it is a leaf.",
}
WHY_NOT_LEAF = {
    "h": "h was computed from w, which requires grad, so it has a grad_fn (MulBackward0): "
         "not a leaf.",
    "out": "out was computed from h and bias, so it has a grad_fn (AddBackward0): not a leaf.",
}


def _check_which_are_leaves(answer):
    verdict = _check_names(answer, LEAVES, WHY_LEAF, WHY_NOT_LEAF)
    if verdict is not None:
        return verdict
    return correct("A tensor is a leaf unless an operation on tensors that require "
                              "grad produced it, i.e. unless it has a grad_fn.")


which_are_leaves = Exercise(
    "which_are_leaves",
    "Which of w, data, h, bias, out, frozen are leaf tensors? (a set of names)",
    _check_which_are_leaves,
    hints=(
        "A tensor is a leaf when its grad_fn is None. Which tensors were computed by an "
        "operation on something that requires grad?",
        "Tensors that do not require grad count as leaves too, whatever made them.",
        "You can look: for name in ['w', 'data', 'h', 'bias', 'out', 'frozen']: "
        "print(name, eval(name).is_leaf)",
    ),
    solution=(
        "answer = {'w', 'data', 'bias', 'frozen'}\n"
        "# w and bias: created by you with requires_grad=True.\n"
        "# data: does not require grad, so it is a leaf by definition.\n"
        "# frozen: detach() gives a tensor without history (grad_fn None).\n"
        "# h and out were computed from tensors that require grad: they have a grad_fn."
    ),
    kind="choice",
)


# ====================================================================== 2. who gets a .grad?
GET_A_GRAD = {"w", "bias"}

WHY_GETS_GRAD = {
    "w": "w is a leaf that requires grad: backward stores d(out)/dw in w.grad.",
    "bias": "bias is a leaf that requires grad: backward stores d(out)/d(bias) in bias.grad.",
}
WHY_NO_GRAD = {
    "data": "data does not require grad: autograd never computes a gradient for it, so "
            "data.grad stays None.",
    "frozen": "frozen was detached: it does not require grad, so frozen.grad stays None.",
    "h": "h is not a leaf: backward passes its gradient on and does not keep it (h.grad is None, "
         "with a warning) unless you call h.retain_grad() first.",
    "out": "out is not a leaf: backward starts from it but does not store anything in out.grad "
           "unless you call out.retain_grad() first.",
}


def _check_which_get_a_grad(answer):
    verdict = _check_names(answer, GET_A_GRAD, WHY_GETS_GRAD, WHY_NO_GRAD)
    if verdict is not None:
        return verdict
    return correct("backward fills .grad only for leaves that require grad (and for "
                              "tensors you asked to retain_grad()).")


which_get_a_grad = Exercise(
    "which_get_a_grad",
    "After out.backward(), which of w, data, h, bias, out, frozen have a .grad that is not None? "
    "(a set of names)",
    _check_which_get_a_grad,
    hints=(
        "Two conditions: the tensor must require grad, and it must be a leaf.",
        "data and frozen do not require grad; h and out are not leaves.",
    ),
    solution=(
        "answer = {'w', 'bias'}\n"
        "# backward stores gradients only in leaves that require grad: w and bias.\n"
        "# h and out are not leaves (no retain_grad), data and frozen do not require grad."
    ),
    kind="choice",
)


# ====================================================================== 3. the value of w.grad
def _check_gradient_of_w(answer):
    verdict = expect_tensor(answer, torch.tensor([3.0, 4.0]))
    if verdict:
        return correct("out = w[0]·3 + w[1]·4 + bias, so the slope in each w[i] is data[i].")
    nudges = [
        ([1.0, -2.0], "That is w itself. How much does out change when w[0] grows by a little?"),
        ([1.0, 1.0], "1 would be the slope if out were w.sum(); here each w[i] is multiplied "
                     "by data[i] first."),
        ([3.0, -8.0], "That is h = w * data, a value of the forward pass, not a gradient."),
    ]
    if isinstance(answer, torch.Tensor) and tuple(answer.shape) == (2,):
        values = answer.detach().tolist()
        for expected, nudge in nudges:
            if all(abs(a - b) < 1e-5 for a, b in zip(values, expected)):
                return wrong(verdict.message, nudge)
    return verdict


gradient_of_w = Exercise(
    "gradient_of_w",
    "After out.backward(), what is w.grad? (a tensor)",
    _check_gradient_of_w,
    hints=(
        "Write the sum out by hand: out = w[0]·data[0] + w[1]·data[1] + bias.",
        "The slope of w[0]·3 in w[0] is 3.",
    ),
    solution=(
        "answer = torch.tensor([3.0, 4.0])\n"
        "# out = w[0]·3 + w[1]·4 + 0.5, so d(out)/dw = [3, 4] = data."
    ),
)


# ====================================================================== 4. retain_grad on h
def _check_retained_gradient_of_h(answer):
    if answer is None:  # what h.grad holds when retain_grad() was forgotten
        return wrong("Your answer is None: that is h.grad without retain_grad().",
                     "Call h.retain_grad() before out.backward(), then read h.grad.")
    verdict = expect_tensor(answer, torch.tensor([1.0, 1.0]))
    if verdict:
        return correct("out = h.sum() + bias: each entry of h adds to out with slope 1.")
    if isinstance(answer, torch.Tensor) and tuple(answer.shape) == (2,):
        values = answer.detach().tolist()
        if all(abs(a - b) < 1e-5 for a, b in zip(values, [3.0, 4.0])):
            return wrong(verdict.message, "[3, 4] is w.grad. h.grad is d(out)/dh: how does out "
                                          "change when one entry of h grows?")
        if all(abs(a - b) < 1e-5 for a, b in zip(values, [3.0, -8.0])):
            return wrong(verdict.message, "That is the value of h, not its gradient.")
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        return wrong(verdict.message, "h has two entries, so h.grad has two entries too.")
    return verdict


retained_gradient_of_h = Exercise(
    "retained_gradient_of_h",
    "Rebuild the tensors, call h.retain_grad() and then out.backward(). What is h.grad? (a tensor)",
    _check_retained_gradient_of_h,
    hints=(
        "h.grad is d(out)/dh. Only the last step matters: out = h.sum() + bias.",
        "Adding up entries: each entry of h changes the sum one for one.",
    ),
    solution=(
        "answer = torch.tensor([1.0, 1.0])\n"
        "# out = h[0] + h[1] + bias, so d(out)/dh = [1, 1].\n"
        "# Check it: rebuild the cell, h.retain_grad(), out.backward(), h.grad"
    ),
    none_is_an_answer=True,
)

EXERCISES = (which_are_leaves, which_get_a_grad, gradient_of_w, retained_gradient_of_h)
