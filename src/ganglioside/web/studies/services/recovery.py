"""Recovering study samples whose worker stopped, and samples whose message was lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ganglioside.web.analyses.services.running import stale_before

from ..models import SampleStatus, StudySample
from . import running
from .actions import send_sample


@dataclass
class StudySweepReport:
    """What :func:`studies_sweep_stuck` did (sample ids)."""

    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def studies_sweep_stuck(*, resend_all_queued: bool = False) -> StudySweepReport:
    """Put back in the queue the samples running for longer than ``GANGLIOSIDE_STALE_AFTER``
    (their worker stopped) while they have attempts left (``GANGLIOSIDE_MAX_ATTEMPTS``), fail
    them after that; send again the samples queued for that long (``resend_all_queued``: all,
    as a server without a broker does at start).  A run claims its sample first, so a sample
    sent twice is analysed once."""
    report = StudySweepReport()
    cutoff = stale_before()
    with transaction.atomic():
        stuck = StudySample.objects.select_for_update().filter(
            status=SampleStatus.RUNNING, started_at__lt=cutoff
        )
        for row in stuck:
            if row.attempts >= settings.GANGLIOSIDE_MAX_ATTEMPTS:
                _fail(row)
                report.failed.append(row.pk)
                transaction.on_commit(partial(running.after_sample, row.study_id))
            else:
                StudySample.objects.filter(pk=row.pk).update(status=SampleStatus.QUEUED)
                report.requeued.append(row.pk)
                transaction.on_commit(partial(send_sample, row.pk))
    queued = StudySample.objects.filter(status=SampleStatus.QUEUED)
    if not resend_all_queued:
        queued = queued.filter(study__created_at__lt=cutoff)
    for pk in queued.values_list("pk", flat=True):
        if pk not in report.requeued:
            report.requeued.append(pk)
            send_sample(pk)
    return report


def _fail(row: StudySample) -> None:
    StudySample.objects.filter(pk=row.pk).update(
        status=SampleStatus.FAILED,
        finished_at=timezone.now(),
        error_message=f"its worker stopped {row.attempts} times while analysing it",
    )
