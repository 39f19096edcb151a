"""A study's sample opened as an analysis of its own: the analysis pages (charts of every
RT group, a page per row, curation, exports) for one sample of a study.

The analysis reads the same table with the study's analysis parameters and the anchors the
sample took from the study's shared anchors (marked in the stored copy), so its verdicts are the
ones the study used.  Decisions about its rows apply to that analysis and its downloads; the
study's statistics are those of its run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from ganglioside import InputError
from ganglioside.studies.run import with_anchors
from ganglioside.web.analyses.models import Analysis
from ganglioside.web.analyses.services import submission

from ..models import SampleStatus, StudySample
from . import stored


def sample_analysis_open(*, sample: StudySample) -> Analysis:
    """The sample's analysis (made and queued the first time; the same one afterwards).

    Raises
    ------
    ganglioside.InputError
        The sample did not succeed (there is nothing to open), or its table cannot be read
        back.
    """
    if sample.status != SampleStatus.SUCCEEDED:
        raise InputError(f"sample {sample.sample} has not been analysed; nothing to open")
    existing = Analysis.objects.filter(study_sample=sample).first()
    if existing is not None:
        return existing
    study = sample.study
    design = stored.study_design(study)
    task = stored.tasks_for(study, design, {sample.sample})[0]
    table = task.table
    if task.borrowed_anchor_rows:
        table = with_anchors(table, task.borrowed_anchor_rows)
    name = Path(str(task.source or sample.input_filename or sample.sample)).stem
    upload = SimpleUploadedFile(f"{name}.csv", _table_bytes(table), "text/csv")
    with transaction.atomic():
        locked = StudySample.objects.select_for_update().get(pk=sample.pk)
        if locked.analysis_id is not None:
            return Analysis.objects.get(pk=locked.analysis_id)
        analysis = submission.analysis_create(
            owner=study.owner,
            file=upload,
            name=f"{study.name} · {sample.sample}",
            parameters=dict(task.config),
        )
        locked.analysis = analysis
        locked.save(update_fields=["analysis"])
    return analysis


def _table_bytes(table: str | Path | pd.DataFrame) -> bytes:
    """The sample's table as the analysis stores it: the file itself, or a CSV of the cells."""
    if isinstance(table, pd.DataFrame):
        return table.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return Path(table).read_bytes()
