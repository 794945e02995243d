"""The ``gradlab`` command (gradlab/cli.py): the tour, and ``gradlab lessons``: what it prints, its
exit codes, one line (never a traceback) for a lesson name or folder that cannot be used; and the
wheel that ships the lessons and the command."""
import argparse
import io
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

from gradlab import cli
from gradlab.lessons import working_copy
from gradlab.lessons.catalogue import available_lessons
from gradlab.lessons.jupyterlab import running_as_root
from lesson_folders import ROOT, fake_lessons, gradlab_lessons


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """Two fake lessons standing in for the package's notebooks."""
    return fake_lessons(tmp_path, monkeypatch)


@pytest.fixture
def launched(monkeypatch):
    """Record the JupyterLab command instead of running it (as a user who is not root)."""
    calls = []
    monkeypatch.setattr(cli, "jupyterlab_installed", lambda: True)
    monkeypatch.setattr(cli, "running_as_root", lambda: False)
    monkeypatch.setattr(cli, "run_jupyterlab", lambda command, folder: calls.append((command, folder)) or 0)
    return calls


def run(*argv):
    """``gradlab lessons ARGV``: (exit code, what it printed)."""
    parser = argparse.ArgumentParser()
    cli.add_lessons_arguments(parser)
    out = io.StringIO()
    code = cli.lessons_command(parser.parse_args(list(argv)), out=out)
    return code, out.getvalue()


# ---------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------

def test_command_copies_then_launches(shipped, tmp_path, launched):
    work = tmp_path / "work"
    code, out = run(str(work), "--port", "8899", "--no-browser")
    assert code == 0
    assert f"Copied 2 lessons to {work.resolve()}" in out
    assert "Starting JupyterLab" in out
    (command, folder), = launched
    assert command == [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={work.resolve()}",
                       "--no-browser", "--port=8899"]
    assert pathlib.Path(folder) == work


def test_root_gets_allow_root_and_is_told(shipped, tmp_path, launched, monkeypatch):
    monkeypatch.setattr(cli, "running_as_root", lambda: True)
    code, out = run(str(tmp_path / "work"))
    assert launched[0][0][-1] == "--allow-root"
    assert "You are root" in out


def test_second_run_says_which_copies_were_kept(shipped, tmp_path, launched):
    work = tmp_path / "work"
    run(str(work))
    (work / "01_first_steps.ipynb").write_text("mine")
    (work / "02_the_graph.ipynb").unlink()
    code, out = run(str(work))
    assert "Copied 1 lesson to" in out and "02_the_graph.ipynb" in out
    assert "Kept your own copy of 1 lesson" in out and "01_first_steps.ipynb" in out
    assert (work / "01_first_steps.ipynb").read_text() == "mine"
    code, out = run(str(work))
    assert "Your copies of all 2 lessons" in out and "kept as you left them" in out


def test_default_folder_is_gradlab_lessons_in_the_current_directory(shipped, tmp_path, launched,
                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    run()
    assert (tmp_path / "gradlab-lessons" / "01_first_steps.ipynb").exists()
    assert launched[0][1] == pathlib.Path("gradlab-lessons")


def test_list_prints_titles_and_copies_nothing(shipped, tmp_path, launched, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out = run("--list")
    assert code == 0
    first, second = out.splitlines()[:2]
    assert first.split() == ["01", "First", "steps", "01_first_steps.ipynb"]
    assert second.split() == ["02", "The", "graph", "02_the_graph.ipynb"]
    assert not (tmp_path / "gradlab-lessons").exists() and not launched


def test_reset_command(shipped, tmp_path, launched):
    work = tmp_path / "work"
    run(str(work))
    (work / "01_first_steps.ipynb").write_text("mine")
    code, out = run(str(work), "--reset", "1")
    assert code == 0 and len(launched) == 1
    assert f"Restored {work / '01_first_steps.ipynb'}" in out
    assert "01_first_steps.backup-1.ipynb" in out
    code, out = run(str(work), "--reset", "nine")
    assert code == 2 and "There is no lesson called 'nine'" in out


def test_no_launch_only_copies(shipped, tmp_path, launched):
    code, _ = run(str(tmp_path / "work"), "--no-launch")
    assert code == 0 and not launched and (tmp_path / "work" / "02_the_graph.ipynb").exists()


def test_missing_jupyterlab_gives_the_install_command(shipped, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "jupyterlab_installed", lambda: False)
    code, out = run(str(tmp_path / "work"))
    assert code == 1
    assert "JupyterLab is not installed" in out and 'pip install "gradlab[lab]"' in out
    assert (tmp_path / "work" / "01_first_steps.ipynb").exists()  # copied anyway


def test_the_gradlab_command_has_a_lessons_subcommand(shipped, tmp_path, capsys, monkeypatch):
    assert cli.main(["lessons", "--list"]) == 0
    assert "02  The graph" in capsys.readouterr().out


def test_tour_is_still_the_default(capsys):
    assert cli.main([]) == 0
    assert "AccumulateGrad" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# the real thing: the wheel ships the lessons and the command
# ---------------------------------------------------------------------------

def test_the_wheel_ships_the_lessons_and_the_command_works_from_anywhere(tmp_path):
    """Build the wheel, install it (not editable) and run ``gradlab lessons`` from another folder."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("gradlab", "notebooks"):
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
    # With build isolation, as `pip install .` does: pip fetches the setuptools pyproject.toml asks
    # for. This environment's own may be older (a fresh venv has 65 on Python 3.11) or absent (3.13).
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--wheel-dir", str(tmp_path / "dist"), str(source)],
                           check=False, capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout + build.stderr
    wheel, = (tmp_path / "dist").glob("gradlab-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(name).decode() for name in names
                            if name.endswith(".dist-info/entry_points.txt"))
    lessons = [lesson.name for lesson in available_lessons()]
    assert sorted(name for name in names if name.startswith("gradlab/_lessons/")) == [
        f"gradlab/_lessons/{name}" for name in lessons]
    code = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "gradlab").rglob("*.py"))
    missing = [name for name in code if name not in names]
    assert not missing, f"not in the wheel: {missing}; list their packages in pyproject.toml"
    assert not [name for name in names if name.startswith(("tests/", "scripts/", "notebooks/"))]
    assert "gradlab = gradlab.cli:main" in entry_points

    installed = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(installed), str(wheel)], check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run([sys.executable, "-c", "from gradlab.lessons import catalogue; "
                            "print(catalogue.lessons_folder())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True, timeout=60)
    assert pathlib.Path(where.stdout.strip()) == installed / "gradlab" / "_lessons"
    result = subprocess.run([str(installed / "bin" / "gradlab"), "lessons", "--no-launch"], cwd=elsewhere,
                            env=env, check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Copied {len(lessons)} lessons" in result.stdout
    assert sorted(path.name for path in (elsewhere / "gradlab-lessons").iterdir()) == lessons


# ---------------------------------------------------------------------------
# names: an empty or unknown lesson is refused with the list of lessons
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["", "   ", "nine", "0", "03"])
def test_reset_refuses_an_empty_or_unknown_name_and_lists_the_lessons(shipped, tmp_path, launched, name):
    work = tmp_path / "work"
    code, out = run(str(work), "--reset", name)
    assert code == 2 and not launched
    assert len(out.splitlines()) == 1
    assert out.startswith("gradlab lessons: ")
    assert "The lessons are: 01_first_steps, 02_the_graph." in out
    assert ("A lesson name is needed" if not name.strip() else f"no lesson called {name!r}") in out
    assert not work.exists()  # nothing was copied or launched


# ---------------------------------------------------------------------------
# the working folder: one line saying why it cannot be used, never a traceback
# ---------------------------------------------------------------------------

def _unusable_folder(tmp_path, case):
    """A working folder that cannot be used, and the words the message must contain."""
    if case == "a file":
        (tmp_path / "work").write_text("notes")
        return tmp_path / "work", "is a file, not a folder"
    if case == "inside a file":
        (tmp_path / "notes").write_text("notes")
        return tmp_path / "notes" / "work", "notes is a file, not a folder"
    if case == "missing parent":
        return tmp_path / "no" / "such" / "work", "parent folder"
    if case == "dangling link":
        (tmp_path / "work").symlink_to(tmp_path / "gone")
        return tmp_path / "work", "is a symbolic link to"
    raise AssertionError(case)


FOLDER_CASES = ["a file", "inside a file", "missing parent", "dangling link"]


@pytest.mark.parametrize("reset", [False, True], ids=["copy", "reset"])
@pytest.mark.parametrize("case", FOLDER_CASES)
def test_an_unusable_folder_is_one_line_and_exit_2(shipped, tmp_path, launched, case, reset):
    folder, words = _unusable_folder(tmp_path, case)
    before = sorted(str(path) for path in tmp_path.rglob("*"))
    code, out = run(str(folder), *(["--reset", "1"] if reset else []))
    assert code == 2 and not launched
    assert len(out.splitlines()) == 1 and out.startswith("gradlab lessons: ") and words in out
    assert sorted(str(path) for path in tmp_path.rglob("*")) == before  # nothing created anywhere
    assert not (tmp_path / "gone").exists()


def test_an_empty_folder_name_is_refused_not_the_current_directory(shipped, tmp_path, launched, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out = run("")
    assert code == 2 and "the folder name is empty" in out and not launched
    assert not list(tmp_path.glob("*.ipynb"))


def test_a_missing_folder_is_created_but_not_its_parents(shipped, tmp_path, launched):
    code, _ = run(str(tmp_path / "work"), "--no-launch")
    assert code == 0 and (tmp_path / "work" / "01_first_steps.ipynb").exists()


def test_a_link_to_a_real_folder_is_the_students_choice_and_is_used(shipped, tmp_path, launched):
    (tmp_path / "real").mkdir()
    (tmp_path / "work").symlink_to(tmp_path / "real")
    code, _ = run(str(tmp_path / "work"), "--no-launch")
    assert code == 0 and (tmp_path / "real" / "02_the_graph.ipynb").exists()


def test_a_failed_write_is_one_line_and_exit_1(shipped, tmp_path, launched, monkeypatch):
    """Whatever OSError happens while writing (disk full, permissions changed) is one line."""
    real_write = working_copy._write_new

    def disk_full(path, data):
        if path.name.startswith("02"):
            raise OSError(28, "No space left on device", str(path))
        return real_write(path, data)

    monkeypatch.setattr(working_copy, "_write_new", disk_full)
    code, out = run(str(tmp_path / "work"))
    assert code == 1 and not launched
    assert out.splitlines()[-1] == ("gradlab lessons: could not copy the lessons into "
                                    f"{tmp_path / 'work'}: No space left on device "
                                    f"({tmp_path / 'work' / '02_the_graph.ipynb'})")
    (tmp_path / "work" / "01_first_steps.ipynb").write_text("mine")
    code, out = run(str(tmp_path / "work"), "--reset", "01")
    assert code == 0 and (tmp_path / "work" / "01_first_steps.backup-1.ipynb").read_text() == "mine"
    code, out = run(str(tmp_path / "work"), "--reset", "02")
    assert code == 1 and len(out.splitlines()) == 1 and "could not reset" in out


def _without_root_powers():
    """preexec_fn for a child that keeps uid 0 but loses the power to write anywhere (Linux)."""
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def drop():
        for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP; applies from the exec on
                raise OSError(ctypes.get_errno(), "cannot drop a capability")
    return drop


def test_a_read_only_folder_is_one_line_and_exit_2(tmp_path):
    """For real: a folder without write permission (as root, with the override capability dropped)."""
    options = {}
    if running_as_root():
        if not sys.platform.startswith("linux"):
            pytest.skip("root ignores permissions and dropping that power needs Linux")
        options["preexec_fn"] = _without_root_powers()
    work = tmp_path / "work"
    work.mkdir()
    work.chmod(0o555)
    try:
        result = gradlab_lessons(str(work), "--no-launch", cwd=tmp_path, **options)
        reset = gradlab_lessons(str(work), "--reset", "1", cwd=tmp_path, **options)
    finally:
        work.chmod(0o755)
    if result.returncode == 0 and running_as_root():
        pytest.skip("this container does not let root drop CAP_DAC_OVERRIDE")
    for attempt in (result, reset):
        assert attempt.returncode == 2, attempt.stdout + attempt.stderr
        assert attempt.stdout == ""
        assert attempt.stderr == f"gradlab lessons: {work} is read-only for you: the lessons cannot be " \
                                 "copied or saved there; name another folder.\n"
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("case", FOLDER_CASES + ["empty name", "unknown lesson"])
def test_the_real_command_prints_one_line_on_stderr(tmp_path, case):
    if case == "empty name":
        argv, words = ["work", "--reset", ""], "A lesson name is needed"
    elif case == "unknown lesson":
        argv, words = ["work", "--reset", "99"], "There is no lesson called '99'"
    else:
        folder, words = _unusable_folder(tmp_path, case)
        argv = [str(folder), "--no-launch"]
    result = gradlab_lessons(*argv, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1 and words in result.stderr
    if case in ("empty name", "unknown lesson"):
        assert "03_the_computational_graph" in result.stderr  # the list of lessons


# ---------------------------------------------------------------------------
# symbolic links with a lesson's name: never followed, always reported
# ---------------------------------------------------------------------------

def test_a_dangling_link_named_like_a_lesson_is_skipped_and_said(shipped, tmp_path, launched):
    work = tmp_path / "work"
    work.mkdir()
    outside = tmp_path / "outside" / "02_the_graph.ipynb"
    outside.parent.mkdir()
    (work / "02_the_graph.ipynb").symlink_to(outside)
    code, out = run(str(work))
    assert code == 0
    assert not outside.exists()  # the lesson was not written through the link, outside the folder
    assert (work / "02_the_graph.ipynb").is_symlink() and os.readlink(work / "02_the_graph.ipynb") == str(outside)
    assert "Copied 1 lesson" in out and "Skipped 1 lesson" in out
    assert f"  02_the_graph.ipynb: it is a symbolic link to {outside}, which gradlab does not follow" in out


def test_reset_moves_a_link_aside_without_following_it(shipped, tmp_path, launched):
    work = tmp_path / "work"
    work.mkdir()
    outside = tmp_path / "gone.ipynb"
    (work / "01_first_steps.ipynb").symlink_to(outside)
    code, out = run(str(work), "--reset", "1")
    assert code == 0 and not outside.exists()
    lesson = work / "01_first_steps.ipynb"
    assert not lesson.is_symlink() and lesson.read_bytes() == (shipped / "01_first_steps.ipynb").read_bytes()
    backup = work / "01_first_steps.backup-1.ipynb"
    assert backup.is_symlink() and os.readlink(backup) == str(outside)
    assert f"It was a symbolic link to {outside} (not followed); the link is now {backup}." in out


def test_reset_of_a_folder_named_like_the_lesson_is_refused(shipped, tmp_path, launched):
    (tmp_path / "work" / "01_first_steps.ipynb").mkdir(parents=True)
    code, out = run(str(tmp_path / "work"), "--reset", "1")
    assert code == 2 and len(out.splitlines()) == 1 and "is a folder, not a notebook" in out
