"""Recovering study samples whose worker stopped, and samples whose message was lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ganglioside.web import heartbeats
from ganglioside.web.heartbeats import stale_before

from ..models import SampleStatus, StudySample
from . import running
from .actions import study_sample_send


@dataclass
class StudySweepReport:
    """What :func:`studies_sweep_stuck` did (sample ids)."""

    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def studies_sweep_stuck(*, resend_all_queued: bool = False) -> StudySweepReport:
    """Put back in the queue the running samples whose worker stopped (no beat for
    ``GANGLIOSIDE_STALE_AFTER`` seconds, or its process gone: :mod:`ganglioside.web.heartbeats`)
    while they have attempts left (``GANGLIOSIDE_MAX_ATTEMPTS``), fail them after that; send
    again the queued samples whose message the broker no longer holds (``resend_all_queued``:
    all, as a server without a broker does at start).  A run claims its sample first, so a
    sample sent twice is analysed once."""
    report = StudySweepReport()
    cutoff = stale_before()
    with transaction.atomic():
        running_now = StudySample.objects.filter(status=SampleStatus.RUNNING)
        workers = list(running_now.values_list("worker", flat=True).distinct())
        stuck = StudySample.objects.select_for_update().filter(
            Q(status=SampleStatus.RUNNING) & heartbeats.abandoned_filter(workers)
        )
        for row in stuck:
            if row.attempts >= settings.GANGLIOSIDE_MAX_ATTEMPTS:
                _fail(row)
                report.failed.append(row.pk)
                transaction.on_commit(partial(running.after_sample, row.study_id))
            else:
                StudySample.objects.filter(pk=row.pk).update(status=SampleStatus.QUEUED)
                report.requeued.append(row.pk)
                transaction.on_commit(partial(study_sample_send, row.pk))
    queued = StudySample.objects.filter(status=SampleStatus.QUEUED)
    if not resend_all_queued:
        queued = queued.filter(study__created_at__lt=cutoff)
    lost = list(queued.values_list("pk", flat=True))
    if lost and not resend_all_queued and settings.GANGLIOSIDE_EXECUTOR == "celery":
        # Sent again only when the broker holds no message for it (waiting or under way).
        from ..execution import RUN_SAMPLE_TASK

        held = heartbeats.held_by_broker(RUN_SAMPLE_TASK)
        lost = [] if held is None else [pk for pk in lost if pk not in held]
    for pk in lost:
        if pk not in report.requeued:
            report.requeued.append(pk)
            study_sample_send(pk)
    return report


def _fail(row: StudySample) -> None:
    StudySample.objects.filter(pk=row.pk).update(
        status=SampleStatus.FAILED,
        finished_at=timezone.now(),
        error_message=f"its worker stopped {row.attempts} times while analysing it",
    )
