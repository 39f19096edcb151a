"""Relative abundances for the report's bar charts and tables.

The quantities are those of the summary (:func:`ganglioside.summary.abundance`): consolidated
volumes of the quantified rows (``valid``), so the report, ``summary.json`` and the workbook
agree.  Fragments never count on their own (their volume is folded into their root parent's
``volume_consolidated``), and invalid rows have no composition.  For context the tables add the
volume of the rows that were not quantified (outliers and unverified rows) under the same key.
"""

from __future__ import annotations

import re

import pandas as pd

from ..result import CATEGORIES
from ..summary import QUANTIFIED, abundance

#: Report levels and the compound column each one groups by.
LEVELS: dict[str, str] = {
    "category": "category",
    "headgroup": "group_key",
    "core": "core",
    "ceramide": "ceramide",
}

#: Statuses whose volume is shown as "not quantified" next to the quantified volume.
NOT_QUANTIFIED: tuple[str, ...] = ("outlier", "unverified")

COLUMNS: tuple[str, ...] = ("key", "rows", "volume", "percent", "volume_not_quantified")


def natural_key(text: str) -> tuple[object, ...]:
    """Sort GM1 < GM2 < GM10 and keep the category order GA, GM, GD, GT, GQ, GP."""
    category = text[:2]
    rank = CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES)
    parts = tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text) if p)
    return (rank, *(("", p) if isinstance(p, int) else (p, 0) for p in parts))


def _ceramide_key(text: str) -> tuple[object, ...]:
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    return (0, *numbers) if numbers else (1, text)


def abundance_table(compounds: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Quantified consolidated volume and share per category, headgroup, core or ceramide.

    Parameters
    ----------
    compounds:
        :attr:`ganglioside.AnalysisResult.compounds`.
    by:
        A key of :data:`LEVELS`: ``"category"`` (GM, GD ...), ``"headgroup"`` (the RT-model
        group, e.g. GD1+OAc, as in the summary), ``"core"`` (GD1, modifications pooled) or
        ``"ceramide"``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: ``rows`` and ``volume`` of the quantified rows, ``percent`` of
        the total quantified volume, and ``volume_not_quantified`` (outliers and unverified
        rows, for context).  Ordered by Svennerholm name, or by ceramide carbons and double
        bonds.
    """
    if by not in LEVELS:
        raise ValueError(f"by must be one of {', '.join(LEVELS)}, got {by!r}")
    column = LEVELS[by]
    present = compounds[compounds[column].notna() & (compounds[column].astype(str) != "")]
    quantified = pd.DataFrame(abundance(present, column), columns=[column, *COLUMNS[1:4]])
    quantified = quantified.rename(columns={column: "key"}).set_index("key")

    others = present[present["status"].isin([s for s in NOT_QUANTIFIED if s not in QUANTIFIED])]
    volume = pd.to_numeric(others["volume_consolidated"], errors="coerce").fillna(0.0)
    extra = volume.groupby(others[column].astype(str)).sum()

    keys = sorted(
        set(quantified.index) | set(extra.index),
        key=_ceramide_key if by == "ceramide" else natural_key,
    )
    table = quantified.reindex(keys)
    table["rows"] = table["rows"].fillna(0).astype(int)
    table[["volume", "percent"]] = table[["volume", "percent"]].fillna(0.0)
    table["volume_not_quantified"] = extra.reindex(keys).fillna(0.0)
    return table.reset_index()[list(COLUMNS)]
