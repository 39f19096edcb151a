"""Helpers of the browser tests: the real server (``ganglioside serve``, and a Celery worker when
Redis answers) on a fresh SQLite database, headless Chromium driven by Playwright, and what a
page did (WebSocket frames, console errors, requests to other hosts).

Chromium is Debian's package (``GANGLIOSIDE_CHROMIUM`` moves it); a test module that needs it
calls :func:`chromium_or_skip`, which skips (a failure in CI) when it or Playwright is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .live import free_port, wait_until_ready

CHROMIUM = os.environ.get("GANGLIOSIDE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USERNAME, PASSWORD = "lab", "browser-test-pw-42"
TIMEOUT_MS = 120_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:
        return None
    return url


class Platform:
    """``ganglioside serve`` (and a Celery worker when Redis is there) on a fresh database."""

    def __init__(self, folder: Path, *, broker: bool = True) -> None:
        self.folder = folder
        self.port = free_port()
        self.redis = _redis_url() if broker else None
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            DJANGO_SETTINGS_MODULE="ganglioside.web.settings",
            SECRET_KEY="browser-test-key",
            # Its own SQLite file: the server and the worker share it; the test database of
            # pytest-django is not visible to other processes.
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            GANGLIOSIDE_DATA_DIR=str(folder / "data"),
            MEDIA_ROOT=str(folder / "media"),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            GANGLIOSIDE_HTTPS="0",
            GANGLIOSIDE_NOTIFY_BY_EMAIL="0",
            GANGLIOSIDE_UPLOAD_RATE="30/min",
            # As in production: the worker writes the export files right after the run.
            GANGLIOSIDE_EXPORTS_AFTER_RUN="1",
            LOG_JSON="0",
        )
        if self.redis:
            env.update(
                REDIS_URL=self.redis,
                GANGLIOSIDE_EXECUTOR="celery",
                GANGLIOSIDE_QUEUE=f"ganglioside-browser-{os.getpid()}-{self.port}",
            )
        else:
            env["GANGLIOSIDE_EXECUTOR"] = "threads"
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def mode(self) -> str:
        return "celery" if self.redis else "threads"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str) -> str:
        """Run ``ganglioside <args>`` against this platform's database; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "ganglioside.web.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def create_user(self, username: str, password: str) -> None:
        self.run(
            "manage",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user({username!r}, 'lab@example.org', {password!r})",
        )

    def analyse(self, username: str, table: Path, name: str) -> int:
        """Store ``table`` as an analysis of ``username`` and run it here and now; its id."""
        script = (
            "from django.contrib.auth import get_user_model\n"
            "from django.core.files.uploadedfile import SimpleUploadedFile\n"
            "from ganglioside.web.analyses.services import running, submission\n"
            f"owner = get_user_model().objects.get(username={username!r})\n"
            f"upload = SimpleUploadedFile({table.name!r}, open({str(table)!r}, 'rb').read())\n"
            "a = submission.analysis_create(\n"
            f"    owner=owner, file=upload, name={name!r}, start=False\n"
            ")\n"
            "running.analysis_run(analysis_id=a.pk)\n"
            "a.refresh_from_db()\n"
            "assert a.status == 'succeeded', a.error_message\n"
            "print('analysis', a.pk)\n"
        )
        out = self.run("manage", "shell", "-c", script)
        return int(re.findall(r"^analysis (\d+)$", out, re.MULTILINE)[-1])

    def start(self, name: str, *args: str) -> None:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "ganglioside.web.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def start_worker(self) -> None:
        if self.redis and "worker" not in self.processes:
            self.start("worker", "worker", "--pool=solo", "--without-gossip", "--without-mingle")

    def stop_worker(self) -> None:
        self.stop("worker")

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )

    def wait_ready(self, timeout: float = 60) -> None:
        wait_until_ready(self.base, self.processes["server"], self.logs, timeout)


class Watch:
    """What a page did: WebSocket frames, API calls (an analysis's or a study's status: what a
    page polls), console errors, requests elsewhere."""

    def __init__(self, page, origin: str) -> None:
        self.frames: list[dict] = []
        self.errors: list[str] = []
        self.api_polls: list[str] = []
        self.study_polls: list[str] = []
        self.foreign: list[str] = []
        host = urlsplit(origin).netloc
        page.on("websocket", self._socket)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )

        def request(req) -> None:
            parts = urlsplit(req.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != host:
                self.foreign.append(req.url)
            if re.search(r"/api/v1/analyses/\d+/$", parts.path):
                self.api_polls.append(req.url)
            if re.search(r"/api/v1/studies/\d+/$", parts.path):
                self.study_polls.append(req.url)

        page.on("request", request)

    def _socket(self, ws) -> None:
        def received(payload) -> None:
            try:
                self.frames.append(json.loads(payload))
            except (TypeError, ValueError):
                self.frames.append({"raw": payload})

        ws.on("framereceived", received)


def open_browser(playwright, chromium_path: str):
    return playwright.chromium.launch(
        executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
    )


def sign_in(page, base: str, username: str = USERNAME, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def chromium_or_skip() -> str:
    """The Chromium executable; skip the test when it or Playwright for Python is missing."""
    pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"needs Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    return CHROMIUM


@contextmanager
def running_platform(
    folder: Path, *, broker: bool = True, env: dict[str, str] | None = None
) -> Iterator[Platform]:
    """A migrated platform with the user ``USERNAME``, its server started and ready (without
    Redis even when it answers if not ``broker``; ``env`` changes its settings)."""
    running = Platform(folder, broker=broker)
    running.env.update(env or {})
    running.run("manage", "migrate", "--noinput")
    running.create_user(USERNAME, PASSWORD)
    running.start("server", "serve", "--host", "127.0.0.1", "--port", str(running.port))
    try:
        running.wait_ready()
        yield running
    finally:
        for name in list(running.processes):
            running.stop(name)


@contextmanager
def launched_browser(chromium_path: str) -> Iterator:
    """Headless Chromium through Playwright, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        try:
            yield browser
        finally:
            browser.close()


def signed_in_page(browser, platform: Platform, viewport=DESKTOP, user: str = USERNAME):
    """A new page of ``browser`` signed in as ``user``, and the :class:`Watch` of it."""
    page = browser.new_page(viewport=viewport, accept_downloads=True)
    page.set_default_timeout(TIMEOUT_MS)
    watch = Watch(page, platform.base)
    sign_in(page, platform.base, user)
    return page, watch


def run_study(platform, folder: Path, name: str, parameters: dict) -> int:
    """Store the simulated study as ``USERNAME``'s and run it here and now (inline); its id."""
    from .studies_data import study_files

    tables, design = study_files()
    folder.mkdir(parents=True, exist_ok=True)
    for table, content in tables.items():
        (folder / table).write_bytes(content)
    script = (
        "from pathlib import Path\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.core.files.uploadedfile import SimpleUploadedFile\n"
        "from ganglioside.web.studies.services import creation\n"
        f"owner = get_user_model().objects.get(username={USERNAME!r})\n"
        "files = [SimpleUploadedFile(p.name, p.read_bytes())\n"
        f"         for p in sorted(Path({str(folder)!r}).glob('*.csv'))]\n"
        "study = creation.study_create(\n"
        f"    owner=owner, files=files, design={design!r}, name={name!r},\n"
        f"    parameters={parameters!r},\n"
        ")\n"
        "study.refresh_from_db()\n"
        "assert study.status == 'succeeded', (study.status, study.error_message)\n"
        "print('study', study.pk)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "ganglioside.web.cli", "manage", "shell", "-c", script],
        # inline: the samples and the study step run in this command, no worker needed
        env={**platform.env, "GANGLIOSIDE_EXECUTOR": "inline"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return int(re.findall(r"^study (\d+)$", done.stdout, re.MULTILINE)[-1])
