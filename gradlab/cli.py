"""The ``gradlab`` command (``python -m gradlab``): the tour, and ``gradlab lessons``.

``gradlab`` alone prints a short tour of autograd. ``gradlab lessons`` copies
the lesson notebooks into a working folder (``./gradlab-lessons`` by default)
and starts JupyterLab there. A student's copy is never overwritten: only
missing lessons are copied, and ``--reset NAME`` restores one lesson after
moving the student's copy to ``NAME.backup-<n>.ipynb`` (a name claimed
exclusively: two resets at once keep both backups). Nothing is written
through a symbolic link, a folder that cannot be used is one line saying
why, and JupyterLab stops when the command is stopped (Ctrl-C, SIGTERM,
SIGHUP; on Linux even SIGKILL).

The lessons are the numbered notebooks in the repository's ``notebooks/``.
The wheel ships them inside the package as ``gradlab/_lessons/`` (a
setuptools ``package-dir`` mapping in pyproject.toml), so after
``pip install "gradlab[lab]"`` the command works from any directory; in a
source checkout or an editable install it reads ``notebooks/`` itself.
"""
import argparse
import contextlib
import errno
import importlib.resources
import importlib.util
import itertools
import json
import os
import pathlib
import re
import secrets
import signal
import stat
import subprocess
import sys
import threading
import time
import typing

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


# ---------------------------------------------------------------------------
# the student's folder: checked once, with a one-line reason when it cannot be used
# ---------------------------------------------------------------------------

class FolderError(Exception):
    """The working folder cannot be used; the message is one sentence for the terminal."""


def prepare_folder(folder):
    """Check that ``folder`` can hold the lessons, creating it (but never its parents); returns it.

    Raises FolderError saying why not: it is a file, a symbolic link to
    nothing, read-only, or its parent folder does not exist.
    """
    folder = pathlib.Path(folder)
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        blocking = next((parent for parent in reversed(folder.absolute().parents)
                         if parent.exists() and not parent.is_dir()), folder.parent)
        raise FolderError(f"cannot use {folder}: {blocking} is a file, not a folder.") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        if not folder.exists():
            raise FolderError(f"{folder} is a symbolic link to {os.readlink(folder)}, which does not exist; "
                              "remove the link or name another folder.")
        info = os.stat(folder)
    if info is None:
        parent = folder.absolute().parent
        if not parent.is_dir():
            raise FolderError(f"cannot create {folder}: its parent folder {parent} does not exist "
                              "(create it first, or name another folder).")
        try:
            folder.mkdir()
        except FileExistsError:  # made by another `gradlab lessons` just now: check what it is
            return prepare_folder(folder)
        except PermissionError:
            raise FolderError(f"cannot create {folder}: the folder {parent} is read-only for you.") from None
        except OSError as error:
            raise FolderError(f"cannot create {folder}: {error.strerror}.") from None
        return folder
    if not stat.S_ISDIR(info.st_mode):
        raise FolderError(f"{folder} is a file, not a folder; name a folder for the lessons "
                          f"(the default is ./{DEFAULT_WORKING_FOLDER}).")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FolderError(f"{folder} is read-only for you: the lessons cannot be copied or saved there; "
                          "name another folder.")
    return folder


# ---------------------------------------------------------------------------
# files that are created, never overwritten, and links that are never followed
# ---------------------------------------------------------------------------

# O_EXCL makes "create" fail when anything has the name, a dangling symbolic link included, so a
# write can neither replace a student's file nor land outside the folder through a link.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _look(path):
    """What is at ``path``, links not followed: (kind, detail).

    kind is "missing", "file" (detail: its bytes), "link" (detail: where it
    points), "folder" or "other".
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "missing", None
    if stat.S_ISLNK(info.st_mode):
        return "link", os.readlink(path)
    if stat.S_ISDIR(info.st_mode):
        return "folder", None
    if not stat.S_ISREG(info.st_mode):
        return "other", None
    try:
        descriptor = os.open(path, _READ)
    except FileNotFoundError:  # moved away since lstat
        return "missing", None
    except OSError as error:
        if error.errno == errno.ELOOP:  # became a link since lstat
            return "link", os.readlink(path)
        raise
    with os.fdopen(descriptor, "rb") as stream:
        return "file", stream.read()


def _write_new(path, data):
    """Create ``path`` holding ``data``; FileExistsError when anything already has that name.

    The bytes go to a hidden file first and are published with a hard link,
    which is atomic and refuses an existing name: another reset never sees
    half a lesson. Where hard links are not supported the file is created
    exclusively and written in place.
    """
    path = pathlib.Path(path)
    scratch = path.with_name(f".{path.name}.gradlab-{os.getpid()}-{secrets.token_hex(4)}.tmp")
    descriptor = os.open(scratch, _CREATE, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        try:
            os.link(scratch, path)  # the source is our own regular file
            return
        except FileExistsError:
            raise
        except OSError:  # no hard links on this file system
            pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
    descriptor = os.open(path, _CREATE, 0o666)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)


def _reserve_backup(target):
    """Claim the first free name ``NAME.backup-<n>.ipynb`` next to ``target`` (an empty file).

    The name is taken with an exclusive create, so two resets running at once
    can never choose the same one.
    """
    for number in itertools.count(1):
        candidate = target.with_name(f"{target.stem}.backup-{number}{target.suffix}")
        try:
            os.close(os.open(candidate, _CREATE, 0o600))
        except FileExistsError:
            continue
        return candidate


def _move_aside(target):
    """Move whatever is at ``target`` to a new backup name; None if it was gone already."""
    backup = _reserve_backup(target)
    try:
        os.replace(target, backup)  # moves a link itself, never what it points to
    except FileNotFoundError:  # another reset moved it first
        os.unlink(backup)
        return None
    return backup


class Skipped(typing.NamedTuple):
    """A lesson not copied because something that is not a notebook has its name."""
    lesson: Lesson
    reason: str


class Copied(typing.NamedTuple):
    """What ``copy_lessons`` did: lessons copied, student copies kept, names skipped."""
    copied: list
    kept: list
    skipped: list


def _skip_reason(kind, detail):
    if kind == "link":
        return f"it is a symbolic link to {detail}, which gradlab does not follow"
    if kind == "folder":
        return "it is a folder, not a notebook"
    return "it is not a regular file"


# ---------------------------------------------------------------------------
# copying them into the student's folder
# ---------------------------------------------------------------------------

def copy_lessons(folder, lessons=None):
    """Copy the lessons missing from ``folder``; returns Copied(copied, kept, skipped).

    A lesson already in the folder is the student's copy: it is kept as it is.
    A symbolic link (even one to nothing) or a folder with a lesson's name is
    skipped and never written through.
    """
    lessons = available_lessons() if lessons is None else lessons
    folder = prepare_folder(folder)
    result = Copied([], [], [])
    for lesson in lessons:
        target = folder / lesson.name
        kind, detail = _look(target)
        if kind == "missing":
            try:
                _write_new(target, lesson.path.read_bytes())
                result.copied.append(lesson)
                continue
            except FileExistsError:  # created meanwhile (another `gradlab lessons`): look again
                kind, detail = _look(target)
        if kind in ("file", "missing"):
            result.kept.append(lesson)
        else:
            result.skipped.append(Skipped(lesson, _skip_reason(kind, detail)))
    return result


def reset_lesson(folder, lesson):
    """Put a fresh copy of ``lesson`` in ``folder``; returns the backup of the student's copy.

    The student's copy is moved (renamed, not copied) to
    ``NAME.backup-<n>.ipynb``, a name claimed exclusively, so no backup is
    ever replaced, even by another reset running at the same moment. Returns
    None when there was no copy or it had not changed. A symbolic link with
    the lesson's name is moved aside like a copy, and never followed.
    """
    folder = prepare_folder(folder)
    target = folder / lesson.name
    original = lesson.path.read_bytes()
    backups = []
    for _attempt in range(20):  # each turn changes the folder; only a busy writer makes us go round
        kind, detail = _look(target)
        if kind == "file" and detail == original:
            break
        if kind in ("folder", "other"):
            raise FolderError(f"{target} is {'a folder' if kind == 'folder' else 'not a regular file'}, "
                              "not a notebook: move it away and reset again.")
        if kind != "missing":
            backup = _move_aside(target)
            if backup is not None:
                moved_kind, moved = _look(backup)
                if moved_kind == "file" and moved == original:
                    os.unlink(backup)  # the fresh copy another reset had just made: nothing of the student's
                else:
                    backups.append(backup)
            continue
        try:
            _write_new(target, original)
            break
        except FileExistsError:  # something appeared there meanwhile: look at it again
            continue
    else:
        raise OSError(f"{target} kept changing while it was being reset; your copies are in "
                      f"{folder}; try again")
    return backups[0] if backups else None


# ---------------------------------------------------------------------------
# launching JupyterLab there, and stopping it with us
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


# Signals that ask `gradlab lessons` to stop: a `kill`, a closed terminal or SSH session.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _parent_death_signal():
    """On Linux, a function that makes the calling process get SIGTERM when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    set_parent_death_signal = 1  # PR_SET_PDEATHSIG from <linux/prctl.h>
    return lambda: prctl(set_parent_death_signal, int(signal.SIGTERM), 0, 0, 0)


def _make_child_setup():
    """What the child runs before JupyterLab starts: its own process group, and (Linux) die with us.

    Its own group means a terminal's Ctrl-C or hang-up reaches only us, and we
    pass on one clean stop to JupyterLab and everything it started. The
    parent-death signal covers the one signal we cannot catch, SIGKILL.
    """
    parent = os.getpid()
    die_with_parent = _parent_death_signal()  # looked up here: the child only calls it

    def setup():
        os.setpgid(0, 0)
        if die_with_parent is not None:
            die_with_parent()
            if os.getppid() != parent:  # we died before the signal was armed
                os.kill(os.getpid(), signal.SIGTERM)
    return setup


class _Stopper:
    """Stops the child process group politely once; a request made again later kills it.

    "Later" means half a second after the first: a closing terminal may send
    SIGHUP twice at once (from the kernel and from the shell), which must not
    cut JupyterLab's clean shutdown short.
    """

    AGAIN_AFTER = 0.5  # seconds

    def __init__(self):
        self.process = None
        self.requests = []  # (signal number, time.monotonic())

    def request(self, signum):
        """Ask the child to stop (from a signal handler or the Ctrl-C path)."""
        self.requests.append((signum, time.monotonic()))
        self._send()

    def started(self, process):
        self.process = process
        if self.requests:  # a stop came while it was starting
            self._send()

    def _send(self):
        process = self.process
        if process is None or process.returncode is not None:
            return
        (first, first_time), (_, last_time) = self.requests[0], self.requests[-1]
        if last_time - first_time >= self.AGAIN_AFTER:
            signum = getattr(signal, "SIGKILL", signal.SIGTERM)
        else:
            signum = signal.SIGINT if first == signal.SIGINT else signal.SIGTERM
        try:
            if hasattr(os, "killpg"):
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)
        except (ProcessLookupError, PermissionError):  # it has exited already
            pass


def run_jupyterlab(command, folder):
    """Run JupyterLab until it stops and return its exit code; Ctrl-C, SIGTERM or SIGHUP stop it.

    JupyterLab runs in a process group of its own, so we are the one who
    decides how it stops. Ctrl-C is passed on as SIGINT (one is enough: its
    standard input is not a terminal, so JupyterLab does not ask "Shutdown
    this Jupyter server?"); SIGTERM and SIGHUP — `kill`, a closed terminal —
    are passed on as SIGTERM, JupyterLab's clean shutdown, which stops its
    kernels too (it has no handler for SIGHUP and would die leaving them
    behind). Each time we wait for it to exit; asked again (half a second
    or more later), we kill the group. On Linux JupyterLab also gets SIGTERM if we are killed (SIGKILL).
    A child that died from a signal gives 128 + the signal number.
    """
    stopper = _Stopper()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, lambda number, frame: stopper.request(number))
    try:
        options = {}
        if os.name == "posix":
            options["preexec_fn"] = _make_child_setup()
        process = subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL, **options)
        stopper.started(process)
        while True:
            try:
                code = process.wait()
                break
            except KeyboardInterrupt:
                if not stopper.requests:
                    print("\nStopping JupyterLab… (Ctrl-C again to force it)", file=sys.stderr, flush=True)
                stopper.request(signal.SIGINT)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code if code >= 0 else 128 - code


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
        except KeyboardInterrupt:  # while copying: what was written is whole (see _write_new)
            print("gradlab lessons: interrupted.", file=sys.stderr)
            return 130
    from .tour import main as tour

    tour()
    return 0
