"""Random numbers: ``manual_seed``, ``rand``, ``randn``, ``randint``, ``randperm``,
``normal``, ``normal_``/``uniform_``, and ``Generator`` objects.

gradlab draws from NumPy's PCG64 generator, so a seed gives reproducible
numbers — the same seed, the same numbers, every run — but not the same
numbers as PyTorch's generator (a different algorithm).
"""
import numpy as np

from . import dtypes
from .creation import _dtype_or, _finish, _size_argument, laid_out_like
from .device import check_device

_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers with its own seed (``torch.Generator``)."""

    def __init__(self, device="cpu"):
        self.device = check_device(device)
        self._seed = _DEFAULT_SEED
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        """Restart the sequence from ``seed``; returns the generator."""
        seed = int(seed)
        if not -2**63 <= seed < 2**64:
            raise ValueError(f"Overflow when unpacking long long: seed {seed} does not fit in 64 bits")
        self._seed = seed % 2**64  # PyTorch keeps a negative seed as its unsigned 64-bit value
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        """Seed from the operating system's entropy; returns the new seed."""
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.default_rng(self._seed)
        return self._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed gradlab's global generator: the same seed gives the same numbers."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    """The global generator's state (a NumPy state dict, not PyTorch's byte tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def _rng(generator):
    return (generator or default_generator)._rng


def _float_dtype(dtype, function):
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not target.is_floating_point:
        raise NotImplementedError(
            f"{function} draws floating point numbers, so it needs a floating dtype, not {target} "
            "(use torch.randint for integers)"
        )
    return target.numpy_dtype


# ----------------------------------------------------------------- new tensors
def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False,
         layout=None, pin_memory=False):
    """Uniform numbers in [0, 1)."""
    shape = _size_argument(sizes, size, "rand")
    array = _rng(generator).random(shape).astype(_float_dtype(dtype, "rand"))
    return _finish(array, requires_grad, device)


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False,
          layout=None, pin_memory=False):
    """Standard normal numbers (mean 0, standard deviation 1)."""
    shape = _size_argument(sizes, size, "randn")
    array = _rng(generator).standard_normal(shape).astype(_float_dtype(dtype, "randn"))
    return _finish(array, requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False, layout=None):
    """Integers in [low, high); ``randint(high, size)`` starts at 0."""
    if high is None and size is None:
        raise TypeError("randint() needs a high and a size, e.g. torch.randint(0, 10, (3,))")
    if size is None:
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be a tuple of ints, not "
                        f"{type(size).__name__}; e.g. torch.randint(0, 10, (3,))")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.int64
    if not target.is_floating_point:
        info = np.iinfo(target.numpy_dtype) if target is not dtypes.bool else None
        lowest, highest = (0, 1) if info is None else (info.min, info.max)
        if low < lowest or high - 1 > highest:
            raise RuntimeError(f"randint: [{low}, {high}) does not fit in {target}")
    array = _rng(generator).integers(low, high, _size_argument((size,), None, "randint"))
    return _finish(array.astype(target.numpy_dtype), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, layout=None):
    """The numbers 0 … n-1 in random order."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    array = _rng(generator).permutation(n)
    return _finish(array.astype(_dtype_or(dtype, dtypes.int64)), requires_grad, device)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None):
    result = rand(*input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)
    result._data = laid_out_like(result._data, input, memory_format)
    return result


def randn_like(input, *, dtype=None, device=None, requires_grad=False, layout=None,
               memory_format=None):
    result = randn(*input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)
    result._data = laid_out_like(result._data, input, memory_format)
    return result


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False,
                 layout=None, memory_format=None):
    """``randint`` with ``input``'s shape and dtype; ``randint_like(x, high)`` starts at 0."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Normal numbers with the given mean and standard deviation (numbers or tensors)."""
    from .ops.comparison import _same_shape_error
    from .tensor import Tensor

    check_device(device)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        try:
            shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        except ValueError:
            raise _same_shape_error(np.shape(m), np.shape(s)) from None
        _check_std(s)
        array = _rng(generator).normal(m, s, shape)
        target = dtypes.result_type(mean, std).numpy_dtype
        return _finish(array.astype(target), requires_grad, None)
    if size is None:
        raise TypeError("normal() with number mean and std needs a size, e.g. torch.normal(0, 1, (2, 3))")
    _check_std(std)
    array = _rng(generator).normal(mean, std, _size_argument((size,), None, "normal"))
    return _finish(array.astype(_float_dtype(dtype, "normal")), requires_grad, None)


def _check_std(std):
    if np.any(np.asarray(std) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(std)}")


# ----------------------------------------------------- filling tensors in place
def uniform_(tensor, a=0.0, b=1.0, *, generator=None):
    """Fill ``tensor`` in place with uniform numbers in [a, b) (used by ``nn.init``)."""
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    _float_dtype(tensor.dtype, "uniform_")
    values = _rng(generator).uniform(a, b, tensor._data.shape)
    return _fill_in_place(tensor, values)


def normal_(tensor, mean=0.0, std=1.0, *, generator=None):
    """Fill ``tensor`` in place with normal numbers (used by ``nn.init``)."""
    _check_std(std)
    _float_dtype(tensor.dtype, "normal_")
    values = _rng(generator).normal(mean, std, tensor._data.shape)
    return _fill_in_place(tensor, values)


def _fill_in_place(tensor, values):
    from .ops.inplace import check_inplace
    from .tensor import bump_version

    check_inplace(tensor)
    tensor._data[...] = values
    bump_version(tensor)
    return tensor
