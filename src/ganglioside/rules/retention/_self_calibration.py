"""Self-calibration: when a file has fewer than two anchors, the peaks themselves calibrate.

Most annotations of a run are right.  A robust fit of RT on Log P over every peak of the groups
that have enough of them (one intercept per group, one common slope, one shared isomer-track
offset; Tukey-biweight reweighted from a least-squares start) tells the peaks that sit on their
group's line from those it sets aside.  The peaks it keeps (within :data:`KEEP_Z` robust SDs)
become the model's calibration peaks, in place of anchors; the rest is scored against the lines
they give.  Because the calibration was chosen by the data it checks, prediction SDs are widened
(:attr:`SelfCalibration.inflation`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...robust import TUKEY_C, robust_scale, tukey_weights
from ._credibility import Z95, plausible_slope_start, refusal, slope_in_range, within_group_q2

MIN_GROUP_PEAKS = 3  # a group needs this many peaks before its own peaks can place its line
KEEP_Z = 2.5  # peaks within this many robust SDs of their group's line calibrate the model
IRLS_ROUNDS = 20
#: SD of a normal distribution cut at ±KEEP_Z, relative to the uncut one: the calibration
#: peaks' scatter understates the peaks' scatter by this much.
_CUT_SD = 0.955


@dataclass(frozen=True)
class SelfCalibration:
    """What the robust fit on the peaks found.

    Attributes
    ----------
    n_peaks:
        Peaks the robust fit used (peaks of groups with at least :data:`MIN_GROUP_PEAKS`).
    n_groups:
        Groups the robust fit placed.
    n_kept:
        Peaks kept to calibrate the model.
    scale:
        Robust residual SD (min) of the fit.
    slope:
        Common slope (min per Log P unit) of the robust fit.
    set_aside:
        Fraction of the fit's peaks it set aside (farther than :data:`KEEP_Z` robust SDs).
    inflation:
        Factor applied to every prediction SD: ``1 / sqrt(1 - set_aside)`` for the peaks set
        aside, times the ratio by which the ±:data:`KEEP_Z` cut narrows a normal SD.
    q2:
        Leave-one-out Q² of the kept peaks' lines against their groups' mean RTs (NaN when
        too few peaks).
    refused:
        Why the calibration may decide nothing (plain words), None when it may (see
        ``_credibility``).
    """

    n_peaks: int
    n_groups: int
    n_kept: int
    scale: float
    slope: float
    set_aside: float
    inflation: float
    q2: float = float("nan")
    refused: str | None = None

    def to_dict(self) -> dict[str, float | int]:
        """Plain, JSON-ready values."""
        out = dict(vars(self))
        out["q2"] = None if not np.isfinite(self.q2) else self.q2
        return out


def calibration_peaks(
    x: np.ndarray,
    y: np.ndarray,
    group: np.ndarray,
    track: np.ndarray,
    peaks: np.ndarray,
    floor: float,
) -> tuple[np.ndarray, SelfCalibration] | None:
    """The peaks that calibrate the model (a mask) and what the robust fit found.

    ``track`` is each peak's isomer track (0 early, 1 late) where known, else 0; ``peaks``
    the rows that may calibrate (usable, not fragment candidates).  None when no group has
    :data:`MIN_GROUP_PEAKS` peaks spread in Log P.  A fit that breaks the chemistry priors or
    has no predictive power comes back with ``refused`` set (and must not be used).
    """
    counts = np.bincount(group[peaks], minlength=int(group.max()) + 1)
    idx = np.flatnonzero(peaks & (counts[group] >= MIN_GROUP_PEAKS) & np.isfinite(x + y))
    if idx.size < MIN_GROUP_PEAKS:
        return None
    inv = pd.factorize(group[idx])[0]
    t = np.clip(track[idx], 0, None).astype(float)
    fitted = _robust_within_fit(x[idx], y[idx], t, inv, floor)
    if fitted is None:
        return None
    resid, scale, slope = fitted
    if not slope_in_range(slope):  # a minority running the other way may have turned it
        start = plausible_slope_start(x[idx], y[idx], inv, max(4 * floor, 0.25))[1]
        again = _robust_within_fit(x[idx], y[idx], t, inv, floor, start)
        if again is not None and slope_in_range(again[2]):
            resid, scale, slope = again
    keep = np.abs(resid) < KEEP_Z * scale
    mask = np.zeros(len(x), dtype=bool)
    mask[idx[keep]] = True
    set_aside = 1.0 - float(keep.mean())
    inflation = float(1.0 / np.sqrt(max(1.0 - set_aside, 0.25)) / _CUT_SD)
    q2 = within_group_q2(x[idx[keep]], y[idx[keep]], inv[keep])
    info = SelfCalibration(
        n_peaks=int(idx.size),
        n_groups=int(inv.max()) + 1,
        n_kept=int(keep.sum()),
        scale=scale,
        slope=slope,
        set_aside=set_aside,
        inflation=inflation,
        q2=q2,
        refused=refusal(
            slope=slope,
            q2=q2,
            n_kept=int(keep.sum()),
            n_peaks=int(idx.size),
            half_width=Z95 * scale * inflation,
        ),
    )
    return mask, info


def _robust_within_fit(
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    inv: np.ndarray,
    floor: float,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, float, float] | None:
    """Tukey-reweighted fit of y on x and t with one intercept per group (``inv``).

    Starts from least squares, or from the Tukey weights of the residuals ``start``.
    Returns the residuals, the robust residual SD and the slope; None without spread in x
    within groups.
    """
    w = np.ones(x.size) if start is None else tukey_weights(start, floor=floor)
    resid = np.zeros(x.size)
    scale, slope = floor, 0.0
    for _ in range(IRLS_ROUNDS):
        solved = _weighted_within(x, y, t, inv, w)
        if solved is None:
            return None
        new_resid, slope = solved
        scale = robust_scale(new_resid[w > 0], floor)
        new_w = tukey_weights(new_resid, scale=scale)
        settled = np.allclose(new_resid, resid, atol=1e-6)
        resid, w = new_resid, new_w
        if settled:
            break
    # the residuals that matter are those against the line the kept peaks give
    return resid, max(robust_scale(resid[np.abs(resid) < TUKEY_C * scale], floor), floor), slope


def _weighted_within(
    x: np.ndarray, y: np.ndarray, t: np.ndarray, inv: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """Weighted least squares with group intercepts: residuals of every row and the slope."""
    n_groups = int(inv.max()) + 1
    sw = np.bincount(inv, w, minlength=n_groups)
    safe = np.where(sw > 0, sw, 1.0)
    means = [np.bincount(inv, w * v, minlength=n_groups) / safe for v in (x, y, t)]
    dx, dy, dt = (v - m[inv] for v, m in zip((x, y, t), means, strict=True))
    sxx, sxt, stt = float(w @ (dx * dx)), float(w @ (dx * dt)), float(w @ (dt * dt))
    if sxx < 1e-9:
        return None
    if stt > 1e-9:
        coef = np.linalg.pinv(np.array([[sxx, sxt], [sxt, stt]])) @ np.array(
            [float(w @ (dx * dy)), float(w @ (dt * dy))]
        )
        slope, offset = float(coef[0]), float(coef[1])
    else:
        slope, offset = float(w @ (dx * dy)) / sxx, 0.0
    resid = dy - slope * dx - offset * dt
    return resid, slope
