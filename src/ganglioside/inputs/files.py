"""Reading a file into cells: CSV, TSV or XLSX bytes → a frame of the cells as they were.

The separator of a text file is sniffed from its first lines, counting only separators outside
quotes and brackets (``;`` inside ``GD1(36:1;O2)`` is not a separator).  The header is the first
line unless a caller's ``find_header`` points at a later one (exports with metadata rows or a
preamble above their header); the rows above it are kept in :attr:`RawTable.above`.  Numbers
written with a decimal comma in a ``;``- or tab-separated file are rewritten with a point
(:mod:`.decimals`).  Nothing here knows what the columns mean; :mod:`.columns` recognises them
and :mod:`.checks` checks the values.

Reading is bounded (:class:`ReadLimits`): rows, columns, the characters of one cell and the
unpacked size of a workbook.  :func:`check_upload` makes the cheap checks of an upload (the zip
directory of a workbook, the encoding, lines and header line of a text table) without reading
the whole table.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePath

import pandas as pd

from ..errors import InputError
from .decimals import decimal_points
from .delimited import count_separators, sniff_separator, text_cells
from .raw import (  # noqa: F401 (RawTable, ReadLimits … are read from here too)
    MB,
    SEPARATORS,
    TOP_CHARS,
    TOP_LINES,
    HeaderFinder,
    RawTable,
    ReadLimits,
    check_shape,
)
from .text import (  # noqa: F401 (decode_text and cut_long_cells are read from here too)
    DecodedText,
    cut_long_cells,
    decode_text,
    normalise_line_breaks,
)
from .workbooks import (  # noqa: F401 (XLSX_MAGIC is read from here too)
    XLSX_MAGIC,
    check_sheet_dimension,
    check_workbook_directory,
    is_workbook,
    refuse_xls,
    workbook_cells,
)


def read_cells(
    source: str | Path | pd.DataFrame,
    *,
    find_header: HeaderFinder | None = None,
    limits: ReadLimits | None = None,
) -> RawTable:
    """Read a CSV/TSV/XLSX file (or take a DataFrame) into a :class:`RawTable`.

    Parameters
    ----------
    source:
        A path, or a DataFrame (its ``attrs["source"]``, when set, names it in messages).
    find_header:
        Where the header is among the first rows of a file; the first row when not given.
    limits:
        The largest table read (rows, columns, unpacked workbook); by default
        :meth:`ReadLimits.from_environ`.

    Raises
    ------
    InputError
        When the file is missing, empty, binary, not UTF-8, an old ``.xls`` workbook, not a
        table at all, or over a limit.
    """
    limits = limits or ReadLimits.from_environ()
    if isinstance(source, pd.DataFrame):
        header = [str(c) for c in source.columns]
        label = str(source.attrs.get("source", "<DataFrame>"))
        check_shape(len(header), len(source), label, limits)
        return RawTable(source.reset_index(drop=True), header, label)
    path = Path(source)
    raw = _read_bytes(path)
    label = path.name
    suffix = path.suffix.lower()
    if is_workbook(raw, label):
        return workbook_cells(raw, label, find_header, limits)
    refuse_xls(label)
    sep = "\t" if suffix in {".tsv", ".tab"} else None
    decoded = decode_text(raw, label)
    del raw  # the bytes are not needed once decoded
    encoding, warnings = decoded.encoding, (decoded.warning,) if decoded.warning else ()
    text = cut_long_cells(decoded.text, limits.max_cell_chars)
    del decoded  # a huge cell is not kept twice
    table = text_cells(text, label, sep, find_header, limits)
    return with_decimal_points(replace(table, warnings=warnings, encoding=encoding))


def check_upload(raw: bytes, filename: str, *, limits: ReadLimits | None = None) -> bytes | None:
    """The cheap checks of an uploaded file; the head of a text table to preview, if any.

    A text table is checked whole for its encoding and its number of lines, and its first line
    for the number of columns; a workbook by its zip directory (the unpacked size of its parts)
    and the dimension its first sheet declares.  Nothing is parsed beyond that, so this costs
    milliseconds for any file an upload accepts.

    Returns
    -------
    bytes or None
        The first 256 KB of a text table, cut after a whole line, for checking its columns by
        reading it as usual; ``None`` for a workbook, or when the first rows are longer.

    Raises
    ------
    InputError
        As :func:`read_cells` would, for what these checks can see.
    """
    limits = limits or ReadLimits.from_environ()
    label = PurePath(filename).name or "input"
    if is_workbook(raw, label):
        check_sheet_dimension(check_workbook_directory(raw, label, limits), label, limits)
        return None
    refuse_xls(label)
    text = normalise_line_breaks(_decode(raw, label))
    lines = text.count("\n") + 1
    if lines > limits.max_rows + 1 + TOP_LINES:
        raise InputError(
            f"the file has {lines:,} lines; at most {limits.max_rows + 1:,} (a header and "
            f"{limits.max_rows:,} data rows) are accepted (GANGLIOSIDE_MAX_ROWS)",
            file=label,
        )
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    sep = (
        "\t"
        if PurePath(label).suffix.lower() in {".tsv", ".tab"}
        else sniff_separator(text[:65536])
    )
    check_shape(count_separators(first, sep) + 1, 0, label, limits)
    if len(raw) <= 256 * 1024:
        return raw
    head = raw[: 256 * 1024]
    head = head[: head.rindex(b"\n") + 1] if b"\n" in head else b""
    return head if head.strip().count(b"\n") >= 1 else None


def with_decimal_points(raw: RawTable) -> RawTable:
    """``raw`` with its decimal-comma columns rewritten (a ``,``-separated file, a workbook and a
    DataFrame are left alone)."""
    if raw.separator in (None, ","):
        return raw
    cells = decimal_points(raw.cells)
    return raw if cells is None else replace(raw, cells=cells, decimal=",")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("the file does not exist", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("this is a folder, not a table file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"the file cannot be read: {exc.strerror}", file=str(path)) from None


def _decode(raw: bytes, source: str) -> str:
    return decode_text(raw, source).text
