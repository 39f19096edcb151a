"""``study.xlsx``: the study's tables in one workbook (XlsxWriter).

Sheets: Summary, Samples, Matrix (the chosen quantity), Abundance (consolidated volumes),
Statistics, Drift, Compounds (aligned compounds), Parameters.  Text that a spreadsheet would run
as a formula is neutralised, and no text is turned into a formula or a link.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from ..report.safe import safe_frame
from .result import StudyResult

#: Sheet names, in order.
SHEETS = (
    "Summary",
    "Samples",
    "Matrix",
    "Abundance",
    "Statistics",
    "Drift",
    "Compounds",
    "Parameters",
)

_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}


def _summary_rows(result: StudyResult) -> pd.DataFrame:
    rows = []
    for key, value in result.summary.items():
        if key == "parameters":
            continue
        text = value if isinstance(value, str | int | float) else json.dumps(value)
        rows.append({"item": key, "value": text})
    return pd.DataFrame(rows)


def _parameters(result: StudyResult) -> pd.DataFrame:
    params = result.config.to_dict()
    analysis = params.pop("analysis")
    rows = [{"parameter": k, "value": json.dumps(v)} for k, v in params.items()]
    rows += [{"parameter": f"analysis.{k}", "value": json.dumps(v)} for k, v in analysis.items()]
    return pd.DataFrame(rows)


def _frames(result: StudyResult) -> dict[str, pd.DataFrame]:
    abundance = result.matrix[["feature", "species", "name", "isomer_track"]].join(
        result.abundance.reset_index(drop=True)
    )
    return {
        "Summary": _summary_rows(result),
        "Samples": result.samples,
        "Matrix": result.matrix,
        "Abundance": abundance,
        "Statistics": result.statistics,
        "Drift": result.drift,
        "Compounds": result.features,
        "Parameters": _parameters(result),
    }


def write_study_workbook(result: StudyResult, target: str | Path | io.BytesIO) -> None:
    """Write the workbook to a path or a binary buffer."""
    with pd.ExcelWriter(target, engine="xlsxwriter", engine_kwargs={"options": _OPTIONS}) as xl:
        for sheet, frame in _frames(result).items():
            safe_frame(frame).to_excel(xl, sheet_name=sheet, index=False)
            xl.sheets[sheet].freeze_panes(1, 0)


def study_workbook_bytes(result: StudyResult) -> bytes:
    """The workbook as bytes."""
    buffer = io.BytesIO()
    write_study_workbook(result, buffer)
    return buffer.getvalue()
