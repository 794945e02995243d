"""Labels in the student's own words: ``x ** 2`` and ``∂y/∂x = 2 · x`` instead of ``a ** exponent``.

A grad_fn node's class states its forward formula and derivatives once, over
generic names (``PowBackward0``: ``a ** exponent``, ``∂out/∂a = exponent ·
a^(exponent-1)``; see ``gradlab/autograd/derivative.py``). The picture, the
stepper and ``explain()`` show them with the names the student used:

- ``operand_names(node, name_of)``: the name of each input of a node, from the
  tensor (or node) ``next_functions`` leads to;
- ``forward_text(node, operands)``: the forward formula with those names and
  the node's numbers put in (``x ** 2``), for a node made outside a capture;
  inside one, the capture knows the exact source text (``Record.expression``);
- ``named_derivatives(node, output, operands)``: ``∂y/∂x = 2 · x``, the
  class's formulas with the names put in and the arithmetic on numbers done
  (``x^(2-1)`` becomes ``x``);
- ``shorten(text)``: a long expression cut to fit a box.

Nothing here states a derivative: every formula is read from the node's record.
"""
import ast
import re

import numpy as np

from ..autograd.derivative import GRAD, _Text

MAX_LABEL = 36  # characters of an expression shown in a box
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[^\[\]]*\])*\Z")


def shorten(text, width=MAX_LABEL):
    """``text`` on one line, at most ``width`` characters: ``F.cross_entropy(model(x…), y)``."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    try:
        tree = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):
        tree = None
    while tree is not None and len(text) > width:
        # the longest inner expression becomes ``…``: F.cross_entropy(…, targets)
        functions = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        inner = [node for node in ast.walk(tree) if node is not tree and isinstance(node, ast.expr)
                 and id(node) not in functions
                 and not isinstance(node, (ast.Name, ast.Constant))
                 and not (isinstance(node, ast.Attribute) and is_simple_name(ast.unparse(node)))]
        if not inner:
            break
        longest = max(inner, key=lambda node: len(ast.unparse(node)))
        tree = _Substitute({}).visit(_Replace(longest).visit(tree))
        text = ast.unparse(tree)
    if len(text) <= width:
        return text
    return text[:width - 1].rstrip() + "…"


class _Replace(ast.NodeTransformer):
    def __init__(self, target):
        self.target = target

    def visit(self, node):
        if node is self.target:
            return ast.Name("…")
        return super().visit(node)


def is_simple_name(text):
    """``x``, ``model.fc1.weight``, ``params[0]``: a name that needs no parentheses."""
    return bool(text) and _IDENTIFIER.match(text) is not None


def node_numbers(node):
    """The numbers forward stored on the node (``exponent = 2``), by name."""
    return {name: value for name, value in node.__dict__.items()
            if not name.startswith("_") and value.__class__ in (int, float)}


def operand_names(node, name_of):
    """One name per input of ``node`` (None where unknown): ``name_of(tensor_or_node, output_nr)``
    names what ``next_functions`` leads to; an input that needs no gradient (a number such as
    the ``2`` of ``x * 2``) is named by its value when the node saved it."""
    names = []
    saved = _saved_numbers(node)
    indices = node._next_indices
    for position, next_node in enumerate(node._next_nodes):
        if next_node is None:
            names.append(saved.get(position))
            continue
        output_nr = indices[position] if indices else 0
        target = next_node.variable if type(next_node).__name__ == "AccumulateGrad" else next_node
        names.append(name_of(target, output_nr))
    return names


def _saved_numbers(node):
    """``{input position: "0.5"}`` for inputs saved as plain numbers or one-element values."""
    found = {}
    if node._freed or not node._saved or len(node._saved) != len(node._next_nodes):
        return found
    sources = node._saved_sources or (None,) * len(node._saved)
    for position, (value, source) in enumerate(zip(node._saved, sources)):
        if source is not None and source[0] != "input":
            return {}
        if value.__class__ in (int, float):
            found[position] = _number_text(value)
        else:
            data = getattr(value, "_data", value)
            if isinstance(data, np.ndarray) and data.size == 1 and data.ndim == 0:
                found[position] = _number_text(data.item())
    return found


def _number_text(value):
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return repr(value)


# ====================================================================== the forward formula
def forward_text(node, operands):
    """The node's forward formula with the operand names and its numbers put in: ``x ** 2``.

    ``operands``: a name (or None) per input, as ``operand_names`` gives.
    Returns the class's formula unchanged when it is not a Python expression.
    """
    expression = node.expression
    if not expression:
        return ""
    symbols = node.derivatives.input_names(len(operands)) if node.derivatives is not None else []
    replacements = {}
    for symbol, name in zip(symbols, operands):
        if name:
            replacements[symbol] = _as_tree(name)
    for name, value in node_numbers(node).items():
        replacements.setdefault(name, ast.Constant(value))
    if node.derivatives is not None and node.derivatives.variadic and operands:
        listed = ", ".join(name or symbol for symbol, name in zip(symbols, operands))
        replacements[node.derivatives.inputs[0]] = ast.Name(f"[{listed}]" if len(operands) > 1
                                                            else listed)
    try:
        tree = ast.parse(expression, mode="eval").body
    except (SyntaxError, ValueError):  # ValueError: a lone surrogate in a name
        return _replace_words(expression, replacements)
    return ast.unparse(_Substitute(replacements).visit(tree))


def _as_tree(text):
    try:
        return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):  # ValueError: a lone surrogate in a name
        return ast.Name(f"({text})" if not is_simple_name(text) else text)


def _replace_words(expression, replacements):
    def replace(match):
        tree = replacements.get(match.group(0))
        if tree is None:
            return match.group(0)
        text = ast.unparse(tree)
        return text if is_simple_name(text) or isinstance(tree, ast.Constant) else f"({text})"
    return re.sub(r"[A-Za-z_][A-Za-z0-9_]*", replace, expression)


class _Substitute(ast.NodeTransformer):
    def __init__(self, replacements):
        self.replacements = replacements

    def visit_Name(self, node):
        return self.replacements.get(node.id, node)

    def visit_Call(self, node):
        # the function's own name is never a value to put in (``sum(a)`` keeps ``sum``)
        node.args = [self.visit(argument) for argument in node.args]
        node.keywords = [self.visit(keyword) for keyword in node.keywords]
        if not isinstance(node.func, ast.Name):
            node.func = self.visit(node.func)
        return node


# ====================================================================== the derivatives
def named_derivatives(node, output, operands, positions=None):
    """``["∂y/∂x = 2 · x"]``: each input's derivative with the student's names.

    ``output``: the output's name (None: ``out``); ``operands``: a name (or None)
    per input. The class's formula is read from ``node.derivatives``; numbers the
    node stored replace their names and arithmetic on numbers is done, so
    ``exponent · a^(exponent-1)`` with ``exponent = 2`` reads ``2 · x``. An
    input that needs no gradient is left out; ``positions``: only these inputs.
    """
    record = node.derivatives
    if record is None:
        return []
    out = output if output and is_simple_name(output) else "out"
    numbers = node_numbers(node)
    symbols = record.input_names(len(operands))
    lines = []
    for position, symbol in enumerate(symbols):
        if position < len(node._next_nodes) and node._next_nodes[position] is None:
            continue
        if positions is not None and position not in positions:
            continue
        formula = record.formula(position)
        if formula is None:
            continue
        name = operands[position] if position < len(operands) and operands[position] else symbol
        shown = name if _is_atom(name) else f"({name})"
        if formula.in_words:
            lines.append(f"∂{out}/∂{shown}: {formula.source}")
            continue
        values = {}
        for other, operand in zip(symbols, operands):
            if operand:
                values[other] = operand if _is_atom(operand) else f"({operand})"
        values["out"] = out
        values[GRAD] = f"grad_{out}"
        body = _Text(values).show(formula.with_numbers(numbers)._tree)
        if formula.is_gradient:
            lines.append(f"grad_{shown} = {body}")
        else:
            lines.append(f"∂{out}/∂{shown} = {body}")
    return lines


def _is_atom(text):
    """A name, a call, an attribute, an item or a positive number: no parentheses needed."""
    if is_simple_name(text):
        return True
    try:
        tree = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):  # ValueError: a lone surrogate in a name
        return False
    if isinstance(tree, ast.Constant):
        return not str(text).startswith("-")
    return isinstance(tree, (ast.Name, ast.Attribute, ast.Subscript, ast.Call))
