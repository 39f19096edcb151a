"""Background execution without a broker: the bounded thread pool of the server process, and
its process pool for a study's samples."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.db import transaction

from ganglioside.web import dispatch
from ganglioside.web.analyses import execution
from ganglioside.web.analyses.models import Analysis
from ganglioside.web.analyses.services import submission
from ganglioside.web.studies import execution as study_execution
from ganglioside.web.studies.models import Study
from ganglioside.web.studies.services import creation
from ganglioside.web.studies.services import running as study_running
from tests.web import process_probe
from tests.web.browser import running_platform
from tests.web.conftest import make_upload
from tests.web.studies_data import study_files, uploads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_without_a_broker_the_upload_runs_in_a_background_thread(user, sample_bytes, settings):
    settings.GANGLIOSIDE_EXECUTOR = "threads"
    settings.GANGLIOSIDE_THREADS = 1
    try:
        with transaction.atomic():
            analysis = submission.analysis_create(owner=user, file=make_upload(sample_bytes))
            # not started before the upload is committed
            assert Analysis.objects.get(pk=analysis.pk).status == "queued"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = Analysis.objects.get(pk=analysis.pk).status
            if status in ("succeeded", "failed"):
                break
            time.sleep(0.1)
        finished = Analysis.objects.get(pk=analysis.pk)
        assert finished.status == "succeeded", finished.error_message
        assert "threads" in finished.worker
        assert finished.compounds.count() == 323
    finally:
        execution.shutdown(wait=True)


@pytest.mark.service
def test_with_a_broker_the_upload_is_sent_to_celery_with_its_id(
    user, sample_bytes, settings, redis_url
):
    from ganglioside.web.celery import app

    settings.GANGLIOSIDE_EXECUTOR = "celery"
    app.conf.broker_url = redis_url
    queue = f"ganglioside-test-{time.monotonic_ns()}"
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with transaction.atomic():
            analysis = submission.analysis_create(owner=user, file=make_upload(sample_bytes))
        analysis.refresh_from_db()
        assert analysis.task_id  # the Celery task id is recorded
        import redis

        client = redis.Redis.from_url(redis_url)
        assert client.llen(queue) == 1
        client.delete(queue)
    finally:
        app.conf.task_default_queue = default_queue


# -- a study's samples in the process pool (threads executor) -----------------------------------


def _wait_until(condition, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie waiting for its parent does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_without_a_broker_a_studys_samples_are_analysed_in_other_processes(
    user, settings, monkeypatch
):
    settings.GANGLIOSIDE_EXECUTOR = "threads"
    settings.GANGLIOSIDE_THREADS = 2
    settings.GANGLIOSIDE_PROCESSES = 2
    monkeypatch.setattr(study_running, "analyze_sample", process_probe.analyze_noting_the_process)
    tables, design = study_files()
    try:
        with transaction.atomic():
            study = creation.study_create(owner=user, files=uploads(tables), design=design)
        assert _wait_until(
            lambda: Study.objects.get(pk=study.pk).status in ("succeeded", "failed", "waiting")
        )
        study.refresh_from_db()
        assert study.status == "succeeded", study.error_message
        pool = dispatch.process_pool_pids()
        # Every sample took the shared anchors before its one analysis, in the process pool.
        samples = list(study.samples.all())
        assert len(samples) == 6 and study.shared_anchors["pooled"] is True
        pids = {s.summary["analysed_in_pid"] for s in samples}
        assert os.getpid() not in pids
        assert pids <= pool and 1 <= len(pool) <= 2
    finally:
        dispatch.shutdown(wait=True)
    assert dispatch.process_pool_pids() == frozenset()
    assert _wait_until(lambda: not any(_alive(pid) for pid in pool), seconds=30)


def test_work_not_started_when_the_pools_stop_is_refused_not_run(settings, tmp_path):
    settings.GANGLIOSIDE_EXECUTOR = "threads"
    settings.GANGLIOSIDE_PROCESSES = 1
    go = str(tmp_path / "go")
    outcome: dict[str, object] = {}

    def compute_four() -> None:
        try:
            outcome["pids"] = dispatch.compute(process_probe.wait_for_file, [go] * 4)
        except dispatch.WorkStopped as exc:
            outcome["stopped"] = exc

    thread = threading.Thread(target=compute_four)
    thread.start()
    try:
        # The one process runs the first call; the others wait in line.
        assert _wait_until(lambda: (tmp_path / "go.started").exists(), seconds=60)
        workers = dispatch.process_pool_pids()
        assert len(workers) == 1
        # The server stopping: the work waiting is cancelled, the running work ended with its
        # process; the thread learns that the server stops (not that the work failed).
        dispatch.shutdown(wait=False)
        thread.join(timeout=60)
        assert isinstance(outcome.get("stopped"), dispatch.WorkStopped), outcome
        assert dispatch.process_pool_pids() == frozenset()
        assert _wait_until(lambda: not any(_alive(pid) for pid in workers), seconds=30)
        # Work sent while the server stops is refused: no new pool that nothing would stop.
        with pytest.raises(dispatch.WorkStopped):
            dispatch.compute(process_probe.pid_of, [None])
        assert dispatch.process_pool_pids() == frozenset()
    finally:
        (tmp_path / "go").touch()
        thread.join(timeout=60)
        dispatch.shutdown(wait=True)


def test_a_sample_whose_work_was_stopped_goes_back_in_the_queue(
    user, settings, monkeypatch, django_capture_on_commit_callbacks
):
    tables, design = study_files()
    study = creation.study_create(owner=user, files=uploads(tables), design=design, start=False)
    row = study.samples.order_by("position").first()

    def stopped(*args):
        raise dispatch.WorkStopped("the server is stopping")

    monkeypatch.setattr(study_execution, "analyze", stopped)
    study_running.study_sample_run(sample_id=row.pk)
    row.refresh_from_db()
    study.refresh_from_db()
    assert row.status == "queued" and row.attempts == 0 and row.error_message == ""
    assert study.status == "queued"
    # Sent again (as the server does when it starts), it runs for real.
    monkeypatch.undo()
    study_running.study_sample_run(sample_id=row.pk)
    row.refresh_from_db()
    assert row.status == "succeeded" and row.attempts == 1


def _api_token(platform) -> str:
    return platform.run(
        "manage",
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from rest_framework.authtoken.models import Token\n"
        "user = get_user_model().objects.get(username='lab')\n"
        "print(Token.objects.get_or_create(user=user)[0].key)",
    ).split()[-1]


def _sample_states(platform) -> list[str]:
    out = platform.run(
        "manage",
        "shell",
        "-c",
        "from ganglioside.web.studies.models import StudySample\n"
        "print('states', *StudySample.objects.values_list('status', flat=True))",
    )
    return out.split("states", 1)[1].split()


def test_a_server_stopped_mid_study_leaves_no_process_behind_and_the_next_one_finishes_it(
    tmp_path,
):
    """``ganglioside serve`` without a broker, stopped as systemd does (SIGTERM) while a study
    runs: the fork server and the pool's processes end with it (uvicorn ends with the signal,
    so the pool is not left to the exit handlers), no sample is left "running", and the next
    start sends the queued samples again and finishes the study."""
    tables, design = study_files(n_per_group=10)
    files = [("files", (name, content, "text/csv")) for name, content in tables.items()]
    with running_platform(tmp_path, broker=False) as platform:
        auth = {"Authorization": f"Token {_api_token(platform)}"}
        with httpx.Client(base_url=platform.base, headers=auth, timeout=60) as http:
            answer = http.post("/api/v1/studies/", files=files, data={"design": design})
            assert answer.status_code == 202, answer.text
            url = f"/api/v1/studies/{answer.json()['id']}/"
            assert _wait_until(lambda: http.get(url).json()["progress"]["done"] >= 2)
        helpers = _children(platform.processes["server"].pid)  # fork server, resource tracker
        workers = set().union(*(_children(pid) for pid in helpers))
        assert workers, "the study ran without the process pool"
        platform.stop("server")
        left = workers | helpers
        ended = _wait_until(lambda: not any(_alive(pid) for pid in left), seconds=30)
        orphans = [pid for pid in left if _alive(pid)]
        for pid in orphans:  # not left running after a failure either
            os.kill(pid, signal.SIGKILL)
        assert ended, f"processes left behind by the server: {orphans}"
        assert "running" not in _sample_states(platform)

        platform.start("server", "serve", "--host", "127.0.0.1", "--port", str(platform.port))
        platform.wait_ready()
        with httpx.Client(base_url=platform.base, headers=auth, timeout=60) as http:
            settled = ("succeeded", "failed", "waiting")
            assert _wait_until(lambda: http.get(url).json()["status"] in settled)
            study = http.get(url).json()
        assert study["status"] == "succeeded", platform.logs()
        assert {s["attempts"] for s in study["samples"]} == {1}


def test_a_sample_whose_process_died_fails_with_that_reason_and_the_pool_is_replaced(
    user, settings, monkeypatch
):
    settings.GANGLIOSIDE_EXECUTOR = "threads"
    settings.GANGLIOSIDE_PROCESSES = 1
    tables, design = study_files()
    study = creation.study_create(owner=user, files=uploads(tables), design=design, start=False)
    row = study.samples.order_by("position").first()
    monkeypatch.setattr(study_running, "analyze_sample", process_probe.die)
    try:
        study_running.study_sample_run(sample_id=row.pk)
        row.refresh_from_db()
        assert row.status == "failed"
        assert "process analysing it stopped" in row.error_message
        # The broken pool was dropped: the next work gets a new one.
        assert dispatch.compute(process_probe.pid_of, [None]) != [os.getpid()]
    finally:
        dispatch.shutdown(wait=True)
