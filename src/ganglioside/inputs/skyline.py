"""Skyline small-molecule reports in long format (one row per molecule, precursor and replicate).

Columns as Skyline names them in report templates: ``Molecule List Name``, ``Molecule Name``
(``Molecule``), ``Precursor Adduct``, ``Precursor Mz``, ``Precursor Charge``, ``Replicate
Name`` (``Replicate``, or ``File Name``), ``Retention Time`` (``Best Retention Time``),
``Area`` or ``Total Area``, ``Height``, per replicate ``Sample Type``, ``File Name`` …
(recorded as the sample's metadata), and quality columns such as ``Isotope Dot Product`` or
``Mass Error PPM``.  Skyline writes ``#N/A`` where a value is missing.  A feature is one
precursor (molecule list, molecule, adduct, charge, m/z); each replicate is a sample, with its
own RT.  A transition-level report (several rows per precursor and replicate) is summed over
the transitions when the area column is ``Area``; ``Total Area`` is already the precursor's,
so its first row is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .export import Export, Features, SampleColumns, blank_missing, build_export
from .files import RawTable
from .headers import header_of, position, present, required, source_rows

AREAS = ("Total Area", "Area", "Total Area MS1", "Total Area Fragment")
RTS = ("Retention Time", "Best Retention Time", "Peak Retention Time")
KEYS = (
    "Molecule List Name",
    "Molecule Name",
    "Molecule",
    "Precursor Adduct",
    "Precursor Charge",
    "Precursor Mz",
)
IDENTITY = ("Molecule List Name", "Precursor Adduct", "Precursor Mz", "Precursor Charge",
            "Molecule Formula", "Ion Formula")  # fmt: skip
QUALITY = ("Isotope Dot Product", "Library Dot Product", "Mass Error PPM", "Detection Q Value")
#: The column naming the replicate (a sample), in order of preference.
REPLICATES = ("Replicate Name", "Replicate", "File Name")
#: Per-replicate columns recorded as the sample's metadata.
SAMPLE_METADATA = (
    "Sample Type",
    "File Name",
    "Batch Name",
    "Acquired Time",
    "Sample Dilution Factor",
)


@dataclass(frozen=True)
class _Layout:
    """Rows of a long report grouped by feature (precursor) and replicate."""

    feature: np.ndarray  # per row, feature code
    replicate: np.ndarray  # per row, replicate code
    replicates: list[str]
    first_row: np.ndarray  # per feature, its first row
    n_features: int


def _layout(raw: RawTable) -> _Layout:
    keys = [required(raw, h).astype(str).str.strip() for h in KEYS if position(raw, h) is not None]
    joined = keys[0]
    for key in keys[1:]:
        joined = joined + "\x1f" + key
    feature, uniques = pd.factorize(joined)
    replicate, names = pd.factorize(required(raw, *REPLICATES).astype(str).str.strip())
    first_row = pd.Series(np.arange(len(feature))).groupby(feature).min().to_numpy()
    return _Layout(feature, replicate, [str(n) for n in names], first_row, len(uniques))


def _per_feature(cells: pd.Series, layout: _Layout, rows: np.ndarray) -> pd.Series:
    """``cells`` of the given rows, placed at their feature (``""`` for features not there)."""
    out = np.full(layout.n_features, "", dtype=object)
    out[layout.feature[rows]] = cells.iloc[rows].to_numpy()
    return pd.Series(out, dtype=object)


def _summed(cells: pd.Series, layout: _Layout, rows: np.ndarray) -> pd.Series:
    """Per feature, the sum of the numbers of ``cells`` over the given rows (transitions)."""
    numbers = pd.to_numeric(blank_missing(cells.iloc[rows]), errors="coerce")
    sums = numbers.groupby(layout.feature[rows]).sum(min_count=1)
    out = np.full(layout.n_features, np.nan)
    out[sums.index.to_numpy()] = sums.to_numpy()
    return pd.Series(out)


@dataclass(frozen=True)
class SkylineReport:
    """Skyline report with one row per molecule (precursor) and replicate."""

    name: str = "Skyline"

    def header_row(self, top: list[list[str]]) -> int | None:
        return None

    def recognises(self, raw: RawTable) -> bool:
        return (
            position(raw, "Molecule Name", "Molecule") is not None
            and position(raw, *REPLICATES) is not None
            and position(raw, *AREAS) is not None
        )

    def read(self, raw: RawTable) -> Export:
        layout = _layout(raw)
        first = layout.first_row
        name_header = header_of(raw, "Molecule Name", "Molecule")
        rt_header = header_of(raw, *RTS)
        rt_cells = required(raw, rt_header) if rt_header else pd.Series([""] * len(raw.cells))
        features = Features(
            names=required(raw, name_header).iloc[first].reset_index(drop=True),
            rt=_mean_rt(rt_cells, layout),
            source_rows=source_rows(raw)[first],
            evidence={
                h: c.iloc[first].reset_index(drop=True) for h, c in present(raw, IDENTITY).items()
            },
            name_column=name_header,
            rt_column=rt_header,
        )
        samples = [
            self._sample(raw, layout, r, rt_cells, rt_header) for r in range(len(layout.replicates))
        ]
        quality = tuple(header_of(raw, q) for q in QUALITY)
        return build_export(self.name, raw, features, samples, quality)

    @staticmethod
    def _sample(
        raw: RawTable, layout: _Layout, r: int, rt: pd.Series, rt_header: str
    ) -> SampleColumns:
        rows = np.flatnonzero(layout.replicate == r)
        firsts = rows[~pd.Series(layout.feature[rows]).duplicated().to_numpy()]
        area_header = header_of(raw, *AREAS)
        area_cells = required(raw, area_header)
        repeated = len(firsts) < len(rows) and area_header.lower() == "area"
        area = (
            _summed(area_cells, layout, rows)
            if repeated
            else _per_feature(area_cells, layout, firsts)
        )
        return SampleColumns(
            name=layout.replicates[r],
            area=area,
            area_column=area_header + (" (summed over transitions)" if repeated else ""),
            rt=_per_feature(rt, layout, firsts),
            rt_column=rt_header or None,
            evidence={h: _per_feature(c, layout, firsts) for h, c in present(raw, QUALITY).items()},
            metadata=_metadata(raw, rows[0]),
        )


def _metadata(raw: RawTable, row: int) -> dict[str, str]:
    """The replicate's metadata columns, from its first row (the replicate column left out)."""
    replicate = header_of(raw, *REPLICATES)
    return {
        header: str(cells.iloc[row])
        for header, cells in present(raw, SAMPLE_METADATA).items()
        if header != replicate and str(cells.iloc[row]).strip()
    }


def _mean_rt(cells: pd.Series, layout: _Layout) -> pd.Series:
    """Per feature, the mean RT over the replicates (its RT where a replicate has none)."""
    numbers = pd.to_numeric(blank_missing(cells), errors="coerce")
    means = numbers.groupby(layout.feature).mean()
    out = np.full(layout.n_features, np.nan)
    out[means.index.to_numpy()] = means.to_numpy()
    return pd.Series(out)


SKYLINE = SkylineReport()
