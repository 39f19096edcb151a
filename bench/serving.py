"""What the web benches share: a free port, a fresh PostgreSQL database, the platform's
processes (``ganglioside.web.cli`` commands and the ASGI server as production runs it) started
with their logs in the bench's work folder, and the wait until they answer.

The benches import it from their own folder (``bench/`` is on ``sys.path`` when one runs).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "ganglioside" / "data" / "measured_sample.csv"


def platform_env(
    work: Path, database_url: str, redis_url: str, secret: str, base: dict[str, str]
) -> dict[str, str]:
    """The environment a bench's platform processes run in: ``base`` (the caller's environment,
    filtered as the bench needs) plus the settings every bench sets alike -- the production
    settings module, Celery execution, files under ``work``, no HTTPS redirect, no e-mail, and
    warnings only in the logs."""
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "ganglioside.web.settings",
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_url,
        "GANGLIOSIDE_EXECUTOR": "celery",
        "GANGLIOSIDE_DATA_DIR": str(work / "data"),
        "MEDIA_ROOT": str(work / "media"),
        "GANGLIOSIDE_HTTPS": "0",
        "GANGLIOSIDE_NOTIFY_BY_EMAIL": "0",
        "LOG_LEVEL": "warning",
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database(url: str) -> None:
    """Drop the database of ``url`` (a PostgreSQL URL) if it exists, and create it empty."""
    import psycopg

    parts = urlsplit(url)
    admin = url.replace(parts.path, "/postgres", 1)
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def start_command(
    work: Path, env: dict[str, str], *args: str, own_group: bool = False
) -> subprocess.Popen:
    """``ganglioside.web.cli`` with ``args`` (``worker …``, ``beat``), its output in
    ``work/<command>.log``; ``own_group``: in a process group of its own (to signal it whole)."""
    log = open(work / f"{args[0]}.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "ganglioside.web.cli", *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=own_group,
    )


def start_server(work: Path, env: dict[str, str], port: int) -> subprocess.Popen:
    """The ASGI server as production runs it: uvicorn reading deploy/uvicorn.env."""
    options = {}
    for line in (ROOT / "deploy" / "uvicorn.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            options[key.strip()] = value.strip()
    options.update(
        UVICORN_HOST="127.0.0.1",
        UVICORN_PORT=str(port),
        PROMETHEUS_MULTIPROC_DIR=str(work / "metrics"),
    )
    log = open(work / "server.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("uvicorn")), "ganglioside.web.asgi:application"],
        env={**env, **options},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(http, work: Path, worker_name: str | None = None, seconds: float = 120.0) -> None:
    """Wait until the server answers ``/health/ready`` and, when named, the Celery worker
    answers a ping (after its warm-up); stop the bench, naming the log folder ``work``, if
    either never does.  ``http`` is an ``httpx.Client`` on the server."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        try:
            if http.get("/health/ready").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not start; see {work}")
        time.sleep(0.2)
    if worker_name is None:
        return
    from ganglioside.web.celery import app as celery_app

    while not celery_app.control.ping(destination=[worker_name], timeout=0.5):
        if time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start; see {work}")
