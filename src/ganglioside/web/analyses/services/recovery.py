"""Recovering runs whose worker stopped: re-queued while attempts are left, failed after that."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ... import heartbeats
from ..models import Analysis, AnalysisStatus
from .running import analysis_announce_finished
from .submission import analysis_send

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What :func:`analyses_sweep_stuck` did."""

    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def analyses_sweep_stuck(*, resend_all_queued: bool = False) -> SweepReport:
    """Re-queue or fail analyses abandoned by their worker; re-send lost queued ones.

    A ``running`` analysis with no beat for ``GANGLIOSIDE_STALE_AFTER`` seconds (or whose
    worker process on this machine is gone) goes back to ``queued`` while it has attempts left
    (``GANGLIOSIDE_MAX_ATTEMPTS``), otherwise it becomes ``failed``.  A ``queued`` analysis
    older than that is sent to the executor again when the broker holds no message for it (its
    message was lost),
    and so is one that was never sent (no task id: the broker was down at upload) once
    ``GANGLIOSIDE_RESEND_AFTER`` seconds old; running it twice is harmless because a run first
    claims the analysis.

    Parameters
    ----------
    resend_all_queued:
        Send every ``queued`` analysis again, however young.  ``ganglioside serve`` without a
        broker does this at start: only its own threads run analyses, so whatever was queued
        when the previous server stopped would otherwise wait forever.
    """
    report = SweepReport()
    cutoff = heartbeats.stale_before()
    _sweep_running(cutoff, report)
    for pk in _lost_queued(cutoff, resend_all_queued):
        if pk not in report.requeued:
            report.requeued.append(pk)
            transaction.on_commit(partial(analysis_send, analysis_id=pk))
    if report.requeued or report.failed:
        log.warning("sweep: re-queued %s, failed %s", report.requeued, report.failed)
    return report


def _lost_queued(cutoff: datetime, resend_all_queued: bool) -> list[int]:
    """Queued analyses to send again: all (``resend_all_queued``), or those whose message was
    lost (older than ``cutoff`` and held by no broker queue) or never sent."""
    queued = Analysis.objects.filter(status=AnalysisStatus.QUEUED)
    if not resend_all_queued:
        # Lost messages after the stale time; never sent at all (the broker was down when the
        # upload was stored: no task id) after GANGLIOSIDE_RESEND_AFTER seconds.
        unsent = timezone.now() - timedelta(seconds=settings.GANGLIOSIDE_RESEND_AFTER)
        never_sent = Q(task_id="", created_at__lt=unsent)
        if settings.GANGLIOSIDE_EXECUTOR != "celery":
            never_sent = Q(pk__in=[])
        queued = queued.filter(Q(created_at__lt=cutoff) | never_sent)
    lost = list(queued.order_by("created_at").values_list("pk", "task_id"))
    if lost and not resend_all_queued and settings.GANGLIOSIDE_EXECUTOR == "celery":
        lost = _not_held_by_broker(lost)
    return [pk for pk, _ in lost]


def _not_held_by_broker(queued: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The (analysis, task id) pairs to send again: a message sent once is sent again only when
    the broker holds none for it (neither waiting nor under way): lost with a Redis that
    restarted without persistence."""
    from ..execution import RUN_ANALYSIS_TASK

    held = heartbeats.held_by_broker(RUN_ANALYSIS_TASK) if any(t for _, t in queued) else set()
    return [(pk, t) for pk, t in queued if not t or (held is not None and pk not in held)]


def _sweep_running(cutoff: datetime, report: SweepReport) -> None:
    running = Analysis.objects.filter(status=AnalysisStatus.RUNNING).values_list(
        "pk", "worker", "heartbeat_at", "attempts"
    )
    for pk, worker, heartbeat, attempts in running:
        stale = heartbeat is None or heartbeat < cutoff
        if not (stale or heartbeats.worker_is_dead(worker)):
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
                transaction.on_commit(partial(analysis_announce_finished, analysis))
        elif still.update(status=AnalysisStatus.QUEUED, progress_message="re-queued"):
            report.requeued.append(pk)
            transaction.on_commit(partial(analysis_send, analysis_id=pk))
