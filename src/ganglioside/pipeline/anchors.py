"""Anchors from a calibrant list: the rows the lab's standards match become anchors."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..calibrants import match_calibrants
from .rows import ParsedNames, Rows


def with_calibrants(
    rows: Rows, names: ParsedNames, calibrants: pd.DataFrame | None
) -> tuple[Rows, tuple[str, ...]]:
    """The rows with the calibrants' matches added to the anchors, and the warning saying so.

    ``calibrants`` is a checked calibrant list (:func:`ganglioside.calibrants.calibrant_frame`);
    None leaves the rows as they are.
    """
    if calibrants is None:
        return rows, ()
    composition = names.composition
    species = composition["species"].fillna("").to_numpy(dtype=object)[names.name_codes]
    labelled = composition["is_internal_standard"].fillna(False).to_numpy(dtype=bool)
    match = match_calibrants(
        calibrants,
        species,
        labelled[names.name_codes],
        rows.rt,
        rows.volume,
        rows.usable,
    )
    anchors = rows.anchors | match.anchors
    return replace(rows, is_anchor=rows.is_anchor | match.anchors, anchors=anchors), (
        match.warning(),
    )
