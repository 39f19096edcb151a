"""Celery tasks: each takes ids, calls one service, nothing else, and is named after it.

Entry points like the API views: they import the services, never the other way round.  The
executor sends :func:`analysis_run` by its name (``execution.RUN_ANALYSIS_TASK``), and celery
beat sends :func:`analyses_sweep_stuck` by its name (``CELERY_BEAT_SCHEDULE`` in the settings).
"""

from __future__ import annotations

from celery import Task

from ganglioside.web import heartbeats
from ganglioside.web.celery import app

from .execution import RENDER_EXPORTS_TASK, RUN_ANALYSIS_TASK
from .services import exports, recovery, running


@app.task(name=RUN_ANALYSIS_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def analysis_run(self: Task, analysis_id: int) -> None:
    heartbeats.run_task(self, lambda i: running.analysis_run(analysis_id=i), analysis_id)


@app.task(name=RENDER_EXPORTS_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def exports_render(self: Task, analysis_id: int) -> None:
    heartbeats.run_task(self, lambda i: exports.exports_render(analysis_id=i), analysis_id)


@app.task(name="ganglioside.web.analyses.tasks.analyses_sweep_stuck")
def analyses_sweep_stuck() -> dict[str, list[int]]:
    report = recovery.analyses_sweep_stuck()
    return {"requeued": report.requeued, "failed": report.failed}
