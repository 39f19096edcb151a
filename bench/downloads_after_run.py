"""Downloads right after ``succeeded``, under concurrent clients, on the production-like stack.

Each of ``--clients`` clients (threads, each with its own connection) uploads the bundled
323-row sample through the API, polls the analysis every 0.1 s until it is ``succeeded`` and at
once asks for every export (CSV, XLSX, JSON, HTML report, PDF report).  A ``202`` answer (a
file being written) is followed as a client would: ``GET`` its ``Location`` again, every
``--poll`` seconds (0.5 s here, not the advertised ``Retry-After`` of 5 s, so that the time to
the file is measured rather than the back-off).  Then ``--studies`` studies of ``--samples``
simulated samples are uploaded by as many clients, and once each is ``succeeded`` every file of
it (matrix, statistics, workbook, HTML and PDF reports, mzTab-M, ...) and a sample's
compounds are asked for the same way.

Prints, per export: the first answer's status codes (200, or 202 for a file written on
request; never 409), the first answer's latency (median, p95) and the time from ``succeeded``
to the first 200 (median, p95, max), plus the machine's load average.  Exits 1 when a first
answer is anything but 200/202 or a file never comes.

The stack is ``web_speed.py``'s (whose helpers it uses): uvicorn with deploy/uvicorn.env, one
Celery worker of 2 processes, PostgreSQL (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/ganglioside_downloads_bench, dropped and created here) and
Redis (``REDIS_URL``).
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import threading
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ganglioside_downloads_bench"
)

import web_speed as base  # the script's folder, bench/, is on sys.path

ANALYSIS_EXPORTS = ("csv", "xlsx", "json", "html", "pdf")
STUDY_FILES = (
    "matrix.csv",
    "statistics.csv",
    "samples.csv",
    "study.xlsx",
    "study_report.html",
    "study_report.pdf",
    "study.mztab",
)
#: How long a client waits for one file before the bench calls it lost.
FILE_DEADLINE = 600.0


@dataclass
class Tally:
    """What the clients saw, per download: first status codes, first-answer latencies, the
    time from ``succeeded`` to the first 200, and every failure."""

    first_codes: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    first_latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    to_file: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    to_succeeded: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first(self, name: str, code: int, latency: float) -> None:
        with self.lock:
            codes = self.first_codes[name]
            codes[code] = codes.get(code, 0) + 1
            self.first_latency[name].append(latency)

    def got(self, name: str, seconds: float) -> None:
        with self.lock:
            self.to_file[name].append(seconds)

    def failed(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


def _fetch(http, url: str, name: str, since: float, tally: Tally, poll: float) -> None:
    """One download as a client makes it: the first answer, then its ``Location`` while 202."""
    start = time.perf_counter()
    answer = http.get(url)
    tally.first(name, answer.status_code, time.perf_counter() - start)
    deadline = time.monotonic() + FILE_DEADLINE
    while answer.status_code == 202:
        if time.monotonic() > deadline:
            tally.failed(f"{url}: no file after {FILE_DEADLINE:.0f} s")
            return
        time.sleep(poll)
        answer = http.get(answer.headers.get("Location", url))
    if answer.status_code != 200 or not answer.content:
        tally.failed(f"{url}: {answer.status_code} {answer.text[:200]}")
        return
    tally.got(name, time.perf_counter() - since)


def _wait(http, url: str, tally: Tally, started: float) -> float | None:
    """Poll ``url`` until its status is final; the moment it read ``succeeded``, or None."""
    while True:
        body = http.get(url).json()
        if body["status"] in ("succeeded", "failed", "waiting"):
            break
        if time.perf_counter() - started > FILE_DEADLINE:
            tally.failed(f"{url}: still {body['status']} after {FILE_DEADLINE:.0f} s")
            return None
        time.sleep(0.1)
    if body["status"] != "succeeded":
        tally.failed(f"{url}: {body['status']} {body.get('error_message', '')}")
        return None
    return time.perf_counter()


def _analysis_client(make_http: Callable, content: bytes, tally: Tally, poll: float) -> None:
    with make_http() as http:
        started = time.perf_counter()
        answer = http.post(
            "/api/v1/analyses/", files={"file": ("measured_sample.csv", content, "text/csv")}
        )
        if answer.status_code not in (201, 202):
            tally.failed(f"upload: {answer.status_code} {answer.text[:200]}")
            return
        base_url = f"/api/v1/analyses/{answer.json()['id']}/"
        succeeded = _wait(http, base_url, tally, started)
        if succeeded is None:
            return
        with tally.lock:
            tally.to_succeeded.append(succeeded - started)
        for kind in ANALYSIS_EXPORTS:
            _fetch(http, f"{base_url}export/{kind}", kind, succeeded, tally, poll)


def _study_upload(samples: int, rows: int, seed: int) -> tuple[bytes, str]:
    from ganglioside.simulate.study import simulate_study

    sim = simulate_study(seed, n_per_group=max(1, samples // 2), n_rows=rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sample, table in sim.tables.items():
            archive.writestr(f"{sample}.csv", table.to_csv(index=False))
    return buffer.getvalue(), sim.design.to_csv(index=False)


def _study_client(
    make_http: Callable, upload: tuple[bytes, str], tally: Tally, poll: float
) -> None:
    archive, design = upload
    with make_http() as http:
        started = time.perf_counter()
        answer = http.post(
            "/api/v1/studies/",
            files=[("files", ("tables.zip", archive, "application/zip"))],
            data={"design": design},
        )
        if answer.status_code != 202:
            tally.failed(f"study upload: {answer.status_code} {answer.text[:200]}")
            return
        base_url = f"/api/v1/studies/{answer.json()['id']}/"
        succeeded = _wait(http, base_url, tally, started)
        if succeeded is None:
            return
        for name in STUDY_FILES:
            _fetch(http, f"{base_url}files/{name}", name, succeeded, tally, poll)
        first = http.get(f"{base_url}samples/").json()[0]
        compounds = f"{base_url}samples/{first['id']}/compounds/"
        _fetch(http, compounds, "sample compounds.csv", succeeded, tally, poll)


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"{statistics.median(ordered) * 1000:7.0f} {p95 * 1000:7.0f}"


def _report(tally: Tally, names: tuple[str, ...]) -> None:
    print(f"  {'download':22} {'first answers':22} {'first ms':>15} {'to file ms':>23}")
    print(f"  {'':22} {'':22} {'median':>7} {'p95':>7} {'median':>7} {'p95':>7} {'max':>7}")
    for name in names:
        codes = ", ".join(
            f"{n}x{code}" for code, n in sorted(tally.first_codes.get(name, {}).items())
        )
        latency = tally.first_latency.get(name) or [float("nan")]
        to_file = tally.to_file.get(name) or [float("nan")]
        print(f"  {name:22} {codes:22} {_ms(latency)} {_ms(to_file)} {max(to_file) * 1000:7.0f}")


def _run(pool_size: int, job: Callable[[], None]) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(pool_size) as pool:
        for future in [pool.submit(job) for _ in range(pool_size)]:
            future.result()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="analysis clients (20)")
    parser.add_argument("--studies", type=int, default=4, help="study clients (4)")
    parser.add_argument("--samples", type=int, default=6, help="samples per study (6)")
    parser.add_argument("--rows", type=int, default=180, help="rows per sample (180)")
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between polls (0.5)")
    args = parser.parse_args()
    os.environ.update(base.ENV)
    base._create_database()
    import django

    django.setup()
    import httpx
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    auth = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    content = base.SAMPLE.read_bytes()
    upload = _study_upload(args.samples, args.rows, seed=1)

    port = base._free_port()
    server = base._start_server(port)
    worker_name = f"downloads-bench-{os.getpid()}@{socket.gethostname()}"
    worker = base._start(
        "worker", "--concurrency=2", "--without-gossip", "--without-mingle", "-n", worker_name
    )
    url = f"http://127.0.0.1:{port}"

    def make_http():
        return httpx.Client(base_url=url, headers=auth, timeout=120)

    tally = Tally()
    try:
        with make_http() as http:
            base.wait_ready(http, worker_name)
        print(
            f"downloads right after succeeded: {args.clients} analysis clients, {args.studies} "
            f"study clients ({args.samples} samples of {args.rows} rows); uvicorn with "
            f"deploy/uvicorn.env, 1 Celery worker of 2 processes, PostgreSQL, Redis; polls "
            f"every {args.poll} s; {base._load()}"
        )
        took = _run(args.clients, lambda: _analysis_client(make_http, content, tally, args.poll))
        print(
            f"  analyses: {len(tally.to_succeeded)} succeeded in {took:.1f} s "
            f"(upload -> succeeded median {statistics.median(tally.to_succeeded or [0]):.1f} s)"
        )
        _report(tally, ANALYSIS_EXPORTS)
        if args.studies:
            took = _run(args.studies, lambda: _study_client(make_http, upload, tally, args.poll))
            print(f"  studies: {args.studies} in {took:.1f} s")
            _report(tally, (*STUDY_FILES, "sample compounds.csv"))
        conflicts = sum(codes.get(409, 0) for codes in tally.first_codes.values())
        odd = sum(
            n
            for codes in tally.first_codes.values()
            for c, n in codes.items()
            if c not in (200, 202)
        )
        print(
            f"  first answers 409: {conflicts}; other than 200/202: {odd}; "
            f"failures: {len(tally.failures)}; {base._load()}"
        )
        for failure in tally.failures[:20]:
            print(f"    {failure}")
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)
        from django.db import connections

        connections.close_all()
    return 1 if odd or tally.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
