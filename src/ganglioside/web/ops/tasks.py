"""Periodic tasks of the operations app (scheduled by celery beat, see settings)."""

from __future__ import annotations

from celery import shared_task

from .cleanup import analyses_purge_expired


@shared_task(name="ganglioside.web.ops.tasks.purge_expired", ignore_result=True)
def purge_expired() -> dict[str, int]:
    """Apply the retention policy; returns how much was removed (visible in worker logs)."""
    report = analyses_purge_expired()
    return {"analyses": len(report.analyses), "orphan_folders": len(report.orphan_folders)}
