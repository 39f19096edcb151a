"""What a user does to a study after it ran: finish it without its failed samples, run a failed
sample again, delete it."""

from __future__ import annotations

import shutil

from django.db import transaction

from ganglioside import InputError
from ganglioside.studies.step import usable_design

from .. import execution
from ..models import SampleStatus, Study, StudySample, StudyStatus
from . import running, stored


class StudyStateError(InputError):
    """The study is not in a state that allows the action (e.g. still running)."""


def study_finish_without_failed(*, study: Study) -> Study:
    """Run the study step without the failed samples (each group must keep two or more).

    Raises
    ------
    StudyStateError
        The study is not waiting on failed samples.
    ganglioside.studies.DesignError
        Too few samples would be left in a group (nothing changes).
    """
    if study.status != StudyStatus.WAITING:
        raise StudyStateError(
            f"the study is {study.status}; only a study waiting on failed samples can be "
            "finished without them"
        )
    rows = list(study.samples.all())
    usable_design(stored.study_design(study), [stored.stored_result(r) for r in rows])
    with transaction.atomic():
        changed = Study.objects.filter(pk=study.pk, status=StudyStatus.WAITING).update(
            status=StudyStatus.COMBINING
        )
        if changed:
            transaction.on_commit(
                lambda: execution.enqueue_combine(
                    study.pk, running._run_combine_by_id, running._combine_job_stopped
                )
            )
    study.refresh_from_db()
    return study


def study_sample_rerun(*, sample: StudySample) -> StudySample:
    """Queue a failed sample again (its study goes back to running).

    Raises
    ------
    StudyStateError
        The sample did not fail, or its study is being combined.
    """
    if sample.status != SampleStatus.FAILED:
        raise StudyStateError(
            f"sample {sample.sample} is {sample.status}; only a failed one runs again"
        )
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=sample.study_id)
        if study.status not in (StudyStatus.WAITING, StudyStatus.FAILED, StudyStatus.SUCCEEDED):
            raise StudyStateError(f"the study is {study.status}; wait until it stops")
        StudySample.objects.filter(pk=sample.pk).update(
            status=SampleStatus.QUEUED, error_message="", finished_at=None
        )
        Study.objects.filter(pk=study.pk).update(
            status=StudyStatus.RUNNING, finished_at=None, error_message="", error_details={}
        )
        transaction.on_commit(lambda: study_sample_send(sample.pk))
    sample.refresh_from_db()
    return sample


def study_sample_send(sample_id: int) -> None:
    """Send one queued sample to the executor (recording its Celery task id)."""
    task_ids = execution.enqueue_samples(
        [sample_id], running._run_sample_by_id, running._sample_job_stopped
    )
    if sample_id in task_ids:
        StudySample.objects.filter(pk=sample_id).update(task_id=task_ids[sample_id])


def study_delete(*, study: Study) -> None:
    """Delete the study, its samples, files and its folder of uploads."""
    folder = stored.study_folder(study)
    with transaction.atomic():
        study.delete()
        transaction.on_commit(lambda: shutil.rmtree(folder, ignore_errors=True))
