"""Neutralise spreadsheet formulas in the text of the outputs.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some
programs also a leading tab or carriage return) as a formula.  Names and extra columns come from
user files, so an exported table could carry a formula that runs on the reader's machine
("CSV injection").  Text cells that start with one of these characters are prefixed with a single
quote.  Numbers are never touched: a negative residual or Log P stays a number, and text that is a
plain number (``"-0.5"``) is left as it is because a spreadsheet reads it as that number, not as
a formula.

:func:`safe_csv` is the one way a table becomes CSV text: neutralised, ``\n`` line ends, and
every float written with :data:`CSV_FLOAT_DIGITS` significant digits.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: Significant digits of every float in a CSV/TSV export.  Twelve keep every value an instrument
#: records (retention times, peak volumes and m/z carry at most 10) and drop the last-bit noise
#: of arithmetic: ``7.938000000000001`` is written ``7.938``.  Written values read back within a
#: relative 5e-13 of the computed ones.
CSV_FLOAT_DIGITS = 12
CSV_FLOAT_FORMAT = f"%.{CSV_FLOAT_DIGITS}g"

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


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
    if (
        isinstance(value, str)
        and value
        and value.startswith(FORMULA_TRIGGERS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
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
    for column in out.columns:
        values = out[column]
        if not is_text_column(values):
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            # each distinct text neutralised once; rows keep their codes
            labels = [neutralise(v) for v in values.cat.categories]
            if len(set(labels)) == len(labels):
                out[column] = pd.Categorical.from_codes(
                    values.cat.codes, pd.Index(labels, dtype=object)
                )
                continue
            values = values.astype(object)
        out[column] = values.map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def safe_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text: formulas neutralised, no index, ``\\n`` line ends, floats written
    with :data:`CSV_FLOAT_DIGITS` significant digits, missing values as empty cells."""
    return str(
        safe_frame(frame).to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)
    )


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
