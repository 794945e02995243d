"""The ``gradlab`` command (``python -m gradlab``): the tour, and ``gradlab lessons``.

``gradlab`` alone prints a short tour of autograd. ``gradlab lessons`` copies
the lesson notebooks into a working folder (``./gradlab-lessons`` by default)
and starts JupyterLab there. A student's copy is never overwritten: only
missing lessons are copied, and ``--reset NAME`` restores one lesson after
moving the student's copy to ``NAME.backup-<n>.ipynb``. What goes wrong is
one line saying why, never a traceback, and JupyterLab stops when the command
is stopped (Ctrl-C, SIGTERM, SIGHUP; on Linux even SIGKILL).

This module is the command only: its arguments, what it prints and its exit
codes. The work is done in ``gradlab.lessons``: ``catalogue`` (which lessons
there are), ``working_copy`` (copying and resetting without losing work) and
``jupyterlab`` (starting and stopping JupyterLab).
"""
import argparse
import os
import pathlib
import sys

from .lessons.catalogue import available_lessons, find_lesson, lessons_folder
from .lessons.jupyterlab import jupyterlab_command, jupyterlab_installed, run_jupyterlab, running_as_root
from .lessons.working_copy import DEFAULT_WORKING_FOLDER, FolderError, copy_lessons, reset_lesson

INSTALL_HINT = 'pip install "gradlab[lab]"   (from a clone of the repository: pip install ".[lab]")'


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


def lessons_command(arguments, out=None, err=None):
    """Run ``gradlab lessons`` with parsed ``arguments``; returns the exit code.

    What goes wrong is one line on ``err`` (standard error; ``out`` when only
    that is given), never a traceback: exit code 2 for a lesson name or folder
    that cannot be used, 1 when copying fails or JupyterLab is missing.
    """
    if err is None:
        err = sys.stderr if out is None else out
    out = out or sys.stdout

    def say(text=""):
        print(text, file=out)

    def fail(message, code):
        out.flush()
        print(f"gradlab lessons: {message}", file=err)
        return code

    lessons = available_lessons()

    if arguments.list:
        for lesson in lessons:
            say(f"{lesson.number}  {lesson.short_title:<58} {lesson.name}")
        say()
        say(f"`gradlab lessons` copies them to ./{DEFAULT_WORKING_FOLDER} and opens JupyterLab.")
        return 0

    if arguments.reset is not None:  # `--reset ''` too: refused below, never ignored
        try:
            lesson = find_lesson(arguments.reset, lessons)
        except LookupError as error:
            return fail(str(error), 2)
    if not arguments.folder.strip():
        return fail("the folder name is empty; name a folder, or leave it out for "
                    f"./{DEFAULT_WORKING_FOLDER}.", 2)
    folder = pathlib.Path(arguments.folder).expanduser()

    if arguments.reset is not None:
        try:
            backup = reset_lesson(folder, lesson)
        except FolderError as error:
            return fail(str(error), 2)
        except OSError as error:
            return fail(f"could not reset {folder / lesson.name}: {_describe(error)}", 1)
        say(f"Restored {folder / lesson.name} to the original lesson.")
        if backup is not None and backup.is_symlink():
            say(f"It was a symbolic link to {os.readlink(backup)} (not followed); the link is now {backup}.")
        elif backup is not None:
            say(f"Your previous copy is saved as {backup}.")
        return 0

    if not lessons:
        return fail(f"no lessons found in {lessons_folder()}: this installation of gradlab is incomplete.", 1)
    try:
        copied, kept, skipped = copy_lessons(folder, lessons)
    except FolderError as error:
        return fail(str(error), 2)
    except OSError as error:
        return fail(f"could not copy the lessons into {folder}: {_describe(error)}", 1)
    if copied:
        say(f"Copied {len(copied)} lesson{'s' if len(copied) != 1 else ''} to {folder.resolve()}:")
        for lesson in copied:
            say(f"  {lesson.name}")
    if kept and not copied and not skipped:
        say(f"Your copies of all {len(kept)} lessons in {folder.resolve()} are kept as you left them "
            "(`gradlab lessons --reset NN` restores one).")
    elif kept:
        say(f"Kept your own copy of {len(kept)} lesson{'s' if len(kept) != 1 else ''} "
            "(never overwritten; `gradlab lessons --reset NN` restores one):")
        for lesson in kept:
            say(f"  {lesson.name}")
    if skipped:
        say(f"Skipped {len(skipped)} lesson{'s' if len(skipped) != 1 else ''} "
            "(remove what has the name, or `gradlab lessons --reset NN` moves it aside):")
        for lesson, reason in skipped:
            say(f"  {lesson.name}: {reason}")
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


def _describe(error):
    """An OSError in words, without Python's "[Errno 13]" prefix."""
    if error.strerror and error.filename:
        return f"{error.strerror} ({error.filename})"
    return error.strerror or str(error)


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
        try:
            return lessons_command(arguments)
        except KeyboardInterrupt:  # while copying: what was written is whole (see working_copy._write_new)
            print("gradlab lessons: interrupted.", file=sys.stderr)
            return 130
    from .tour import main as tour

    tour()
    return 0
