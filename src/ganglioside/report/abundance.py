"""Relative abundances from consolidated volumes, for the report's bar charts and tables.

Fragments are left out because their volume is already folded into their root parent's
``volume_consolidated``; invalid rows are left out because they have no usable composition.
Valid, unverified and outlier rows are kept apart, so a reader sees how much of a category rests
on rows the RT model confirmed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..result import CATEGORIES

#: Statuses whose volume counts, in the order they are stacked.
COUNTED_STATUSES: tuple[str, ...] = ("valid", "unverified", "outlier")

_BY_LABEL = {"category": "category", "core": "headgroup"}


def natural_key(text: str) -> tuple[object, ...]:
    """Sort GM1 < GM2 < GM10 and keep the category order GA, GM, GD, GT, GQ, GP."""
    category = text[:2]
    rank = CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES)
    parts = tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text) if p)
    return (rank, *(("", p) if isinstance(p, int) else (p, 0) for p in parts))


def abundance_table(compounds: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Consolidated volume per category or headgroup, split by status.

    Parameters
    ----------
    compounds:
        :attr:`ganglioside.Analysis.compounds`.
    by:
        ``"category"`` (GM, GD, ...) or ``"core"`` (the headgroup, GM1, GD1, ...).

    Returns
    -------
    pandas.DataFrame
        One row per key, in Svennerholm order, with columns ``key``, ``rows`` (rows counted),
        ``volume_<status>`` for each of :data:`COUNTED_STATUSES`, ``volume`` (their sum) and
        ``percent`` (share of the total counted volume).
    """
    if by not in _BY_LABEL:
        raise ValueError(f"by must be one of {sorted(_BY_LABEL)}, got {by!r}")
    columns = ["key", "rows", *(f"volume_{s}" for s in COUNTED_STATUSES), "volume", "percent"]
    counted = compounds[compounds["status"].isin(COUNTED_STATUSES)].copy()
    counted = counted[counted[by].notna() & (counted[by].astype(str) != "")]
    if counted.empty:
        return pd.DataFrame(columns=columns)
    volume = pd.to_numeric(counted["volume_consolidated"], errors="coerce")
    fallback = pd.to_numeric(counted["volume"], errors="coerce")
    counted["_volume"] = volume.fillna(fallback).fillna(0.0)
    counted["_key"] = counted[by].astype(str)
    table = counted.pivot_table(
        index="_key", columns="status", values="_volume", aggfunc="sum", fill_value=0.0
    )
    table = table.reindex(columns=list(COUNTED_STATUSES), fill_value=0.0)
    table.columns = [f"volume_{s}" for s in table.columns]
    table["rows"] = counted.groupby("_key").size()
    table["volume"] = table[[f"volume_{s}" for s in COUNTED_STATUSES]].sum(axis=1)
    total = float(table["volume"].sum())
    table["percent"] = table["volume"] / total * 100.0 if total > 0 else np.nan
    table = table.reset_index().rename(columns={"_key": "key"})
    order = sorted(table["key"], key=natural_key)
    table = table.set_index("key").loc[order].reset_index()
    table["rows"] = table["rows"].astype(int)
    return table[columns]


def abundance_label(by: str) -> str:
    """Human label of an abundance level (``core`` reads as ``headgroup``)."""
    return _BY_LABEL[by]
