"""The lesson catalogue (gradlab/lessons/catalogue.py): the shipped lessons in order, their titles,
finding one by number or name, and their Binder links."""
import pytest

from gradlab.lessons import catalogue
from lesson_folders import ROOT, fake_lessons, write_notebook


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """Two fake lessons standing in for the package's notebooks."""
    return fake_lessons(tmp_path, monkeypatch)


# ---------------------------------------------------------------------------
# finding
# ---------------------------------------------------------------------------

def test_available_lessons_in_order_with_titles(shipped):
    found = catalogue.available_lessons()
    assert [lesson.name for lesson in found] == ["01_first_steps.ipynb", "02_the_graph.ipynb"]
    assert [lesson.title for lesson in found] == ["Lesson 1 — First steps", "Lesson 2 — The graph"]
    assert found[0].number == "01"


@pytest.mark.parametrize("title", ["Lesson 4 — The `grad_fn`", "Lesson 04 · The `grad_fn`",
                                   "Lesson 4: The grad_fn", "The grad_fn"])
def test_short_title_drops_the_lesson_number(tmp_path, title):
    lesson = catalogue.Lesson(write_notebook(tmp_path / "04_x.ipynb", title))
    assert lesson.short_title == "The grad_fn"


def test_title_falls_back_to_the_file_name(tmp_path):
    path = tmp_path / "03_x.ipynb"
    path.write_text("not json")
    assert catalogue.notebook_title(path) == "03_x"


@pytest.mark.parametrize("name", ["2", "02", "02_the_graph", "02_the_graph.ipynb", " 02 "])
def test_find_lesson_by_number_or_name(shipped, name):
    assert catalogue.find_lesson(name).name == "02_the_graph.ipynb"


def test_find_lesson_unknown_names_the_lessons(shipped):
    with pytest.raises(LookupError, match="no lesson called '7'.*01_first_steps, 02_the_graph"):
        catalogue.find_lesson("7")


def test_binder_url_uses_the_one_repository_constant(shipped, monkeypatch):
    monkeypatch.setattr(catalogue, "BINDER_REPOSITORY", "someone/somewhere")
    assert catalogue.find_lesson("01").binder_url == (
        "https://mybinder.org/v2/gh/someone/somewhere/HEAD"
        "?urlpath=lab/tree/notebooks/01_first_steps.ipynb")


# ---------------------------------------------------------------------------
# the real thing: the lessons in notebooks/
# ---------------------------------------------------------------------------

def test_the_package_ships_the_lessons():
    shipped = catalogue.available_lessons()
    assert shipped, f"no lesson notebooks in {catalogue.lessons_folder()}"
    assert catalogue.lessons_folder() == ROOT / "notebooks"  # a source checkout reads notebooks/ itself
    assert all(lesson.title != lesson.path.stem for lesson in shipped)  # each has a title heading
