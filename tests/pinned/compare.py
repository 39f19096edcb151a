"""Compare two CSV tables by value: the behaviour pin's yardstick.

Text and integer cells must be equal as written; cells of float columns equal within ``REL_TOL``
relative or ``ABS_TOL`` absolute; the column names and their order, and the row count, exactly.

Why these tolerances: outputs print floats with 12 significant digits, so a last-bit difference
in the arithmetic (another CPU's vector kernels, another BLAS, another summation order) can move
the printed 12th digit at a rounding boundary, a relative change below 1e-11; fitted models
(condition numbers up to ~1e4 on these tables) amplify last-bit differences to at most ~1e-12
relative.  1e-9 leaves two orders of margin above both and is still a thousand times smaller than
the smallest change a refactoring of a formula makes (a changed constant, a dropped term: 1e-6
and up).  ``ABS_TOL`` covers values that are zero in exact arithmetic (a residual of 1e-17 on one
machine, -2e-17 on another).
"""

from __future__ import annotations

import io
import math
from collections.abc import Collection

import pandas as pd

REL_TOL = 1e-9
ABS_TOL = 1e-12

#: Differences listed in full before the rest are counted.
SHOWN = 20


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _cells_equal(pinned: str, now: str, numeric: bool) -> bool:
    if pinned == now:
        return True
    if not numeric:
        return False
    a, b = _float(pinned), _float(now)
    if a is None or b is None:
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _as_text(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, low_memory=False)


def _row_label(frame: pd.DataFrame, index: int) -> str:
    label = f"row {index + 1}"
    if "name" in frame.columns:
        label += f" (name {frame['name'].iat[index]!r})"
    return label


def table_differences(
    pinned_text: str, now_text: str, file: str, floats: Collection[str]
) -> list[str]:
    """Every difference between the pinned and the current table, each naming file, row, column
    and both values; an empty list when they agree.  ``floats`` names the float columns (compared
    within the tolerance); every other column is compared as written."""
    pinned, now = _as_text(pinned_text), _as_text(now_text)
    if list(pinned.columns) != list(now.columns):
        missing = [c for c in pinned.columns if c not in now.columns]
        extra = [c for c in now.columns if c not in pinned.columns]
        return [
            f"{file}: columns differ (missing {missing}, new {extra}); "
            f"pinned order {list(pinned.columns)}, now {list(now.columns)}"
        ]
    if len(pinned) != len(now):
        return [f"{file}: {len(pinned)} rows pinned, {len(now)} now"]
    found: list[str] = []
    for column in pinned.columns:
        numeric = column in floats
        before, after = pinned[column].tolist(), now[column].tolist()
        for index, (a, b) in enumerate(zip(before, after, strict=True)):
            if not _cells_equal(a, b, numeric):
                found.append(
                    f"{file} {_row_label(pinned, index)} column {column!r}: pinned {a!r}, now {b!r}"
                )
    return found


def describe(differences: list[str]) -> str:
    """The differences as one message: the first ``SHOWN`` in full, then how many more."""
    text = "\n".join(differences[:SHOWN])
    if len(differences) > SHOWN:
        text += f"\n… and {len(differences) - SHOWN} more differences"
    return text
