"""Running a queued analysis with the core and storing everything it produced.

Called by every executor (a Celery task, a thread of the server, or inline) with the id only.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

import ganglioside
from ganglioside import ConfigError, InputError
from ganglioside.errors import bounded, excerpt
from ganglioside.web.common.json_safety import json_safe

from ... import heartbeats
from .. import events
from ..models import (
    Analysis,
    AnalysisStatus,
    Artifact,
    Compound,
    FragmentEvent,
    RTModel,
)
from .exports import (
    AFTER_RUN_KINDS,
    WrittenExports,
    export_files_delete,
    exports_prepare,
    exports_record,
)
from .inputs import analyze_stored, renamed
from .notifications import analysis_notify_owner
from .persistence import compounds_store, fragment_events, rt_model

log = logging.getLogger(__name__)

# Progress is saved at most this often (seconds) within one step; every step change is saved.
PROGRESS_SAVE_INTERVAL = 0.25
# The longest error message stored (characters); the core bounds its own, this is the last cap.
MAX_ERROR_CHARS = 2000


def analysis_run(*, analysis_id: int) -> Analysis | None:
    """Run a queued (or abandoned) analysis to the end and store everything it produced.

    Idempotent: an analysis that is already running in a live worker, finished, or deleted is
    left alone and ``None`` is returned.  Errors of the input or the parameters, and unexpected
    failures, end as status ``failed`` with the error stored; they are not raised.

    Returns
    -------
    Analysis or None
        The finished analysis, or ``None`` when there was nothing to run.
    """
    analysis = _claim(analysis_id)
    if analysis is None:
        log.info(
            "analysis %s is not runnable (finished, running elsewhere or deleted)", analysis_id
        )
        return None
    log.info("analysis %s: run %s started by %s", analysis_id, analysis.attempts, analysis.worker)
    events.publish(analysis_id, _status_event(analysis))
    started = time.monotonic()
    try:
        with heartbeats.beating(Analysis, analysis_id, analysis.worker):
            stored = _run_and_store(analysis, started)
    except heartbeats.TRANSIENT_DB_ERRORS:
        # The database dropped the connection: not the analysis's failure.  Back in the queue
        # (if the database answers again) and raised, so that the task is tried again.
        _release(analysis)
        raise
    if stored is None:
        return None
    transaction.on_commit(lambda: analysis_announce_finished(stored))
    return stored


def _release(analysis: Analysis) -> None:
    heartbeats.reset_connection()
    try:
        Analysis.objects.filter(
            pk=analysis.pk, status=AnalysisStatus.RUNNING, worker=analysis.worker
        ).update(status=AnalysisStatus.QUEUED, progress_message="re-queued", heartbeat_at=None)
    except heartbeats.TRANSIENT_DB_ERRORS:
        heartbeats.reset_connection()  # still down: the retry claims its own run again


def _run_and_store(analysis: Analysis, started: float) -> Analysis | None:
    analysis_id = analysis.pk
    try:
        result = analyze_stored(analysis, progress=_Progress(analysis_id))
        written = _light_exports(analysis, result)
        stored = _store_result(analysis, result, time.monotonic() - started, written)
    except heartbeats.TRANSIENT_DB_ERRORS:
        raise
    except InputError as exc:
        stored = _fail(analysis, renamed(exc, analysis.input_filename), started)
    except ConfigError as exc:
        stored = _fail_with(analysis, f"invalid parameters: {exc}", {}, started)
    except Exception as exc:
        log.exception("analysis %s failed unexpectedly", analysis_id)
        stored = _fail_with(
            analysis, _unexpected_message(exc), {"type": type(exc).__name__}, started
        )
    return stored


def _light_exports(analysis: Analysis, result: ganglioside.AnalysisResult) -> WrittenExports | None:
    """The exports written after every run, written before the analysis is stored as
    succeeded: ``succeeded`` means its downloads are there (the PDF is written on request)."""
    if not settings.GANGLIOSIDE_EXPORTS_AFTER_RUN:
        return None
    _Progress(analysis.pk)("summary", 1.0, "writing the downloads")
    return exports_prepare(analysis, result, AFTER_RUN_KINDS)


def analysis_fail_stopped(*, analysis_id: int, reason: str) -> None:
    """The job running ``analysis_id`` stopped on an error it could not record (the database
    refusing a write, say): the analysis, if not finished, fails with ``reason``."""
    now = timezone.now()
    failed = Analysis.objects.filter(
        pk=analysis_id, status__in=(AnalysisStatus.QUEUED, AnalysisStatus.RUNNING)
    ).update(
        status=AnalysisStatus.FAILED,
        error_message=bounded(reason, MAX_ERROR_CHARS),
        error_details={"type": "job stopped"},
        finished_at=now,
        heartbeat_at=now,
        progress_message="failed",
    )
    if failed:
        analysis_announce_finished(Analysis.objects.select_related("owner").get(pk=analysis_id))


def analysis_snapshot(analysis: Analysis) -> dict[str, Any]:
    """Status and progress of an analysis as sent to live pages (the fields the API shows)."""
    return {
        "status": analysis.status,
        "step": analysis.progress_step,
        "fraction": analysis.progress_fraction,
        "message": analysis.progress_message,
        "error": analysis.error_message or None,
        "n_compounds": analysis.n_compounds,
        "status_counts": analysis.status_counts,
    }


def analysis_announce_finished(analysis: Analysis) -> None:
    """Tell live pages and the owner that ``analysis`` ended (after its transaction commits)."""
    events.publish(analysis.pk, _status_event(analysis))
    analysis_notify_owner(analysis=analysis)


# -- who runs what: claims and signs of life ------------------------------------------------------


def _worker_identity() -> str:
    return heartbeats.worker_identity()


def _claim(analysis_id: int) -> Analysis | None:
    """Atomically mark a runnable analysis ``running``; ``None`` when it is not runnable.

    Runnable: ``queued``, or ``running`` but abandoned (no beat for ``GANGLIOSIDE_STALE_AFTER``
    seconds, its worker process on this machine gone, or this very Celery process stopped it
    on a transient error: :mod:`ganglioside.web.heartbeats`) with attempts left; an abandoned
    run out of attempts is left to the sweep, which fails it (a table that kills its worker
    every time must not be retried forever).  The compare-and-set
    update makes a task delivered twice run the analysis once.
    """
    now = timezone.now()
    retry = Q(status=AnalysisStatus.RUNNING, attempts__lt=settings.GANGLIOSIDE_MAX_ATTEMPTS)
    holder = (
        Analysis.objects.filter(pk=analysis_id, status=AnalysisStatus.RUNNING)
        .values_list("worker", flat=True)
        .first()
    )
    runnable = Q(status=AnalysisStatus.QUEUED) | (
        retry & heartbeats.abandoned_filter([holder] if holder else [])
    )
    updated = Analysis.objects.filter(runnable, pk=analysis_id).update(
        status=AnalysisStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        duration_seconds=None,
        attempts=F("attempts") + 1,
        worker=_worker_identity(),
        progress_step="",
        progress_fraction=0.0,
        progress_message="starting",
        error_message="",
        error_details={},
    )
    if not updated:
        return None
    return Analysis.objects.select_related("owner").get(pk=analysis_id)


class _Progress:
    """The progress callback handed to the core: saves to the database and publishes."""

    def __init__(self, analysis_id: int) -> None:
        self.analysis_id = analysis_id
        self._last_step = ""
        self._last_save = 0.0

    def __call__(self, step: str, fraction: float, message: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        if (
            step != self._last_step
            or fraction >= 1.0
            or now - self._last_save >= (PROGRESS_SAVE_INTERVAL)
        ):
            Analysis.objects.filter(pk=self.analysis_id).update(
                progress_step=step[:32],
                progress_fraction=fraction,
                progress_message=excerpt(message, 500),
                heartbeat_at=timezone.now(),
            )
            self._last_step, self._last_save = step, now
        events.publish(
            self.analysis_id,
            {
                "type": "analysis.progress",
                "status": AnalysisStatus.RUNNING,
                "step": step,
                "fraction": fraction,
                "message": excerpt(message, 500),
            },
        )


# -- the end of a run: failed or stored ---------------------------------------------------------


def _unexpected_message(exc: Exception) -> str:
    if type(exc).__name__ == "SoftTimeLimitExceeded":
        return (
            f"the analysis took longer than {settings.GANGLIOSIDE_TASK_SOFT_TIME_LIMIT} s "
            "(GANGLIOSIDE_TASK_SOFT_TIME_LIMIT) and was stopped"
        )
    return (
        f"the analysis stopped on an unexpected error ({type(exc).__name__}: {excerpt(exc, 500)})"
    )


def _fail(analysis: Analysis, exc: InputError, started: float) -> Analysis | None:
    return _fail_with(analysis, str(exc), exc.to_dict(), started)


def _fail_with(
    analysis: Analysis, message: str, details: dict[str, Any], started: float
) -> Analysis | None:
    now = timezone.now()
    short = {str(k): excerpt(v, 300) if isinstance(v, str) else v for k, v in details.items()}
    updated = Analysis.objects.filter(pk=analysis.pk, worker=analysis.worker).update(
        status=AnalysisStatus.FAILED,
        error_message=bounded(message, MAX_ERROR_CHARS),
        error_details=json_safe(short),
        finished_at=now,
        heartbeat_at=now,
        duration_seconds=time.monotonic() - started,
        progress_message="failed",
    )
    if not updated:
        return None
    return Analysis.objects.select_related("owner").get(pk=analysis.pk)


def _store_result(
    analysis: Analysis,
    result: ganglioside.AnalysisResult,
    duration: float,
    written: WrittenExports | None = None,
) -> Analysis | None:
    summary = json_safe(result.summary)
    counts = _status_counts(result.compounds)
    with transaction.atomic():
        # Lock the row: a delete or a second worker waits, and a deleted analysis is noticed.
        locked = (
            Analysis.objects.select_for_update()
            .filter(pk=analysis.pk, status=AnalysisStatus.RUNNING, worker=analysis.worker)
            .first()
        )
        if locked is None:
            log.warning("analysis %s changed hands or was deleted; result dropped", analysis.pk)
            if written is not None:
                shutil.rmtree(written.folder, ignore_errors=True)
            return None
        _delete_results(analysis.pk, keep=written.folder if written is not None else None)
        Analysis.objects.filter(pk=analysis.pk).update(export_failures={})
        if written is not None:
            exports_record(analysis.pk, written)
        compounds_store(analysis_id=analysis.pk, frame=result.compounds)
        RTModel.objects.bulk_create(
            [rt_model(analysis.pk, i, report) for i, report in enumerate(result.models)]
        )
        FragmentEvent.objects.bulk_create(fragment_events(analysis.pk, result.fragments))
        now = timezone.now()
        Analysis.objects.filter(pk=analysis.pk).update(
            status=AnalysisStatus.SUCCEEDED,
            summary=summary,
            warnings=json_safe([bounded(str(w), MAX_ERROR_CHARS) for w in result.warnings]),
            n_compounds=len(result.compounds),
            status_counts=counts,
            finished_at=now,
            heartbeat_at=now,
            duration_seconds=duration,
            progress_step="done",
            progress_fraction=1.0,
            progress_message="finished",
        )
    return Analysis.objects.select_related("owner").get(pk=analysis.pk)


def _delete_results(analysis_id: int, keep: Path | None = None) -> None:
    for model in (Compound, RTModel, FragmentEvent, Artifact):
        model.objects.filter(analysis_id=analysis_id).delete()
    export_files_delete(analysis_id, on_commit=True, keep=keep)


def _status_counts(frame: pd.DataFrame) -> dict[str, int]:
    if "status" not in frame.columns:
        return {}
    return {str(k): int(v) for k, v in frame["status"].value_counts().items() if v}


def _status_event(analysis: Analysis) -> dict[str, Any]:
    return {"type": "analysis.status", **analysis_snapshot(analysis)}
