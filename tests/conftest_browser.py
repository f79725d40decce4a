"""Browser fixtures: the course as a learner meets it, in JupyterLab and in Voila.

JupyterLab and Voila run as child processes on 127.0.0.1, on a free port, with a random
token and every Jupyter directory (runtime, config, data, settings, workspaces) in a
temporary folder; they serve a temporary copy of the course, so running notebooks never
writes outputs into the repository. Each process id is recorded when it starts
(``processes.txt`` in the temporary folder) and only those processes, and the children
they started (kernels), are stopped at the end.

Headless Chromium is Debian's ``chromium``, driven by Playwright with ``executable_path``
(Playwright's own browser downloads are not used). Without Chromium or Playwright the
browser tests are skipped on a developer's machine and fail under ``CI=true``.

Playwright's sync API keeps an asyncio loop marked as running in the main thread while it
is open, so ``asyncio.run`` in a later test would fail: the browser and the servers live
for one test module only, and each notebook's kernel is shut down when the next one opens.

Helpers that tests import from this module: ``open_notebook``, ``run_all_cells``,
``move_slider``, ``figure_png``, ``wait_for_figure_change``, ``shoot``,
``slide_and_redraw``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
ON_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
# Without the background-networking flags Chromium's connections to 127.0.0.1 get refused here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 1000}
START_TIMEOUT_S = 90
# What a copy of the course leaves out: version control, environments, caches, artifacts.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "artifacts", "__pycache__", "*.egg-info", ".*_cache", "node_modules",
    ".ipynb_checkpoints",
)  # fmt: skip
# JupyterLab settings for a quiet, repeatable session: no news or update pop-ups, no autosave.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail on CI, where a missing browser is a broken setup."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


def find_chromium() -> str | None:
    """Debian's Chromium: $CHROMIUM_PATH, else chromium on PATH, else /usr/bin/chromium."""
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    """A Jupyter server we started: its url (ending in /), token, and how to stop it."""

    name: str
    proc: subprocess.Popen[bytes]
    url: str
    token: str
    root: Path
    log: Path
    started: float = field(default_factory=time.time)

    def address(self, path: str = "") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.url}{path}{sep}token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self) -> None:
        """Stop this server and the kernels it started; touches no other process."""
        import psutil

        if self.proc.poll() is not None:
            return
        try:
            parent = psutil.Process(self.proc.pid)
            children = parent.children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        self.proc.terminate()  # Jupyter servers shut their kernels down on SIGTERM
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        _gone, alive = psutil.wait_procs(children, timeout=5)
        for child in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()


def _jupyter_env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var, sub in (
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "matplotlib"),
    ):
        (base / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(base / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.pop("MPLBACKEND", None)  # the kernel picks the inline backend itself
    return env


def _start(name: str, args: list[str], *, base: Path, root: Path, port: int) -> ServerProcess:
    token = secrets.token_hex(16)
    log = base / f"{name}.log"
    token_flag = "--IdentityProvider.token" if name == "jupyterlab" else "--token"
    # CI runs as root (in a container); Jupyter refuses that unless told it is on purpose.
    root_flag = ["--allow-root"] if name == "jupyterlab" and os.geteuid() == 0 else []
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", *args, *root_flag, f"--port={port}", f"{token_flag}={token}"],
            cwd=root,
            env=_jupyter_env(base),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    with (base / "processes.txt").open("a") as f:
        f.write(f"{proc.pid} {name} {' '.join(args[:2])}\n")
    server = ServerProcess(name, proc, f"http://127.0.0.1:{port}/", token, root, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    # Voila's root page would run the notebook: probe one of its static files instead.
    probe = server.address("api/status" if name == "jupyterlab" else "voila/static/voila.js")
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(probe, timeout=5) as resp:
                if resp.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{name} did not answer within {START_TIMEOUT_S} s:\n{server.log_tail()}")


def start_jupyter_lab(base: Path, root: Path) -> ServerProcess:
    """JupyterLab on 127.0.0.1 serving ``root``; ``window.jupyterapp`` exposed for the tests."""
    settings = base / "lab-settings"
    for rel, value in LAB_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    args = [
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
    ]
    return _start("jupyterlab", args, base=base, root=root, port=_free_port())


def start_voila(
    base: Path, root: Path, notebook: str, template: str | None = None
) -> ServerProcess:
    """Voila serving one notebook of ``root`` as a standalone app (``template``: lab, reveal)."""
    args = [
        "voila",
        notebook,
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--show_tracebacks=True",
    ]
    if template:
        args.append(f"--template={template}")
    name = f"voila-{Path(notebook).stem}-{template or 'lab'}"
    return _start(name, args, base=base, root=root, port=_free_port())


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        unavailable("Debian's chromium is not installed (apt-get install -y chromium)")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def browser_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary home for the servers: Jupyter directories, logs, processes.txt."""
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="session")
def course_copy(browser_workdir: Path) -> Path:
    """A copy of the course for the servers to run, so the repository stays clean."""
    dest = browser_workdir / "course"
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    return dest


@pytest.fixture(scope="module")
def jupyter_lab(browser_workdir: Path, course_copy: Path) -> Iterator[ServerProcess]:
    server = start_jupyter_lab(browser_workdir, course_copy)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def voila_app(browser_workdir: Path, course_copy: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start Voila for a notebook (path relative to the course); stopped after the test."""
    started: list[ServerProcess] = []

    def start(notebook: str, template: str | None = None) -> ServerProcess:
        server = start_voila(browser_workdir, course_copy, notebook, template)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    context.set_default_timeout(60_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        with contextlib.suppress(Exception):
            shoot(pg, f"{_safe(request.node.name)}-last")
        context.close()


# --------------------------------------------------------------------------- helpers


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("_")


def shoot(page: Any, name: str, *, element: Any = None) -> Path:
    """Save a screenshot to artifacts/screenshots/NAME.png (the page, or one element)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_safe(name)}.png"
    (element or page).screenshot(path=str(path))
    return path


def shutdown_sessions(lab: ServerProcess) -> None:
    """Shut down every kernel session of ``lab`` (the notebooks earlier tests opened)."""
    headers = {"Authorization": f"token {lab.token}"}
    req = urllib.request.Request(f"{lab.url}api/sessions", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        sessions = json.load(resp)
    for session in sessions:
        req = urllib.request.Request(
            f"{lab.url}api/sessions/{session['id']}", headers=headers, method="DELETE"
        )
        with contextlib.suppress(urllib.error.HTTPError), urllib.request.urlopen(req, timeout=30):
            pass


def open_notebook(page: Any, lab: ServerProcess, rel: str) -> None:
    """Open ``rel`` in JupyterLab, in a fresh workspace, and wait until its kernel is idle."""
    shutdown_sessions(lab)
    # A new workspace per page: no layout or deck state carried over from an earlier test.
    page.goto(lab.address(f"lab/workspaces/t{secrets.token_hex(4)}/tree/{rel}"))
    page.wait_for_function(
        """(rel) => {
            const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            return !!(w && w.context && w.context.path === rel && w.sessionContext);
        }""",
        arg=rel,
        timeout=START_TIMEOUT_S * 1000,
    )
    page.evaluate(
        """async () => {
            const w = window.jupyterapp.shell.currentWidget;
            await w.context.ready;
            await w.sessionContext.ready;
        }"""
    )
    wait_kernel_idle(page)


def wait_kernel_idle(page: Any, timeout_s: float = 120) -> None:
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w && w.sessionContext.session && w.sessionContext.session.kernel;
            return !!k && k.status === 'idle';
        }""",
        timeout=timeout_s * 1000,
    )


def run_all_cells(page: Any, timeout_s: float = 240) -> None:
    """Run > Run All Cells, wait until done and the kernel is idle; fail on an error output."""
    ok = page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_kernel_idle(page, timeout_s)
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
    if errors.count() or ok is False:
        text = "\n---\n".join(errors.all_inner_texts())
        pytest.fail(f"a cell raised an error while running all cells:\n{text[-4000:]}")


def move_slider(page: Any, slider: Any) -> tuple[str, str]:
    """Move an ipywidgets slider one step with the keyboard; return the readout before/after."""
    slider.scroll_into_view_if_needed()
    readout = slider.locator(".widget-readout").first
    handle = slider.locator(".noUi-handle").first
    before = readout.inner_text()
    for key in ("ArrowRight", "ArrowLeft", "ArrowLeft"):  # at the maximum, step back instead
        handle.focus()
        handle.press(key)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            after = readout.inner_text()
            if after != before:
                return before, after
            time.sleep(0.1)
    pytest.fail(f"the slider did not move from {before!r} with the arrow keys")
    raise AssertionError  # unreachable


def figure_png(scope: Any, min_px: int = 120) -> bytes | None:
    """A screenshot of the largest picture (img or canvas) inside ``scope``, if any."""
    best, best_area = None, 0
    for el in scope.locator("img, canvas").all():
        box = el.bounding_box()
        if not box or box["width"] < min_px or box["height"] < min_px:
            continue
        if el.evaluate("e => e.tagName === 'IMG' && !(e.complete && e.naturalWidth > 0)"):
            continue
        if box["width"] * box["height"] > best_area:
            best, best_area = el, box["width"] * box["height"]
    if best is None:
        return None
    try:
        best.scroll_into_view_if_needed(timeout=5_000)
        return bytes(best.screenshot(animations="disabled", timeout=5_000))
    except Exception:  # replaced by a redraw while we looked: try again
        return None


def stable_figure(scope: Any, timeout_s: float = 60) -> bytes:
    """Wait until a figure is drawn and two looks in a row agree."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        now = figure_png(scope)
        if now is not None and now == last:
            return now
        last = now
        time.sleep(0.4)
    pytest.fail("no figure (img or canvas of at least 120 px) settled in the page")
    raise AssertionError  # unreachable


def wait_for_figure_change(scope: Any, before: bytes, timeout_s: float = 60) -> bytes:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = figure_png(scope)
        if now is not None and now != before:
            return stable_figure(scope, timeout_s=max(5.0, deadline - time.monotonic()))
        time.sleep(0.25)
    pytest.fail(f"the figure did not change within {timeout_s:.0f} s of moving the slider")
    raise AssertionError  # unreachable


def slide_and_redraw(page: Any, slider: Any, scope: Any,
                     name: str) -> tuple[str, str, bytes, bytes]:
    """Move ``slider`` one step and wait for the figure in ``scope`` to be redrawn.

    Screenshots before and after are saved as ``{name}-1-before`` and ``{name}-2-after``.
    Returns the slider's readout before and after, and the figure before and after.
    """
    before_png = stable_figure(scope)
    shoot(page, f"{name}-1-before")
    before, after = move_slider(page, slider)
    after_png = wait_for_figure_change(scope, before_png)
    shoot(page, f"{name}-2-after")
    return before, after, before_png, after_png
