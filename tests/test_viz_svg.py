"""gradlab.viz.svg: well-formed, self-contained, deterministic, escaped, with hover titles."""
import os
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import gradlab as torch
from gradlab.viz import capture, graph, save_svg, to_svg

ROOT = pathlib.Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"

SEED = """
import gradlab as torch
from gradlab.viz import capture, graph, to_svg
with capture() as cap:
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    z = y.sum()
    z.backward()
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = a + 5
    with torch.no_grad():
        frozen = a * 2
    d = a.detach()
    mask = a > 2.5
    index = a.argmax()
svg = to_svg(graph(cap, names=globals()))
"""


def _seed_svg(direction="LR"):
    namespace = {}
    exec(compile(SEED, "<cell>", "exec"), namespace)
    if direction == "LR":
        return namespace["svg"]
    return to_svg(graph(namespace["cap"], names=namespace), direction=direction)


def _texts(root):
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_well_formed_with_names_grad_fns_and_leaf_words(direction):
    svg = _seed_svg(direction)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    texts = _texts(root)
    for expected in ("x", "y", "PowBackward0", "SumBackward0", "AddBackward0", "leaf", "non-leaf",
                     "no grad"):
        assert expected in texts
    assert "value [2., 3.]" in texts and "grad [4., 6.]" in texts
    nodes = [g for g in root.iter(f"{SVG}g") if "gradlab-node" in g.get("class", "").split()]
    assert len(nodes) >= 12
    for node in nodes:
        assert node[0].tag == f"{SVG}title"  # the hover text comes first
    hover = [node[0].text for node in nodes if node[0].text.startswith("x  [leaf]")][0]
    for field in ("value: [2., 3.]", "grad: [4., 6.]", "shape: [2]", "dtype: torch.float32",
                  "requires_grad: True", "is_leaf: True", "grad_fn: None"):
        assert field in hover


def test_cuts_are_drawn_with_their_reasons():
    texts = " ".join(_texts(ET.fromstring(_seed_svg())))
    for reason in ("made under torch.no_grad()", "detach() cut the graph",
                   "comparison (>) gives a bool", "argmax gives integer indices"):
        assert reason in texts
    assert texts.count("✂") >= 8  # on each cut arrow and in each cut box


def test_self_contained_and_free_of_addresses():
    svg = _seed_svg()
    assert "<script" not in svg and "href" not in svg and "<style" not in svg and "url(" not in svg
    assert not re.search(r"0x[0-9a-f]{6,}", svg)
    assert " id=" not in svg  # many pictures can share one page


def test_deterministic_in_process_and_in_a_fresh_interpreter():
    first = _seed_svg()
    assert _seed_svg() == first
    script = SEED + "\nimport sys\nsys.stdout.write(svg)\n"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, env=env, encoding="utf-8")
    # the fresh process compiled the cell from "<string>": same lines, same picture
    assert result.stdout == first


def test_everything_is_escaped():
    x = torch.tensor([1.0], requires_grad=True)
    y = x * 2
    names = {id(x): ['a<b & "c" \'d\' \x01'], id(y): ["</text><script>alert(1)</script>"]}
    svg = to_svg(graph(y, names=names))
    root = ET.fromstring(svg)  # parses: nothing broke out of its element or attribute
    texts = _texts(root)
    assert "a<b & \"c\" 'd' \\x01" in texts  # a control character is shown, not obeyed
    assert "</text><script>alert(1)</script>" in texts
    assert "<script>" not in svg


def test_summary_and_notes_are_in_the_picture():
    x = torch.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(300):
        y = y * 1.0
    svg = to_svg(graph(y, max_nodes=50))
    texts = " ".join(_texts(ET.fromstring(svg)))
    assert "note: collapsed" in texts and "nodes collapsed" in texts and "collapsed" in texts


def test_empty_graph_and_save_svg(tmp_path):
    with capture() as cap:
        pass
    svg = to_svg(graph(cap))
    assert "nothing to draw" in svg
    ET.fromstring(svg)
    g = graph(torch.ones(2, requires_grad=True) * 3)
    path = tmp_path / "graph.svg"
    assert save_svg(g, path) == path
    assert path.read_text(encoding="utf-8") == to_svg(g)
    save_svg(g, path, direction="TB")
    assert path.read_text(encoding="utf-8") == to_svg(g, direction="TB")


def test_highlight_marks_a_node():
    g = graph(torch.ones(2, requires_grad=True) * 3)
    plain = to_svg(g)
    marked = to_svg(g, highlight=[g.nodes[0].id])
    assert plain != marked and "#ffe082" in marked


def test_readme_picture_is_current():
    """docs/graph.svg is exactly what scripts/render_readme_graph.py draws now."""
    committed = (ROOT / "docs" / "graph.svg").read_text(encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_readme_graph.py"), "--stdout"],
                            capture_output=True, text=True, check=True, encoding="utf-8")
    assert result.stdout == committed, "run: python scripts/render_readme_graph.py"
    texts = _texts(ET.fromstring(committed))
    assert {"x", "y", "PowBackward0", "SumBackward0", "leaf"} <= set(texts)


def test_the_legend_wraps_to_the_picture_and_stays_readable_below_a_wide_graph():
    from gradlab.viz.svg import LEGEND_WIDTH

    def legend_right_edge(svg):
        legend = svg[svg.index('<g class="gradlab-legend">'):]
        return max(float(x) + len(words) * 7.25 * 11 / 12
                   for x, words in re.findall(r'<text x="([\d.]+)"[^>]*>([^<]*)</text>', legend))

    x = torch.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(40):
        y = y * 1.5
    wide = to_svg(graph(y, names={"x": x}, max_nodes=5000))
    width = float(re.search(r'<svg[^>]* width="([\d.]+)"', wide).group(1))
    assert width > 2 * LEGEND_WIDTH
    assert legend_right_edge(wide) <= LEGEND_WIDTH  # seen whole at the left, without scrolling
    small = to_svg(graph(x * 2, names={"x": x}))
    small_width = float(re.search(r'<svg[^>]* width="([\d.]+)"', small).group(1))
    assert small_width < LEGEND_WIDTH and legend_right_edge(small) <= small_width  # wraps in the picture
