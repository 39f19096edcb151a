"""A bounded load test of the web platform: 40 clients on loopback, uploads mixed in.

The server runs as production runs it (uvicorn with deploy/uvicorn.env: 4 worker processes and
a database connection pool), with one Celery worker of 2 processes, on PostgreSQL and Redis.
Eight users, five clients each (40 threads of this process), send a fixed number of requests
each (``--requests``, default 60, so 2,400 in all), one after the other, a mix of what a lab
does: list analyses, open one, page through its compounds, download an export, and upload
(1 request in 30: the 323-row sample).  Every request goes to 127.0.0.1 only; the run stops by
itself after its requests or ``--max-seconds`` (default 300).

Prints p50/p95/p99 per kind of request and overall, the errors (any status ≥ 500, any
unexpected 4xx, any transport error), throughput, how long uploads took to succeed under load,
the time the server itself spent per request (its access log) against what the clients saw, and
the CPU seconds of the server, the worker, PostgreSQL and the clients.

Needs PostgreSQL and Redis: ``BENCH_LOAD_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/ganglioside_load, dropped, created and migrated here) and
``REDIS_URL`` (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get(
        "BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ganglioside_load"
    ),
)
import web_speed as base

USERS, CLIENTS_PER_USER = 8, 5
MIX = (  # kind, weight
    ("list", 10),
    ("detail", 8),
    ("compounds", 7),
    ("export", 4),
    ("upload", 1),
)
UNEXPECTED = object()


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _line(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    return (
        f"  {name:<10} {len(ordered):>5}  p50 {statistics.median(ordered) * 1000:7.1f} ms  "
        f"p95 {_percentile(ordered, 0.95) * 1000:7.1f} ms  "
        f"p99 {_percentile(ordered, 0.99) * 1000:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms"
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (alive ones, from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                fields = (child / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) in pids or int(fields[1]) == pid:
                pids.append(int(child.name))
    for each in set(pids):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _postgres_cpu() -> float:
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for child in Path("/proc").iterdir():
        if not child.name.isdigit():
            continue
        try:
            stat = (child / "stat").read_text()
        except OSError:
            continue
        if "(postgres)" in stat:
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Client:
    """One simulated user session: a thread's own connection and its own random choices."""

    def __init__(self, http, analysis_id: int, content: bytes, seed: int) -> None:
        self.http, self.analysis_id, self.content = http, analysis_id, content
        self.random = random.Random(seed)
        self.uploads: list[int] = []

    def one(self) -> tuple[str, float, object]:
        kinds, weights = zip(*MIX, strict=True)
        kind = self.random.choices(kinds, weights)[0]
        started = time.perf_counter()
        if kind == "list":
            answer = self.http.get("/api/v1/analyses/", params={"page_size": 20})
        elif kind == "detail":
            answer = self.http.get(f"/api/v1/analyses/{self.analysis_id}/")
        elif kind == "compounds":
            page = self.random.randint(1, 3)
            answer = self.http.get(
                f"/api/v1/analyses/{self.analysis_id}/compounds/", params={"page": page}
            )
        elif kind == "export":
            fmt = self.random.choice(["csv", "json", "xlsx", "html"])
            answer = self.http.get(f"/api/v1/analyses/{self.analysis_id}/export/{fmt}")
        else:
            answer = self.http.post(
                "/api/v1/analyses/",
                files={"file": ("measured_sample.csv", self.content, "text/csv")},
            )
            if answer.status_code == 202:
                self.uploads.append(answer.json()["id"])
        elapsed = time.perf_counter() - started
        ok = 200 <= answer.status_code < 300
        return kind, elapsed, None if ok else (answer.status_code, answer.text[:200])


def _prepare(http_factory, content: bytes) -> list[tuple[object, int]]:
    """Eight users, each with one analysis of the sample (succeeded, exports written) and 30
    more queued ones in its list."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.authtoken.models import Token

    from ganglioside.web.analyses.models import Analysis, Artifact
    from ganglioside.web.analyses.services import submission

    users = []
    for i in range(USERS):
        user = get_user_model().objects.create_user(f"lab{i}", password="bench-pass-123")
        token = Token.objects.create(user=user).key
        http = http_factory(token)
        answer = http.post(
            "/api/v1/analyses/", files={"file": ("measured_sample.csv", content, "text/csv")}
        )
        users.append((user, token, answer.json()["id"]))
        for j in range(30):
            submission.analysis_create(
                owner=user,
                file=SimpleUploadedFile(f"old{j}.csv", content),
                name=f"older {j}",
                start=False,
            )
    deadline = time.monotonic() + 300
    ids = [pk for _, _, pk in users]
    while Artifact.objects.filter(analysis_id__in=ids).count() < 4 * len(ids):
        if time.monotonic() > deadline:
            raise SystemExit(f"the first analyses did not finish; see {base.WORK}")
        time.sleep(0.5)
    assert Analysis.objects.filter(pk__in=ids, status="succeeded").count() == len(ids)
    return [(token, pk) for _, token, pk in users]


def _server_times() -> dict[str, list[float]]:
    """Per route, the durations the server logged (ms), from its JSON access lines."""
    out: dict[str, list[float]] = defaultdict(list)
    for line in (base.WORK / "server.log").read_text(errors="replace").splitlines():
        if '"ganglioside.access"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        route = entry.get("route", "")
        kind = (
            "upload" if entry.get("method") == "POST" else
            "export" if "export" in route else
            "compounds" if "compounds" in route else
            "list" if route == "api/v1/analyses/" else
            "detail" if route.startswith("api/v1/analyses/") else "other"
        )  # fmt: skip
        out[kind].append(entry["duration_ms"] / 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60, help="requests per client")
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()
    base.ENV.update(
        LOG_LEVEL="info",
        LOG_JSON="1",
        GANGLIOSIDE_QUEUE=f"ganglioside-load-{os.getpid()}",
        GANGLIOSIDE_WORKER_WARM_UP="1",
    )
    os.environ.update(base.ENV)
    base._create_database()
    import django

    django.setup()
    import httpx
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    content = base.SAMPLE.read_bytes()
    port = base._free_port()
    server = base._start_server(port)
    worker = base._start("worker", "--concurrency=2", "--without-gossip", "--without-mingle")
    url = f"http://127.0.0.1:{port}"

    def http_factory(token: str):
        return httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=60)

    try:
        with httpx.Client(base_url=url) as probe:
            base.wait_ready(probe, seconds=60)
        sessions = _prepare(http_factory, content)
        print(
            f"load: {USERS * CLIENTS_PER_USER} clients ({USERS} users), {args.requests} requests "
            f"each, uploads 1 in {sum(w for _, w in MIX)}; server uvicorn with "
            f"deploy/uvicorn.env, 1 Celery worker of 2 processes, PostgreSQL, Redis; {base._load()}"
        )
        (base.WORK / "server.log").write_text("")  # only the load itself from here on
        results: dict[str, list[float]] = defaultdict(list)
        errors: list[tuple[str, object]] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.max_seconds
        clients = [
            Client(http_factory(token), pk, content, seed=i)
            for i, (token, pk) in enumerate(sessions * CLIENTS_PER_USER)
        ]
        cpu_before = {
            "server": base_cpu(server.pid),
            "worker": base_cpu(worker.pid),
            "postgres": _postgres_cpu(),
            "clients": time.process_time(),
        }

        def run(client: Client) -> None:
            for _ in range(args.requests):
                if time.monotonic() > stop_at:
                    return
                try:
                    kind, elapsed, problem = client.one()
                except httpx.HTTPError as exc:
                    kind, elapsed, problem = "transport", 0.0, repr(exc)
                with lock:
                    results[kind].append(elapsed)
                    if problem is not None:
                        errors.append((kind, problem))

        started = time.perf_counter()
        with ThreadPoolExecutor(len(clients)) as pool:
            list(pool.map(run, clients))
        wall = time.perf_counter() - started
        cpu = {
            "server": base_cpu(server.pid) - cpu_before["server"],
            "worker": base_cpu(worker.pid) - cpu_before["worker"],
            "postgres": _postgres_cpu() - cpu_before["postgres"],
            "clients": time.process_time() - cpu_before["clients"],
        }
        uploads = [pk for c in clients for pk in c.uploads]
        finish = _wait_for(uploads, http_factory(sessions[0][0]), sessions)
        _report(results, errors, wall, cpu, finish)
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)
    return 0


def base_cpu(pid: int) -> float:
    return _cpu_seconds(pid)


def _wait_for(uploads: list[int], _http, sessions) -> list[float]:
    """Upload → succeeded of the uploads made under load (from the stored times)."""
    from ganglioside.web.analyses.models import Analysis

    deadline = time.monotonic() + 300
    while Analysis.objects.filter(pk__in=uploads, status__in=["queued", "running"]).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return [
        (a.finished_at - a.created_at).total_seconds()
        for a in Analysis.objects.filter(pk__in=uploads, status="succeeded")
    ]


def _report(results, errors, wall: float, cpu: dict[str, float], finish: list[float]) -> None:
    everything = [t for kind, ts in results.items() if kind != "transport" for t in ts]
    print(f"  {len(everything)} requests in {wall:.1f} s: {len(everything) / wall:.0f} per second")
    for kind, _ in MIX:
        if results.get(kind):
            print(_line(kind, results[kind]))
    print(_line("all", everything))
    shown = defaultdict(int)
    for kind, problem in errors:
        shown[(kind, problem if isinstance(problem, str) else problem[0])] += 1
    print(f"  errors: {len(errors)}" + "".join(f"\n    {k}: {n}" for k, n in shown.items()))
    if finish:
        print(
            f"  uploads under load: {len(finish)} succeeded, upload -> succeeded median "
            f"{statistics.median(finish):.1f} s, max {max(finish):.1f} s"
        )
    server = _server_times()
    print("  time in the server (its access log) against the client's, p50:")
    for kind, _ in MIX:
        if server.get(kind) and results.get(kind):
            print(
                f"    {kind:<10} server {statistics.median(server[kind]) * 1000:6.1f} ms, "
                f"client {statistics.median(results[kind]) * 1000:6.1f} ms"
            )
    total = sum(cpu.values())
    print(
        "  CPU seconds during the load: "
        + ", ".join(f"{k} {v:.1f} ({v / total:.0%})" for k, v in cpu.items())
        + f"; {total / wall:.2f} cores busy of 2"
    )


if __name__ == "__main__":
    raise SystemExit(main())
