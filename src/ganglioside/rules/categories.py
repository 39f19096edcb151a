"""Rule 2: sugar counts and categories, and the soft check that more sugars elute earlier.

The sugar count and the GA/GM/GD/GT/GQ/GP category come from the parsed name (see
:mod:`ganglioside.names`): sialic acids plus the neutral core sugars (5 - series digit) plus sugar
modifications; an O-acetyl ester is not a sugar.  This module holds the soft check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import codes_of


def _group_ranks(group: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each value within its group (1-based, ties averaged), and per group the
    number of distinct values."""
    n = group.size
    order = np.lexsort((values, group))
    g, v = group[order], values[order]
    new_group = np.r_[True, g[1:] != g[:-1]]
    new_run = new_group | np.r_[True, v[1:] != v[:-1]]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    run_start = np.flatnonzero(new_run)
    run_end = np.r_[run_start[1:], n]
    mid = (run_start + run_end - 1) / 2  # mean 0-based position of each run of ties
    ranks = np.empty(n)
    ranks[order] = mid[np.cumsum(new_run) - 1] - group_start + 1
    distinct = np.bincount(g[new_run], minlength=int(group.max()) + 1)
    return ranks, distinct


def sugar_order_warnings(
    ceramide: pd.Series, sugar_count: pd.Series, rt: pd.Series, valid: np.ndarray
) -> list[str]:
    """Warn for ceramides whose valid peaks do not elute earlier with more sugars.

    Within one ceramide, a larger glycan is more polar and elutes earlier in reversed phase, so
    the rank correlation between sugar count and RT should be negative.  Only ceramides with at
    least four distinct sugar counts are checked.
    """
    codes, labels = codes_of(ceramide)
    time = rt.to_numpy(dtype=float)
    sel = np.flatnonzero(np.asarray(valid, dtype=bool) & (codes >= 0) & np.isfinite(time))
    if sel.size == 0:
        return []
    group = codes[sel]
    sugar_rank, distinct = _group_ranks(group, sugar_count.to_numpy(dtype=float)[sel])
    keep = distinct[group] >= 4
    if not keep.any():
        return []
    group, sugar_rank = group[keep], sugar_rank[keep]
    rt_rank, _ = _group_ranks(group, time[sel][keep])
    # Spearman correlation per ceramide = Pearson correlation of the ranks
    size = len(labels)
    count = np.bincount(group, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = sugar_rank - (np.bincount(group, sugar_rank, size) / count)[group]
        b = rt_rank - (np.bincount(group, rt_rank, size) / count)[group]
        num = np.bincount(group, a * b, size)
        den = np.sqrt(np.bincount(group, a * a, size) * np.bincount(group, b * b, size))
        rho = num / den
    checked = [i for i in np.flatnonzero(count).tolist() if rho[i] > 0]
    return [
        f"ceramide {labels[i]}: peaks with more sugars do not elute earlier "
        f"(rank correlation of sugar count with RT = {rho[i]:+.2f}); check the annotations"
        for i in sorted(checked, key=lambda i: str(labels[i]))
    ]
