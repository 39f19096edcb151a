"""Isomer tracks inside the RT model: placing anchors on tracks, and early/late lines for
the peaks of isomer-capable groups that have no tracks of their own.

All functions here are pure: they return new tracks or lines and change none of their inputs.
"""

from __future__ import annotations

import numpy as np

from ...robust import grouped_median
from ._lines import LineFit

MAX_ALIGNMENT_OPTIONS = 400  # candidate early-line positions tried for one group's anchors


def nearest_tracks(
    x: np.ndarray, y: np.ndarray, group: np.ndarray, pending: np.ndarray, first: LineFit, k: int
) -> np.ndarray:
    """The track of ``first`` nearest to each anchor in ``pending`` (positions).

    Single-peak anchors of a multi-track group have no elution rank of their own: each goes
    to the track of its group whose line in the first fit passes closest to it (track 0 when
    the group has no line there).
    """
    best = np.zeros(pending.size, dtype=np.int64)
    best_err = np.full(pending.size, np.inf)
    table = np.full((int(group.max()) + 1) * k, np.nan)
    for u, v in first.intercept.items():
        table[u] = v
    for t in range(k):
        a = table[group[pending] * k + t]
        err = np.abs(y[pending] - (a + first.slope * x[pending]))
        better = np.isfinite(err) & (err < best_err)
        best[better], best_err[better] = t, err[better]
    return best


def align_anchor_isomers(
    x: np.ndarray,
    y: np.ndarray,
    group: np.ndarray,
    candidates: np.ndarray,
    track: np.ndarray,
    n_tracks: dict[int, int],
    slope: float,
    delta: float,
) -> tuple[np.ndarray, dict[int, int]]:
    """Split the anchors of isomer-capable single-track groups over early/late tracks.

    Anchors of different names may be different positional isomers.  With the offset Δ
    (``delta``) known, each group's anchors (``candidates``, a mask) are placed on an early
    line a and a late line a + Δ, with a chosen to minimise the squared distances; a group
    whose anchors all fall on one line stays single-track.  Groups already in ``n_tracks``
    keep their tracks.

    Returns the new tracks of every row and the new tracks per multi-track group.
    """
    track = track.copy()
    n_tracks = dict(n_tracks)
    idx = np.flatnonzero(candidates)
    for g in np.unique(group[idx]):
        if int(g) in n_tracks:
            continue
        rows = idx[group[idx] == g]
        if rows.size < 2:
            continue
        late = _late_anchors(y[rows] - slope * x[rows], delta)
        if late.any() and (~late).any():
            track[rows] = late.astype(np.int64)
            n_tracks[int(g)] = 2
    return track, n_tracks


def _late_anchors(r: np.ndarray, delta: float) -> np.ndarray:
    """Which of one group's anchors (RT minus slope × Log P: ``r``) sit on the late line."""
    options = np.concatenate([r, r - delta])
    if options.size > MAX_ALIGNMENT_OPTIONS:  # enough candidate alignments for a large group
        options = np.quantile(options, np.linspace(0, 1, MAX_ALIGNMENT_OPTIONS))
    cost = np.minimum(
        (r[None, :] - options[:, None]) ** 2, (r[None, :] - options[:, None] - delta) ** 2
    ).sum(axis=1)
    a = options[int(np.argmin(cost))]
    return np.abs(r - a - delta) < np.abs(r - a)


def isomer_rows(
    usable: np.ndarray,
    isomer_rank: np.ndarray,
    group: np.ndarray,
    multi_track: np.ndarray,
    delta: float | None,
) -> np.ndarray:
    """Rows that get an early and a late line: usable, isomer-capable (rank ≥ -1), of a group
    without tracks of its own, when the offset Δ is known."""
    if delta is None:
        return np.zeros(len(usable), dtype=bool)
    return usable & (isomer_rank >= -1) & ~multi_track[group]


def isomer_lines(
    y: np.ndarray,
    first_line: np.ndarray,
    group: np.ndarray,
    iso: np.ndarray,
    rank: np.ndarray,
    delta: float,
    either: np.ndarray,
) -> np.ndarray:
    """The early and late lines (iso rows × 2, NaN where a row may not take that line).

    A group's reference line (``first_line``, per row) may follow its early or its late
    isomer (an anchor, or the composition estimate, may be either), so each group is aligned
    with h = 0 or h = -Δ: the choice whose paired peaks (rank 0/1) sit closest to their
    tracks.  A paired peak keeps its rank's track; an unpaired peak may take either.  Only the
    rows marked ``either`` (an anchored line) may have their reference line be the late one.
    """
    idx = np.flatnonzero(iso)
    g = group[idx]
    r = (y - first_line)[idx]
    rk = rank[idx]
    inverse = np.unique(g, return_inverse=True)[1].reshape(-1)
    n_groups = int(inverse.max()) + 1 if inverse.size else 0
    score = []
    for h in (0.0, -delta):
        paired_err = np.where(rk >= 0, np.abs(r - h - np.clip(rk, 0, None) * delta), np.nan)
        free_err = np.minimum(np.abs(r - h), np.abs(r - h - delta))
        paired = grouped_median(paired_err, inverse, n_groups)
        free = grouped_median(free_err, inverse, n_groups)
        score.append(np.where(np.isnan(paired), free, paired))
    best = np.where(score[1] < score[0], -delta, 0.0)
    # a composition intercept is learned from early tracks: only an anchored line may be late
    h_row = np.where(either[idx], best[inverse], 0.0)
    out = np.full((idx.size, 2), np.nan)
    out[:, 0] = np.where(rk == 1, np.nan, h_row)
    out[:, 1] = np.where(rk == 0, np.nan, h_row + delta)
    out += first_line[idx, None]
    return out
