"""A differential fuzz: random autograd programs, run with gradlab and with PyTorch, compared.

Each graph is a short random *program*: leaves (float64, some float32, with NaN and inf among
their values), then ops from every family gradlab implements — arithmetic with broadcasting and
Python numbers, pointwise functions, clamp with number and tensor bounds, where, masked_fill,
maximum/minimum, reductions with dims and keepdim, views and shape ops, indexing with slices,
ints, repeated integer indices and masks, cat/stack, matmul of every rank, in-place writes into
tensors and into views, detach and no_grad cuts, retain_grad — then a tail: ``backward`` twice
(the first with ``retain_graph``), or ``autograd.grad(..., create_graph=True)`` and a backward
through those gradients. Variables are reused at random, so subexpressions are shared.

The program is Python source text. It runs once with ``torch`` bound to PyTorch and once bound
to gradlab, and at each checkpoint everything its namespace holds is compared: values (NaN where
NaN is; float64 to 1e-6, and 1e-3 in a program with float32), dtypes and shapes,
``requires_grad``, ``is_leaf``, ``output_nr``, the grad_fn graph (names, ``next_functions`` in
order, which nodes are shared, the variable each AccumulateGrad holds), view or copy, leaf and
retained ``.grad``, the order hooks see the leaves in. A second-order gradient that one library
leaves out (None) and the other computes as zeros counts as the same (as in helpers.py). Errors
are compared too: where PyTorch raises, gradlab must raise the same type at the same line, and
nowhere else (a line running for 20 s raises TimeoutError).

A mismatch is shrunk (lines and loss terms dropped while the same kind of mismatch remains) and
printed as a standalone program to paste: it imports torch, runs as it is with ``import gradlab
as torch``, and its last line prints the differing value with both answers beside it. Mismatches
are counted by category: the aspect (checkpoint and property) and what the shrunk program needs.

Run from the repository root (needs torch)::

    python -m tests.fuzz --graphs 5000 --seed 0 --mode all          # every mode, mixed
    python -m tests.fuzz --graphs 5000 --seed 1 --mode inplace      # in-place ops, first order
    python -m tests.fuzz --graphs 5000 --seed 2 --mode second-order # create_graph tail
    python -m tests.fuzz --graph-seed 123 --mode inplace            # one graph: program and verdict
    python -m tests.fuzz --graphs 5000 --exclude-known              # as tests/test_fuzz.py runs

``python tests/fuzz.py ...`` is the same. Modes: ``basic`` (no in-place ops, first order),
``inplace``, ``second-order``, ``all`` (each graph picks one of those or in-place with second
order). ``--exclude-known`` keeps the generator away from the differences in
``KNOWN_DIFFERENCES``, each listed with its reason; the bounded run in tests/test_fuzz.py uses
it. The exit status is 1 when there are mismatches.
"""
import argparse
import contextlib
import functools
import itertools
import math
import random
import re
import signal
import sys
import threading
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

if __package__ in (None, ""):  # python tests/fuzz.py: tests/ is on sys.path, the repository may not be
    sys.path.insert(1, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import gradlab

try:
    from helpers import graph_edges
except ImportError:  # python -m tests.fuzz: tests/ is a namespace package here, not on sys.path
    from tests.helpers import graph_edges

# What ``exclude`` can name: one of these generator features, or a kind of line (``Statement.kind``:
# "detach", "max-dim", "setitem-basic@view", ...); either may end in "@second-order" to leave
# it out only of graphs with the second-order tail.
FEATURES = {
    "torch-errors": "now and then keep a line PyTorch refuses (it ends the program): error parity",
    "nan-inf-values": "NaN and +-inf among leaf values and Python numbers",
    "float32": "float32 leaves (one in five)",
    "inplace-into-view": "in-place writes into a view (a view variable, or x[1:], x.t(), ... written at once)",
    "clamp-bounds-broadcast-input": "clamp with tensor bounds of a bigger shape than the input",
    "leaf-order": "hooks recording the order backward accumulates the leaves in",
    "leaf-hooks-in-grad": "the same hooks on the inputs of autograd.grad",
    "third-backward": "a third backward, after the graph was freed",
    "second-backward-0d-leaves": "the second backward of a graph with a 0-d leaf that requires grad",
    "stale-view": "retain_grad of a view variable whose memory was written since it was made",
    "inplace-into-matmul-input": "in place into (the memory of) a tensor that a matmul used",
    "inplace-into-gather-input": "in place into (the memory of) a tensor that gather used",
    "index_select-negative": "negative indices in index_select (an error in PyTorch)",
    "clamp-tensor-and-number": "x.clamp(tensor, number): one bound a tensor, the other a number",
    "permute-no-dims": "x.permute() of a 0-d tensor: no dims at all",
    "std-var-no-dof": "var/std over no more elements than the correction (no degrees of freedom left)",
    "std-zero-spread": "var/std over equal values (zero spread)",
    "fractional-power-of-minus-inf": "x ** p and x.pow_(p) where x holds -inf and p is not a whole number",
    "inplace-through-data": "in place into (the memory of) a tensor that .data was taken of",
    "write-into-expanded": "x[mask] = v and x[index] = v into an expanded view: PyTorch writes them "
        "(with a deprecation warning: 'Use of index_put_ on expanded tensors is deprecated'), gradlab "
        "refuses them as it refuses add_ there ('more than one element of the written-to tensor "
        "refers to a single memory location'); fill_, zero_ and a copy_ of the same memory are "
        "written by both",
    "sgn-derivative": "abs, and norm with p=1 or p=inf: ops whose derivative is sgn(x)",
    "stale-split-view": "using an output of split, chunk or unbind after its memory was written in place",
    "empty-tensors": "using tensors with no elements (x[1:-1] of a size-2 dim) in further ops",
    "zero-at-pole": "zeros (and values within 1e-9 of 0) into 1/x, rsqrt, x ** -1, x ** -0.5, log and sqrt "
                    "(whose derivative has a pole at 0): the sign of the zero decides between inf and -inf",
    "operand-overlaps-target": "in-place ops whose operand shares memory with the tensor written "
                               "(x[::2] -= x, x.t().copy_(x))",
}

# What the bounded run (tests/test_fuzz.py, ``--exclude-known``) keeps out of its graphs:
# differences that are known and not fixed (yet), each with the reason. The long run keeps them
# in and reports them.
KNOWN_DIFFERENCES = {
    # --- PyTorch's bugs and quirks: gradlab's answer is right and need not copy them
    "second-backward-0d-leaves": "PyTorch bug: AccumulateGrad keeps the incoming gradient of a 0-d leaf "
        "without copying it, so 0-d leaves fed from one buffer (torch.stack([a, b]).sum()) share it and "
        "the second backward adds into both: a.grad = 3 where gradlab (rightly) gives 2",
    "stale-view": "PyTorch quirk: retain_grad() on a view whose base was written in place through another "
        "view (with a value that requires grad) is ignored until view.grad_fn is looked at (its autograd "
        "data is stale until then): view.grad stays None; after print(view.grad_fn) it works. gradlab "
        "always acts as after the look",
    # --- rounding: neither side is wrong, the last bit decides
    "zero-at-pole": "signed zeros: NumPy's matmul sums -0.0 products to +0.0 where PyTorch keeps -0.0, "
        "relu and clamp ties return the bound's zero where PyTorch keeps the input's, and 1/x, rsqrt, "
        "log's gradient then give inf against -inf; a sum that should be 0 rounds to +-1e-17 in another "
        "order, and 1/x gives +-1e17",
    "std-zero-spread": "std over equal values: PyTorch's std (Welford's algorithm) is exactly 0 and its "
        "gradient masked to 0; gradlab's (the mean, off by an ulp, then the squares) is ~1e-15 and the "
        "gradient (x - mean) / std is of order 1",
    # --- gradlab's differences, not fixed yet: double-backward graphs (names, structure, order)
    "amax-0d@second-order": "double backward of amax(0) of a 0-d tensor: PyTorch's gradient graph ends in "
        "SumBackward0, gradlab's in MulBackward0",
    "amin-0d@second-order": "double backward of amin(0) of a 0-d tensor: as amax-0d (SumBackward0 against "
        "MulBackward0)",
    "std-var-no-dof@second-order": "double backward of std over no more elements than the correction: "
        "PyTorch's gradient graph starts with ToCopyBackward0, gradlab's with MulBackward0",
    "prod-all-with-zeros@second-order": "double backward of prod over values with a zero and an inf or "
        "NaN elsewhere (in the tensor or the upstream gradient): the graphs match (both go through "
        "CumprodBackward0), but gradlab's cumprod backward with zeros (products over each slice) puts "
        "NaN where PyTorch's (a division-free scan) gives 0 or inf; finite values agree",
    "prod-dim-with-zeros@second-order": "double backward of prod(dim) over values with a zero: as "
        "prod-all-with-zeros",
    "sgn-derivative@second-order": "the derivative of sgn (in the double backward of abs, and of norm with "
        "p=1 or inf) is an efficient ZeroTensor in PyTorch, which stays zero when multiplied by inf or "
        "nan; gradlab's zeros are ordinary, so inf * 0 makes second-order gradients nan where PyTorch has "
        "0 or -inf",
    "float32@second-order": "float32 in second-order graphs: (1) the double-backward graphs of mixed "
        "dtypes differ: for a ** b PyTorch casts the base before the log (LogBackward0 of "
        "ToCopyBackward0), for a broadcast copy_ of float64 into float32 it casts then sums (SumBackward0 "
        "of ToCopyBackward0), gradlab the other way round; (2) float32 rounding through second derivatives "
        "of tan, expm1 and std grows past any fixed tolerance",
    "dtype-cast@second-order": "x.float(), x.to(torch.float32) in second-order graphs: as "
        "float32@second-order",
    "empty-tensors@second-order": "double backward of mm with an empty operand (w.mT @ x.mT, x of shape "
        "(0, 1)): PyTorch's graph for x's gradient is TBackward0 of MmBackward0, gradlab's MmBackward0 of "
        "TBackward0 (PyTorch picks the orientation from strides, which an empty tensor leaves open)",
    "leaf-hooks-in-grad": "the order leaves are reached in by the backward through a create_graph graph "
        "(gg.backward() after autograd.grad(..., create_graph=True)): for y = x1 * x4 PyTorch's hooks see "
        "x1, x4 then x4, x1, gradlab's x1, x4 then x1, x4",
    # --- gradlab's differences, not fixed yet: values at edge cases
    # --- gradlab's differences, not fixed yet: errors (one raises, the other does not, or another type)
    "stale-split-view": "an output of split/chunk/unbind made while its base did not require grad, used "
        "after the base was written in place with a value that requires grad: PyTorch refuses ('A view was "
        "created in no_grad mode and its base or another view of its base has been modified inplace with "
        "grad mode enabled'), gradlab lets it be used",
    "write-into-expanded": "fill_, zero_, x.copy_(x), x[mask] = v and x[index] = v into an expanded view: "
        "PyTorch allows them (the last two with a deprecation warning), gradlab refuses them as it refuses "
        "add_ and the other in-place ops there ('more than one element of the written-to tensor refers to "
        "a single memory location')",
    "operand-overlaps-target": "an in-place op whose operand shares memory with the tensor written: "
        "PyTorch refuses (x[::2] -= x: 'some elements of the input tensor and the written-to tensor refer "
        "to a single memory location'), or for copy_ copies element by element into memory it is still "
        "reading (x.t().copy_(x) depends on the order); gradlab reads the operand first and writes the "
        "whole result",
}
MODES = ("basic", "inplace", "second-order", "all")
MAX_NUMEL = 48  # keeps printed reproductions short


# ------------------------------------------------------------------------ programs
@dataclass(frozen=True)
class Statement:
    """One line of a program, or a checkpoint (``source`` empty) where everything is compared.

    ``kind`` says what the line exercises ("exp", "setitem@view", ...): mismatches are
    grouped by the kinds left in their shrunk reproduction."""

    source: str
    kind: str
    checkpoint: str = ""


def _checkpoint(name):
    return Statement("", "checkpoint", name)


def render(statements, library="torch"):
    """The program as Python source text, ready to paste."""
    first = "import torch" if library == "torch" else "import gradlab as torch"
    lines = [first, "nan, inf = float('nan'), float('inf')"]
    return "\n".join(lines + [s.source for s in statements if s.source])


@functools.lru_cache(maxsize=100_000)
def _compiled(source):
    return compile(source, "<fuzz>", "exec")


# ------------------------------------------------------------------------ running
@dataclass
class Event:
    """What happened at one statement: a checkpoint's snapshot, or the error that ended the run."""

    index: int
    kind: str        # "checkpoint" or "error"
    name: str        # the checkpoint's name, or the exception's type name
    detail: object   # the snapshot, or the error message


def run(statements, library, seconds=20):
    """Run the program with ``torch`` bound to ``library``; its events, in order.

    A line still running after ``seconds`` raises TimeoutError (a hang is a mismatch too)."""
    namespace = {"torch": library, "nan": math.nan, "inf": math.inf}
    events = []
    with warnings.catch_warnings(), _time_limit(seconds):
        warnings.simplefilter("ignore")  # std of one element, .grad of a non-leaf, x.T of 3-D, ...
        for index, statement in enumerate(statements):
            if statement.checkpoint:
                events.append(Event(index, "checkpoint", statement.checkpoint,
                                    _snapshot(namespace, library)))
                continue
            try:
                exec(_compiled(statement.source), namespace)
            except Exception as error:  # any error is compared with torch's
                message = str(error).split("\n")[0]
                events.append(Event(index, "error", type(error).__name__, f"{type(error).__name__}: {message}"))
                break
    return events


@contextlib.contextmanager
def _time_limit(seconds):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def timeout(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_NOT_VARIABLES = {"torch", "nan", "inf", "__builtins__"}


def _snapshot(namespace, library):
    """Everything the program's variables show, keyed by the expression that shows it."""
    names = {id(v): k for k, v in namespace.items() if isinstance(v, library.Tensor)}
    seen = {}
    for name, value in namespace.items():
        if name in _NOT_VARIABLES:
            continue
        if isinstance(value, library.Tensor):
            seen[name] = _describe(value, names)
            seen[name + ".grad"] = _describe(_grad_of(value), names)
        elif isinstance(value, tuple) and all(v is None or isinstance(v, library.Tensor) for v in value):
            for position, item in enumerate(value):
                seen[f"{name}[{position}]"] = _describe(item, names)
        elif isinstance(value, (int, float, bool, str, list)):
            seen[name] = {"value": list(value) if isinstance(value, list) else value}  # as it is now
    return seen


def _grad_of(tensor):
    try:
        return tensor.grad
    except Exception as error:
        return error


def _describe(tensor, names):
    """What a student sees of one tensor (None, or an exception raised while looking)."""
    if tensor is None:
        return None
    if isinstance(tensor, Exception):
        return {"error": type(tensor).__name__, "message": str(tensor).split("\n")[0]}
    try:
        return {
            "dtype": str(tensor.dtype),
            "shape": tuple(tensor.shape),
            "value": _values(tensor),
            "requires_grad": tensor.requires_grad,
            "is_leaf": tensor.is_leaf,
            "grad_fn": _graph_form(tensor.grad_fn, names),
            "output_nr": tensor.output_nr,
            "view": tensor._base is not None,
        }
    except Exception as error:  # looking must not fail either
        return {"error": type(error).__name__, "message": str(error).split("\n")[0]}


def _values(tensor):
    """A NumPy copy of the values. PyTorch's ZeroTensor (a gradient known to be zero) refuses
    numpy(), and numpy(force=True) of some crashes the process: its zeros are made here."""
    if getattr(tensor, "_is_zerotensor", lambda: False)():
        return np.zeros(tuple(tensor.shape), dtype=str(tensor.dtype).split(".")[-1])
    return np.array(tensor.detach().numpy(), copy=True)


def _graph_form(root, names):
    """The graph below ``root`` as rows, numbered breadth first in ``next_functions`` order:
    ``(name, ((child number or None, output_nr), ...))``, and the path that reaches each row.

    Equal forms mean the same names, the same edges in the same order and the same sharing;
    an AccumulateGrad row names the variable it accumulates into."""
    if root is None:
        return None
    numbers, order, paths, rows = {id(root): 0}, [root], [""], []
    for node, path in zip(order, paths):  # both lists grow while we walk
        children = []
        for position, (child, output_nr) in enumerate(node.next_functions):
            if child is None:
                children.append((None, output_nr))
                continue
            if id(child) not in numbers:
                numbers[id(child)] = len(order)
                order.append(child)
                paths.append(f"{path}.next_functions[{position}][0]")
            children.append((numbers[id(child)], output_nr))
        rows.append((_node_name(node, names), tuple(children)))
    return {"rows": rows, "paths": paths, "nodes": order}


def _node_name(node, names):
    name = type(node).__name__
    variable = getattr(node, "variable", None)
    if name == "AccumulateGrad" and variable is not None:
        return f"AccumulateGrad({names.get(id(variable), '?')})"
    return name


# ------------------------------------------------------------------------ comparing
@dataclass
class Mismatch:
    """The first difference between the two runs."""

    aspect: str       # "forward value", "backward .grad value", "torch raises, gradlab does not", ...
    index: int        # the statement (or checkpoint) where it shows
    expression: str   # what to print to see it
    torch_says: str
    gradlab_says: str


def compare(expected, actual, tight=True):
    """The first mismatch between PyTorch's events and gradlab's, or None.

    ``tight``: float64 values must agree to 1e-6 (relative); otherwise (a program with float32
    values, whose rounding reaches float64 results too, through tan, prod and second
    derivatives that magnify it) to 1e-3."""
    for theirs, mine in itertools.zip_longest(expected, actual):
        if theirs is None or mine is None or (theirs.index, theirs.kind) != (mine.index, mine.kind):
            return _error_parity(theirs, mine)
        if theirs.kind == "error":
            if theirs.name != mine.name:
                return Mismatch("different error type", theirs.index, "", theirs.detail, mine.detail)
            return None
        found = _compare_snapshots(theirs.name, theirs.index, theirs.detail, mine.detail, tight)
        if found:
            return found
    return None


def _error_parity(theirs, mine):
    torch_first = mine is None or (theirs is not None and theirs.index < mine.index)
    if torch_first:  # torch stopped (or reached a checkpoint) before gradlab did
        if theirs.kind == "error":
            return Mismatch("torch raises, gradlab does not", theirs.index, "", theirs.detail, "no error")
        return Mismatch("gradlab runs past the end", theirs.index, "", "", "")  # cannot happen
    if mine.kind == "error":
        return Mismatch("gradlab raises, torch does not", mine.index, "", "no error", mine.detail)
    return Mismatch("torch raises, gradlab does not", theirs.index, "", theirs.detail, "no error")


_PROPERTIES = ("error", "dtype", "shape", "value", "requires_grad", "is_leaf", "grad_fn", "output_nr", "view")


def _compare_snapshots(checkpoint, index, expected, actual, tight):
    for expression in dict.fromkeys([*expected, *actual]):
        theirs, mine = expected.get(expression, _UNDEFINED), actual.get(expression, _UNDEFINED)
        where = checkpoint + (" .grad" if expression.endswith(".grad") else "")
        if checkpoint == "second order" and _none_or_zeros(theirs) and _none_or_zeros(mine):
            continue  # a second-order gradient one graph leaves out (None) and the other computes as zeros
        if not (isinstance(theirs, dict) and isinstance(mine, dict)):  # None, or not defined
            if theirs is not mine:
                return Mismatch(f"{where} None", index, expression, _presence(theirs), _presence(mine))
            continue
        if set(theirs) == {"value"}:  # a plain Python value (the list of leaves in accumulation order)
            if theirs != mine:
                return Mismatch(f"{where} {expression}", index, expression,
                                _short(theirs["value"]), _short(mine.get("value")))
            continue
        for prop in _PROPERTIES:
            if prop == "view" and (checkpoint != "forward" or expression.endswith(".grad")):
                continue  # view or copy matters for what the program made, not for a gradient
            if not _same(prop, theirs.get(prop), mine.get(prop), tight and theirs.get("dtype") == "torch.float64"):
                mismatch = Mismatch(f"{where} {prop}", index, expression,
                                    _say(prop, theirs), _say(prop, mine))
                if prop == "grad_fn":
                    _locate_graph_difference(mismatch, theirs["grad_fn"], mine["grad_fn"])
                return mismatch
    return None


_UNDEFINED = "not defined"


def _presence(description):
    if description is None or description is _UNDEFINED:
        return str(description)
    if "error" in description:
        return f"raises {description['error']}: {description['message']}"
    return "a tensor"


def _none_or_zeros(description):
    return description is None or (isinstance(description, dict) and "value" in description
                                   and len(description) > 1 and not np.any(description["value"]))


def _same(prop, theirs, mine, tight):
    if theirs is None or mine is None:
        return theirs is mine
    if prop == "value":
        if theirs.shape != mine.shape:
            return False
        if theirs.dtype.kind not in "fc":
            return np.array_equal(theirs, mine)
        return bool(np.allclose(mine.astype(np.float64), theirs.astype(np.float64),
                                rtol=1e-6 if tight else 1e-3, atol=1e-9 if tight else 1e-5, equal_nan=True))
    if prop == "grad_fn":
        return theirs["rows"] == mine["rows"]
    return theirs == mine


def _say(prop, description):
    """One property of a described tensor, as the reproduction's comment shows it."""
    value = description.get(prop)
    if prop == "error" or "error" in description:
        return _presence(description)
    if prop == "grad_fn":
        return "None" if value is None else _row_text(value, 0)
    if prop == "value":
        return np.array2string(value, precision=6, threshold=60).replace("\n", "")
    return _short(value)


def _short(value, width=300):
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= width else text[:width] + "..."


def _row_text(form, number):
    name, children = form["rows"][number]
    names = ", ".join("None" if child is None else f"{form['rows'][child][0]}:{nr}" for child, nr in children)
    return f"{name}({names})"


def _locate_graph_difference(mismatch, theirs, mine):
    """Point the mismatch at the first node that differs: which node to print, and both sides."""
    if theirs is None or mine is None:
        return
    differing = [n for n, (row, other) in enumerate(zip(theirs["rows"], mine["rows"])) if row != other]
    if not differing:  # one graph goes on where the other stops
        mismatch.torch_says = f"{len(theirs['rows'])} nodes"
        mismatch.gradlab_says = f"{len(mine['rows'])} nodes"
        return
    number = differing[0]
    mismatch.expression += ".grad_fn" + theirs["paths"][number]
    mismatch.torch_says = _row_text(theirs, number)
    mismatch.gradlab_says = _row_text(mine, number)
    if _tree(theirs, 0) == _tree(mine, 0):
        mismatch.aspect = mismatch.aspect.replace("grad_fn", "grad_fn sharing")
    elif len(mismatch.torch_says) < 200:
        small = graph_edges(theirs["nodes"][number])
        if len(repr(small)) < 300:
            mismatch.torch_says += f"  [graph_edges: {small}]"


def _tree(form, number, depth=0):
    """The graph as a tree (sharing forgotten), cut at depth 12."""
    name, children = form["rows"][number]
    if depth > 12:
        return name
    return (name, tuple((None if c is None else _tree(form, c, depth + 1), nr) for c, nr in children))


# ------------------------------------------------------------------------ checking one program
def check(statements):
    """Run the program with PyTorch and with gradlab; the first mismatch, or None."""
    import torch
    tight = not any("float32" in s.source or ".float()" in s.source for s in statements)
    return compare(run(statements, torch), run(statements, gradlab), tight)


def reproduction(statements, mismatch):
    """The program up to the mismatch, then a line that prints it with both answers beside it."""
    lines = render(statements[:mismatch.index]).splitlines()
    if mismatch.aspect.endswith(("raises, gradlab does not", "raises, torch does not", "error type")):
        lines.append(f"{statements[mismatch.index].source}")
        lines[-1] += f"  # torch: {mismatch.torch_says} | gradlab: {mismatch.gradlab_says}"
    else:
        prop = mismatch.aspect.rsplit(" ", 1)[-1]
        expression = mismatch.expression
        shown = {"dtype": f"{expression}.dtype", "shape": f"{expression}.shape",
                 "requires_grad": f"{expression}.requires_grad", "is_leaf": f"{expression}.is_leaf",
                 "output_nr": f"{expression}.output_nr", "view": f"{expression}._base is not None",
                 "None": expression, "missing": expression}.get(prop, expression)
        if "grad_fn" in mismatch.aspect:
            shown = f"{expression}, {expression}.next_functions" if ".grad_fn" in expression else \
                f"{expression}.grad_fn"
        lines.append(f"print({shown})")
        lines.append(f"# torch:   {mismatch.torch_says}")
        lines.append(f"# gradlab: {mismatch.gradlab_says}")
    return "\n".join(lines)


def shrink(statements, mismatch, budget=400):
    """Drop statements (chunks, then single ones) and loss terms while a mismatch of the same
    aspect remains; at most ``budget`` candidate programs are run."""
    statements = list(statements[:mismatch.index + 1])
    checks = 0

    def attempt(candidate):
        nonlocal statements, mismatch, checks
        checks += 1
        found = _still(candidate, mismatch)
        if found:
            statements, mismatch = candidate[:found.index + 1], found
        return found is not None

    progress = True
    while progress and checks < budget:
        progress = False
        chunk = max(1, len(statements) // 2)
        while chunk >= 1 and checks < budget:
            start = len(statements) - chunk
            while start >= 0 and checks < budget:
                progress |= attempt(statements[:start] + statements[start + chunk:])
                start -= chunk
            chunk //= 2
        simpler = [statements[:position] + [line] + statements[position + 1:]
                   for position, statement in enumerate(statements) for line in _simplifications(statement)]
        progress |= any(checks < budget and attempt(candidate) for candidate in simpler)  # stops at the first
    return statements, mismatch


def _simplifications(statement):
    """Simpler versions of a tail line: the loss with a term fewer, ``autograd.grad`` of fewer leaves."""
    source = statement.source
    if source.startswith("loss = "):
        terms = source[len("loss = "):].split(" + ")
        return [Statement("loss = " + " + ".join(terms[:i] + terms[i + 1:]), statement.kind)
                for i in range(len(terms))] if len(terms) > 1 else []
    found = re.match(r"(gs = torch\.autograd\.grad\(loss, \[)(.*?)(\].*)", source)
    if found and ", " in found.group(2):
        leaves = found.group(2).split(", ")
        return [Statement(found.group(1) + ", ".join(leaves[:i] + leaves[i + 1:]) + found.group(3), statement.kind)
                for i in range(len(leaves))]
    return []


def _still(candidate, mismatch):
    """The candidate's mismatch when it is of the same aspect (and the same errors), else None."""
    if not candidate or (mismatch.expression and not any(s.checkpoint for s in candidate)):
        return None
    try:
        found = check(candidate)
    except Exception:  # a candidate the comparison cannot look at
        return None
    if found is None or found.aspect != mismatch.aspect:
        return None
    if "NameError" in found.torch_says + found.gradlab_says:  # a dropped definition
        return None
    if not mismatch.expression and (_error_type(found.torch_says), _error_type(found.gradlab_says)) != \
            (_error_type(mismatch.torch_says), _error_type(mismatch.gradlab_says)):
        return None
    return found


def _error_type(text):
    return text.split(":", 1)[0]


_TAIL_KINDS = {"leaf", "constant", "checkpoint", "loss", "backward", "second-backward", "grad-create_graph",
               "second-order", "leaf-order", "third-backward"}


def category(statements, mismatch):
    """A name for the kind of mismatch, to count alike ones together.

    Errors: the raising line's kind and both error types. grad_fn: the node names that differ.
    A forward property: the kind of the line that last wrote the variable. Otherwise (gradients):
    the kinds of the lines the shrunk program still needs."""
    aspect = mismatch.aspect
    if not mismatch.expression:  # error parity
        return (f"{aspect} | {statements[mismatch.index].kind} | "
                f"{_error_type(mismatch.torch_says)} vs {_error_type(mismatch.gradlab_says)}")
    if "grad_fn" in aspect:
        theirs, mine = (text.split("  [")[0] for text in (mismatch.torch_says, mismatch.gradlab_says))
        if theirs.split("(")[0] != mine.split("(")[0]:
            theirs, mine = theirs.split("(")[0], mine.split("(")[0]
        return f"{aspect} | torch {theirs} vs gradlab {mine}"
    if aspect.endswith(" order"):
        return aspect
    variable = re.match(r"\w+", mismatch.expression).group()
    if aspect.startswith("forward ") and ".grad" not in aspect:
        writers = [s.kind for s in statements[:mismatch.index] if re.search(
            rf"(^|: |, ){variable}\b(?!\.grad)[^=]*(=|\.\w+_\()", s.source)]
        if writers:
            return f"{aspect} | {writers[-1]}"
    kinds = sorted({s.kind for s in statements if s.kind not in _TAIL_KINDS})
    return f"{aspect} | {' '.join(kinds) or '-'}"


# ------------------------------------------------------------------------ generating
def _literal(value):
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


def _nested(values, shape):
    """``values`` (flat) as a nested list literal of ``shape``."""
    if not shape:
        return _literal(values[0])
    size = len(values) // shape[0] if shape[0] else 0
    return "[" + ", ".join(_nested(values[i * size:(i + 1) * size], shape[1:]) for i in range(shape[0])) + "]"


def _is_variable(text):
    """``v3``, ``x0.sum()``: an expression on a variable, not a number such as ``-1.5`` or ``nan``."""
    return re.match(r"[a-z]\d+\b", text) is not None


_NUMBERS = ("2", "0.5", "-1.5", "3", "0", "1e-3", "-2", "1", "2.5", "-0.5")
_POLES = ("log", "sqrt", "rsqrt", "reciprocal")  # 1/x at 0 in the value or the derivative
_UNARY = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "round", "sign",
          "log1p", "expm1", "rsqrt", "tan", "square", "reciprocal", "floor", "ceil", "trunc", "neg")


class _Generator:
    """Builds one random program, running each line in PyTorch as it goes to know the shapes.

    A line PyTorch refuses is usually dropped and another tried; now and then it is kept and
    ends the forward part (that is how error parity is exercised)."""

    def __init__(self, seed, inplace, second_order, exclude=()):
        import torch
        self.torch = torch
        self.rng = random.Random(seed)
        self.with_inplace, self.with_second_order = inplace, second_order
        self.exclude = frozenset(exclude)
        self.namespace = {"torch": torch, "nan": math.nan, "inf": math.inf}
        self.statements = []
        self.counter = itertools.count()
        self.ended = False
        self.made_at_version = {}
        self.split_views = set()  # the outputs of split, chunk and unbind
        self.matmul_storages = set()  # the memory of matmul operands
        self.gather_storages = set()  # of gather's input
        self.data_storages = set()  # of tensors made with .data

    # -------------------------------------------------------------- plumbing
    def allowed(self, feature):
        """Whether ``feature`` (a generator feature or a kind of line) is not excluded, in general
        or (``feature@second-order``) in this graph when it has the second-order tail."""
        if self.with_second_order and feature + "@second-order" in self.exclude:
            return False
        return feature not in self.exclude

    def emit(self, source, kind, keep_error=0.08):
        """Run ``source`` in PyTorch and keep it; a refused line is kept only sometimes (it ends the program).

        A kind of line that is excluded (``kind``, or ``kind@second-order`` in a graph with the
        second-order tail) is not emitted."""
        if not self.allowed(kind):
            return False
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(_compiled(source), self.namespace)
        except Exception:
            if self.rng.random() < keep_error and self.allowed("torch-errors"):
                self.statements.append(Statement(source, kind))
                self.ended = True
                return True
            return False
        self.statements.append(Statement(source, kind))
        for name, value in self.namespace.items():  # the version each variable was made at
            if isinstance(value, self.torch.Tensor) and name not in self.made_at_version:
                self.made_at_version[name] = value._version
        return True

    def stale_view(self, name):
        """A view variable whose memory was written in place since it was made (through it or another view)."""
        tensor = self.value(name)
        return tensor._base is not None and tensor._version != self.made_at_version.get(name)

    def name(self, prefix="v"):
        return f"{prefix}{next(self.counter)}"

    def value(self, name):
        return self.namespace[name]

    def tensors(self, test=lambda t: t.is_floating_point()):
        """The names of the tensor variables that pass ``test`` (and may be used)."""
        return [n for n, v in self.namespace.items()
                if n not in _NOT_VARIABLES and isinstance(v, self.torch.Tensor) and _passes(test, v)
                and (n not in self.split_views or self.allowed("stale-split-view") or not self.stale_view(n))
                and (v.numel() or self.allowed("empty-tensors"))]

    def pick(self, test=lambda t: t.is_floating_point(), among=None):
        """A tensor variable's name (of those ``among`` when given), recent ones more often:
        graphs grow deep as well as wide."""
        names = self.tensors(test) if among is None else [n for n in among if _passes(test, self.value(n))]
        if not names:
            return None
        if self.rng.random() < 0.5:
            return self.rng.choice(names[-3:])
        return self.rng.choice(names)

    def choice(self, options):
        return self.rng.choice(options)

    def coin(self, p=0.5):
        return self.rng.random() < p

    def number(self):
        if self.coin(0.05) and self.allowed("nan-inf-values"):
            return self.choice(("nan", "inf", "-inf"))
        return self.choice(_NUMBERS)

    def values(self, count, special=0.25):
        values = []
        for _ in range(count):
            r = self.rng.random()
            if r < 0.55:
                values.append(round(self.rng.uniform(-2, 2), 2))  # -0.0 too, now and then
            elif r < 0.85:
                values.append(self.choice((-2.0, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)))  # ties
            else:
                values.append(0.0)
        if count and self.coin(special) and self.allowed("nan-inf-values"):
            values[self.rng.randrange(count)] = self.choice((math.nan, math.inf, -math.inf))
        return values

    def shape(self, max_rank=3):
        rank = self.choice([0, 1, 1, 2, 2, 2, 3, 3][: 2 + 2 * max_rank])
        return tuple(self.choice((1, 2, 2, 3, 3, 4)) for _ in range(rank))

    def leaf(self, shape, dtype=None, requires_grad=True, prefix="x", special=0.25):
        dtype = dtype or ("float32" if self.coin(0.2) and self.allowed("float32") else "float64")
        name = self.name(prefix)
        nested = _nested(self.values(math.prod(shape), special), shape)
        flag = ", requires_grad=True" if requires_grad else ""
        self.emit(f"{name} = torch.tensor({nested}, dtype=torch.{dtype}{flag})", "leaf" if requires_grad
                  else "constant")
        return name

    def constant(self):
        shape = self.shape()
        name = self.name("c")
        dims = ", ".join(map(str, shape))
        form = self.choice(("ones", "zeros", "full", "literal"))
        if form == "literal" or not shape:
            return self.leaf(shape, requires_grad=False, prefix="c")
        source = (f"{name} = torch.full(({dims},), 1.5, dtype=torch.float64)" if form == "full"
                  else f"{name} = torch.{form}({dims}, dtype=torch.float64)")
        self.emit(source, "constant")
        return name

    def partner(self, name, fits_into=False):
        """Something to combine with ``name`` by broadcasting: a variable, a new leaf or a Python number."""
        shape = tuple(self.value(name).shape)
        r = self.rng.random()
        if r < 0.2:
            return self.number()
        if r < 0.6:
            def fits(t):
                try:
                    out = self.torch.broadcast_shapes(tuple(t.shape), shape)
                except RuntimeError:
                    return False
                return t.is_floating_point() and (out == shape if fits_into else math.prod(out) <= MAX_NUMEL)
            other = self.pick(fits)
            if other is not None:
                return other
        return self.leaf(self.broadcast_shape(shape, grow=not fits_into), requires_grad=self.coin(0.7))

    def broadcast_shape(self, shape, grow=True):
        """A shape that broadcasts with ``shape``: a suffix of it, some sizes set to 1, maybe a new dim."""
        kept = shape[self.rng.randrange(len(shape) + 1):] if shape else ()
        new = tuple(1 if self.coin(0.3) else s for s in kept)
        if grow and self.coin(0.15) and len(new) < 4 and math.prod(shape) * 2 <= MAX_NUMEL:
            new = (2,) + new
        return new

    def dim(self, ndim, allow_none=False):
        if allow_none and self.coin(0.3):
            return None
        if ndim == 0:
            return self.choice((0, -1))
        return self.rng.randrange(-ndim, ndim)

    def dims(self, ndim):
        """A tuple of distinct dims."""
        if ndim == 0:
            return (0,)
        return tuple(self.rng.sample(range(ndim), self.rng.randint(1, ndim)))

    def kw(self, **options):
        return "".join(f", {k}={v}" for k, v in options.items() if v is not None)

    # -------------------------------------------------------------- op families
    def arithmetic(self):
        a = self.pick()
        b = self.partner(a)
        forms = [("{a} + {b}", "add"), ("{a} - {b}", "sub"), ("{a} * {b}", "mul"), ("{a} / {b}", "div"),
                 ("{b} - {a}", "rsub"), ("{b} / {a}", "rdiv"), ("{b} * {a}", "mul"), ("torch.add({a}, {b})", "add"),
                 ("torch.mul({a}, {b})", "mul"), ("torch.div({a}, {b})", "div"), ("torch.sub({a}, {b})", "sub")]
        if _is_variable(b):
            forms += [("{a} ** {b}", "pow"), ("{a}.add({b}, alpha=-0.5)", "add-alpha"),
                      ("{a}.sub({b}, alpha=2)", "sub-alpha"), ("torch.maximum({a}, {b})", "maximum"),
                      ("torch.minimum({a}, {b})", "minimum")]
        else:
            exponent = self.choice(("2", "3", "0.5", "-1", "0", "1.5"))
            forms = [(form, kind + "-number") for form, kind in forms] + [
                (f"{{a}} ** {exponent}", "pow-number"), ("{b} ** {a}", "rpow-number"),
                ("torch.pow({a}, {b})", "pow-number"), ("-{a}", "neg")]
        form, kind = self.choice(forms)
        if kind == "pow" and self.value(a).dtype != self.value(b.split(".")[0]).dtype:
            kind = "pow-mixed-dtypes"  # float32 ** float64
        power = exponent if kind == "pow-number" and "**" in form else b
        if kind.startswith("pow") and not self.allowed("fractional-power-of-minus-inf") and \
                self.fractional_power_of_minus_inf(a, power):
            return False
        denominator = {"div": b, "rdiv": a, "div-number": b, "rdiv-number": a}.get(kind)
        if denominator is not None and self.zero_at_pole(denominator):
            return False
        if kind.startswith("pow") and not self.allowed("zero-at-pole") and (
                _is_variable(power) or float(power) < 1) and self.zero_at_pole(a):
            return False
        return self.emit(f"{self.name()} = {form.format(a=a, b=b)}", kind)

    def zero_at_pole(self, expression):
        """Whether ``expression`` (a variable, an expression on one, or a number) holds an exact zero,
        to keep out of 1/x and the like when ``zero-at-pole`` is excluded."""
        if self.allowed("zero-at-pole"):
            return False
        if not _is_variable(expression):
            return abs(float(expression)) < 1e-9
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bool((eval(expression, self.namespace).abs() < 1e-9).any())  # 1e-17 is a rounded 0

    def overlaps(self, value, target, written):
        """Whether ``value`` (an operand) shares memory with ``target`` without being it, when
        ``operand-overlaps-target`` is excluded."""
        if self.allowed("operand-overlaps-target") or not _is_variable(value) or value == target:
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            operand = eval(value, self.namespace)
        return operand.untyped_storage().data_ptr() == written.untyped_storage().data_ptr()

    def fractional_power_of_minus_inf(self, name, exponent):
        """x ** p where x holds -inf and p (a number, or a tensor) is not a whole number."""
        powers = self.value(exponent) if _is_variable(exponent) else self.torch.tensor(float(exponent))
        return bool((powers != powers.round()).any()) and bool((self.value(name) == -math.inf).any())

    def unary(self):
        a = self.pick()
        op = self.choice(_UNARY)
        v = self.name()
        if op == "neg":
            return self.emit(f"{v} = {a}.neg()" if self.coin() else f"{v} = -{a}", "neg")
        if op == "abs" and not self.allowed("sgn-derivative"):
            return False
        if op in _POLES and self.zero_at_pole(a):
            return False
        return self.emit(f"{v} = torch.{op}({a})" if self.coin() else f"{v} = {a}.{op}()", op)

    def clamp(self):
        a = self.pick()
        v = self.name()
        low, high = sorted((float(self.choice(_NUMBERS)), float(self.choice(_NUMBERS))))
        if self.coin(0.35):
            grow = self.allowed("clamp-bounds-broadcast-input")  # bounds of a bigger shape than the input
            low_bound = self.partner(a, fits_into=not grow)
            if not _is_variable(low_bound):
                low_bound = self.leaf(self.broadcast_shape(tuple(self.value(a).shape), grow=False))
            high_bound = self.partner(a, fits_into=not grow)
            if not _is_variable(high_bound) and not self.allowed("clamp-tensor-and-number"):
                high_bound = low_bound
            form = self.choice((f"torch.clamp({a}, min={low_bound})", f"torch.clamp({a}, max={low_bound})",
                                f"{a}.clamp({low_bound}, {high_bound})"))
            return self.emit(f"{v} = {form}", "clamp-tensor")
        form = self.choice((f"torch.clamp({a}, {low}, {high})", f"{a}.clamp(min={low})", f"{a}.clamp(max={high})",
                            f"{a}.clamp_min({low})", f"{a}.clamp_max({high})", f"torch.clip({a}, {low}, {high})"))
        return self.emit(f"{v} = {form}", "clamp")

    def mask(self):
        a = self.pick()
        m = self.name("m")
        form = self.choice((f"{a} > {self.choice(_NUMBERS)}", f"{a} <= 0", f"{a} == {a}", f"torch.isnan({a})",
                            f"torch.isfinite({a})", f"{a} < {self.partner(a)}", f"~({a} > 0)"))
        return self.emit(f"{m} = {form}", "mask")

    def _mask_for(self, a):
        shape = tuple(self.value(a).shape)
        existing = self.pick(lambda t: t.dtype == self.torch.bool
                             and self._broadcasts(tuple(t.shape), shape))
        if existing and self.coin(0.6):
            return existing
        return self.choice((f"{a} > 0", f"{a} < 0.5", f"{a}.isnan()", f"({a} == {a})"))

    def _broadcasts(self, small, shape):
        try:
            return self.torch.broadcast_shapes(small, shape) == shape
        except RuntimeError:
            return False

    def select(self):
        """where / masked_fill."""
        a = self.pick()
        v = self.name()
        mask = self._mask_for(a)
        if self.coin():
            other = self.partner(a)
            first, second = (a, other) if self.coin() else (other, a)
            return self.emit(f"{v} = torch.where({mask}, {first}, {second})", "where")
        if self.coin(0.3):
            value = self.pick(lambda t: t.dim() == 0 and t.is_floating_point()) or f"{a}.sum()"
            return self.emit(f"{v} = {a}.masked_fill({mask}, {value})", "masked_fill-tensor")
        return self.emit(f"{v} = {a}.masked_fill({mask}, {self.choice(_NUMBERS + ('nan',))})", "masked_fill")

    def reduction(self):
        a = self.pick()
        t = self.value(a)
        nd = t.dim()
        v = self.name()
        op = self.choice(("sum", "mean", "max", "min", "amax", "amin", "prod", "norm", "var", "std",
                          "logsumexp", "softmax", "log_softmax", "max", "sum"))
        keep = self.choice((None, "True", "False"))
        if op in ("softmax", "log_softmax"):
            d = self.dim(nd)
            form = self.choice((f"{a}.{op}({d})", f"torch.{op}({a}, dim={d})",
                                f"torch.nn.functional.{op}({a}, dim={d})"))
            return self.emit(f"{v} = {form}", op)
        if op in ("max", "min"):
            if self.coin(0.35):
                return self.emit(f"{v} = {a}.{op}()", f"{op}-all")
            d = self.dim(nd)
            k = self.name("k")
            form = self.choice((f"{v} = {a}.{op}({d}{self.kw(keepdim=keep)})[0]",
                                f"{v} = torch.{op}({a}, dim={d}{self.kw(keepdim=keep)}).values",
                                f"{v}, {k} = {a}.{op}({d}{self.kw(keepdim=keep)})"))
            return self.emit(form, f"{op}-dim")
        if op == "prod":
            zeros = "-with-zeros" if bool((t == 0).any()) else ""  # prod's backward then takes another way
            if self.coin(0.4):
                return self.emit(f"{v} = {a}.prod()", f"prod-all{zeros}")
            return self.emit(f"{v} = {a}.prod({self.dim(nd)}{self.kw(keepdim=keep)})", f"prod-dim{zeros}")
        if op == "logsumexp":
            d = self.dims(nd) if self.coin(0.3) else self.dim(nd)
            return self.emit(f"{v} = torch.logsumexp({a}, {d}{self.kw(keepdim=keep)})", "logsumexp")
        d = self.choice((None, self.dim(nd), self.dims(nd)))
        if op == "norm":
            p = self.choice((None, "1", "2", "3", "inf", "'fro'"))
            if p == "'fro'" and isinstance(d, int):
                p = None
            if p in ("1", "inf") and not self.allowed("sgn-derivative"):
                return False
            return self.emit(f"{v} = {a}.norm({self.kw(p=p, dim=d, keepdim=keep if d is not None else None)[2:]})",
                             "norm" if d is None else "norm-dim")
        if op in ("var", "std"):
            extra = self.choice(("", ", unbiased=False", ", correction=0", ", correction=2"))
            call, kind = f"{a}.{op}({d}{extra}{self.kw(keepdim=keep)})", f"{op}-dim"
            if d is None:
                extra = self.choice(("", ", unbiased=False"))
                call, kind = f"{a}.{op}({extra[2:]})", op
            if not self.spread_is_clear(a, call, extra):
                return False
            return self.emit(f"{v} = {call}", kind)
        if op in ("amax", "amin"):
            if d is None:
                return self.emit(f"{v} = {a}.{op}()", f"{op}-all")
            return self.emit(f"{v} = torch.{op}({a}, {d}{self.kw(keepdim=keep)})", f"{op}-dim" if nd else f"{op}-0d")
        if d is None:
            return self.emit(f"{v} = {a}.{op}()", f"{op}-all")
        return self.emit(f"{v} = {a}.{op}({d}{self.kw(keepdim=keep)})", f"{op}-dim")

    def spread_is_clear(self, name, call, extra):
        """Whether var/std may be generated: not with no degrees of freedom left (``std-var-no-dof``)
        nor (``std-zero-spread``) over equal values, where std's gradient (x - mean) / std is
        0 / 0 and rounding in the mean decides it."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = eval(call, self.namespace)
        except Exception:
            return True  # emit finds out
        reduced = self.value(name).numel() // max(1, result.numel())
        correction = 0 if "=0" in extra or "False" in extra else 2 if "=2" in extra else 1
        if reduced - correction <= 0 and not self.allowed("std-var-no-dof"):
            return False
        variance = result if "var" in call.split("(")[0] else result ** 2
        return self.allowed("std-zero-spread") or not bool((variance.abs() < 1e-20).any())

    def reshape_shape(self, numel):
        dims = []
        rest = numel
        while rest > 1 and len(dims) < 3:
            factor = self.choice([f for f in range(1, rest + 1) if rest % f == 0])
            dims.append(factor)
            rest //= factor
        if rest > 1:
            dims.append(rest)
        self.rng.shuffle(dims)
        if self.coin(0.2):
            dims.insert(self.rng.randrange(len(dims) + 1), 1)
        if dims and self.coin(0.3):
            dims[self.rng.randrange(len(dims))] = -1
        return dims

    def shape_op(self):
        a = self.pick()
        t = self.value(a)
        nd = t.dim()
        shape = tuple(t.shape)
        v = self.name()
        op = self.choice(("reshape", "view", "transpose", "permute", "unsqueeze", "squeeze", "expand",
                          "flatten", "narrow", "split", "chunk", "unbind", "select", "t", "contiguous",
                          "clone", "repeat", "view", "reshape", "mT"))
        if op in ("reshape", "view"):
            dims = self.reshape_shape(t.numel())
            text = ", ".join(map(str, dims)) if self.coin() else "(" + "".join(f"{d}, " for d in dims) + ")"
            return self.emit(f"{v} = {a}.{op}({text})", op)
        if op == "transpose":
            return self.emit(f"{v} = {a}.transpose({self.dim(nd)}, {self.dim(nd)})", op)
        if op == "permute" and (nd or self.allowed("permute-no-dims")):
            order = list(range(nd))
            self.rng.shuffle(order)
            return self.emit(f"{v} = {a}.permute({', '.join(map(str, order))})" if self.coin()
                             else f"{v} = torch.permute({a}, {tuple(order)})", op)
        if op == "unsqueeze":
            return self.emit(f"{v} = {a}.unsqueeze({self.rng.randint(-nd - 1, nd)})", op)
        if op == "squeeze":
            return self.emit(f"{v} = {a}.squeeze({'' if self.coin(0.4) else self.dim(nd)})", op)
        if op == "expand":
            sizes = [self.choice((2, 3)) if s == 1 else self.choice((s, -1)) for s in shape]
            if self.coin(0.3) or not sizes:
                sizes.insert(0, 2)
            if math.prod(abs(s) for s in sizes) > MAX_NUMEL:
                return False
            return self.emit(f"{v} = {a}.expand({', '.join(map(str, sizes))})", op)
        if op == "flatten":
            start = self.dim(nd)
            return self.emit(f"{v} = {a}.flatten({'' if self.coin(0.4) else f'{start}'})"
                             if self.coin() else f"{v} = torch.flatten({a}, {start}, {self.dim(nd)})", op)
        if op in ("narrow", "select") and nd:
            d = self.dim(nd)
            size = shape[d]
            start = self.rng.randrange(size)
            if op == "select":
                return self.emit(f"{v} = {a}.select({d}, {start - size if self.coin(0.3) else start})", op)
            return self.emit(f"{v} = {a}.narrow({d}, {start}, {self.rng.randint(1, size - start)})", op)
        if op in ("split", "chunk", "unbind") and nd:
            d = self.dim(nd)
            if op == "split":
                size = shape[d]
                if self.coin(0.3) and size > 1:
                    cut = self.rng.randint(1, size - 1)
                    call = f"{a}.split([{cut}, {size - cut}], {d})"
                else:
                    call = f"{a}.split({self.rng.randint(1, max(1, size))}, dim={d})"
            elif op == "chunk":
                call = f"torch.chunk({a}, {self.rng.randint(1, 3)}, {d})"
            else:
                call = f"{a}.unbind({d})"
            try:
                count = len(eval(call, self.namespace))
            except Exception:
                return False
            if count > 4:
                return self.emit(f"{v} = {call}[{self.rng.randrange(count)}]", op)
            names = [self.name() for _ in range(count)]
            self.split_views.update(names)
            return self.emit(f"{', '.join(names)}{',' if count == 1 else ''} = {call}", op)
        if op == "t" and nd <= 2:
            return self.emit(f"{v} = {a}.t()" if nd < 2 or self.coin() else f"{v} = {a}.T", op)
        if op == "mT" and nd >= 2:
            return self.emit(f"{v} = {a}.mT", op)
        if op == "repeat":
            reps = [self.choice((1, 2)) for _ in range(nd + self.choice((0, 0, 1)))]
            if not reps or t.numel() * math.prod(reps) > MAX_NUMEL:
                return False
            return self.emit(f"{v} = {a}.repeat({', '.join(map(str, reps))})", "repeat" if max(reps) > 1 else "repeat-ones")
        if op in ("contiguous", "clone"):
            return self.emit(f"{v} = {a}.{op}()", op)
        return False

    def basic_index(self, shape):
        """A basic index for ``shape``: ints, slices, None, ..."""
        parts = []
        for size in shape[: self.rng.randint(1, max(1, len(shape)))]:
            r = self.rng.random()
            if r < 0.3:
                parts.append(str(self.rng.randrange(-size, size)))
            elif r < 0.8:
                start = self.rng.randrange(size)
                stop = self.choice(("", str(self.rng.randint(start + 1, size)), "-1" if size > 1 else ""))
                step = self.choice(("", "", ":2"))
                parts.append(f"{start if start else ''}:{stop}{step}")
            else:
                parts.append(":")
        if self.coin(0.15):
            parts.insert(self.rng.randrange(len(parts) + 1), "None")
        if self.coin(0.1):
            parts.insert(0, "...")
            parts = parts[:1] + parts[1:][-1:]
        return ", ".join(parts) or "..."

    def index_tensor(self, size, unique=False, count=None, negative=True):
        """``torch.tensor([...])`` of indices below ``size``, repeated ones and (``negative``) negative ones too."""
        count = count or self.rng.randint(1, 4)
        if unique:
            picks = self.rng.sample(range(size), min(size, count))
        else:
            picks = [self.rng.randrange(size) for _ in range(count)]
            if count > 1 and self.coin(0.5):
                picks[-1] = picks[0]  # a repeated index: its gradient adds up
        picks = [p - size if self.coin(0.15) and negative else p for p in picks]
        return f"torch.tensor([{', '.join(map(str, picks))}])"

    def indexing(self):
        a = self.pick()
        t = self.value(a)
        shape = tuple(t.shape)
        v = self.name()
        if not shape:
            return self.emit(f"{v} = {a}[{self.choice(('None', '...', 'True'))}]", "index-0d")
        r = self.rng.random()
        if r < 0.4:
            return self.emit(f"{v} = {a}[{self.basic_index(shape)}]", "index-basic")
        if r < 0.65:
            d = self.rng.randrange(len(shape))
            idx = self.index_tensor(shape[d]) if self.coin(0.7) else \
                "[" + ", ".join(str(self.rng.randrange(shape[d])) for _ in range(2)) + "]"
            prefix = ":, " * d
            return self.emit(f"{v} = {a}[{prefix}{idx}]", "index-int-tensor")
        if r < 0.75 and len(shape) >= 2:
            count = self.rng.randint(1, 3)
            return self.emit(f"{v} = {a}[{self.index_tensor(shape[0], count=count)}, "
                             f"{self.index_tensor(shape[1], count=count)}]", "index-two-tensors")
        if r < 0.9:
            return self.emit(f"{v} = {a}[{self._mask_for(a)}]", "index-mask")
        if self.coin():
            d = self.rng.randrange(len(shape))
            negative = self.allowed("index_select-negative")
            return self.emit(f"{v} = torch.index_select({a}, {d}, {self.index_tensor(shape[d], negative=negative)})",
                             "index_select")
        d = self.rng.randrange(len(shape))
        out_shape = [self.rng.randint(1, s) for s in shape]
        out_shape[d] = self.rng.randint(1, 3)
        values = [self.rng.randrange(shape[d]) for _ in range(math.prod(out_shape))]
        self.gather_storages.add(t.untyped_storage().data_ptr())
        return self.emit(f"{v} = {a}.gather({d}, torch.tensor({_nested(values, out_shape)}))", "gather")

    def join(self):
        """cat / stack."""
        a = self.pick()
        shape = tuple(self.value(a).shape)
        v = self.name()
        if self.coin() or not shape:
            same = self.tensors(lambda t: tuple(t.shape) == shape and t.is_floating_point())
            others = [self.choice(same) for _ in range(self.rng.randint(1, 2))]
            parts = ", ".join([a] + others)
            if math.prod(shape) * (len(others) + 1) > MAX_NUMEL:
                return False
            return self.emit(f"{v} = torch.stack([{parts}], {self.rng.randint(-len(shape) - 1, len(shape))})", "stack")
        d = self.dim(len(shape))
        fits = self.tensors(lambda t: t.is_floating_point() and t.dim() == len(shape) and all(
            s == o for i, (s, o) in enumerate(zip(t.shape, shape)) if i != d % len(shape)))
        other = self.choice(fits)
        if self.coin(0.3):
            other = self.leaf(tuple(self.choice((1, 2)) if i == d % len(shape) else s for i, s in enumerate(shape)))
        if math.prod(shape) * 3 > MAX_NUMEL * 2:
            return False
        form = self.choice((f"torch.cat([{a}, {other}], {d})", f"torch.cat(({other}, {a}), dim={d})",
                            f"torch.cat([{a}, {other}, {a}], {d})"))
        return self.emit(f"{v} = {form}", "cat")

    def matmul(self):
        a = self.pick(lambda t: t.is_floating_point() and 1 <= t.dim() <= 4)
        if a is None:
            return False
        shape = tuple(self.value(a).shape)
        v = self.name()
        rank_b = self.choice((1, 2, 2, 3))
        if len(shape) == 1:
            inner, batch = shape[0], ()
        else:
            inner, batch = shape[-1], shape[:-2]
        k = self.choice((1, 2, 3))
        if rank_b == 1:
            other_shape = (inner,)
        else:
            other_batch = self.broadcast_shape(batch, grow=False) if batch else ()
            if rank_b == 3 and not other_batch:
                other_batch = (self.choice((1, 2)),)
            other_shape = other_batch + (inner, k)
        b = self.pick(lambda t: t.is_floating_point() and tuple(t.shape) == other_shape)
        if b is None or self.coin(0.4):
            b = self.leaf(other_shape, dtype=str(self.value(a).dtype).split(".")[1], requires_grad=self.coin(0.8),
                          special=0.1)
        forms = [f"{a} @ {b}", f"torch.matmul({a}, {b})"]
        if len(shape) == 2 and rank_b == 2:
            forms.append(f"{a}.mm({b})")
        if len(shape) == 2 and rank_b == 1:
            forms.append(f"torch.mv({a}, {b})")
        if len(shape) == 1 and rank_b == 1:
            forms += [f"torch.dot({a}, {b})", f"torch.outer({a}, {b})"]
        if len(shape) == 3 and len(other_shape) == 3 and shape[0] == other_shape[0]:
            forms.append(f"torch.bmm({a}, {b})")
        kind = f"matmul-{len(shape)}d@{rank_b}d"
        if self.coin(0.2):  # the other way round
            forms = [f"{b}.mT @ {a}.mT" if len(shape) >= 2 and rank_b >= 2 else f"{b} @ {a}"]
            kind = f"matmul-{rank_b}d@{len(shape)}d"
        self.matmul_storages |= {self.value(a).untyped_storage().data_ptr(), self.value(b).untyped_storage().data_ptr()}
        return self.emit(f"{v} = {self.choice(forms)}", kind)

    def cut(self):
        """detach, no_grad, .data, a fresh leaf made from a value."""
        a = self.pick()
        v = self.name()
        form, kind = self.choice(((f"{v} = {a}.detach()", "detach"),
                                  (f"{v} = {a}.detach().requires_grad_()", "detach-requires_grad_"),
                                  (f"{v} = {a}.data", "data"),
                                  (f"with torch.no_grad(): {v} = {a} * 2", "no_grad"),
                                  (f"with torch.no_grad(): {v} = {a}.exp()[..., :1]", "no_grad"),
                                  (f"with torch.no_grad(): {v} = {a}.sum(0) if {a}.dim() else {a} + 1", "no_grad")))
        if kind == "data":  # an alias whose in-place changes no version counter sees
            self.data_storages.add(self.value(a).untyped_storage().data_ptr())
        return self.emit(form, kind)

    def convert(self):
        a = self.pick()
        v = self.name()
        return self.emit(f"{v} = {a}.{self.choice(('float()', 'double()', 'to(torch.float64)', 'to(torch.float32)'))}",
                         "dtype-cast")

    def retain(self):
        names = [name for name in self.tensors() if self.allowed("stale-view") or not self.stale_view(name)]
        a = self.pick(lambda t: t.grad_fn is not None, names)
        if a is None:
            return False
        return self.emit(f"{a}.retain_grad()", "retain_grad")

    # -------------------------------------------------------------- in place
    def inplace_target(self):
        """A tensor to write into: a variable (a non-leaf, a constant) or a view of one."""
        views = self.allowed("inplace-into-view")
        names = [name for name in self.tensors() if self.writable(name, views)]
        a = self.pick(lambda t: t.grad_fn is not None or not t.requires_grad, names)
        if a is None or self.coin(0.04):
            a = self.pick(lambda t: True, names)  # now and then a leaf that requires grad: PyTorch refuses
            if a is None:
                return None
        shape = tuple(self.value(a).shape)
        if not shape or self.coin(0.5) or not views:
            return a
        return self.choice([f"{a}[{self.basic_index(shape)}]", f"{a}.view(-1)[{self.rng.randrange(math.prod(shape))}:]",
                            f"{a}.unsqueeze(0)[0]", f"{a}.narrow(0, 0, 1)", f"{a}.transpose(0, -1)", f"{a}[0]",
                            f"{a}.t()" if len(shape) <= 2 else f"{a}.select(1, 0)"])

    def writable(self, name, views):
        """Whether the generator may write into ``name`` in place, given what is excluded."""
        tensor = self.value(name)
        if not views and tensor._base is not None:
            return False
        memory = tensor.untyped_storage().data_ptr()
        return ((memory not in self.matmul_storages or self.allowed("inplace-into-matmul-input"))
                and (memory not in self.gather_storages or self.allowed("inplace-into-gather-input"))
                and (memory not in self.data_storages or self.allowed("inplace-through-data")))

    def value_for(self, target_shape):
        """An operand that broadcasts into ``target_shape`` (never beyond it)."""
        r = self.rng.random()
        if r < 0.25:
            return self.number()
        if r < 0.4:
            scalar = self.pick(lambda t: t.is_floating_point() and t.requires_grad)
            if scalar:
                return f"{scalar}.sum()"
        fits = self.pick(lambda t: t.is_floating_point() and self._broadcasts(tuple(t.shape), target_shape))
        if fits and self.coin(0.6):
            return fits
        return self.leaf(self.broadcast_shape(target_shape, grow=False), requires_grad=self.coin(0.8))

    def inplace(self):
        target = self.inplace_target()
        if target is None:
            return False
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                written = eval(target, self.namespace)
        except Exception:
            return False
        shape, is_view = tuple(written.shape), written._base is not None
        where = "@view" if is_view else ""
        op = self.choice(("add_", "sub_", "mul_", "div_", "clamp_", "pow_", "zero_", "fill_", "copy_",
                          "round_", "+=", "-=", "*=", "/=", "setitem", "setitem", "setitem"))
        if op in ("fill_", "zero_", "copy_", "setitem") and not self.allowed("write-into-expanded") and any(
                stride == 0 and size > 1 for stride, size in zip(written.stride(), written.shape)):
            return False
        if op == "setitem":
            return self.setitem(target, shape, where)
        if op in ("+=", "-=", "*=", "/="):
            if not (re.fullmatch(r"[a-z]\d+", target) or target.endswith("]")):
                return False  # x.t() += 1 is not Python
            value = self.value_for(shape)
            if self.overlaps(value, target, written) or (op == "/=" and self.zero_at_pole(value)):
                return False
            return self.emit(f"{target} {op} {value}", f"{op}{where}")
        if op in ("add_", "sub_", "mul_", "div_", "copy_"):
            value = self.value_for(shape)
            if op == "copy_" and not _is_variable(value):
                value = self.leaf(self.broadcast_shape(shape, grow=False))
            if self.overlaps(value, target, written) or (op == "div_" and self.zero_at_pole(value)):
                return False
            alpha = self.choice(("", "", ", alpha=2")) if op in ("add_", "sub_") else ""
            return self.emit(f"{target}.{op}({value}{alpha})", f"{op}{where}")
        if op == "clamp_":
            low = self.choice(_NUMBERS)
            return self.emit(f"{target}.clamp_({low})" if self.coin() else f"{target}.clamp_(max={low})",
                             f"clamp_{where}")
        if op == "pow_":
            exponent = self.choice(("2", "0.5", "3"))
            if exponent == "0.5" and ((not self.allowed("fractional-power-of-minus-inf")
                                       and bool((written == -math.inf).any())) or self.zero_at_pole(target)):
                return False
            return self.emit(f"{target}.pow_({exponent})", f"pow_{where}")
        if op == "fill_":
            value = self.choice(_NUMBERS)
            if self.coin(0.4):
                scalar = self.pick(lambda t: t.is_floating_point() and t.dim() == 0)
                value = scalar or value
            return self.emit(f"{target}.fill_({value})", f"fill_{where}")
        return self.emit(f"{target}.{op}()", f"{op}{where}")

    def setitem(self, target, shape, where):
        if not shape:
            return self.emit(f"{target}[...] = {self.value_for(())}", f"setitem-0d{where}")
        r = self.rng.random()
        if r < 0.5:
            index, kind = self.basic_index(shape), "setitem-basic"
        elif r < 0.8:
            d = self.rng.randrange(len(shape))
            index, kind = ":, " * d + self.index_tensor(shape[d], unique=True), "setitem-int-tensor"
        else:
            base = target if "[" not in target and "." not in target else None
            if base is None:
                return False
            index, kind = self._mask_for(base), "setitem-mask"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                region = eval(f"{target}[{index}]", self.namespace)
        except Exception:
            return False
        value = self.value_for(tuple(region.shape)) if kind != "setitem-mask" else self.choice(
            (self.number(), f"{self.pick()}.sum()"))
        if self.overlaps(value, f"{target}[{index}]", region):
            return False
        return self.emit(f"{target}[{index}] = {value}", f"{kind}{where}")

    # -------------------------------------------------------------- the whole program
    def families(self):
        table = [(self.arithmetic, 14), (self.unary, 12), (self.clamp, 4), (self.mask, 3), (self.select, 5),
                 (self.reduction, 13), (self.shape_op, 13), (self.indexing, 9), (self.join, 4), (self.matmul, 5),
                 (self.cut, 3), (self.convert, 2), (self.retain, 3)]
        if self.with_inplace:
            table.append((self.inplace, 22))
        return table

    def program(self):
        for _ in range(self.rng.randint(1, 3)):
            self.leaf(self.shape())
        if self.coin(0.5 if self.with_inplace else 0.2):
            self.constant()
        table = self.families()
        functions, weights = zip(*table)
        for _ in range(self.rng.randint(2, 14)):
            for _attempt in range(8):
                if self.ended:
                    break
                try:
                    if self.rng.choices(functions, weights)[0]():
                        break
                except (IndexError, ValueError, RuntimeError):
                    continue  # an op that does not fit this graph's shapes, or a view PyTorch refuses to look at
            if self.ended:
                break
        self.statements.append(_checkpoint("forward"))
        if not self.ended:
            self.tail()
        return self.statements

    def _sinks(self):
        """Tensors that require grad and that no later line uses: the graph's outputs."""
        later = " ".join(s.source for s in self.statements)
        names = self.tensors(lambda t: t.is_floating_point() and t.requires_grad and t.numel() <= MAX_NUMEL)
        sinks = [n for n in names if len(re.findall(rf"\b{n}\b", later)) == 1]
        return sinks or names

    def tail(self):
        sinks = self._sinks()
        if not sinks:
            return
        terms = []
        for name in self.rng.sample(sinks, min(len(sinks), self.rng.randint(1, 3))):
            t = self.value(name)
            if self.coin(0.6) and t.dim():
                w = self.leaf(tuple(t.shape), dtype=str(t.dtype).split(".")[1], requires_grad=False, prefix="w",
                              special=0.0)
                terms.append(f"({name} * {w}).sum()")
            else:
                terms.append(self.choice((f"{name}.sum()", f"{name}.mean()", f"{name}.sum() * 0.5")))
        self.emit(f"loss = {' + '.join(terms)}", "loss", keep_error=0)
        if "loss" not in self.namespace:
            return
        leaves = self.tensors(lambda t: t.is_floating_point() and t.is_leaf and t.requires_grad)
        hooks = "leaf-hooks-in-grad" if self.with_second_order else "leaf-order"
        if self.coin(0.3) and self.allowed(hooks):
            self.emit("order = []", "leaf-order")
            for leaf in leaves:
                self.emit(f"{leaf}.register_hook(lambda g: order.append('{leaf}'))", "leaf-order")
        if self.with_second_order and leaves:
            self.emit(f"gs = torch.autograd.grad(loss, [{', '.join(leaves)}], create_graph=True, "
                      "allow_unused=True)", "grad-create_graph", keep_error=1)
            self.statements.append(_checkpoint("create_graph grads"))
            if self.ended:
                return
            self.emit("gg = sum((g * g).sum() for g in gs if g is not None and g.requires_grad)", "second-order")
            if isinstance(self.namespace.get("gg"), self.torch.Tensor):
                self.emit("gg.backward()", "second-order", keep_error=1)
                self.statements.append(_checkpoint("second order"))
            return
        self.emit("loss.backward(retain_graph=True)", "backward", keep_error=1)
        self.statements.append(_checkpoint("backward"))
        if self.ended:
            return
        zero_dim = self.tensors(lambda t: t.is_leaf and t.requires_grad and t.dim() == 0)
        if zero_dim and not self.allowed("second-backward-0d-leaves"):
            return
        self.emit("loss.backward()", "second-backward", keep_error=1)
        self.statements.append(_checkpoint("second backward"))
        if not self.ended and self.coin(0.15) and self.allowed("third-backward"):
            self.emit("loss.backward()", "third-backward", keep_error=1)
            self.statements.append(_checkpoint("third backward"))


def _passes(test, tensor):
    try:
        return test(tensor)
    except RuntimeError:  # PyTorch refuses to show grad_fn of a split view whose base changed in place
        return False


def _mode_flags(mode, rng):
    if mode == "all":
        return rng.choice(((False, False), (True, False), (False, True), (True, True)))
    return {"basic": (False, False), "inplace": (True, False), "second-order": (False, True)}[mode]


def generate(graph_seed, mode="all", exclude=()):
    """The program of one graph: a list of Statements (the same for the same seed, mode and exclusions)."""
    inplace, second_order = _mode_flags(mode, random.Random(graph_seed))
    return _Generator(graph_seed, inplace, second_order, exclude).program()


# ------------------------------------------------------------------------ the fuzz
@dataclass
class Finding:
    graph_seed: int
    mismatch: Mismatch
    statements: list
    category: str
    shrunk: bool


@dataclass
class Report:
    graphs: int = 0
    seconds: float = 0.0
    findings: list = field(default_factory=list)
    statements_run: int = 0
    kinds: Counter = field(default_factory=Counter)  # how often each kind of line was generated

    def by_category(self):
        groups = defaultdict(list)
        for finding in self.findings:
            groups[finding.category].append(finding)
        return dict(sorted(groups.items(), key=lambda item: -len(item[1])))

    def describe(self, repros=1):
        lines = [f"{self.graphs} graphs ({self.statements_run} lines, {len(self.kinds)} kinds of line), "
                 f"{len(self.findings)} mismatches in {len(self.by_category())} categories, {self.seconds:.1f} s"]
        for name, findings in self.by_category().items():
            lines.append(f"\n=== {len(findings)} x {name}   (graph seeds: "
                         f"{', '.join(str(f.graph_seed) for f in findings[:8])}{' ...' if len(findings) > 8 else ''})")
            for finding in findings[:repros]:
                lines.append(reproduction(finding.statements, finding.mismatch))
        return "\n".join(lines)


def fuzz(graphs=200, seed=0, mode="all", exclude=(), shrink_budget=300, shrink_limit=None,
         progress=None, max_seconds=None):
    """Run ``graphs`` random graphs; every mismatch shrunk (up to ``shrink_limit`` per category).

    ``exclude``: generator features to stay away from (``KNOWN_DIFFERENCES``)."""
    import torch  # noqa: F401 (the reference; fails here, not halfway)
    report = Report()
    started = time.perf_counter()
    shrunk_per_aspect = Counter()
    for number in range(graphs):
        graph_seed = seed * 1_000_003 + number
        statements = generate(graph_seed, mode, exclude)
        report.graphs += 1
        report.statements_run += len(statements)
        report.kinds.update(s.kind for s in statements)
        mismatch = check(statements)
        if mismatch is not None:
            key = mismatch.aspect
            shrinking = shrink_limit is None or shrunk_per_aspect[key] < shrink_limit
            if shrinking:
                shrunk_per_aspect[key] += 1
                statements, mismatch = shrink(statements, mismatch, shrink_budget)
            else:
                statements = statements[:mismatch.index + 1]
            report.findings.append(Finding(graph_seed, mismatch, statements,
                                           category(statements, mismatch), shrinking))
        if progress and (number + 1) % progress == 0:
            print(f"  {number + 1} graphs, {len(report.findings)} mismatches, "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        if max_seconds and time.perf_counter() - started > max_seconds:
            break
    report.seconds = time.perf_counter() - started
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--graphs", type=int, default=1000, help="how many random graphs to try")
    parser.add_argument("--seed", type=int, default=0, help="graph i uses the seed seed * 1000003 + i")
    parser.add_argument("--mode", choices=MODES, default="all")
    parser.add_argument("--exclude-known", action="store_true",
                        help="stay away from KNOWN_DIFFERENCES, as the bounded test does")
    parser.add_argument("--repros", type=int, default=1, help="reproductions printed per category")
    parser.add_argument("--shrink-limit", type=int, default=None,
                        help="shrink at most this many mismatches of each aspect (default: all)")
    parser.add_argument("--graph-seed", type=int, default=None, help="print one graph's program and verdict")
    args = parser.parse_args(argv)
    exclude = tuple(KNOWN_DIFFERENCES) if args.exclude_known else ()
    if args.graph_seed is not None:
        statements = generate(args.graph_seed, args.mode, exclude)
        print(render(statements))
        mismatch = check(statements)
        print("\n# same as PyTorch" if mismatch is None else
              "\n# shrunk:\n" + reproduction(*shrink(statements, mismatch)))
        return 0 if mismatch is None else 1
    report = fuzz(args.graphs, args.seed, args.mode, exclude, shrink_limit=args.shrink_limit,
                  progress=max(1, args.graphs // 10))
    print(report.describe(args.repros))
    return 0 if not report.findings else 1


if __name__ == "__main__":
    sys.exit(main())
