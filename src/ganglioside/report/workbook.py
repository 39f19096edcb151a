"""``workbook.xlsx``: the analysis as an Excel workbook, streamed row by row (XlsxWriter).

Sheets: Compounds, Models, Fragments, Categories, Summary, Parameters.  Each sheet has a bold,
frozen header row and a filter.  Text cells are neutralised against formula injection (see
:mod:`ganglioside.report.safe`); numbers and booleans are written as such; missing values are
empty cells.

The writer runs in XlsxWriter's ``constant_memory`` mode: each row goes to a temporary file as
soon as it is complete, so memory does not grow with the table.  A sheet holds at most
:data:`EXCEL_MAX_ROWS` rows (header included); a longer table continues on ``Compounds (2)``,
``Compounds (3)`` ... and the Summary sheet says where each part is.  A text longer than an
Excel cell holds (:data:`EXCEL_MAX_CHARS`) is cut with a visible marker at its end saying how
long it was; the Summary sheet (``note.N``) and the log name each cell cut, and the CSV keeps
the whole text.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from ..result import AnalysisResult
from .abundance import LEVELS, abundance_table
from .safe import is_text_column, neutralise, plain_value
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

#: Rows of one Excel sheet, header included (Excel's own limit).
EXCEL_MAX_ROWS = 1_048_576
#: Characters of one Excel cell (Excel's own limit; XlsxWriter would cut silently).
EXCEL_MAX_CHARS = 32_767
#: Cut cells listed one by one in the Summary sheet and the log (the rest counted).
CUTS_LISTED = 20

_OPTIONS = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}
_HEADER_STYLE = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "valign": "vcenter"}
_MAX_WIDTH = 60
#: Characters XML 1.0 cannot hold; a user file may carry them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PROGRESS_ROWS = 20_000

Progress = Callable[[float, str], None]
_log = logging.getLogger(__name__)


def _text(value: str) -> str:
    return str(neutralise(_ILLEGAL.sub("", value)))


def _cell_value(value: Any) -> Any:
    """A value a cell can store safely: plain scalar, neutralised text, or None (empty)."""
    value = plain_value(value)
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if value is not None and not isinstance(value, bool | int | float | str):
        value = str(value)
    return _text(value) if isinstance(value, str) else value


def cut_to_cell(text: str, limit: int = EXCEL_MAX_CHARS) -> str:
    """``text`` cut to ``limit`` characters with a visible marker at its end, saying how long
    it was (``text`` itself when it fits)."""
    if len(text) <= limit:
        return text
    marker = (
        f" … [cut: {len(text):,} characters in all, more than an Excel cell holds; "
        "the CSV has the whole text]"
    )
    return text[: max(0, limit - len(marker))] + marker


def _cut_long_cells(table: _Table) -> list[str]:
    """Cut, in place, every text cell of ``table`` longer than Excel holds; one note per cell
    cut."""
    notes = []
    for column, values, kind in zip(table.header, table.columns, table.kinds, strict=True):
        if kind in ("number", "boolean"):
            continue
        for row, value in enumerate(values):
            if isinstance(value, str) and len(value) > EXCEL_MAX_CHARS:
                values[row] = cut_to_cell(value)
                notes.append(
                    f"{table.name}, column {column!r}, row {row + 1:,}: a text of {len(value):,} "
                    f"characters cut to Excel's {EXCEL_MAX_CHARS:,} (the CSV keeps it whole)"
                )
    return notes


def _kind(values: Sequence[Any]) -> str:
    """``number``, ``string`` or ``boolean`` when every non-empty cell is of that type."""
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {float, int}:
        return "number"
    if kinds == {str}:
        return "string"
    return "boolean" if kinds == {bool} else "any"


def _column_values(series: pd.Series) -> tuple[list[Any], str]:
    """The cells of one column as plain Python values (None where the cell stays empty), and
    their kind (see :func:`_kind`)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) and is_text_column(series):
        return _category_values(series, dtype)
    if pd.api.types.is_bool_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return [None if v is pd.NA else bool(v) for v in series.tolist()], "boolean"
    if pd.api.types.is_float_dtype(dtype) and isinstance(dtype, np.dtype):
        numbers = series.to_numpy(dtype=float)
        objects = numbers.astype(object)
        objects[~np.isfinite(numbers)] = None
        return list(objects), "number"
    if pd.api.types.is_integer_dtype(dtype) and isinstance(dtype, np.dtype):
        return series.tolist(), "number"
    values = [_cell_value(v) for v in series.tolist()]
    return values, _kind(values)


def _category_values(series: pd.Series, dtype: pd.CategoricalDtype) -> tuple[list[Any], str]:
    """The cells of a column of text categories (each label made plain once)."""
    labels = [_cell_value(v) for v in dtype.categories]
    cells = np.array([*labels, None], dtype=object)
    return list(cells[series.cat.codes.to_numpy()]), _kind(labels)  # code -1 picks None


def _writer(sheet: Any, kind: str) -> Callable[[int, int, Any], Any]:
    """The XlsxWriter call for a column of one kind of cells."""
    calls = {"number": "write_number", "string": "write_string", "boolean": "write_boolean"}
    return getattr(sheet, calls.get(kind, "write"))


def _widths(header: Sequence[str], columns: Sequence[Sequence[Any]]) -> list[int]:
    widths = []
    for name, values in zip(header, columns, strict=True):
        width = len(name)
        for v in values[:500]:  # the first rows are enough to size the columns
            if v is not None:
                width = max(width, len(f"{v:.6g}" if isinstance(v, float) else str(v)))
        widths.append(min(width + 2, _MAX_WIDTH))
    return widths


@dataclass
class _Table:
    """A table to write: its sheet name, header and columns of plain cell values."""

    name: str
    header: list[str]
    columns: list[list[Any]]
    kinds: list[str]
    cuts: list[str] = field(default_factory=list)  # the cells cut to Excel's limit

    def __post_init__(self) -> None:
        self.header = [cut_to_cell(h) for h in self.header]
        self.cuts = _cut_long_cells(self)

    @classmethod
    def of_frame(cls, name: str, frame: pd.DataFrame) -> _Table:
        cells = [_column_values(frame[c]) for c in frame.columns]
        return cls(
            name,
            [_text(str(c)) for c in frame.columns],
            [list(values) for values, _ in cells],
            [kind for _, kind in cells],
        )

    @classmethod
    def of_pairs(cls, name: str, header: tuple[str, str], pairs: list[tuple[str, Any]]) -> _Table:
        keys = [_cell_value(k) for k, _ in pairs]
        values = [_cell_value(v) for _, v in pairs]
        return cls(name, list(header), [keys, values], [_kind(keys), _kind(values)])

    @property
    def rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def _part_names(name: str, rows: int, per_sheet: int) -> list[tuple[str, int, int]]:
    """Sheet name, first and end row of each part of a table of ``rows`` rows."""
    parts = max(1, -(-rows // per_sheet))
    return [
        (name if i == 0 else f"{name} ({i + 1})", i * per_sheet, min(rows, (i + 1) * per_sheet))
        for i in range(parts)
    ]


class _Writer:
    """Streams tables into one workbook file, splitting those longer than a sheet."""

    def __init__(self, path: Path, max_rows: int, progress: Progress | None, total: int):
        self.book = xlsxwriter.Workbook(str(path), _OPTIONS)
        self.header = self.book.add_format(_HEADER_STYLE)
        self.per_sheet = max_rows - 1
        self.progress = progress
        self.total = max(total, 1)
        self.done = 0

    def write(self, table: _Table) -> list[tuple[str, int, int]]:
        parts = _part_names(table.name, table.rows, self.per_sheet)
        widths = _widths(table.header, table.columns)
        for sheet_name, start, stop in parts:
            sheet = self.book.add_worksheet(sheet_name)
            self._write_part(sheet, table, widths, start, stop)
        return parts

    def _write_part(
        self, sheet: Any, table: _Table, widths: list[int], start: int, stop: int
    ) -> None:
        for i, width in enumerate(widths):
            sheet.set_column(i, i, width)
        sheet.freeze_panes(1, 0)
        if table.header:
            sheet.autofilter(0, 0, stop - start, len(table.header) - 1)
        for i, name in enumerate(table.header):
            sheet.write_string(0, i, name, self.header)
        columns = [
            (i, values, _writer(sheet, kind))
            for i, (values, kind) in enumerate(zip(table.columns, table.kinds, strict=True))
        ]
        for excel_row, r in enumerate(range(start, stop), start=1):
            for i, values, write in columns:
                value = values[r]
                if value is not None:
                    write(excel_row, i, value)
            if excel_row % _PROGRESS_ROWS == 0:
                self._advance(_PROGRESS_ROWS)
        self._advance((stop - start) % _PROGRESS_ROWS)

    def _advance(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(min(1.0, self.done / self.total), f"{self.done:,} rows")

    def close(self) -> None:
        self.book.close()


def _categories_frame(analysis: AnalysisResult) -> pd.DataFrame:
    parts = []
    for level in LEVELS:
        table = abundance_table(analysis.compounds, by=level)
        table.insert(0, "level", level)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def _summary_pairs(analysis: AnalysisResult, split: list[str]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [
        ("source", analysis.source),
        ("software_version", software_version()),
    ]
    pairs += [(f"rows.{k}", v) for k, v in status_counts(analysis).items()]
    pairs += list(flatten(analysis.summary))
    pairs += [(f"warning.{i}", w) for i, w in enumerate(analysis.warnings, start=1)]
    pairs += [(f"note.{i}", text) for i, text in enumerate(split, start=1)]
    return pairs


def _split_note(name: str, parts: list[tuple[str, int, int]], per_sheet: int) -> str:
    where = "; ".join(f"rows {a + 1:,}–{b:,} in '{sheet}'" for sheet, a, b in parts)
    return (
        f"{name} has {parts[-1][2]:,} rows, more than one Excel sheet holds "
        f"({per_sheet:,} below the header): {where}"
    )


def _cut_notes(cuts: list[str]) -> list[str]:
    """The Summary notes (and log warnings) of the cells cut to Excel's limit."""
    notes = cuts[:CUTS_LISTED]
    if len(cuts) > CUTS_LISTED:
        notes.append(f"{len(cuts) - CUTS_LISTED:,} more text cells cut to Excel's limit")
    for note in notes:
        _log.warning("workbook: %s", note)
    return notes


def write_workbook(
    analysis: AnalysisResult,
    path: str | Path,
    progress: Progress | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> Path:
    """Write ``workbook.xlsx`` to ``path`` and return the path.

    Parameters
    ----------
    analysis:
        The result to write.
    path:
        The file to write.
    progress:
        Optional ``progress(fraction, message)``, called every few thousand rows.
    max_rows:
        Rows of one sheet, header included: Excel's limit by default; smaller in tests.  A
        longer table is split over ``Name (2)``, ``Name (3)`` ... sheets, and the Summary sheet
        has a ``note.N`` line that says which rows each part holds.
    """
    if max_rows < 2:
        raise ValueError(f"max_rows must be at least 2 (a header and a row), got {max_rows}")
    path = Path(path)
    tables = [
        _Table.of_frame("Compounds", analysis.compounds),
        _Table.of_frame("Models", models_table(analysis)),
        _Table.of_frame("Fragments", analysis.fragments),
        _Table.of_frame("Categories", _categories_frame(analysis)),
    ]
    writer = _Writer(path, max_rows, progress, sum(t.rows for t in tables))
    try:
        notes = _cut_notes([c for t in tables for c in t.cuts])
        for table in tables:
            parts = writer.write(table)
            if len(parts) > 1:
                notes.append(_split_note(table.name, parts, writer.per_sheet))
        summary = _Table.of_pairs("Summary", ("key", "value"), _summary_pairs(analysis, notes))
        _cut_notes(summary.cuts)
        writer.write(summary)
        parameters: list[tuple[str, Any]] = list(flatten(analysis.config.to_dict()))
        parameters += [("software_version", software_version()), ("source", analysis.source)]
        writer.write(_Table.of_pairs("Parameters", ("parameter", "value"), parameters))
    finally:
        writer.close()
    return path


def workbook_bytes(analysis: AnalysisResult) -> bytes:
    """``workbook.xlsx`` as bytes (written to a temporary file first)."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(analysis, Path(folder) / "workbook.xlsx")
        return path.read_bytes()
