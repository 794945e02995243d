"""Random numbers: ``manual_seed``, ``rand``, ``randn``, ``randint``, ``randperm``,
``normal``, ``multinomial``, ``bernoulli``, the in-place fills ``normal_``, ``uniform_``,
``bernoulli_``, ``random_``, ``exponential_``, and ``Generator`` objects.

Every function that draws takes ``generator=`` (a ``Generator``; the global one by
default), as PyTorch's do. Samples that depend on tensors (``bernoulli(p)``,
``normal(mean_tensor, std)``, a fill of a tensor in the graph) are recorded with a
zero derivative (``gradlab/ops/sampling.py``).

gradlab draws from NumPy's PCG64 generator, so a seed gives reproducible
numbers — the same seed, the same numbers, every run — but not the same
numbers as PyTorch's generator (a different algorithm).
"""
import numpy as np

from . import dtypes
from .creation import _dtype_or, _finish, _size_argument, laid_out_like
from .device import check_device
from .ops import sampling
from .ops.arithmetic import _without_derivative
from .ops.comparison import _same_shape_error
from .ops.inplace import apply_inplace
from .tensor import Tensor, _wrap

_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers with its own seed (``torch.Generator``)."""

    __module__ = "gradlab"  # <class 'gradlab.Generator'> (PyTorch's is torch._C.Generator)

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
        lowest, highest = _integer_range(target)
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


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None):
    result = rand(*input.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                  requires_grad=requires_grad)
    result._data = laid_out_like(result._data, input, memory_format)
    return result


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False, layout=None,
               memory_format=None):
    result = randn(*input.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad)
    result._data = laid_out_like(result._data, input, memory_format)
    return result


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False, layout=None, memory_format=None):
    """``randint`` with ``input``'s shape and dtype; ``randint_like(x, high)`` starts at 0."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dtype or input.dtype,
                   device=device, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Normal numbers with the given mean and standard deviation.

    ``normal(0., 1., (2, 3))`` with numbers needs a size; with a tensor mean or std the
    shape is theirs (broadcast together) and the result is in the graph with a zero
    derivative (NormalBackward1, 2 or 3), as in PyTorch.
    """
    check_device(device)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if size is not None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got a size with a tensor "
                "mean or std: the result takes the tensors' shape (drop the size, or give numbers)")
        for tensor in (mean, std):
            if isinstance(tensor, Tensor) and not tensor.dtype.is_floating_point:
                raise NotImplementedError(
                    f"\"normal_kernel_cpu\" not implemented for '{tensor.dtype._type_name}': the "
                    "mean and std tensors must be floating point")
        _check_std(std)
        rng = _rng(generator)
        if not isinstance(std, Tensor):
            return sampling.NormalBackward1.apply(mean, float(std), rng=rng)
        if not isinstance(mean, Tensor):
            return sampling.NormalBackward2.apply(std, float(mean), rng=rng)
        try:
            np.broadcast_shapes(mean.shape, std.shape)
        except ValueError:
            raise _same_shape_error(mean.shape, std.shape) from None
        return sampling.NormalBackward3.apply(mean, std, rng=rng)
    if size is None:
        raise TypeError("normal() with number mean and std needs a size, e.g. torch.normal(0, 1, (2, 3))")
    _check_std(std)
    array = _rng(generator).normal(mean, std, _size_argument((size,), None, "normal"))
    return _finish(array.astype(_float_dtype(dtype, "normal")), requires_grad, None)


def _check_std(std):
    if isinstance(std, Tensor):
        if np.any(std._data < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


# ----------------------------------------------------- filling tensors in place
# A fill of a tensor in the graph records the fill's node (its derivative is 0), as
# any in-place op does (ops/inplace.py); under no_grad (nn.init) nothing is recorded.
def uniform_(tensor, a=0.0, b=1.0, *, generator=None):
    """Fill ``tensor`` in place with uniform numbers in [a, b) (used by ``nn.init``)."""
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    _float_dtype(tensor.dtype, "uniform_")
    return _fill(tensor, sampling.UniformBackward0, low=a, high=b, rng=_rng(generator))


def normal_(tensor, mean=0.0, std=1.0, *, generator=None):
    """Fill ``tensor`` in place with normal numbers (used by ``nn.init``)."""
    _check_std(std)
    _float_dtype(tensor.dtype, "normal_")
    return _fill(tensor, sampling.NormalBackward0, mean=mean, std=std, rng=_rng(generator))


def exponential_(tensor, lambd=1.0, *, generator=None):
    """Fill ``tensor`` in place with exponential numbers of rate ``lambd`` (mean 1 / lambd)."""
    lambd = float(lambd)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    if not tensor.dtype.is_floating_point:
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {tensor.dtype._type_name}")
    return _fill(tensor, sampling.ExponentialBackward0, lambd=lambd, rng=_rng(generator))


def bernoulli_(tensor, p=0.5, *, generator=None):
    """Fill ``tensor`` in place with 1 (probability ``p``, a number or a tensor) or 0."""
    rng = _rng(generator)
    if isinstance(p, Tensor):
        _check_probabilities(p)
        _check_expands(p.shape, tuple(tensor.shape))
        return _fill(tensor, sampling.BernoulliBackward1, p, rng=rng)
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return _fill(tensor, sampling.BernoulliBackward2, p=p, rng=rng)


def _check_expands(shape, target):
    """``p`` must broadcast to the filled tensor's shape (PyTorch expands it)."""
    for back in range(1, len(shape) + 1):
        size, target_size = shape[-back], target[-back] if back <= len(target) else None
        if size != 1 and size != target_size:
            dim = len(target) - back
            raise RuntimeError(
                f"The expanded size of the tensor ({target_size}) must match the existing size ({size}) "
                f"at non-singleton dimension {dim}.  Target sizes: {list(target)}.  Tensor sizes: "
                f"{list(shape)} (p must broadcast to the filled tensor's shape)")


def _integer_range(dtype):
    """The smallest and the largest number an integer (or bool) dtype holds."""
    if dtype is dtypes.bool:
        return 0, 1
    info = np.iinfo(dtype.numpy_dtype)
    return int(info.min), int(info.max)


# random_() draws whole numbers up to the largest each dtype holds exactly (2**mantissa
# bits for floats, the maximum for integers), both ends included.
_RANDOM_TOP = {"float16": 2**11, "float32": 2**24, "float64": 2**53}


def random_(tensor, *args, generator=None, **bounds):
    """``random_()``, ``random_(to)``, ``random_(from, to)``: whole numbers in [from, to)."""
    names = ("from", "to") if len(args) + len(bounds) == 2 or "from" in bounds else ("to",)
    given = dict(zip(names, args), **bounds)
    unknown = set(given) - {"from", "to"} or len(args) > 2
    if unknown or any(v is not None and (isinstance(v, (float, bool)) or not _is_integer(v))
                      for v in given.values()):
        raise TypeError("random_() received an invalid combination of arguments: it takes "
                        "random_(), random_(to) or random_(from, to) with whole numbers")
    floating = tensor.dtype.is_floating_point
    top = _RANDOM_TOP[tensor.dtype.name] if floating else _integer_range(tensor.dtype)[1]
    low = int(given.get("from", 0))
    to = given.get("to")
    if to is not None and int(to) <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={int(to)}")
    highest = top if to is None else int(to) - 1
    if not floating:
        lowest, largest = _integer_range(tensor.dtype)
        if low < lowest:
            raise RuntimeError(f"from is out of bounds for {tensor.dtype._cpp_name}")
        if highest > largest:
            raise RuntimeError(f"to - 1 is out of bounds for {tensor.dtype._cpp_name}")
    node = (sampling.RandomBackward2 if not given else
            sampling.RandomBackward1 if set(given) == {"to"} else sampling.RandomBackward0)
    return _fill(tensor, node, low=low, highest=highest, rng=_rng(generator))


def _is_integer(value):
    try:
        return int(value) == value
    except (TypeError, ValueError):
        return False


def _fill(tensor, node_class, *operands, **params):
    return apply_inplace(tensor, node_class, *operands, casts=True, overlap=None, **params)


# ---------------------------------------------------------------- sampling
def bernoulli(input, p=None, *, generator=None):
    """1 with probability ``input`` (each element a probability), else 0; with a number ``p``,
    1 with probability ``p`` in ``input``'s shape and dtype."""
    _check_tensor(input, "bernoulli", "input")
    rng = _rng(generator)
    if p is None:
        _check_probabilities(input)
        return sampling.BernoulliBackward0.apply(input, rng=rng)
    if isinstance(p, Tensor):
        _check_probabilities(p)
        probabilities = np.broadcast_to(p._data, input.shape)
    else:
        if not 0 <= float(p) <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={float(p):g}")
        probabilities = float(p)
    # PyTorch records no derivative for this form (grad_fn NotImplemented)
    return _without_derivative(
        "bernoulli", lambda a: (rng.random(a.shape) < probabilities).astype(a.dtype), input)


def _check_tensor(value, function, argument):
    if not isinstance(value, Tensor):
        raise TypeError(f"{function}(): argument '{argument}' (position 1) must be Tensor, not "
                        f"{type(value).__name__}")


def _check_probabilities(p):
    if not p.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"bernoulli_tensor_cpu_p_\" not implemented for '{p.dtype._type_name}': "
            "probabilities must be a floating point tensor")
    if not np.all((p._data >= 0) & (p._data <= 1)):
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false. (bernoulli needs every "
            "probability in [0, 1]; NaN is not one)")


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Draw ``num_samples`` category indices from each row of weights ``input`` (1-D or 2-D).

    A row need not sum to 1: category i is drawn with probability input[i] / row sum.
    Without replacement each category is drawn at most once (a category of weight 0 only
    once the others are used up). The result is int64, of shape (num_samples,) or
    (rows, num_samples), and outside the graph.
    """
    _check_tensor(input, "multinomial", "input")
    num_samples = _count_argument(num_samples)
    if not input.dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype._type_name}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim (got a {input.ndim}-d tensor)")
    categories = input.shape[-1]
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    if not replacement and num_samples > categories:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"({num_samples} samples from {categories} categories; pass replacement=True)")
    if categories == 0:  # no category to draw: PyTorch's message for an all-zero row
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    weights = input._data.reshape(-1, categories).astype(np.float64)
    if not np.all(np.isfinite(weights) & (weights >= 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = weights.sum(axis=1)
    if np.any(totals <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator)
    if replacement:
        samples = _draw_with_replacement(weights, totals, num_samples, rng)
    else:
        samples = _draw_without_replacement(weights, num_samples, rng)
    return _wrap(samples.reshape(input.shape[:-1] + (num_samples,)))


def _count_argument(num_samples):
    if isinstance(num_samples, Tensor) and num_samples.ndim == 0 and \
            not num_samples.dtype.is_floating_point:
        return int(num_samples)
    if isinstance(num_samples, bool):
        raise TypeError("multinomial(): argument 'num_samples' must be int, not bool")
    if not isinstance(num_samples, (int, np.integer)):
        raise TypeError("multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    return int(num_samples)


def _draw_with_replacement(weights, totals, num_samples, rng):
    """Invert each row's cumulative distribution at uniform numbers."""
    cumulative = np.cumsum(weights, axis=1) / totals[:, None]
    last_possible = weights.shape[1] - 1 - np.argmax(weights[:, ::-1] > 0, axis=1)
    uniform = rng.random((weights.shape[0], num_samples))
    samples = np.empty(uniform.shape, dtype=np.int64)
    for row in range(weights.shape[0]):
        samples[row] = np.searchsorted(cumulative[row], uniform[row], side="right")
    # rounding can leave the last cumulative value a hair below 1
    return np.minimum(samples, last_possible[:, None])


def _draw_without_replacement(weights, num_samples, rng):
    """Exponential races: each category gets a time Exp(1) / weight; the first to finish are
    drawn, in order. That is the same distribution as drawing one at a time and removing it."""
    with np.errstate(divide="ignore"):
        keys = weights / rng.exponential(size=weights.shape)
    order = np.argsort(-keys, axis=1, kind="stable")  # ties (weight 0) in index order
    return order[:, :num_samples].astype(np.int64)
