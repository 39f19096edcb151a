"""``read_table``: a file or DataFrame → the clean frame the analysis works on.

The steps, each in its own module: read the cells (:mod:`.files`), let a tool-specific export
format turn its samples into canonical tables (:mod:`.formats`), find the canonical columns
(:mod:`.columns`) and check their values into one collector of row-level problems
(:mod:`.checks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .checks import (
    Problems,
    check_anchors,
    check_cell_lengths,
    check_log_p,
    check_names,
    check_rt,
    check_volume,
)
from .columns import map_columns
from .export import Export
from .files import RawTable, ReadLimits
from .formats import read_export

MAX_PROBLEMS_SHOWN = 5


@dataclass
class Table:
    """A read table: the clean frame, the per-row problems and file-level warnings."""

    frame: pd.DataFrame
    problems: pd.Series  # per row: "" or "; "-joined problems
    warnings: list[str]
    source: str
    name_codes: np.ndarray | None = None  # per row, index into ``distinct_names``
    distinct_names: np.ndarray | None = None


def read_table(
    source: str | Path | pd.DataFrame | Export | RawTable,
    *,
    max_rt: float = 120.0,
    sample: str | None = None,
    columns: str | Mapping[str, str] | None = None,
) -> Table:
    """Read and check a feature table (or one sample of an instrument export).

    Parameters
    ----------
    source:
        Path of a CSV, TSV, TXT or XLSX file (UTF-8, with or without BOM), a DataFrame, an
        :class:`~.export.Export` already read, or a :class:`~.files.RawTable` of canonical
        columns.
    max_rt:
        Longest plausible retention time (min).
    sample:
        The sample to read from an export with several (see :func:`~.formats.read_export`).
    columns:
        An explicit column mapping (see :func:`~.formats.read_export`).

    Returns
    -------
    Table
        ``frame`` has ``row`` (1-based data row), ``name``, ``rt``, ``volume``, ``log_p``
        (NaN when not given), ``is_anchor`` and any extra columns; ``problems`` holds the
        row-level problems ("" when the row is fine).

    Raises
    ------
    InputError
        When the whole file cannot be used: not a table, empty, wrong encoding, a required
        column missing or given twice, no usable row, or an export with several samples and
        none chosen.
    """
    raw = source if isinstance(source, RawTable) else read_export(source, columns).table(sample)
    mapping = map_columns(raw)
    problems = Problems(len(raw.cells))
    # A cell longer than the limit is cut here (its row marked), before anything quotes it.
    max_chars = ReadLimits.from_environ().max_cell_chars
    check_cell_lengths(raw.cells, raw.header, problems, max_chars=max_chars)
    cells = {canon: raw.cells.iloc[:, pos] for canon, pos in mapping.items()}
    names = check_names(cells["name"], problems)
    frame = _checked_frame(cells, names.categorical(), problems, max_rt)
    _add_other_columns(frame, raw, set(mapping.values()))
    per_row = problems.per_row()
    return Table(
        frame=frame,
        problems=per_row,
        warnings=[*raw.warnings, *_invalid_rows_warnings(frame, per_row, raw.source)],
        source=raw.source,
        name_codes=names.codes,
        distinct_names=names.distinct,
    )


def _checked_frame(
    cells: Mapping[str, pd.Series], names: pd.Categorical, problems: Problems, max_rt: float
) -> pd.DataFrame:
    """The canonical columns, each checked into ``problems``."""
    return pd.DataFrame(
        {
            "row": np.arange(1, problems.n_rows + 1, dtype=np.int64),
            "name": names,
            "rt": check_rt(cells["rt"], problems, max_rt=max_rt),
            "volume": check_volume(cells["volume"], problems),
            "log_p": check_log_p(cells.get("log_p"), problems),
            "is_anchor": check_anchors(cells.get("anchor"), problems),
        }
    )


def _add_other_columns(frame: pd.DataFrame, raw: RawTable, used: set[int]) -> None:
    """Keep every input column not mapped, renamed ``input_…`` when its name is taken."""
    reserved = set(frame.columns)
    for pos, head in enumerate(raw.header):
        if pos in used:
            continue
        out_name = head if head and head not in reserved else f"input_{head or pos + 1}"
        frame[out_name] = raw.cells.iloc[:, pos].to_numpy()


def _invalid_rows_warnings(frame: pd.DataFrame, per_row: pd.Series, source: str) -> list[str]:
    """The file-level warning about rows marked invalid; an error when no row is usable."""
    n, n_bad = len(per_row), int((per_row != "").sum())
    if n_bad == 0:
        return []
    if n_bad == n:
        examples = zip(frame["row"][:3], per_row[:3], strict=True)
        raise InputError(
            f"no usable row: all {n} data rows have problems, e.g. "
            + " | ".join(f"row {r}: {p}" for r, p in examples),
            file=source,
        )
    shown = np.flatnonzero(per_row.to_numpy() != "")[:MAX_PROBLEMS_SHOWN]
    examples_text = " | ".join(f"row {i + 1}: {per_row.iat[i]}" for i in shown)
    return [f"{source}: {n_bad} row(s) cannot be used and are marked invalid, e.g. {examples_text}"]
