"""Per-row prediction from the table of group lines: line choice, correction and variance.

Every usable row takes its group's line from :class:`~._group_lines.GroupLines`.  A row whose
group has isomer tracks, or an isomer-capable row given an early and a late line, has several
candidate lines and takes the nearest one.  Only rows with a choice get a (rows × lines)
array, so memory stays linear in rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ._calibration import calibrate
from ._group_correction import group_correction
from ._group_lines import COMPOSITION, LEVELS, POOLED, GroupLines
from ._isomers import isomer_lines, isomer_rows
from ._self_calibration import SelfCalibration

CORRECTION_ROUNDS = 3  # line choice and group correction, alternated
EXTRAPOLATION_MARGIN = 0.1  # of the anchors' Log P range, beyond which a row is extrapolated
MIN_PEAKS_TO_CHECK_ANCHOR = 3  # a lone anchor is checked against at least this many peaks


@dataclass(frozen=True)
class RetentionResult:
    """What :meth:`RetentionModel.predict` computed: per-row arrays (positional) and the
    calibration.

    Attributes
    ----------
    predicted, residual, z, sd:
        Predicted RT, RT minus predicted, residual / sd and the prediction SD (NaN where
        there is no model).
    level, model_id:
        The model level (group | pooled | composition | "" for no model) and id of each row.
    track:
        Isomer track index of each row's line (-1 where not predicted).
    anchor_z_loo:
        Leave-one-out z of the anchors (NaN elsewhere).
    logp_extrapolated:
        Rows whose Log P lies beyond the anchors' range by more than 10 % of it.
    track_inferred:
        Rows placed on an early or late line without isomer tracks in their group's anchors.
    calibration:
        Level -> factor by which its prediction SDs were widened (levels not widened absent).
    """

    predicted: np.ndarray
    residual: np.ndarray
    z: np.ndarray
    sd: np.ndarray
    level: pd.Categorical
    model_id: pd.Categorical
    track: np.ndarray
    anchor_z_loo: np.ndarray
    logp_extrapolated: np.ndarray
    track_inferred: np.ndarray
    calibration: dict[str, float]


@dataclass(frozen=True)
class RowLines:
    """The usable rows of a frame with their group's line (arrays over all rows unless said)."""

    at: np.ndarray  # positions of the usable rows
    groups: np.ndarray  # their group codes
    level_code: np.ndarray  # code into LEVELS, 0 on unusable rows
    model_code: np.ndarray  # code into the table's model ids, 0 on unusable rows
    slope_x: np.ndarray  # slope × Log P (+ the bend) of the row's line, NaN on unusable rows
    s2: np.ndarray  # residual variance of the row's line (read on usable rows)


def row_lines(lines: GroupLines, x: np.ndarray, group: np.ndarray, usable: np.ndarray) -> RowLines:
    """Look each usable row's line up by its group code."""
    n = len(x)
    at = np.flatnonzero(usable).astype(np.int32)
    gu = group[at].astype(np.int32)
    level_code = np.zeros(n, dtype=np.int8)
    level_code[at] = lines.level[gu]
    model_code = np.zeros(n, dtype=np.int32)
    model_code[at] = lines.model[gu]
    slope_x = np.full(n, np.nan)
    slope_x[at] = lines.slope[gu] * x[at]
    if lines.bends:  # the quadratic part of bent lines (straight ones add nothing)
        slope_x[at] += lines.bend(gu, x[at])
    return RowLines(at, gu, level_code, model_code, slope_x, lines.s[group] ** 2)


class LineChoice:
    """The candidate lines of every usable row and the one each row currently takes.

    A row's candidates are its group's tracks (columns 0..k-1 of the table) or, for an
    isomer row, its early and late line (choices k and k + 1).
    """

    def __init__(
        self,
        lines: GroupLines,
        rows: RowLines,
        group: np.ndarray,
        iso: np.ndarray,
        offsets: np.ndarray,
    ) -> None:
        self.lines, self.rows, self.k = lines, rows, lines.intercept.shape[1]
        self.iso_rows, self.offsets = np.flatnonzero(iso), offsets
        at, gu = rows.at, rows.groups
        own_finite = np.isfinite(lines.intercept)
        n_lines = np.zeros(len(iso), dtype=np.int8)
        n_lines[at] = own_finite.sum(axis=1).astype(np.int8)[gu]
        self.choice = np.zeros(len(iso), dtype=np.int16)
        self.choice[at] = np.argmax(own_finite, axis=1).astype(np.int16)[gu]  # the only line
        n_lines[self.iso_rows] = np.isfinite(offsets).sum(axis=1)
        self.choice[self.iso_rows] = self.k + np.argmax(np.isfinite(offsets), axis=1)
        several = n_lines >= 2
        self.sev_own = np.flatnonzero(several & ~iso)
        sev_iso_pos = np.flatnonzero(several[self.iso_rows])
        self.sev_iso = self.iso_rows[sev_iso_pos]
        g_sev = group[self.sev_own]
        self.own_lines = np.where(own_finite[g_sev], lines.intercept[g_sev], np.inf)
        chosen_offsets = offsets[sev_iso_pos]
        self.iso_lines = np.where(np.isfinite(chosen_offsets), chosen_offsets, np.inf)

    def choose(self, y: np.ndarray, corr: np.ndarray) -> None:
        """Each row with several candidates takes the line nearest its RT (less ``corr``)."""
        if self.sev_own.size:
            sev = self.sev_own
            target = (y[sev] - corr[sev] - self.rows.slope_x[sev])[:, None]
            self.choice[sev] = np.argmin(np.abs(self.own_lines - target), axis=1)
        if self.sev_iso.size:
            sev = self.sev_iso
            target = (y[sev] - corr[sev])[:, None]
            self.choice[sev] = self.k + np.argmin(np.abs(self.iso_lines - target), axis=1)

    def chosen(self) -> np.ndarray:
        """The RT of each usable row's chosen line (NaN elsewhere)."""
        at, gu = self.rows.at, self.rows.groups
        column = np.minimum(self.choice, self.k - 1)
        out = np.full(len(self.choice), np.nan)
        out[at] = self.lines.intercept[gu, column[at]] + self.rows.slope_x[at]
        if self.iso_rows.size:
            pick = np.clip(self.choice[self.iso_rows] - self.k, 0, 1)
            out[self.iso_rows] = self.offsets[np.arange(self.iso_rows.size), pick]
        return out

    def intercept_leverage(self) -> np.ndarray:
        """The intercept part of the chosen line's leverage (an early/late line has the
        first track's)."""
        at, gu = self.rows.at, self.rows.groups
        column = np.where(self.choice >= self.k, 0, self.choice)
        out = np.full(len(self.choice), np.nan)
        out[at] = self.lines.hint[gu, column[at]]
        return out

    def slope_leverage(self, x: np.ndarray) -> np.ndarray:
        """The Log P part of the chosen line's leverage (with the quadratic column on a bent
        line)."""
        at, gu = self.rows.at, self.rows.groups
        column = np.where(self.choice >= self.k, 0, self.choice)
        out = np.full(len(self.choice), np.nan)
        lines = self.lines
        with np.errstate(invalid="ignore"):
            out[at] = (x[at] - lines.xbar[gu, column[at]]) ** 2 / lines.sxx[gu]
        if not lines.bends:
            return out
        bent = np.flatnonzero(lines.curve[gu] != 0)
        g, rows = gu[bent], at[bent]
        dx = x[rows] - lines.xbar[g, column[rows]]
        dq = (x[rows] - lines.centre[g]) ** 2 - lines.qbar[
            g, np.where(column[rows] < 0, 0, column[rows])
        ]
        mxx, mxq, mqq = lines.bend_cov[g].T
        out[rows] = mxx * dx**2 + 2 * mxq * dx * dq + mqq * dq**2
        return out


def predict_rows(
    lines: GroupLines | None,
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
    usable: np.ndarray,
    score_rows: np.ndarray,
    isomer_rank: np.ndarray,
    *,
    delta: float | None,
    robust: bool,
    logp_range: tuple[float, float] | None,
    anchors: tuple[np.ndarray, np.ndarray],
    self_calibration: SelfCalibration | None = None,
) -> RetentionResult:
    """Predict and score every usable row of a frame (``data``: Log P, RT, group code).

    ``anchors`` are the positions of the fitted anchors and their leave-one-out z; the other
    arguments are those of :meth:`RetentionModel.predict` and the fitted model's.
    """
    x, y, group = data
    n = len(x)
    track = np.full(n, -1, dtype=np.int8)
    if lines is None:  # no model at all: nothing is predicted
        return _no_model(x, y, logp_range)
    rows = row_lines(lines, x, group, usable)
    level = pd.Categorical.from_codes(rows.level_code, LEVELS)
    model_id = pd.Categorical.from_codes(rows.model_code, lines.model_ids)
    in_comp = rows.level_code == COMPOSITION
    # the group's own peaks refine pooled and composition lines, except a line pinned by a
    # lone anchor: there they are only measured, to check the anchor
    checked = usable & ((rows.level_code == POOLED) | in_comp) & robust
    corrected = checked & ~lines.pinned[group]
    iso, offsets = _isomer_candidates(lines, rows, y, group, usable, isomer_rank, delta, in_comp)
    choice = LineChoice(lines, rows, group, iso, offsets)
    chosen, corr, corr_var = _settle(
        choice, (x, y, group), (checked, corrected), score_rows, in_comp
    )
    ok = usable & np.isfinite(chosen)
    predicted = np.full(n, np.nan)
    predicted[ok] = chosen[ok] + np.where(corrected[ok], corr[ok], 0.0)
    anchor_rows, anchor_z_loo = anchors
    pinned_rows = checked & ok & lines.pinned[group]
    anchor_z_loo = _lone_anchor_z(
        anchor_rows, anchor_z_loo, y - chosen, group, pinned_rows & score_rows, rows.s2
    )
    del chosen, corr
    # inferred tracks come after the own-track columns: early, late
    track[ok] = np.where(iso[ok], choice.choice[ok] - choice.k, choice.choice[ok])
    var = _variance(choice, x, ok, corrected, corr_var)
    calibration = calibrate(y - predicted, var, level, score_rows & ok)
    for lvl, factor in calibration.items():
        var[level == lvl] *= factor**2
    if self_calibration is not None:  # lines chosen by the data they check: wider, and said
        var *= self_calibration.inflation**2
        level = _relabelled(level, ok, "self_calibrated")
    anchor_z = np.full(n, np.nan)
    scored = usable[anchor_rows]
    anchor_z[anchor_rows[scored]] = anchor_z_loo[scored]
    result = _result((predicted, var), y, x, (level, model_id), track, anchor_z, logp_range)
    return replace(result, track_inferred=iso & ok, calibration=calibration)


def _no_model(
    x: np.ndarray, y: np.ndarray, logp_range: tuple[float, float] | None
) -> RetentionResult:
    """The result when there is no model: no row predicted, no level, no track."""
    n = len(x)
    no_model = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), LEVELS)
    nan = [np.full(n, np.nan) for _ in range(3)]
    track = np.full(n, -1, dtype=np.int8)
    return _result((nan[0], nan[1]), y, x, (no_model, no_model), track, nan[2], logp_range)


def _isomer_candidates(
    lines: GroupLines,
    rows: RowLines,
    y: np.ndarray,
    group: np.ndarray,
    usable: np.ndarray,
    isomer_rank: np.ndarray,
    delta: float | None,
    in_comp: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The isomer rows (mask) and their early and late lines (iso rows × 2)."""
    iso = isomer_rows(usable, isomer_rank, group, lines.multi_track, delta)
    if delta is None or not iso.any():
        return iso, np.full((0, 2), np.nan)
    first_line = np.full(len(y), np.nan)  # the group's first track
    first_line[rows.at] = lines.intercept[rows.groups, 0] + rows.slope_x[rows.at]
    return iso, isomer_lines(y, first_line, group, iso, isomer_rank, delta, either=~in_comp)


def _settle(
    choice: LineChoice,
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
    masks: tuple[np.ndarray, np.ndarray],
    score_rows: np.ndarray,
    in_comp: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alternate the line choice with the group correction (non-anchor peaks refine pooled
    and composition groups, robustly and leave-one-out).

    ``masks`` are the rows the correction is measured on and the rows it is applied to (the
    line choice follows the applied correction).  Returns each row's chosen line, its group
    correction (measured) and the correction's variance.
    """
    x, y, group = data
    checked, corrected = masks
    s2 = choice.rows.s2
    corr = np.zeros(len(x))
    corr_var = np.full(len(x), np.nan)
    for _ in range(CORRECTION_ROUNDS):
        choice.choose(y, np.where(corrected, corr, 0.0))
        chosen = choice.chosen()
        if not checked.any():
            break
        tau2 = np.where(in_comp, choice.lines.comp_var[group], s2 * choice.intercept_leverage())
        corr, corr_var = group_correction(
            x, y - chosen, group, checked, checked & score_rows, s2, tau2
        )
        del tau2
    return chosen, corr, corr_var


def _lone_anchor_z(
    anchor_rows: np.ndarray,
    anchor_z_loo: np.ndarray,
    resid: np.ndarray,
    group: np.ndarray,
    members: np.ndarray,
    s2: np.ndarray,
) -> np.ndarray:
    """The anchors' leave-one-out z, with each lone anchor (which has none) scored against
    its group's other peaks.

    A lone anchor pins its group's intercept, so its own residual is zero; whether the
    group's peaks agree is the median of their residuals (``resid``: RT minus the pinned
    line, read on ``members``), against the spread of a median of that many peaks.  Groups
    with fewer than :data:`MIN_PEAKS_TO_CHECK_ANCHOR` peaks leave the anchor unchecked.
    """
    lone_group = np.unique(group[anchor_rows])
    lone_group = lone_group[np.bincount(group[anchor_rows])[lone_group] == 1]
    peaks = members & np.isin(group, lone_group) & np.isfinite(resid)
    if not peaks.any():
        return anchor_z_loo
    g_peaks, r_peaks = group[peaks], resid[peaks]
    out = anchor_z_loo.copy()
    for k, row in enumerate(anchor_rows.tolist()):
        r = r_peaks[g_peaks == group[row]]
        if r.size < MIN_PEAKS_TO_CHECK_ANCHOR:
            continue
        median = float(np.median(r))
        spread = float(np.median(np.abs(r - median))) * 1.4826
        sd = max(float(np.sqrt(s2[row])), spread)
        # the anchor sits on the line: its offset from the peaks is minus their median
        out[k] = -median / (sd * np.sqrt(1 + np.pi / (2 * r.size)))
    return out


def _relabelled(level: pd.Categorical, rows: np.ndarray, label: str) -> pd.Categorical:
    """``level`` with ``label`` on ``rows``."""
    codes = np.asarray(level.codes).copy()
    codes[rows] = LEVELS.get_loc(label)
    return pd.Categorical.from_codes(codes, LEVELS)


def _variance(
    choice: LineChoice,
    x: np.ndarray,
    ok: np.ndarray,
    corrected: np.ndarray,
    corr_var: np.ndarray,
) -> np.ndarray:
    """Prediction variance of each predicted row: s²(1 + h) plus the intercept's variance
    (the group correction's for corrected rows)."""
    s2 = choice.rows.s2
    hint = np.nan_to_num(choice.intercept_leverage(), nan=1.0)
    hx = np.nan_to_num(choice.slope_leverage(x), nan=0.0)
    var = np.full(len(x), np.nan)
    var[ok] = np.where(
        corrected[ok],
        s2[ok] * (1 + hx[ok]) + corr_var[ok],
        s2[ok] * (1 + hint[ok] + hx[ok]),
    )
    return var


def _result(
    prediction: tuple[np.ndarray, np.ndarray],
    y: np.ndarray,
    x: np.ndarray,
    labels: tuple[pd.Categorical, pd.Categorical],
    track: np.ndarray,
    anchor_z: np.ndarray,
    logp_range: tuple[float, float] | None,
) -> RetentionResult:
    """The result from the predictions and their variance (no calibration, no inferred
    tracks)."""
    predicted, var = prediction
    sd = np.sqrt(var)
    residual = y - predicted
    with np.errstate(invalid="ignore", divide="ignore"):
        z = residual / sd
    extrap = np.zeros(len(y), dtype=bool)
    if logp_range is not None:
        lo, hi = logp_range
        margin = EXTRAPOLATION_MARGIN * (hi - lo)
        extrap = np.isfinite(predicted) & ((x < lo - margin) | (x > hi + margin))
    return RetentionResult(
        predicted=predicted,
        residual=residual,
        z=z,
        sd=sd,
        level=labels[0],
        model_id=labels[1],
        track=track,
        anchor_z_loo=anchor_z,
        logp_extrapolated=extrap,
        track_inferred=np.zeros(len(y), dtype=bool),
        calibration={},
    )
