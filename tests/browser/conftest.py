"""The lessons in a real browser: JupyterLab on 127.0.0.1, driven by Playwright in headless Chromium.

Session fixtures: ``jupyterlab`` (a server over a temporary copy of the lessons, stopped by its own
PID), ``chromium`` (Debian's /usr/bin/chromium through Playwright; never ``playwright install``) and
``notebooks`` (opens a lesson, runs all its cells, keeps the page for the interaction tests).

Outside CI a missing Chromium or playwright skips these tests with the install commands; in CI
(``CI`` set) it fails them. Screenshots go to ``<basetemp>/browser-screenshots``, named at the end.
"""
import importlib.util
import json
import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from gradlab.lessons import copy_lessons

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_HINT = ('install them with: apt-get install -y chromium   and   pip install "gradlab[browser]"'
                '   (from a clone: pip install ".[browser]"; never `playwright install`)')

_SCREENSHOTS = []  # the folder, once a test made one (for the terminal summary)


def _missing():
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("python package playwright")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(CHROMIUM)
    if importlib.util.find_spec("jupyterlab") is None:
        missing.append("python package jupyterlab")
    return missing


@pytest.fixture(scope="session")
def browser_requirements():
    missing = _missing()
    if missing:
        message = f"browser tests need {', '.join(missing)}; {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_settings(folder):
    """No news, no update checks, and every cell kept in the page (no windowed notebook)."""
    settings = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, value in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")


class Server:
    def __init__(self, url, root, process):
        self.url, self.root, self.process = url, root, process

    def api(self, path, method="GET"):
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self, notebook=None):
        for session in self.api("/api/sessions"):
            if notebook is None or session.get("path") == notebook:
                try:
                    self.api(f"/api/sessions/{session['id']}", method="DELETE")
                except OSError:
                    pass


@pytest.fixture(scope="session")
def jupyterlab(browser_requirements, tmp_path_factory):
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    copy_lessons(root)  # running cells edits the notebooks: never the shipped ones
    _write_settings(base / "settings")
    port = _free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
               "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
               "--ServerApp.allow_root=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", f"--LabApp.user_settings_dir={base / 'settings'}",
               f"--LabApp.workspaces_dir={base / 'ws'}"]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(base / "runtime"), "PYTHONUNBUFFERED": "1"}
    log = open(base / "server.log", "wb")
    process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", root, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert "started" in server.api("/api/status")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"JupyterLab did not answer /api/status within 60 s; log: {base / 'server.log'}")
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def chromium(browser_requirements):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory):
    folder = tmp_path_factory.getbasetemp() / "browser-screenshots"
    folder.mkdir(exist_ok=True)
    if not _SCREENSHOTS:
        _SCREENSHOTS.append(folder)
    return folder


# ---------------------------------------------------------------------------------- a lesson in a page
RUN_TIMEOUT_MS = 180_000  # a whole notebook (lesson 09 trains a small network)
UI_TIMEOUT_MS = 30_000


class Notebook:
    """One lesson open in JupyterLab, all its cells run."""

    def __init__(self, page, path):
        self.page = page
        self.path = pathlib.Path(path)
        self.cells = json.loads(self.path.read_text(encoding="utf-8"))["cells"]
        self.panel = page.locator(".jp-NotebookPanel:visible")

    def cell(self, index):
        return self.panel.locator(".jp-Notebook .jp-Cell").nth(index)

    def wait_idle(self, timeout=RUN_TIMEOUT_MS):
        from playwright.sync_api import expect

        expect(self.page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=timeout)

    def wait_all_executed(self, timeout=RUN_TIMEOUT_MS):
        """Every code cell shows ``[n]:`` (not ``[ ]:`` or ``[*]:``) and the kernel is idle."""
        count = sum(cell["cell_type"] == "code" for cell in self.cells)
        self.page.wait_for_function(
            """(count) => {
                const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
                    .find(p => p.offsetParent !== null);
                if (!panel) return false;
                const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
                return prompts.length === count && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            }""", arg=count, timeout=timeout)
        self.wait_idle(timeout)

    def run_all(self):
        page = self.page
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        self.wait_all_executed()

    def code_indices(self, startswith=""):
        return [index for index, cell in enumerate(self.cells) if cell["cell_type"] == "code"
                and "".join(cell["source"]).lstrip().startswith(startswith)]

    def tags(self, index):
        return self.cells[index].get("metadata", {}).get("tags", [])

    def screenshot(self, folder, name):
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


class Notebooks:
    def __init__(self, server, browser, screenshots):
        self.server, self.browser, self.screenshots = server, browser, screenshots
        self.open_pages = {}

    def open(self, name):
        """The lesson ``name`` open and run (the same page when a test asked before)."""
        if name in self.open_pages:
            return self.open_pages[name]
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(UI_TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{self.server.url}/lab/tree/{name}?reset", wait_until="domcontentloaded",
                  timeout=60_000)
        notebook = Notebook(page, self.server.root / name)
        notebook.panel.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        notebook.wait_idle(timeout=60_000)
        notebook.run_all()
        self.open_pages[name] = notebook
        return notebook

    def close(self, name):
        notebook = self.open_pages.pop(name, None)
        if notebook is not None:
            notebook.page.context.close()
            self.server.shut_down_kernels(name)

    def close_all(self):
        for name in list(self.open_pages):
            self.close(name)


@pytest.fixture(scope="session")
def notebooks(jupyterlab, chromium, screenshots):
    opened = Notebooks(jupyterlab, chromium, screenshots)
    try:
        yield opened
    finally:
        opened.close_all()


def pytest_terminal_summary(terminalreporter):
    if _SCREENSHOTS and any(_SCREENSHOTS[0].glob("*.png")):
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"browser screenshots: {_SCREENSHOTS[0]}")
