"""Text of a table file: its encoding found, old Mac line ends, long cells cut before parsing.

Split from :mod:`.files` (which reads the cells): :func:`decode_text` finds the encoding
(UTF-8 ± BOM, UTF-16 by its BOM or its zero bytes, else Windows-1252/Latin-1 with a warning),
:func:`cut_long_cells` cuts a huge cell before pandas copies it, and
:func:`normalise_line_breaks` reads CR-only line ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

#: Magic numbers of binary files that are not tables (gzip, PDF, PNG, an old OLE workbook).
_BINARY_MAGIC = (b"\x1f\x8b", b"%PDF", b"\x89PNG", b"\xd0\xcf\x11\xe0")
#: Bytes looked at to tell text from binary data and UTF-16 from 8-bit text.
_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class DecodedText:
    """A text file's characters, its encoding, and the warning when it was not UTF-8."""

    text: str
    encoding: str
    warning: str | None = None


def decode_text(raw: bytes, source: str) -> DecodedText:
    """The characters of a text table, whatever encoding a spreadsheet or instrument wrote.

    UTF-8 (with or without a BOM) first; UTF-16 by its BOM, or without one by the zero bytes
    of ASCII characters falling on every other byte; else Windows-1252 (Latin-1 for the five
    bytes it leaves undefined), with a warning naming the first byte that was not UTF-8.  A
    byte that is not UTF-8 in a column the analysis never reads (LipidSearch writes
    no-break spaces in ``SubClassKey``) therefore costs a warning, never the file.

    Raises
    ------
    InputError
        The file is empty or binary (mostly control bytes, or a gzip, PDF, PNG or OLE file).
    """
    if not raw.strip():
        raise InputError("the file is empty; expected a table with a header row", file=source)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return DecodedText(raw.decode("utf-16", errors="replace"), "utf-16")
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        return DecodedText(raw.decode(utf16, errors="replace"), utf16)
    if _looks_binary(raw):
        raise InputError(
            "this is not a text table (it contains binary data); expected CSV, TSV or XLSX",
            file=source,
        )
    try:
        return DecodedText(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        first = raw[exc.start : exc.start + 4].hex(" ")
        try:
            text, encoding = raw.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "Latin-1"
        warning = (
            f"{source}: the file is not UTF-8 (bytes {first} on line {line}); it was read as "
            f"{encoding}: check that names with accents or symbols came out right, or save "
            "it as UTF-8"
        )
        return DecodedText(text, encoding, warning)


def _utf16_without_bom(raw: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when the file is UTF-16 without a BOM: most of its
    even (or odd) bytes are zero, as the ASCII characters of a table make them."""
    head = raw[: _SNIFF_BYTES - _SNIFF_BYTES % 2]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    encoding = None
    if zero_odd > 0.6 and zero_even < 0.1:
        encoding = "utf-16-le"
    elif zero_even > 0.6 and zero_odd < 0.1:
        encoding = "utf-16-be"
    if encoding is None:
        return None
    text = head.decode(encoding, errors="replace")
    controls = sum(1 for char in text if char < " " and char not in "\t\n\r\f")
    return encoding if controls <= 0.1 * len(text) else None


def _looks_binary(raw: bytes) -> bool:
    """A known binary format, or more than 10 % control bytes in the first 4 KB (a NUL or two
    inside a name is the row's problem, not the file's)."""
    if raw.startswith(_BINARY_MAGIC):
        return True
    head = raw[:_SNIFF_BYTES]
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls > 0.1 * len(head)


#: Characters that end a run of one cell's text (separators, quotes, line breaks).
_CELL_ENDS = np.zeros(256, dtype=bool)
_CELL_ENDS[[ord(c) for c in ',;\t\r\n"']] = True
_CHUNK_CHARS = 1 << 20


def cut_long_cells(text: str, max_chars: int) -> str:
    """``text`` with every run of more than ``max_chars`` characters free of separators, quotes
    and line breaks cut to its first ``max_chars`` and a note of how many were left out.

    Done before the table is parsed, so a 100 MB cell is never copied into the parser's
    buffers; the cut cell is still longer than the limit, so its row is marked invalid
    (:func:`.checks.check_cell_lengths`) and the note says how long it was.  The runs are
    found a megabyte at a time with numpy (a few ms a MB), so nothing is copied whole.
    """
    if len(text) <= max_chars:
        return text
    runs = _long_runs(text, max_chars)
    if not runs:
        return text
    pieces, at = [], 0
    for start, end in runs:
        pieces += [text[at : start + max_chars], f"… (+{end - start - max_chars} characters)"]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _long_runs(text: str, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) of each run of more than ``max_chars`` characters between cell ends."""
    runs, last = [], -1
    for start in range(0, len(text), _CHUNK_CHARS):
        # one byte a character (others become "?"), so positions are character positions
        codes = np.frombuffer(
            text[start : start + _CHUNK_CHARS].encode("latin-1", "replace"), np.uint8
        )
        ends = np.flatnonzero(_CELL_ENDS[codes]) + start
        bounds = np.concatenate(([last], ends))
        for i in np.flatnonzero(np.diff(bounds) - 1 > max_chars):
            runs.append((int(bounds[i]) + 1, int(bounds[i + 1])))
        if len(ends):
            last = int(ends[-1])
    if len(text) - last - 1 > max_chars:
        runs.append((last + 1, len(text)))
    return runs


def normalise_line_breaks(text: str) -> str:
    """``text`` with old Mac line breaks (CR only, no LF anywhere) made LF."""
    if "\r" in text and "\n" not in text:
        return text.replace("\r", "\n")
    return text
