"""The student's working copy (gradlab/lessons/working_copy.py): copying only what is missing,
never over a student's copy and never through a symbolic link; resetting with every backup kept,
even with two resets at once."""
import subprocess
import sys
import threading

import pytest

from gradlab.lessons import working_copy
from gradlab.lessons.catalogue import find_lesson
from lesson_folders import ROOT, fake_lessons, gradlab_lessons


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """Two fake lessons standing in for the package's notebooks."""
    return fake_lessons(tmp_path, monkeypatch)


# ---------------------------------------------------------------------------
# copying: only what is missing, never over a student's copy
# ---------------------------------------------------------------------------

def test_first_run_copies_every_lesson(shipped, tmp_path):
    work = tmp_path / "work"
    copied, kept, skipped = working_copy.copy_lessons(work)
    assert [lesson.name for lesson in copied] == ["01_first_steps.ipynb", "02_the_graph.ipynb"]
    assert kept == [] and skipped == []
    assert sorted(path.name for path in work.iterdir()) == ["01_first_steps.ipynb", "02_the_graph.ipynb"]
    assert (work / "01_first_steps.ipynb").read_bytes() == (shipped / "01_first_steps.ipynb").read_bytes()


def test_student_copies_are_never_overwritten(shipped, tmp_path):
    work = tmp_path / "work"
    working_copy.copy_lessons(work)
    (work / "01_first_steps.ipynb").write_text("my answers")
    (work / "02_the_graph.ipynb").unlink()
    copied, kept, _ = working_copy.copy_lessons(work)
    assert [lesson.name for lesson in copied] == ["02_the_graph.ipynb"]
    assert [lesson.name for lesson in kept] == ["01_first_steps.ipynb"]
    assert (work / "01_first_steps.ipynb").read_text() == "my answers"


def test_reset_restores_one_lesson_and_backs_up_the_student_copy(shipped, tmp_path):
    work = tmp_path / "work"
    working_copy.copy_lessons(work)
    (work / "02_the_graph.ipynb").write_text("attempt 1")
    first = working_copy.reset_lesson(work, find_lesson("02"))
    assert first == work / "02_the_graph.backup-1.ipynb" and first.read_text() == "attempt 1"
    assert (work / "02_the_graph.ipynb").read_bytes() == (shipped / "02_the_graph.ipynb").read_bytes()
    (work / "02_the_graph.ipynb").write_text("attempt 2")
    second = working_copy.reset_lesson(work, find_lesson("02"))
    assert second.name == "02_the_graph.backup-2.ipynb" and second.read_text() == "attempt 2"
    assert first.read_text() == "attempt 1"


def test_reset_of_an_unchanged_or_missing_lesson_makes_no_backup(shipped, tmp_path):
    work = tmp_path / "work"
    assert working_copy.reset_lesson(work, find_lesson("01")) is None  # missing: just copied
    assert working_copy.reset_lesson(work, find_lesson("01")) is None  # unchanged
    assert sorted(path.name for path in work.iterdir()) == ["01_first_steps.ipynb"]


# ---------------------------------------------------------------------------
# symbolic links with a lesson's name: never followed
# ---------------------------------------------------------------------------

def test_a_link_to_a_real_file_and_a_folder_are_skipped_and_untouched(shipped, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    outside = tmp_path / "elsewhere.ipynb"
    outside.write_text("someone else's file")
    (work / "01_first_steps.ipynb").symlink_to(outside)
    (work / "02_the_graph.ipynb").mkdir()
    copied, kept, skipped = working_copy.copy_lessons(work)
    assert copied == [] and kept == []
    assert [(entry.lesson.name, entry.reason) for entry in skipped] == [
        ("01_first_steps.ipynb", f"it is a symbolic link to {outside}, which gradlab does not follow"),
        ("02_the_graph.ipynb", "it is a folder, not a notebook")]
    assert outside.read_text() == "someone else's file"


def test_a_link_on_a_backup_name_is_passed_over_not_followed(shipped, tmp_path):
    work = tmp_path / "work"
    working_copy.copy_lessons(work)
    outside = tmp_path / "outside.ipynb"
    (work / "01_first_steps.backup-1.ipynb").symlink_to(outside)  # dangling: O_EXCL refuses it too
    (work / "01_first_steps.ipynb").write_text("mine")
    backup = working_copy.reset_lesson(work, find_lesson("1"))
    assert backup == work / "01_first_steps.backup-2.ipynb" and backup.read_text() == "mine"
    assert not outside.exists()


# ---------------------------------------------------------------------------
# backups: an exclusive name each, so resets at the same moment lose nothing
# ---------------------------------------------------------------------------

def _folder_state(work, original):
    """{backup name: text} and checks that hold after any resets: a fresh lesson, no leftovers."""
    assert (work / "02_the_graph.ipynb").read_bytes() == original
    names = sorted(path.name for path in work.iterdir())
    assert not [name for name in names if name.startswith(".")], names  # no scratch files left
    backups = {name: (work / name).read_bytes() for name in names if ".backup-" in name}
    assert all(text not in (b"", original) for text in backups.values()), backups  # none empty or pristine
    return {name: text.decode() for name, text in backups.items()}


@pytest.fixture
def edited(shipped, tmp_path):
    """A working folder where lesson 02 was reset once ("attempt 1") and edited again ("attempt 2")."""
    work = tmp_path / "work"
    working_copy.copy_lessons(work)
    (work / "02_the_graph.ipynb").write_text("attempt 1")
    working_copy.reset_lesson(work, find_lesson("02"))
    (work / "02_the_graph.ipynb").write_text("attempt 2")
    return work, (shipped / "02_the_graph.ipynb").read_bytes()


INTERLEAVINGS = [(when, step) for step in ("_look", "_reserve_backup", "_move_aside", "_write_new")
                 for when in ("before", "after")]


@pytest.mark.parametrize("when, step", INTERLEAVINGS, ids=[f"{w}{s}" for w, s in INTERLEAVINGS])
def test_interleaved_resets_keep_both_backups(edited, monkeypatch, when, step):
    """Reset A stops at each step of its work while reset B runs from start to end, then A goes on.

    Before the exclusive create, A and B both chose backup-2 and the second rename put the
    fresh lesson over the student's "attempt 2".
    """
    work, original = edited
    lesson = find_lesson("02")
    paused, resume = threading.Event(), threading.Event()
    real = getattr(working_copy, step)

    def pausing(*args, **kwargs):
        first = threading.current_thread().name == "reset A" and not paused.is_set()
        if first and when == "before":
            paused.set()
            resume.wait(10)
        result = real(*args, **kwargs)
        if first and when == "after":
            paused.set()
            resume.wait(10)
        return result

    monkeypatch.setattr(working_copy, step, pausing)
    returned = {}
    reset_a = threading.Thread(target=lambda: returned.update(a=working_copy.reset_lesson(work, lesson)),
                               name="reset A")
    reset_a.start()
    assert paused.wait(10), f"reset A never reached {step}"
    returned["b"] = working_copy.reset_lesson(work, lesson)
    resume.set()
    reset_a.join(10)
    assert not reset_a.is_alive()
    backups = _folder_state(work, original)
    assert sorted(backups.values()) == ["attempt 1", "attempt 2"]  # both backups, each once
    assert backups["02_the_graph.backup-1.ipynb"] == "attempt 1"
    made = [path for path in returned.values() if path is not None]
    assert [path.read_text() for path in made] == ["attempt 2"]  # one reset moved it, and says so


def test_a_save_during_a_reset_is_backed_up_too(edited, monkeypatch):
    """The student's JupyterLab saves between the move and the fresh copy: that save is kept."""
    work, original = edited
    real = working_copy._move_aside

    def then_jupyterlab_saves(target):
        backup = real(target)
        if not (work / "saved").exists():  # once
            target.write_text("attempt 3")
            (work / "saved").mkdir()
        return backup

    monkeypatch.setattr(working_copy, "_move_aside", then_jupyterlab_saves)
    backup = working_copy.reset_lesson(work, find_lesson("02"))
    assert backup.read_text() == "attempt 2"
    (work / "saved").rmdir()
    assert sorted(_folder_state(work, original).values()) == ["attempt 1", "attempt 2", "attempt 3"]


def test_concurrent_resets_in_threads_keep_every_backup(edited):
    """Eight resets released together, twenty times, each time over a new edit."""
    work, original = edited
    lesson = find_lesson("02")
    start = threading.Barrier(8)
    errors = []

    def reset():
        try:
            start.wait(10)
            working_copy.reset_lesson(work, lesson)
        except Exception as error:  # noqa: BLE001 (reported by the assert below)
            errors.append(error)

    for attempt in range(2, 22):
        (work / "02_the_graph.ipynb").write_text(f"attempt {attempt}")
        threads = [threading.Thread(target=reset) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert not errors, errors
        backups = _folder_state(work, original)
        assert sorted(backups.values()) == sorted(f"attempt {n}" for n in range(1, attempt + 1))


RESET_RUNNER = """\
import os, pathlib, sys, time
sys.path.insert(0, {root!r})
from gradlab import cli
go = pathlib.Path({go!r})
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
sys.exit(cli.main(["lessons", {work!r}, "--reset", "02"]))
"""


def test_two_concurrent_reset_commands_keep_both_backups(tmp_path):
    """Two real `gradlab lessons --reset 02` processes released at the same moment, five times."""
    work = tmp_path / "work"
    assert gradlab_lessons(str(work), "--no-launch", cwd=tmp_path).returncode == 0
    lesson, = work.glob("02_*.ipynb")  # the shipped lesson 02
    original = (ROOT / "notebooks" / lesson.name).read_bytes()
    for attempt in range(1, 6):
        lesson.write_text(f"attempt {attempt}")
        go = tmp_path / f"go-{attempt}"
        runner = RESET_RUNNER.format(root=str(ROOT), go=str(go), work=str(work))
        resets = [subprocess.Popen([sys.executable, "-c", runner], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True) for _ in range(2)]
        try:
            for reset in resets:
                assert reset.stdout.readline() == "ready\n"
            go.touch()
            outputs = [reset.communicate(timeout=60) for reset in resets]
        finally:
            for reset in resets:
                if reset.poll() is None:
                    reset.kill()
        assert [reset.returncode for reset in resets] == [0, 0], outputs
        said = [out for out, _ in outputs if "Your previous copy is saved as" in out]
        assert len(said) == 1, outputs  # one of them found the edit, the other a fresh lesson
        assert lesson.read_bytes() == original
        backups = sorted(path.read_text() for path in work.glob("02_*.backup-*.ipynb"))
        assert backups == [f"attempt {n}" for n in range(1, attempt + 1)]
    assert not [path for path in work.iterdir() if path.name.startswith(".")]
