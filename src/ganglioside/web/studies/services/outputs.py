"""The files of a finished study (as ``ganglioside study`` writes them) and its figures, made
by the library's writers and stored as bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from ganglioside.report.safe import safe_csv
from ganglioside.studies.mztab import study_mztab
from ganglioside.studies.outputs import (
    extra_tables,
    matrix_frame,
    shared_model_texts,
    statistics_frame,
)
from ganglioside.studies.pdf import study_pdf_bytes
from ganglioside.studies.plots import study_figures
from ganglioside.studies.report import study_report_html
from ganglioside.studies.result import StudyResult
from ganglioside.studies.workbook import study_workbook_bytes

from ..models import Study, StudyFile

#: Every file a finished study offers, with its content type (``matrix_imputed.csv`` and
#: ``imputed_cells.csv`` only when imputation was asked, ``matrix_batch_corrected.csv`` only with
#: two or more batches; ``shared_anchors.csv`` and ``calibration.json`` only when the samples
#: shared anchors).
CONTENT_TYPES = {
    "matrix.csv": "text/csv; charset=utf-8",
    "matrix_imputed.csv": "text/csv; charset=utf-8",
    "imputed_cells.csv": "text/csv; charset=utf-8",
    "matrix_batch_corrected.csv": "text/csv; charset=utf-8",
    "qc.csv": "text/csv; charset=utf-8",
    "statistics.csv": "text/csv; charset=utf-8",
    "samples.csv": "text/csv; charset=utf-8",
    "pca.csv": "text/csv; charset=utf-8",
    "study.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "study_report.html": "text/html; charset=utf-8",
    "study_report.pdf": "application/pdf",
    "study.mztab": "text/tab-separated-values; charset=utf-8",
    "study_summary.json": "application/json",
    "shared_anchors.csv": "text/csv; charset=utf-8",
    "calibration.json": "application/json",
}


def _csv(frame: pd.DataFrame) -> bytes:
    return safe_csv(frame).encode("utf-8")


def output_files(result: StudyResult, figures: dict[str, Any] | None = None) -> dict[str, bytes]:
    """Name → content of every file of the study (``figures``: the study's Plotly figures,
    when already made)."""
    files = {
        "matrix.csv": _csv(matrix_frame(result)),
        "statistics.csv": _csv(statistics_frame(result)),
        "samples.csv": _csv(result.samples),
        "pca.csv": _csv(result.pca.scores),
        "study.xlsx": study_workbook_bytes(result),
        "study.mztab": study_mztab(result).encode("utf-8"),
        "study_summary.json": json.dumps(result.summary, indent=2, default=str).encode("utf-8"),
        "study_report.html": study_report_html(result, figures).encode("utf-8"),
        "study_report.pdf": study_pdf_bytes(result),
    }
    if result.quantities.imputation != "none":
        files["matrix_imputed.csv"] = _csv(matrix_frame(result, True))
    files.update({name: _csv(frame) for name, frame in extra_tables(result).items()})
    files.update({k: v.encode("utf-8") for k, v in shared_model_texts(result).items()})
    return files


def figures_of(result: StudyResult) -> dict[str, Any]:
    """The study report's Plotly figures, by name (made once for the report and the page)."""
    return dict(study_figures(result))


def figures_json(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures as plain JSON (for the study page)."""
    return {name: json.loads(fig.to_json()) for name, fig in figures.items()}


def store_files(study: Study, files: dict[str, bytes]) -> None:
    StudyFile.objects.bulk_create(
        StudyFile(
            study=study,
            name=name,
            content_type=CONTENT_TYPES[name],
            content=content,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        for name, content in files.items()
    )
