"""Random numbers: ``manual_seed``, ``rand``, ``randn``, ``randint``, ``randperm``,
``normal_``/``uniform_``, and ``Generator`` objects.

gradlab draws from NumPy's PCG64 generator, so a seed gives reproducible
numbers, but not the same numbers as PyTorch's generator.
"""
import numpy as np

from . import dtypes
from .creation import _dtype_or, _finish, _size_argument


class Generator:
    """A source of random numbers with its own seed (``torch.Generator``)."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.default_rng(self._seed)
        return self._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed):
    """Seed gradlab's global generator: the same seed gives the same numbers."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def _rng(generator):
    return (generator or default_generator)._rng


def _float_dtype(dtype):
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not target.is_floating_point:
        raise RuntimeError(f"random floats need a floating-point dtype, got {target}")
    return target.numpy_dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, layout=None):
    """Uniform numbers in [0, 1)."""
    array = _rng(generator).random(_size_argument(size)).astype(_float_dtype(dtype))
    return _finish(array, requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, layout=None):
    """Standard normal numbers (mean 0, standard deviation 1)."""
    array = _rng(generator).standard_normal(_size_argument(size)).astype(_float_dtype(dtype))
    return _finish(array, requires_grad, device)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high); ``randint(high, size)`` starts at 0."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() needs a size, e.g. torch.randint(0, 10, (3,))")
    array = _rng(generator).integers(low, high, _size_argument((size,)))
    return _finish(array.astype(_dtype_or(dtype, dtypes.int64)), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """The numbers 0 … n-1 in random order."""
    array = _rng(generator).permutation(int(n))
    return _finish(array.astype(_dtype_or(dtype, dtypes.int64)), requires_grad, device)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    from .tensor import Tensor

    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        array = _rng(generator).normal(m, s, shape)
        target = (mean if isinstance(mean, Tensor) else std)._data.dtype
        return _finish(array.astype(target), requires_grad, None)
    array = _rng(generator).normal(mean, std, _size_argument((size,)))
    return _finish(array.astype(_float_dtype(dtype)), requires_grad, None)


def uniform_(tensor, a=0.0, b=1.0, *, generator=None):
    """Fill ``tensor`` in place with uniform numbers in [a, b) (used by ``nn.init``)."""
    values = _rng(generator).uniform(a, b, tensor._data.shape)
    return _fill_in_place(tensor, values)


def normal_(tensor, mean=0.0, std=1.0, *, generator=None):
    """Fill ``tensor`` in place with normal numbers (used by ``nn.init``)."""
    values = _rng(generator).normal(mean, std, tensor._data.shape)
    return _fill_in_place(tensor, values)


def _fill_in_place(tensor, values):
    from .ops.inplace import check_inplace
    from .tensor import bump_version

    check_inplace(tensor)
    tensor._data[...] = values
    bump_version(tensor)
    return tensor
