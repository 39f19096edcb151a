"""Compare two CSV tables by value: the behaviour pin's yardstick.

Text and integer cells must be equal as written; cells of float columns equal within ``REL_TOL``
relative or ``ABS_TOL`` absolute; the column names and their order, and the row count, exactly.

Why these tolerances: outputs print floats with 12 significant digits, so a last-bit difference
in the arithmetic (another CPU's vector kernels, another BLAS, another summation order) moves the
printed 12th digit at a rounding boundary (a relative 1e-11), and values that are a difference of
two close numbers (a residual or z near zero) carry the absolute error of the numbers subtracted.
Measured with another CPU's kernels (OpenBLAS's Haswell kernels and numpy without its AVX-512
loops, against pins made with AVX-512; ``test_the_pin_holds_with_another_cpus_kernels``): 782
float cells of the five compounds.csv differ, the largest relative difference of a value above
0.1 is 2.7e-11, and the largest absolute difference of a value below 0.01 is 3.6e-12 (z and
residual).  ``REL_TOL`` = 1e-9 and ``ABS_TOL`` = 1e-10 leave a margin of about 30 over both, and
are still a thousand times smaller than what a changed formula does (a changed constant, a
dropped term: relative 1e-6 and up).
"""

from __future__ import annotations

import io
import math
from collections.abc import Collection

import pandas as pd

REL_TOL = 1e-9
ABS_TOL = 1e-10

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
