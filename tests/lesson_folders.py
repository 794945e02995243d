"""What the tests of ``gradlab lessons`` share: fake lessons, and the real command in a new process.

(test_cli.py, test_lessons_catalogue.py, test_lessons_working_copy.py, test_lessons_jupyterlab.py)
``fake_lessons(tmp_path, monkeypatch)`` makes two lessons stand in for the shipped ones; each
test module binds it to its own ``shipped`` fixture.
"""
import json
import os
import pathlib
import subprocess
import sys

from gradlab.lessons import catalogue

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


def fake_lessons(tmp_path, monkeypatch):
    """Two fake lessons standing in for the package's notebooks; returns their folder."""
    folder = tmp_path / "shipped"
    folder.mkdir()
    write_notebook(folder / "01_first_steps.ipynb", "Lesson 1 — First steps")
    write_notebook(folder / "02_the_graph.ipynb", "Lesson 2 — The graph")
    (folder / "README.md").write_text("")  # not a lesson
    monkeypatch.setattr(catalogue, "lessons_folder", lambda: folder)
    return folder


def gradlab_lessons(*argv, cwd, timeout=60, **options):
    """Run the real ``python -m gradlab lessons ARGV`` (the shipped lessons) in a new process."""
    return subprocess.run([sys.executable, "-m", "gradlab", "lessons", *argv], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=timeout, check=False, **options)
