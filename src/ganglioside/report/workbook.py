"""``workbook.xlsx``: the analysis as an Excel workbook (openpyxl).

Sheets: Compounds, Models, Fragments, Categories, Summary, Parameters.  Each sheet has a bold,
frozen header row and a filter.  Text cells are neutralised against formula injection; numbers
and booleans are written as such.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..result import Analysis
from .abundance import LEVELS, abundance_table
from .safe import neutralise, plain_value
from .summary_json import flatten, software_version, status_counts
from .tables import models_table

SHEETS: tuple[str, ...] = (
    "Compounds",
    "Models",
    "Fragments",
    "Categories",
    "Summary",
    "Parameters",
)

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_ALIGNMENT = Alignment(vertical="center")
_MAX_WIDTH = 60


def _cell_value(value: Any) -> Any:
    """A value openpyxl can store safely: plain scalar, neutralised text, no control chars."""
    value = plain_value(value)
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if value is not None and not isinstance(value, bool | int | float | str):
        value = str(value)
    if isinstance(value, str):
        # openpyxl refuses control characters that XML cannot hold; a user file may carry them.
        value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _write_table(sheet: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a header and rows to a write-only sheet (styles and widths must come first)."""
    values = [[_cell_value(v) for v in row] for row in rows]
    widths = [len(str(h)) for h in header]
    for row in values[:500]:  # the first rows are enough to size the columns
        for i, v in enumerate(row):
            if v is not None:
                text = f"{v:.6g}" if isinstance(v, float) else str(v)
                widths[i] = max(widths[i], len(text))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(values) + 1}"
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=_cell_value(str(name)))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGNMENT
        cells.append(cell)
    sheet.append(cells)
    for row in values:
        sheet.append(row)


def _write_frame(sheet: Any, frame: pd.DataFrame) -> None:
    _write_table(
        sheet,
        [str(c) for c in frame.columns],
        frame.itertuples(index=False, name=None),
    )


def _categories_frame(analysis: Analysis) -> pd.DataFrame:
    parts = []
    for level in LEVELS:
        table = abundance_table(analysis.compounds, by=level)
        table.insert(0, "level", level)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def build_workbook(analysis: Analysis) -> Workbook:
    """The workbook as a write-only openpyxl object (sheets in the order of :data:`SHEETS`);
    save it once with ``.save(path_or_buffer)``."""
    # Write-only mode streams rows to the file: much faster and leaner for big tables.
    book = Workbook(write_only=True)
    _write_frame(book.create_sheet("Compounds"), analysis.compounds)
    _write_frame(book.create_sheet("Models"), models_table(analysis))
    _write_frame(book.create_sheet("Fragments"), analysis.fragments)
    _write_frame(book.create_sheet("Categories"), _categories_frame(analysis))

    summary_rows: list[tuple[str, Any]] = [
        ("source", analysis.source),
        ("software_version", software_version()),
    ]
    summary_rows += [(f"rows.{k}", v) for k, v in status_counts(analysis).items()]
    summary_rows += list(flatten(analysis.summary))
    summary_rows += [(f"warning.{i}", w) for i, w in enumerate(analysis.warnings, start=1)]
    _write_table(book.create_sheet("Summary"), ["key", "value"], summary_rows)

    parameter_rows: list[tuple[str, Any]] = list(flatten(analysis.config.to_dict()))
    parameter_rows += [("software_version", software_version()), ("source", analysis.source)]
    _write_table(book.create_sheet("Parameters"), ["parameter", "value"], parameter_rows)
    return book


def workbook_bytes(analysis: Analysis) -> bytes:
    """``workbook.xlsx`` as bytes."""
    buffer = io.BytesIO()
    build_workbook(analysis).save(buffer)
    return buffer.getvalue()


def write_workbook(analysis: Analysis, path: str | Path) -> Path:
    """Write ``workbook.xlsx`` to ``path`` and return the path."""
    path = Path(path)
    path.write_bytes(workbook_bytes(analysis))
    return path
