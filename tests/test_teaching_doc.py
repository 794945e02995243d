"""docs/teaching.md: its worked exercise runs, and prints what the page says it prints.

Each ```python block runs in one namespace, in order; a ```text block right after
one is that block's exact output. The ```ini block is the config file the page
tells teachers to write: it must hide the solutions.
"""
import contextlib
import io
import pathlib
import re

import pytest

from gradlab.exercises import classroom

PAGE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "teaching.md"
BLOCK = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.S | re.M)


def blocks():
    return [(language, re.sub(rf"(?m)^{indent}", "", body)) for indent, language, body
            in BLOCK.findall(PAGE.read_text(encoding="utf-8"))]


def test_the_worked_exercise_prints_what_the_page_shows(monkeypatch):
    monkeypatch.delenv("GRADLAB_HIDE_SOLUTIONS", raising=False)
    namespace = {}
    found = blocks()
    python_blocks = 0
    for position, (language, body) in enumerate(found):
        if language != "python":
            continue
        python_blocks += 1
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(body, f"{PAGE.name} block {position}", "exec"), namespace)
        following = found[position + 1] if position + 1 < len(found) else (None, None)
        if following[0] == "text":
            assert printed.getvalue() == following[1], f"block {position} printed:\n{printed.getvalue()}"
    assert python_blocks >= 5


def test_the_solution_on_the_page_passes_its_own_check(monkeypatch):
    monkeypatch.delenv("GRADLAB_HIDE_SOLUTIONS", raising=False)
    namespace = {}
    exec(blocks()[0][1], namespace)
    exercise = namespace["softplus_derivative"]
    solution = {"torch": namespace["torch"]}
    exec(exercise.solution_text, solution)
    assert exercise.evaluate(solution["derivative"]).correct


def test_the_config_file_on_the_page_hides_the_solutions(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADLAB_HIDE_SOLUTIONS", raising=False)
    (ini,) = [body for language, body in blocks() if language == "ini"]
    path = tmp_path / "gradlab.ini"
    path.write_text(ini, encoding="utf-8")
    monkeypatch.setenv("GRADLAB_CONFIG", str(path))
    assert classroom.solutions_hidden()


def test_every_lesson_has_a_time_on_the_page():
    from gradlab.lessons import available_lessons

    text = PAGE.read_text(encoding="utf-8")
    for lesson in available_lessons():
        assert re.search(rf"^\| {lesson.number} · .*\| \d+ \|", text, re.M), lesson.name


@pytest.mark.parametrize("link", ["docs/teaching.md"])
def test_the_readme_links_the_page(link):
    readme = PAGE.parents[1] / "README.md"
    assert f"({link})" in readme.read_text(encoding="utf-8")
