"""Why no gradient flows back into a tensor, in plain words — and how an op reads in a sentence.

``cut_reason(record, tensor)`` explains a cut (``no_grad``, ``detach()``,
``.data``, a comparison, ``argmax``, an integer cast, a fresh
``torch.tensor(...)``); ``op_text(op)`` is the wording the reasons, the box
lines and ``explain()`` use for an op (``__mul__`` → ``*``).
"""


_COMPARISONS = {
    "__gt__": ">", "gt": ">", "greater": ">", "__lt__": "<", "lt": "<", "less": "<",
    "__ge__": ">=", "ge": ">=", "greater_equal": ">=", "__le__": "<=", "le": "<=",
    "less_equal": "<=", "__eq__": "==", "eq": "==", "__ne__": "!=", "ne": "!=",
    "not_equal": "!=",
}
_LOGICAL = {"__and__": "&", "__or__": "|", "__xor__": "^", "__invert__": "~", "__rand__": "&",
            "__ror__": "|", "__rxor__": "^", "logical_and": "logical_and", "logical_or": "logical_or",
            "logical_xor": "logical_xor", "logical_not": "logical_not"}
_INTEGER_CASTS = {"long", "int", "short", "to", "type", "bool"}
_COPIES = {"tensor", "as_tensor", "from_numpy", "Tensor", "new_tensor"}
INPLACE_SYMBOLS = {"__iadd__": "+=", "__isub__": "-=", "__imul__": "*=", "__itruediv__": "/=",
                   "__setitem__": "[...] ="}


def op_text(op):
    """How an op reads in a sentence: ``__mul__`` → ``*``, ``argmax`` → ``argmax()``."""
    if op is None:
        return "an operation"
    if op in _COMPARISONS:
        return _COMPARISONS[op]
    if op in INPLACE_SYMBOLS:
        return INPLACE_SYMBOLS[op]
    symbol = _OPERATORS.get(op)
    if symbol:
        return symbol
    if op[:1].isupper():  # a module call: Linear, ReLU
        return op
    return f"{op}()"


_OPERATORS = {"__add__": "+", "__radd__": "+", "__sub__": "-", "__rsub__": "-", "__mul__": "*",
              "__rmul__": "*", "__truediv__": "/", "__rtruediv__": "/", "__pow__": "**",
              "__rpow__": "**", "__matmul__": "@", "__rmatmul__": "@", "__neg__": "-",
              "__getitem__": "[...]", "__floordiv__": "//", "__mod__": "%", "__abs__": "abs()"}


def cut_reason(record, tensor):
    """Why no gradient flows back into ``tensor`` (made by ``record``): ``(reason, short)``."""
    op = record.op
    changes = [change.op for change in record.changes]
    if "detach_" in changes:
        return "detach_() cut the graph", "detach_()"
    if op in ("detach", "detach_"):
        return "detach() cut the graph", "detach()"
    if op == "data":
        return ".data gives the values outside the graph (like detach()): no gradient flows back", ".data"
    dtype = record.dtype
    if dtype == "bool":
        if op in _COMPARISONS:
            return f"comparison ({_COMPARISONS[op]}) gives a bool tensor: not differentiable", \
                f"comparison {_COMPARISONS[op]}"
        if op in _LOGICAL:
            return f"logical op ({_LOGICAL[op]}) gives a bool tensor: not differentiable", _LOGICAL[op]
        return f"{op_text(op)} gives a bool tensor: not differentiable", op_text(op)
    if dtype.startswith(("int", "uint")):
        if op in ("argmax", "argmin", "max", "min", "sort", "argsort", "topk", "kthvalue", "mode",
                  "median", "nonzero", "unique"):
            return f"{op} gives integer indices: not differentiable", op
        if op in _INTEGER_CASTS:
            return f"{op_text(op)} converts to an integer tensor: not differentiable", op_text(op)
        return f"{op_text(op)} gives an integer tensor: not differentiable", op_text(op)
    if not record.grad_enabled:
        return "made under torch.no_grad(): no gradient flows back", "no_grad"
    if op in _COPIES:
        return f"torch.{op}() copies the values into a new tensor outside the graph", f"{op}()"
    return f"{op_text(op)} made a tensor outside the graph: no gradient flows back", op_text(op)

