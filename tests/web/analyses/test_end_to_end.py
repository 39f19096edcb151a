"""End to end: a real Celery worker and the ASGI server (uvicorn), both as subprocesses, on
PostgreSQL and Redis.  Upload the sample through the API with a token, follow the progress over
the WebSocket, download the workbook."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl
import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from ganglioside.result import PROGRESS_STEPS
from tests.web.conftest import SAMPLE_CSV
from tests.web.live import free_port, wait_until_ready

pytestmark = [pytest.mark.service, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Services:
    """The subprocesses of one test; stopped (and their logs shown on failure) at the end."""

    def __init__(self, tmp_path: Path, redis_url: str) -> None:
        self.tmp = tmp_path
        self.port = free_port()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ganglioside.web.settings",
            "SECRET_KEY": "end-to-end-test-key",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": redis_url,
            "GANGLIOSIDE_EXECUTOR": "celery",
            "GANGLIOSIDE_DATA_DIR": str(tmp_path / "data"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GANGLIOSIDE_HTTPS": "0",
            "GANGLIOSIDE_NOTIFY_BY_EMAIL": "0",
            # As in production: the worker writes the export files right after the run.
            "GANGLIOSIDE_EXPORTS_AFTER_RUN": "1",
            # A queue of its own: no other worker on this Redis takes the task.
            "GANGLIOSIDE_QUEUE": f"ganglioside-e2e-{os.getpid()}-{self.port}",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args: str) -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "ganglioside.web.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.tmp.glob("*.log"))
        )

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        wait_until_ready(self.base, self.processes["server"], self.logs, timeout)


@pytest.fixture
def services(postgres, redis_url, tmp_path):
    running = Services(tmp_path, redis_url)
    yield running
    running.stop()


def test_upload_follow_progress_over_the_websocket_and_download_the_workbook(services, user):
    from websockets.sync.client import connect

    token = Token.objects.create(user=user).key
    auth = {"Authorization": f"Token {token}"}
    services.start(
        "server", "serve", "--host", "127.0.0.1", "--port", str(services.port), "--no-migrate"
    )
    services.wait_ready()

    with SAMPLE_CSV.open("rb") as handle:
        response = httpx.post(
            f"{services.base}/api/v1/analyses/",
            headers=auth,
            files={"file": ("measured_sample.csv", handle, "text/csv")},
            data={"name": "end to end"},
            timeout=30,
        )
    assert response.status_code == 202, response.text
    analysis = response.json()
    assert analysis["status"] == "queued"

    messages = []
    url = f"ws://127.0.0.1:{services.port}{analysis['links']['websocket']}"
    with connect(url, additional_headers=auth, open_timeout=10) as ws:
        messages.append(json.loads(ws.recv(timeout=10)))
        assert messages[0]["type"] == "state" and messages[0]["status"] == "queued"
        # The worker starts only now, so every progress event happens while we listen.
        services.start("worker", "worker", "--pool=solo", "--without-gossip", "--without-mingle")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                message = json.loads(ws.recv(timeout=5))
            except TimeoutError:
                continue
            messages.append(message)
            if message["type"] == "status" and message["status"] in ("succeeded", "failed"):
                break
        else:
            raise AssertionError(f"no final status over the WebSocket:\n{services.logs()}")

    final = messages[-1]
    assert final["status"] == "succeeded", f"{final}\n{services.logs()}"
    assert final["n_compounds"] == 323
    steps = [m["step"] for m in messages if m["type"] == "progress"]
    assert [s for s in PROGRESS_STEPS if s in steps] == list(PROGRESS_STEPS)

    detail = httpx.get(f"{services.base}/api/v1/analyses/{analysis['id']}/", headers=auth).json()
    assert detail["status"] == "succeeded"
    assert detail["attempts"] == 1

    # "succeeded" means downloadable: the first request for a light export answers the file.
    export_url = f"{services.base}/api/v1/analyses/{analysis['id']}/export/xlsx"
    xlsx = httpx.get(export_url, headers=auth, timeout=60)
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert workbook["Compounds"].max_row == 1 + 323
