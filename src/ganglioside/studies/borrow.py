"""Anchors borrowed from the other samples for a sample that has too few of its own.

The valid anchors of the other samples are grouped by species and drift-corrected RT (as the
alignment groups peaks, so the isomer tracks of a species stay apart); a group anchored in at
least half of the other samples has a consensus anchor RT.  In a sample with fewer than
``min_own_anchors`` anchors, its peak of that species that elutes within ``rt_tolerance`` of
that RT, after the sample's own drift correction, is taken as an anchor, and the sample is
analysed again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import StudyConfig
from .drift import Drift

#: Statuses a peak may have in the first analysis to be borrowed as an anchor.
BORROWABLE = ("valid", "unverified", "outlier")


def borrowed_anchor_rows(
    peaks: pd.DataFrame, samples: list[str], drift: Drift, config: StudyConfig
) -> dict[str, tuple[int, ...]]:
    """Sample → rows to take as anchors, for the samples with too few anchors of their own."""
    if not config.borrow_anchors or len(samples) < 3:
        return {}
    own = peaks[peaks["is_anchor"]].groupby("sample").size().reindex(samples).fillna(0)
    poor = [s for s in samples if own[s] < config.min_own_anchors]
    if not poor:
        return {}
    corrected = drift.correct(peaks["sample"].to_numpy(), peaks["rt"].to_numpy(dtype=float))
    peaks = peaks.assign(rt_corrected=corrected)
    out = {}
    for sample in poor:
        rows = _rows_for(peaks, sample, len(samples), config.rt_tolerance)
        if rows:
            out[sample] = rows
    return out


def _rows_for(
    peaks: pd.DataFrame, sample: str, n_samples: int, tolerance: float
) -> tuple[int, ...]:
    others = peaks[(peaks["sample"] != sample) & peaks["is_anchor"] & (peaks["status"] == "valid")]
    others = others[others["key"] != ""]
    support = others.groupby("key")["sample"].nunique()
    common = support.index[support >= max(2, (n_samples - 1) / 2)]
    consensus = others[others["key"].isin(common)].groupby("key")["rt_corrected"].median()
    mine = peaks[
        (peaks["sample"] == sample)
        & ~peaks["is_anchor"]
        & peaks["status"].isin(BORROWABLE)
        & peaks["key"].isin(consensus.index)
    ]
    distance = np.abs(mine["rt_corrected"].to_numpy() - consensus.reindex(mine["key"]).to_numpy())
    close = mine.assign(distance=distance)[distance <= tolerance]
    # One peak per species: the closest to the consensus.
    best = close.sort_values("distance", kind="stable").drop_duplicates("key")
    return tuple(sorted(int(r) for r in best["row"]))
