"""A Redis outage during an analysis (issue 13, 4), with a Redis of the test's own.

The test starts its own ``redis-server`` on a free loopback port (never the machine's shared
one), a bare ``ganglioside worker`` (its supervisor included), ``ganglioside beat`` and the
server, uploads a table that takes seconds to analyse, stops Redis while the analysis runs and
starts it again.  During the outage the API answers reads and refuses uploads with 503 (never
500); afterwards the worker is still there and the analysis finishes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from rest_framework.authtoken.models import Token

from tests.web.analyses.test_end_to_end import Services

from .conftest import SAMPLE_CSV
from .live import free_port

pytestmark = [pytest.mark.service, pytest.mark.django_db(transaction=True)]


class OwnRedis:
    """A throwaway redis-server on a loopback port, stopped and started by the test."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("needs redis-server (apt-get install redis-server)")
        self.binary, self.folder, self.port = binary, folder, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def big_table(tmp_path) -> Path:
    path = tmp_path / "big.csv"
    subprocess.run(
        [sys.executable, "-m", "ganglioside.cli", "simulate", "--seed", "3", "--rows", "40000",
         "-o", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def _status(base: str, auth: dict[str, str], pk: int) -> str:
    return httpx.get(f"{base}/api/v1/analyses/{pk}/", headers=auth, timeout=10).json()["status"]


def test_a_redis_outage_during_an_analysis(postgres, own_redis, big_table, tmp_path, user):
    services = Services(tmp_path, own_redis.url)
    services.env.update(GANGLIOSIDE_SWEEP_EVERY="5", GANGLIOSIDE_RESEND_AFTER="2")
    token = Token.objects.create(user=user).key
    auth = {"Authorization": f"Token {token}"}
    try:
        services.start(
            "worker", "worker", "--concurrency", "1", "-Q", services.env["GANGLIOSIDE_QUEUE"]
        )
        services.start("beat", "beat")
        services.start(
            "server", "serve", "--host", "127.0.0.1", "--port", str(services.port), "--no-migrate"
        )
        services.wait_ready()
        supervisor = services.processes["worker"]

        with big_table.open("rb") as handle:
            response = httpx.post(
                f"{services.base}/api/v1/analyses/",
                headers=auth,
                files={"file": ("big.csv", handle, "text/csv")},
                timeout=60,
            )
        assert response.status_code == 202, response.text
        pk = response.json()["id"]
        deadline = time.monotonic() + 60
        while _status(services.base, auth, pk) != "running":
            assert time.monotonic() < deadline, services.logs()
            time.sleep(0.1)

        own_redis.stop()
        # Reads keep working (they need PostgreSQL only); an upload is refused with 503.
        listed = httpx.get(f"{services.base}/api/v1/analyses/", headers=auth, timeout=30)
        assert listed.status_code in (200, 503), listed.text
        with big_table.open("rb") as handle:
            upload = httpx.post(
                f"{services.base}/api/v1/analyses/",
                headers=auth,
                files={"file": ("big.csv", handle, "text/csv")},
                timeout=60,
            )
        assert upload.status_code == 503, upload.text
        assert upload.headers["retry-after"] and upload.json()["error"]["code"] == "unavailable"
        time.sleep(3)
        own_redis.start()

        deadline = time.monotonic() + 180
        status = _status(services.base, auth, pk)
        while status not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, f"still {status}\n{services.logs()}"
            time.sleep(0.5)
            status = _status(services.base, auth, pk)
        detail = httpx.get(f"{services.base}/api/v1/analyses/{pk}/", headers=auth, timeout=10)
        assert status == "succeeded", f"{detail.json()['error']}\n{services.logs()}"
        assert supervisor.poll() is None, services.logs()  # the worker is still up
        # And it takes new work after the outage.
        with SAMPLE_CSV.open("rb") as handle:
            again = httpx.post(
                f"{services.base}/api/v1/analyses/",
                headers=auth,
                files={"file": ("again.csv", handle, "text/csv")},
                timeout=60,
            )
        assert again.status_code == 202, again.text
        deadline = time.monotonic() + 60
        while _status(services.base, auth, again.json()["id"]) != "succeeded":
            assert time.monotonic() < deadline, services.logs()
            time.sleep(0.2)
        (tmp_path / "outage-logs.txt").write_text(services.logs())
    finally:
        services.stop()
