"""Activation functions as modules, so they can sit in a ``Sequential``.

Each one only calls its function from ``nn.functional`` (or ``torch``), which
holds the math and the gradient.
"""
from ...ops.pointwise import sigmoid, tanh
from .. import functional as F
from .module import Module


class ReLU(Module):
    """max(0, x)"""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x ≥ 0, negative_slope · x otherwise"""

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        inplace = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace}"


class Sigmoid(Module):
    """1 / (1 + exp(-x))"""

    def forward(self, input):
        return sigmoid(input)


class Tanh(Module):
    """tanh(x)"""

    def forward(self, input):
        return tanh(input)


class GELU(Module):
    """x · Φ(x), Φ the standard normal CDF (``approximate='tanh'``: its tanh approximation)"""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """exp(x_i) / Σ_j exp(x_j) along ``dim``: each slice becomes probabilities."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably (x_i − logsumexp(x))."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"
