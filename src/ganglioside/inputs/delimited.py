"""Delimited text (CSV, TSV, ``;``) into cells: the separator sniffed outside quotes and
brackets, the header found where the caller's ``find_header`` says, every cell kept as the
text it was (see :mod:`.files`)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

import pandas as pd

from ..errors import InputError, excerpt
from .raw import (
    SEPARATORS,
    TOP_CHARS,
    TOP_LINES,
    HeaderFinder,
    RawTable,
    ReadLimits,
    check_shape,
)
from .text import normalise_line_breaks


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
    check_shape(count_separators(text.split("\n", 1)[0], sep) + 1, 0, source, limits)
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
    check_shape(frame.shape[1], len(frame) - 1, source, limits)
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


def _header_without_trailing_blanks(cells: pd.DataFrame) -> list[str]:
    """The first row as the header, less the trailing empty cells that trailing separators
    make (a blank header cell is kept when a data row has a value under it)."""
    header = [str(h).strip().lstrip("\ufeff") for h in cells.iloc[0]]
    while header and header[-1] == "" and len(header) > 1:
        extra = cells.iloc[1:, len(header) - 1]
        if (extra.str.strip() != "").any():
            break
        header.pop()
    return header


def text_cells(
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
    header = _header_without_trailing_blanks(cells)
    frame = cells.iloc[1:, : len(header)].reset_index(drop=True)
    frame.columns = pd.Index(range(len(header)))
    return RawTable(frame, header, label, above=above, separator=sep, header_line=skip + 1)
