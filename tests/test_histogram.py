"""histc and histogram (gradlab/ops/histogram.py): PyTorch's counts, bin edges, ties at edges,
dtypes and errors."""
import numpy as np
import pytest

import gradlab
from helpers import compare_with_torch

CASES = [
    ("histc", lambda t, x: t.histc(x, bins=4, min=0, max=3), [1., 2., 1.]),
    ("histc default", lambda t, x: t.histc(x), [1., 2., 1.]),
    ("histc data range", lambda t, x: t.histc(x, bins=4), [1., 2., 1., 5.]),
    ("histc one value", lambda t, x: t.histc(x, bins=4), [1., 1., 1.]),
    ("histc min == max", lambda t, x: t.histc(x, bins=4, min=1, max=1), [0.6, 1.4, 1.9]),
    ("histc edges", lambda t, x: t.histc(x, bins=4, min=0, max=4), [0., 1., 2., 3., 4., 5., -1.]),
    ("histc rounding", lambda t, x: t.histc(x, bins=10, min=0, max=1), [0.1, 0.2, 0.3, 0.7, 0.9, 1.0]),
    ("histc nan, inf skipped", lambda t, x: t.histc(x, bins=4, min=0, max=3), [1., np.nan, np.inf, 1.]),
    ("histc method", lambda t, x: x.histc(4, 0, 3), [[1., 2.], [1., 5.]]),
    ("histc 0-d", lambda t, x: t.histc(x, bins=4), 3.),
    ("histc empty", lambda t, x: t.histc(x, bins=4), np.zeros(0, np.float32)),
    ("histogram", lambda t, x: tuple(t.histogram(x, bins=4)), [1., 2., 1.]),
    ("histogram range", lambda t, x: tuple(t.histogram(x, 4, range=(0., 3.))), [1., 2., 1., 3.]),
    ("histogram weight", lambda t, x: tuple(t.histogram(
        x, bins=4, range=(0., 3.), weight=t.tensor([1., 2., 4.]))), [1., 2., 1.]),
    ("histogram density", lambda t, x: tuple(t.histogram(x, bins=4, density=True)), [1., 2., 1.]),
    ("histogram edges tensor", lambda t, x: tuple(t.histogram(x, t.tensor([0., 1., 2.5, 3.]))), [1., 2., 1.]),
    ("histogram edges density", lambda t, x: tuple(t.histogram(x, t.tensor([0., 1., 2.5, 3.]), density=True)),
     [1., 2., 1.]),
    ("histogram one value", lambda t, x: tuple(t.histogram(x, bins=4)), [1., 1., 1.]),
    ("histogram empty", lambda t, x: tuple(t.histogram(x, bins=4)), np.zeros(0, np.float32)),
    ("histogram float64", lambda t, x: tuple(x.histogram(3)), np.array([1., 2., 7.])),
    ("histogram 2-d, fields", lambda t, x: (t.histogram(x, 4).hist, t.histogram(x, 4).bin_edges),
     [[1., 2.], [1., 5.]]),
    ("histogram nan skipped in range", lambda t, x: tuple(t.histogram(x, 4, range=(0., 3.))), [1., np.nan, 1.]),
    ("histogram weight any shape", lambda t, x: tuple(t.histogram(x, 2, weight=t.ones(4))), [[1., 2.], [1., 5.]]),
]


@pytest.mark.parametrize("name, function, data", CASES, ids=[c[0] for c in CASES])
def test_values_match_torch(name, function, data):
    array = np.asarray(data, dtype=np.float32) if not isinstance(data, np.ndarray) else data
    compare_with_torch(function, array, requires_grad=False)


def test_ties_at_edges_match_torch_exactly(torch):
    """histc computes each bin (ties can round down), histogram looks values up among its edges."""
    rng = np.random.default_rng(0)
    for trial in range(60):
        dtype = (np.float32, np.float64)[trial % 2]
        bins = int(rng.integers(1, 30))
        low = round(float(rng.uniform(-3, 1)), 1)
        high = low + round(float(rng.uniform(0.1, 5)), 1)
        edges = torch.linspace(low, high, bins + 1, dtype=getattr(torch, np.dtype(dtype).name)).numpy()
        values = np.concatenate([edges, np.nextafter(edges, dtype(np.inf)), np.nextafter(edges, dtype(-np.inf)),
                                 low + (high - low) * np.arange(bins + 1) / bins,
                                 np.round(rng.uniform(low, high, 30), 1)]).astype(dtype)
        ours, theirs = gradlab.from_numpy(values), torch.from_numpy(values)
        assert np.array_equal(gradlab.histc(ours, bins, low, high).numpy(),
                              torch.histc(theirs, bins, low, high).numpy())
        mine, expected = gradlab.histogram(ours, bins, range=(low, high)), torch.histogram(
            theirs, bins, range=(low, high))
        assert np.array_equal(mine.bin_edges.numpy(), expected.bin_edges.numpy())
        assert np.array_equal(mine.hist.numpy(), expected.hist.numpy())


def test_histogram_prints_as_torch_return_type(torch):
    ours = gradlab.histogram(gradlab.tensor([1., 2., 1.]), bins=2)
    theirs = torch.histogram(torch.tensor([1., 2., 1.]), bins=2)
    assert repr(ours) == repr(theirs) and type(ours).__name__ == "histogram"
    hist, bin_edges = ours
    assert hist is ours.hist and bin_edges is ours.bin_edges


def test_histogram_of_a_tensor_that_requires_grad_has_no_derivative(torch):
    for lib in (gradlab, torch):
        x = lib.tensor([1., 2., 1.], requires_grad=True)
        hist, edges = lib.histogram(x, bins=4)
        assert type(hist.grad_fn).__name__ == "NotImplemented" and edges.grad_fn is hist.grad_fn
        with pytest.raises(RuntimeError, match="derivative for aten::histogram is not implemented"):
            hist.sum().backward()
        assert not lib.histc(x, bins=4).requires_grad


ERRORS = [
    (lambda t, x: t.histc(x.long(), bins=4), NotImplementedError, '"histogram_cpu" not implemented for'),
    (lambda t, x: t.histc(x, bins=0), RuntimeError, "torch.histogram(): bins must be > 0, but got 0"),
    (lambda t, x: t.histc(x, bins=4, min=3, max=1), RuntimeError, "torch.histc: max must be larger than min"),
    (lambda t, x: t.histc(x, bins=4, min=0, max=float("inf")), RuntimeError,
     "torch.histc: range of [0, inf] is not finite"),
    (lambda t, x: t.histc(x * float("inf"), bins=4), RuntimeError, "torch.histc: range of"),
    (lambda t, x: x.histc(bins=4.5), TypeError, "argument 'bins' must be int, not float"),
    (lambda t, x: t.histogram(x.long(), bins=4), NotImplementedError, '"histogramdd" not implemented for'),
    (lambda t, x: t.histogram(x.half(), bins=4), NotImplementedError, '"histogramdd" not implemented for'),
    (lambda t, x: t.histogram(x, bins=0), RuntimeError, "torch.histogram(): bins must be > 0"),
    (lambda t, x: t.histogram(x, bins=4, range=(3., 1.)), RuntimeError,
     "torch.histogramdd: min should not exceed max, but got min 3 max 1 for dimension 0"),
    (lambda t, x: t.histogram(x, bins=4, range=(0, 3, 4)), RuntimeError,
     "torch.histogramdd: for a 1-dimensional histogram range should have 2 elements, but got 3"),
    (lambda t, x: t.histogram(x, bins=4, range=(0, float("inf"))), RuntimeError,
     "torch.histogramdd: dimension 0's range [0, inf] is not finite"),
    (lambda t, x: t.histogram(x * float("nan"), bins=4), RuntimeError, "torch.histogramdd: dimension 0's range"),
    (lambda t, x: t.histogram(x, bins=t.tensor([[3., 1., 2.5]])), RuntimeError,
     "torch.histogramdd: bins tensor should have one dimension, but got 2 dimensions"),
    (lambda t, x: t.histogram(x, bins=t.tensor([1, 2])), RuntimeError,
     "torch.histogramdd: input tensor and bins tensors should have the same dtype"),
    (lambda t, x: t.histogram(x, bins=t.tensor([1.])), RuntimeError, "torch.histogram(): bins must be > 0"),
    (lambda t, x: t.histogram(x, bins=4, weight=t.tensor([1., 2.])), RuntimeError,
     "torch.histogramdd: if weight tensor is provided it should have the same shape"),
    (lambda t, x: t.histogram(x, bins=4, weight=t.tensor([1, 2, 3])), RuntimeError,
     "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should have the same dtype"),
    (lambda t, x: t.histogram(x, bins=4.0), TypeError, None),
    (lambda t, x: t.histogram(x, bins=t.tensor([0., 1.]), range=(0., 1.)), TypeError, None),
]


@pytest.mark.parametrize("function, error, message", ERRORS)
def test_errors_match_torch(function, error, message):
    compare_with_torch(function, np.array([1., 2., 1.], np.float32), requires_grad=False, raises=error,
                       match=message, reworded=True)
