"""Speed of the laptop platform: ``ganglioside serve`` on SQLite, without Redis.

Prints how long the server takes to answer ``/health/ready`` after it is started, and upload →
succeeded for the bundled 323-row sample (API upload, analysed in the server's thread pool,
polling the API every 10 ms): the first upload after the server is ready, and the median of five
more.  The target for the first upload is 1 s.

Runs everything in a temporary data folder (its own SQLite database and media folder); needs no
service.  ``--no-warm-up`` starts the server with ``GANGLIOSIDE_WORKER_WARM_UP=0`` (the thread
pool starts cold), to see what the warm-up saves.  The machine's load average is printed with the
figures, since they depend on it.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "ganglioside" / "data" / "measured_sample.csv"


def _environment(work: Path, warm_up: bool) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ganglioside.web.settings",
        SECRET_KEY="bench-only",
        GANGLIOSIDE_DATA_DIR=str(work / "data"),
        GANGLIOSIDE_API_RATE="100000/s",
        GANGLIOSIDE_UPLOAD_RATE="100000/min",
        GANGLIOSIDE_NOTIFY_BY_EMAIL="0",
        GANGLIOSIDE_WORKER_WARM_UP="1" if warm_up else "0",
        LOG_LEVEL="warning",
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _wait_ready(http, process: subprocess.Popen, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while True:
        try:
            if http.get("/health/ready").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start; see {log}")
        time.sleep(0.05)


def _upload_until_done(http, content: bytes) -> float:
    start = time.perf_counter()
    answer = http.post(
        "/api/v1/analyses/", files={"file": ("measured_sample.csv", content, "text/csv")}
    )
    analysis_id = answer.json()["id"]
    while True:
        status = http.get(f"/api/v1/analyses/{analysis_id}/").json()["status"]
        if status in ("succeeded", "failed"):
            break
        time.sleep(0.01)
    if status != "succeeded":
        raise SystemExit(f"analysis {analysis_id} {status}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-warm-up", action="store_true", help="start the server cold")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ganglioside-embedded-bench-"))
    env = _environment(work, warm_up=not args.no_warm_up)
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    import httpx
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    auth = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    port = _free_port()
    log = work / "server.log"
    with open(log, "wb") as out:
        started = time.monotonic()
        server = subprocess.Popen(
            [sys.executable, "-m", "ganglioside.web.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth, timeout=60) as http:
            _wait_ready(http, server, log)
            ready = time.monotonic() - started
            content = SAMPLE.read_bytes()
            timings = [_upload_until_done(http, content) for _ in range(6)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    warm = timings[1:]
    print(
        "embedded platform (ganglioside serve, SQLite, thread pool, no Redis; "
        f"server warm-up {'off' if args.no_warm_up else 'on'}); {_load()}\n"
        f"  server ready (answering /health/ready) {ready:.1f} s after start\n"
        f"  upload -> succeeded, 323-row sample: first {timings[0]:.2f} s; "
        f"then median {statistics.median(warm):.2f} s, max {max(warm):.2f} s over {len(warm)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
