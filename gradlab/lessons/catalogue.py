"""The lesson catalogue: the numbered notebooks gradlab ships, their titles, and finding one by name.

The lessons are the numbered notebooks in the repository's ``notebooks/``.
The wheel ships them inside the package as ``gradlab/_lessons/`` (a
setuptools ``package-dir`` mapping in pyproject.toml), so after
``pip install "gradlab[lab]"`` the command works from any directory; in a
source checkout or an editable install it reads ``notebooks/`` itself.
"""
import importlib.resources
import json
import pathlib
import re

# The GitHub repository Binder builds from: the ONE place to change when the
# project's home is known (the README's badges use the same slug).
BINDER_REPOSITORY = "gradlab/gradlab"
BINDER_URL = "https://mybinder.org/v2/gh/{repository}/HEAD?urlpath=lab/tree/notebooks/{name}"


def lessons_folder():
    """The folder holding the lesson notebooks.

    ``gradlab/_lessons`` inside an installed wheel; otherwise (a source
    checkout, or an editable install, which maps only the Python code) the
    repository's ``notebooks/`` next to the package.
    """
    installed = importlib.resources.files("gradlab") / "_lessons"
    if installed.is_dir():
        return pathlib.Path(str(installed))
    return pathlib.Path(__file__).resolve().parents[2] / "notebooks"


class Lesson:
    """One lesson notebook: ``name`` is its file name, ``title`` its first heading."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self.name = self.path.name
        self.number = self.name.split("_", 1)[0]

    @property
    def title(self):
        return notebook_title(self.path)

    @property
    def short_title(self):
        """The title without its "Lesson 3 ·" prefix and Markdown backticks (for a terminal)."""
        return re.sub(r"^Lesson\s+\d+\s*[·—:.-]\s*", "", self.title).replace("`", "")

    @property
    def binder_url(self):
        return BINDER_URL.format(repository=BINDER_REPOSITORY, name=self.name)

    def __repr__(self):
        return f"Lesson({self.name!r})"


def available_lessons(folder=None):
    """The lessons shipped with gradlab (or those in ``folder``), in order: ``01_…``, ``02_…``, …"""
    folder = pathlib.Path(lessons_folder() if folder is None else folder)
    return [Lesson(path) for path in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]


def notebook_title(path):
    """The text of the first Markdown heading of a notebook, or its file name."""
    try:
        cells = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return pathlib.Path(path).stem
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        for line in source.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return pathlib.Path(path).stem


def find_lesson(name, lessons=None):
    """The lesson called ``name``: "3", "03", "03_the_computational_graph" or its file name."""
    lessons = available_lessons() if lessons is None else lessons
    known = ", ".join(lesson.path.stem for lesson in lessons)
    wanted = name.strip().removesuffix(".ipynb")
    if not wanted:
        raise LookupError("A lesson name is needed (a number such as 03 is enough). "
                          f"The lessons are: {known}.")
    if wanted.isdigit():
        wanted = wanted.zfill(2)
    matches = [lesson for lesson in lessons
               if lesson.path.stem == wanted or lesson.number == wanted]
    if len(matches) != 1:
        raise LookupError(f"There is no lesson called {name!r}. The lessons are: {known}.")
    return matches[0]
