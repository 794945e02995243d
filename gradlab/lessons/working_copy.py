"""The student's working copy of the lessons: copied and reset without ever losing work.

Only missing lessons are copied: a lesson already in the folder is the
student's copy and is never overwritten. ``reset_lesson`` restores one lesson
after moving the student's copy to ``NAME.backup-<n>.ipynb`` (a name claimed
exclusively: two resets at once keep both backups). Nothing is written
through a symbolic link, and a folder that cannot be used is a FolderError
whose message is one line saying why.
"""
import contextlib
import errno
import itertools
import os
import pathlib
import secrets
import stat
import typing

from .catalogue import Lesson, available_lessons

DEFAULT_WORKING_FOLDER = "gradlab-lessons"


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
