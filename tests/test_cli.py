"""The ``gradlab`` command (gradlab/cli.py): the tour, and ``gradlab lessons``: finding, copying
(never over a student's copy, never through a symbolic link), resetting (every backup kept, even
with two resets at once), one-line errors, launching and stopping JupyterLab; and the wheel that
ships the lessons."""
import argparse
import importlib.util
import io
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile

import pytest

from gradlab import cli

ROOT = pathlib.Path(__file__).resolve().parents[1]


def write_notebook(path, title, code="print(1)"):
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": [f"# {title}\n", "\n", "## Goals\n"]},
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [code]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """Two fake lessons standing in for the package's notebooks."""
    folder = tmp_path / "shipped"
    folder.mkdir()
    write_notebook(folder / "01_first_steps.ipynb", "Lesson 1 — First steps")
    write_notebook(folder / "02_the_graph.ipynb", "Lesson 2 — The graph")
    (folder / "README.md").write_text("")  # not a lesson
    monkeypatch.setattr(cli, "lessons_folder", lambda: folder)
    return folder


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
# finding
# ---------------------------------------------------------------------------

def test_available_lessons_in_order_with_titles(shipped):
    found = cli.available_lessons()
    assert [lesson.name for lesson in found] == ["01_first_steps.ipynb", "02_the_graph.ipynb"]
    assert [lesson.title for lesson in found] == ["Lesson 1 — First steps", "Lesson 2 — The graph"]
    assert found[0].number == "01"


@pytest.mark.parametrize("title", ["Lesson 4 — The `grad_fn`", "Lesson 04 · The `grad_fn`",
                                   "Lesson 4: The grad_fn", "The grad_fn"])
def test_short_title_drops_the_lesson_number(tmp_path, title):
    lesson = cli.Lesson(write_notebook(tmp_path / "04_x.ipynb", title))
    assert lesson.short_title == "The grad_fn"


def test_title_falls_back_to_the_file_name(tmp_path):
    path = tmp_path / "03_x.ipynb"
    path.write_text("not json")
    assert cli.notebook_title(path) == "03_x"


@pytest.mark.parametrize("name", ["2", "02", "02_the_graph", "02_the_graph.ipynb", " 02 "])
def test_find_lesson_by_number_or_name(shipped, name):
    assert cli.find_lesson(name).name == "02_the_graph.ipynb"


def test_find_lesson_unknown_names_the_lessons(shipped):
    with pytest.raises(LookupError, match="no lesson called '7'.*01_first_steps, 02_the_graph"):
        cli.find_lesson("7")


def test_binder_url_uses_the_one_repository_constant(shipped, monkeypatch):
    monkeypatch.setattr(cli, "BINDER_REPOSITORY", "someone/somewhere")
    assert cli.find_lesson("01").binder_url == (
        "https://mybinder.org/v2/gh/someone/somewhere/HEAD"
        "?urlpath=lab/tree/notebooks/01_first_steps.ipynb")


# ---------------------------------------------------------------------------
# copying: only what is missing, never over a student's copy
# ---------------------------------------------------------------------------

def test_first_run_copies_every_lesson(shipped, tmp_path):
    work = tmp_path / "work"
    copied, kept, skipped = cli.copy_lessons(work)
    assert [lesson.name for lesson in copied] == ["01_first_steps.ipynb", "02_the_graph.ipynb"]
    assert kept == [] and skipped == []
    assert sorted(path.name for path in work.iterdir()) == ["01_first_steps.ipynb", "02_the_graph.ipynb"]
    assert (work / "01_first_steps.ipynb").read_bytes() == (shipped / "01_first_steps.ipynb").read_bytes()


def test_student_copies_are_never_overwritten(shipped, tmp_path):
    work = tmp_path / "work"
    cli.copy_lessons(work)
    (work / "01_first_steps.ipynb").write_text("my answers")
    (work / "02_the_graph.ipynb").unlink()
    copied, kept, _ = cli.copy_lessons(work)
    assert [lesson.name for lesson in copied] == ["02_the_graph.ipynb"]
    assert [lesson.name for lesson in kept] == ["01_first_steps.ipynb"]
    assert (work / "01_first_steps.ipynb").read_text() == "my answers"


def test_reset_restores_one_lesson_and_backs_up_the_student_copy(shipped, tmp_path):
    work = tmp_path / "work"
    cli.copy_lessons(work)
    (work / "02_the_graph.ipynb").write_text("attempt 1")
    first = cli.reset_lesson(work, cli.find_lesson("02"))
    assert first == work / "02_the_graph.backup-1.ipynb" and first.read_text() == "attempt 1"
    assert (work / "02_the_graph.ipynb").read_bytes() == (shipped / "02_the_graph.ipynb").read_bytes()
    (work / "02_the_graph.ipynb").write_text("attempt 2")
    second = cli.reset_lesson(work, cli.find_lesson("02"))
    assert second.name == "02_the_graph.backup-2.ipynb" and second.read_text() == "attempt 2"
    assert first.read_text() == "attempt 1"


def test_reset_of_an_unchanged_or_missing_lesson_makes_no_backup(shipped, tmp_path):
    work = tmp_path / "work"
    assert cli.reset_lesson(work, cli.find_lesson("01")) is None  # missing: just copied
    assert cli.reset_lesson(work, cli.find_lesson("01")) is None  # unchanged
    assert sorted(path.name for path in work.iterdir()) == ["01_first_steps.ipynb"]


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


def test_jupyterlab_command_defaults():
    command = cli.jupyterlab_command("somewhere", python="/usr/bin/python3")
    assert command == ["/usr/bin/python3", "-m", "jupyterlab",
                       f"--ServerApp.root_dir={pathlib.Path('somewhere').resolve()}"]


# ---------------------------------------------------------------------------
# the real thing: shipped lessons, the wheel, a running JupyterLab
# ---------------------------------------------------------------------------

def test_the_package_ships_the_lessons():
    shipped = cli.available_lessons()
    assert shipped, f"no lesson notebooks in {cli.lessons_folder()}"
    assert cli.lessons_folder() == ROOT / "notebooks"  # a source checkout reads notebooks/ itself
    assert all(lesson.title != lesson.path.stem for lesson in shipped)  # each has a title heading


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
    lessons = [lesson.name for lesson in cli.available_lessons()]
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
    where = subprocess.run([sys.executable, "-c", "from gradlab import cli; print(cli.lessons_folder())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True, timeout=60)
    assert pathlib.Path(where.stdout.strip()) == installed / "gradlab" / "_lessons"
    result = subprocess.run([str(installed / "bin" / "gradlab"), "lessons", "--no-launch"], cwd=elsewhere,
                            env=env, check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Copied {len(lessons)} lessons" in result.stdout
    assert sorted(path.name for path in (elsewhere / "gradlab-lessons").iterdir()) == lessons


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(importlib.util.find_spec("jupyterlab") is None, reason="JupyterLab is not installed")
def test_the_launch_command_really_starts_jupyterlab(tmp_path):
    port = _free_port()
    folder = tmp_path / "work"
    folder.mkdir()
    settings = tmp_path / "settings"
    command = cli.jupyterlab_command(folder, port=port, no_browser=True,
                                     allow_root=cli.running_as_root(), extra=[
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
        "--ServerApp.password=", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp_path / 'ws'}",
    ])
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2) as reply:
                    status = json.loads(reply.read())
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("JupyterLab did not answer /api/status within 30 s")
                time.sleep(0.3)
        assert "started" in status
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=5) as reply:
            assert json.loads(reply.read())["path"] == ""
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_interrupt_stops_the_server_and_returns(tmp_path):
    """run_jupyterlab passes Ctrl-C on and waits: here with a stand-in server that exits on SIGINT."""
    script = tmp_path / "server.py"
    script.write_text("import time, sys\n"
                      "print('up', flush=True)\n"
                      "try:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    sys.exit(7)\n")
    runner = tmp_path / "runner.py"
    runner.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from gradlab.cli import run_jupyterlab\n"
        f"sys.exit(run_jupyterlab([sys.executable, {str(script)!r}], {str(tmp_path)!r}))\n")
    process = subprocess.Popen([sys.executable, str(runner)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "up"
        process.send_signal(signal.SIGINT)  # to the runner only, as `kill -INT` would
        assert process.wait(timeout=20) == 7
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


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
    real_write = cli._write_new

    def disk_full(path, data):
        if path.name.startswith("02"):
            raise OSError(28, "No space left on device", str(path))
        return real_write(path, data)

    monkeypatch.setattr(cli, "_write_new", disk_full)
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


def gradlab_lessons(*argv, cwd, timeout=60, **options):
    """Run the real ``python -m gradlab lessons ARGV`` (the shipped lessons) in a new process."""
    return subprocess.run([sys.executable, "-m", "gradlab", "lessons", *argv], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=timeout, check=False, **options)


def test_a_read_only_folder_is_one_line_and_exit_2(tmp_path):
    """For real: a folder without write permission (as root, with the override capability dropped)."""
    options = {}
    if cli.running_as_root():
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
    if result.returncode == 0 and cli.running_as_root():
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


def test_a_link_to_a_real_file_and_a_folder_are_skipped_and_untouched(shipped, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    outside = tmp_path / "elsewhere.ipynb"
    outside.write_text("someone else's file")
    (work / "01_first_steps.ipynb").symlink_to(outside)
    (work / "02_the_graph.ipynb").mkdir()
    copied, kept, skipped = cli.copy_lessons(work)
    assert copied == [] and kept == []
    assert [(entry.lesson.name, entry.reason) for entry in skipped] == [
        ("01_first_steps.ipynb", f"it is a symbolic link to {outside}, which gradlab does not follow"),
        ("02_the_graph.ipynb", "it is a folder, not a notebook")]
    assert outside.read_text() == "someone else's file"


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


def test_a_link_on_a_backup_name_is_passed_over_not_followed(shipped, tmp_path):
    work = tmp_path / "work"
    cli.copy_lessons(work)
    outside = tmp_path / "outside.ipynb"
    (work / "01_first_steps.backup-1.ipynb").symlink_to(outside)  # dangling: O_EXCL refuses it too
    (work / "01_first_steps.ipynb").write_text("mine")
    backup = cli.reset_lesson(work, cli.find_lesson("1"))
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
    cli.copy_lessons(work)
    (work / "02_the_graph.ipynb").write_text("attempt 1")
    cli.reset_lesson(work, cli.find_lesson("02"))
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
    lesson = cli.find_lesson("02")
    paused, resume = threading.Event(), threading.Event()
    real = getattr(cli, step)

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

    monkeypatch.setattr(cli, step, pausing)
    returned = {}
    reset_a = threading.Thread(target=lambda: returned.update(a=cli.reset_lesson(work, lesson)), name="reset A")
    reset_a.start()
    assert paused.wait(10), f"reset A never reached {step}"
    returned["b"] = cli.reset_lesson(work, lesson)
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
    real = cli._move_aside

    def then_jupyterlab_saves(target):
        backup = real(target)
        if not (work / "saved").exists():  # once
            target.write_text("attempt 3")
            (work / "saved").mkdir()
        return backup

    monkeypatch.setattr(cli, "_move_aside", then_jupyterlab_saves)
    backup = cli.reset_lesson(work, cli.find_lesson("02"))
    assert backup.read_text() == "attempt 2"
    (work / "saved").rmdir()
    assert sorted(_folder_state(work, original).values()) == ["attempt 1", "attempt 2", "attempt 3"]


def test_concurrent_resets_in_threads_keep_every_backup(edited):
    """Eight resets released together, twenty times, each time over a new edit."""
    work, original = edited
    lesson = cli.find_lesson("02")
    start = threading.Barrier(8)
    errors = []

    def reset():
        try:
            start.wait(10)
            cli.reset_lesson(work, lesson)
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


# ---------------------------------------------------------------------------
# stopping: SIGTERM / SIGHUP reach JupyterLab (a stand-in here), and we wait for it
# ---------------------------------------------------------------------------

STAND_IN = """\
import os, signal, subprocess, sys, time
notes = {notes!r}
def note(text):
    with open(notes, "a") as stream:
        stream.write(text + "\\n")
# a helper process in its group, as JupyterLab starts its own helpers
helper = subprocess.Popen([sys.executable, "-c",
    "import signal, sys, time\\n"
    "def stop(n, f):\\n"
    "    open({notes!r}, 'a').write('helper got %d\\\\n' % n); sys.exit(0)\\n"
    "signal.signal(signal.SIGTERM, stop)\\n"
    "print('helper up', flush=True)\\n"
    "time.sleep(60)\\n"], stdout=subprocess.PIPE, text=True)
helper.stdout.readline()
def stop(number, frame):
    note(f"server got {{number}}")
    time.sleep(0.5)  # a clean shutdown takes a moment: gradlab must wait for it
    if helper.poll() is None:  # not stopped by a signal to the group: stop it, as JupyterLab its kernels
        note("server stops its helper")
        helper.terminate()
    helper.wait(10)
    note("server done")
    sys.exit(3)
if {ignore}:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, stop)
note(f"group {{os.getpgid(0) == os.getpid()}} stdin-tty {{os.isatty(0)}}")
print(os.getpid(), flush=True)
time.sleep(60)
"""

RUNNER = """\
import sys
sys.path.insert(0, {root!r})
from gradlab.cli import run_jupyterlab
sys.exit(run_jupyterlab([sys.executable, {script!r}], {folder!r}))
"""


def _start_stand_in(tmp_path, ignore=False):
    """`run_jupyterlab` running a stand-in server: (runner process, server pid, notes file)."""
    notes = tmp_path / "notes.txt"
    script = tmp_path / "server.py"
    script.write_text(STAND_IN.format(notes=str(notes), ignore=ignore))
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER.format(root=str(ROOT), script=str(script), folder=str(tmp_path)))
    process = subprocess.Popen([sys.executable, str(runner)], stdout=subprocess.PIPE, text=True)
    server = int(process.stdout.readline())
    return process, server, notes


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by a parent that is gone) counts as stopped
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _finish(process):
    if process.poll() is None:
        process.kill()
        process.wait()


needs_posix_signals = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


@needs_posix_signals
@pytest.mark.parametrize("signum", [signal.SIGTERM, getattr(signal, "SIGHUP", None)], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_stops_the_server_group_and_waits(tmp_path, signum):
    process, server, notes = _start_stand_in(tmp_path)
    try:
        process.send_signal(signum)  # to `gradlab lessons` alone, as `kill` or a closed terminal does
        assert process.wait(timeout=20) == 3  # the server's own exit code
        lines = notes.read_text().splitlines()
        assert lines[0] == "group True stdin-tty False"  # its own group; no terminal to ask "Shutdown?" on
        assert sorted(lines[1:3]) == [
            "helper got 15",  # the whole group got it,
            "server got 15",  # as SIGTERM, JupyterLab's clean shutdown, for SIGHUP too
        ]
        assert lines[3:] == ["server done"]  # and we waited for the end of its shutdown
        assert not _alive(server)
    finally:
        _finish(process)


@needs_posix_signals
def test_a_second_stop_signal_kills_a_server_that_does_not_stop(tmp_path):
    process, server, notes = _start_stand_in(tmp_path, ignore=True)
    try:
        process.send_signal(signal.SIGTERM)
        process.send_signal(signal.SIGHUP)  # at once, as a closing terminal may: not yet "again"
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=1)  # it ignores SIGTERM, and we keep waiting
        process.send_signal(signal.SIGTERM)  # again, a second later
        assert process.wait(timeout=20) == 128 + signal.SIGKILL
        assert not _alive(server)
    finally:
        _finish(process)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_killing_gradlab_outright_still_stops_the_server(tmp_path):
    """SIGKILL cannot be caught: the server gets SIGTERM from the kernel when its parent dies."""
    process, server, notes = _start_stand_in(tmp_path)
    try:
        process.kill()
        process.wait(timeout=10)
        deadline = time.monotonic() + 20
        while _alive(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(server)
        assert notes.read_text().splitlines()[1:] == [
            "server got 15", "server stops its helper", "helper got 15", "server done"]
    finally:
        _finish(process)


def test_run_jupyterlab_gives_back_the_signal_handlers():
    """After run_jupyterlab returns, SIGTERM and SIGHUP do what they did before."""
    before = {signum: signal.getsignal(signum) for signum in cli.STOP_SIGNALS}
    assert cli.run_jupyterlab([sys.executable, "-c", "import sys; sys.exit(4)"], ".") == 4
    assert {signum: signal.getsignal(signum) for signum in cli.STOP_SIGNALS} == before
