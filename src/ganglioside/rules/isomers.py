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
    frame = pd.DataFrame({"i": idx, "g": group[idx], "k": name_key[idx], "rt": rt[idx]})
    frame = frame.sort_values(["k", "rt"], kind="stable")
    frame["rank"] = frame.groupby("k").cumcount()
    frame["peaks"] = frame.groupby("k")["i"].transform("size")
    same = frame["k"].to_numpy()[1:] == frame["k"].to_numpy()[:-1]
    step = np.concatenate([[np.nan], np.where(same, np.diff(frame["rt"].to_numpy()), np.nan)])
    gap = pd.Series(step, index=frame.index).groupby(frame["k"]).transform("min")
    frame["multi"] = (frame["peaks"] >= 2) & (gap >= MIN_TRACK_GAP)
    multi_groups = frame.loc[frame["multi"]].groupby("g")["peaks"].max()
    n_tracks = {
        int(g): int(min(k, len(TRACK_NAMES)))
        for g, k in zip(multi_groups.index.tolist(), multi_groups.tolist(), strict=True)
    }
    in_multi = frame["g"].isin(list(n_tracks)).to_numpy()
    ranks = np.minimum(frame["rank"].to_numpy(), len(TRACK_NAMES) - 1)
    assigned = np.where(in_multi, np.where(frame["multi"].to_numpy(), ranks, -1), 0)
    track[frame["i"].to_numpy()] = assigned
    return track, n_tracks


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


def _two_peak_names(name_code: np.ndarray, rt: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    idx = np.flatnonzero(rows)
    frame = pd.DataFrame({"i": idx, "k": name_code[idx], "rt": rt[idx]})
    size = frame.groupby("k")["i"].transform("size")
    return frame[size == 2].sort_values(["k", "rt"], kind="stable")


def pair_spacing(name_code: np.ndarray, rt: np.ndarray, rows: np.ndarray) -> float | None:
    """Isomer spacing seen in names with exactly two peaks, when it is consistent.

    Used only when no anchor pair shows the spacing.  Returns None unless at least three names
    agree (inter-quartile range of the gaps ≤ 0.25 min).
    """
    pairs = _two_peak_names(name_code, rt, rows)
    if len(pairs) < 6:
        return None
    gaps = pairs.groupby("k")["rt"].agg(lambda s: s.iloc[1] - s.iloc[0]).to_numpy()
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
    pairs = _two_peak_names(name_code, rt, rows)
    if pairs.empty:
        return out
    first = pairs.groupby("k")["rt"].transform("first").to_numpy()
    last = pairs.groupby("k")["rt"].transform("last").to_numpy()
    gap = last - first
    tol = max(0.15, 0.35 * delta)
    ok = np.abs(gap - delta) <= tol
    is_late = pairs["rt"].to_numpy() == last
    i = pairs["i"].to_numpy()
    out[i[ok]] = is_late[ok].astype(np.int64)
    return out
