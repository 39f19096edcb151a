"""Retention clean-up: the service, the Celery task and its beat schedule, the command."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from ganglioside.web.analyses.models import Analysis, AnalysisStatus
from ganglioside.web.analyses.services import submission
from ganglioside.web.ops import tasks
from ganglioside.web.ops.cleanup import analyses_purge_expired

from ..conftest import make_upload

pytestmark = pytest.mark.django_db


def stored(user, sample_bytes, *, status: str, finished_days_ago: float | None) -> Analysis:
    analysis = submission.analysis_create(
        owner=user, file=make_upload(sample_bytes), name=status, start=False
    )
    finished = None
    if finished_days_ago is not None:
        finished = timezone.now() - timedelta(days=finished_days_ago)
    created = finished or timezone.now() - timedelta(days=400)
    Analysis.objects.filter(pk=analysis.pk).update(
        status=status, finished_at=finished, created_at=created
    )
    analysis.refresh_from_db()
    return analysis


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    for item in [path, *path.rglob("*")]:
        os.utime(item, (then, then))


def test_finished_analyses_past_the_retention_are_deleted_with_their_files(
    user, sample_bytes, settings, django_capture_on_commit_callbacks
):
    settings.GANGLIOSIDE_RETENTION_DAYS = 30
    old_ok = stored(user, sample_bytes, status=AnalysisStatus.SUCCEEDED, finished_days_ago=31)
    old_failed = stored(user, sample_bytes, status=AnalysisStatus.FAILED, finished_days_ago=90)
    recent = stored(user, sample_bytes, status=AnalysisStatus.SUCCEEDED, finished_days_ago=29)
    old_running = stored(user, sample_bytes, status=AnalysisStatus.RUNNING, finished_days_ago=None)
    old_queued = stored(user, sample_bytes, status=AnalysisStatus.QUEUED, finished_days_ago=None)
    files = {a.pk: Path(a.input_file.path) for a in (old_ok, old_failed, recent, old_running)}

    with django_capture_on_commit_callbacks(execute=True):
        report = analyses_purge_expired()

    assert sorted(report.analyses) == sorted([old_ok.pk, old_failed.pk])
    remaining = set(Analysis.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, old_running.pk, old_queued.pk}
    assert not files[old_ok.pk].exists() and not files[old_failed.pk].exists()
    assert files[recent.pk].is_file() and files[old_running.pk].is_file()


def test_a_retention_of_zero_keeps_everything(user, sample_bytes, settings):
    settings.GANGLIOSIDE_RETENTION_DAYS = 0
    ancient = stored(user, sample_bytes, status=AnalysisStatus.SUCCEEDED, finished_days_ago=3650)
    assert analyses_purge_expired().analyses == []
    assert Analysis.objects.filter(pk=ancient.pk).exists()


def test_upload_folders_without_an_analysis_are_removed_once_old(user, sample_bytes, settings):
    settings.GANGLIOSIDE_RETENTION_DAYS = 0
    kept = stored(user, sample_bytes, status=AnalysisStatus.SUCCEEDED, finished_days_ago=1)
    inputs = Path(settings.MEDIA_ROOT) / "inputs"
    old_orphan = inputs / "0123456789abcdef0123456789abcdef"
    new_orphan = inputs / "fedcba9876543210fedcba9876543210"
    for folder in (old_orphan, new_orphan):
        folder.mkdir(parents=True)
        (folder / "table.csv").write_text("Name,RT\n")
    age(old_orphan, 2 * 3600)
    referenced = Path(kept.input_file.path).parent
    age(referenced, 30 * 24 * 3600)

    report = analyses_purge_expired()

    assert report.orphan_folders == [f"inputs/{old_orphan.name}"]
    assert not old_orphan.exists()
    assert new_orphan.is_dir()  # may belong to an upload in progress
    assert referenced.is_dir()


def test_the_task_applies_the_policy_and_reports_counts(user, sample_bytes, settings):
    settings.GANGLIOSIDE_RETENTION_DAYS = 7
    stored(user, sample_bytes, status=AnalysisStatus.SUCCEEDED, finished_days_ago=8)
    result = tasks.analyses_purge_expired.apply().get()
    assert result == {"analyses": 1, "orphan_folders": 0}
    assert not Analysis.objects.exists()


def test_beat_runs_the_clean_up_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-analyses"]
    assert entry["task"] == tasks.analyses_purge_expired.name
    assert entry["schedule"] == crontab(hour=3, minute=30)
    # The stuck-run sweep of the web platform is still scheduled next to it.
    assert "sweep-stuck-analyses" in settings.CELERY_BEAT_SCHEDULE


def test_the_command_reports_what_it_removed(user, sample_bytes, settings):
    settings.GANGLIOSIDE_RETENTION_DAYS = 1
    stored(user, sample_bytes, status=AnalysisStatus.FAILED, finished_days_ago=2)
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert out.getvalue().strip() == "deleted 1 analyses and 0 orphaned upload folders"
