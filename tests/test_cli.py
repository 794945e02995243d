"""The ``gradlab`` command (gradlab/cli.py): the tour, and ``gradlab lessons``: finding, copying
(never over a student's copy), resetting, launching; and the wheel that ships the lessons."""
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
    copied, kept = cli.copy_lessons(work)
    assert [lesson.name for lesson in copied] == ["01_first_steps.ipynb", "02_the_graph.ipynb"]
    assert kept == []
    assert sorted(path.name for path in work.iterdir()) == ["01_first_steps.ipynb", "02_the_graph.ipynb"]
    assert (work / "01_first_steps.ipynb").read_bytes() == (shipped / "01_first_steps.ipynb").read_bytes()


def test_student_copies_are_never_overwritten(shipped, tmp_path):
    work = tmp_path / "work"
    cli.copy_lessons(work)
    (work / "01_first_steps.ipynb").write_text("my answers")
    (work / "02_the_graph.ipynb").unlink()
    copied, kept = cli.copy_lessons(work)
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
