"""Finding an export's columns by their headers, and the row of each feature in the file."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import InputError, listed
from .files import RawTable


def _key(header: str) -> str:
    return " ".join(str(header).split()).lower()


def position(raw: RawTable, *names: str) -> int | None:
    """Position of the first of ``names`` that is a header of ``raw`` (case and runs of spaces
    ignored), or None."""
    keys = {_key(h): i for i, h in reversed(list(enumerate(raw.header)))}
    for name in names:
        if _key(name) in keys:
            return keys[_key(name)]
    return None


def has_all(raw: RawTable, *names: str) -> bool:
    """Whether every one of ``names`` is a header of ``raw``."""
    return all(position(raw, name) is not None for name in names)


def column(raw: RawTable, *names: str) -> pd.Series | None:
    """The cells of the first of ``names`` found (see :func:`position`), or None."""
    pos = position(raw, *names)
    return None if pos is None else raw.cells.iloc[:, pos]


def required(raw: RawTable, *names: str) -> pd.Series:
    """The cells of the first of ``names`` found.

    Raises
    ------
    InputError
        When none of ``names`` is a header of ``raw``.
    """
    found = column(raw, *names)
    if found is None:
        raise InputError(
            f"none of the columns {', '.join(repr(n) for n in names)} is in the file; its "
            f"columns are: {listed(raw.header)}",
            file=raw.source,
        )
    return found


def header_of(raw: RawTable, *names: str) -> str:
    """The header as the file spells it of the first of ``names`` found ("" when none)."""
    pos = position(raw, *names)
    return "" if pos is None else raw.header[pos]


def present(raw: RawTable, names: Iterable[str]) -> dict[str, pd.Series]:
    """Header (as spelt in the file) → cells, for each of ``names`` the file has."""
    found = {}
    for name in names:
        pos = position(raw, name)
        if pos is not None:
            found[raw.header[pos]] = raw.cells.iloc[:, pos]
    return found


def source_rows(raw: RawTable) -> np.ndarray:
    """Row of each data row in the file, as a spreadsheet numbers it (the header's row + 1 …)."""
    return np.arange(raw.header_line + 1, raw.header_line + 1 + len(raw.cells), dtype=np.int64)
