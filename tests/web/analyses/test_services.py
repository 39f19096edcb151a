"""The analysis services: create, run, store, re-run, delete, sweep — against the real core."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ganglioside import COMPOUND_COLUMNS, ConfigError, InputError
from ganglioside.web.analyses.models import (
    Analysis,
    Artifact,
    Compound,
    FragmentEvent,
    RTModel,
)
from ganglioside.web.analyses.services import (
    deletion,
    downloads,
    exports,
    persistence,
    recovery,
    running,
    submission,
)
from ganglioside.web.common.json_safety import json_safe
from tests.web.conftest import make_upload

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_every_column_of_the_per_row_record_has_a_typed_compound_field():
    fields = {f.name for f in Compound._meta.concrete_fields}
    missing = [c for c in COMPOUND_COLUMNS if c not in fields]
    assert missing == []


def test_it_stores_a_valid_upload_as_a_queued_analysis_with_every_parameter(user, sample_bytes):
    analysis = submission.analysis_create(
        owner=user, file=make_upload(sample_bytes), parameters={"outlier_z": 3.0}, start=False
    )
    analysis.refresh_from_db()
    assert analysis.status == "queued"
    assert analysis.name == "measured_sample.csv"
    assert analysis.parameters["outlier_z"] == 3.0
    assert analysis.parameters["fragment_rt_window"] == 0.02  # a default, recorded
    assert analysis.input_size == len(sample_bytes)
    with analysis.input_file.open("rb") as handle:
        assert handle.read() == sample_bytes  # kept untouched


def test_it_rejects_a_file_without_rt_column_and_stores_nothing(user, settings):
    bad = b"Name,Volume\nGD1(36:1;O2),100\n"
    with pytest.raises(InputError) as caught:
        submission.analysis_create(owner=user, file=make_upload(bad, "bad.csv"))
    assert caught.value.file == "bad.csv"
    assert "rt" in str(caught.value).lower()
    assert Analysis.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not os.path.exists(media) or not any(files for _, _, files in os.walk(media))


def test_it_rejects_an_unknown_parameter_naming_it(user, sample_bytes):
    with pytest.raises(ConfigError, match="colour"):
        submission.analysis_create(
            owner=user, file=make_upload(sample_bytes), parameters={"colour": "red"}
        )
    assert Analysis.objects.count() == 0


def test_it_rejects_a_file_over_the_size_limit(user, settings):
    settings.GANGLIOSIDE_MAX_UPLOAD_MB = 0.001
    big = b"Name,RT,Volume\n" + b"GD1(36:1;O2),1.0,100\n" * 200
    with pytest.raises(InputError, match=r"largest accepted is 0\.001 MB"):
        submission.analysis_create(owner=user, file=make_upload(big))
    assert Analysis.objects.count() == 0


def test_it_rejects_an_empty_file(user):
    with pytest.raises(InputError, match="empty"):
        submission.analysis_create(owner=user, file=make_upload(b""))


def test_a_run_stores_one_compound_per_input_row_with_the_core_values(finished_analysis):
    import ganglioside

    core = ganglioside.analyze(
        str(finished_analysis.input_file.path),
        config=ganglioside.AnalysisConfig.from_mapping(finished_analysis.parameters),
    )
    stored = pd.DataFrame.from_records(
        Compound.objects.filter(analysis=finished_analysis).order_by("row").values()
    )
    assert len(stored) == len(core.compounds) == 323
    assert stored["row"].tolist() == core.compounds["row"].tolist()
    assert stored["status"].tolist() == core.compounds["status"].tolist()
    assert stored["name"].tolist() == core.compounds["name"].tolist()
    pd.testing.assert_series_equal(
        stored["predicted_rt"].astype(float),
        core.compounds["predicted_rt"].astype(float),
        check_names=False,
        check_index=False,
    )
    assert finished_analysis.n_compounds == 323
    assert finished_analysis.status_counts == {
        k: int(v) for k, v in core.compounds["status"].value_counts().items() if v
    }
    assert RTModel.objects.filter(analysis=finished_analysis).count() == len(core.models)
    assert FragmentEvent.objects.filter(analysis=finished_analysis).count() == len(core.fragments)
    timeless = {k: v for k, v in core.summary.items() if k != "timings_s"}
    assert {k: v for k, v in finished_analysis.summary.items() if k != "timings_s"} == (
        json_safe(timeless)
    )
    assert finished_analysis.progress_fraction == 1.0
    assert finished_analysis.started_at <= finished_analysis.finished_at
    assert finished_analysis.duration_seconds > 0
    assert finished_analysis.attempts == 1


def test_a_run_records_progress_for_every_step_of_the_core(
    queued_analysis, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    monkeypatch.setattr(running.events, "publish", lambda analysis_id, event: seen.append(event))
    with django_capture_on_commit_callbacks(execute=True):
        running.analysis_run(analysis_id=queued_analysis.pk)
    steps = [e["step"] for e in seen if e["type"] == "analysis.progress"]
    from ganglioside.result import PROGRESS_STEPS

    for step in PROGRESS_STEPS:
        assert step in steps
    assert seen[0]["type"] == "analysis.status" and seen[0]["status"] == "running"
    assert seen[-1]["type"] == "analysis.status" and seen[-1]["status"] == "succeeded"


def test_running_twice_runs_once(queued_analysis):
    first = running.analysis_run(analysis_id=queued_analysis.pk)
    second = running.analysis_run(analysis_id=queued_analysis.pk)
    assert first is not None and first.status == "succeeded"
    assert second is None
    assert Compound.objects.filter(analysis=queued_analysis).count() == 323
    queued_analysis.refresh_from_db()
    assert queued_analysis.attempts == 1


def test_a_run_of_a_live_running_analysis_leaves_it_alone(queued_analysis):
    Analysis.objects.filter(pk=queued_analysis.pk).update(
        status="running", heartbeat_at=timezone.now(), worker="elsewhere:1:celery"
    )
    assert running.analysis_run(analysis_id=queued_analysis.pk) is None
    assert Compound.objects.filter(analysis=queued_analysis).count() == 0


def test_a_stale_running_analysis_is_run_again(queued_analysis, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.GANGLIOSIDE_STALE_AFTER + 5)
    Analysis.objects.filter(pk=queued_analysis.pk).update(
        status="running", heartbeat_at=long_ago, worker="elsewhere:1:celery", attempts=1
    )
    finished = running.analysis_run(analysis_id=queued_analysis.pk)
    assert finished is not None and finished.status == "succeeded"
    assert finished.attempts == 2


def test_an_input_error_during_the_run_fails_it_naming_the_uploaded_file(
    queued_analysis, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    def refuse(source, *args, **kwargs):
        raise InputError("not a number", file=str(source), row=7, column="RT", value="abc")

    monkeypatch.setattr("ganglioside.pipeline.analyze", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        finished = running.analysis_run(analysis_id=queued_analysis.pk)
    assert finished.status == "failed"
    assert finished.error_details == {
        "message": "not a number",
        "file": "measured_sample.csv",
        "row": 7,
        "column": "RT",
        "value": "abc",
    }
    assert finished.error_message.startswith("file measured_sample.csv, row 7, column 'RT'")
    assert len(mailoutbox) == 1 and "failed" in mailoutbox[0].subject
    assert "not a number" in mailoutbox[0].body


def test_the_owner_gets_an_email_when_the_analysis_finishes(
    queued_analysis, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        running.analysis_run(analysis_id=queued_analysis.pk)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert "finished" in message.subject
    assert "323 rows" in message.body


def test_an_unexpected_error_in_the_core_fails_the_analysis_with_a_message(
    queued_analysis, monkeypatch
):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("ganglioside.pipeline.analyze", broken)
    finished = running.analysis_run(analysis_id=queued_analysis.pk)
    assert finished.status == "failed"
    assert "ZeroDivisionError: boom" in finished.error_message
    assert finished.finished_at is not None


def test_rerun_creates_a_new_analysis_with_changed_parameters(finished_analysis):
    again = submission.analysis_rerun(
        analysis=finished_analysis, changes={"outlier_z": 3.5}, name="stricter"
    )
    assert again.pk != finished_analysis.pk
    assert again.parameters["outlier_z"] == 3.5
    assert (
        again.parameters["fragment_rt_window"] == finished_analysis.parameters["fragment_rt_window"]
    )
    assert again.input_sha256 == finished_analysis.input_sha256
    assert again.name == "stricter"
    finished_analysis.refresh_from_db()
    assert finished_analysis.status == "succeeded"


def test_rerun_refuses_an_out_of_range_parameter(finished_analysis):
    with pytest.raises(ConfigError, match="outlier_z"):
        submission.analysis_rerun(analysis=finished_analysis, changes={"outlier_z": -1})


def test_delete_removes_the_rows_and_the_input_file(
    finished_analysis, django_capture_on_commit_callbacks
):
    path = finished_analysis.input_file.path
    assert os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        deletion.analysis_delete(analysis=finished_analysis)
    assert not Analysis.objects.filter(pk=finished_analysis.pk).exists()
    assert Compound.objects.count() == 0
    assert not os.path.exists(path)


def test_a_missing_export_is_pending_until_the_worker_writes_every_file(finished_analysis):
    assert Artifact.objects.filter(analysis=finished_analysis).count() == 0
    with pytest.raises(exports.ExportPending, match="being written"):
        exports.analysis_export(analysis=finished_analysis, kind="csv")
    assert exports.exports_render(analysis_id=finished_analysis.pk) is True
    csv = exports.analysis_export(analysis=finished_analysis, kind="csv")
    assert csv.filename == f"analysis_{finished_analysis.pk}_compounds.csv"
    assert exports.export_path(csv).read_text("utf-8").count("\n") >= 324
    assert {a.kind for a in Artifact.objects.filter(analysis=finished_analysis)} == {
        "csv",
        "xlsx",
        "json",
        "html",
        "pdf",
    }
    assert exports.exports_render(analysis_id=finished_analysis.pk) is False  # written once
    again = exports.analysis_export(analysis=finished_analysis, kind="csv")
    assert again.pk == csv.pk


def test_export_of_an_unknown_format_raises_naming_it_and_the_known_ones(finished_analysis):
    with pytest.raises(exports.UnknownExportFormat) as caught:
        exports.analysis_export(analysis=finished_analysis, kind="docx")
    assert caught.value.kind == "docx"
    assert "'docx'" in str(caught.value) and "csv, xlsx, json, html, pdf" in str(caught.value)
    assert Artifact.objects.filter(analysis=finished_analysis).count() == 0


def test_export_of_an_unfinished_analysis_raises_not_ready(queued_analysis):
    with pytest.raises(exports.ExportNotReady, match="has not succeeded") as caught:
        exports.analysis_export(analysis=queued_analysis, kind="csv")
    assert caught.value.status == "queued"
    assert isinstance(caught.value, exports.ExportError)


def test_the_worker_writes_every_export_as_a_file_after_the_run(queued_analysis, settings):
    settings.GANGLIOSIDE_EXPORTS_AFTER_RUN = True
    running.analysis_run(analysis_id=queued_analysis.pk)
    stored = list(Artifact.objects.filter(analysis=queued_analysis))
    assert {a.kind for a in stored} == {"csv", "json", "xlsx", "html"}  # not the slow PDF
    for artifact in stored:
        path = exports.export_path(artifact)
        assert path.is_file() and path.stat().st_size == artifact.size
        assert path.is_relative_to(Path(settings.MEDIA_ROOT) / "exports" / str(queued_analysis.pk))


def test_the_pdf_is_written_when_first_asked_for_and_the_other_files_stay(
    queued_analysis, settings, django_capture_on_commit_callbacks
):
    settings.GANGLIOSIDE_EXPORTS_AFTER_RUN = True
    running.analysis_run(analysis_id=queued_analysis.pk)
    queued_analysis.refresh_from_db()
    before = {a.kind: a.path for a in Artifact.objects.filter(analysis=queued_analysis)}
    # the run has just finished, but its writing never makes the PDF: the worker is asked now
    with django_capture_on_commit_callbacks(execute=True):
        pdf = downloads.analysis_download(analysis=queued_analysis, kind="pdf")
    assert exports.export_path(pdf).read_bytes().startswith(b"%PDF-")
    after = {a.kind: a.path for a in Artifact.objects.filter(analysis=queued_analysis)}
    assert after == {**before, "pdf": pdf.path}  # the other files were kept, not written again
    assert all(exports.export_path(a).is_file() for a in Artifact.objects.all())


def test_deleting_an_analysis_removes_its_export_files(
    queued_analysis, settings, django_capture_on_commit_callbacks
):
    settings.GANGLIOSIDE_EXPORTS_AFTER_RUN = True
    running.analysis_run(analysis_id=queued_analysis.pk)
    folder = Path(settings.MEDIA_ROOT) / "exports" / str(queued_analysis.pk)
    assert any(folder.rglob("*.csv"))
    with django_capture_on_commit_callbacks(execute=True):
        deletion.analysis_delete(analysis=queued_analysis)
    assert not folder.exists()


def test_an_abandoned_run_out_of_attempts_is_not_run_again(queued_analysis, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.GANGLIOSIDE_STALE_AFTER + 5)
    Analysis.objects.filter(pk=queued_analysis.pk).update(
        status="running",
        heartbeat_at=long_ago,
        worker="elsewhere:1:celery",
        attempts=settings.GANGLIOSIDE_MAX_ATTEMPTS,
    )
    assert running.analysis_run(analysis_id=queued_analysis.pk) is None
    assert recovery.analyses_sweep_stuck().failed == [queued_analysis.pk]


def test_the_sweep_requeues_an_abandoned_run_and_fails_one_out_of_attempts(
    user, sample_bytes, settings, django_capture_on_commit_callbacks
):
    settings.GANGLIOSIDE_EXECUTOR = "inline"
    long_ago = timezone.now() - timedelta(seconds=settings.GANGLIOSIDE_STALE_AFTER + 60)
    retry = submission.analysis_create(owner=user, file=make_upload(sample_bytes), start=False)
    spent = submission.analysis_create(owner=user, file=make_upload(sample_bytes), start=False)
    live = submission.analysis_create(owner=user, file=make_upload(sample_bytes), start=False)
    Analysis.objects.filter(pk=retry.pk).update(
        status="running", heartbeat_at=long_ago, worker="gone:1:celery", attempts=1
    )
    Analysis.objects.filter(pk=spent.pk).update(
        status="running",
        heartbeat_at=long_ago,
        worker="gone:1:celery",
        attempts=settings.GANGLIOSIDE_MAX_ATTEMPTS,
    )
    Analysis.objects.filter(pk=live.pk).update(
        status="running", heartbeat_at=timezone.now(), worker="busy:1:celery", attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = recovery.analyses_sweep_stuck()
    assert report.requeued == [retry.pk]
    assert report.failed == [spent.pk]
    retry.refresh_from_db()
    spent.refresh_from_db()
    live.refresh_from_db()
    assert retry.status == "succeeded"  # re-queued, then run by the inline executor
    assert spent.status == "failed" and "stopped" in spent.error_message
    assert live.status == "running"


def test_a_run_whose_worker_process_died_on_this_machine_is_swept_at_once(queued_analysis):
    import socket
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that no longer exists
    Analysis.objects.filter(pk=queued_analysis.pk).update(
        status="running",
        heartbeat_at=timezone.now(),
        worker=f"{socket.gethostname()}:{child.pid}:threads",
        attempts=1,
    )
    report = recovery.analyses_sweep_stuck()
    assert report.requeued == [queued_analysis.pk]


def test_storing_compounds_costs_a_few_batched_queries(queued_analysis, finished_analysis):
    frame = pd.DataFrame.from_records(
        Compound.objects.filter(analysis=finished_analysis).values(*COMPOUND_COLUMNS)
    )
    big = pd.concat([frame] * 20, ignore_index=True)  # 6,460 rows
    big["row"] = range(1, len(big) + 1)
    big["lab_note"] = "x"
    with CaptureQueriesContext(connection) as queries:
        stored = persistence.compounds_store(analysis_id=queued_analysis.pk, frame=big)
    assert stored == len(big)
    assert Compound.objects.filter(analysis=queued_analysis).count() == len(big)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    if connection.vendor == "postgresql":
        assert inserts == []  # one COPY statement (not logged as a query)
    else:
        # SQLite caps the parameters of one statement, so its batches are smaller.
        fields = [f for f in Compound._meta.concrete_fields if not f.primary_key]
        per_batch = min(
            persistence.COMPOUND_BATCH_SIZE,
            connection.ops.bulk_batch_size(fields, [None] * len(big)) or len(big),
        )
        batches = -(-len(big) // per_batch)
        assert batches < len(big) / 10
        assert len(inserts) == batches
    assert len(queries.captured_queries) <= len(inserts) + 2  # plus savepoint bookkeeping
    one = Compound.objects.get(analysis=queued_analysis, row=5)
    assert one.extra == {"lab_note": "x"}


def test_missing_and_non_finite_numbers_are_stored_as_null(queued_analysis):
    frame = pd.DataFrame(
        {
            "row": [1, 2],
            "name": ["GD1(36:1;O2)", None],
            "rt": [1.5, float("inf")],
            "carbons": [36.0, float("nan")],
            "is_anchor": [True, None],
            "status": ["valid", "invalid"],
        }
    )
    persistence.compounds_store(analysis_id=queued_analysis.pk, frame=frame)
    second = Compound.objects.get(analysis=queued_analysis, row=2)
    assert second.rt is None and second.carbons is None
    assert second.name == "" and second.is_anchor is False
    first = Compound.objects.get(analysis=queued_analysis, row=1)
    assert first.carbons == 36 and first.is_anchor is True


def test_a_local_server_start_resends_every_queued_analysis(
    queued_analysis, django_capture_on_commit_callbacks, settings
):
    settings.GANGLIOSIDE_EXECUTOR = "inline"
    assert recovery.analyses_sweep_stuck().requeued == []  # young: left to its message
    with django_capture_on_commit_callbacks(execute=True):
        report = recovery.analyses_sweep_stuck(resend_all_queued=True)
    assert report.requeued == [queued_analysis.pk]
    queued_analysis.refresh_from_db()
    assert queued_analysis.status == "succeeded"
