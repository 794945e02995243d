"""The ``gradlab`` command (``python -m gradlab``): the tour, and ``gradlab lessons``.

``gradlab`` alone prints a short tour of autograd. ``gradlab lessons`` copies
the lesson notebooks into a working folder (``./gradlab-lessons`` by default)
and starts JupyterLab there. A student's copy is never overwritten: only
missing lessons are copied, and ``--reset NAME`` restores one lesson after
saving the student's copy as ``NAME.backup-<n>.ipynb``.

The lessons are the numbered notebooks in the repository's ``notebooks/``.
The wheel ships them inside the package as ``gradlab/_lessons/`` (a
setuptools ``package-dir`` mapping in pyproject.toml), so after
``pip install "gradlab[lab]"`` the command works from any directory; in a
source checkout or an editable install it reads ``notebooks/`` itself.
"""
import argparse
import importlib.resources
import importlib.util
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys

DEFAULT_WORKING_FOLDER = "gradlab-lessons"

# The GitHub repository Binder builds from: the ONE place to change when the
# project's home is known (the README's badges use the same slug).
BINDER_REPOSITORY = "gradlab/gradlab"
BINDER_URL = "https://mybinder.org/v2/gh/{repository}/HEAD?urlpath=lab/tree/notebooks/{name}"

INSTALL_HINT = 'pip install "gradlab[lab]"   (from a clone of the repository: pip install ".[lab]")'


# ---------------------------------------------------------------------------
# finding the lessons
# ---------------------------------------------------------------------------

def lessons_folder():
    """The folder holding the lesson notebooks.

    ``gradlab/_lessons`` inside an installed wheel; otherwise (a source
    checkout, or an editable install, which maps only the Python code) the
    repository's ``notebooks/`` next to the package.
    """
    installed = importlib.resources.files("gradlab") / "_lessons"
    if installed.is_dir():
        return pathlib.Path(str(installed))
    return pathlib.Path(__file__).resolve().parents[1] / "notebooks"


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
    wanted = name.strip().removesuffix(".ipynb")
    if wanted.isdigit():
        wanted = wanted.zfill(2)
    matches = [lesson for lesson in lessons
               if lesson.path.stem == wanted or lesson.number == wanted]
    if len(matches) != 1:
        known = ", ".join(lesson.path.stem for lesson in lessons)
        raise LookupError(f"There is no lesson called {name!r}. The lessons are: {known}.")
    return matches[0]


# ---------------------------------------------------------------------------
# copying them into the student's folder
# ---------------------------------------------------------------------------

def copy_lessons(folder, lessons=None):
    """Copy the lessons missing from ``folder``; returns (copied, kept) lists of lessons.

    A lesson already in the folder is the student's copy: it is kept as it is.
    """
    lessons = available_lessons() if lessons is None else lessons
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for lesson in lessons:
        target = folder / lesson.name
        if target.exists():
            kept.append(lesson)
        else:
            shutil.copyfile(lesson.path, target)
            copied.append(lesson)
    return copied, kept


def reset_lesson(folder, lesson):
    """Put a fresh copy of ``lesson`` in ``folder``; returns the backup of the student's copy.

    The backup is ``NAME.backup-<n>.ipynb`` with the first free n; None when
    there was no copy, or it had not changed.
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / lesson.name
    backup = None
    if target.exists() and target.read_bytes() != lesson.path.read_bytes():
        number = 1
        while (folder / f"{target.stem}.backup-{number}.ipynb").exists():
            number += 1
        backup = folder / f"{target.stem}.backup-{number}.ipynb"
        target.replace(backup)
    shutil.copyfile(lesson.path, target)
    return backup


# ---------------------------------------------------------------------------
# launching JupyterLab there
# ---------------------------------------------------------------------------

def jupyterlab_installed():
    return importlib.util.find_spec("jupyterlab") is not None


def running_as_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def jupyterlab_command(folder, *, port=None, no_browser=False, allow_root=False, python=None, extra=()):
    """The command line that starts JupyterLab with ``folder`` as its root."""
    command = [python or sys.executable, "-m", "jupyterlab",
               f"--ServerApp.root_dir={pathlib.Path(folder).resolve()}"]
    if no_browser:
        command.append("--no-browser")
    if port is not None:
        command.append(f"--port={int(port)}")
    if allow_root:
        command.append("--allow-root")
    command.extend(extra)
    return command


def run_jupyterlab(command, folder):
    """Run JupyterLab until it stops and return its exit code; Ctrl-C stops it.

    Ctrl-C in a terminal reaches JupyterLab as well as us; we pass it on once
    more (for an interrupt sent to this process alone, and so that one Ctrl-C
    is enough) and wait for JupyterLab to shut down cleanly.
    """
    process = subprocess.Popen(command, cwd=folder)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)


# ---------------------------------------------------------------------------
# the command: gradlab lessons
# ---------------------------------------------------------------------------

def add_lessons_arguments(parser):
    parser.add_argument("folder", nargs="?", default=DEFAULT_WORKING_FOLDER,
                        help=f"your working folder (default: ./{DEFAULT_WORKING_FOLDER})")
    parser.add_argument("--list", action="store_true", help="list the lessons and stop")
    parser.add_argument("--reset", metavar="NAME",
                        help="restore lesson NAME (e.g. 03) to its original; your copy is kept "
                             "as NAME.backup-<n>.ipynb")
    parser.add_argument("--no-browser", action="store_true",
                        help="start JupyterLab without opening a browser")
    parser.add_argument("--port", type=int, help="the port JupyterLab listens on")
    parser.add_argument("--no-launch", action="store_true",
                        help="copy the lessons but do not start JupyterLab")


def lessons_command(arguments, out=None):
    """Run ``gradlab lessons`` with parsed ``arguments``; returns the exit code."""
    out = out or sys.stdout

    def say(text=""):
        print(text, file=out)

    lessons = available_lessons()
    folder = pathlib.Path(arguments.folder).expanduser()

    if arguments.list:
        for lesson in lessons:
            say(f"{lesson.number}  {lesson.short_title:<58} {lesson.name}")
        say()
        say(f"`gradlab lessons` copies them to ./{DEFAULT_WORKING_FOLDER} and opens JupyterLab.")
        return 0

    if arguments.reset:
        try:
            lesson = find_lesson(arguments.reset, lessons)
        except LookupError as error:
            say(str(error))
            return 2
        backup = reset_lesson(folder, lesson)
        say(f"Restored {folder / lesson.name} to the original lesson.")
        if backup is not None:
            say(f"Your previous copy is saved as {backup}.")
        return 0

    if not lessons:
        say(f"No lessons found in {lessons_folder()}: this installation of gradlab is incomplete.")
        return 1
    copied, kept = copy_lessons(folder, lessons)
    if copied:
        say(f"Copied {len(copied)} lesson{'s' if len(copied) != 1 else ''} to {folder.resolve()}:")
        for lesson in copied:
            say(f"  {lesson.name}")
    if kept and not copied:
        say(f"Your copies of all {len(kept)} lessons in {folder.resolve()} are kept as you left them "
            "(`gradlab lessons --reset NN` restores one).")
    elif kept:
        say(f"Kept your own copy of {len(kept)} lesson{'s' if len(kept) != 1 else ''} "
            "(never overwritten; `gradlab lessons --reset NN` restores one):")
        for lesson in kept:
            say(f"  {lesson.name}")
    if arguments.no_launch:
        return 0
    if not jupyterlab_installed():
        say()
        say("JupyterLab is not installed, so the lessons cannot be opened. Install it with:")
        say(f"  {INSTALL_HINT}")
        say(f"then run `gradlab lessons` again (or open {folder} in any Jupyter).")
        return 1
    say()
    say(f"Starting JupyterLab in {folder.resolve()} — open 01 to begin. Ctrl-C stops it.")
    as_root = running_as_root()
    if as_root:  # JupyterLab refuses root unless told; students in containers are often root
        say("(You are root, as in many containers: JupyterLab is started with --allow-root.)")
    out.flush()
    command = jupyterlab_command(folder, port=arguments.port, no_browser=arguments.no_browser,
                                 allow_root=as_root)
    return run_jupyterlab(command, folder)


# ---------------------------------------------------------------------------
# the command: gradlab
# ---------------------------------------------------------------------------

def main(argv=None):
    """``gradlab [tour | lessons ...]``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="gradlab",
        description="Learn how PyTorch's autograd works. With no command, runs a short tour.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("tour", help="print the guided tour of autograd (the default)")
    add_lessons_arguments(commands.add_parser(
        "lessons", help=f"copy the lessons to ./{DEFAULT_WORKING_FOLDER} and open them in JupyterLab",
        description="Copy the lessons into a working folder (only the missing ones: your own "
                    "copies are never overwritten) and start JupyterLab there.",
    ))
    arguments = parser.parse_args(argv)
    if arguments.command == "lessons":
        return lessons_command(arguments)
    from .tour import main as tour

    tour()
    return 0
