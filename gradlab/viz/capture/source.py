"""The user's source text behind a recorded instruction: its line, and the expression it evaluates.

A record keeps the user's code object and the byte offset of the instruction
that was running (``f_lasti``); the text is read only when a graph is drawn,
from ``linecache`` (IPython registers its cells there).

- ``line_of(code, lasti)``: the line number;
- ``source_span(code, lasti)``: the expression, ``x ** 2``. Python 3.11+ gives
  each instruction its lines and (UTF-8 byte) columns (``co_positions``); on
  3.10, ``bytecode.expression_at`` finds the same expression from the
  bytecode, else the line (the right-hand side of an assignment) will do.
"""
import ast
import linecache
import weakref

from .bytecode import expression_at, line_at

_POSITIONS = weakref.WeakKeyDictionary()  # code object -> its instructions' source positions


def line_of(code, lasti):
    """The line number of the instruction at byte offset ``lasti``, or None."""
    if code is None or lasti is None or lasti < 0:
        return None
    for start, end, line in code.co_lines():
        if start <= lasti < end:
            return line
    return None


def source_span(code, lasti):
    """The source text of the instruction at byte offset ``lasti`` of ``code``: ``x ** 2``.

    Whitespace runs become one space. Empty when unknown (no source in
    ``linecache``, e.g. code typed into ``python -c``).
    """
    if lasti is None or lasti < 0:
        return ""
    if not hasattr(code, "co_positions"):  # Python 3.10
        try:
            found = expression_at(code, lasti)
        except Exception:  # a label must never break the picture: the line will do
            found = ""
        return found or _line_expression(code, lasti)
    try:
        positions = _POSITIONS.get(code)
        if positions is None:
            positions = _POSITIONS[code] = list(code.co_positions())
        start, end, column, end_column = positions[lasti // 2]
    except (IndexError, TypeError):
        return ""
    if start is None or end is None or column is None or end_column is None:
        return ""
    lines = [linecache.getline(code.co_filename, number).encode("utf-8")
             for number in range(start, end + 1)]
    if not lines or not lines[0]:
        return ""
    if len(lines) == 1:
        text = lines[0][column:end_column]
    else:
        text = b" ".join([lines[0][column:], *lines[1:-1], lines[-1][:end_column]])
    return " ".join(text.decode("utf-8", "replace").split())


def _line_expression(code, lasti):
    """Before Python 3.11, when the bytecode does not say: the executing line, or the value
    assigned on it."""
    lineno = line_at(code, lasti)
    line = linecache.getline(code.co_filename, lineno).strip() if lineno else ""
    try:
        statement = ast.parse(line).body[0]
    except (SyntaxError, IndexError):
        return line
    if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)) \
            and statement.value is not None:
        return ast.get_source_segment(line, statement.value) or line
    return line
