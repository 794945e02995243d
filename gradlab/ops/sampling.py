"""Random samples in the graph: ``bernoulli``, ``normal`` with tensor arguments and the
in-place fills ``normal_``, ``uniform_``, ``bernoulli_``, ``random_``, ``exponential_``.

A sample is a draw, not a smooth function of its parameters, so PyTorch defines
its derivative as 0: the op stays in the graph (the result requires grad, and
its ``grad_fn`` names the op) but no gradient flows back through it. The
public functions, with their argument checks, are in ``gradlab/random.py``;
each node here receives the NumPy generator to draw from as ``rng``.
"""
import numpy as np

from ..autograd.derivative import Derivatives
from ..autograd.node import Node


def _zeros(grad_output):
    return grad_output.new_zeros(grad_output.shape)


class _Sample(Node):
    """A draw whose every input gets a zero gradient (summed back to its shape by the engine)."""

    @staticmethod
    def backward(ctx, grad_output):
        needs = ctx.needs_input_grad
        grads = tuple(_zeros(grad_output) if need else None for need in needs)
        return grads[0] if len(grads) == 1 else grads


def bernoulli_values(p, rng):
    """1 with probability ``p``, else 0, in ``p``'s dtype."""
    return (rng.random(np.shape(p)) < p).astype(np.asarray(p).dtype)


# ---------------------------------------------------------------- new samples
class BernoulliBackward0(_Sample):
    """``bernoulli(p)``: each element 1 with probability p, else 0."""

    derivatives = Derivatives("bernoulli(p)", p="0")

    @staticmethod
    def forward(ctx, p, rng):
        return bernoulli_values(p, rng)


class NormalBackward1(_Sample):
    """``normal(mean, std)`` with a tensor mean and a number std."""

    derivatives = Derivatives("normal(mean, std)", mean="0")

    @staticmethod
    def forward(ctx, mean, std, rng):
        return rng.normal(mean, std, mean.shape).astype(mean.dtype)


class NormalBackward2(_Sample):
    """``normal(mean, std)`` with a number mean and a tensor std."""

    derivatives = Derivatives("normal(mean, std)", std="0")

    @staticmethod
    def forward(ctx, std, mean, rng):
        return rng.normal(mean, std, std.shape).astype(std.dtype)


class NormalBackward3(_Sample):
    """``normal(mean, std)`` with tensors for both (broadcast together)."""

    derivatives = Derivatives("normal(mean, std)", mean="0", std="0")

    @staticmethod
    def forward(ctx, mean, std, rng):
        shape = np.broadcast_shapes(mean.shape, std.shape)
        return rng.normal(mean, std, shape).astype(np.result_type(mean, std))


# ------------------------------------------------------------ in-place fills
class NormalBackward0(_Sample):
    """``a.normal_(mean, std)``: a filled with normal numbers."""

    derivatives = Derivatives("a.normal_(mean, std)", a="0")

    @staticmethod
    def forward(ctx, a, mean, std, rng):
        return rng.normal(mean, std, a.shape)


class UniformBackward0(_Sample):
    """``a.uniform_(low, high)``: a filled with uniform numbers in [low, high)."""

    derivatives = Derivatives("a.uniform_(low, high)", a="0")

    @staticmethod
    def forward(ctx, a, low, high, rng):
        return rng.uniform(low, high, a.shape)


class ExponentialBackward0(_Sample):
    """``a.exponential_(lambd)``: a filled with exponential numbers of rate lambd (mean 1/lambd)."""

    derivatives = Derivatives("a.exponential_(lambd)", a="0")

    @staticmethod
    def forward(ctx, a, lambd, rng):
        return rng.exponential(1.0 / lambd, a.shape)


class BernoulliBackward1(_Sample):
    """``a.bernoulli_(p)`` with a tensor p (broadcast to a's shape)."""

    derivatives = Derivatives("a.bernoulli_(p)", a="0", p="0")

    @staticmethod
    def forward(ctx, a, p, rng):
        return bernoulli_values(np.broadcast_to(p, a.shape), rng)


class BernoulliBackward2(_Sample):
    """``a.bernoulli_(p)`` with a number p."""

    derivatives = Derivatives("a.bernoulli_(p)", a="0")

    @staticmethod
    def forward(ctx, a, p, rng):
        return (rng.random(a.shape) < p).astype(a.dtype)


class _RandomIntegers(_Sample):
    """``a.random_(…)``: a filled with whole numbers from low to highest, both included."""

    @staticmethod
    def forward(ctx, a, low, highest, rng):
        return rng.integers(low, highest, a.shape, dtype=np.int64, endpoint=True)


class RandomBackward0(_RandomIntegers):
    """``a.random_(from, to)``: whole numbers in [from, to); ``random_(from, None)`` up to
    the largest the dtype holds exactly."""

    derivatives = Derivatives("a.random_(from, to)", a="0")


class RandomBackward1(_RandomIntegers):
    """``a.random_(to)``: whole numbers in [0, to)."""

    derivatives = Derivatives("a.random_(to)", a="0")


class RandomBackward2(_RandomIntegers):
    """``a.random_()``: whole numbers from 0 up to the largest the dtype holds exactly."""

    derivatives = Derivatives("a.random_()", a="0")
