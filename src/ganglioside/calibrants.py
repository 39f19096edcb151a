"""Calibrant lists: the lab's standards, matched to the rows of a run to serve as anchors.

A calibrant list is a small table (CSV, TSV or XLSX, or a DataFrame) with the columns
``name`` (required), ``rt`` (the expected RT in min, optional) and ``tolerance`` (min, optional,
default :data:`DEFAULT_TOLERANCE`).  Names are compared by their normalised species key
(``names.composition_frame``: ``GM3 36:1;O2``), so a calibrant written in one dialect matches
rows written in another; a labelled internal standard only matches labelled rows.  Of the rows
of a calibrant's species, the one nearest its expected RT within the tolerance becomes an
anchor, or, without an expected RT, the most abundant one.

:func:`calibrant_frame` checks a DataFrame (the web app's saved methods reuse it);
:func:`read_calibrants` reads a file or takes a DataFrame; :func:`match_calibrants` marks the
rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .inputs.columns import normalise_header
from .inputs.files import read_cells
from .names import composition_frame

DEFAULT_TOLERANCE = 0.5  # min: how far a calibrant's row may sit from its expected RT
#: Column of a calibrant list -> the headers it may have (as normalised by the table reader).
CALIBRANT_COLUMNS = {
    "name": ("name", "compound", "species", "lipid", "calibrant", "standard"),
    "rt": ("rt", "rtmin", "expectedrt", "retentiontime", "retentiontimemin"),
    "tolerance": ("tolerance", "tol", "rttolerance", "tolerancemin"),
}
#: Columns of a checked calibrant frame.
FRAME_COLUMNS = ("name", "species", "internal_standard", "rt", "tolerance")


def read_calibrants(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read a calibrant list from a file (CSV, TSV or XLSX) or take a DataFrame, checked.

    Raises
    ------
    InputError
        Naming the file, row, column and value of the first problem found.
    """
    raw = read_cells(source)
    cells = raw.cells.copy()
    cells.columns = raw.header
    return calibrant_frame(cells, source=raw.source)


def calibrant_frame(frame: pd.DataFrame, *, source: str = "<DataFrame>") -> pd.DataFrame:
    """Check a calibrant list and give each calibrant its species key.

    ``frame`` has a name column and optionally an expected RT and a tolerance (headers matched
    loosely, see :data:`CALIBRANT_COLUMNS`).  Returns one row per calibrant with
    :data:`FRAME_COLUMNS` (``rt`` NaN when not given).

    Raises
    ------
    InputError
        For a missing name column, an empty list, or a row with an empty or unreadable name,
        an RT that is not a number > 0 or a tolerance that is not a number > 0 (1-based data
        row, column and value named).
    """
    columns = _recognise(frame, source)
    if len(frame) == 0:
        raise InputError("the calibrant list has no rows", file=source)
    names = frame[columns["name"]].astype("string").fillna("").str.strip()
    for i, name in enumerate(names, start=1):
        if not name:
            raise InputError("empty name", file=source, row=i, column=columns["name"], value="")
    rt = _numbers(frame, columns.get("rt"), source, np.nan)
    tolerance = _numbers(frame, columns.get("tolerance"), source, DEFAULT_TOLERANCE)
    # one parsed row per calibrant (a name may be listed twice, e.g. once per isomer track)
    parsed = composition_frame(list(names)).reindex(list(names))
    errors = parsed["parse_error"].fillna("").to_numpy(dtype=object)
    for i, error in enumerate(errors, start=1):
        if error:
            raise InputError(
                f"not a ganglioside name: {error}",
                file=source,
                row=i,
                column=columns["name"],
                value=names.iloc[i - 1],
            )
    return pd.DataFrame(
        {
            "name": names.to_numpy(dtype=object),
            "species": parsed["species"].to_numpy(dtype=object),
            "internal_standard": parsed["is_internal_standard"].fillna(False).to_numpy(dtype=bool),
            "rt": rt,
            "tolerance": tolerance,
        }
    )


def _recognise(frame: pd.DataFrame, source: str) -> dict[str, str]:
    """Calibrant column -> the frame's header holding it."""
    found: dict[str, str] = {}
    for header in frame.columns:
        key = normalise_header(header)
        for column, aliases in CALIBRANT_COLUMNS.items():
            if key in aliases and column not in found:
                found[column] = str(header)
    if "name" not in found:
        raise InputError(
            "no name column; a calibrant list needs a column 'name' (and optionally 'rt' "
            f"and 'tolerance'), found: {', '.join(map(str, frame.columns)) or 'no columns'}",
            file=source,
        )
    return found


def _numbers(frame: pd.DataFrame, column: str | None, source: str, blank: float) -> np.ndarray:
    """A column of numbers > 0 (``blank`` where empty; all ``blank`` without the column)."""
    if column is None:
        return np.full(len(frame), blank)
    text = frame[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    values = pd.to_numeric(
        pd.Series(text).str.replace(",", ".", regex=False), errors="coerce"
    ).to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = (text != "") & ~(values > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "expected a number > 0 (minutes) or an empty cell",
            file=source,
            row=i + 1,
            column=column,
            value=text[i],
        )
    return np.where(np.isnan(values), blank, values)


@dataclass(frozen=True)
class CalibrantMatch:
    """Which rows the calibrants made anchors, and the calibrants no row matched."""

    anchors: np.ndarray  # per row
    matched: tuple[str, ...]  # calibrant names with a row
    unmatched: tuple[str, ...]  # calibrant names without one

    def warning(self) -> str:
        """The file-level warning saying what the calibrant list did."""
        text = (
            f"calibrant list: {len(self.matched)} of {len(self.matched) + len(self.unmatched)} "
            f"calibrant(s) matched a row, which became anchors ({int(self.anchors.sum())} rows)"
        )
        if self.unmatched:
            shown = ", ".join(self.unmatched[:10])
            text += f"; no row (of that species, within the RT tolerance) for: {shown}"
        return text


def match_calibrants(
    calibrants: pd.DataFrame,
    species: np.ndarray,
    internal_standard: np.ndarray,
    rt: np.ndarray,
    volume: np.ndarray,
    usable: np.ndarray,
) -> CalibrantMatch:
    """Mark the row each calibrant (:func:`calibrant_frame`) matches.

    ``species`` and ``internal_standard`` are per row (the normalised species key and the
    labelled-standard flag of its name), ``usable`` the rows that may be anchors.
    """
    anchors = np.zeros(len(rt), dtype=bool)
    matched: list[str] = []
    unmatched: list[str] = []
    volume = np.nan_to_num(volume, nan=0.0)
    for name, key, labelled, expected, tolerance in zip(
        calibrants["name"].tolist(),
        calibrants["species"].tolist(),
        calibrants["internal_standard"].to_numpy(dtype=bool).tolist(),
        calibrants["rt"].to_numpy(dtype=float).tolist(),
        calibrants["tolerance"].to_numpy(dtype=float).tolist(),
        strict=True,
    ):
        rows = np.flatnonzero(usable & (species == key) & (internal_standard == labelled))
        if np.isfinite(expected):
            rows = rows[np.abs(rt[rows] - expected) <= tolerance]
            best = int(rows[np.argmin(np.abs(rt[rows] - expected))]) if rows.size else -1
        else:
            best = int(rows[np.argmax(volume[rows])]) if rows.size else -1
        if best < 0:
            unmatched.append(str(name))
            continue
        anchors[best] = True
        matched.append(str(name))
    return CalibrantMatch(anchors, tuple(matched), tuple(unmatched))
