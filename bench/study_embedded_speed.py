"""Speed of a study on the embedded platform: ``ganglioside serve`` on SQLite, without Redis.

Uploads simulated samples (one zip and the design) through the API and prints the time from the
upload to every sample stored, and to the study's status ``succeeded``, with the machine's load
average.  Without a broker the server runs the samples itself: each sample's service in its
thread pool (``GANGLIOSIDE_THREADS``), the CPU work in its process pool
(``GANGLIOSIDE_PROCESSES``; ``--processes 0`` keeps the work in the threads, as before the
process pool, to compare).  The first study also pays the start of the process pool.

Runs everything in a temporary data folder (its own SQLite database and media folder); needs no
service.  ``--samples N`` and ``--rows N`` change the study (default 40 samples of 180 rows,
``simulate_study(seed=1)``); ``--runs N`` studies one after the other.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from embedded_speed import _environment, _free_port, _load, _wait_ready  # bench/ is on sys.path


def _study(samples: int, rows: int) -> tuple[bytes, str]:
    from ganglioside.simulate.study import simulate_study

    sim = simulate_study(1, n_per_group=samples // 2, n_rows=rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sample, table in sim.tables.items():
            archive.writestr(f"{sample}.csv", table.to_csv(index=False))
    return buffer.getvalue(), sim.design.to_csv(index=False)


def _run_once(http, archive: bytes, design: str) -> dict[str, float]:
    start = time.perf_counter()
    answer = http.post(
        "/api/v1/studies/",
        files=[("files", ("tables.zip", archive, "application/zip"))],
        data={"design": design},
    )
    if answer.status_code != 202:
        raise SystemExit(f"the upload was refused: {answer.status_code} {answer.text}")
    study_id = answer.json()["id"]
    samples_done = None
    while True:
        detail = http.get(f"/api/v1/studies/{study_id}/").json()
        progress = detail["progress"]
        if samples_done is None and progress["done"] == progress["total"]:
            samples_done = time.perf_counter() - start
        if detail["status"] in ("succeeded", "failed", "waiting"):
            break
        time.sleep(0.2)
    total = time.perf_counter() - start
    if detail["status"] != "succeeded":
        raise SystemExit(f"study {study_id} {detail['status']}: {detail['error_message']}")
    return {"samples": samples_done or total, "total": total}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--rows", type=int, default=180)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="GANGLIOSIDE_THREADS")
    parser.add_argument(
        "--processes", type=int, default=None, help="GANGLIOSIDE_PROCESSES (default: its own)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ganglioside-study-embedded-bench-"))
    env = _environment(work, warm_up=True)
    env.update(GANGLIOSIDE_EXECUTOR="threads", GANGLIOSIDE_THREADS=str(args.threads))
    if args.processes is not None:
        env["GANGLIOSIDE_PROCESSES"] = str(args.processes)
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    import httpx
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    auth = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    archive, design = _study(args.samples, args.rows)
    processes = getattr(settings, "GANGLIOSIDE_PROCESSES", "none (threads only)")
    port = _free_port()
    log = work / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "ganglioside.web.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth, timeout=120) as http:
            _wait_ready(http, server, log)
            print(
                f"study on the embedded platform (ganglioside serve, SQLite, no Redis): "
                f"{args.samples} samples of {args.rows} rows; threads {args.threads}, "
                f"processes {processes}; {_load()}"
            )
            for run in range(args.runs):
                t = _run_once(http, archive, design)
                print(
                    f"  run {run + 1}: every sample stored {t['samples']:.1f} s; study "
                    f"succeeded {t['total']:.1f} s (study step {t['total'] - t['samples']:.1f} s)"
                )
            print(f"  {_load()}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
