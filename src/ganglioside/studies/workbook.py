"""``study.xlsx``: the study's tables in one workbook (XlsxWriter).

Sheets: Summary, Samples, Matrix (the chosen quantity), Abundance (consolidated volumes, when
the matrix holds another quantity), Statistics, Drift, Compounds (aligned compounds),
Parameters.  Cells are written one by one in constant-memory mode (pandas' Excel writer formats
every cell and is several times slower on wide matrices).  Text that a spreadsheet would run
as a formula is neutralised, no text is turned into a formula or a link, and a text longer
than an Excel cell holds (32,767 characters) is cut with a marker saying so.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from ..report.safe import safe_frame
from ..report.workbook import cut_to_cell
from .result import StudyResult, extra_tables

#: Sheet names, in order (Abundance only when the matrix holds another quantity than the raw
#: volume; Imputed cells with imputation; Batch corrected with two or more batches).
SHEETS = (
    "Summary",
    "Samples",
    "Matrix",
    "Abundance",
    "Statistics",
    "Imputed cells",
    "Batch corrected",
    "Amounts",
    "QC",
    "Indices",
    "Index statistics",
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
        **{_sheet(name): frame for name, frame in extra_tables(result).items()},
        "Drift": result.drift,
        "Compounds": result.features,
        "Parameters": _parameters(result),
    }


def _sheet(name: str) -> str:
    return {
        "imputed_cells.csv": "Imputed cells",
        "matrix_batch_corrected.csv": "Batch corrected",
        "qc.csv": "QC",
        "indices.csv": "Indices",
        "index_statistics.csv": "Index statistics",
        "amounts.csv": "Amounts",
    }[name]


def write_study_workbook(result: StudyResult, target: str | Path | io.BytesIO) -> None:
    """Write the workbook to a path or a binary buffer (the Abundance sheet only when the
    matrix holds another quantity)."""
    frames = _frames(result)
    if result.quantities.quantity == "raw":
        del frames["Abundance"]
    book = xlsxwriter.Workbook(target, {**_OPTIONS, "constant_memory": True})
    try:
        bold = book.add_format({"bold": True})
        for sheet, frame in frames.items():
            _write_sheet(book.add_worksheet(sheet), safe_frame(frame), bold)
    finally:
        book.close()


def _write_sheet(sheet: Any, frame: pd.DataFrame, bold: Any) -> None:
    """Header then rows, written row by row (as constant-memory mode needs); missing cells
    stay empty."""
    sheet.write_row(0, 0, [str(c) for c in frame.columns], bold)
    sheet.freeze_panes(1, 0)
    columns = [_cells(frame[c]) for c in frame.columns]
    for i in range(len(frame)):
        for j, column in enumerate(columns):
            value = column[i]
            if value is not None:
                sheet.write(i + 1, j, value)


def _cells(column: pd.Series) -> list[Any]:
    """Plain Python values of a column, ``None`` for a missing cell."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return [None if pd.isna(v) else bool(v) for v in column.astype(object)]
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        return [float(v) if np.isfinite(v) else None for v in values]
    return [_plain_cell(v) for v in column.astype(object)]


def _plain_cell(value: Any) -> Any:
    """One cell of a text or mixed column: ``None`` when missing, else a plain value; text
    longer than an Excel cell holds is cut, with a marker saying so."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if not isinstance(value, str | int | float | bool):
        value = str(value)
    return cut_to_cell(value) if isinstance(value, str) else value


def study_workbook_bytes(result: StudyResult) -> bytes:
    """The workbook as bytes."""
    buffer = io.BytesIO()
    write_study_workbook(result, buffer)
    return buffer.getvalue()
