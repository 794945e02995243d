"""gradlab.viz.capture.source: the line and the expression behind a recorded instruction."""
import inspect
import linecache
import sys

import pytest

import gradlab as torch
from gradlab.viz import capture
from gradlab.viz.capture.source import line_of, source_span


def test_each_record_knows_its_expression_on_every_python():
    """3.11+ reads the instruction's columns; 3.10 finds the same expression from the bytecode
    (the k-th multiply on the line is the k-th ``*`` of the statement, walked in post-order)."""
    with capture() as cap:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        w = torch.tensor(3.0, requires_grad=True)
        y = (x * w + w * 2) ** 2
        loss = -(y.sum() - torch.tanh(x)[0])
        loss = loss * 1.0
    assert [record.expression for record in cap.records] == [
        "torch.tensor([1.0, 2.0], requires_grad=True)", "torch.tensor(3.0, requires_grad=True)",
        "x * w", "w * 2", "x * w + w * 2", "(x * w + w * 2) ** 2",
        "y.sum()", "torch.tanh(x)", "torch.tanh(x)[0]", "y.sum() - torch.tanh(x)[0]",
        "-(y.sum() - torch.tanh(x)[0])", "loss * 1.0",
    ]


def test_line_and_span_of_an_instruction_and_unknown_positions():
    frame = inspect.currentframe()
    lasti, here = frame.f_lasti, frame.f_lineno
    assert line_of(frame.f_code, lasti) == here
    assert line_of(frame.f_code, -1) is None and line_of(None, 0) is None
    assert source_span(frame.f_code, -1) == "" and source_span(frame.f_code, None) == ""
    code = compile("a = b * c", "<not in linecache>", "exec")
    linecache.checkcache("<not in linecache>")
    assert source_span(code, 4) == ""  # no source to read


@pytest.mark.skipif(sys.version_info < (3, 11), reason="columns need Python 3.11+")
def test_an_expression_over_several_lines_is_joined_with_single_spaces():
    with capture() as cap:
        y = torch.ones(2) * (
            torch.ones(2)
            + 1.0)
    assert cap.records[-1].expression == "torch.ones(2) * ( torch.ones(2) + 1.0)"
    assert y is not None
