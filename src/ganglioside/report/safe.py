"""Neutralise spreadsheet formulas in exported text, and write tables as well-formed CSV/TSV.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some
programs also a leading tab or carriage return) as a formula.  Names and extra columns come from
user files, so an exported table could carry a formula that runs on the reader's machine
("CSV injection").  A text cell is looked at as a spreadsheet may see it: leading whitespace and
control characters skipped, and full-width and other compatibility forms folded (Unicode NFKC:
``＝`` is ``=``, ``＠`` is ``@``).  When what is left starts with one of the signs, or the cell
itself starts with a tab or a carriage return, the cell is prefixed with a single quote.
Numbers are never touched: a negative residual or Log P stays a number, and text that is a plain
number (``"-0.5"``) is left as it is because a spreadsheet reads it as that number, not as a
formula.

:func:`write_table` is the one way a table becomes CSV or TSV text (:func:`safe_csv` neutralises
first): every text field that holds the delimiter, a quote, a carriage return or a line feed is
quoted (RFC 4180), line ends are ``\\n``, floats have :data:`CSV_FLOAT_DIGITS` significant digits.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from typing import IO

import numpy as np
import pandas as pd

from .csv_cells import csv_columns

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: Signs that start a formula once leading blanks are skipped and the text is folded (NFKC).
FORMULA_SIGNS: frozenset[str] = frozenset("=+-@")

#: Significant digits of every float in a CSV/TSV export.  Twelve keep every value an instrument
#: records (retention times, peak volumes and m/z carry at most 10) and drop the last-bit noise
#: of arithmetic: ``7.938000000000001`` is written ``7.938``.  Written values read back within a
#: relative 5e-13 of the computed ones.
CSV_FLOAT_DIGITS = 12
CSV_FLOAT_FORMAT = f"%.{CSV_FLOAT_DIGITS}g"

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: Unicode categories skipped before the first sign: controls, format characters, separators.
_SKIPPED = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def _blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in _SKIPPED


def _as_seen(text: str) -> str:
    """``text`` as a spreadsheet may read its start: blanks and controls skipped, NFKC folded.

    Only the first significant characters are folded (a long cell is not normalised whole).
    """
    start = 0
    while start < len(text):
        folded = unicodedata.normalize("NFKC", text[start])
        if folded and not all(_blank(c) for c in folded):
            break
        start += 1
    return unicodedata.normalize("NFKC", text[start : start + 64]).lstrip()


def is_formula(value: object) -> bool:
    """True for text a spreadsheet would run as a formula (see the module's description)."""
    if not isinstance(value, str) or not value:
        return False
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return True
    seen = _as_seen(value)
    if not seen or seen[0] not in FORMULA_SIGNS:
        return False
    whole = seen if len(value) <= 64 else unicodedata.normalize("NFKC", value).strip()
    return not _PLAIN_NUMBER.fullmatch(whole.strip())


def neutralise(value: object) -> object:
    """Return ``value`` with a leading quote if it is text a spreadsheet would run as a formula.

    Parameters
    ----------
    value:
        Any cell value.  Only ``str`` values are changed.

    Returns
    -------
    object
        ``"'" + value`` for formula-like text, otherwise ``value`` unchanged.
    """
    if is_formula(value):
        return "'" + str(value)
    return value


def is_text_column(series: pd.Series) -> bool:
    """True for columns that may hold text (object or string dtype, or a categorical of them)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return bool(pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype))


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells and column names are neutralised.

    Numeric, boolean and missing cells keep their type and value.  Only the text columns are
    new; the others are shared with ``frame`` (copy-on-write), so a large frame is not copied.
    """
    out = frame.copy(deep=False)
    # by position when the labels are unique (cheaper than a look-up by label)
    columns = list(out.items()) if out.columns.is_unique else [(c, out[c]) for c in out.columns]
    for column, values in columns:
        if not is_text_column(values):
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            # each distinct text neutralised once; rows keep their codes
            categories = list(values.array.categories)
            labels = [_neutralised_text(v) if isinstance(v, str) else v for v in categories]
            if labels == categories:
                continue  # no formula among them: the column as it is
            if len(set(labels)) == len(labels):
                out[column] = pd.Categorical.from_codes(
                    values.cat.codes, pd.Index(labels, dtype=object)
                )
                continue
            values = values.astype(object)
        out[column] = values.map(_neutralise_cell, na_action="ignore")
    out.columns = [_neutralised_text(str(c)) for c in out.columns]
    return out


@functools.lru_cache(maxsize=65536)
def _neutralised_text(text: str) -> str:
    """:func:`neutralise` of a text, remembered: the same names, reasons and labels come back
    in every sample's table."""
    return str(neutralise(text))


def _neutralise_cell(value: object) -> object:
    return _neutralised_text(value) if isinstance(value, str) else neutralise(value)


def plain_value(value: object) -> object:
    """Turn numpy and pandas scalars into plain Python values; missing values into ``None``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


class _RowEnds:
    """A text stream that ends each row with ``\\n``.

    The ``csv`` module quotes a field only for the characters of its line terminator (besides
    the delimiter and the quote), so rows are written with ``\\r\\n`` -- a field holding a bare
    CR or LF is quoted -- and this stream turns each row's terminator back into ``\\n``: the
    writer hands over one whole row per ``write``.
    """

    def __init__(self, inner: IO[str]) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        if text.endswith("\r\n"):
            text = text[:-2] + "\n"
        return self.inner.write(text)


def write_table(
    frame: pd.DataFrame,
    stream: IO[str] | None = None,
    *,
    sep: str = ",",
    header: bool = True,
) -> str | None:
    """Write ``frame`` (already neutralised) as CSV (``sep=","``) or TSV (``sep="\\t"``).

    Every field holding ``sep``, a double quote, a CR or a LF is quoted; rows end with ``\\n``;
    floats with CSV_FLOAT_DIGITS significant digits; missing values are empty fields.  Returns
    the text when ``stream`` is ``None``.
    """
    if stream is None:
        import io

        buffer = io.StringIO()
        write_table(frame, buffer, sep=sep, header=header)
        return buffer.getvalue()
    if _write_direct(frame, stream, sep, header):
        return None
    frame.to_csv(
        _RowEnds(stream),  # type: ignore[call-overload]
        index=False,
        header=header,
        sep=sep,
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
        float_format=CSV_FLOAT_FORMAT,
    )
    return None


#: Cells converted at a time when a table is written directly (as pandas' ``to_csv`` chunks).
_CHUNK_CELLS = 100_000


def _write_direct(frame: pd.DataFrame, stream: IO[str], sep: str, header: bool) -> bool:
    """Write ``frame`` as :func:`write_table` does, the cells converted by
    :func:`~.csv_cells.csv_columns` some rows at a time; False (nothing written) when it does
    not handle the frame's columns (decided by their labels and types, the same in every
    chunk)."""
    step = max(1, _CHUNK_CELLS // max(1, frame.shape[1]))
    chunks = (
        [frame]
        if len(frame) <= step
        else [frame.iloc[i : i + step] for i in range(0, len(frame), step)]
    )
    first = csv_columns(chunks[0], CSV_FLOAT_FORMAT)
    if not first:  # a column it does not handle, or no column at all: pandas writes it
        return False
    writer = csv.writer(
        _RowEnds(stream), delimiter=sep, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
    )
    if header:
        writer.writerow(list(frame.columns))
    writer.writerows(zip(*first, strict=True))
    for chunk in chunks[1:]:
        cells = csv_columns(chunk, CSV_FLOAT_FORMAT)
        assert cells is not None  # the same columns as the first chunk, which it handled
        writer.writerows(zip(*cells, strict=True))
    return True


def safe_csv(frame: pd.DataFrame, sep: str = ",") -> str:
    """``frame`` neutralised (:func:`safe_frame`) as CSV or TSV text (:func:`write_table`)."""
    return str(write_table(safe_frame(frame), sep=sep))


#: The same function under a second name.
table_text = safe_csv
