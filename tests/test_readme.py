"""The README's promises: its test command is the one CI runs, its example prints what it says."""
import pathlib
import re
import subprocess
import sys

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
    assert "python -m gradlab" in first_screen
    assert "python -m pytest" in first_screen


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
