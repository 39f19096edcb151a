"""Fault drill: how long each fault delays an analysis, with the default settings.

A Celery worker of 2 processes, `ganglioside beat` (the sweep) and a Redis started here on a
free port (never the machine's Redis: this one is stopped and started again), on PostgreSQL
(``DRILL_DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/gs_reliability_drill,
dropped and created here).  The bundled 323-row sample is uploaded through the submission
service, and the time from upload to ``succeeded`` is measured:

* ``clean``: no fault (the baseline);
* ``kill -9 worker``: the worker process running the analysis is killed (SIGKILL) as soon as the
  analysis is running;
* ``DB connections terminated``: every connection of the workers to the database is ended
  (``pg_terminate_backend``) as soon as the analysis is running;
* ``Redis restarted, queue lost``: the worker is paused, three analyses uploaded (their
  messages wait in Redis), Redis is stopped and started again without persistence (the
  messages are lost), the worker resumes; the sweep must find the analyses and send them again.
  The slowest of the three counts (with 2 worker processes, the third also waits its turn).

Prints each scenario's total and its delay over the clean run.  Run:
``.venv/bin/python bench/fault_drill.py``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import serving  # the script's folder, bench/, is on sys.path

SAMPLE = serving.SAMPLE
DATABASE_URL = os.environ.get(
    "DRILL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gs_reliability_drill"
)
WORK = Path(tempfile.mkdtemp(prefix="ganglioside-drill-"))
#: Longest wait for one analysis before the drill gives up on it.
GIVE_UP_SECONDS = 300.0


REDIS_PORT = serving.free_port()
ENV = serving.platform_env(
    WORK,
    DATABASE_URL,
    f"redis://127.0.0.1:{REDIS_PORT}/0",
    "drill-only",
    {k: v for k, v in os.environ.items() if not k.startswith("GANGLIOSIDE_")},
)


def _start_redis() -> subprocess.Popen:
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=open(WORK / "redis.log", "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=0.2).close()
            return redis
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"redis did not start; see {WORK}")


def _start(*args: str) -> subprocess.Popen:
    return serving.start_command(WORK, ENV, *args, own_group=True)


def _terminate_connections() -> int:
    """End every other connection to the drill's database (the workers' and beat's)."""
    import psycopg

    name = urlsplit(DATABASE_URL).path.lstrip("/")
    admin = DATABASE_URL.replace(urlsplit(DATABASE_URL).path, "/postgres", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


class Drill:
    def __init__(self, user: object) -> None:
        self.user = user
        self.content = SAMPLE.read_bytes()

    def upload(self) -> tuple[int, float]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from ganglioside.web.analyses.services import submission

        started = time.monotonic()
        upload = SimpleUploadedFile("measured_sample.csv", self.content, "text/csv")
        analysis = submission.analysis_create(owner=self.user, file=upload, name="drill")
        return analysis.pk, started

    def status(self, pk: int) -> tuple[str, str]:
        from django.db import connection

        from ganglioside.web.analyses.models import Analysis

        try:
            row = Analysis.objects.filter(pk=pk).values_list("status", "worker").first()
        except Exception:
            connection.close()
            return "", ""
        return row if row else ("", "")

    def wait_for(self, pk: int, wanted: tuple[str, ...], since: float) -> tuple[str, str]:
        while time.monotonic() - since < GIVE_UP_SECONDS:
            status, worker = self.status(pk)
            if status in wanted:
                return status, worker
            time.sleep(0.05)
        raise SystemExit(f"analysis {pk} never reached {wanted}; see {WORK}")

    def finish(self, pk: int, started: float) -> float:
        status, _ = self.wait_for(pk, ("succeeded", "failed"), started)
        if status != "succeeded":
            raise SystemExit(f"analysis {pk} {status}; see {WORK}")
        return time.monotonic() - started


def _clean(drill: Drill) -> float:
    pk, started = drill.upload()
    return drill.finish(pk, started)


def _kill_worker(drill: Drill) -> float:
    pk, started = drill.upload()
    _, worker = drill.wait_for(pk, ("running",), started)
    os.kill(int(worker.split(":")[1]), signal.SIGKILL)
    return drill.finish(pk, started)


def _terminate_db(drill: Drill) -> float:
    pk, started = drill.upload()
    drill.wait_for(pk, ("running",), started)
    _terminate_connections()
    return drill.finish(pk, started)


def _lose_the_queue(drill: Drill, worker: subprocess.Popen, redis: list[subprocess.Popen]) -> float:
    """Three uploads while the worker is paused: the first message goes to the worker's pending
    read (in its socket), the others wait in Redis and are lost with it; the slowest counts."""
    os.killpg(worker.pid, signal.SIGSTOP)
    try:
        uploads = [drill.upload() for _ in range(3)]
        time.sleep(0.5)
        redis[0].terminate()
        redis[0].wait(10)
        redis[0] = _start_redis()
    finally:
        os.killpg(worker.pid, signal.SIGCONT)
    return max(drill.finish(pk, started) for pk, started in uploads)


def main() -> None:
    serving.create_database(DATABASE_URL)
    os.environ.update(ENV)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("drill", password="drill-pass-123")
    redis = [_start_redis()]
    worker = _start("worker", "--concurrency=2", "--without-gossip", "--without-mingle")
    beat = _start("beat")
    drill = Drill(user)
    try:
        _clean(drill)  # the worker's first task (warm-up)
        clean = min(_clean(drill) for _ in range(3))
        print(
            f"fault drill (PostgreSQL, Redis on :{REDIS_PORT}, 1 worker of 2 processes, beat; "
            f"heartbeat {settings.GANGLIOSIDE_HEARTBEAT_EVERY} s, stale after "
            f"{settings.GANGLIOSIDE_STALE_AFTER} s, sweep every {settings.GANGLIOSIDE_SWEEP_EVERY} "
            f"s); load average {os.getloadavg()[0]:.2f}"
        )
        print(f"  clean run                      {clean:6.1f} s")
        for label, scenario in (
            ("kill -9 of the worker process", lambda: _kill_worker(drill)),
            ("DB connections terminated", lambda: _terminate_db(drill)),
            ("Redis restarted, queue lost", lambda: _lose_the_queue(drill, worker, redis)),
        ):
            total = scenario()
            print(f"  {label:<30} {total:6.1f} s  (delay {total - clean:5.1f} s)")
            _clean(drill)  # back to normal before the next fault
    finally:
        for process in (worker, beat):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (worker, beat):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        redis[0].terminate()
        redis[0].wait(10)
    print(f"  (logs in {WORK})")


if __name__ == "__main__":
    main()
