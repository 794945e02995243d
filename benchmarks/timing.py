"""How the benchmark scripts time a step: the clock, and the libraries timed in turn.

``benchmarks/run.py`` runs every library on one thread by default and then sets
``BENCHMARK_CLOCK=cpu``: the CPU time of the process is then the time the step
itself took, whatever else the (shared) machine is running; a process that waits
for a core is not charged for the wait. Without it (a script run by hand, or
``run.py --threads 0``) the clock is the wall clock.
"""
import gc
import os
import time

clock = time.process_time if os.environ.get("BENCHMARK_CLOCK") == "cpu" else time.perf_counter
CLOCK_NAME = "CPU time" if clock is time.process_time else "wall time"


def _block_ms(step, calls):
    gc.collect()
    start = clock()
    for _ in range(calls):
        step()
    return (clock() - start) / calls * 1e3


def best_ms(steps, rounds, calls):
    """``{name: ms}``: the best of ``rounds`` blocks of ``calls`` calls of each ``step()``.

    Rounds take the libraries in turn, so a burst of load from elsewhere on the
    machine does not fall on one library only; each keeps its best block. The
    short pause lets the previous library's worker threads (OpenBLAS, OpenMP)
    stop spinning before the next one is timed.
    """
    for step in steps.values():  # warm up: caches, allocator, BLAS threads
        _block_ms(step, 3)
    best = {name: float("inf") for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            time.sleep(0.02)
            best[name] = min(best[name], _block_ms(step, calls))
    return best


# the start of a measuring subprocess's source: a fresh IPython shell with gradlab loaded, the cell
# to time and the repeats (fill in with .format(cell=..., repeats=...))
IPYTHON_SHELL = r'''
import gc, json, time
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

config = Config()
config.HistoryManager.hist_file = ":memory:"
shell = InteractiveShell.instance(config=config)
shell.run_line_magic("load_ext", "gradlab")
shell.run_cell("import gradlab as torch")
CELL, REPEATS = {cell!r}, {repeats}
'''
