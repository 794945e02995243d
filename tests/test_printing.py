"""Tests for gradlab.printing.

Most tests build the same data twice, as a NumPy array and as a real torch
tensor, and check that ``format_tensor`` produces exactly ``repr(tensor)``.
They are skipped when torch is not installed. The tests at the top use
hard-coded expected strings and run everywhere.
"""

from __future__ import annotations

import contextlib
import doctest
import math
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradlab import printing
from gradlab.printing import (
    format_parameter,
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
)

DEFAULT_OPTIONS = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 80,
    "sci_mode": None,
}
NAN, INF = math.nan, math.inf


@pytest.fixture(autouse=True)
def restore_printoptions():
    """Keep print-option changes from leaking into other tests."""
    yield
    set_printoptions(**DEFAULT_OPTIONS)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_printoptions(profile="default", sci_mode=None)


def f32(values):
    return np.array(values, dtype=np.float32)


# ---------------------------------------------------------------------------
# Plain expected strings (no torch needed)
# ---------------------------------------------------------------------------

EXPECTED = [
    (f32([4, 6]), "float32", {}, "tensor([4., 6.])"),
    (f32(3), "float32", {}, "tensor(3.)"),
    (np.array(3), "int64", {}, "tensor(3)"),
    (np.array(True), "bool", {}, "tensor(True)"),
    (np.array([1, 2, 3]), "int64", {}, "tensor([1, 2, 3])"),
    (np.array([True, False]), "bool", {}, "tensor([ True, False])"),
    (np.array([1, -20, 300]), "int64", {}, "tensor([  1, -20, 300])"),
    (f32([1, 1.5]), "float32", {}, "tensor([1.0000, 1.5000])"),
    (f32([NAN, INF, -INF]), "float32", {}, "tensor([nan, inf, -inf])"),
    (f32([NAN, 100]), "float32", {}, "tensor([ nan, 100.])"),
    (f32([1e-5, 1]), "float32", {}, "tensor([1.0000e-05, 1.0000e+00])"),
    (f32(1e10), "float32", {}, "tensor(1.0000e+10)"),
    (f32([1e8]), "float32", {}, "tensor([100000000.])"),
    (f32(-0.0), "float32", {}, "tensor(-0.)"),
    (np.array([1.5, 2]), "float64", {}, "tensor([1.5000, 2.0000], dtype=torch.float64)"),
    (np.array([1, 2], dtype=np.float16), "float16", {}, "tensor([1., 2.], dtype=torch.float16)"),
    (np.array([7], dtype=np.int32), "int32", {}, "tensor([7], dtype=torch.int32)"),
    (f32([]), "float32", {}, "tensor([])"),
    (np.array([], dtype=np.int64), "int64", {}, "tensor([], dtype=torch.int64)"),
    (np.zeros((0, 3), np.float32), "float32", {}, "tensor([], size=(0, 3))"),
    (
        np.zeros((2, 0), np.int32),
        "int32",
        {},
        "tensor([], size=(2, 0), dtype=torch.int32)",
    ),
    (f32(2), "float32", {"requires_grad": True}, "tensor(2., requires_grad=True)"),
    (
        f32([[0, 2, 4], [6, 8, 10]]),
        "float32",
        {"grad_fn_name": "MulBackward0"},
        "tensor([[ 0.,  2.,  4.],\n"
        "        [ 6.,  8., 10.]], grad_fn=<MulBackward0>)",
    ),
    (
        np.arange(24, dtype=np.float32).reshape(2, 3, 4),
        "float32",
        {},
        "tensor([[[ 0.,  1.,  2.,  3.],\n"
        "         [ 4.,  5.,  6.,  7.],\n"
        "         [ 8.,  9., 10., 11.]],\n"
        "\n"
        "        [[12., 13., 14., 15.],\n"
        "         [16., 17., 18., 19.],\n"
        "         [20., 21., 22., 23.]]])",
    ),
    (
        np.arange(2000, dtype=np.float32),
        "float32",
        {},
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
        "        1.9990e+03])",
    ),
    (
        np.arange(30, dtype=np.int32),
        "int32",
        {},
        "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
        "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29], dtype=torch.int32)",
    ),
]


@pytest.mark.parametrize(
    "array, dtype_name, kwargs, expected", EXPECTED, ids=[e[3][:40] for e in EXPECTED]
)
def test_expected_strings(array, dtype_name, kwargs, expected):
    assert format_tensor(array, dtype_name, **kwargs) == expected


def test_summarised_matrix():
    expected_row = "[0., 0., 0.,  ..., 0., 0., 0.]"
    rows = [expected_row] * 3 + ["..."] + [expected_row] * 3
    expected = "tensor([" + (",\n" + " " * 8).join(rows) + "])"
    assert format_tensor(np.zeros((100, 100), np.float32), "float32") == expected


def test_parameter():
    assert format_parameter(np.ones((2, 2), np.float32), "float32") == (
        "Parameter containing:\n"
        "tensor([[1., 1.],\n"
        "        [1., 1.]], requires_grad=True)"
    )
    assert format_parameter(f32([1]), "float32", requires_grad=False) == (
        "Parameter containing:\ntensor([1.])"
    )


def test_custom_prefix_sets_indentation():
    text = format_tensor(np.eye(2, dtype=np.float32), "float32", prefix="Thing(")
    assert text == "Thing([[1., 0.],\n       [0., 1.]])"


def test_grad_fn_wins_over_requires_grad():
    text = format_tensor(f32(1), "float32", requires_grad=True, grad_fn_name="SumBackward0")
    assert text == "tensor(1., grad_fn=<SumBackward0>)"


def test_dtype_name_may_carry_torch_prefix():
    assert format_tensor(np.array([1.0]), "torch.float64") == (
        "tensor([1.], dtype=torch.float64)"
    )


def test_unknown_dtype_name_is_rejected():
    with pytest.raises(ValueError, match="complex64"):
        format_tensor(np.array([1.0]), "complex64")


def test_data_is_converted_to_the_named_dtype():
    # The caller's dtype name decides, even if the array disagrees.
    assert format_tensor(np.array([1, 2]), "float32") == "tensor([1., 2.])"


def test_non_contiguous_array():
    array = np.arange(6, dtype=np.float32).reshape(2, 3).T[::-1]
    assert format_tensor(array, "float32") == (
        "tensor([[2., 5.],\n        [1., 4.],\n        [0., 3.]])"
    )


def test_get_printoptions_defaults():
    assert get_printoptions() == DEFAULT_OPTIONS


def test_profiles():
    set_printoptions(profile="short")
    assert get_printoptions() == dict(DEFAULT_OPTIONS, precision=2, edgeitems=2)
    set_printoptions(profile="full", linewidth=100)
    assert get_printoptions() == dict(DEFAULT_OPTIONS, threshold=math.inf, linewidth=100)
    set_printoptions(profile="default")
    assert get_printoptions() == DEFAULT_OPTIONS


def test_unknown_profile_is_ignored():
    set_printoptions(profile="nonsense", precision=3)
    assert get_printoptions() == dict(DEFAULT_OPTIONS, precision=3)


def test_every_call_resets_sci_mode():
    set_printoptions(sci_mode=True)
    assert get_printoptions()["sci_mode"] is True
    set_printoptions(precision=2)
    assert get_printoptions()["sci_mode"] is None


def test_printoptions_context_manager_restores():
    set_printoptions(precision=6)
    with printoptions(precision=1, sci_mode=True):
        assert format_tensor(f32([1.25]), "float32") == "tensor([1.2e+00])"
    assert get_printoptions() == dict(DEFAULT_OPTIONS, precision=6)


def test_precision_option():
    set_printoptions(precision=2)
    assert format_tensor(f32([1.12345]), "float32") == "tensor([1.12])"


def test_threshold_option():
    set_printoptions(threshold=5)
    assert format_tensor(np.arange(10), "int64") == "tensor([0, 1, 2,  ..., 7, 8, 9])"


def test_edgeitems_zero_shows_size():
    set_printoptions(edgeitems=0)
    assert format_tensor(np.arange(10), "int64") == (
        "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], size=(10,))"
    )
    assert format_tensor(np.zeros((40, 40), np.float32), "float32") == (
        "tensor([...], size=(40, 40))"
    )


def test_sci_mode_is_ignored_without_finite_nonzero_values():
    set_printoptions(sci_mode=True)
    assert format_tensor(f32([0, NAN]), "float32") == "tensor([0., nan])"


def test_suffix_moves_to_new_line_when_too_long():
    set_printoptions(linewidth=20)
    assert format_tensor(f32([1.5, 2.25]), "float32", requires_grad=True) == (
        "tensor([1.5000,\n"
        "        2.2500],\n"
        "       requires_grad=True)"
    )


def test_doctests():
    result = doctest.testmod(printing)
    assert result.attempted > 0
    assert result.failed == 0


# ---------------------------------------------------------------------------
# Comparison with real torch
# ---------------------------------------------------------------------------


def torch_tensor(torch, array, grad=None):
    """A torch tensor with ``array``'s data; ``grad`` picks its autograd state."""
    tensor = torch.from_numpy(np.array(array, copy=True))  # a private, writable copy
    if grad == "requires_grad":
        tensor.requires_grad_()
    elif grad is not None:  # an op name: make a non-leaf with a grad_fn
        tensor = getattr(tensor.requires_grad_(), grad)()
    return tensor


def gradlab_repr(array, tensor):
    """Format ``array`` with the flags that ``tensor`` (a torch tensor) has."""
    grad_fn = tensor.grad_fn
    return format_tensor(
        array,
        str(tensor.dtype).removeprefix("torch."),
        requires_grad=tensor.requires_grad and grad_fn is None,
        grad_fn_name=None if grad_fn is None else type(grad_fn).__name__,
    )


def assert_matches_torch(torch, array, grad=None):
    tensor = torch_tensor(torch, array, grad)
    if tensor.grad_fn is not None:
        array = tensor.detach().numpy()  # the op may have changed the values
    assert gradlab_repr(array, tensor) == repr(tensor)


@contextlib.contextmanager
def both_printoptions(torch, **options):
    """Set the same print options in torch and gradlab for a ``with`` block."""
    torch.set_printoptions(**options)
    set_printoptions(**options)
    try:
        yield
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)
        set_printoptions(profile="default", sci_mode=None)


_rng = np.random.default_rng(1234)
_randn = _rng.standard_normal

TORCH_CASES = {
    # scalars
    "0d-float": f32(3),
    "0d-frac": f32(3.25),
    "0d-negative": f32(-2.5),
    "0d-neg-zero": f32(-0.0),
    "0d-nan": f32(NAN),
    "0d-inf": f32(-INF),
    "0d-tiny": f32(1e-5),
    "0d-huge": f32(1e10),
    "0d-int": np.array(3),
    "0d-bool": np.array(True),
    "0d-float64": np.array(2.5),
    "0d-uint8": np.array(255, dtype=np.uint8),
    # 1-d floats
    "whole": f32([4, 6]),
    "fraction": f32([1, 1.5]),
    "negatives": f32([-1, 2.5, -300.125]),
    "zeros": f32([0, 0]),
    "neg-zero": f32([-0.0, 1]),
    "nonfinite": f32([NAN, INF, -INF]),
    "nan-with-whole": f32([NAN, 100]),
    "inf-with-frac": f32([INF, 0.5]),
    "sci-small": f32([1e-5, 1]),
    "sci-ratio-frac": f32([1000.5, 1]),
    "sci-ratio-whole": f32([1001, 1]),
    "no-sci-ratio-1000": f32([1000, 1]),
    "whole-1e8": f32([1e8]),
    "whole-above-1e8": f32([1.5e8]),
    "frac-1e-4": f32([1e-4, 1.5]),
    "frac-below-1e-4": f32([9e-5, 1.5]),
    "rounds-to-one": f32([0.99999, 2]),
    "rounds-up-width": f32([9.99999, 1.5]),
    "many-digits": f32([123456.789, 1.5]),
    "thirds": np.arange(100, dtype=np.float32) / 7,
    "long-row": _randn(50).astype(np.float32),
    "summarised-1d": np.arange(2000, dtype=np.float32),
    "summarised-frac": np.linspace(0, 1, 1500, dtype=np.float32),
    "hidden-outlier": np.concatenate([f32([1.5] * 600), f32([1e20]), f32([2.5] * 600)]),
    # other float dtypes
    "float16": np.array([1, 2.5, 65504, -0.125], dtype=np.float16),
    "float16-sci": np.array([6e-8, 1, INF], dtype=np.float16),
    "float64": np.array([1.5, 2.0]),
    "float64-extremes": np.array([1e308, 5e-324, -1e-300]),
    "float64-precise": np.array([1 / 3, 2 / 3]),
    # integers and bools
    "int64": np.array([1, 2, 3]),
    "int-padding": np.array([1, -20, 300]),
    "int64-extremes": np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max]),
    "int32": np.array([-5, 70000], dtype=np.int32),
    "int16": np.array([-32768, 0, 32767], dtype=np.int16),
    "int8": np.array([-128, 5, 127], dtype=np.int8),
    "uint8": np.array([0, 9, 255], dtype=np.uint8),
    "int-long-row": np.arange(-40, 40, 3),
    "bool": np.array([True, False]),
    "bool-all-true": np.array([True, True]),
    "bool-matrix": np.eye(3, dtype=bool),
    "int-summarised": np.arange(5000),
    # n-d layouts
    "2d": f32([[1, 2], [3, 4.5]]),
    "2d-wide": _randn((3, 30)).astype(np.float32),
    "3d": np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    "3d-wrapped": np.arange(2 * 3 * 400, dtype=np.float32).reshape(2, 3, 400),
    "3d-ints-summarised": np.arange(5 * 5 * 50).reshape(5, 5, 50),
    "4d": _randn((2, 2, 2, 3)).astype(np.float32),
    "2d-summarised": np.zeros((100, 100), np.float32),
    "2d-summarised-random": _randn((40, 50)).astype(np.float32),
    "3d-summarised": (_randn((20, 20, 20)) * 1e6).astype(np.float32),
    "2d-float64": _randn((3, 3)),
    "2d-nan-inf": f32([[NAN, 1], [INF, -2.5]]),
    "2d-columns": f32([[1, 2000], [3, 4]]),
    "column": f32([[1], [2]]),
    # empty shapes
    "empty": f32([]),
    "empty-int": np.array([], dtype=np.int64),
    "empty-bool": np.array([], dtype=bool),
    "empty-float64": np.array([], dtype=np.float64),
    "empty-2d": np.zeros((0, 3), np.float32),
    "empty-2d-int32": np.zeros((2, 0), np.int32),
    "empty-3d": np.zeros((2, 0, 4), np.float16),
}

GRAD_CASES = [
    ("0d-float", "requires_grad"),
    ("0d-float", "sum"),
    ("fraction", "requires_grad"),
    ("fraction", "clone"),
    ("2d", "exp"),
    ("2d-wide", "requires_grad"),
    ("2d-float64", "clone"),
    ("2d-summarised-random", "tanh"),
    ("3d", "requires_grad"),
    ("float16", "clone"),
    ("empty", "requires_grad"),
    ("empty-2d", "clone"),
    ("long-row", "neg"),
    ("nonfinite", "requires_grad"),
]


@pytest.mark.parametrize("name", TORCH_CASES)
def test_matches_torch(torch, name):
    assert_matches_torch(torch, TORCH_CASES[name])


@pytest.mark.parametrize("name, grad", GRAD_CASES)
def test_autograd_suffix_matches_torch(torch, name, grad):
    assert_matches_torch(torch, TORCH_CASES[name], grad)


def test_many_ones_float64_suffix_wrapping(torch):
    # The suffixes here fit after the last row for 25 columns but not 30.
    for columns in (25, 30):
        assert_matches_torch(torch, np.ones((3, columns)), "requires_grad")


@pytest.mark.parametrize("requires_grad", [True, False])
@pytest.mark.parametrize("name", ["0d-float", "2d", "float64", "empty-2d"])
def test_parameter_matches_torch(torch, name, requires_grad):
    array = TORCH_CASES[name]
    parameter = torch.nn.Parameter(torch_tensor(torch, array), requires_grad=requires_grad)
    text = format_parameter(array, array.dtype.name, requires_grad=requires_grad)
    assert text == repr(parameter)


OPTION_SETS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"profile": "short"},
    {"profile": "full"},
    {"threshold": 0},
    {"threshold": 5, "edgeitems": 1},
    {"edgeitems": 0},
    {"edgeitems": 0, "threshold": 2},
    {"linewidth": 20},
    {"linewidth": 5},
    {"linewidth": 200},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short", "sci_mode": True},
]
OPTION_CASES = [
    "0d-frac",
    "zeros",
    "nonfinite",
    "nan-with-whole",
    "sci-small",
    "sci-ratio-whole",
    "frac-below-1e-4",
    "thirds",
    "summarised-1d",
    "float16",
    "float64-extremes",
    "int-padding",
    "bool",
    "int-summarised",
    "3d",
    "3d-summarised",
    "empty-2d",
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=str)
def test_printoptions_match_torch(torch, options):
    with both_printoptions(torch, **options):
        for name in OPTION_CASES:
            for grad in (None, "requires_grad"):
                array = TORCH_CASES[name]
                if grad and array.dtype.kind != "f":
                    continue  # only floating tensors can require grad
                tensor = torch_tensor(torch, array, grad)
                assert gradlab_repr(array, tensor) == repr(tensor), (name, grad)


# ---------------------------------------------------------------------------
# Property test: random data against torch
# ---------------------------------------------------------------------------

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
BIG_SHAPES = [(1001,), (3000,), (40, 30), (2, 600), (11, 10, 12), (3, 400, 2)]

shapes = st.one_of(
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
    st.sampled_from(BIG_SHAPES),
)


@st.composite
def arrays(draw):
    """A NumPy array of a random dtype, shape and value scale."""
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(shapes)
    size = math.prod(shape)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    if dtype == np.bool_:
        return rng.random(shape) < draw(st.floats(0, 1))

    if dtype.kind in "iu":
        # Vary the width of the numbers: from single digits to the full range.
        info = np.iinfo(dtype)
        digits = draw(st.integers(0, len(str(info.max))))
        low = max(int(info.min), -(10**digits))
        high = min(int(info.max), 10**digits)
        return rng.integers(low, high, size=shape, endpoint=True, dtype=dtype)

    if size <= 12 and draw(st.booleans()):
        # Small arrays: let hypothesis choose every value, edge cases included.
        width = dtype.itemsize * 8
        elements = st.floats(width=width, allow_nan=True, allow_infinity=True)
        return draw(hnp.arrays(dtype, shape, elements=elements))

    # Otherwise random values around a random magnitude, sometimes spread
    # over many magnitudes, sometimes whole numbers (which print as "3.").
    with np.errstate(over="ignore"):
        values = rng.standard_normal(shape) * 10.0 ** draw(st.integers(-10, 10))
        if draw(st.booleans()):
            values *= 10.0 ** rng.integers(-6, 7, size=shape)
        if draw(st.booleans()):
            values = np.round(values)
        values = values.astype(dtype)
    if size and draw(st.booleans()):
        # Sprinkle in special values.
        special = draw(st.lists(st.sampled_from([NAN, INF, -INF, 0.0, -0.0]), min_size=1))
        flat = values.reshape(-1)
        flat[rng.integers(0, size, len(special))] = special
    return values


print_options = st.fixed_dictionaries(
    {},
    optional={
        "precision": st.integers(0, 8),
        "threshold": st.sampled_from([0, 5, 50, 1000]),
        "edgeitems": st.integers(0, 4),
        "linewidth": st.integers(1, 150),
        "sci_mode": st.sampled_from([True, False]),
        "profile": st.sampled_from(["default", "short", "full"]),
    },
)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(array=arrays(), grad=st.sampled_from([None, None, "requires_grad", "clone"]))
def test_random_tensors_match_torch(torch, array, grad):
    if array.dtype.kind != "f":
        grad = None  # only floating tensors can require grad
    assert_matches_torch(torch, array, grad)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(array=arrays(), options=print_options)
def test_random_tensors_and_options_match_torch(torch, array, options):
    with both_printoptions(torch, **options):
        assert_matches_torch(torch, array)
