"""Celery tasks: each takes ids, calls one service, nothing else.

Entry points like the API views: they import the services, never the other way round.  The
executor sends :func:`run_analysis` by its name (``execution.RUN_ANALYSIS_TASK``), and celery
beat sends :func:`sweep_stuck_analyses` by its name (``CELERY_BEAT_SCHEDULE`` in the settings).
"""

from __future__ import annotations

from celery import Task

from ganglioside.web import heartbeats
from ganglioside.web.celery import app

from .execution import RENDER_EXPORTS_TASK, RUN_ANALYSIS_TASK
from .services.exports import exports_render
from .services.recovery import analyses_sweep_stuck
from .services.running import analysis_run


@app.task(name=RUN_ANALYSIS_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def run_analysis(self: Task, analysis_id: int) -> None:
    heartbeats.run_task(self, lambda i: analysis_run(analysis_id=i), analysis_id)


@app.task(name=RENDER_EXPORTS_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def render_exports(self: Task, analysis_id: int) -> None:
    heartbeats.run_task(self, lambda i: exports_render(analysis_id=i), analysis_id)


@app.task(name="ganglioside.web.analyses.tasks.sweep_stuck_analyses")
def sweep_stuck_analyses() -> dict[str, list[int]]:
    report = analyses_sweep_stuck()
    return {"requeued": report.requeued, "failed": report.failed}
