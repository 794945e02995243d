"""The derivative record of a grad_fn: each derivative written once, next to its backward.

Every node class states its forward formula and, for each input, one derivative::

    class MulBackward0(Node):
        derivatives = Derivatives("a * b", a="b", b="a")

A formula is a Python expression over the names the node knows at backward
time: its inputs (``a``, ``b``, …, when forward saved them), its output
``out``, what forward stored on ``ctx`` (``alpha``, ``exponent``, ``dim``) and,
for the gradient form, the arriving gradient ``grad_out``. There are three
forms, told apart by what they say:

- a **local derivative** (no ``grad_out`` in it): ``a="b"`` reads ∂out/∂a = b,
  and the gradient is ``grad_out × b``, summed back over broadcast dimensions;
- a **gradient** (mentions ``grad_out``): ``A="grad_out @ B.T"`` reads
  grad_A = grad_out @ Bᵀ — for ops that are not element by element;
- ``Words("…")``: a rule said in words, where no short formula exists
  (convolution windows, scatter positions).

Everything that shows a derivative reads it from here: the text and LaTeX
(``Formula.text``, ``Formula.latex``), the stepper's chain-rule lines with the
numbers filled in (``Formula.chain``), the graph's labels, ``explain()`` and
``docs/derivatives.md``. ``Formula.evaluate`` computes a formula with NumPy,
which is how the tests hold every formula to its node's ``backward``.
"""
import ast
import copy
import math
import operator

import numpy as np

GRAD = "grad_out"


class Words(str):
    """A derivative stated in words (not a formula): shown as is, never evaluated."""

    __slots__ = ()


class Derivatives:
    """A node's forward ``expression`` and one ``Formula`` per input, in input order.

    ``variadic=True``: the node takes any number of inputs (``cat``, ``stack``);
    its one formula, named like ``tensors``, holds for every input ``tensors[i]``.
    """

    def __init__(self, expression, variadic=False, **inputs):
        self.expression = expression
        self.variadic = variadic
        self.inputs = tuple(inputs)
        self.formulas = tuple(Formula(name, source) for name, source in inputs.items())

    def input_names(self, count):
        """The name of each of ``count`` inputs: ``a, b`` or ``tensors[0], tensors[1], …``."""
        if self.variadic:
            return [f"{self.inputs[0]}[{i}]" for i in range(count)]
        names = list(self.inputs[:count])
        return names + [f"input{i}" for i in range(len(names), count)]

    def formula(self, position):
        """The formula for input ``position`` (the variadic one for every position)."""
        if self.variadic:
            return self.formulas[0]
        return self.formulas[position] if position < len(self.formulas) else None

    @property
    def texts(self):
        return tuple(formula.text for formula in self.formulas)

    @property
    def latex(self):
        return tuple(formula.latex for formula in self.formulas)

    def __repr__(self):
        return f"Derivatives({self.expression!r}, {', '.join(self.texts)})"


class Formula:
    """The derivative of a node's output with respect to one input."""

    def __init__(self, name, source):
        self.input = name
        self.source = source
        self.in_words = isinstance(source, Words)
        self._tree = None if self.in_words else ast.parse(source, mode="eval").body
        self.is_gradient = not self.in_words and GRAD in self.names

    @property
    def names(self):
        """The value names the formula reads (not the functions it calls)."""
        if self.in_words:
            return ()
        called = {id(node.func) for node in ast.walk(self._tree) if isinstance(node, ast.Call)}
        found = [node.id for node in ast.walk(self._tree)
                 if isinstance(node, ast.Name) and id(node) not in called]
        return tuple(dict.fromkeys(found))

    def with_numbers(self, numbers):
        """This formula with the plain numbers a node saved put in and worked out:
        ``exponent · a^(exponent-1)`` with ``exponent=2`` is ``2 · a``; ``alpha`` with 1 is ``1``."""
        numbers = {name: value for name, value in numbers.items()
                   if isinstance(value, (int, float)) and not isinstance(value, bool)
                   and math.isfinite(value) and name in self.names}
        if self.in_words or not numbers:
            return self
        folded = Formula.__new__(Formula)
        folded.__dict__.update(self.__dict__)
        folded._tree = _Folder(numbers).visit(copy.deepcopy(self._tree))
        return folded

    # ------------------------------------------------------------------ showing
    @property
    def text(self):
        """``∂out/∂a = b``, ``grad_A = grad_out @ Bᵀ`` or ``∂out/∂x: <words>``."""
        return self.shown()

    def shown(self, values=None):
        """The text, with the names in ``values`` replaced by their text (``alpha`` → ``1``)."""
        if self.in_words:
            return f"∂out/∂{self.input}: {self.source}"
        body = _Text(values).show(self._tree)
        return f"grad_{self.input} = {body}" if self.is_gradient else f"∂out/∂{self.input} = {body}"

    @property
    def latex(self):
        name = _latex_name(self.input)
        if self.in_words:
            return rf"\frac{{\partial out}}{{\partial {name}}}: \text{{{_latex_escape(self.source)}}}"
        body = _Latex().show(self._tree)
        if self.is_gradient:
            return rf"\mathrm{{grad}}_{{{name}}} = {body}"
        return rf"\frac{{\partial out}}{{\partial {name}}} = {body}"

    def chain(self, input_label, values=None):
        """The chain-rule line for this input, as ``(formula, with numbers)``.

        ``grad_a = grad_out × b`` and ``[1., 1.] × [3., 4.]``; ``values`` maps a
        name (``grad_out``, ``b``) to the text of its value. Unknown names stay
        as symbols; a rule in words gives ``(None, None)``.
        """
        if self.in_words:
            return None, None
        values = values or {}
        if self.is_gradient:
            symbolic = _Text().show(self._tree)
            numeric = _Text(values).show(self._tree)
        else:
            symbolic = f"{GRAD} × {_Text().show(self._tree, _MUL)}"
            numeric = f"{values.get(GRAD, GRAD)} × {_Text(values).show(self._tree, _MUL)}"
        return f"grad_{input_label} = {symbolic}", numeric

    # ----------------------------------------------------------------- computing
    def evaluate(self, namespace):
        """The formula's value with NumPy, names taken from ``namespace`` (arrays or numbers).

        A local derivative returns the derivative itself (not yet times ``grad_out``).
        """
        if self.in_words:
            raise ValueError(f"the derivative for {self.input} is stated in words, not as a formula")
        tree = ast.Expression(_ToNumPy().visit(ast.parse(self.source, mode="eval").body))
        code = compile(ast.fix_missing_locations(tree), f"<derivative of {self.input}>", "eval")
        return eval(code, {"__builtins__": {}, **FUNCTIONS}, dict(namespace))

    def __repr__(self):
        return self.text


# ====================================================================== evaluating
def _expand(value, shape):
    return np.broadcast_to(value, tuple(shape))


def _sign(value):
    return np.where(np.isnan(value), 0.0, np.sign(value))  # PyTorch: sign(nan) = 0


def _sigmoid(value):
    return 1 / (1 + np.exp(-value))


FUNCTIONS = {
    "exp": np.exp, "log": np.log, "log1p": np.log1p, "sqrt": np.sqrt, "sin": np.sin,
    "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "sigmoid": _sigmoid, "abs": np.abs,
    "sign": _sign, "floor": np.floor, "trunc": np.trunc, "where": np.where,
    "expand": _expand, "outer": np.outer, "zeros_like": np.zeros_like, "ones_like": np.ones_like,
    "_and": np.logical_and, "_or": np.logical_or, "_not": np.logical_not,
    "sinh": np.sinh, "cosh": np.cosh, "pi": math.pi, "isfinite": np.isfinite,
}


def _transpose(value, dim0, dim1):
    return np.swapaxes(value, dim0, dim1) if np.ndim(value) else value  # a 0-d tensor stays


# moving a gradient back through a shape operation, named as the tensor methods
# (argsort of a permutation is its inverse: permute(grad_out, argsort(dims)))
FUNCTIONS.update({
    "reshape": np.reshape, "transpose": _transpose, "permute": np.transpose, "argsort": np.argsort,
    "squeeze": np.squeeze, "unsqueeze": np.expand_dims,
})

# the element-wise larger of two values: a floor, as clamp_min puts it (maximum(p·(1 - p), 1e-12))
FUNCTIONS.update({"maximum": np.maximum})


# GELU's Φ and its slopes; approximate='tanh' gives GELU's tanh approximation of Φ
# (and the slopes of that), so one formula holds for both modes
_GELU_TANH_SCALE, _GELU_TANH_CUBIC = math.sqrt(2 / math.pi), 0.044715


def _gelu_tanh(value):
    """tanh(√(2/π)(x + 0.044715 x³)) and the first two slopes of its argument."""
    inner = _GELU_TANH_SCALE * (value + _GELU_TANH_CUBIC * value ** 3)
    slope = _GELU_TANH_SCALE * (1 + 3 * _GELU_TANH_CUBIC * value ** 2)
    return np.tanh(inner), slope, 6 * _GELU_TANH_CUBIC * _GELU_TANH_SCALE * value


def _normal_cdf(value, approximate="none"):
    """Φ(x): the standard normal CDF (``approximate='tanh'``: ½(1 + tanh(√(2/π)(x + 0.044715 x³))))."""
    value = np.asarray(value, dtype=np.float64)
    if approximate == "tanh":
        return 0.5 * (1 + _gelu_tanh(value)[0])
    return 0.5 * (1 + np.vectorize(math.erf, otypes=[np.float64])(value * math.sqrt(0.5)))


def _normal_pdf(value, approximate="none"):
    """φ(x) = Φ′(x): the standard normal density (or the slope of the tanh approximation)."""
    value = np.asarray(value, dtype=np.float64)
    if approximate == "tanh":
        tanh, slope, _ = _gelu_tanh(value)
        return 0.5 * (1 - tanh ** 2) * slope
    return np.exp(-0.5 * value ** 2) / math.sqrt(2 * math.pi)


def _normal_pdf_slope(value, approximate="none"):
    """φ′(x): -x·φ(x) (or the second slope of the tanh approximation)."""
    value = np.asarray(value, dtype=np.float64)
    if approximate == "tanh":
        tanh, slope, curvature = _gelu_tanh(value)
        return (1 - tanh ** 2) * (curvature / 2 - tanh * slope ** 2)
    return -value * _normal_pdf(value)


FUNCTIONS.update({
    "normal_cdf": _normal_cdf, "normal_pdf": _normal_pdf, "normal_pdf_slope": _normal_pdf_slope,
})


# reductions: restore_reduced_dims puts back as size 1 the dims a reduction removed (none with
# keepdim, or when dims is None: all of them, leaving a 0-d value that broadcasts); sum and mean
# keep the dims they reduce, so the result broadcasts against the input
def _restore_reduced_dims(value, dims, keepdim):
    return value if keepdim or dims is None else np.expand_dims(value, dims)


def _sum(value, dims):
    return np.sum(value, axis=dims, keepdims=True) if np.ndim(value) else value


def _mean(value, dims):
    return np.mean(value, axis=dims, keepdims=True) if np.ndim(value) else value


FUNCTIONS.update({"restore_reduced_dims": _restore_reduced_dims, "sum": _sum, "mean": _mean,
                  "isnan": np.isnan})


class _ToNumPy(ast.NodeTransformer):
    """Python's ``x if c else y``, ``and``, ``not`` and chained comparisons, element-wise."""

    def visit_IfExp(self, node):
        self.generic_visit(node)
        return _call("where", node.test, node.body, node.orelse)

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        result = node.values[0]
        for value in node.values[1:]:
            result = _call("_and" if isinstance(node.op, ast.And) else "_or", result, value)
        return result

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return _call("_not", node.operand) if isinstance(node.op, ast.Not) else node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        operands = [node.left, *node.comparators]
        parts = [ast.Compare(operands[i], [op], [operands[i + 1]]) for i, op in enumerate(node.ops)]
        result = parts[0]
        for part in parts[1:]:
            result = _call("_and", result, part)
        return result


def _call(name, *args):
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


# ====================================================================== showing
# precedence, loosest first: a child looser than its place gets parentheses
_IF, _OR, _AND, _NOT, _CMP, _ADD, _MUL, _UNARY, _POW, _ATOM = range(10)
_BINARY = {ast.Add: (_ADD, "+"), ast.Sub: (_ADD, "-"), ast.Mult: (_MUL, "·"), ast.Div: (_MUL, "/"),
           ast.MatMult: (_MUL, "@"), ast.Mod: (_MUL, "%"), ast.FloorDiv: (_MUL, "//"),
           ast.Pow: (_POW, "^")}
_COMPARE = {ast.Gt: ">", ast.Lt: "<", ast.GtE: "≥", ast.LtE: "≤", ast.Eq: "==", ast.NotEq: "≠"}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SYMBOLS = {"sigmoid": "σ", "alpha": "alpha", "normal_cdf": "Φ", "normal_pdf": "φ",
            "normal_pdf_slope": "φ′", "pi": "π"}


class _Folder(ast.NodeTransformer):
    """Put numbers in for names and work out what is then plain arithmetic:
    ``2 - 1`` → ``1``, ``a ** 1`` → ``a``, ``1 · a`` and ``a · 1`` → ``a``, ``a + 0`` → ``a``."""

    _ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                   ast.Div: operator.truediv, ast.Pow: operator.pow}

    def __init__(self, numbers):
        self.numbers = numbers

    def visit_Name(self, node):
        if node.id in self.numbers:
            return ast.copy_location(ast.Constant(self.numbers[node.id]), node)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and _is_number(node.operand):
            return ast.copy_location(ast.Constant(-node.operand.value), node)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right, op = node.left, node.right, type(node.op)
        if _is_number(left) and _is_number(right) and op in self._ARITHMETIC:
            try:
                value = self._ARITHMETIC[op](left.value, right.value)
            except (ArithmeticError, ValueError):
                return node
            if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
                value = int(value)
            if isinstance(value, (int, float)):
                return ast.copy_location(ast.Constant(value), node)
        if op is ast.Pow and _is_number(right, 1):
            return left
        if op is ast.Pow and _is_number(right, 0):
            return ast.copy_location(ast.Constant(1), node)
        if op is ast.Mult and _is_number(left, -1):
            return ast.copy_location(ast.UnaryOp(ast.USub(), right), node)
        if op is ast.Mult and _is_number(left, 1):
            return right
        if op in (ast.Mult, ast.Div) and _is_number(right, 1):
            return left
        if op in (ast.Add, ast.Sub) and _is_number(right, 0):
            return left
        if op is ast.Add and _is_number(left, 0):
            return right
        return node


def _is_number(node, value=None):
    if not (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)):
        return False
    return value is None or node.value == value


class _Text:
    """A formula in plain text: ``e · a^(e-1)``, ``-a / b²``, ``grad_out @ Bᵀ``.

    One walk over the formula's syntax tree, placing parentheses by precedence;
    each piece of notation is a small method, which ``_Latex`` overrides. With
    ``values``, names are replaced by the text of their values.
    """

    binary = {"·": " · ", "/": " / ", "@": " @ ", "+": " + ", "-": " - ", "%": " % ", "//": " // "}
    compare = _COMPARE
    words = {"and": " and ", "or": " or ", "not": "not ", "if": " if ", "else": " else "}

    def __init__(self, values=None):
        self.values = values or {}

    def show(self, node, place=_IF):
        text, precedence = self._show(node)
        return self.parenthesized(text) if precedence < place else text

    def _show(self, node):
        if isinstance(node, ast.Name):
            return (self.values[node.id] if node.id in self.values else self.name(node.id)), _ATOM
        if isinstance(node, ast.Constant):
            return _number(node.value), _ATOM
        if isinstance(node, ast.BinOp):
            precedence, symbol = _BINARY[type(node.op)]
            if symbol == "^":
                return self.power(node.left, node.right), _POW
            fraction = self.fraction(node) if symbol == "/" else None
            if fraction is not None:
                return fraction, _ATOM
            return (self.show(node.left, precedence) + self.binary[symbol]
                    + self.show(node.right, precedence + 1)), precedence
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return self.words["not"] + self.show(node.operand, _NOT), _NOT
            return f"-{self.show(node.operand, _UNARY)}", _UNARY
        if isinstance(node, ast.Compare):
            parts = [self.show(node.left, _CMP + 1)]
            for op, right in zip(node.ops, node.comparators):
                parts += [self.compare[type(op)], self.show(right, _CMP + 1)]
            return " ".join(parts), _CMP
        if isinstance(node, ast.BoolOp):
            word, precedence = ("and", _AND) if isinstance(node.op, ast.And) else ("or", _OR)
            return self.words[word].join(self.show(v, precedence + 1) for v in node.values), precedence
        if isinstance(node, ast.IfExp):
            return (self.show(node.body, _OR) + self.words["if"] + self.show(node.test, _OR)
                    + self.words["else"] + self.show(node.orelse, _IF)), _IF
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return self.transposed(self.show(node.value, _ATOM)), _ATOM
        if isinstance(node, ast.Call):
            if node.func.id == "sqrt" and len(node.args) == 1:
                return self.square_root(node.args[0]), _POW
            return self.call(node.func.id, [self.show(arg) for arg in node.args]), _ATOM
        if isinstance(node, ast.Subscript):
            return f"{self.show(node.value, _ATOM)}[{self.show(node.slice)}]", _ATOM
        if isinstance(node, ast.Tuple):
            return ", ".join(self.show(element) for element in node.elts), _ATOM
        raise ValueError(f"cannot show {ast.dump(node)} in a derivative")

    # the notation, piece by piece
    def name(self, name):
        return _SYMBOLS.get(name, name)

    def parenthesized(self, text):
        return f"({text})"

    def fraction(self, node):
        return None  # plain text writes a / b in line

    def power(self, base, exponent):
        if isinstance(exponent, ast.Constant) and isinstance(exponent.value, int) \
                and not isinstance(exponent.value, bool):
            return self.show(base, _ATOM) + str(exponent.value).translate(_SUPERSCRIPT)
        return f"{self.show(base, _ATOM)}^{self.show(exponent, _ATOM).replace(' ', '')}"

    def square_root(self, argument):
        return f"√{self.show(argument, _ATOM)}"

    def transposed(self, text):
        return f"{text}ᵀ"

    def call(self, name, arguments):
        return f"{_SYMBOLS.get(name, name)}({', '.join(arguments)})"


def _number(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_LATEX_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan",
                    "tanh": r"\tanh", "sinh": r"\sinh", "cosh": r"\cosh", "sigmoid": r"\sigma",
                    "sign": r"\operatorname{sign}",
                    "normal_cdf": r"\Phi", "normal_pdf": r"\varphi", "normal_pdf_slope": r"\varphi'"}
_LATEX_COMPARE = {ast.Gt: ">", ast.Lt: "<", ast.GtE: r"\ge", ast.LtE: r"\le", ast.Eq: "=",
                  ast.NotEq: r"\ne"}
_GREEK = {"alpha": r"\alpha", "beta": r"\beta", "lambda_": r"\lambda", "pi": r"\pi"}


def _latex_name(name):
    if name in _GREEK:
        return _GREEK[name]
    if name == GRAD:
        return r"\mathrm{grad}_{out}"
    head, _, tail = name.partition("_")
    if len(head) == 1:
        return f"{head}_{{{tail}}}" if tail else head
    return rf"\mathit{{{_latex_escape(name)}}}"


def _latex_escape(text):
    return text.replace("\\", r"\backslash ").replace("_", r"\_").replace("{", r"\{") \
        .replace("}", r"\}").replace("#", r"\#").replace("%", r"\%").replace("&", r"\&")


class _Latex(_Text):
    """A formula in LaTeX: fractions, powers and square roots drawn as such."""

    binary = {"·": r" \cdot ", "@": r" \, ", "+": " + ", "-": " - ", "%": r" \bmod ", "//": " // "}
    compare = _LATEX_COMPARE
    words = {"and": r"\text{ and }", "or": r"\text{ or }", "not": r"\lnot ", "if": r" \text{ if } ",
             "else": r" \text{ else } "}

    def name(self, name):
        return _latex_name(name)

    def parenthesized(self, text):
        return rf"\left({text}\right)"

    def fraction(self, node):
        return rf"\frac{{{self.show(node.left)}}}{{{self.show(node.right)}}}"

    def power(self, base, exponent):
        return f"{self.show(base, _ATOM)}^{{{self.show(exponent)}}}"

    def square_root(self, argument):
        return rf"\sqrt{{{self.show(argument)}}}"

    def transposed(self, text):
        return rf"{text}^\top"

    def call(self, name, arguments):
        function = _LATEX_FUNCTIONS.get(name, rf"\operatorname{{{_latex_escape(name)}}}")
        return rf"{function}\left({', '.join(arguments)}\right)"
