"""Re-execute lessons in place from a clean kernel, so their stored outputs are real.

    python scripts/execute_lessons.py --all
    python scripts/execute_lessons.py 03 07_custom_functions_and_gradcheck

Each lesson runs top to bottom in a fresh kernel of this Python (as nbval's
``--nbval-current-env`` does), with the lesson's folder as working directory
and a fixed ``PYTHONHASHSEED``, then is saved with its new outputs. A cell
that raises stops the run and the lesson is left unchanged, unless the cell is
tagged ``raises-exception``. Replay afterwards with ``python -m pytest notebooks``.
"""
import argparse
import os
import pathlib
import sys
import time

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gradlab.lessons import available_lessons, find_lesson  # noqa: E402 (after the path is set)

HASH_SEED = "0"
CURRENT_ENV = "gradlab-current-env"


class _CurrentEnvironment(KernelSpecManager):
    """Kernel specs plus one for an ipykernel in the Python running this script."""

    def get_kernel_spec(self, kernel_name):
        if kernel_name == CURRENT_ENV:
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                          **ipykernel.kernelspec.get_kernel_dict())
        return super().get_kernel_spec(kernel_name)


def execute(path, timeout):
    """Run the notebook at ``path`` from a clean kernel and save it; returns the seconds taken."""
    notebook = nbformat.read(path, as_version=4)
    kernel = KernelManager(kernel_name=CURRENT_ENV, kernel_spec_manager=_CurrentEnvironment())
    client = NotebookClient(
        notebook, km=kernel, timeout=timeout, record_timing=False, store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute(cwd=str(path.parent), env={**os.environ, "PYTHONHASHSEED": HASH_SEED})
    seconds = time.perf_counter() - start
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = _joined_streams(cell.outputs)
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [_relative_paths(line) for line in output.traceback]
    nbformat.write(notebook, path)
    return seconds


def _relative_paths(text):
    """A traceback line with this checkout's folder left out ("File gradlab/tensor.py:180"),
    so a stored error shows no path of the machine that ran it."""
    return text.replace(str(ROOT) + os.sep, "")


def _joined_streams(outputs):
    """One output per run of printed text: a busy kernel may flush one print() in several
    pieces, and the stored outputs must not depend on when it flushed (nbval joins them too)."""
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            previous.text += output.text
        else:
            joined.append(output)
    return joined


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="lessons to run: 03, 03_the_computational_graph, …")
    parser.add_argument("--all", action="store_true", help="run every lesson")
    parser.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell")
    arguments = parser.parse_args(argv)
    if arguments.all == bool(arguments.names):
        parser.error("give lesson names or --all (not both)")
    os.environ["PYTHONHASHSEED"] = HASH_SEED
    try:
        lessons = available_lessons() if arguments.all else [find_lesson(n) for n in arguments.names]
    except LookupError as error:
        parser.error(str(error))
    total, failed = 0.0, []
    for lesson in lessons:
        try:
            seconds = execute(lesson.path, arguments.timeout)
        except CellExecutionError as error:
            failed.append(lesson.name)
            print(f"FAILED  {lesson.name} (left unchanged):\n{error}", file=sys.stderr)
            continue
        total += seconds
        print(f"{seconds:6.1f} s  {lesson.name}")
    print(f"{total:6.1f} s  total ({len(lessons) - len(failed)} lessons executed)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
