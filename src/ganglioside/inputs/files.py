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

import csv
import io
import itertools
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path, PurePath

import pandas as pd

from ..errors import InputError, excerpt
from .decimals import decimal_points
from .text import (  # noqa: F401 (decode_text and cut_long_cells are read from here too)
    DecodedText,
    cut_long_cells,
    decode_text,
    normalise_line_breaks,
)

XLSX_MAGIC = b"PK\x03\x04"
MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """How large a table may be.  Each default can be changed by an environment variable
    (:meth:`from_environ`), read by the command line and the web platform alike.

    Attributes
    ----------
    max_rows:
        Data rows (the header not counted); ``GANGLIOSIDE_MAX_ROWS``, default 1,000,000.
    max_columns:
        Columns; ``GANGLIOSIDE_MAX_COLUMNS``, default 1,000.
    max_cell_chars:
        Characters of one cell; a longer cell is cut and its row marked invalid
        (``GANGLIOSIDE_MAX_CELL_CHARS``, default 1,000).
    max_unpacked_mb:
        Size of a workbook's parts once unpacked (XLSX is a zip of XML), in MB;
        ``GANGLIOSIDE_MAX_UNPACKED_MB``, default 100.
    """

    max_rows: int = 1_000_000
    max_columns: int = 1_000
    max_cell_chars: int = 1_000
    max_unpacked_mb: float = 100.0

    ENVIRONMENT = {
        "max_rows": "GANGLIOSIDE_MAX_ROWS",
        "max_columns": "GANGLIOSIDE_MAX_COLUMNS",
        "max_cell_chars": "GANGLIOSIDE_MAX_CELL_CHARS",
        "max_unpacked_mb": "GANGLIOSIDE_MAX_UNPACKED_MB",
    }

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ReadLimits:
        """The defaults, replaced by the environment variables that are set.

        Raises
        ------
        ValueError
            A variable is not a positive number (the message names it).
        """
        environ = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for field in fields(cls):
            text = (environ.get(cls.ENVIRONMENT[field.name]) or "").strip()
            if not text:
                continue
            kind = float if field.name == "max_unpacked_mb" else int
            try:
                number = kind(text)
            except ValueError:
                number = 0
            if not number > 0:
                raise ValueError(
                    f"environment variable {cls.ENVIRONMENT[field.name]} is {text!r}; "
                    "expected a number > 0"
                )
            values[field.name] = number
        return cls(**values)  # type: ignore[arg-type]

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mb * MB)


#: Separators a text table may use, in the order ties are broken.
SEPARATORS = (",", "\t", ";")
#: Lines looked at to sniff the separator and to find the header row, and the characters of
#: each line looked at.
TOP_LINES = 40
TOP_CHARS = 65_536

#: ``find_header(rows)``: the index of the header among the first rows of a file (each a list
#: of cells), or None when the first row is the header.
HeaderFinder = Callable[[list[list[str]]], "int | None"]


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
    #: Rows above the header (metadata rows, a preamble), each a tuple of its cells.
    above: tuple[tuple[str, ...], ...] = ()
    #: The separator of a text file (None for a workbook or a DataFrame).
    separator: str | None = None
    #: ``","`` when numbers written with a decimal comma were rewritten with a point.
    decimal: str = "."
    #: 1-based line (sheet row) of the header in the file.
    header_line: int = 1
    #: File-level warnings of the reading (a file that was not UTF-8).
    warnings: tuple[str, ...] = ()
    #: The text encoding the file was read with (None for a workbook or a DataFrame).
    encoding: str | None = None


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
        _check_shape(len(header), len(source), label, limits)
        return RawTable(source.reset_index(drop=True), header, label)
    path = Path(source)
    raw = _read_bytes(path)
    label = path.name
    suffix = path.suffix.lower()
    if _is_workbook(raw, label):
        return _workbook_cells(raw, label, find_header, limits)
    _refuse_xls(label)
    sep = "\t" if suffix in {".tsv", ".tab"} else None
    decoded = decode_text(raw, label)
    del raw  # the bytes are not needed once decoded
    encoding, warnings = decoded.encoding, (decoded.warning,) if decoded.warning else ()
    text = cut_long_cells(decoded.text, limits.max_cell_chars)
    del decoded  # a huge cell is not kept twice
    table = _text_cells(text, label, sep, find_header, limits)
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
    if _is_workbook(raw, label):
        _check_sheet_dimension(_check_workbook_directory(raw, label, limits), label, limits)
        return None
    _refuse_xls(label)
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
    _check_shape(count_separators(first, sep) + 1, 0, label, limits)
    if len(raw) <= 256 * 1024:
        return raw
    head = raw[: 256 * 1024]
    head = head[: head.rindex(b"\n") + 1] if b"\n" in head else b""
    return head if head.strip().count(b"\n") >= 1 else None


def _is_workbook(raw: bytes, label: str) -> bool:
    return raw.startswith(XLSX_MAGIC) or PurePath(label).suffix.lower() in {".xlsx", ".xlsm"}


def _refuse_xls(label: str) -> None:
    if PurePath(label).suffix.lower() == ".xls":
        raise InputError(
            "old .xls workbooks are not supported; save as .xlsx or CSV UTF-8", file=label
        )


def _check_shape(n_columns: int, n_rows: int, source: str, limits: ReadLimits) -> None:
    if n_columns > limits.max_columns:
        raise InputError(
            f"the table has {n_columns:,} columns; at most {limits.max_columns:,} are accepted "
            "(GANGLIOSIDE_MAX_COLUMNS); keep the columns the analysis needs",
            file=source,
        )
    if n_rows > limits.max_rows:
        raise InputError(
            f"the table has more than {limits.max_rows:,} data rows, the most accepted "
            "(GANGLIOSIDE_MAX_ROWS); split it into several tables",
            file=source,
        )


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


# -- delimited text ----------------------------------------------------------------------------


def _decode(raw: bytes, source: str) -> str:
    return decode_text(raw, source).text


def count_separators(line: str, sep: str) -> int:
    """How often ``sep`` occurs in ``line`` outside double quotes and (), [] or {} brackets."""
    count, depth, quoted = 0, 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char == sep and depth == 0:
            count += 1
    return count


def sniff_separator(text: str) -> str:
    """The separator of a text table: comma, tab or semicolon (comma when none is found).

    Each candidate is counted on each of the first non-blank lines, outside quotes and
    brackets.  The separator is the one whose commonest non-zero count is shared by the most
    lines (a table has the same number of separators on every line), then the one with the
    larger count.  Decimal commas in a ``;`` file, or a ``;`` in ``(36:1;O2)``, vary from line
    to line or sit inside brackets, so they do not win.
    """
    lines = [line[:TOP_CHARS] for line in text.split("\n", TOP_LINES)[:TOP_LINES] if line.strip()]
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        counts = [count_separators(line, sep) for line in lines]
        modal = max(set(counts) - {0}, key=lambda n: (counts.count(n), n), default=0)
        score = (counts.count(modal) if modal else 0, modal)
        if score > best_score:
            best, best_score = sep, score
    return best


def _records(text: str, sep: str) -> Iterator[tuple[list[str], int]]:
    """The first records of ``text`` (a quoted cell may hold a line break), each with the
    characters of ``text`` it spans.  Only the start of a long line is parsed: a huge cell
    says nothing about where the header is (and the csv module refuses cells over 128 KB)."""
    lines = io.StringIO(text, newline="")
    used = 0

    def feed() -> Iterator[str]:
        nonlocal used
        for line in lines:
            used += len(line)
            yield line if len(line) <= TOP_CHARS else line[:TOP_CHARS] + "\n"

    reader = csv.reader(feed(), delimiter=sep)
    start = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a stray quote: the rest is read by pandas or refused there
            return
        yield row, used - start
        start = used


def _top_rows(text: str, sep: str) -> list[list[str]]:
    """The first records of ``text`` split into cells (for finding the header)."""
    return [
        [cell.strip() for cell in row]
        for row, _ in itertools.islice(_records(text, sep), TOP_LINES)
    ]


def _skip_records(text: str, sep: str, n: int) -> str:
    """``text`` without its first ``n`` records."""
    skipped = sum(size for _, size in itertools.islice(_records(text, sep), n))
    return text[skipped:]


def _read_text(text: str, source: str, sep: str, limits: ReadLimits) -> pd.DataFrame:
    """Parse delimited text with pandas' C parser, every cell kept as the text it was."""
    # The header line says how wide the table is before pandas builds any column.
    _check_shape(count_separators(text.split("\n", 1)[0], sep) + 1, 0, source, limits)
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
            nrows=limits.max_rows + 2,  # the header, the rows allowed, and one to notice more
        )
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty; expected a header row", file=source) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        fallback = _split_outside_brackets(text, sep)
        if fallback is None:
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise InputError(
                f"the file cannot be read as a table ({excerpt(detail, 200)}); check the "
                "separator and quoting",
                file=source,
            ) from None
        frame = fallback
    _check_shape(frame.shape[1], len(frame) - 1, source, limits)
    frame = frame.fillna("")
    blank = (frame == "").all(axis=1)
    return frame[~blank.to_numpy()].reset_index(drop=True)


def _split_line(line: str, sep: str) -> list[str]:
    """One line's cells, a separator inside brackets (``GD1(36:1;O2)``) not splitting."""
    if '"' in line:
        return next(csv.reader([line], delimiter=sep), [])
    if "(" not in line and "[" not in line:
        return line.split(sep)
    cells, start, depth = [], 0, 0
    for i, char in enumerate(line):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char == sep and depth == 0:
            cells.append(line[start:i])
            start = i + 1
    cells.append(line[start:])
    return cells


def _split_outside_brackets(text: str, sep: str) -> pd.DataFrame | None:
    """The table read line by line with separators inside brackets kept in their cell (for a
    ``;`` file whose names such as ``GD1(36:1;O2)`` are not quoted), or None when its lines
    still differ in width."""
    rows = [_split_line(line.rstrip("\r"), sep) for line in text.split("\n") if line.strip()]
    widths = {len(row) for row in rows}
    if not rows or len(widths) != 1:
        return None
    return pd.DataFrame(rows, dtype=object)


def _text_cells(
    text: str,
    label: str,
    sep: str | None,
    find_header: HeaderFinder | None,
    limits: ReadLimits,
) -> RawTable:
    text = normalise_line_breaks(text.lstrip("\ufeff"))
    if sep is None:
        sep = sniff_separator(text)
    skip, above = 0, tuple[tuple[str, ...], ...]()
    if find_header is not None:
        top = _top_rows(text, sep)
        skip = find_header(top) or 0
        above = tuple(tuple(row) for row in top[:skip] if any(row))
        if skip:
            text = _skip_records(text, sep, skip)
    cells = _read_text(text, label, sep, limits)
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
    return RawTable(frame, header, label, above=above, separator=sep, header_line=skip + 1)


# -- Excel workbooks ---------------------------------------------------------------------------


def _workbook_cells(
    raw: bytes, label: str, find_header: HeaderFinder | None, limits: ReadLimits
) -> RawTable:
    _check_workbook_directory(raw, label, limits)
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


def _check_workbook_directory(raw: bytes, label: str, limits: ReadLimits) -> zipfile.ZipFile:
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


def _check_sheet_dimension(archive: zipfile.ZipFile, label: str, limits: ReadLimits) -> None:
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
        _check_shape(width, int(found.group(2)) - 1, label, limits)


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
                    _check_shape(len(cells), 0, source, limits)
                rows.append(cells)
                if len(rows) > limits.max_rows + 1:
                    _check_shape(0, len(rows) - 1, source, limits)
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
