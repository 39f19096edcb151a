"""The pieces :class:`~.model.RetentionModel` fits from: the frame's columns, the anchors'
isomer tracks, the peaks that calibrate a model without anchors, the rows that teach the
hydroxyl term, the groups' own lines and the anchors' leave-one-out z.

All functions here are pure: they return what they find and change none of their inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._composition import PRIOR_COMPOSITION_SD, CompositionFit
from ._curvature import with_bend
from ._hydroxyl import MIN_ANCHOR_ROWS
from ._hydroxyl import MIN_ROWS as MIN_HYDROXYL_ROWS
from ._isomers import align_anchor_isomers, nearest_tracks
from ._lines import PRIOR_SD, LineFit, fit_lines
from ._self_calibration import SelfCalibration, calibration_peaks


def hydroxyl_rows(
    has_extra: np.ndarray, real: np.ndarray, confident: np.ndarray | None, single: np.ndarray
) -> tuple[np.ndarray | None, str]:
    """The rows the hydroxyl term is learned from and what they are: anchors before other
    peaks, groups without isomer tracks before those with, then anchors and peaks together,
    at least :data:`MIN_HYDROXYL_ROWS` rows; else :data:`MIN_ANCHOR_ROWS` anchors (a study's
    shared anchors may hold both isomer peaks of one hydroxylated species, which the prior
    would pull off their lines); None when no set is large enough."""
    options = [(real & single, "anchors")]
    if confident is not None:
        options.append((confident & single, "peaks"))
    options.append((real, "anchors"))
    if confident is not None:
        options += [(confident, "peaks"), (real | confident, "anchors and peaks")]
    for rows, source in options:
        if (rows & has_extra).sum() >= MIN_HYDROXYL_ROWS:
            return rows, source
    if (real & has_extra).sum() >= MIN_ANCHOR_ROWS:
        return real, "anchors"
    return None, "prior"


def self_calibrate(
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    use: np.ndarray,
    track: np.ndarray,
    peaks: np.ndarray,
    peak_track: np.ndarray | None,
    floor: float,
) -> tuple[np.ndarray, np.ndarray, dict[int, int], SelfCalibration] | None:
    """The calibration peaks (with the anchors there are), their tracks, the tracks per
    multi-track group and what the robust fit found; None when the peaks cannot calibrate."""
    x, y, group = columns
    ptrack = np.full(len(x), -1) if peak_track is None else np.asarray(peak_track)
    found = calibration_peaks(x, y, group, np.clip(ptrack, 0, None), peaks, floor)
    if found is None:
        return None
    kept, info = found
    new_track = np.where(use, track, np.where(kept, ptrack, -1))
    ranked = kept & (ptrack >= 0)
    size = int(group.max()) + 1
    seen = [np.bincount(group[ranked & (ptrack == t)], minlength=size) > 0 for t in (0, 1)]
    n_tracks = {int(g): 2 for g in np.flatnonzero(seen[0] & seen[1])}
    # a peak of a multi-track group without a rank goes to its nearest track; elsewhere 0
    multi = np.isin(group, list(n_tracks))
    new_track = np.where((new_track < 0) & ~multi, 0, new_track)
    return use | kept, new_track, n_tracks, info


def group_names(data: pd.DataFrame, group: np.ndarray) -> np.ndarray:
    """Group key per group code."""
    names = np.full(int(group.max()) + 1 if len(group) else 0, "", dtype=object)
    names[group] = data["group_key"].to_numpy(dtype=object)
    return names


def frame_columns(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log P, RT and group code of every row."""
    return (
        data["log_p"].to_numpy(dtype=float),
        data["rt"].to_numpy(dtype=float),
        data["group_code"].to_numpy(dtype=np.int64),
    )


def anchor_tracks(
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    use: np.ndarray,
    track: np.ndarray,
    n_tracks: dict[int, int],
    k: int,
    capable: np.ndarray | None,
    fallback_delta: float | None,
    floor: float,
) -> tuple[np.ndarray, dict[int, int], float | None]:
    """Every used anchor's track, the tracks per multi-track group and the isomer offset.

    A first fit on the anchors with known tracks gives the offset and places the single-peak
    anchors of multi-track groups on their nearest track; with the offset known, the anchors
    of isomer-capable single-track groups may be split over early and late tracks.
    """
    x, y, group = columns
    track = track.copy()
    unit = group * k + np.clip(track, 0, None)
    first = fit_lines(x, y, unit, np.flatnonzero(use & (track >= 0)), floor, k)
    pending = np.flatnonzero(use & (track < 0))
    if first is None:  # no spread in Log P within groups: no line, but pairs may be spaced
        track[pending] = 0
        paired = pair_offset(x, y, group, np.where(use, track, -1))
        return track, dict(n_tracks), paired if paired is not None else fallback_delta
    line = first[0]
    if pending.size:
        track[pending] = nearest_tracks(x, y, group, pending, line, k)
    delta = line.track_offset if line.track_offset is not None else fallback_delta
    if delta is None or capable is None:
        return track, dict(n_tracks), delta
    return (
        *align_anchor_isomers(x, y, group, use & capable, track, n_tracks, line.slope, delta),
        delta,
    )


def pair_offset(x: np.ndarray, y: np.ndarray, group: np.ndarray, track: np.ndarray) -> float | None:
    """The median late-minus-early spacing of anchor pairs of one name (same group and Log
    P, tracks 0 and 1; ``track`` -1 off the anchors), which needs no slope; None without a
    pair."""
    on = np.flatnonzero((track == 0) | (track == 1))
    if on.size < 2:
        return None
    frame = pd.DataFrame({"g": group[on], "x": x[on], "t": track[on], "y": y[on]})
    mean = frame.groupby(["g", "x", "t"])["y"].mean().unstack("t")
    if 0 not in mean or 1 not in mean:
        return None
    gaps = (mean[1] - mean[0]).dropna()
    return float(gaps.median()) if len(gaps) else None


def composition_of(
    comp: CompositionFit | None,
) -> tuple[np.ndarray | None, float, float | None, np.ndarray]:
    """The composition attributes: coefficients, SD, slope and the groups learned from."""
    if comp is None:
        return None, PRIOR_COMPOSITION_SD, None, np.zeros(0, dtype=np.int64)
    return comp.coef, comp.sd, comp.slope, comp.groups


def anchor_z(
    anchor_group: np.ndarray,
    pooled: tuple[LineFit, np.ndarray] | None,
    group_fits: dict[int, tuple[LineFit, np.ndarray]],
) -> np.ndarray:
    """Each anchor's leave-one-out z under the line that predicts it: its group's own line,
    else the pooled line (NaN with neither)."""
    z = np.full(anchor_group.size, np.nan)
    if pooled is not None:
        pooled_rows = ~np.isin(anchor_group, list(group_fits))
        z[pooled_rows] = pooled[1][pooled_rows]
    for g, (_, z_group) in group_fits.items():
        z[anchor_group == g] = z_group
    return z


def fit_pooled(
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    anchor_idx: np.ndarray,
    centre: np.ndarray,
    settings: tuple[float, int],
) -> tuple[LineFit, np.ndarray] | None:
    """The pooled line (one slope, one intercept per unit; bent when that earns its keep) and
    its anchors' leave-one-out z; None with fewer than two anchors or no spread in Log P
    (``columns``: Log P, RT and unit; ``settings``: the residual SD floor and the tracks per
    group)."""
    x, y, unit = columns
    floor, k = settings
    pooled = fit_lines(x, y, unit, anchor_idx, floor, k)
    if pooled is None:
        return None
    return with_bend(pooled, (x, y, unit), anchor_idx, centre, (floor, k, PRIOR_SD))


def fit_groups(
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    unit: np.ndarray,
    anchor_idx: np.ndarray,
    pooled: tuple[LineFit, np.ndarray] | None,
    k: int,
    centre: np.ndarray,
    checks: tuple[int, float, float],
) -> tuple[dict[int, tuple[LineFit, np.ndarray]], dict[int, str]]:
    """Own lines (with their anchors' leave-one-out z) of the groups with enough anchors
    that pass the checks, and why the others were rejected (``centre``: the Log P each
    group would bend about; ``checks``: the anchors a group needs, the leave-one-out Q² its
    line needs and the residual SD floor)."""
    x, y, group = columns
    min_anchors, min_q2, floor = checks
    n_groups = centre.size
    kept: dict[int, tuple[LineFit, np.ndarray]] = {}
    rejected: dict[int, str] = {}
    counts = np.bincount(group[anchor_idx], minlength=n_groups)
    prior_sd = pooled[0].s if pooled is not None else PRIOR_SD
    for g in np.flatnonzero(counts >= min_anchors):
        rows = anchor_idx[group[anchor_idx] == g]
        found = fit_lines(x, y, unit, rows, floor, k, prior_sd=prior_sd)
        if found is not None:
            settings = (floor, k, prior_sd)
            found = with_bend(found, (x, y, unit), rows, centre, settings)
        if found is None:
            rejected[int(g)] = "no spread in Log P"
        elif found[0].slope <= 0:
            rejected[int(g)] = f"slope {found[0].slope:.3f} ≤ 0"
        elif found[0].q2 is None or found[0].q2 < min_q2:
            q = "n/a" if found[0].q2 is None else f"{found[0].q2:.2f}"
            rejected[int(g)] = f"leave-one-out Q² {q} < {min_q2}"
        else:
            kept[int(g)] = found
    return kept, rejected
