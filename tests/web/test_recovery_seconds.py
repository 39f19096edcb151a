"""Recovery in seconds (issue 22, item 4): transient database errors are retried, not stored as
failures; an abandoned job (no beat, its process gone) is taken back at once or by the sweep
within GANGLIOSIDE_STALE_AFTER seconds (20 by default, not 1,020); a queued job is sent again
only when the broker has lost its message."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import OperationalError
from django.utils import timezone

from ganglioside.web import heartbeats
from ganglioside.web.analyses.execution import RUN_ANALYSIS_TASK
from ganglioside.web.analyses.models import Analysis
from ganglioside.web.analyses.services import recovery, running
from ganglioside.web.studies.models import SampleStatus, StudySample
from ganglioside.web.studies.services import creation
from ganglioside.web.studies.services import running as study_running

from .studies_data import study_files, uploads

pytestmark = pytest.mark.slow

TERMINATED = "terminating connection due to administrator command"


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_the_defaults_take_a_job_back_within_a_minute(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GANGLIOSIDE_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ganglioside.web.settings",
        SECRET_KEY="x" * 50,
        GANGLIOSIDE_DATA_DIR=str(tmp_path),
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.GANGLIOSIDE_HEARTBEAT_EVERY, s.GANGLIOSIDE_STALE_AFTER, s.GANGLIOSIDE_SWEEP_EVERY)"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    beat, stale, sweep = map(int, done.stdout.split()[-3:])
    assert beat < stale  # a few beats missed before a job counts as abandoned
    assert stale + sweep <= 60  # found and sent again within a minute of the last beat


def test_a_dropped_connection_puts_the_analysis_back_not_failed(queued_analysis, monkeypatch):
    def dropped(*args, **kwargs):
        raise OperationalError(TERMINATED)

    monkeypatch.setattr(running, "analyze_stored", dropped)
    with pytest.raises(OperationalError):
        running.analysis_run(analysis_id=queued_analysis.pk)
    queued_analysis.refresh_from_db()
    assert queued_analysis.status == "queued"
    assert queued_analysis.error_message == ""
    monkeypatch.undo()
    finished = running.analysis_run(analysis_id=queued_analysis.pk)  # the task's retry
    assert finished is not None and finished.status == "succeeded"
    assert finished.attempts == 2


def test_the_task_is_tried_again_with_back_off_after_a_transient_error():
    asked = []

    class Retry(Exception):
        pass

    task = SimpleNamespace(
        name="t",
        request=SimpleNamespace(retries=2),
        retry=lambda **kw: asked.append(kw) or Retry(),
    )

    def run(object_id):
        raise OperationalError(TERMINATED)

    with pytest.raises(Retry):
        heartbeats.run_task(task, run, 7)
    assert asked[0]["countdown"] == 4.0 and asked[0]["max_retries"] == heartbeats.RETRY_MAX
    assert [heartbeats.retry_delay(i) for i in range(6)] == [1, 2, 4, 8, 16, 16]


def test_a_celery_process_takes_back_its_own_run_left_on_a_transient_error(
    queued_analysis, settings
):
    settings.GANGLIOSIDE_EXECUTOR = "celery"
    Analysis.objects.filter(pk=queued_analysis.pk).update(
        status="running", worker=heartbeats.worker_identity(), heartbeat_at=timezone.now()
    )
    assert running._claim(queued_analysis.pk) is not None


def test_the_sweep_takes_back_a_run_with_no_beat_for_stale_after_seconds(
    queued_analysis, settings, django_capture_on_commit_callbacks
):
    settings.GANGLIOSIDE_EXECUTOR = "inline"
    now = timezone.now()
    fresh = now - timedelta(seconds=settings.GANGLIOSIDE_STALE_AFTER - 5)
    Analysis.objects.filter(pk=queued_analysis.pk).update(
        status="running", worker="elsewhere:1:celery", heartbeat_at=fresh, attempts=1
    )
    assert recovery.analyses_sweep_stuck().requeued == []
    stale = now - timedelta(seconds=settings.GANGLIOSIDE_STALE_AFTER + 1)
    Analysis.objects.filter(pk=queued_analysis.pk).update(heartbeat_at=stale)
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.analyses_sweep_stuck().requeued == [queued_analysis.pk]
    queued_analysis.refresh_from_db()
    assert queued_analysis.status == "succeeded"  # sent again and run (inline)


@pytest.mark.django_db(transaction=True)
def test_the_beat_stamps_a_running_job_while_it_runs(queued_analysis, settings):
    import time

    settings.GANGLIOSIDE_HEARTBEAT_EVERY = 0.2
    long_ago = timezone.now() - timedelta(hours=1)
    Analysis.objects.filter(pk=queued_analysis.pk).update(
        status="running", worker="me:1:threads", heartbeat_at=long_ago
    )
    with heartbeats.beating(Analysis, queued_analysis.pk, "me:1:threads"):
        time.sleep(1.0)
    queued_analysis.refresh_from_db()
    assert queued_analysis.heartbeat_at > long_ago + timedelta(minutes=59)


def _message(task: str, object_id: int) -> bytes:
    body = base64.b64encode(json.dumps([[object_id], {}, {}]).encode()).decode()
    return json.dumps({"body": body, "headers": {"task": task, "id": "x"}}).encode()


def test_a_broker_message_names_its_task_and_object():
    assert heartbeats._task_object(_message(RUN_ANALYSIS_TASK, 42), RUN_ANALYSIS_TASK) == 42
    assert heartbeats._task_object(_message("other", 42), RUN_ANALYSIS_TASK) is None
    assert heartbeats._task_object(b"not json", RUN_ANALYSIS_TASK) is None
    unacked = json.dumps([json.loads(_message(RUN_ANALYSIS_TASK, 5)), "", "celery"]).encode()
    assert heartbeats._task_object(heartbeats._first(unacked), RUN_ANALYSIS_TASK) == 5


def test_the_sweep_sends_a_queued_run_again_only_when_the_broker_lost_it(
    queued_analysis, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.GANGLIOSIDE_EXECUTOR = "celery"
    old = timezone.now() - timedelta(seconds=settings.GANGLIOSIDE_STALE_AFTER + 1)
    Analysis.objects.filter(pk=queued_analysis.pk).update(created_at=old, task_id="t")
    sent = []
    monkeypatch.setattr(recovery, "analysis_send", lambda analysis_id: sent.append(analysis_id))
    monkeypatch.setattr(heartbeats, "held_by_broker", lambda task: {queued_analysis.pk})
    with django_capture_on_commit_callbacks(execute=True):
        recovery.analyses_sweep_stuck()
    assert sent == []  # waiting its turn in the queue
    monkeypatch.setattr(heartbeats, "held_by_broker", lambda task: set())
    with django_capture_on_commit_callbacks(execute=True):
        recovery.analyses_sweep_stuck()
    assert sent == [queued_analysis.pk]  # lost with the broker: sent again


@pytest.fixture
def one_sample(user):
    """A study whose samples are stored but not run."""
    tables, design = study_files()
    study = creation.study_create(owner=user, files=uploads(tables), design=design, start=False)
    return study.samples.order_by("position").first()


def test_a_sample_whose_worker_died_is_claimed_again_at_once(one_sample):
    StudySample.objects.filter(pk=one_sample.pk).update(
        status=SampleStatus.RUNNING,
        attempts=1,
        worker=f"{heartbeats.worker_identity().split(':')[0]}:{_dead_pid()}:celery",
        heartbeat_at=timezone.now(),
    )
    assert study_running._claim_sample(one_sample.pk) is not None


def test_a_sample_with_a_fresh_beat_is_not_claimed_twice(one_sample):
    StudySample.objects.filter(pk=one_sample.pk).update(
        status=SampleStatus.RUNNING,
        attempts=1,
        worker="elsewhere:1:celery",
        heartbeat_at=timezone.now(),
    )
    assert study_running._claim_sample(one_sample.pk) is None


def test_a_dropped_connection_puts_the_sample_back_not_failed(one_sample, monkeypatch):
    def dropped(row):
        raise OperationalError(TERMINATED)

    StudySample.objects.filter(pk=one_sample.pk).update(status=SampleStatus.QUEUED)
    monkeypatch.setattr(study_running, "_analysed", dropped)
    with pytest.raises(OperationalError):
        study_running.study_sample_run(sample_id=one_sample.pk)
    one_sample.refresh_from_db()
    assert one_sample.status == SampleStatus.QUEUED and one_sample.error_message == ""
