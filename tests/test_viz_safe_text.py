"""gradlab/viz/safe_text.py, and every writer that uses it: SVG, text, DOT, explain, widget HTML."""
import xml.etree.ElementTree as ElementTree

import pytest

import gradlab as torch
from gradlab.viz import capture, explain, graph, to_dot, to_svg, to_text
from gradlab.viz.safe_text import (
    clean, dot_string, html_text, markdown_text, one_line, xml_attribute, xml_text,
)

SURROGATE = "a\ud800b"
MARKUP = "<&>\"'"
ODD = ["x", SURROGATE, "\udfff", "\ud83d\ude00", "two\nlines", MARKUP, "tab\there", "bell\x07",
       "esc\x1b[31m", "cr\rx", "del\x7f", "nul\x00", "\ufffe"]


# ---------------------------------------------------------------- the helper

def test_clean_gives_text_that_encodes_and_leaves_ordinary_text_alone():
    for text in ODD:
        clean(text).encode("utf-8")
    for ordinary in ("x", "∂loss/∂w = 2 · w", "w * w", "тензор", "😀", "a\nb", "a\tb", MARKUP):
        assert clean(ordinary) == ordinary


def test_clean_replaces_lone_surrogates_and_joins_pairs():
    assert clean(SURROGATE) == "a\ufffdb"
    assert clean("\udfff\ud800") == "\ufffd\ufffd"
    assert clean("\ud83d\ude00") == "😀"  # a pair written as two halves is one character
    assert clean(b"caf\xe9".decode("utf-8", "surrogateescape")) == "caf\ufffd"


def test_clean_shows_control_characters_instead_of_obeying_them():
    assert clean("esc\x1b[31m") == "esc\\x1b[31m"  # a terminal colour code cannot act
    assert clean("cr\rx") == "cr\\rx"
    assert clean("nul\x00 del\x7f c1\x85") == "nul\\x00 del\\x7f c1\\x85"
    assert clean("\ufffe\uffff") == "\ufffd\ufffd"  # not characters in XML
    assert clean(42) == "42"


def test_one_line_keeps_a_label_on_its_line():
    assert one_line("two\nlines\tand tab") == "two\\nlines\\tand tab"
    assert one_line(SURROGATE) == "a\ufffdb"
    for text in ODD:
        assert "\n" not in one_line(text)


def test_xml_text_and_attribute_parse_back_to_the_clean_text():
    for text in ODD:
        element = ElementTree.fromstring(f"<t a=\"{xml_attribute(text)}\" b='{xml_attribute(text)}'>"
                                         f"{xml_text(text)}</t>")
        assert element.text == clean(text).replace("\r", "\n") or element.text == clean(text)
        assert element.get("a") == clean(text) == element.get("b")
    assert xml_text(MARKUP) == "&lt;&amp;&gt;\"'"
    assert xml_attribute(MARKUP + "\n") == "&lt;&amp;&gt;&quot;&#39;&#10;"


def test_html_text_escapes_like_html_escape_and_cleans():
    import html

    for text in ODD:
        assert html_text(text) == html.escape(clean(text))
        html_text(text).encode("utf-8")


def test_dot_string_is_one_quoted_dot_string():
    assert dot_string('say "hi"\\n\nnext') == '"say \\"hi\\"\\\\n\\nnext"'
    assert dot_string(SURROGATE) == '"a\ufffdb"'
    for text in ODD:
        quoted = dot_string(text)
        assert quoted[0] == quoted[-1] == '"' and "\n" not in quoted
        body = quoted[1:-1].replace("\\\\", "")
        assert '"' not in body.replace('\\"', "")  # every inner quote escaped


@pytest.mark.parametrize("text, markdown", [
    ("x.grad = 4.", "x.grad = 4."),
    ("odd[\"<b>&'\"].grad", "odd\\[\"\\<b\\>\\&'\"\\].grad"),
    ("__init__ * w_1", "\\_\\_init\\_\\_ \\* w\\_1"),
    ("made at line 3 (`y = x ** 2 <b>`)", "made at line 3 (`y = x ** 2 <b>`)"),  # code kept
    ("a `` b ` c `` d", "a `` b ` c `` d"),
    ("lone ` tick <", "lone \\` tick \\<"),
    (SURROGATE, "a\ufffdb"),
])
def test_markdown_text_escapes_markup_outside_code(text, markdown):
    assert markdown_text(text) == markdown


# ---------------------------------------------------------------- every writer uses it

def _odd_graph():
    names = {}
    with capture() as captured:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        doubled = x * 2
        shifted = x + 1
        loss = (doubled * shifted).sum()
    names.update({SURROGATE: x, "two\nlines " + MARKUP: doubled, "esc\x1b[31m": shifted,
                  "loss": loss})
    return graph(captured, names=captured.name_tensors(names)), x, loss


def test_svg_is_valid_utf8_xml_with_the_names_escaped():
    cell_graph, _, _ = _odd_graph()
    for direction in ("LR", "TB"):
        svg = to_svg(cell_graph, direction)
        svg.encode("utf-8")
        root = ElementTree.fromstring(svg)
        texts = [element.text for element in root.iter() if element.text]
        assert any("a\ufffdb" in text for text in texts)
        assert any("two\\nlines " + MARKUP in text for text in texts)  # one line, shown as typed
        assert any("esc\\x1b[31m" in text for text in texts)
        assert "<&>" not in svg


def test_text_is_valid_utf8_one_line_per_node():
    cell_graph, _, _ = _odd_graph()
    text = to_text(cell_graph)
    text.encode("utf-8")
    assert "a\ufffdb" in text and "two\\nlines " + MARKUP in text and "\x1b" not in text
    assert not any(line.lstrip("│├└─ ").startswith("lines") for line in text.splitlines())


def test_dot_is_valid_utf8_with_every_string_quoted():
    cell_graph, _, _ = _odd_graph()
    dot = to_dot(cell_graph)
    dot.encode("utf-8")
    assert "a\ufffdb" in dot and "two\\\\nlines <&>\\\"'" in dot and "\x1b" not in dot
    for line in dot.splitlines()[4:-1]:  # each node and edge statement stays on one line
        assert line.rstrip().endswith(";")


def test_explain_is_valid_utf8_in_text_and_markdown():
    with capture() as captured:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        loss = (x * 3).sum()
    captured.name_tensors({SURROGATE: x, "loss": loss})
    loss.backward()
    answer = explain(x, loss)
    str(answer).encode("utf-8")
    answer._repr_markdown_().encode("utf-8")
    assert "\ud800" not in str(answer)


def test_widget_html_and_text_are_valid_utf8():
    pytest.importorskip("ipywidgets")
    from gradlab.widgets import BackpropStepper, GraphView

    cell_graph, x, loss = _odd_graph()
    view = GraphView(cell_graph)
    try:
        for node_id in [node.id for node in cell_graph.nodes]:
            view.select(node_id)
            for text in (view.to_html(), view.to_text(), view.details_html()):
                text.encode("utf-8")
            assert "<&>" not in view.to_html()
        for label, _ in view.selector.options:
            label.encode("utf-8")
            assert "\n" not in label
        bundle = view._repr_mimebundle_()
        for key in ("text/html", "text/plain"):
            bundle[key].encode("utf-8")
    finally:
        view.close()
    stepper = BackpropStepper(loss, names={SURROGATE: x, "two\nlines " + MARKUP: loss})
    try:
        bundle = stepper._repr_mimebundle_()
        bundle["text/html"].encode("utf-8")
        bundle["text/plain"].encode("utf-8")
        assert "<&>" not in bundle["text/html"]
        text = stepper.text()
        text.encode("utf-8")
        assert "two\\nlines" in text and not any(line.startswith("lines")
                                                  for line in text.splitlines())
    finally:
        stepper.close()


def test_static_bundle_cleans_whatever_it_is_given():
    from gradlab.widgets._fallback import static_bundle

    bundle = static_bundle(None, f"<p>{SURROGATE}</p>", SURROGATE)
    assert bundle == {"text/html": "<p>a\ufffdb</p>", "text/plain": "a\ufffdb"}
