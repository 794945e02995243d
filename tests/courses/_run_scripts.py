"""Run several course scripts, each in its own forked child of one process that has
already imported ``torch`` (real PyTorch, or gradlab through _gradlab_as_torch).

``python _run_scripts.py OUT_DIR SCRIPT...`` writes OUT_DIR/<stem>.out, .err and .code for
each script. Importing the library once and forking saves its import time per script;
each child is still a fresh process state for the script (its seeds, grad mode, globals).
"""
import os
import runpy
import sys
import traceback

import torch  # noqa: F401 (imported once, before forking, so every child starts with it)


def _run_child(script, out_dir):
    stem = os.path.join(out_dir, os.path.splitext(os.path.basename(script))[0])
    with open(stem + ".out", "w") as out, open(stem + ".err", "w") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
    code = 0
    sys.argv = [script]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001 (any failure of the script is its result)
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    with open(stem + ".code", "w") as file:
        file.write(str(code))
    os._exit(code)


def main(out_dir, scripts):
    for script in scripts:
        pid = os.fork()
        if pid == 0:
            _run_child(script, out_dir)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
