"""End to end: a study through the web with a real Celery worker (two processes) and the ASGI
server, on PostgreSQL and Redis.  Upload six simulated samples as a zip and the design through
the API, follow the progress per sample, download the study's files."""

from __future__ import annotations

import io
import time

import httpx
import pandas as pd
import pytest
from rest_framework.authtoken.models import Token

from tests.web.analyses.test_end_to_end import Services
from tests.web.studies_data import broken, study_files, zipped

pytestmark = [pytest.mark.service, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def running(postgres, redis_url, tmp_path):
    services = Services(tmp_path, redis_url)
    services.start(
        "server", "serve", "--host", "127.0.0.1", "--port", str(services.port), "--no-migrate"
    )
    services.start("worker", "worker", "--concurrency=2", "--without-gossip", "--without-mingle")
    services.wait_ready()
    yield services
    services.stop()


def _upload(services, auth, tables, design):
    archive = zipped(tables)
    response = httpx.post(
        f"{services.base}/api/v1/studies/",
        headers=auth,
        files=[("files", ("tables.zip", archive.read(), "application/zip"))],
        data={"design": design, "name": "end to end study"},
        timeout=60,
    )
    assert response.status_code == 202, response.text
    return response.json()


def _wait(services, auth, study_id, until):
    seen = set()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        detail = httpx.get(f"{services.base}/api/v1/studies/{study_id}/", headers=auth).json()
        seen.add((detail["progress"]["done"], detail["status"]))
        if detail["status"] in until:
            return detail, seen
        time.sleep(0.3)
    raise AssertionError(f"the study did not finish:\n{services.logs()}")


def test_a_study_runs_sample_by_sample_in_celery_workers(running, user):
    auth = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    tables, design = study_files()
    created = _upload(running, auth, tables, design)
    detail, seen = _wait(running, auth, created["id"], ("succeeded", "failed", "waiting"))
    assert detail["status"] == "succeeded", f"{detail}\n{running.logs()}"
    assert all(s["status"] == "succeeded" and s["attempts"] == 1 for s in detail["samples"])
    assert all(s["duration_seconds"] > 0 for s in detail["samples"])
    assert max(done for done, _ in seen) == 6

    base = f"{running.base}/api/v1/studies/{created['id']}/files/"
    matrix = httpx.get(base + "matrix.csv", headers=auth)
    assert matrix.status_code == 200
    assert {"C01", "D03"} <= set(pd.read_csv(io.BytesIO(matrix.content)).columns)
    report = httpx.get(base + "study_report.html", headers=auth)
    assert report.status_code == 200 and b"plotly" in report.content.lower()


def test_a_failed_sample_waits_then_the_study_finishes_without_it(running, user):
    auth = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    tables, design = study_files()
    created = _upload(running, auth, broken(tables, "D01.csv"), design)
    detail, _ = _wait(running, auth, created["id"], ("succeeded", "failed", "waiting"))
    assert detail["status"] == "waiting", f"{detail}\n{running.logs()}"
    failed = [s for s in detail["samples"] if s["status"] == "failed"]
    assert [s["sample"] for s in failed] == ["D01"] and failed[0]["error_message"]

    finish = httpx.post(f"{running.base}/api/v1/studies/{created['id']}/finish/", headers=auth)
    assert finish.status_code == 202, finish.text
    detail, _ = _wait(running, auth, created["id"], ("succeeded", "failed"))
    assert detail["status"] == "succeeded", f"{detail}\n{running.logs()}"
