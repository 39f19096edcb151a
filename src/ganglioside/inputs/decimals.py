"""Numbers written with a decimal comma (``9,5``, ``1.234,5``), as European spreadsheets save them.

A ``;``- or tab-separated file may write its numbers with a decimal comma.  A column is read as
decimal-comma numbers when, among its first :data:`SAMPLE_CELLS` filled cells, at least one
has a decimal comma and every one is a number in that notation (a point can then only group
thousands).  Such a column is rewritten with decimal points; any other cell of it is left as
it was, for the value checks to report.  A comma-separated file cannot hold an unquoted
decimal comma, so it is left alone; a number cell that still has one gets the hint
"decimal comma?" (:func:`looks_like_decimal_comma`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Filled cells of a column looked at to decide its notation.
SAMPLE_CELLS = 500

#: A number in decimal-comma notation: ``12``, ``-9,5``, ``1.234.567,89``, ``1,5E-3``.
_COMMA_NUMBER = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?(?:[eE][+-]?\d+)?"
_COMMA_NUMBER_RE = re.compile(_COMMA_NUMBER)
_HINT_RE = re.compile(r"\s*[+-]?[\d.]*\d,\d+(?:[eE][+-]?\d+)?\s*")

#: Cells that mean "no value" in exports (compared in lower case, stripped).
MISSING_WORDS = frozenset({"", "null", "na", "n/a", "#n/a", "nan", "none", "-"})


def looks_like_decimal_comma(text: object) -> bool:
    """Whether a cell reads as a number written with a decimal comma (``9,5``)."""
    return isinstance(text, str) and _HINT_RE.fullmatch(text) is not None


def is_decimal_comma_column(cells: pd.Series) -> bool:
    """Whether a text column holds numbers written with a decimal comma (see the module)."""
    if not (cells.dtype == object or pd.api.types.is_string_dtype(cells.dtype)):
        return False
    head = cells.iloc[: SAMPLE_CELLS * 4].astype(str).str.strip()
    filled = head[~head.str.lower().isin(MISSING_WORDS)].iloc[:SAMPLE_CELLS]
    if filled.empty or not filled.str.contains(",", regex=False).any():
        return False
    return bool(filled.str.fullmatch(_COMMA_NUMBER).all())


def _with_point(cell: object) -> object:
    if isinstance(cell, str):
        text = cell.strip()
        if _COMMA_NUMBER_RE.fullmatch(text):
            return text.replace(".", "").replace(",", ".")
    return cell


def to_decimal_points(cells: pd.Series) -> pd.Series:
    """The column with every decimal-comma number rewritten with a point (``1.234,5`` → 1234.5).

    Each distinct cell is looked at once.
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    rewritten = np.array([_with_point(cell) for cell in uniques], dtype=object)
    return pd.Series(rewritten[codes], index=cells.index, dtype=object)


def decimal_points(cells: pd.DataFrame) -> pd.DataFrame | None:
    """``cells`` with their decimal-comma columns rewritten, or None when no column is one."""
    columns = [c for c in cells.columns if is_decimal_comma_column(cells[c])]
    if not columns:
        return None
    out = cells.copy()
    for c in columns:
        out[c] = to_decimal_points(out[c])
    return out
