"""Exercises for lesson 06: broadcasting and reductions, where gradients are summed back.

::

    from gradlab.exercises import lesson06 as exercises
    exercises.bias_gradient.check(answer)

- ``bias_gradient``: b.grad for a bias added to every row of a batch (a tensor);
- ``column_scale_gradient``: the gradient of a (2, 1) scale broadcast over columns (a tensor,
  keepdim shape);
- ``reduction_gradient``: x.grad for a row-wise max plus a mean (a tensor);
- ``sum_to_shape``: write the helper that sums a broadcast gradient back to a shape (code,
  run by hand — autograd off, gradlab's own helper and ``sum_to_size`` refused — on fixed and
  freshly drawn shapes and values, and compared with what autograd does).
"""
import contextlib
import sys

import numpy as np

import gradlab as torch

from .core import (
    ByHand, Exercise, NotAnswered, code_inside, correct, describe, expect_function, expect_tensor,
    run_by_hand, wrong,
)


def _same(answer, values):
    """True when the tensor ``answer`` holds ``values`` (a known slip), shape and all."""
    if not isinstance(answer, torch.Tensor):
        return False
    array = answer.detach().numpy().astype(np.float64)
    expected = np.asarray(values, dtype=np.float64)
    return array.shape == expected.shape and np.allclose(array, expected, atol=1e-3)


def _same_values(answer, values):
    """True when ``answer`` holds ``values`` in any shape with the same number of entries."""
    if not isinstance(answer, torch.Tensor):
        return False
    array = answer.detach().numpy().astype(np.float64).ravel()
    expected = np.asarray(values, dtype=np.float64).ravel()
    return array.shape == expected.shape and np.allclose(array, expected, atol=1e-3)


def _with_slips(verdict, answer, slips):
    """``verdict`` with the nudge of the first slip whose values ``answer`` holds."""
    if verdict:
        return verdict
    for matches, values, nudge in slips:
        if matches(answer, values):
            return wrong(verdict.message, nudge)
    return verdict


# ====================================================================== 1. a bias over a batch
UPSTREAM = ((1.0, 0.0, 2.0), (3.0, 1.0, 0.0))


def _check_bias_gradient(answer):
    upstream = np.array(UPSTREAM)
    verdict = expect_tensor(answer, torch.tensor(upstream.sum(axis=0).tolist()), name="your b.grad")
    if verdict:
        return correct("b was copied into both rows, so each entry of b collects the gradients "
                       "of its column: the upstream gradient summed over the batch dimension.")
    return _with_slips(verdict, answer, [
        (_same, upstream, "That is the gradient of out, one entry per element of the batch. b "
                          "has shape (3,): add up the rows that b was copied into."),
        (_same, [2.0, 2.0, 2.0], "That would be right for loss = out.sum(). Here each entry of "
                                 "out is weighted by G."),
        (_same, upstream.mean(axis=0), "Those are averages. Every copy of b adds its gradient: "
                                       "sum the rows, do not average them."),
        (_same, upstream.sum(axis=1), "You summed each row. b runs along the columns: sum over "
                                      "the batch dimension (dim=0)."),
    ])


bias_gradient = Exercise(
    "bias_gradient",
    "X = torch.ones(2, 3); b = torch.tensor([0.1, 0.2, 0.3], requires_grad=True); "
    "G = torch.tensor([[1., 0., 2.], [3., 1., 0.]]); loss = ((X + b) * G).sum(); "
    "loss.backward(). What is b.grad?",
    _check_bias_gradient,
    hints=(
        "First find the gradient of out = X + b: for loss = (out * G).sum() it is G itself.",
        "b has shape (3,) and was used once in each of the 2 rows of out.",
        "The gradients of the copies add up: sum G over the rows (dim=0).",
    ),
    solution=(
        "answer = torch.tensor([4.0, 1.0, 2.0])\n"
        "# d loss / d out = G.  b was broadcast over the 2 rows, so b.grad = G.sum(dim=0)\n"
        "# = [1 + 3, 0 + 1, 2 + 0] = [4., 1., 2.]"
    ),
)


# ====================================================================== 2. a (2, 1) scale
SCALED = ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0))


def _check_column_scale_gradient(answer):
    x = np.array(SCALED)
    expected = x.sum(axis=1, keepdims=True)
    if _same(answer, expected.ravel()):
        return wrong("The numbers are right, but the shape is (2,); scale has shape (2, 1), "
                     "and so does its gradient.",
                     "Keep the summed dimension: x.sum(dim=1, keepdim=True), or write "
                     "torch.tensor([[6.], [15.]]).")
    verdict = expect_tensor(answer, torch.tensor(expected.tolist()), name="your scale.grad")
    if verdict:
        return correct("scale was stretched along the columns, so its gradient is x summed "
                       "over dim 1, keeping that dimension: shape (2, 1), like scale.")
    return _with_slips(verdict, answer, [
        (_same, x, "That is the gradient of x * scale with respect to each product. scale has "
                   "shape (2, 1): sum over the columns it was stretched along."),
        (_same_values, x.sum(axis=0), "You summed down the columns (dim 0). scale has one "
                                      "entry per row and was copied along each row."),
        (_same_values, np.full(2, 3.0), "3 is the number of copies. Each copy of a scale "
                                        "entry is multiplied by a different x, so the gradients "
                                        "are the x values."),
    ])


column_scale_gradient = Exercise(
    "column_scale_gradient",
    "x = torch.tensor([[1., 2., 3.], [4., 5., 6.]]); scale = torch.tensor([[2.], [3.]], "
    "requires_grad=True); loss = (x * scale).sum(); loss.backward(). What is scale.grad?",
    _check_column_scale_gradient,
    hints=(
        "scale has shape (2, 1): each of its entries is copied along one row of x.",
        "For one product x[i, j] * scale[i, 0], the gradient with respect to scale[i, 0] is "
        "x[i, j]. Add those up along the row.",
        "The gradient has the shape of scale, (2, 1): torch.tensor([[...], [...]]).",
    ),
    solution=(
        "answer = torch.tensor([[6.0], [15.0]])\n"
        "# scale.grad = x.sum(dim=1, keepdim=True): 1 + 2 + 3 = 6 and 4 + 5 + 6 = 15,\n"
        "# shape (2, 1) like scale."
    ),
)


# ====================================================================== 3. max over rows + mean
REDUCED = ((1.0, 5.0, 2.0), (7.0, 0.0, 3.0))


def _check_reduction_gradient(answer):
    x = np.array(REDUCED)
    winners = (x == x.max(axis=1, keepdims=True)).astype(np.float64)
    mean_part = np.full_like(x, 1.0 / x.size)
    expected = winners + mean_part
    verdict = expect_tensor(answer, torch.tensor(expected.tolist()), name="your x.grad",
                            atol=1e-3, rtol=1e-3)
    if verdict:
        return correct("each row's max sends 1 to its winner; the mean sends 1/6 to every "
                       "entry; the two add.")
    overall = (x == x.max()).astype(np.float64) + mean_part
    return _with_slips(verdict, answer, [
        (_same, winners + 1.0, "The mean divides by the number of entries: each one gets "
                               "1/6, not 1."),
        (_same, winners, "That is the gradient of the max part alone; the mean adds 1/6 "
                         "to every entry."),
        (_same, mean_part, "That is the gradient of the mean alone; each row's max adds 1 "
                           "at its winner."),
        (_same, winners + 1.0 / 3, "The mean is over all 6 entries, not over a row of 3."),
        (_same, overall, "max(dim=1) picks a winner in each row, not one for the whole "
                         "tensor."),
    ])


reduction_gradient = Exercise(
    "reduction_gradient",
    "x = torch.tensor([[1., 5., 2.], [7., 0., 3.]], requires_grad=True); "
    "loss = x.max(dim=1).values.sum() + x.mean(); loss.backward(). What is x.grad? "
    "(Fractions such as 1/6 are fine; typed decimals need three places, 0.167.)",
    _check_reduction_gradient,
    hints=(
        "Do the two parts separately and add them: the gradient of a sum is the sum of "
        "the gradients.",
        "x.max(dim=1).values has one winner per row: that entry gets 1, the others 0.",
        "x.mean() is x.sum() / 6: every entry gets 1/6.",
    ),
    solution=(
        "answer = torch.tensor([[1/6, 1 + 1/6, 1/6],\n"
        "                       [1 + 1/6, 1/6, 1/6]])\n"
        "# max over each row: 1 at the winners (5 in row 0, 7 in row 1); mean: 1/6 everywhere."
    ),
)


# ================================================================== 4. code: sum a gradient back
CASES = (
    ((4, 3), (3,)),
    ((4, 3), (1, 3)),
    ((4, 3), (4, 1)),
    ((2, 3, 4), (3, 1)),
    ((2, 3, 4), (2, 1, 4)),
    ((5,), ()),
    ((2, 3), (2, 3)),
    ((3, 1, 2), (1,)),
)
RANDOM_CASES = 4  # more pairs of shapes, new at every check: an answer cannot be a table of these


def _random_cases(generator):
    """``RANDOM_CASES`` pairs (broadcast shape, shape), drawn afresh: a shape that broadcasts to the first."""
    cases = []
    for _ in range(RANDOM_CASES):
        grad_shape = tuple(int(n) for n in generator.integers(1, 5, size=int(generator.integers(1, 5))))
        kept = int(generator.integers(0, len(grad_shape) + 1))
        shape = tuple(1 if generator.random() < 0.5 else size for size in grad_shape[len(grad_shape) - kept:])
        cases.append((grad_shape, shape))
    return cases


def _autograd_sum_to_shape(grad, shape):
    """What the engine does: broadcast a tensor of ``shape`` to grad's shape, send grad back."""
    target = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    (target + torch.zeros(tuple(grad.shape), dtype=torch.float64)).backward(grad)
    return target.grad


def _shape_text(shape):
    shape = tuple(shape)
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _shape_nudge(grad_shape, shape, result_shape):
    extra = len(grad_shape) - len(shape)
    if tuple(result_shape) == tuple(grad_shape):
        if not extra:
            return ("Nothing was summed. Where the target has size 1 and the gradient does not, "
                    "broadcasting stretched that dimension: sum over it with keepdim=True.")
        return "Nothing was summed: broadcasting copied the small tensor, so its gradient " \
               "adds up those copies."
    if len(result_shape) < len(shape):
        return ("Too many dimensions were removed. A dimension of size 1 in the target shape "
                "must stay: sum it with keepdim=True.")
    if extra and len(result_shape) > len(shape):
        return (f"Broadcasting added {extra} leading dimension(s): sum them away "
                "(grad.sum(dim=0), once per extra dimension).")
    return ("Where the target has size 1 and the gradient does not, sum over that dimension "
            "with keepdim=True.")


def _check_sum_to_shape(sum_to_shape):
    verdict = expect_function(sum_to_shape, "sum_to_shape", "grad, shape")
    if verdict is not None:
        return verdict
    generator = np.random.default_rng()  # new values at every check: no table of answers fits
    cases = list(CASES) + _random_cases(generator)
    for grad_shape, shape in cases:
        grad = torch.tensor(generator.normal(size=grad_shape).round(3), dtype=torch.float64)
        values = grad.numpy().tobytes()  # immutable: the answer is compared with these values
        # the rule by hand: autograd is off, and gradlab's own helper and sum_to_size are refused
        with _helper_refused():
            result = run_by_hand(sum_to_shape, grad.clone(), shape, refuse=_SHORTCUTS)
        if result is ... or result is None:
            raise NotAnswered("fill in the body of sum_to_shape(grad, shape), then run the cell "
                              "again.")
        if not isinstance(result, torch.Tensor):
            return wrong(f"sum_to_shape should return a tensor, but for a gradient of shape "
                         f"{_shape_text(grad_shape)} it returned {describe(result)}.",
                         "Use tensor methods such as grad.sum(dim=..., keepdim=...).")
        problem = code_inside(result)
        if problem:
            return wrong(f"What sum_to_shape returned could not be checked: {problem}")
        where = (f"For a gradient of shape {_shape_text(grad_shape)} and the shape "
                 f"{_shape_text(shape)}")
        if tuple(result.shape) != tuple(shape):
            return wrong(f"{where}, your function returned shape {_shape_text(result.shape)}.",
                         _shape_nudge(grad_shape, shape, result.shape))
        original = torch.tensor(np.frombuffer(values).reshape(grad_shape))
        expected = _autograd_sum_to_shape(original, shape).numpy()
        got = result.detach().numpy().astype(np.float64)
        if not np.allclose(got, expected, rtol=1e-7, atol=1e-9):
            counts = original.numel() // max(int(np.prod(shape)), 1)
            if counts > 1 and np.allclose(got * counts, expected, rtol=1e-7, atol=1e-9):
                nudge = ("Those are averages. Every copy made by broadcasting adds its gradient: "
                         "use sum, not mean.")
            else:
                nudge = ("The shape is right but not the numbers: sum over exactly the "
                         "dimensions broadcasting added or stretched.")
            return wrong(f"{where}, the values differ from what autograd gives "
                         f"(b.grad after (b + torch.zeros{_shape_text(grad_shape)})"
                         f".backward(grad)).", nudge)
    return correct(f"it agrees with autograd on {len(cases)} pairs of shapes, {RANDOM_CASES} of "
                   "them new at every check. gradlab's own version is sum_to_shape in "
                   "gradlab/ops/broadcast.py: the engine calls it when a gradient rule hands back "
                   "a gradient of the broadcast shape, and ExpandBackward0's rule calls it itself.")


HELPER = "gradlab's own sum_to_shape (gradlab.ops.broadcast)"


def _shortcuts():
    from ..ops import broadcast
    return {broadcast.sum_to_shape: HELPER}


_SHORTCUTS = _shortcuts()


@contextlib.contextmanager
def _helper_refused():
    """gradlab's sum_to_shape refused even when gradlab's code calls it for the student's code (as
    ExpandBackward0's rule does, called with a made-up ctx); nothing else calls it in a forward."""
    from ..ops import broadcast
    original = broadcast.sum_to_shape

    def refused(*args, **kwargs):
        raise ByHand(HELPER)

    bound = [(vars(module), name) for module_name, module in list(sys.modules.items())
             if module is not None and module_name.startswith("gradlab.")
             and not module_name.startswith("gradlab.exercises")
             for name, value in list(vars(module).items()) if value is original]
    for namespace, name in bound:
        namespace[name] = refused
    try:
        yield
    finally:
        for namespace, name in bound:
            namespace[name] = original


sum_to_shape = Exercise(
    "sum_to_shape",
    "Complete sum_to_shape(grad, shape): grad has a broadcast shape; return it summed back "
    "to shape, as autograd does for a tensor of that shape that was broadcast.",
    _check_sum_to_shape,
    hints=(
        "Broadcasting does two things: it adds dimensions at the front, and it stretches "
        "dimensions of size 1. Undo both, by summing.",
        "First, while grad.dim() > len(shape): grad = grad.sum(dim=0).",
        "Then, for each dim where shape[dim] == 1 but grad.shape[dim] != 1: "
        "grad = grad.sum(dim=dim, keepdim=True).",
    ),
    solution=(
        "def sum_to_shape(grad, shape):\n"
        "    while grad.dim() > len(shape):          # dimensions broadcasting added in front\n"
        "        grad = grad.sum(dim=0)\n"
        "    for dim, size in enumerate(shape):      # dimensions of size 1 that were stretched\n"
        "        if size == 1 and grad.shape[dim] != 1:\n"
        "            grad = grad.sum(dim=dim, keepdim=True)\n"
        "    return grad"
    ),
    kind="code",
)

EXERCISES = (bias_gradient, column_scale_gradient, reduction_gradient, sum_to_shape)
