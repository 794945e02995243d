"""Print tensors the way PyTorch does.

``repr(torch.tensor(...))`` follows a small set of rules. This module
implements those rules again with NumPy, so that a gradlab tensor prints
exactly like the PyTorch tensor holding the same numbers::

    >>> import numpy as np
    >>> format_tensor(np.array([4.0, 6.0], dtype=np.float32), "float32")
    'tensor([4., 6.])'
    >>> format_tensor(np.array([1, -20, 300]), "int64")
    'tensor([  1, -20, 300])'
    >>> format_tensor(np.array(2.0, dtype=np.float32), "float32", requires_grad=True)
    'tensor(2., requires_grad=True)'

Printing a tensor happens in four steps:

1. **Summarise.** A tensor with more than ``threshold`` elements shows only
   the first and last ``edgeitems`` entries of every dimension, with ``...``
   standing in for the rest.
2. **Pick one number style for the whole tensor.** Every printed element
   gets the same style and the same width, so columns line up. Floats use
   one of three styles (see `_choose_float_style`): integer (``3.``),
   fixed point (``3.1416``) or scientific (``3.1416e+00``).
3. **Lay out the nested brackets.** Rows that are too long for
   ``linewidth`` wrap onto continuation lines; inner blocks are indented one
   space per level, and consecutive blocks of a 3-d tensor are separated by
   a blank line.
4. **Add suffixes** such as ``dtype=torch.float64`` or
   ``grad_fn=<AddBackward0>`` after the closing bracket, moving one onto a
   new line when it would not fit.

The options that steer these steps are changed with `set_printoptions`, read
with `get_printoptions` and changed temporarily with `printoptions`, with
the same meaning as their ``torch`` namesakes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import dtypes as _dtypes

__all__ = [
    "format_tensor",
    "format_parameter",
    "set_printoptions",
    "get_printoptions",
    "printoptions",
]


# --------------------------------------------------------------------------
# Print options
# --------------------------------------------------------------------------


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4  # digits after the decimal point
    threshold: float = 1000  # more elements than this -> summarise
    edgeitems: int = 3  # entries kept at each end of a summarised dim
    linewidth: int = 80  # characters per line before rows wrap
    sci_mode: bool | None = None  # None lets the data choose


_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}

_OPTIONS = _PrintOptions()


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Change how tensors are printed, like ``torch.set_printoptions``.

    ``profile`` ("default", "short" or "full") first resets precision,
    threshold, edgeitems and linewidth; any other argument given then
    overrides its value. An unknown profile name is ignored, as in torch.

    Note that ``sci_mode`` is *always* assigned, so any call that leaves it
    out switches scientific notation back to automatic. Torch behaves the
    same way, and we keep it so that code written for torch acts the same.
    """
    if profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTIONS, name, value)
    if precision is not None:
        _OPTIONS.precision = precision
    if threshold is not None:
        _OPTIONS.threshold = threshold
    if edgeitems is not None:
        _OPTIONS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTIONS.linewidth = linewidth
    _OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current print options as a dict.

    The keys are precision, threshold, edgeitems, linewidth and sci_mode;
    ``set_printoptions(**get_printoptions())`` restores them.
    """
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options inside a ``with`` block.

    Accepts the same arguments as `set_printoptions`.
    """
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# --------------------------------------------------------------------------
# Public formatting functions
# --------------------------------------------------------------------------

# The dtype names we understand, and the NumPy dtype holding their data.

# torch leaves out "dtype=..." for the dtypes a tensor literal gets by
# default: tensor([1.]) is float32, tensor([1]) is int64, tensor([True]) is
# bool.
_DEFAULT_DTYPES = {"float32", "int64", "bool"}


def format_tensor(
    array: np.ndarray,
    dtype_name: str,
    *,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    prefix: str = "tensor(",
) -> str:
    """Return the text torch prints for a tensor holding ``array``.

    Args:
        array: the tensor's data, with any number of dimensions (0-d and
            empty shapes included).
        dtype_name: torch's name for the dtype without "torch.", for
            example "float32" or "int64".
        requires_grad: append ``requires_grad=True`` (for leaf tensors).
        grad_fn_name: append ``grad_fn=<NAME>`` (for results of an op). It
            wins over ``requires_grad``, as in torch.
        prefix: the text before the data; continuation lines are indented
            to line up under its end.

    >>> import numpy as np
    >>> print(format_tensor(np.eye(2), "float64", grad_fn_name="AddBackward0"))
    tensor([[1., 0.],
            [0., 1.]], dtype=torch.float64, grad_fn=<AddBackward0>)
    """
    dtype = _dtype_named(dtype_name)
    dtype_name = dtype.name
    data = np.asarray(array, dtype=dtype.numpy_dtype)
    options = dataclasses.replace(_OPTIONS)  # a snapshot: options can't change mid-way
    indent = len(prefix)

    suffixes = []
    if data.size == 0:
        body = "[]"
        # "[]" alone reads as shape (0,); any other empty shape is spelled out.
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        # An empty tensor has no elements to hint at its dtype, so every
        # dtype except the default float one is named, even int64 and bool.
        if dtype_name != "float32":
            suffixes.append(f"dtype=torch.{dtype_name}")
    else:
        body = _format_data(data, dtype.is_floating_point, indent, options)
        # With edgeitems=0 nothing but "..." may be printed, so the shape is
        # the only information left to show.
        if not options.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype_name not in _DEFAULT_DTYPES:
            suffixes.append(f"dtype=torch.{dtype_name}")

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    return _add_suffixes(prefix + body, suffixes, indent, options.linewidth)


def format_parameter(
    array: np.ndarray, dtype_name: str, requires_grad: bool = True
) -> str:
    """Return the text torch prints for an ``nn.Parameter``.

    >>> import numpy as np
    >>> print(format_parameter(np.zeros(2, dtype=np.float32), "float32"))
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    """
    body = format_tensor(array, dtype_name, requires_grad=requires_grad)
    return "Parameter containing:\n" + body


def _dtype_named(dtype_name: str) -> _dtypes.dtype:
    # Be forgiving about a "torch." prefix; reject anything else unknown.
    name = dtype_name.removeprefix("torch.")
    known = {d.name: d for d in _dtypes.ALL}
    if name not in known:
        raise ValueError(f"unknown dtype name {dtype_name!r}; expected one of {', '.join(known)}")
    return known[name]


# --------------------------------------------------------------------------
# Step 1: summarising
# --------------------------------------------------------------------------


def _kept_indices(length: int, summarize: bool, edgeitems: int) -> list[int | None]:
    """Indices printed along one dimension; ``None`` marks the "...".

    A dimension is shortened only when it has more than ``2 * edgeitems``
    entries; a shorter one is printed whole even in a summarised tensor.
    """
    if not summarize or length <= 2 * edgeitems:
        return list(range(length))
    head = list(range(edgeitems))
    tail = list(range(length - edgeitems, length))
    return head + [None] + tail


def _printed_elements(data: np.ndarray, summarize: bool, edgeitems: int) -> np.ndarray:
    """The elements that will actually appear on screen.

    The number style and column width are chosen from these alone, so a
    huge value hidden inside the "..." does not affect the output.
    """
    if data.ndim == 0:
        return data
    kept = []
    for length in data.shape:
        indices = _kept_indices(length, summarize, edgeitems)
        kept.append([i for i in indices if i is not None])
    return data[np.ix_(*kept)]


# --------------------------------------------------------------------------
# Step 2: choosing one style and width for every element
# --------------------------------------------------------------------------

# Turns one element (a Python int, float or bool) into its padded text.
_ElementFormatter = Callable[[Any], str]


def _make_formatter(
    printed: np.ndarray, is_float: bool, options: _PrintOptions
) -> tuple[_ElementFormatter, int]:
    """Return ``(format_one_element, width)`` for the printed elements."""
    if not is_float:
        # Integers and booleans print as Python prints them ("-7", "True"),
        # right-aligned to the widest one.
        width = max([1] + [len(str(v)) for v in printed.ravel().tolist()])
        return (lambda value: str(value).rjust(width)), width

    style, width = _choose_float_style(printed, options)
    precision = options.precision

    def format_float(value: float) -> str:
        return _render_float(value, style, precision).rjust(width)

    return format_float, width


def _choose_float_style(printed: np.ndarray, options: _PrintOptions) -> tuple[str, int]:
    """Pick "integer", "fixed" or "scientific" style and the column width.

    Only finite non-zero values are measured: zeros, nan and inf look the
    same in every style.
    """
    values = printed.astype(np.float64).ravel()
    values = values[np.isfinite(values) & (values != 0)]
    if values.size == 0:
        # Nothing to measure. torch stops here, so even sci_mode=True
        # leaves such a tensor as "tensor([0., nan])".
        return "integer", 1

    # All the comparisons below are made in float64, whatever the dtype.
    all_whole = bool(np.all(values == np.ceil(values)))
    smallest = float(np.abs(values).min())
    largest = float(np.abs(values).max())
    # A wide spread of magnitudes would need many digits in fixed point;
    # scientific notation keeps every element short.
    too_spread = largest / smallest > 1000.0 or largest > 1.0e8
    if options.sci_mode is not None:
        # The user's choice wins; whole numbers still keep the short "3." form.
        sci = options.sci_mode
    elif all_whole:
        sci = too_spread
    else:
        # Fractions below 1e-4 would show as 0.0000 in fixed point.
        sci = too_spread or smallest < 1.0e-4

    if sci:
        style = "scientific"
    else:
        style = "integer" if all_whole else "fixed"
    width = max(len(_render_float(v, style, options.precision)) for v in values.tolist())
    return style, width


def _render_float(value: float, style: str, precision: int) -> str:
    """Text for one float in the given style, without padding."""
    if style == "scientific":
        return f"{value:.{precision}e}"
    if style == "fixed":
        return f"{value:.{precision}f}"
    # Integer style: the trailing "." tells a float 3. from an int 3; nan
    # and inf are unmistakably floats already, so they go without.
    text = f"{value:.0f}"
    return text + "." if math.isfinite(value) else text


# --------------------------------------------------------------------------
# Step 3: laying out the brackets
# --------------------------------------------------------------------------


def _format_data(
    data: np.ndarray, is_float: bool, indent: int, options: _PrintOptions
) -> str:
    """The bracketed data part of the text, e.g. ``[[1., 2.], [3., 4.]]``."""
    summarize = data.size > options.threshold
    printed = _printed_elements(data, summarize, options.edgeitems)
    format_one, width = _make_formatter(printed, is_float, options)
    layout = _Layout(summarize, options.edgeitems, options.linewidth, format_one, width)
    return layout.format(data, indent)


@dataclasses.dataclass
class _Layout:
    """Everything needed to lay out nested brackets, bundled together."""

    summarize: bool
    edgeitems: int
    linewidth: int
    format_one: _ElementFormatter
    width: int

    def format(self, data: np.ndarray, indent: int) -> str:
        """Format ``data``, whose opening bracket is at column ``indent``."""
        if data.ndim == 0:
            return self.format_one(data.item())
        if data.ndim == 1:
            return self._format_row(data, indent)
        return self._format_block(data, indent)

    def _format_row(self, row: np.ndarray, indent: int) -> str:
        indices = _kept_indices(len(row), self.summarize, self.edgeitems)
        # The extra space makes the "..." stand apart from its neighbours
        # ("2.,  ..., 7."); with edgeitems=0 it stands alone as "[...]".
        ellipsis = " ..." if self.edgeitems else "..."
        cells = [ellipsis if i is None else self.format_one(row[i].item()) for i in indices]

        # Every cell, "..." included, is budgeted as one element plus ", ".
        per_line = max(1, int((self.linewidth - indent) // (self.width + 2)))
        lines = [", ".join(cells[i : i + per_line]) for i in range(0, len(cells), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def _format_block(self, block: np.ndarray, indent: int) -> str:
        indices = _kept_indices(len(block), self.summarize, self.edgeitems)
        parts = ["..." if i is None else self.format(block[i], indent + 1) for i in indices]
        # Rows of a matrix go on consecutive lines; matrices of a 3-d tensor
        # are separated by one blank line, 4-d blocks by two, and so on.
        separator = "," + "\n" * (block.ndim - 1) + " " * (indent + 1)
        return "[" + separator.join(parts) + "]"


# --------------------------------------------------------------------------
# Step 4: suffixes
# --------------------------------------------------------------------------


def _add_suffixes(text: str, suffixes: list[str], indent: int, linewidth: int) -> str:
    """Append ``, suffix`` items and the closing ``)``.

    A suffix that would make the line too long starts a new line, indented
    to line up with the data.
    """
    last_line = text[text.rfind("\n") + 1 :]
    # torch counts the data's last line as two characters longer than it
    # really is (but counts exactly once a suffix has started a new line).
    # We count the same way so that lines break exactly where torch's do.
    line_length = len(last_line) + 2
    pieces = [text]
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_length += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)
