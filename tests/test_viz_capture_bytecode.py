"""gradlab.viz.capture.bytecode: on Python 3.10, the expression an instruction evaluates, found from
the bytecode (the k-th instruction of its kind on a statement is its k-th node in post-order)."""
import ast
import dis
import sys

import pytest

from gradlab.viz.capture.bytecode import _innermost_statement, _post_order, expression_at, line_at

SOURCE = "y = (x * w + w * 2) ** 2\nfor i in range(3):\n    z = -y[0]\n"


def test_post_order_visits_operands_before_their_operation():
    statement = ast.parse(SOURCE).body[0]
    products = [ast.unparse(node) for node in _post_order(statement) if isinstance(node, ast.BinOp)]
    assert products == ["x * w", "w * 2", "x * w + w * 2", "(x * w + w * 2) ** 2"]


def test_the_innermost_simple_statement_of_a_line():
    tree = ast.parse(SOURCE)
    assert ast.unparse(_innermost_statement(tree, 3)) == "z = -y[0]"
    assert _innermost_statement(tree, 9) is None


def test_line_at_an_offset():
    code = compile(SOURCE, "<bytecode test>", "exec")
    offsets = {line: offset for offset, line in dis.findlinestarts(code)}
    assert line_at(code, offsets[3]) == 3 and line_at(code, offsets[1]) == 1


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="3.11+ reads columns (source.py)")
def test_the_kth_multiply_of_a_statement_is_its_kth_product(tmp_path):
    import linecache
    filename = str(tmp_path / "cell.py")
    (tmp_path / "cell.py").write_text(SOURCE)
    linecache.checkcache(filename)
    code = compile(SOURCE, filename, "exec")
    multiplies = [i.offset for i in dis.get_instructions(code) if i.opname == "BINARY_MULTIPLY"]
    assert [expression_at(code, offset) for offset in multiplies] == ["x * w", "w * 2"]
    power = next(i.offset for i in dis.get_instructions(code) if i.opname == "BINARY_POWER")
    assert expression_at(code, power) == "(x * w + w * 2) ** 2"
