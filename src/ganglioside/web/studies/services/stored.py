"""A sample's analysis as stored (its ``compounds.csv`` bytes) and read back for the study
step, and the library's tasks rebuilt from a study's folder."""

from __future__ import annotations

import io
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings

from ganglioside.report.safe import safe_csv
from ganglioside.studies import Design, StudyConfig, read_design
from ganglioside.studies.config import resolve_study_config
from ganglioside.studies.run import STUDY_INPUT_COLUMNS, SampleResult, SampleTask, sample_tasks
from ganglioside.studies.shared_model import SharedModel

from ..models import SampleStatus, Study, StudySample


def study_folder(study: Study) -> Path:
    return Path(settings.MEDIA_ROOT) / study.folder


def study_config(study: Study) -> StudyConfig:
    return resolve_study_config(dict(study.parameters or {}))


def study_design(study: Study) -> Design:
    """The study's design, read again from its folder (checked when the study was created);
    a worker reads each study's design once, not once per sample."""
    folder = study_folder(study)
    return _design_at(str(folder / study.design_filename))


@lru_cache(maxsize=32)
def _design_at(path: str) -> Design:
    # The design file never changes once the study is stored (its folder is named by a UUID).
    return read_design(Path(path), base_dir=Path(path).parent)


def tasks_for(study: Study, design: Design, names: set[str] | None = None) -> list[SampleTask]:
    """The library's task of each sample of ``design`` (only ``names`` when given), with its
    rows of the study's shared anchors when they were pooled."""
    specs = tuple(s for s in design.samples if names is None or s.sample in names)
    part = Design(specs, design.groups, design.source)
    tasks = sample_tasks(part, study_config(study).analysis)
    rows = (study.shared_anchors or {}).get("rows") or {}
    return [replace(t, borrowed_anchor_rows=tuple(rows.get(t.sample, ()))) for t in tasks]


def shared_model(study: Study) -> SharedModel | None:
    """The study's shared anchors as stored (``None`` when none were pooled)."""
    data = study.shared_anchors or {}
    return SharedModel.from_dict(data) if data.get("anchors") else None


def compounds_bytes(compounds: pd.DataFrame) -> bytes:
    """The sample's ``compounds.csv`` as ``ganglioside analyze`` writes it."""
    return safe_csv(compounds).encode("utf-8")


def compounds_frame(content: bytes, columns: Any = STUDY_INPUT_COLUMNS) -> pd.DataFrame:
    """A stored ``compounds.csv`` read back (only ``columns``; all with ``None``)."""
    return pd.read_csv(io.BytesIO(content), usecols=None if columns is None else list(columns))


def stored_result(row: StudySample) -> SampleResult:
    """The library's result of a sample, rebuilt from what its worker stored."""
    if row.status != SampleStatus.SUCCEEDED or row.compounds is None:
        return SampleResult(row.sample, row.source, None, error=row.error_message or "not run")
    return SampleResult(
        sample=row.sample,
        source=row.source,
        compounds=compounds_frame(bytes(row.compounds)),
        summary=dict(row.summary or {}),
        warnings=list(row.warnings or []),
        borrowed_anchors=row.borrowed_anchors,
    )
