"""The README's promises: its test command is the one CI runs, its example prints what it says."""
import importlib.util
import json
import pathlib
import re
import subprocess
import sys

from gradlab.lessons import catalogue

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _bash_blocks():
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command():
    test_command = next(block.strip() for block in _bash_blocks() if "pytest" in block)
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_both_setup_commands_are_on_the_first_screen():
    first_screen = "\n".join(README.splitlines()[:45])
    assert 'pip install ".[lab]" && gradlab lessons' in first_screen
    assert "python -m pytest" in first_screen


BINDER_LINK = re.compile(r"\(https://mybinder\.org/v2/gh/([^/]+/[^/]+)/HEAD\?urlpath=lab/tree/([^)\s]+)\)")


def test_binder_badge_on_the_first_screen_opens_lesson_01():
    first_screen = "\n".join(README.splitlines()[:45])
    assert "https://mybinder.org/badge_logo.svg" in first_screen
    assert ("notebooks/01_differentiable_functions.ipynb"
            in [path for _, path in BINDER_LINK.findall(first_screen)])


def test_binder_links_use_the_one_repository_slug_and_existing_lessons():
    links = BINDER_LINK.findall(README)
    assert links
    for slug, path in links:
        assert slug == catalogue.BINDER_REPOSITORY, "change the slug in gradlab/lessons/catalogue.py and the README together"
        assert (ROOT / path).is_file(), path


def test_lessons_table_has_every_lesson_with_its_badge_and_exercises():
    section = README.split("\n## Lessons\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| [")]
    shipped = catalogue.available_lessons()
    assert len(rows) == len(shipped)
    for row, lesson in zip(rows, shipped):
        assert lesson.binder_url in row, f"{lesson.name}: no Binder badge with its URL"
        assert f"(notebooks/{lesson.name})" in row, f"{lesson.name}: no link to the notebook"
        notebook = json.loads(lesson.path.read_text(encoding="utf-8"))
        code = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
        for name in dict.fromkeys(re.findall(r"\bexercises\.(\w+)\.check\(", code)):
            assert f"`{name}`" in row, f"{lesson.name}: exercise {name} missing from the table"


def test_readme_example_prints_what_it_claims():
    example = re.search(r"```python\n(import gradlab as torch.*?)```", README, flags=re.S).group(1)
    result = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "tensor([4., 6.])"
    assert re.fullmatch(r"<AddBackward0 object at 0x[0-9a-f]+>", lines[1])
    assert lines[2] == "None"


def test_tour_runs():
    result = subprocess.run([sys.executable, "-m", "gradlab"], capture_output=True, text=True, check=True)
    assert "tensor([4., 6.])" in result.stdout
    assert "AccumulateGrad" in result.stdout


# ------------------------------------------------------------------ benchmarks
def _benchmark_runner():
    """benchmarks/run.py as a module (it measures nothing when imported)."""
    spec = importlib.util.spec_from_file_location("benchmarks_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stored_figures():
    return json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))


def test_benchmark_tables_are_what_run_py_renders_from_its_stored_figures():
    run = _benchmark_runner()
    assert run.readme_section(README) == run.render(_stored_figures()), (
        "the README's benchmark tables differ from run.py's rendering of benchmarks/results.json: "
        "regenerate them with `python benchmarks/run.py --update-readme`")


def test_every_comparison_is_shown_against_pytorch_and_numpy_of_the_same_run():
    run = _benchmark_runner()
    figures = _stored_figures()
    rendered = run.render(figures)
    for part in run.COMPARISONS:
        assert set(figures[part]) >= {"gradlab", "torch", "numpy"}, part
        title, table = run._TABLES[part](figures[part])
        assert title in rendered and table in rendered
        header, _, *rows = table.splitlines()
        assert header.endswith("| vs PyTorch | vs NumPy |")
        cells = {row[0]: row[-2:] for row in
                 ([cell.strip() for cell in line.strip("|").split("|")] for line in rows)}
        assert list(cells) == ["gradlab", "PyTorch CPU", "NumPy"]
        assert cells["PyTorch CPU"][0] == cells["NumPy"][1] == "1.00×"


def test_update_readme_rewrites_only_the_marked_section(tmp_path):
    run = _benchmark_runner()
    readme, stored = tmp_path / "README.md", tmp_path / "results.json"
    readme.write_text(f"before\n{run.BEGIN}\nold tables\n{run.END}\nafter\n", encoding="utf-8")
    figures = _stored_figures()
    run.update_readme(figures, readme=readme, stored=stored)
    text = readme.read_text(encoding="utf-8")
    assert text == f"before\n{run.BEGIN}\n{run.render(figures)}\n{run.END}\nafter\n"
    assert json.loads(stored.read_text(encoding="utf-8")) == figures
