"""Before Python 3.11: which expression an instruction evaluates, found from the bytecode.

Python 3.11+ gives every instruction its columns (``co_positions``); 3.10 gives
only lines. ``expression_at(code, lasti)`` finds the expression anyway, as
3.11's columns would give it: CPython emits an expression's instructions in
post-order, so the k-th instruction of its kind on a statement (the second
``BINARY_MULTIPLY``) evaluates the k-th node of that kind in a post-order walk
of the statement's syntax tree (the second ``*``). When the two counts do not
line up, it gives up (an empty string) and the caller falls back to the line.
"""
import ast
import dis
import linecache

# which kind of AST node each instruction that can make a tensor evaluates
_BINARY_OPS = {"ADD": ast.Add, "SUBTRACT": ast.Sub, "MULTIPLY": ast.Mult, "TRUE_DIVIDE": ast.Div,
               "FLOOR_DIVIDE": ast.FloorDiv, "MODULO": ast.Mod, "POWER": ast.Pow,
               "MATRIX_MULTIPLY": ast.MatMult, "AND": ast.BitAnd, "OR": ast.BitOr, "XOR": ast.BitXor}
_UNARY_OPS = {"UNARY_NEGATIVE": ast.USub, "UNARY_POSITIVE": ast.UAdd, "UNARY_INVERT": ast.Invert}


def expression_at(code, lasti):
    """The source text of the expression the instruction at byte offset ``lasti`` evaluates,
    whitespace runs made one space; empty when the bytecode and the syntax tree do not line up."""
    instructions = list(dis.get_instructions(code))
    here = next((i for i in instructions if i.offset == lasti), None)
    test = _node_test(here.opname) if here is not None else None
    lines = linecache.getlines(code.co_filename)
    lineno = line_at(code, lasti)
    if test is None or not lines or lineno is None:
        return ""
    source = "".join(lines)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    statement = _innermost_statement(tree, lineno)
    if statement is None:
        return ""
    first, last = statement.lineno, statement.end_lineno or statement.lineno
    line_of = _line_numbers(code)
    same_kind = [i.offset for i in instructions if first <= (line_of.get(i.offset) or 0) <= last
                 and _node_test(i.opname) is not None and _same_test(i.opname, here.opname)]
    nodes = [node for node in _post_order(statement) if test(node)]
    if len(same_kind) != len(nodes) or lasti not in same_kind:
        return ""
    text = ast.get_source_segment(source, nodes[same_kind.index(lasti)])
    return " ".join(text.split()) if text else ""


def line_at(code, lasti):
    """The line of the instruction at ``lasti``, from where lines start (``dis.findlinestarts``)."""
    lineno = None
    for offset, number in dis.findlinestarts(code):
        if offset > lasti:
            break
        lineno = number
    return lineno


def _node_test(opname):
    """A test for the AST nodes that an instruction named ``opname`` evaluates (None: unknown)."""
    kind, _, operator = opname.partition("_")
    if opname.startswith("CALL_"):
        return lambda node: isinstance(node, ast.Call)
    if opname == "BINARY_SUBSCR":
        return lambda node: isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
    if opname == "COMPARE_OP":
        return lambda node: isinstance(node, ast.Compare)
    if opname in _UNARY_OPS:
        op = _UNARY_OPS[opname]
        return lambda node: isinstance(node, ast.UnaryOp) and isinstance(node.op, op)
    if kind in ("BINARY", "INPLACE") and operator in _BINARY_OPS:
        op, shape = _BINARY_OPS[operator], ast.BinOp if kind == "BINARY" else ast.AugAssign
        return lambda node: isinstance(node, shape) and isinstance(node.op, op)
    return None


def _same_test(opname, other):
    calls = opname.startswith("CALL_") and other.startswith("CALL_")
    return calls or opname == other


def _post_order(node):
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                  ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            yield from _post_order(child)  # (their code runs in code objects of their own)
    yield node


def _innermost_statement(tree, lineno):
    """The innermost simple statement whose lines hold ``lineno``."""
    found = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= lineno <= (node.end_lineno or node.lineno) \
                and not hasattr(node, "body"):
            if found is None or node.lineno >= found.lineno:
                found = node
    return found


def _line_numbers(code):
    """Each instruction's line (dis.findlinestarts marks where lines start)."""
    starts, line, numbers = dict(dis.findlinestarts(code)), None, {}
    for instruction in dis.get_instructions(code):
        line = starts.get(instruction.offset, line)
        numbers[instruction.offset] = line
    return numbers
