"""Services: the only code that writes analyses to the database and calls the core.

Entry points (API views, pages, the WebSocket consumer, admin actions, Celery tasks, management
commands) parse their input, check permission and call one of these functions.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import tempfile
import time
from collections.abc import Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePath
from typing import Any

import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile, File
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

import ganglioside
from ganglioside import AnalysisConfig, ConfigError, InputError
from ganglioside.table import read_table

from . import events
from .artifacts import build_artifacts
from .models import (
    Analysis,
    AnalysisStatus,
    Artifact,
    ArtifactKind,
    Compound,
    FragmentEvent,
    RTModel,
)
from .storage import (
    compounds_store,
    fragment_events,
    json_safe,
    rt_model,
)

log = logging.getLogger(__name__)

# Progress is saved at most this often (seconds) within one step; every step change is saved.
PROGRESS_SAVE_INTERVAL = 0.25


# -- create -------------------------------------------------------------------------------------


def analysis_create(
    *,
    owner: AbstractBaseUser,
    file: File,
    name: str = "",
    parameters: Mapping[str, Any] | None = None,
    start: bool = True,
) -> Analysis:
    """Validate an uploaded table and its parameters, store them and queue the analysis.

    Parameters
    ----------
    owner:
        The user the analysis belongs to.
    file:
        The uploaded CSV, TSV or XLSX table; stored untouched.
    name:
        A label; the file name when empty.
    parameters:
        Values for :class:`ganglioside.AnalysisConfig`; missing ones take their defaults.
    start:
        Send the run to the executor when the transaction commits (``False``: the caller
        runs it with :func:`analysis_run`).

    Returns
    -------
    Analysis
        The stored analysis, status ``queued``; its run starts when the transaction commits.

    Raises
    ------
    ganglioside.ConfigError
        A parameter is unknown or out of range.
    ganglioside.InputError
        The table cannot be analysed (format, columns, size); nothing is stored.
    """
    config = AnalysisConfig.from_mapping(dict(parameters or {}))
    filename = PurePath(getattr(file, "name", "") or "input").name
    content = _read_upload(file, filename)
    _validate_table(content, filename, max_rt=config.max_rt)
    return _store_new_analysis(
        owner=owner, filename=filename, content=content, name=name, config=config, start=start
    )


def analysis_rerun(
    *,
    analysis: Analysis,
    changes: Mapping[str, Any] | None = None,
    name: str = "",
) -> Analysis:
    """Queue a new analysis of the same input file with some parameters changed.

    The original analysis is left as it is; the new one starts from its parameters with
    ``changes`` applied.

    Raises
    ------
    ganglioside.ConfigError
        A changed parameter is unknown or out of range.
    """
    base = AnalysisConfig.from_mapping(analysis.parameters or {})
    config = base.replace(**dict(changes or {})) if changes else base
    with analysis.input_file.open("rb") as handle:
        content = handle.read()
    return _store_new_analysis(
        owner=analysis.owner,
        filename=analysis.input_filename,
        content=content,
        name=name or analysis.name,
        config=config,
    )


def _store_new_analysis(
    *,
    owner: AbstractBaseUser,
    filename: str,
    content: bytes,
    name: str,
    config: AnalysisConfig,
    start: bool = True,
) -> Analysis:
    analysis = Analysis(
        owner=owner,
        name=(name or filename).strip()[:200] or filename,
        parameters=json_safe(config.to_dict()),
        software_version=ganglioside.__version__,
        input_filename=filename[:255],
        input_size=len(content),
        input_sha256=hashlib.sha256(content).hexdigest(),
    )
    with transaction.atomic():
        analysis.input_file.save(filename, ContentFile(content), save=False)
        try:
            analysis.save()
        except Exception:
            analysis.input_file.delete(save=False)
            raise
        if start:
            transaction.on_commit(lambda: _enqueue(analysis.pk))
    return analysis


def _read_upload(file: File, filename: str) -> bytes:
    limit_mb = settings.GANGLIOSIDE_MAX_UPLOAD_MB
    limit = int(limit_mb * 1024 * 1024)
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise InputError(
            f"the file is {size / 1024 / 1024:.1f} MB; the largest accepted is {limit_mb:g} MB",
            file=filename,
        )
    if hasattr(file, "seek"):
        file.seek(0)
    content = file.read(limit + 1)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > limit:
        raise InputError(f"the file is larger than {limit_mb:g} MB", file=filename)
    if not content:
        raise InputError("the file is empty; expected a CSV, TSV or XLSX table", file=filename)
    return content


@contextmanager
def _as_local_file(content: bytes, filename: str):
    # The core reads paths (and recognises the format by the suffix), so hand it a temporary
    # file with the original name.
    with tempfile.TemporaryDirectory(prefix="ganglioside-upload-") as folder:
        path = Path(folder) / (PurePath(filename).name or "input")
        path.write_bytes(content)
        yield path


def _validate_table(content: bytes, filename: str, *, max_rt: float) -> None:
    with _as_local_file(content, filename) as path:
        try:
            read_table(path, max_rt=max_rt)
        except InputError as exc:
            raise _renamed(exc, filename) from None


def _renamed(exc: InputError, filename: str) -> InputError:
    """The same error, naming the uploaded file instead of a temporary path."""
    return InputError(exc.message, file=filename, row=exc.row, column=exc.column, value=exc.value)


def _enqueue(analysis_id: int) -> None:
    from .execution import enqueue

    enqueue(analysis_id)


# -- run ----------------------------------------------------------------------------------------


def _worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{settings.GANGLIOSIDE_EXECUTOR}"


def _stale_before() -> Any:
    return timezone.now() - timedelta(seconds=settings.GANGLIOSIDE_STALE_AFTER)


def _claim(analysis_id: int) -> Analysis | None:
    """Atomically mark a runnable analysis ``running``; ``None`` when it is not runnable.

    Runnable: ``queued``, or ``running`` but abandoned (no sign of life for
    ``GANGLIOSIDE_STALE_AFTER`` seconds, or its worker process on this machine is gone) with
    attempts left; an abandoned run out of attempts is left to the sweep, which fails it (a
    table that kills its worker every time must not be retried forever).  The compare-and-set
    update makes a task delivered twice run the analysis once.
    """
    now = timezone.now()
    retry = Q(status=AnalysisStatus.RUNNING, attempts__lt=settings.GANGLIOSIDE_MAX_ATTEMPTS)
    runnable = Q(status=AnalysisStatus.QUEUED) | (retry & Q(heartbeat_at__lt=_stale_before()))
    abandoned_here = _abandoned_on_this_host(analysis_id)
    if abandoned_here:
        runnable |= retry & Q(worker=abandoned_here)
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


def _abandoned_on_this_host(analysis_id: int) -> str | None:
    worker = (
        Analysis.objects.filter(pk=analysis_id, status=AnalysisStatus.RUNNING)
        .values_list("worker", flat=True)
        .first()
    )
    return worker if worker and _worker_is_dead(worker) else None


def _worker_is_dead(worker: str) -> bool:
    """True when ``worker`` names a process on this machine that no longer exists."""
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


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
                progress_message=str(message),
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
                "message": str(message),
            },
        )


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
        result = _analyze(analysis, progress=_Progress(analysis_id))
        stored = _store_result(analysis, result, duration=time.monotonic() - started)
    except InputError as exc:
        stored = _fail(analysis, _renamed(exc, analysis.input_filename), started)
    except ConfigError as exc:
        stored = _fail_with(analysis, f"invalid parameters: {exc}", {}, started)
    except Exception as exc:
        log.exception("analysis %s failed unexpectedly", analysis_id)
        stored = _fail_with(
            analysis, _unexpected_message(exc), {"type": type(exc).__name__}, started
        )
    if stored is None:
        return None
    transaction.on_commit(lambda: _after_finish(stored))
    eager = set(settings.GANGLIOSIDE_EAGER_EXPORTS)
    if stored.status == AnalysisStatus.SUCCEEDED and eager:
        # Exports derive from the stored result, so they are rendered after the analysis is
        # reported as succeeded; the others (the HTML report takes seconds and megabytes) on
        # their first download.
        _store_artifacts(stored, result, kinds=eager, raise_errors=False)
    return stored


def _analyze(analysis: Analysis, progress: _Progress | None = None) -> ganglioside.Analysis:
    config = AnalysisConfig.from_mapping(analysis.parameters or {})
    with _input_path(analysis) as path:
        result = ganglioside.analyze(path, config=config, progress=progress)
    result.source = analysis.input_filename
    return result


def _store_artifacts(
    analysis: Analysis, result: ganglioside.Analysis, *, kinds: set[str], raise_errors: bool
) -> None:
    existing = set(Artifact.objects.filter(analysis_id=analysis.pk).values_list("kind", flat=True))
    wanted = set(kinds) - existing
    if not wanted:
        return
    try:
        files = build_artifacts(result, basename=_export_basename(analysis), kinds=wanted)
    except Exception:
        # A broken export must not undo a stored result; a download will try again.
        log.exception("analysis %s: rendering the exports failed", analysis.pk)
        if raise_errors:
            raise
        return
    for item in files:
        try:
            Artifact.objects.bulk_create(
                [
                    Artifact(
                        analysis_id=analysis.pk,
                        kind=item["kind"],
                        filename=item["filename"],
                        content_type=item["content_type"],
                        content=item["content"],
                        size=len(item["content"]),
                        sha256=hashlib.sha256(item["content"]).hexdigest(),
                    )
                ],
                ignore_conflicts=True,  # rendered meanwhile by a download request
            )
        except IntegrityError:  # the analysis was deleted meanwhile
            return


def analysis_export(*, analysis: Analysis, kind: str) -> Artifact:
    """The stored export ``kind`` of a succeeded analysis, rendering it when missing.

    The kinds in ``GANGLIOSIDE_EAGER_EXPORTS`` are rendered right after a run succeeds; any
    other (or one whose download comes first) is rendered on its first download by analysing
    the stored input again with the stored parameters, which reproduces the stored result,
    and is kept for the next download.

    Raises
    ------
    django.http.Http404
        For an unknown kind.
    ValueError
        When the analysis has not succeeded.
    """
    if kind not in ArtifactKind.values:
        expected = ", ".join(ArtifactKind.values)
        raise Http404(f"unknown export format {kind!r}; expected one of {expected}")
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise ValueError("the analysis has not succeeded, so it has nothing to export")
    found = Artifact.objects.filter(analysis=analysis, kind=kind).first()
    if found is not None:
        return found
    _store_artifacts(analysis, _analyze(analysis), kinds={kind}, raise_errors=True)
    return Artifact.objects.get(analysis=analysis, kind=kind)


def _unexpected_message(exc: Exception) -> str:
    if type(exc).__name__ == "SoftTimeLimitExceeded":
        return (
            f"the analysis took longer than {settings.GANGLIOSIDE_TASK_SOFT_TIME_LIMIT} s "
            "(GANGLIOSIDE_TASK_SOFT_TIME_LIMIT) and was stopped"
        )
    return f"the analysis stopped on an unexpected error ({type(exc).__name__}: {exc})"


@contextmanager
def _input_path(analysis: Analysis):
    try:
        path = analysis.input_file.path
    except NotImplementedError:  # a storage without local paths (object storage)
        path = None
    if path and os.path.exists(path):
        yield Path(path)
        return
    with analysis.input_file.open("rb") as handle:
        content = handle.read()
    with _as_local_file(content, analysis.input_filename) as local:
        yield local


def _export_basename(analysis: Analysis) -> str:
    return f"analysis_{analysis.pk}"


def _fail(analysis: Analysis, exc: InputError, started: float) -> Analysis | None:
    return _fail_with(analysis, str(exc), exc.to_dict(), started)


def _fail_with(
    analysis: Analysis, message: str, details: dict[str, Any], started: float
) -> Analysis | None:
    now = timezone.now()
    updated = Analysis.objects.filter(pk=analysis.pk, worker=analysis.worker).update(
        status=AnalysisStatus.FAILED,
        error_message=message,
        error_details=json_safe(details),
        finished_at=now,
        heartbeat_at=now,
        duration_seconds=time.monotonic() - started,
        progress_message="failed",
    )
    if not updated:
        return None
    return Analysis.objects.select_related("owner").get(pk=analysis.pk)


def _store_result(
    analysis: Analysis, result: ganglioside.Analysis, duration: float
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
            return None
        _delete_results(analysis.pk)
        compounds_store(analysis_id=analysis.pk, frame=result.compounds)
        RTModel.objects.bulk_create(
            [rt_model(analysis.pk, i, report) for i, report in enumerate(result.models)]
        )
        FragmentEvent.objects.bulk_create(fragment_events(analysis.pk, result.fragments))
        now = timezone.now()
        Analysis.objects.filter(pk=analysis.pk).update(
            status=AnalysisStatus.SUCCEEDED,
            summary=summary,
            warnings=json_safe(list(result.warnings)),
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


def _delete_results(analysis_id: int) -> None:
    for model in (Compound, RTModel, FragmentEvent, Artifact):
        model.objects.filter(analysis_id=analysis_id).delete()


def _status_counts(frame: pd.DataFrame) -> dict[str, int]:
    if "status" not in frame.columns:
        return {}
    return {str(k): int(v) for k, v in frame["status"].value_counts().items() if v}


def _after_finish(analysis: Analysis) -> None:
    events.publish(analysis.pk, _status_event(analysis))
    analysis_notify_owner(analysis=analysis)


def _status_event(analysis: Analysis) -> dict[str, Any]:
    return {"type": "analysis.status", **analysis_snapshot(analysis)}


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


# -- delete, sweep, notify ----------------------------------------------------------------------


def analysis_delete(*, analysis: Analysis) -> None:
    """Delete an analysis, its results and its input file.

    A run still going on notices at its end and drops its result.
    """
    storage, path = analysis.input_file.storage, analysis.input_file.name
    with transaction.atomic():
        analysis.delete()
        if path:
            transaction.on_commit(lambda: _delete_file(storage, path))


def _delete_file(storage: Any, path: str) -> None:
    try:
        storage.delete(path)
        folder = os.path.dirname(path)
        # Uploads live in a folder of their own; remove it when it is empty.
        if folder and hasattr(storage, "path"):
            with suppress(OSError):
                os.rmdir(storage.path(folder))
    except Exception:
        log.warning("could not delete the input file %s", path, exc_info=True)


@dataclass
class SweepReport:
    """What :func:`analyses_sweep_stuck` did."""

    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def analyses_sweep_stuck(*, resend_all_queued: bool = False) -> SweepReport:
    """Re-queue or fail analyses abandoned by their worker; re-send lost queued ones.

    A ``running`` analysis with no sign of life for ``GANGLIOSIDE_STALE_AFTER`` seconds (or
    whose worker process on this machine is gone) goes back to ``queued`` while it has attempts
    left (``GANGLIOSIDE_MAX_ATTEMPTS``), otherwise it becomes ``failed``.  A ``queued``
    analysis older than that is sent to the executor again (its message may have been lost);
    running it twice is harmless because a run first claims the analysis.

    Parameters
    ----------
    resend_all_queued:
        Send every ``queued`` analysis again, however young.  ``ganglioside serve`` without a
        broker does this at start: only its own threads run analyses, so whatever was queued
        when the previous server stopped would otherwise wait forever.
    """
    report = SweepReport()
    stale_before = _stale_before()
    running = Analysis.objects.filter(status=AnalysisStatus.RUNNING).values_list(
        "pk", "worker", "heartbeat_at", "attempts"
    )
    for pk, worker, heartbeat, attempts in running:
        if not ((heartbeat is not None and heartbeat < stale_before) or _worker_is_dead(worker)):
            continue
        still = Analysis.objects.filter(pk=pk, status=AnalysisStatus.RUNNING, worker=worker)
        if attempts >= settings.GANGLIOSIDE_MAX_ATTEMPTS:
            now = timezone.now()
            if still.update(
                status=AnalysisStatus.FAILED,
                finished_at=now,
                error_message=(
                    f"the worker running this analysis stopped {attempts} time(s); "
                    "it was not retried again"
                ),
                error_details={"attempts": attempts, "worker": worker},
                progress_message="failed",
            ):
                report.failed.append(pk)
                analysis = Analysis.objects.select_related("owner").get(pk=pk)
                transaction.on_commit(lambda a=analysis: _after_finish(a))
        elif still.update(status=AnalysisStatus.QUEUED, progress_message="re-queued"):
            report.requeued.append(pk)
            transaction.on_commit(lambda pk=pk: _enqueue(pk))
    queued = Analysis.objects.filter(status=AnalysisStatus.QUEUED)
    if not resend_all_queued:
        queued = queued.filter(created_at__lt=stale_before)
    lost = queued.order_by("created_at").values_list("pk", flat=True)
    for pk in lost:
        if pk not in report.requeued:
            report.requeued.append(pk)
            transaction.on_commit(lambda pk=pk: _enqueue(pk))
    if report.requeued or report.failed:
        log.warning("sweep: re-queued %s, failed %s", report.requeued, report.failed)
    return report


def analysis_notify_owner(*, analysis: Analysis) -> bool:
    """E-mail the owner that the analysis finished; ``False`` when no mail was sent."""
    if not settings.GANGLIOSIDE_NOTIFY_BY_EMAIL or not analysis.owner.email:
        return False
    link = settings.GANGLIOSIDE_SITE_URL + _analysis_page(analysis.pk)
    if analysis.status == AnalysisStatus.SUCCEEDED:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(analysis.status_counts.items()))
        subject = f"Analysis “{analysis.name}” finished"
        body = (
            f"Your analysis “{analysis.name}” of {analysis.input_filename} finished in "
            f"{analysis.duration_seconds or 0:.1f} s.\n\n"
            f"{analysis.n_compounds} rows: {counts}.\n\nResults: {link}\n"
        )
    else:
        subject = f"Analysis “{analysis.name}” failed"
        body = (
            f"Your analysis “{analysis.name}” of {analysis.input_filename} failed:\n\n"
            f"{analysis.error_message}\n\nDetails: {link}\n"
        )
    try:
        send_mail(subject, body, None, [analysis.owner.email])
    except Exception:
        log.warning(
            "could not e-mail %s about analysis %s", analysis.owner, analysis.pk, exc_info=True
        )
        return False
    return True


def _analysis_page(analysis_id: int) -> str:
    for name, args in (("pages:analysis", [analysis_id]), ("pages:home", [])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return "/"
