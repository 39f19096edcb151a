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
    """Series-1 cores with sialic acids and no declared letter can show positional isomers."""
    return (
        (comp["series"].to_numpy() == 1)
        & (comp["sialic"].to_numpy() >= 1)
        & (comp["isomer"].fillna("").to_numpy(dtype=object) == "")
    )


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
    n_tracks = {int(g): int(min(k, len(TRACK_NAMES))) for g, k in multi_groups.items()}
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
