"""Running JupyterLab (gradlab/lessons/jupyterlab.py): the command that starts it, a real start,
and stopping it with us: Ctrl-C, SIGTERM and SIGHUP reach it and we wait; asked again we kill it;
on Linux it stops even when we are killed outright."""
import importlib.util
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from gradlab.lessons import jupyterlab
from lesson_folders import ROOT


# ---------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------

def test_jupyterlab_command_defaults():
    command = jupyterlab.jupyterlab_command("somewhere", python="/usr/bin/python3")
    assert command == ["/usr/bin/python3", "-m", "jupyterlab",
                       f"--ServerApp.root_dir={pathlib.Path('somewhere').resolve()}"]


# ---------------------------------------------------------------------------
# the real thing: a running JupyterLab
# ---------------------------------------------------------------------------

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
    command = jupyterlab.jupyterlab_command(folder, port=port, no_browser=True,
                                            allow_root=jupyterlab.running_as_root(), extra=[
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
        "from gradlab.lessons.jupyterlab import run_jupyterlab\n"
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
from gradlab.lessons.jupyterlab import run_jupyterlab
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
    before = {signum: signal.getsignal(signum) for signum in jupyterlab.STOP_SIGNALS}
    assert jupyterlab.run_jupyterlab([sys.executable, "-c", "import sys; sys.exit(4)"], ".") == 4
    assert {signum: signal.getsignal(signum) for signum in jupyterlab.STOP_SIGNALS} == before
