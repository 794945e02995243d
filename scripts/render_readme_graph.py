"""Render the README's picture: the seed examples' autograd graph → ``docs/graph.svg``.

    python scripts/render_readme_graph.py            # write docs/graph.svg
    python scripts/render_readme_graph.py --check    # exit 1 if the file is out of date

Run it after changing the renderer; ``tests/test_viz_svg.py`` checks that the
committed file is exactly what this script renders now (so the README never
shows a picture the code no longer draws).
"""
import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "graph.svg"


def seed_graph():
    """The lessons' first examples, captured with their variable names."""
    import gradlab as torch
    from gradlab.viz import capture, graph

    with capture() as cap:
        # a differentiable function and its gradient
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        z = y.sum()
        z.backward()
        # leaf and non-leaf tensors
        a = torch.tensor([2.0, 3.0], requires_grad=True)
        b = a + 5
        # a comparison is not differentiable: the graph is cut there
        mask = b > 7.5
    return graph(cap, names={"x": x, "y": y, "z": z, "a": a, "b": b, "mask": mask})


def render():
    from gradlab.viz import to_svg

    return to_svg(seed_graph(), direction="LR")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that docs/graph.svg is current")
    parser.add_argument("--stdout", action="store_true", help="print the SVG instead of writing it")
    arguments = parser.parse_args(argv)
    svg = render()
    if arguments.stdout:
        sys.stdout.write(svg)
        return 0
    if arguments.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else None
        if current != svg:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python scripts/render_readme_graph.py")
            return 1
        return 0
    OUTPUT.parent.mkdir(exist_ok=True)
    with open(OUTPUT, "w", encoding="utf-8", newline="\n") as file:
        file.write(svg)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # the checkout's gradlab, also when it is not installed
    raise SystemExit(main())
