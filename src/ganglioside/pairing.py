"""Pairing two lists of peaks one to one.

* :func:`closest_pairs` — the closest candidate pairs first, each peak once (the study's
  alignment across samples and the row matching below use it).
* :func:`pair_peaks` — the rows of two different tables: the same species, at nearly the same
  retention time.

Two files of one sample (two injections, two exports) number their rows differently, so a row
of one is paired with a row of the other by what it is (its species, or its name) and when it
eluted.  Within one species, peaks are paired in elution order: the pairing keeps the order of
the peaks in both tables, pairs as many as it can with a retention-time difference of at most
the tolerance, and among those takes the smallest total difference.  A shift of the whole run
(every peak 0.05 min later) therefore pairs each peak with its own twin, even where two peaks of
one species elute closer together than the shift.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

import pandas as pd


def closest_pairs(candidates: Iterable[tuple[float, int, int]]) -> list[tuple[int, int]]:
    """From ``(gap, i, j)`` candidates, the pairs ``(i, j)`` taken smallest gap first with each
    ``i`` and each ``j`` used once, in order of ``i``."""
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen = []
    for _, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            chosen.append((i, j))
    return sorted(chosen)


#: Above this many candidate pairs in one species (rows in A × rows in B), the pairing of that
#: species takes the closest pairs first instead of keeping the elution order (which costs
#: time in proportion to that product).
ORDERED_LIMIT = 40_000


def pair_peaks(a: pd.DataFrame, b: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """Pair the rows of ``a`` and ``b`` (columns ``row``, ``key``, ``rt``), one to one.

    Rows with an empty key or no retention time are not paired.

    Returns
    -------
    pandas.DataFrame
        Columns ``row_a`` and ``row_b``, ordered by ``row_a``.
    """
    a, b = _usable(a), _usable(b)
    size_a, size_b = a["key"].value_counts(), b["key"].value_counts()
    common = size_a.index.intersection(size_b.index)
    single = common[(size_a[common] == 1).to_numpy() & (size_b[common] == 1).to_numpy()]
    parts = [_pair_singles(a, b, set(single), tolerance)]
    several = set(common) - set(single)
    if several:
        groups_b = dict(tuple(b[b["key"].isin(several)].groupby("key", sort=False)))
        for key, group_a in a[a["key"].isin(several)].groupby("key", sort=False):
            parts.append(_pair_group(group_a, groups_b[key], tolerance))
    pairs = pd.concat(parts, ignore_index=True)
    return pairs.sort_values("row_a", kind="stable").reset_index(drop=True)


def _usable(frame: pd.DataFrame) -> pd.DataFrame:
    keep = frame["key"].astype(str).ne("") & frame["rt"].notna()
    out = frame.loc[keep, ["row", "key", "rt"]].copy()
    out["key"] = out["key"].astype(str)
    out["rt"] = out["rt"].astype(float)
    return out


def _pair_singles(a: pd.DataFrame, b: pd.DataFrame, keys: set, tolerance: float) -> pd.DataFrame:
    """Species with one peak on each side: a pair when the two are close enough."""
    merged = a[a["key"].isin(keys)].merge(b[b["key"].isin(keys)], on="key", suffixes=("_a", "_b"))
    close = (merged["rt_a"] - merged["rt_b"]).abs() <= tolerance
    return merged.loc[close, ["row_a", "row_b"]]


def _pair_group(a: pd.DataFrame, b: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    a, b = a.sort_values(["rt", "row"]), b.sort_values(["rt", "row"])
    rows_a, rows_b = a["row"].tolist(), b["row"].tolist()
    rt_a, rt_b = a["rt"].tolist(), b["rt"].tolist()
    if len(rt_a) * len(rt_b) > ORDERED_LIMIT:
        chosen = _closest_first(rt_a, rt_b, tolerance)
    else:
        chosen = _in_elution_order(rt_a, rt_b, tolerance)
    return pd.DataFrame(
        {"row_a": [rows_a[i] for i, _ in chosen], "row_b": [rows_b[j] for _, j in chosen]},
        dtype="int64",
    )


def _in_elution_order(rt_a: list[float], rt_b: list[float], tolerance: float) -> list[tuple]:
    """The order-keeping pairing with the most pairs, then the smallest total RT difference
    (an alignment of the two sorted lists by dynamic programming)."""
    return _trace_back(_alignment_steps(rt_a, rt_b, tolerance))


def _alignment_steps(rt_a: list[float], rt_b: list[float], tolerance: float) -> list[list[int]]:
    """``step[i][j]`` of the best pairing of ``a[:i]`` with ``b[:j]``: 1 when ``a[i-1]`` is
    left alone, 2 when ``b[j-1]`` is, 3 when they are paired."""
    n, m = len(rt_a), len(rt_b)
    # score[i][j]: (pairs, -total difference) of the best pairing of a[:i] with b[:j].
    score = [[(0, 0.0)] * (m + 1) for _ in range(n + 1)]
    step = [[1] * (m + 1) for _ in range(n + 1)]
    step[0] = [2] * (m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best, how = score[i - 1][j], 1
            if score[i][j - 1] > best:
                best, how = score[i][j - 1], 2
            gap = abs(rt_a[i - 1] - rt_b[j - 1])
            pairs, total = score[i - 1][j - 1]
            if gap <= tolerance and (pairs + 1, total - gap) > best:
                best, how = (pairs + 1, total - gap), 3
            score[i][j], step[i][j] = best, how
    return step


def _trace_back(step: list[list[int]]) -> list[tuple[int, int]]:
    """The pairs (index in a, index in b) of an alignment, in order."""
    chosen = []
    i, j = len(step) - 1, len(step[0]) - 1
    while i > 0 or j > 0:
        how = step[i][j]
        if how == 3:
            chosen.append((i - 1, j - 1))
        i, j = (i - 1 if how in (1, 3) else i), (j - 1 if how in (2, 3) else j)
    return chosen[::-1]


def _closest_first(rt_a: list[float], rt_b: list[float], tolerance: float) -> list[tuple]:
    """Pairs within the tolerance taken from the closest, each peak used once."""
    # rt_b is sorted: the peaks within the tolerance of x lie between two bisections.
    return closest_pairs(
        (abs(x - rt_b[j]), i, j)
        for i, x in enumerate(rt_a)
        for j in range(bisect_left(rt_b, x - tolerance), bisect_right(rt_b, x + tolerance))
    )
