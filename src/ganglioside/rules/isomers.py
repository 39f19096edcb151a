"""Rule 3: isomer peaks.

Positional isomers (GD1a/GD1b, GT1a/b/c, …) share a name and a Log P but elute apart.  When a
group's anchors show two or more peaks per name, the group gets parallel tracks in the RT model:
each anchor peak of such a name gets its elution rank as its track.  Letters are given to tracks
only from lettered anchors or a configured elution order; otherwise tracks are early/late.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Two anchor peaks of one name closer than this are not isomers (they would be one peak).
MIN_TRACK_GAP = 0.1
TRACK_NAMES = ("early", "late", "third", "fourth")


def isomer_capable(comp: pd.DataFrame) -> np.ndarray:
    """Series-1 cores with two or more sialic acids (lettered or not).

    These (GD1a/b, GT1a/b/c, GQ1b/c, …) commonly show two positional isomers in brain
    extracts; GM1b is rare enough that a GM1 name is not given a second track without anchors.
    A lettered name without anchors may still sit on either line of its composition.
    """
    return (comp["series"].to_numpy() == 1) & (comp["sialic"].to_numpy() >= 2)


def anchor_tracks(
    group: np.ndarray, name_key: np.ndarray, rt: np.ndarray, anchors: np.ndarray
) -> tuple[np.ndarray, dict[int, int]]:
    """Track of each anchor peak and the number of tracks of each multi-track group.

    Parameters
    ----------
    group, name_key:
        Integer codes of the RT group and of the (group, ceramide) name, per row.
    rt:
        Retention times.
    anchors:
        Mask of anchors that take part in the model.

    Returns
    -------
    track, n_tracks
        ``track`` is the elution rank (0 = earliest) of anchors of multi-peak names, 0 for other
        anchors of single-track groups and -1 for single-peak anchors of multi-track groups (to
        be placed on the nearest track after a first fit) and for non-anchors.
        ``n_tracks`` maps group code → number of tracks, for multi-track groups only.
    """
    n = len(rt)
    track = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(anchors)
    if idx.size == 0:
        return track, {}
    order = idx[np.lexsort((rt[idx], name_key[idx]))]  # by name, then RT
    key, times, g = name_key[order], rt[order], group[order]
    start, size = _runs(key)
    rank = np.arange(order.size) - np.repeat(start, size)
    peaks = np.repeat(size, size)
    step = np.r_[np.nan, np.where(key[1:] == key[:-1], np.diff(times), np.nan)]
    with np.errstate(invalid="ignore"):
        multi = (peaks >= 2) & (np.repeat(np.fmin.reduceat(step, start), size) >= MIN_TRACK_GAP)
    multi_groups, at = np.unique(g[multi], return_inverse=True)
    most = np.zeros(multi_groups.size, dtype=np.int64)
    np.maximum.at(most, at.ravel(), peaks[multi])
    n_tracks = {
        int(gc): int(min(k, len(TRACK_NAMES)))
        for gc, k in zip(multi_groups.tolist(), most.tolist(), strict=True)
    }
    in_multi = np.isin(g, multi_groups)
    ranks = np.minimum(rank, len(TRACK_NAMES) - 1)
    track[order] = np.where(in_multi, np.where(multi, ranks, -1), 0)
    return track, n_tracks


def _runs(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each run of equal values in ``key`` (sorted)."""
    if not key.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return start, np.diff(np.append(start, key.size))


def track_labels(
    core: str, n_tracks: int, elution_order: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """Names of a group's tracks: configured letters when known, else early/late."""
    letters = elution_order.get(core)
    if letters and len(letters) >= n_tracks:
        return list(letters[:n_tracks])
    return list(TRACK_NAMES[:n_tracks])


def lettered_order(comp: pd.DataFrame, anchors: np.ndarray) -> dict[str, tuple[str, ...]]:
    """Elution order of isomer letters shown by lettered anchors of the same core and ceramide.

    For instance anchors GD1b(36:1;O2) at 9.14 and GD1a(36:1;O2) at 9.65 give {"GD1": ("b", "a")}.
    """
    lettered = anchors & (comp["isomer"].fillna("").to_numpy(dtype=object) != "")
    if not lettered.any():
        return {}
    sub = comp.loc[lettered, ["core", "isomer", "ceramide", "rt"]]
    out: dict[str, tuple[str, ...]] = {}
    for core, rows in sub.groupby("core"):
        per_cer = rows.groupby("ceramide")
        best = max(per_cer, key=lambda item: item[1]["isomer"].nunique())[1]
        if best["isomer"].nunique() >= 2:
            ordered = best.sort_values("rt")["isomer"].str[0].drop_duplicates()
            out[str(core)] = tuple(ordered)
    return out


#: Spacing (min) between the two peaks of a name that can be positional isomers.
MIN_ISOMER_GAP, MAX_ISOMER_GAP = 0.15, 1.5


def _two_peak_names(
    name_code: np.ndarray, rt: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The positions and RTs of the names with exactly two peaks among ``rows``, by name and
    then RT: the earlier peak of each name at even places, the later at odd ones."""
    idx = np.flatnonzero(rows)
    order = idx[np.lexsort((rt[idx], name_code[idx]))]
    _, size = _runs(name_code[order])
    two = np.repeat(size == 2, size)
    return order[two], rt[order[two]]


def pair_spacing(name_code: np.ndarray, rt: np.ndarray, rows: np.ndarray) -> float | None:
    """Isomer spacing seen in names with exactly two peaks, when it is consistent.

    Used only when no anchor pair shows the spacing.  Returns None unless at least three names
    agree (inter-quartile range of the gaps ≤ 0.25 min).
    """
    _, times = _two_peak_names(name_code, rt, rows)
    if times.size < 6:
        return None
    gaps = times[1::2] - times[0::2]
    gaps = gaps[(gaps >= MIN_ISOMER_GAP) & (gaps <= MAX_ISOMER_GAP)]
    if gaps.size < 3:
        return None
    q1, med, q3 = np.percentile(gaps, [25, 50, 75])
    return float(med) if q3 - q1 <= 0.25 else None


def pair_ranks(
    name_code: np.ndarray, rt: np.ndarray, rows: np.ndarray, delta: float, rank: np.ndarray
) -> np.ndarray:
    """Mark the early (0) and late (1) peak of names seen as a pair spaced by about ``delta``."""
    out = rank.copy()
    i, times = _two_peak_names(name_code, rt, rows)
    if not i.size:
        return out
    first, last = np.repeat(times[0::2], 2), np.repeat(times[1::2], 2)
    tol = max(0.15, 0.35 * delta)
    ok = np.abs(last - first - delta) <= tol
    is_late = times == last
    out[i[ok]] = is_late[ok].astype(np.int64)
    return out
