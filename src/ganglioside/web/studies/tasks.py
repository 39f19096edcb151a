"""Celery tasks of studies: each takes an id, calls one service and is named after it."""

from __future__ import annotations

from celery import Task

from ganglioside.web import heartbeats
from ganglioside.web.celery import app

from .execution import COMBINE_TASK, RUN_SAMPLE_TASK
from .services import recovery, running


@app.task(name=RUN_SAMPLE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def study_sample_run(self: Task, sample_id: int) -> None:
    heartbeats.run_task(self, lambda i: running.study_sample_run(sample_id=i), sample_id)


@app.task(name=COMBINE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def study_combine(self: Task, study_id: int) -> None:
    heartbeats.run_task(self, lambda i: running.study_combine(study_id=i), study_id)


@app.task(name="ganglioside.web.studies.tasks.studies_sweep_stuck")
def studies_sweep_stuck() -> dict[str, list[int]]:
    report = recovery.studies_sweep_stuck()
    return {"requeued": report.requeued, "failed": report.failed}
