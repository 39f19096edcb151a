"""Excel workbooks (XLSX) into cells: the first sheet's non-blank rows as text, the zip
directory checked first against the unpacked-size limit (see :mod:`.files`)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

import pandas as pd

from ..errors import InputError, excerpt
from .raw import MB, TOP_LINES, HeaderFinder, RawTable, ReadLimits, check_shape

XLSX_MAGIC = b"PK\x03\x04"


def is_workbook(raw: bytes, label: str) -> bool:
    return raw.startswith(XLSX_MAGIC) or PurePath(label).suffix.lower() in {".xlsx", ".xlsm"}


def refuse_xls(label: str) -> None:
    if PurePath(label).suffix.lower() == ".xls":
        raise InputError(
            "old .xls workbooks are not supported; save as .xlsx or CSV UTF-8", file=label
        )


def workbook_cells(
    raw: bytes, label: str, find_header: HeaderFinder | None, limits: ReadLimits
) -> RawTable:
    check_workbook_directory(raw, label, limits)
    rows = _read_xlsx(raw, label, limits)
    skip = (
        (find_header([[c.strip() for c in r] for r in rows[:TOP_LINES]]) or 0) if find_header else 0
    )
    table = _rows_to_cells(rows[skip:], label)
    above = tuple(tuple(c.strip() for c in r) for r in rows[:skip])
    return RawTable(table.cells, table.header, label, above=above, header_line=skip + 1)


def _workbook_directory(raw: bytes, label: str) -> zipfile.ZipFile:
    """The zip directory of a workbook (read from the end of the file; nothing unpacked)."""
    if not raw.startswith(XLSX_MAGIC):
        if not raw.strip():
            raise InputError("the file is empty", file=label)
        raise InputError("the file has an .xlsx name but is not an Excel workbook", file=label)
    try:
        return zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputError(
            f"the file cannot be opened as an Excel workbook ({type(exc).__name__})", file=label
        ) from None


def check_workbook_directory(raw: bytes, label: str, limits: ReadLimits) -> zipfile.ZipFile:
    """Refuse a workbook whose parts unpack to more than the limit (a zip bomb).

    The sizes come from the zip directory; :mod:`zipfile` stops at the declared size and
    refuses a part that holds more, so a lying directory cannot get past this.
    """
    archive = _workbook_directory(raw, label)
    unpacked = sum(item.file_size for item in archive.infolist())
    if unpacked > limits.max_unpacked_bytes:
        raise InputError(
            f"the workbook unpacks to {unpacked / MB:,.0f} MB of XML; at most "
            f"{limits.max_unpacked_mb:g} MB are accepted (GANGLIOSIDE_MAX_UNPACKED_MB); save "
            "the table as CSV or keep only the sheet with the features",
            file=label,
        )
    if not any(n.startswith("xl/worksheets/") for n in archive.namelist()):
        raise InputError("the file is a zip archive but not an Excel workbook", file=label)
    return archive


_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::([A-Z]+)(\d+))?"')


def check_sheet_dimension(archive: zipfile.ZipFile, label: str, limits: ReadLimits) -> None:
    """The rows and columns the first sheet declares (its ``<dimension>``, in its first bytes)."""
    sheets = sorted(
        (n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.sub(r"\D", "", n) or 0),
    )
    if not sheets:
        return
    with archive.open(sheets[0]) as handle:
        found = _DIMENSION.search(handle.read(4096))
    if found and found.group(1):
        width = 0
        for letter in found.group(1).decode():
            width = width * 26 + ord(letter) - 64
        check_shape(width, int(found.group(2)) - 1, label, limits)


def _read_xlsx(raw: bytes, source: str, limits: ReadLimits) -> list[list[str]]:
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
        rows: list[list[str]] = []
        for values in ws.iter_rows(values_only=True):
            cells = ["" if v is None else _cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                if not rows:
                    check_shape(len(cells), 0, source, limits)
                rows.append(cells)
                if len(rows) > limits.max_rows + 1:
                    check_shape(0, len(rows) - 1, source, limits)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"the workbook cannot be read ({type(exc).__name__}: {excerpt(exc, 200)})",
            file=source,
        ) from None
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
