"""Reading a file into cells: CSV, TSV or XLSX bytes → a frame of the cells as they were.

Nothing here knows what the columns mean; :mod:`.columns` recognises them and :mod:`.checks`
checks the values.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError

XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RawTable:
    """The cells of a table as read, before any column is recognised.

    Attributes
    ----------
    cells:
        One row per data row; columns are the positions ``0 .. k-1`` for a file, or the
        columns of the DataFrame given; every cell of a file is kept as the text it was.
    header:
        The header text of each column, in order.
    source:
        How the table is named in messages (the file name, or ``<DataFrame>``).
    """

    cells: pd.DataFrame
    header: list[str]
    source: str


def read_cells(source: str | Path | pd.DataFrame) -> RawTable:
    """Read a CSV/TSV/XLSX file (or take a DataFrame) into a :class:`RawTable`.

    Raises
    ------
    InputError
        When the file is missing, empty, binary, not UTF-8, an old ``.xls`` workbook, or not a
        table at all.
    """
    if isinstance(source, pd.DataFrame):
        header = [str(c) for c in source.columns]
        return RawTable(source.reset_index(drop=True), header, "<DataFrame>")
    path = Path(source)
    raw = _read_bytes(path)
    label = path.name
    suffix = path.suffix.lower()
    if raw.startswith(XLSX_MAGIC) or suffix in {".xlsx", ".xlsm"}:
        return _workbook_cells(raw, label)
    if suffix == ".xls":
        raise InputError(
            "old .xls workbooks are not supported; save as .xlsx or CSV UTF-8", file=label
        )
    return _text_cells(_decode(raw, label), label, "\t" if suffix in {".tsv", ".tab"} else None)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("the file does not exist", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("this is a folder, not a table file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"the file cannot be read: {exc.strerror}", file=str(path)) from None


# -- delimited text ----------------------------------------------------------------------------


def _decode(raw: bytes, source: str) -> str:
    if not raw.strip():
        raise InputError("the file is empty; expected a table with a header row", file=source)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise InputError(
            "this is not a text table (it contains binary data); expected CSV, TSV or XLSX",
            file=source,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
            "save it as UTF-8 CSV (Excel: 'CSV UTF-8') and try again",
            file=source,
        ) from None


def _sniff_separator(text: str) -> str:
    """The commonest of comma, tab and semicolon on the header line (comma when none)."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    sep = max(counts, key=lambda d: counts[d])
    return sep if counts[sep] else ","


def _read_text(text: str, source: str, sep: str | None) -> pd.DataFrame:
    """Parse delimited text with pandas' C parser, every cell kept as the text it was."""
    text = text.lstrip("\ufeff")
    if sep is None:
        sep = _sniff_separator(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty; expected a header row", file=source) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"the file cannot be read as a table ({detail}); check the separator and quoting",
            file=source,
        ) from None
    frame = frame.fillna("")
    blank = (frame == "").all(axis=1)
    return frame[~blank.to_numpy()].reset_index(drop=True)


def _text_cells(text: str, label: str, sep: str | None) -> RawTable:
    cells = _read_text(text, label, sep)
    if cells.empty:
        raise InputError("the file is empty; expected a header row and data rows", file=label)
    header = [str(h).strip().lstrip("\ufeff") for h in cells.iloc[0]]
    # trailing empty header cells come from trailing separators
    while header and header[-1] == "" and len(header) > 1:
        extra = cells.iloc[1:, len(header) - 1]
        if (extra.str.strip() != "").any():
            break
        header.pop()
    frame = cells.iloc[1:, : len(header)].reset_index(drop=True)
    frame.columns = pd.Index(range(len(header)))
    return RawTable(frame, header, label)


# -- Excel workbooks ---------------------------------------------------------------------------


def _workbook_cells(raw: bytes, label: str) -> RawTable:
    if not raw.startswith(XLSX_MAGIC):
        if not raw.strip():
            raise InputError("the file is empty", file=label)
        raise InputError("the file has an .xlsx name but is not an Excel workbook", file=label)
    return _rows_to_cells(_read_xlsx(raw, label), label)


def _read_xlsx(raw: bytes, source: str) -> list[list[str]]:
    """The non-blank rows of the first sheet, every cell as text."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(
            f"the file cannot be opened as an Excel workbook ({type(exc).__name__})",
            file=source,
        ) from None
    try:
        ws = wb.worksheets[0]
        rows = []
        for values in ws.iter_rows(values_only=True):
            cells = ["" if v is None else _cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                rows.append(cells)
    finally:
        wb.close()
    return rows


def _cell_text(value: object) -> str:
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)
    return str(value)


def _rows_to_cells(rows: list[list[str]], source: str) -> RawTable:
    """Rows of cells → a frame as wide as the header (short rows padded, blank tails cut)."""
    if not rows:
        raise InputError("the file is empty; expected a header row and data rows", file=source)
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    width = len(header)
    fixed = []
    for r in rows[1:]:
        if len(r) < width:
            r = r + [""] * (width - len(r))
        elif len(r) > width and not any(c.strip() for c in r[width:]):
            r = r[:width]
        elif len(r) > width:
            line = rows.index(r) + 1
            raise InputError(
                f"line {line} has {len(r)} cells but the header has {width}; "
                "check the separator and quoting",
                file=source,
            )
        fixed.append(r)
    frame = pd.DataFrame(fixed, columns=range(width), dtype=object)
    return RawTable(frame, header, source)
