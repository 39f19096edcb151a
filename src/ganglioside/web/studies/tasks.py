"""Celery tasks of studies: each takes an id and calls one service."""

from __future__ import annotations

from ganglioside.web.celery import app

from .execution import COMBINE_TASK, RUN_SAMPLE_TASK
from .services.recovery import studies_sweep_stuck
from .services.running import study_combine, study_sample_run


@app.task(name=RUN_SAMPLE_TASK, acks_late=True)
def run_study_sample(sample_id: int) -> None:
    study_sample_run(sample_id=sample_id)


@app.task(name=COMBINE_TASK, acks_late=True)
def combine_study(study_id: int) -> None:
    study_combine(study_id=study_id)


@app.task(name="ganglioside.web.studies.tasks.sweep_stuck_studies")
def sweep_stuck_studies() -> dict[str, list[int]]:
    report = studies_sweep_stuck()
    return {"requeued": report.requeued, "failed": report.failed}
