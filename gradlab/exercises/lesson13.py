"""Exercises for lesson 13: backprop by hand, at tensor level.

::

    from gradlab.exercises import lesson13 as exercises
    exercises.cross_entropy_backward.check(cross_entropy_backward)   # dlogits
    exercises.linear_backward.check(linear_backward)                 # dX, dW, db of X @ W + b
    exercises.batchnorm_backward.check(batchnorm_backward)           # dX, dgamma, dbeta
    exercises.embedding_backward.check(embedding_backward)           # dC of C[ix]

Each answer is a function the student writes with ordinary tensor operations.
The checker runs it with autograd switched off (``run_by_hand``: calling
``backward()``, ``torch.autograd.grad`` or ``requires_grad_()`` is refused)
on float64 inputs of several random shapes — not only the lesson's, so
hard-coded numbers fail — and compares each gradient with autograd's to a
relative 1e-10: a finite-difference estimate is "close, but not precise". A
wrong gradient is compared with the usual slips (a transposed dW, the mean
over N forgotten, a repeated index written over instead of added, the biased
variance …) to say which one it looks like.

Each trial runs in a function of its own and computes autograd's answer only
after the student's function has returned, so nothing the student's code can
reach on the stack holds the answer.
"""

import numpy as np

import gradlab as torch
from gradlab.nn import functional as F

from .core import (
    Exercise, NotAnswered, code_inside, correct, describe, expect_function, expect_tensor,
    is_pytorch_tensor, run_by_hand, wrong,
)

__all__ = ["batchnorm_backward", "cross_entropy_backward", "embedding_backward", "linear_backward"]

# float64 rounding leaves ~1e-16; a central difference leaves ~1e-10 or more
RTOL = 1e-10
ATOL = 1e-12


# ---------------------------------------------------------------------------
# shared: random float64 inputs, calling the student's function, comparing
# ---------------------------------------------------------------------------

def _normal(rng, *shape, scale=1.0, offset=0.0):
    return torch.tensor(offset + scale * rng.standard_normal(shape), dtype=torch.float64)


def _shape(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _close(answer, value):
    """``answer`` (a gradlab tensor) equals ``value`` in shape and, to 1e-8, in every entry."""
    return (tuple(answer.shape) == tuple(value.shape)
            and np.allclose(answer.detach().numpy().astype(np.float64),
                            value.detach().numpy().astype(np.float64), rtol=1e-8, atol=1e-10))



class _Stop(Exception):
    """A trial ends early with the verdict in ``args[0]`` (shapes that do not fit, an odd result)."""


MATMUL_NUDGE = ("Write each tensor's shape next to it: (n, k) @ (k, m) needs the same inner size k "
                "and gives (n, m), and each gradient must come out with its tensor's shape — add "
                ".T where it is needed.")


def _call(function, name, inputs, where, refuse=()):
    """The student's function on copies of ``inputs``, by hand; ``...`` or None means not answered."""
    try:
        result = run_by_hand(function, *[x.clone() if isinstance(x, torch.Tensor) else x
                                         for x in inputs], refuse=refuse)
    except RuntimeError as error:
        if "cannot be multiplied" not in str(error):
            raise
        raise _Stop(wrong(f"{where}: your code multiplies tensors whose shapes do not fit "
                          f"({str(error).strip()}).", MATMUL_NUDGE)) from None
    if result is ... or result is None:
        raise NotAnswered(f"{name} returns nothing yet: fill in the ... and run the cell again.")
    problem = code_inside(result)  # a result with methods of its own would run them in the check
    if problem:
        raise _Stop(wrong(f"What {name} returned could not be checked: {problem}",
                          "Return ordinary tensors, made with tensor operations."))
    return result


def _unpack(result, name, labels):
    """The returned gradients as a tuple in the order of ``labels``, or a verdict saying what is off."""
    if len(labels) == 1:
        if isinstance(result, tuple):
            items = f"{len(result)} item" + ("" if len(result) == 1 else "s")
            return wrong(f"{name} should return one tensor, {labels[0]}, but it returned a "
                         f"{type(result).__name__} of {items}.", f"End it with: return {labels[0]}")
        return (result,)
    if not isinstance(result, (tuple, list)) or len(result) != len(labels):
        what = (f"{len(result)} values" if isinstance(result, (tuple, list)) else describe(result))
        return wrong(f"{name} should return {len(labels)} gradients ({', '.join(labels)}), but it "
                     f"returned {what}.", f"End it with: return {', '.join(labels)}")
    for label, value in zip(labels, result):
        if value is ...:
            raise NotAnswered(f"replace the ... of {label} with your formula, then run the cell again.")
    return tuple(result)


def _expect_gradient(answer, expected, label, of, where, *, shape_nudges=None, shape_nudge="",
                     slips=()):
    """Is ``answer`` the gradient ``expected`` of tensor ``of`` (its name)? A verdict.

    ``shape_nudges`` maps a wrong shape to a nudge (``shape_nudge`` for any other
    wrong shape); ``slips`` is a sequence of (value, nudge): a wrong answer equal
    to ``value`` gets that nudge.
    """
    if is_pytorch_tensor(answer) or not isinstance(answer, torch.Tensor):
        verdict = expect_tensor(answer, expected, name=label)
        return wrong(f"{where}: {verdict.message}", verdict.nudge)
    if tuple(answer.shape) != tuple(expected.shape):
        nudge = (shape_nudges or {}).get(tuple(answer.shape), "")
        if not nudge and answer.ndim == 2 and tuple(answer.shape)[::-1] == tuple(expected.shape):
            nudge = f"It looks transposed. {shape_nudge}".strip()
        nudge = nudge or shape_nudge
        if not nudge:
            nudge = (f"A gradient has the shape of the tensor it belongs to: {label} is shaped like "
                     f"{of}.")
        return wrong(f"{where}: {label} has shape {_shape(answer.shape)}, but it should have the "
                     f"shape of {of}, {_shape(expected.shape)}.", nudge)
    if not answer.dtype.is_floating_point or answer.dtype != expected.dtype:
        return wrong(f"{where}: {label} has dtype {answer.dtype}, but {of} is {expected.dtype}.",
                     f"A gradient has the dtype of its tensor: make new tensors with "
                     f"torch.zeros_like({of}) or dtype={of}.dtype, and keep the float64 values.")
    verdict = expect_tensor(answer, expected, name=label, atol=ATOL, rtol=RTOL)
    if verdict:
        return verdict
    for value, nudge in slips:
        if _close(answer, value):
            return wrong(f"{where}: {label} is not right.", nudge)
    return wrong(f"{where}: {verdict.message}", verdict.nudge)


def _autograd_gradients(forward, inputs, wrt, grad_output=None):
    """Autograd's gradients of ``forward(*inputs)`` for the inputs at positions ``wrt``."""
    leaves = [x.detach().clone().requires_grad_(True) if i in wrt else x
              for i, x in enumerate(inputs)]
    output = forward(*leaves)
    return torch.autograd.grad(output, [leaves[i] for i in wrt], grad_output)


def _check_trials(answer, name, signature, trials, run_trial, success):
    verdict = expect_function(answer, name, signature)
    if verdict is not None:
        return verdict
    for seed in trials:
        try:
            verdict = run_trial(answer, seed)  # one frame per trial: its answer is gone when it returns
        except _Stop as stop:
            verdict = stop.args[0]
        if not verdict:
            return verdict
    return correct(success)


# ---------------------------------------------------------------------------
# 1. cross-entropy: (softmax(logits) − one_hot(targets)) / N
# ---------------------------------------------------------------------------

CROSS_ENTROPY_SHAPES = ((4, 5), (7, 3), (2, 9), (6, 6))  # (N, classes); N ≠ classes first


def _cross_entropy_inputs(seed):
    rng = np.random.default_rng(1300 + seed)
    n, classes = CROSS_ENTROPY_SHAPES[seed]
    logits = _normal(rng, n, classes, scale=1.5)
    targets = torch.tensor(rng.integers(0, classes, size=n), dtype=torch.int64)
    return logits, targets


def _cross_entropy_trial(function, seed):
    logits, targets = _cross_entropy_inputs(seed)
    where = f"For logits of shape {_shape(logits.shape)} and targets {targets.tolist()}"
    result = _call(function, "cross_entropy_backward", (logits, targets), where,
                   refuse={F.cross_entropy: "F.cross_entropy()", F.nll_loss: "F.nll_loss()"})
    unpacked = _unpack(result, "cross_entropy_backward", ("dlogits",))
    if not isinstance(unpacked, tuple):
        return unpacked
    (dlogits,) = unpacked
    n, classes = logits.shape
    (expected,) = _autograd_gradients(F.cross_entropy, (logits, targets), wrt=(0,))
    softmax = torch.softmax(logits, dim=1)
    one_hot = F.one_hot(targets, num_classes=classes)
    slips = (
        (softmax - one_hot, "That is the gradient of the SUM of the N losses. F.cross_entropy "
                            f"returns their mean, so divide by N = {n} (the number of rows)."),
        ((softmax - one_hot) / classes, f"Divide by N = {n}, the number of rows (logits.shape[0]), "
                                        f"not by the number of classes."),
        ((one_hot - softmax) / n, "The sign is flipped: it is softmax − one_hot."),
        (softmax / n, "Subtract the one-hot targets: the right class of each row gets softmax − 1."),
        (softmax, "Subtract the one-hot targets (the right class gets softmax − 1) and divide by "
                  f"N = {n} for the mean."),
        ((torch.softmax(logits, dim=0) - one_hot) / n,
         "Take the softmax of each row (dim=1): the classes of one example, not the batch."),
        ((torch.exp(logits) - one_hot) / n,
         "softmax divides exp(logits) by its row sum: exp(logits) / exp(logits).sum(1, keepdim=True)."),
        ((torch.log_softmax(logits, dim=1) - one_hot) / n,
         "The gradient uses the probabilities softmax(logits), not their logarithm."),
    )
    return _expect_gradient(dlogits, expected, "dlogits", "logits", where, slips=slips)


def _check_cross_entropy_backward(answer):
    return _check_trials(
        answer, "cross_entropy_backward", "logits, targets",
        range(len(CROSS_ENTROPY_SHAPES)), _cross_entropy_trial,
        "your dlogits matches autograd's on 4 random batches. Each row pulls its right class up "
        "by 1 − p and pushes every other class down by its probability, and the mean divides it "
        "all by N.")


cross_entropy_backward = Exercise(
    "cross_entropy_backward",
    "Write cross_entropy_backward(logits, targets): the gradient of "
    "F.cross_entropy(logits, targets) with respect to logits (shape (N, classes)), "
    "with tensor operations and without autograd.",
    _check_cross_entropy_backward,
    hints=(
        "Per row the gradient is softmax(row) minus the one-hot vector of that row's target; "
        "F.cross_entropy takes the mean over the N rows.",
        "torch.softmax(logits, dim=1) gives the probabilities; "
        "F.one_hot(targets, num_classes=logits.shape[1]) the one-hot rows; N is logits.shape[0].",
        "dlogits = (torch.softmax(logits, dim=1) - F.one_hot(targets, logits.shape[1])) / "
        "logits.shape[0]",
    ),
    solution=(
        "def cross_entropy_backward(logits, targets):\n"
        "    n, classes = logits.shape\n"
        "    probabilities = torch.softmax(logits, dim=1)\n"
        "    one_hot = torch.nn.functional.one_hot(targets, num_classes=classes)   # F.one_hot\n"
        "    dlogits = (probabilities - one_hot) / n     # the mean over the N rows\n"
        "    return dlogits"
    ),
    kind="code",
)


# ---------------------------------------------------------------------------
# 2. Linear: Y = X @ W + b
# ---------------------------------------------------------------------------

LINEAR_SHAPES = ((5, 3, 4), (2, 6, 3), (4, 3, 3), (3, 2, 5))  # (N, in, out); one with in = out


def _linear_inputs(seed):
    rng = np.random.default_rng(1310 + seed)
    n, inputs, outputs = LINEAR_SHAPES[seed]
    return _normal(rng, n, inputs), _normal(rng, inputs, outputs), _normal(rng, n, outputs)


def _linear(X, W, b):
    return X @ W + b


def _linear_trial(function, seed):
    X, W, dY = _linear_inputs(seed)
    where = f"For X of shape {_shape(X.shape)}, W {_shape(W.shape)} and dY {_shape(dY.shape)}"
    result = _call(function, "linear_backward", (X, W, dY), where)
    unpacked = _unpack(result, "linear_backward", ("dX", "dW", "db"))
    if not isinstance(unpacked, tuple):
        return unpacked
    n, inputs = X.shape
    outputs = W.shape[1]
    b = torch.zeros(outputs, dtype=torch.float64)
    expected = _autograd_gradients(_linear, (X, W, b), wrt=(0, 1, 2), grad_output=dY)
    shapes = [tuple(g.shape) if isinstance(g, torch.Tensor) else None for g in unpacked]
    wanted = [tuple(g.shape) for g in expected]
    if shapes != wanted and sorted(map(str, shapes)) == sorted(map(str, wanted)):
        return wrong(f"{where}: the three gradients have the right shapes, but in another order.",
                     "Return them in the order dX, dW, db.")
    dX, dW, db = unpacked
    product = (f"Of dY {_shape(dY.shape)} and W {_shape(W.shape)}, which product — with or without "
               f"a transpose — has the shape of X, {_shape(X.shape)}?")
    dx_slips = [(dY @ W, "Multiply dY by the transpose of W: dY @ W.T.")] if inputs == outputs else []
    verdict = _expect_gradient(dX, expected[0], "dX", "X", where, shape_nudge=product, slips=dx_slips)
    if not verdict:
        return verdict
    transposed = "It looks transposed: dW has W's shape (in, out) — X.T (in, N) times dY (N, out)."
    verdict = _expect_gradient(
        dW, expected[1], "dW", "W", where,
        shape_nudges={(outputs, inputs): transposed},
        shape_nudge=(f"Of X {_shape(X.shape)} and dY {_shape(dY.shape)}, which product — with or "
                     f"without a transpose — has the shape of W, {_shape(W.shape)}?"),
        slips=(((X.T @ dY).T, transposed),
               (X.T @ dY / n, "Do not divide by N: the gradient arriving in dY already holds "
                              "whatever mean the loss took.")))
    if not verdict:
        return verdict
    summed_rows = (f"b was added to every one of the N = {n} rows (broadcast), so its gradient is "
                   "dY summed over the rows: dY.sum(0).")
    return _expect_gradient(
        db, expected[2], "db", "b", where,
        shape_nudges={(n, outputs): summed_rows,
                      (1, outputs): "Sum without keepdim: b has shape (out,), so db = dY.sum(0).",
                      (): "That sums over everything: sum over the rows only, dY.sum(0).",
                      (n,): "That sums each row (dim 1); b's gradient sums over the rows, dim 0."},
        shape_nudge=summed_rows,
        slips=((dY.mean(0), f"Sum, do not average: each of the N = {n} rows used b once, and "
                            "the gradients of every use add up."),))


def _check_linear_backward(answer):
    return _check_trials(
        answer, "linear_backward", "X, W, dY", range(len(LINEAR_SHAPES)),
        _linear_trial,
        "dX = dY @ W.T, dW = X.T @ dY and db = dY.sum(0) match autograd on 4 random shapes. "
        "dX and dW are each the only product with the right shape, and db adds up the N rows b "
        "was broadcast to: the shapes tell you the rule.")


linear_backward = Exercise(
    "linear_backward",
    "Y = X @ W + b with X of shape (N, in), W (in, out), b (out,). Given dY = d loss / dY of shape "
    "(N, out), write linear_backward(X, W, dY) returning (dX, dW, db), without autograd.",
    _check_linear_backward,
    hints=(
        "Each gradient has the shape of its tensor: dX is (N, in), dW is (in, out), db is (out,). "
        "Build each one from dY and the OTHER factor of the product.",
        "dX: dY is (N, out) and W is (in, out); only dY @ W.T is (N, in). dW: X is (N, in) and dY "
        "is (N, out); only X.T @ dY is (in, out).",
        "b is broadcast: it is added to each of the N rows, and the gradients of the N uses add "
        "up, so db = dY.sum(0).",
    ),
    solution=(
        "def linear_backward(X, W, dY):\n"
        "    dX = dY @ W.T          # (N, out) @ (out, in) -> (N, in), the shape of X\n"
        "    dW = X.T @ dY          # (in, N) @ (N, out)   -> (in, out), the shape of W\n"
        "    db = dY.sum(0)         # b was used by all N rows: add their gradients\n"
        "    return dX, dW, db"
    ),
    kind="code",
)


# ---------------------------------------------------------------------------
# 3. batch norm in training mode (the biased variance, as F.batch_norm)
# ---------------------------------------------------------------------------

BATCHNORM_SHAPES = ((5, 3, 1e-5), (8, 2, 0.1), (3, 4, 0.5), (6, 6, 1e-3))  # (N, features, eps)


def _batchnorm_inputs(seed):
    rng = np.random.default_rng(1320 + seed)
    n, features, eps = BATCHNORM_SHAPES[seed]
    X = _normal(rng, n, features, scale=2.0, offset=0.5)
    gamma = _normal(rng, features, scale=0.5, offset=1.0)
    dY = _normal(rng, n, features)
    return X, gamma, dY, eps


def _batchnorm(X, gamma, beta, eps):
    return F.batch_norm(X, None, None, gamma, beta, training=True, eps=eps)


def _batchnorm_slips(X, gamma, dY, eps):
    """(dX, dgamma) values of the usual slips, each with its nudge."""
    n = X.shape[0]
    mean = X.mean(0, keepdim=True)
    biased = ((X - mean) ** 2).mean(0, keepdim=True)
    unbiased = biased * n / (n - 1)
    inv_std = 1 / torch.sqrt(biased + eps)
    x_hat = (X - mean) * inv_std
    dx_hat = gamma * dY

    def compact(inv_std, x_hat, dx_hat, bessel=1.0):
        return inv_std / n * (n * dx_hat - dx_hat.sum(0) - bessel * x_hat * (dx_hat * x_hat).sum(0))

    inv_std_unbiased = 1 / torch.sqrt(unbiased + eps)
    x_hat_unbiased = (X - mean) * inv_std_unbiased
    biased_words = ("F.batch_norm (and nn.BatchNorm1d in training mode) normalises with the BIASED "
                    "variance, the mean of (X − mean)² over the N rows: X.var(0, unbiased=False). "
                    "X.var(0) divides by N − 1.")
    no_eps = 1 / torch.sqrt(biased)
    dx = (
        (inv_std * dx_hat, "The mean and the variance are computed from X as well, so each x "
                           "reaches the output along three paths: directly, through the mean and "
                           "through the variance. Your dX has only the direct one."),
        (inv_std * (dx_hat - dx_hat.mean(0)), "You have the direct path and the one through the "
                                              "mean; the variance depends on X too: subtract "
                                              "x_hat * (dx_hat * x_hat).mean(0) as well."),
        (inv_std * (dx_hat - x_hat * (dx_hat * x_hat).mean(0)),
         "You have the direct path and the one through the variance; the mean depends on X "
         "too: subtract dx_hat.mean(0) as well."),
        (compact(inv_std_unbiased, x_hat_unbiased, dx_hat), biased_words),
        (compact(inv_std_unbiased, x_hat_unbiased, dx_hat, n / (n - 1)), biased_words),
        (compact(inv_std, x_hat, dY), "The gradient arriving at x_hat is gamma * dY: gamma "
                                      "multiplies x_hat in the forward pass."),
        (compact(no_eps, (X - mean) * no_eps, dx_hat),
         "eps belongs inside the square root, as in the forward pass: 1 / sqrt(var + eps). Use the "
         "eps the function is given."),
        (compact(inv_std, x_hat, dx_hat) * n, "Divide by N: the mean and the variance each average "
                                              "over the N rows."),
    )
    if eps != 1e-5:
        fixed = 1 / torch.sqrt(biased + 1e-5)
        dx += ((compact(fixed, (X - mean) * fixed, dx_hat),
                f"Use the eps you are given (here {eps:g}), not 1e-5: it is an argument of the "
                f"function."),)
    dgamma = (
        (dY.sum(0), "gamma multiplies x_hat, so each row's dY is weighted by its x_hat: "
                    "dgamma = (dY * x_hat).sum(0)."),
        ((dY * X).sum(0), "gamma multiplies the normalised x_hat, not X: dgamma = "
                          "(dY * x_hat).sum(0)."),
        ((dY * x_hat_unbiased).sum(0), biased_words),
        ((dY * x_hat).mean(0), "Sum over the rows, do not average: gamma is used once per row."),
    )
    return dx, dgamma


def _batchnorm_trial(function, seed):
    X, gamma, dY, eps = _batchnorm_inputs(seed)
    where = f"For X of shape {_shape(X.shape)}, gamma {_shape(gamma.shape)} and eps = {eps:g}"
    result = _call(function, "batchnorm_backward", (X, gamma, dY, eps), where)
    unpacked = _unpack(result, "batchnorm_backward", ("dX", "dgamma", "dbeta"))
    if not isinstance(unpacked, tuple):
        return unpacked
    n, features = X.shape
    beta = torch.zeros(features, dtype=torch.float64)
    expected = _autograd_gradients(_batchnorm, (X, gamma, beta, eps), wrt=(0, 1, 2), grad_output=dY)
    dX, dgamma, dbeta = unpacked
    dx_slips, dgamma_slips = _batchnorm_slips(X, gamma, dY, eps)
    summed = (f"gamma and beta are used by each of the N = {n} rows: sum the gradient over the rows "
              "(dim 0).")
    keepdim = "Sum without keepdim: gamma and beta have shape (features,)."
    verdict = _expect_gradient(dX, expected[0], "dX", "X", where, slips=dx_slips)
    if not verdict:
        return verdict
    verdict = _expect_gradient(dgamma, expected[1], "dgamma", "gamma", where,
                               shape_nudges={(n, features): summed, (1, features): keepdim},
                               slips=dgamma_slips)
    if not verdict:
        return verdict
    return _expect_gradient(dbeta, expected[2], "dbeta", "beta", where,
                            shape_nudges={(n, features): summed, (1, features): keepdim},
                            slips=((dY.mean(0), "Sum over the rows, do not average: beta is added "
                                                "once to each row."),))


def _check_batchnorm_backward(answer):
    return _check_trials(
        answer, "batchnorm_backward", "X, gamma, dY, eps",
        range(len(BATCHNORM_SHAPES)), _batchnorm_trial,
        "dX, dgamma and dbeta match autograd on 4 random batches. The compact dX collects the "
        "three paths from each x to the output — directly, through the mean, through the "
        "variance — in one line.")


batchnorm_backward = Exercise(
    "batchnorm_backward",
    "Y = gamma * x_hat + beta with x_hat = (X − mean) / sqrt(var + eps), the mean and the biased "
    "variance taken over the N rows of X (batch norm in training mode, as F.batch_norm). Given dY, "
    "write batchnorm_backward(X, gamma, dY, eps) returning (dX, dgamma, dbeta), without autograd.",
    _check_batchnorm_backward,
    hints=(
        "Recompute the forward pieces first: mean = X.mean(0), var = X.var(0, unbiased=False), "
        "inv_std = 1 / torch.sqrt(var + eps), x_hat = (X - mean) * inv_std.",
        "dbeta = dY.sum(0) and dgamma = (dY * x_hat).sum(0), as for any broadcast parameter. The "
        "gradient arriving at x_hat is dx_hat = gamma * dY.",
        "dX = inv_std / N * (N * dx_hat - dx_hat.sum(0) - x_hat * (dx_hat * x_hat).sum(0)): the "
        "three terms are the direct path, the path through the mean, the path through the variance.",
    ),
    solution=(
        "def batchnorm_backward(X, gamma, dY, eps):\n"
        "    n = X.shape[0]\n"
        "    mean = X.mean(0)\n"
        "    var = X.var(0, unbiased=False)            # biased: divides by N, as F.batch_norm\n"
        "    inv_std = 1 / torch.sqrt(var + eps)\n"
        "    x_hat = (X - mean) * inv_std\n"
        "    dbeta = dY.sum(0)\n"
        "    dgamma = (dY * x_hat).sum(0)\n"
        "    dx_hat = gamma * dY\n"
        "    dX = inv_std / n * (n * dx_hat - dx_hat.sum(0) - x_hat * (dx_hat * x_hat).sum(0))\n"
        "    return dX, dgamma, dbeta"
    ),
    kind="code",
)


# ---------------------------------------------------------------------------
# 4. an embedding lookup: emb = C[ix], so dC is a scatter-add of demb's rows
# ---------------------------------------------------------------------------

# (rows of C, embedding size, shape of ix); every ix repeats some rows and leaves one unused
EMBEDDING_SHAPES = ((6, 3, (4, 3)), (5, 2, (7,)), (8, 4, (2, 3, 2)), (4, 5, (3, 2)))


def _embedding_inputs(seed):
    rng = np.random.default_rng(1330 + seed)
    rows, size, index_shape = EMBEDDING_SHAPES[seed]
    count = int(np.prod(index_shape))
    index = rng.integers(0, rows - 1, size=count)  # the last row is never looked up
    index[:2] = index[2]                             # and one row is looked up three times or more
    C = _normal(rng, rows, size)
    ix = torch.tensor(index.reshape(index_shape), dtype=torch.int64)
    demb = _normal(rng, *index_shape, size)
    return C, ix, demb


def _lookup(C, ix):
    return C[ix]


def _only_one_use_kept(answer, ix, demb):
    """True when each repeated row of ``answer`` holds exactly one of its uses' gradients."""
    index = ix.reshape(-1).numpy()
    rows = demb.reshape(-1, demb.shape[-1]).numpy()
    values = answer.detach().numpy()
    repeated = [row for row in np.unique(index) if (index == row).sum() > 1]
    return bool(repeated) and all(
        any(np.allclose(values[row], rows[k], rtol=1e-8, atol=1e-10) for k in np.flatnonzero(index == row))
        for row in repeated)


def _embedding_trial(function, seed):
    C, ix, demb = _embedding_inputs(seed)
    rows, size = C.shape
    counts = np.bincount(ix.reshape(-1).numpy(), minlength=rows)
    repeated = [int(row) for row in np.flatnonzero(counts > 1)]
    where = (f"For C of shape {_shape(C.shape)} and ix of shape {_shape(ix.shape)} (rows "
             f"{', '.join(map(str, repeated))} looked up more than once)")
    result = _call(function, "embedding_backward", (C, ix, demb), where)
    unpacked = _unpack(result, "embedding_backward", ("dC",))
    if not isinstance(unpacked, tuple):
        return unpacked
    (dC,) = unpacked
    (expected,) = _autograd_gradients(_lookup, (C, ix), wrt=(0,), grad_output=demb)
    if isinstance(dC, torch.Tensor) and not is_pytorch_tensor(dC) and tuple(dC.shape) == (rows, size):
        if (dC.dtype == expected.dtype and not _close(dC, expected)
                and _only_one_use_kept(dC, ix, demb)):
            return wrong(
                f"{where}: each of those rows has only ONE of its gradients in dC. A row looked up "
                f"k times gets the SUM of its k rows of demb; with dC[ix] = demb (or dC[ix] += demb, "
                f"which reads dC[ix] once and writes it back) a repeated index is written over, "
                f"not added.",
                "Add each row of demb into the row of dC it came from: a loop with dC[i] += row, "
                "or dC.index_add_(0, ix.reshape(-1), demb.reshape(-1, C.shape[1])).")
    flat = (f"Scatter the rows of demb into a tensor of C's shape {_shape(C.shape)}: each one is "
            f"added to the row of C that was looked up.")
    count_tensor = torch.tensor(np.maximum(counts, 1)[:, None], dtype=torch.float64)
    return _expect_gradient(
        dC, expected, "dC", "C", where,
        shape_nudges={tuple(demb.shape): flat, (int(np.prod(ix.shape)), size): flat},
        slips=((expected / count_tensor, "Repeated rows add up: a row looked up k times gets the "
                                         "SUM of its k gradients, not their mean."),))


def _check_embedding_backward(answer):
    return _check_trials(
        answer, "embedding_backward", "C, ix, demb",
        range(len(EMBEDDING_SHAPES)), _embedding_trial,
        "dC matches autograd on 4 lookups with repeated rows. A row used k times gets the sum of "
        "its k gradients (a scatter-add), and a row never looked up gets 0.")


embedding_backward = Exercise(
    "embedding_backward",
    "emb = C[ix] looks up rows of C (shape (rows, size)) with an integer tensor ix of any shape. "
    "Given demb = d loss / d emb (shape ix.shape + (size,)), write embedding_backward(C, ix, demb) "
    "returning dC, without autograd. Some rows are looked up more than once.",
    _check_embedding_backward,
    hints=(
        "dC has C's shape and starts at zero (torch.zeros_like(C)). Each entry of ix says which row "
        "of C one row of demb came from.",
        "A row looked up k times was used k times: its gradient is the SUM of the k rows of demb. "
        "dC[ix] = demb writes over a repeated row instead of adding.",
        "Flatten first: ix.reshape(-1) and demb.reshape(-1, C.shape[1]). Then either loop, "
        "dC[i] += row, or add them all at once with dC.index_add_(0, index, rows).",
    ),
    solution=(
        "def embedding_backward(C, ix, demb):\n"
        "    dC = torch.zeros_like(C)\n"
        "    index = ix.reshape(-1)                  # which row of C each use read\n"
        "    rows = demb.reshape(-1, C.shape[1])     # the gradient of each use\n"
        "    dC.index_add_(0, index, rows)           # repeated indices add up\n"
        "    return dC\n"
        "# the same with a loop:  for i, row in zip(index, rows): dC[i] += row"
    ),
    kind="code",
)

EXERCISES = (cross_entropy_backward, linear_backward, batchnorm_backward, embedding_backward)
