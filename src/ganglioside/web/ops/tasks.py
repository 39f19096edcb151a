"""Periodic tasks of the operations app (scheduled by celery beat, see settings)."""

from __future__ import annotations

from celery import shared_task

from . import cleanup


@shared_task(name="ganglioside.web.ops.tasks.analyses_purge_expired", ignore_result=True)
def analyses_purge_expired() -> dict[str, int]:
    """Apply the retention policy; returns how much was removed (visible in worker logs)."""
    report = cleanup.analyses_purge_expired()
    return {"analyses": len(report.analyses), "orphan_folders": len(report.orphan_folders)}
