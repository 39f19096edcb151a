"""Celery tasks of studies: each takes an id and calls one service."""

from __future__ import annotations

from celery import Task

from ganglioside.web import heartbeats
from ganglioside.web.celery import app

from .execution import COMBINE_TASK, RUN_SAMPLE_TASK
from .services.recovery import studies_sweep_stuck
from .services.running import study_combine, study_sample_run


@app.task(name=RUN_SAMPLE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def run_study_sample(self: Task, sample_id: int) -> None:
    heartbeats.run_task(self, lambda i: study_sample_run(sample_id=i), sample_id)


@app.task(name=COMBINE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def combine_study(self: Task, study_id: int) -> None:
    heartbeats.run_task(self, lambda i: study_combine(study_id=i), study_id)


@app.task(name="ganglioside.web.studies.tasks.sweep_stuck_studies")
def sweep_stuck_studies() -> dict[str, list[int]]:
    report = studies_sweep_stuck()
    return {"requeued": report.requeued, "failed": report.failed}
