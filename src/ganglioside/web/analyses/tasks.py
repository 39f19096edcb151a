"""Celery tasks: each takes ids, calls one service, nothing else."""

from __future__ import annotations

from ganglioside.web.celery import app

from . import services


@app.task(name="ganglioside.web.analyses.tasks.run_analysis", acks_late=True)
def run_analysis(analysis_id: int) -> None:
    services.analysis_run(analysis_id=analysis_id)


@app.task(name="ganglioside.web.analyses.tasks.sweep_stuck_analyses")
def sweep_stuck_analyses() -> dict[str, list[int]]:
    report = services.analyses_sweep_stuck()
    return {"requeued": report.requeued, "failed": report.failed}
