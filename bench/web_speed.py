"""Speed of the web platform on PostgreSQL and Redis, with a real Celery worker.

Prints:

* how long the worker takes to be ready (started, warmed up, answering a ping by its own name);
* upload → succeeded for the bundled 323-row sample once the worker is ready (API upload, Celery
  worker, polling the API): the first upload and the median of five more;
* ``GET /api/v1/analyses/`` with 100 analyses: median and p95;
* a 100-row page of ``GET /api/v1/analyses/{id}/compounds/``: median and p95;
* each export of the sample (CSV, JSON, XLSX, HTML report) downloaded 20 times: median and p95;
* storing 100,000 compound rows with the persistence service.

The worker runs 2 processes (prefork), as `ganglioside worker` does on a 2-core machine.
Needs PostgreSQL and Redis: ``BENCH_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/ganglioside_bench, created and migrated here) and
``REDIS_URL`` (default redis://127.0.0.1:6379/0).  The server and the worker run as
subprocesses, as in production: the server is started as deploy/systemd and deploy/compose.yaml
start it (``uvicorn ganglioside.web.asgi:application`` with the options of deploy/uvicorn.env:
its workers, its database connection pool), only on a free local port.  The machine's load
average is printed with the figures, since they depend on it.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import serving  # the script's folder, bench/, is on sys.path

ROOT = serving.ROOT
SAMPLE = serving.SAMPLE
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ganglioside_bench"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
WORK = Path(tempfile.mkdtemp(prefix="ganglioside-bench-"))
ENV = {
    **serving.platform_env(WORK, DATABASE_URL, REDIS_URL, "bench-only", dict(os.environ)),
    "GANGLIOSIDE_API_RATE": "100000/s",
    "GANGLIOSIDE_UPLOAD_RATE": "100000/min",
    "GANGLIOSIDE_EXPORTS_AFTER_RUN": "1",
    "GANGLIOSIDE_QUEUE": f"ganglioside-bench-{os.getpid()}",
}


def _create_database() -> None:
    serving.create_database(DATABASE_URL)


def _start(*args: str) -> subprocess.Popen:
    return serving.start_command(WORK, ENV, *args)


def _start_server(port: int) -> subprocess.Popen:
    return serving.start_server(WORK, ENV, port)


def wait_ready(http, worker_name: str | None = None, seconds: float = 120.0) -> None:
    """Wait until the server (and, when named, the worker) answers; see :mod:`serving`."""
    serving.wait_ready(http, WORK, worker_name, seconds)


_free_port = serving.free_port


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> int:
    os.environ.update(ENV)
    _create_database()
    import django

    django.setup()
    import httpx
    import numpy as np
    import pandas as pd
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from ganglioside.web.analyses.models import Compound
    from ganglioside.web.analyses.services import persistence, submission

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    auth = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    content = SAMPLE.read_bytes()

    port = _free_port()
    server = _start_server(port)
    worker_name = f"bench-{os.getpid()}@{socket.gethostname()}"
    worker = _start(
        "worker", "--concurrency=2", "--without-gossip", "--without-mingle", "-n", worker_name
    )
    worker_started = time.monotonic()
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, headers=auth, timeout=60) as http:
            wait_ready(http, worker_name)
            worker_ready = time.monotonic() - worker_started
            print(
                f"web speed (PostgreSQL {DATABASE_URL.rsplit('/', 1)[-1]}, Redis, "
                "1 Celery worker of 2 processes; server: uvicorn with deploy/uvicorn.env); "
                f"{_load()}"
            )
            timings = []
            for _ in range(6):
                start = time.perf_counter()
                answer = http.post(
                    "/api/v1/analyses/",
                    files={"file": ("measured_sample.csv", content, "text/csv")},
                )
                analysis_id = answer.json()["id"]
                while True:
                    status = http.get(f"/api/v1/analyses/{analysis_id}/").json()["status"]
                    if status in ("succeeded", "failed"):
                        break
                    time.sleep(0.01)
                timings.append(time.perf_counter() - start)
                assert status == "succeeded", status
            warm = timings[1:]
            print(
                f"  worker ready (started, warmed up, answering) after {worker_ready:.1f} s\n"
                f"  upload -> succeeded, 323-row sample: first {timings[0]:.2f} s; "
                f"then median {statistics.median(warm):.2f} s, "
                f"max {max(warm):.2f} s over {len(warm)} runs"
            )

            for i in range(100 - len(timings)):
                submission.analysis_create(
                    owner=user,
                    file=SimpleUploadedFile("t.csv", content),
                    name=f"a{i}",
                    start=False,
                )
            samples = []
            for _ in range(200):
                start = time.perf_counter()
                assert http.get("/api/v1/analyses/").status_code == 200
                samples.append(time.perf_counter() - start)
            print(f"  GET /api/v1/analyses/ (100 analyses, page of 50): {_percentiles(samples)}")

            samples = []
            for page in range(200):
                start = time.perf_counter()
                body = http.get(
                    f"/api/v1/analyses/{analysis_id}/compounds/", params={"page": page % 3 + 1}
                ).json()
                samples.append(time.perf_counter() - start)
            assert len(body["results"]) > 0
            print(f"  GET compounds, 100-row page: {_percentiles(samples)}")

            _downloads(http, analysis_id)

        frame = pd.DataFrame.from_records(
            Compound.objects.filter(analysis_id=analysis_id).values(
                *[
                    f.name
                    for f in Compound._meta.concrete_fields
                    if f.name not in ("id", "analysis")
                ]
            )
        ).drop(columns=["extra"])
        big = frame.iloc[np.arange(100_000) % len(frame)].reset_index(drop=True)
        big["row"] = np.arange(1, len(big) + 1)
        target = submission.analysis_create(
            owner=user, file=SimpleUploadedFile("t.csv", content), start=False
        )
        start = time.perf_counter()
        stored = persistence.compounds_store(analysis_id=target.pk, frame=big)
        elapsed = time.perf_counter() - start
        print(f"  storing {stored:,} compound rows: {elapsed:.2f} s")
        print(f"  {_load()}")
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)
        from django.db import connections

        connections.close_all()
    return 0


def _downloads(http, analysis_id: int) -> None:
    """Each export of the sample, 20 downloads each: files written once by the worker, so a
    download is a file transfer (the application streams it here; nginx sends it in
    production)."""
    deadline = time.monotonic() + 60
    for kind in ("csv", "json", "xlsx", "html"):
        url = f"/api/v1/analyses/{analysis_id}/export/{kind}"
        while http.get(url).status_code == 409:  # the worker is still writing the files
            if time.monotonic() > deadline:
                raise SystemExit("the exports were not written")
            time.sleep(0.1)
        samples, size = [], 0
        for _ in range(20):
            start = time.perf_counter()
            answer = http.get(url)
            size = len(answer.content)
            samples.append(time.perf_counter() - start)
            assert answer.status_code == 200
        print(f"  download {kind} ({size / 1e6:.2f} MB): {_percentiles(samples)}")


if __name__ == "__main__":
    raise SystemExit(main())
