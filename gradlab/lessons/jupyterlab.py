"""Running JupyterLab in the student's folder, and stopping it with us.

JupyterLab runs in a process group of its own and stops when ``gradlab
lessons`` is stopped: Ctrl-C, SIGTERM and SIGHUP are passed on, and on Linux
a parent-death signal stops it even when we are killed outright (SIGKILL).
"""
import importlib.util
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time


# ---------------------------------------------------------------------------
# the command that starts JupyterLab
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


# ---------------------------------------------------------------------------
# running it, and stopping it with us
# ---------------------------------------------------------------------------

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
