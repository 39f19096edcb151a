"""Checking values, column by column, into one collector of row-level problems.

Each ``check_*`` function reads one canonical column, records what is wrong with each row in a
:class:`Problems` collector and returns the clean values (NaN where a number cannot be used).
A row with a problem is kept: the analysis marks it ``invalid`` with the recorded reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import excerpt
from .columns import DISPLAY
from .decimals import looks_like_decimal_comma

#: The shortest plausible retention time (min): smaller values (1e-320, 0.001) are typos or
#: units in hours, not a peak eluting within the first second.
MIN_RT = 0.01
#: The largest Log P taken as given (in magnitude).  Gangliosides lie within about -20 to +30;
#: the bound only keeps a model's arithmetic finite (a Log P of 1e308 overflowed it).
MAX_ABS_LOG_P = 1000.0

#: C0 and C1 control characters (NUL, tab, line breaks, escape, DEL, ...): no name holds them,
#: and PostgreSQL cannot store NUL at all.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

TRUE_WORDS = {"t", "true", "1", "yes", "y", "1.0"}
FALSE_WORDS = {"f", "false", "0", "no", "n", "", "0.0"}


def problem_text(column: str, value: object, message: str) -> str:
    """``column 'RT', value 'abc': not a number; ...`` (an empty cell shows as ``''``)."""
    shown = "" if value is None or (isinstance(value, float) and np.isnan(value)) else value
    return f"column {DISPLAY.get(column, column)!r}, value {excerpt(shown)!r}: {message}"


class Problems:
    """The row-level problems of one table, in the order the checks found them."""

    def __init__(self, n_rows: int) -> None:
        self.n_rows = n_rows
        self._found: list[np.ndarray] = []  # per check: object array of "" or a text

    def add(self, mask: np.ndarray, text: str) -> None:
        """Record the same ``text`` for every row in ``mask``."""
        if not mask.any():
            return
        found = np.full(self.n_rows, "", dtype=object)
        found[mask] = text
        self._found.append(found)

    def add_values(self, mask: np.ndarray, column: str, values: np.ndarray, message: str) -> None:
        """Record ``message`` for the rows in ``mask``, each text naming the row's own value."""
        if not mask.any():
            return
        found = np.full(self.n_rows, "", dtype=object)
        for i in np.flatnonzero(mask):
            found[i] = problem_text(column, values[i], message)
        self._found.append(found)

    def per_row(self) -> pd.Series:
        """Per row: ``""`` when the row is fine, else its problems joined by ``"; "``."""
        joined = np.full(self.n_rows, "", dtype=object)
        if len(self._found) == 1:
            joined = self._found[0]
        elif self._found:
            stacked = np.vstack(self._found)
            for i in np.flatnonzero((stacked != "").any(axis=0)):
                joined[i] = "; ".join(p for p in stacked[:, i] if p)
        return pd.Series(joined, dtype=object)


@dataclass(frozen=True)
class NameColumn:
    """The names of a table, stored once per distinct (stripped) name."""

    codes: np.ndarray  # per row, int32 index into ``distinct``
    distinct: np.ndarray  # object array of distinct names ("" for an empty cell)

    def categorical(self) -> pd.Categorical:
        """One code per row into the distinct names, not one string object per row."""
        return pd.Categorical.from_codes(self.codes, pd.Index(self.distinct, dtype=object))


def check_names(cells: pd.Series, problems: Problems) -> NameColumn:
    """Names stripped of surrounding spaces; an empty name is a problem."""
    # strip once per distinct value, not once per row
    codes, uniques = pd.factorize(cells.astype(object), use_na_sentinel=True)
    stripped = np.array(
        ["" if pd.isna(u) else str(u).strip() for u in uniques] + [""], dtype=object
    )
    distinct_codes, distinct = pd.factorize(stripped)
    names = NameColumn(distinct_codes.astype(np.int32)[codes], np.asarray(distinct, dtype=object))
    empty = np.flatnonzero(names.distinct == "")
    problems.add(
        np.isin(names.codes, empty),
        problem_text("name", "", "empty; expected a name such as GD1(36:1;O2)"),
    )
    control = np.array([bool(CONTROL_CHARACTERS.search(n)) for n in names.distinct], dtype=bool)
    if control.any():
        problems.add_values(
            control[names.codes],
            "name",
            names.distinct[names.codes],
            "holds a control character (such as NUL, a tab or a line break); "
            "expected printable text such as GD1(36:1;O2)",
        )
    return names


def check_rt(cells: pd.Series, problems: Problems, *, max_rt: float) -> np.ndarray:
    """Retention times (min): a number with ``MIN_RT`` ≤ RT ≤ ``max_rt``; NaN where unusable."""
    what = "a retention time in minutes"
    rt, not_number = _numbers(cells, "rt", what, problems)
    problems.add(np.isnan(rt) & ~not_number, problem_text("rt", "", f"missing; expected {what}"))
    problems.add(np.isinf(rt), problem_text("rt", "inf", f"not finite; expected {what}"))
    finite = np.isfinite(rt)
    out_of_range = finite & ((rt < MIN_RT) | (rt > max_rt))
    problems.add_values(
        out_of_range, "rt", rt, f"out of range; expected {MIN_RT:g} ≤ RT ≤ {max_rt:g}"
    )
    return np.where(finite, rt, np.nan)


def check_volume(cells: pd.Series, problems: Problems) -> np.ndarray:
    """Peak volumes: a finite number ≥ 0; NaN where unusable."""
    volume, not_number = _numbers(cells, "volume", "a peak volume ≥ 0", problems)
    missing = np.isnan(volume) & ~not_number
    problems.add(missing, problem_text("volume", "", "missing; expected a peak volume ≥ 0"))
    bad = np.isinf(volume) | (np.isfinite(volume) & (volume < 0))
    problems.add_values(bad, "volume", volume, "expected a finite peak volume ≥ 0")
    return np.where(np.isfinite(volume), volume, np.nan)


def check_log_p(cells: pd.Series | None, problems: Problems) -> np.ndarray:
    """Given Log P values; NaN where not given (the analysis then estimates it)."""
    if cells is None:
        return np.full(problems.n_rows, np.nan)
    what = "a Log P value (or leave the cell empty to estimate it)"
    log_p, _ = _numbers(cells, "log_p", what, problems)
    problems.add(
        np.isinf(log_p), problem_text("log_p", "inf", "not finite; expected a Log P value")
    )
    huge = np.isfinite(log_p) & (np.abs(log_p) > MAX_ABS_LOG_P)
    problems.add_values(
        huge, "log_p", log_p, f"out of range; expected a Log P between ±{MAX_ABS_LOG_P:g}"
    )
    return np.where(np.isfinite(log_p) & ~huge, log_p, np.nan)


def check_anchors(cells: pd.Series | None, problems: Problems) -> np.ndarray:
    """Anchor flags from T/F, true/false, 1/0 or yes/no (an empty cell is F)."""
    if cells is None:
        return np.zeros(problems.n_rows, dtype=bool)
    if pd.api.types.is_bool_dtype(cells.dtype):
        return cells.fillna(False).to_numpy(dtype=bool)
    # a handful of distinct words: normalise each once
    codes, uniques = pd.factorize(cells.astype(object), use_na_sentinel=True)
    words = np.array(
        ["" if pd.isna(u) else str(u).strip().lower() for u in uniques] + [""], dtype=object
    )
    is_true = np.isin(words, list(TRUE_WORDS))
    is_known = is_true | np.isin(words, list(FALSE_WORDS))
    unknown = ~is_known[codes]
    if unknown.any():
        problems.add_values(
            unknown, "anchor", _shown(cells), "expected T/F, true/false, 1/0 or yes/no"
        )
    return is_true[codes]


def _shown(cells: pd.Series) -> np.ndarray:
    """Cells as the text a message shows ("" for a missing cell)."""
    return cells.astype("string").fillna("").to_numpy(dtype=object)


def _numbers(
    cells: pd.Series, column: str, what: str, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Numeric values and a mask of cells given but not numbers (each recorded as a problem).

    A cell such as ``9,5`` gets the hint "decimal comma?" in its message.
    """
    numbers, not_number = _parse_numbers(cells)
    if not_number.any():
        shown = _shown(cells)
        comma = not_number & np.fromiter(
            (
                bool(bad) and looks_like_decimal_comma(text)
                for bad, text in zip(not_number, shown, strict=True)
            ),
            dtype=bool,
            count=len(shown),
        )
        problems.add_values(not_number & ~comma, column, shown, f"not a number; expected {what}")
        problems.add_values(
            comma,
            column,
            shown,
            "not a number (decimal comma? write 9.5 with a point, or save the file with ';' "
            f"between columns); expected {what}",
        )
    return numbers, not_number


def _parse_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numeric values and a mask of cells that were given but are not numbers."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return np.full(len(values), np.nan), np.ones(len(values), dtype=bool)
    if pd.api.types.is_numeric_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        return arr, np.zeros(len(values), dtype=bool)
    # the C parser reads plain numbers; only the cells it leaves empty are looked at again
    numbers: np.ndarray = np.array(pd.to_numeric(values, errors="coerce"), dtype=float)
    again = np.flatnonzero(np.isnan(numbers))
    if again.size == 0:
        return numbers, np.zeros(len(values), dtype=bool)
    text = values.iloc[again].astype("string").str.strip()
    numbers[again] = np.asarray(pd.to_numeric(text, errors="coerce"), dtype=float)
    bad = np.zeros(len(values), dtype=bool)
    bad[again] = (text.fillna("").to_numpy(dtype=object) != "") & np.isnan(numbers[again])
    return numbers, bad


def check_cell_lengths(
    cells: pd.DataFrame, header: list[str], problems: Problems, *, max_chars: int
) -> None:
    """Cut every cell longer than ``max_chars`` characters to an excerpt, in place, and mark
    its row: a 5 MB cell neither sinks the file nor travels on into results and messages."""
    for pos in range(cells.shape[1]):
        column = cells.iloc[:, pos]
        lengths = _text_lengths(column)
        if lengths is None:
            continue
        long = lengths > max_chars
        if not long.any():
            continue
        label = header[pos] if pos < len(header) else str(pos + 1)
        found = np.full(problems.n_rows, "", dtype=object)
        for i in np.flatnonzero(long):
            held = _length_before_cut(column.iat[int(i)], int(lengths[i]))
            found[i] = (
                f"column {excerpt(label)!r}: the cell holds {held:,} characters; "
                f"at most {max_chars:,} are accepted"
            )
        problems._found.append(found)
        rows = np.flatnonzero(long)
        cells.iloc[rows, pos] = [excerpt(v, max_chars) for v in column.iloc[rows]]


#: The note :func:`.files.cut_long_cells` leaves at the end of a cell it cut.
_CUT_NOTE = re.compile(r"… \(\+(\d+) characters\)\Z")


def _length_before_cut(value: object, length: int) -> int:
    """The characters a cell held in the file (before the reader cut it)."""
    note = _CUT_NOTE.search(value) if isinstance(value, str) else None
    return length if note is None else note.start() + int(note.group(1))


def _text_lengths(column: pd.Series) -> np.ndarray | None:
    """Characters of each text cell (0 for anything else); ``None`` for a numeric column."""
    if not (pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column)):
        return None
    values = column.to_numpy(dtype=object)
    try:
        return np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    except TypeError:  # a DataFrame's column may mix texts with numbers or missing values
        texts = (len(v) if isinstance(v, str) else 0 for v in values)
        return np.fromiter(texts, dtype=np.int64, count=len(values))
