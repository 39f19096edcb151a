"""Running a study: each sample analysed on its own (any worker), stored once; the last sample
to finish starts the study step; a failed sample fails alone.

The steps of :mod:`ganglioside.studies` (``sample_tasks`` → ``analyze_sample`` → results rebuilt
from what was stored → ``borrow_tasks`` → ``combine`` → the files):

* :func:`study_sample_run` takes the study's shared anchors (pooled by the first sample to
  run, :mod:`.shared_anchors`), analyses one sample and stores its ``compounds.csv``, summary and
  warnings in its :class:`StudySample` row (a sample already done is left alone: nothing is
  computed twice), then :func:`after_sample` decides, with the study row locked, whether it
  was the last one;
* :func:`study_combine` is the study step: it rebuilds every sample's result from the stored
  rows, runs again only the samples that must borrow anchors when no anchors were shared (and
  stores them), combines, and stores the output files and figures.

Each change is announced to the study's live pages (:mod:`..events`) once it is committed: a
sample running, succeeded or failed (with its reason), the study combining, waiting on a
failed sample, succeeded or failed.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ganglioside.errors import GangliosideError
from ganglioside.studies.run import SampleResult, analyze_sample
from ganglioside.web import heartbeats
from ganglioside.web.common.json_safety import json_safe
from ganglioside.web.dispatch import WorkStopped

from .. import events, execution
from ..models import SampleStatus, Study, StudySample, StudyStatus
from . import outputs, stored
from .shared_anchors import shared_anchors_ensure

log = logging.getLogger(__name__)

#: Sample states that still have work to do.
PENDING = (SampleStatus.QUEUED, SampleStatus.RUNNING)


def study_send(*, study_id: int) -> None:
    """Send every queued sample of the study to the executor (after the creating commit)."""
    ids = list(
        StudySample.objects.filter(study_id=study_id, status=SampleStatus.QUEUED).values_list(
            "pk", flat=True
        )
    )
    Study.objects.filter(pk=study_id, status=StudyStatus.QUEUED).update(
        status=StudyStatus.RUNNING, started_at=timezone.now()
    )
    task_ids = execution.enqueue_samples(ids, _run_sample_by_id, _sample_job_stopped)
    for sid, task_id in task_ids.items():
        StudySample.objects.filter(pk=sid).update(task_id=task_id)


def _run_sample_by_id(sample_id: int) -> None:
    study_sample_run(sample_id=sample_id)


def _run_combine_by_id(study_id: int) -> None:
    study_combine(study_id=study_id)


def _send_combine(study_id: int) -> None:
    execution.enqueue_combine(study_id, _run_combine_by_id, _combine_job_stopped)


def _sample_job_stopped(sample_id: int, reason: str) -> None:
    study_sample_fail_stopped(sample_id=sample_id, reason=reason)


def _combine_job_stopped(study_id: int, reason: str) -> None:
    study_fail_stopped(study_id=study_id, reason=reason)


def study_sample_run(*, sample_id: int) -> None:
    """Analyse one sample of a study and store its result (or its error)."""
    row = _claim_sample(sample_id)
    if row is None:
        # Done, or claimed by another run (a message delivered twice): nothing is computed
        # twice.  A run whose worker stopped is put back in the queue by the sweep.
        return
    began = time.monotonic()
    try:
        with heartbeats.beating(StudySample, row.pk, row.worker):
            result = _analysed(row)
            _store_sample(row, result, time.monotonic() - began)
    except WorkStopped:
        _unclaim_sample(row)
        return
    except heartbeats.TRANSIENT_DB_ERRORS:
        # The database dropped the connection: back in the queue if it answers, and raised
        # so that the task is tried again (the retry claims its own sample again).
        heartbeats.reset_connection()
        try:
            _unclaim_sample(row)
        except heartbeats.TRANSIENT_DB_ERRORS:
            heartbeats.reset_connection()
        raise
    transaction.on_commit(partial(_announce_sample, row.pk))
    after_sample(row.study_id)


def _claim_sample(sample_id: int) -> StudySample | None:
    """The sample, now running, if it was queued (announced once the claim is committed)."""
    with transaction.atomic():
        row = StudySample.objects.select_for_update().select_related("study").get(pk=sample_id)
        if row.status != SampleStatus.QUEUED and not _abandoned(row):
            return None
        row.status = SampleStatus.RUNNING
        row.attempts += 1
        row.started_at = timezone.now()
        row.worker = heartbeats.worker_identity()
        row.heartbeat_at = row.started_at
        row.save(update_fields=["status", "attempts", "started_at", "worker", "heartbeat_at"])
        transaction.on_commit(partial(_announce_sample, row.pk))
    return row


def _abandoned(row: StudySample) -> bool:
    """A running sample whose worker stopped (no beat, its process gone, or this very Celery
    process left it on a transient error), with attempts left: claimed again at once."""
    if row.status != SampleStatus.RUNNING or row.attempts >= settings.GANGLIOSIDE_MAX_ATTEMPTS:
        return False
    last = row.heartbeat_at or row.started_at  # claimed before samples beat: its start
    stale = last is not None and last < heartbeats.stale_before()
    return stale or heartbeats.worker_is_dead(row.worker) or heartbeats.own_abandoned(row.worker)


def _analysed(row: StudySample) -> SampleResult:
    """The sample's analysis (in the server's process pool without a broker); an error of the
    table, or an unexpected one, is returned in the result."""
    try:
        row.study.shared_anchors = shared_anchors_ensure(row.study_id)
        design = stored.study_design(row.study)
        task = stored.tasks_for(row.study, design, {row.sample})[0]
        return execution.analyze(analyze_sample, [task])[0]
    except WorkStopped:
        raise
    except heartbeats.TRANSIENT_DB_ERRORS:
        raise
    except GangliosideError as exc:
        return SampleResult(row.sample, row.input_filename, None, error=str(exc))
    except BrokenProcessPool:
        log.exception("the process analysing sample %s of study %s died", row.pk, row.study_id)
        message = "the process analysing it stopped (killed, or out of memory); run it again"
        return SampleResult(row.sample, row.input_filename, None, error=message)
    except Exception as exc:
        log.exception("sample %s of study %s failed", row.sample, row.study_id)
        return SampleResult(row.sample, row.input_filename, None, error=f"unexpected: {exc}")


def _unclaim_sample(row: StudySample) -> None:
    """The server stopped before the sample's analysis ran: back in the queue (the attempt
    does not count), sent again when the server starts."""
    log.info("sample %s of study %s goes back in the queue: the server stops", row.pk, row.study_id)
    StudySample.objects.filter(pk=row.pk, status=SampleStatus.RUNNING).update(
        status=SampleStatus.QUEUED, attempts=F("attempts") - 1, started_at=None
    )
    transaction.on_commit(partial(_announce_sample, row.pk))


def _store_sample(row: StudySample, result: SampleResult, seconds: float) -> None:
    fields: dict[str, Any] = {
        "finished_at": timezone.now(),
        "duration_seconds": seconds,
        "source": result.source[:255],
        "error_message": result.error,
        "borrowed_anchors": result.borrowed_anchors,
    }
    if result.compounds is None:
        fields.update(status=SampleStatus.FAILED, compounds=None, n_compounds=0)
    else:
        counts = result.compounds["status"].astype(str).value_counts()
        fields.update(
            status=SampleStatus.SUCCEEDED,
            compounds=stored.compounds_bytes(result.compounds),
            n_compounds=len(result.compounds),
            status_counts={str(k): int(v) for k, v in counts.items()},
            summary=json_safe(result.summary),
            warnings=[str(w) for w in result.warnings],
        )
    StudySample.objects.filter(pk=row.pk).update(**fields)


def study_sample_fail_stopped(*, sample_id: int, reason: str) -> None:
    """The job of a sample stopped on an error it could not record (the database refusing a
    write, say): the sample, if not finished, fails with ``reason``, and the study moves on as
    after any sample (it waits on the failed one, which can be run again)."""
    study_id = StudySample.objects.filter(pk=sample_id).values_list("study_id", flat=True).first()
    if study_id is None:
        return
    failed = StudySample.objects.filter(pk=sample_id, status__in=PENDING).update(
        status=SampleStatus.FAILED,
        finished_at=timezone.now(),
        error_message=reason,
        compounds=None,
        n_compounds=0,
    )
    if failed:
        _announce_sample(sample_id)
    after_sample(study_id)


def study_fail_stopped(*, study_id: int, reason: str) -> None:
    """The job of the study step stopped on an error it could not record: the study, if still
    combining, fails with ``reason``."""
    study = Study.objects.filter(pk=study_id, status=StudyStatus.COMBINING).first()
    if study is not None:
        _fail(study, reason, {})


def after_sample(study_id: int) -> None:
    """With the study row locked: the last sample to finish moves the study on."""
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study_id)
        if study.status not in (StudyStatus.RUNNING, StudyStatus.QUEUED):
            return
        states = set(study.samples.values_list("status", flat=True))
        if states & set(PENDING):
            return
        study.status = (
            StudyStatus.WAITING if SampleStatus.FAILED in states else StudyStatus.COMBINING
        )
        study.save(update_fields=["status"])
        transaction.on_commit(partial(_announce_study, study_id))
        if study.status == StudyStatus.COMBINING:
            transaction.on_commit(partial(_send_combine, study_id))


def study_combine(*, study_id: int) -> None:
    """The study step: stored results → borrowed anchors → combine → files and figures."""
    study = Study.objects.get(pk=study_id)
    if study.status != StudyStatus.COMBINING:
        return
    try:
        result = _combined(study)
        made = outputs.figures_of(result)
        files = outputs.output_files(result, made)
        figures = outputs.figures_json(made)
    except GangliosideError as exc:
        _fail(study, str(exc), exc.to_dict() if hasattr(exc, "to_dict") else {})
        return
    except Exception as exc:
        log.exception("the study step of study %s failed", study_id)
        _fail(study, f"the study step failed unexpectedly: {exc}", {})
        return
    with transaction.atomic():
        study.files.all().delete()
        outputs.study_files_store(study, files)
        Study.objects.filter(pk=study_id).update(
            status=StudyStatus.SUCCEEDED,
            finished_at=timezone.now(),
            summary=json_safe(result.summary),
            warnings=[str(w) for w in result.warnings],
            comparison=result.comparison.label[:200],
            figures=figures,
            error_message="",
            error_details={},
        )
        transaction.on_commit(partial(_announce_study, study_id))


def _combined(study: Study) -> Any:
    from ganglioside.studies.step import combine

    design = stored.study_design(study)
    config = stored.study_config(study)
    rows = {r.sample: r for r in study.samples.all()}
    results = [stored.stored_result(rows[s.sample]) for s in design.samples]
    shared = stored.shared_model(study)
    if shared is not None:  # every sample took the shared anchors: none borrows
        return combine(design, results, config, shared)
    return combine(design, _borrowed_again(study, design, rows, results, config), config)


def _borrowed_again(
    study: Study, design: Any, rows: dict[str, StudySample], results: list[Any], config: Any
) -> list[Any]:
    """The results, with the samples with too few anchors of their own analysed once more with
    borrowed ones (and stored again)."""
    from ganglioside.studies import borrow_tasks

    done = {r.sample for r in results if r.ok}
    fresh = {s for s in done if rows[s].borrowed_anchors == 0}
    again = [
        t
        for t in borrow_tasks(design, stored.tasks_for(study, design, done), results, config)
        if t.sample in fresh
    ]
    for task in again:
        redone = analyze_sample(task)
        _store_sample(rows[task.sample], redone, rows[task.sample].duration_seconds or 0.0)
        results = [redone if r.sample == task.sample else r for r in results]
    return results


def _fail(study: Study, message: str, details: dict[str, Any]) -> None:
    Study.objects.filter(pk=study.pk).update(
        status=StudyStatus.FAILED,
        finished_at=timezone.now(),
        error_message=message,
        error_details=json_safe(details),
    )
    transaction.on_commit(partial(_announce_study, study.pk))


# -- live progress --------------------------------------------------------------------------


def sample_snapshot(row: StudySample) -> dict[str, Any]:
    """A sample as live pages show it (its row of the study page)."""
    return {
        "sample_id": row.pk,
        "sample": row.sample,
        "status": row.status,
        "label": SampleStatus(row.status).label,
        "error": row.error_message or None,
        "n_compounds": row.n_compounds,
        "borrowed_anchors": row.borrowed_anchors,
        "duration_seconds": row.duration_seconds,
    }


def study_snapshot(study: Study) -> dict[str, Any]:
    """The study's own state as live pages show it (its samples are sent one by one)."""
    return {
        "status": study.status,
        "label": StudyStatus(study.status).label,
        "error": study.error_message or None,
    }


def _announce_sample(sample_id: int) -> None:
    row = StudySample.objects.defer("compounds").filter(pk=sample_id).first()
    if row is not None:
        events.publish(row.study_id, events.SAMPLE, sample_snapshot(row))


def _announce_study(study_id: int) -> None:
    study = Study.objects.only("status", "error_message").filter(pk=study_id).first()
    if study is not None:
        events.publish(study_id, events.STATUS, study_snapshot(study))
