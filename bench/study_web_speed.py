"""Speed of a study through the web: 100 simulated samples uploaded (one zip and the design)
through the API to a finished study, with one Celery worker of two processes.

Prints the time from the upload's first byte to the study's status ``succeeded`` (target
≤ 30 s), split into the upload answer, the samples (every sample analysed and stored, one task
each) and the study step (stored results read back, borrowed anchors, alignment, statistics,
files and figures), plus the machine's load average.

Needs PostgreSQL and Redis, like ``web_speed.py`` (whose helpers it uses):
``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/ganglioside_study_bench,
created and migrated here) and ``REDIS_URL``.  ``--samples N`` and ``--rows N`` change the
study (default 100 samples of 180 rows, ``simulate_study(seed=1)``).
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import time
import zipfile

os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ganglioside_study_bench"
)

import web_speed as base  # the script's folder, bench/, is on sys.path


def _zip_of(tables: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in tables.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _study(samples: int, rows: int) -> tuple[bytes, str]:
    from ganglioside.simulate.study import simulate_study

    sim = simulate_study(1, n_per_group=samples // 2, n_rows=rows)
    tables = {f"{s}.csv": t.to_csv(index=False).encode() for s, t in sim.tables.items()}
    return _zip_of(tables), sim.design.to_csv(index=False)


def _run_once(http, archive: bytes, design: str) -> dict[str, float]:
    start = time.perf_counter()
    answer = http.post(
        "/api/v1/studies/",
        files=[("files", ("tables.zip", archive, "application/zip"))],
        data={"design": design},
    )
    assert answer.status_code == 202, answer.text
    answered = time.perf_counter() - start
    study_id = answer.json()["id"]
    samples_done = None
    while True:
        detail = http.get(f"/api/v1/studies/{study_id}/").json()
        progress = detail["progress"]
        if samples_done is None and progress["done"] == progress["total"]:
            samples_done = time.perf_counter() - start
        if detail["status"] in ("succeeded", "failed", "waiting"):
            break
        time.sleep(0.1)
    total = time.perf_counter() - start
    assert detail["status"] == "succeeded", detail["error_message"]
    return {"upload": answered, "samples": samples_done or total, "total": total}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--rows", type=int, default=180)
    parser.add_argument("--runs", type=int, default=2)
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
    archive, design = _study(args.samples, args.rows)

    port = base._free_port()
    server = base._start_server(port)
    worker_name = f"study-bench-{os.getpid()}@{socket.gethostname()}"
    worker = base._start(
        "worker", "--concurrency=2", "--without-gossip", "--without-mingle", "-n", worker_name
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth, timeout=120) as http:
            base.wait_ready(http, worker_name)
            print(
                f"study through the web: {args.samples} samples of {args.rows} rows "
                f"(zip {len(archive) / 1e6:.1f} MB), 1 Celery worker of 2 processes; "
                f"{base._load()}"
            )
            for run in range(args.runs):
                t = _run_once(http, archive, design)
                print(
                    f"  run {run + 1}: upload answered {t['upload']:.2f} s; every sample done "
                    f"{t['samples']:.1f} s; study succeeded {t['total']:.1f} s "
                    f"(study step {t['total'] - t['samples']:.1f} s); target <= 30 s"
                )
            print(f"  {base._load()}")
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
