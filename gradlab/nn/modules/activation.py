"""Activation functions as modules, so they can sit in a ``Sequential``.

Each one only calls its function from ``nn.functional`` (or ``torch``), which
holds the math and the gradient.
"""
from ... import creation
from ...ops.pointwise import sigmoid, tanh
from .. import functional as F
from .. import init as nn_init
from ..parameter import Parameter
from .module import Module


def _inplace_text(inplace, first=False):
    """PyTorch's ``extra_repr`` piece for ``inplace``: shown only when True."""
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class _InplaceOption(Module):
    """Shared by ReLU, SiLU, Mish and SELU, whose only option is ``inplace``."""

    _function = None  # F.relu, F.silu, ..., set by the subclass

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return self._function(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_text(self.inplace, first=True)


class ReLU(_InplaceOption):
    """max(0, x)"""

    _function = staticmethod(F.relu)


class LeakyReLU(Module):
    """x for x ≥ 0, negative_slope · x otherwise"""

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{_inplace_text(self.inplace)}"


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


class _AlongDim(Module):
    """Shared by Softmax, LogSoftmax and Softmin: ``_function`` applied along ``dim``."""

    _function = None  # F.softmax, F.log_softmax or F.softmin, set by the subclass

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return self._function(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """exp(x_i) / Σ_j exp(x_j) along ``dim``: each slice becomes probabilities."""

    _function = staticmethod(F.softmax)


class LogSoftmax(_AlongDim):
    """log(softmax(x)) along ``dim``, computed stably (x_i − logsumexp(x))."""

    _function = staticmethod(F.log_softmax)


class Softmin(_AlongDim):
    """softmax(-x) along ``dim``: the smallest values get the largest probabilities."""

    _function = staticmethod(F.softmin)


class SiLU(_InplaceOption):
    """x · σ(x) (also called swish)"""

    _function = staticmethod(F.silu)


class Mish(_InplaceOption):
    """x · tanh(softplus(x))"""

    _function = staticmethod(F.mish)


class Softplus(Module):
    """log(1 + e^(βx)) / β, a smooth relu; x itself where βx > threshold"""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    """log σ(x)"""

    def forward(self, input):
        return F.logsigmoid(input)


class ELU(Module):
    """x for x > 0, alpha · (eˣ - 1) otherwise"""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_text(self.inplace)}"


class CELU(ELU):
    """x for x > 0, alpha · (e^(x/alpha) - 1) otherwise"""

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class SELU(_InplaceOption):
    """scale · elu(x, alpha) with fixed alpha ≈ 1.6733, scale ≈ 1.0507 (self-normalizing)"""

    _function = staticmethod(F.selu)


class Hardtanh(Module):
    """x clamped to [min_val, max_val]"""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        assert self.max_val > self.min_val, \
            f"max_val ({max_val}) must be greater than min_val ({min_val})"

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_text(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(0, x), 6)"""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_text(self.inplace, first=True)


class Threshold(Module):
    """x where x > threshold, ``value`` elsewhere"""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{_inplace_text(self.inplace)}"


class PReLU(Module):
    """x where x > 0, a · x elsewhere, with a learned slope ``a`` (``weight``): one for all
    channels, or one per channel (``num_parameters`` = the channels, dimension 1)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        nn_init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
