"""Dtypes and type promotion (gradlab/dtypes.py) against PyTorch's rules."""
import itertools
import operator
import pickle

import numpy as np
import pytest

import gradlab
from gradlab import dtypes

NAMES = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"]
OPERANDS = [(name, ndim) for name in NAMES for ndim in (1, 0)]  # a tensor with dims, a 0-d tensor
NUMBERS = [2, 2.5, True]


def _make(lib, name, ndim):
    values = [True, False] if name == "bool" else [1, 2]
    return lib.tensor(values if ndim else values[0], dtype=getattr(lib, name))


@pytest.mark.parametrize("expression, expected", [
    ("torch.tensor([1, 2]) * 2.5", "float32"),
    ("torch.tensor([1., 2.]) * torch.tensor(2., dtype=torch.float64)", "float32"),
    ("torch.tensor([1, 2], dtype=torch.int32) + torch.tensor([1, 2])", "int64"),
    ("torch.tensor([True]) + torch.tensor([1])", "int64"),
    ("torch.tensor([True]) + 1", "int64"),
    ("torch.tensor([1], dtype=torch.uint8) + torch.tensor([1], dtype=torch.int8)", "int16"),
    ("torch.tensor([1]) / torch.tensor([2])", "float32"),
    ("torch.tensor([1, 2], dtype=torch.int32) + torch.tensor(2.0, dtype=torch.float64)", "float64"),
    ("torch.tensor([1., 2.], dtype=torch.float16) + 2.5", "float16"),
    ("torch.tensor(1, dtype=torch.int32) + 2", "int32"),
    ("torch.tensor(1, dtype=torch.int32) + torch.tensor(2)", "int64"),
    ("torch.tensor([1], dtype=torch.int8) + 1000", "int8"),
    ("torch.tensor([1.]) + np.float64(1.5)", "float32"),
])
def test_promotion_rules(expression, expected):
    out = eval(expression, {"torch": gradlab, "np": np})
    assert out.dtype is getattr(gradlab, expected)


OPS = {"add": operator.add, "mul": operator.mul, "truediv": operator.truediv, "sub": operator.sub,
       "pow": operator.pow, "floordiv": operator.floordiv}


def _dtype_of(lib, op, a, b):
    try:
        return str(OPS[op](a, b).dtype)
    except Exception:
        return "error"


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_pair_of_dtypes_promotes_like_torch(torch, op):
    mismatches, computed = [], 0
    for first, second in itertools.product(OPERANDS, OPERANDS + NUMBERS):
        for swap in (False, True):
            def operands(lib):
                a = _make(lib, *first)
                b = _make(lib, *second) if isinstance(second, tuple) else second
                return (b, a) if swap else (a, b)

            ours, expected = _dtype_of(gradlab, op, *operands(gradlab)), _dtype_of(torch, op, *operands(torch))
            computed += expected != "error"
            if ours != expected:
                mismatches.append((first, second, swap, ours, expected))
    assert not mismatches
    assert computed > 300


def test_result_type_matches_torch(torch):
    for first, second in itertools.product(OPERANDS + NUMBERS, OPERANDS + NUMBERS):
        def operands(lib):
            return [_make(lib, *o) if isinstance(o, tuple) else o for o in (first, second)]

        assert str(dtypes.result_type(*operands(gradlab))) == str(torch.result_type(*operands(torch)))


def test_promote_types_and_can_cast_match_torch(torch):
    for a, b in itertools.product(NAMES, NAMES):
        ours = dtypes.promote_types(getattr(gradlab, a), getattr(gradlab, b))
        assert str(ours) == str(torch.promote_types(getattr(torch, a), getattr(torch, b)))
        assert dtypes.can_cast(getattr(gradlab, a), getattr(gradlab, b)) == \
            torch.can_cast(getattr(torch, a), getattr(torch, b))


def test_result_type_reads_what_forward_receives():
    # forward gets NumPy arrays: a 0-d array stands for a 0-d tensor
    assert dtypes.result_type(np.ones(2, np.float32), np.ones((), np.float64)) is gradlab.float32
    assert dtypes.result_type(np.ones(2, np.int32), 2.5) is gradlab.float32
    assert dtypes.result_type(np.ones(2, np.int32), None) is gradlab.int32


def test_default_dtype_decides_python_floats():
    try:
        gradlab.set_default_dtype(gradlab.float64)
        assert gradlab.tensor([1.5]).dtype is gradlab.float64
        assert gradlab.zeros(2).dtype is gradlab.float64
        assert (gradlab.tensor([1]) * 2.5).dtype is gradlab.float64
        assert (gradlab.tensor([1.0], dtype=gradlab.float32) * 2.5).dtype is gradlab.float32
    finally:
        gradlab.set_default_dtype(gradlab.float32)
    with pytest.raises(TypeError, match="floating-point"):
        gradlab.set_default_dtype(gradlab.int64)


def test_python_types_as_dtypes_are_the_widest():
    assert dtypes.as_dtype(float) is gradlab.float64  # torch.zeros(2, dtype=float) is float64
    assert dtypes.as_dtype(int) is gradlab.int64
    assert dtypes.as_dtype(bool) is gradlab.bool
    assert dtypes.as_dtype(np.float16) is gradlab.float16
    with pytest.raises(TypeError, match="torch.dtype"):
        dtypes.as_dtype("float32")


@pytest.mark.parametrize("name", NAMES)
def test_dtype_objects_look_like_torchs(torch, name):
    ours, theirs = getattr(gradlab, name), getattr(torch, name)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    for attribute in ("is_floating_point", "is_signed", "is_complex", "itemsize"):
        assert getattr(ours, attribute) == getattr(theirs, attribute)
    assert pickle.loads(pickle.dumps(ours)) is ours


def test_aliases():
    assert gradlab.float is gradlab.float32 and gradlab.double is gradlab.float64
    assert gradlab.long is gradlab.int64 and gradlab.int is gradlab.int32
    assert gradlab.half is gradlab.float16 and gradlab.short is gradlab.int16


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_torch(torch, name):
    ours, theirs = dtypes.finfo(getattr(gradlab, name)), torch.finfo(getattr(torch, name))
    for attribute in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attribute) == getattr(theirs, attribute)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(torch, name):
    ours, theirs = dtypes.iinfo(getattr(gradlab, name)), torch.iinfo(getattr(torch, name))
    for attribute in ("bits", "max", "min", "dtype"):
        assert getattr(ours, attribute) == getattr(theirs, attribute)


def test_unsupported_numpy_dtypes_are_named():
    with pytest.raises(TypeError, match="supported dtypes are"):
        gradlab.from_numpy(np.array([1j]))
