"""Chemistry priors a fitted RT calibration must obey, and its predictive power.

A line fitted on a file's own peaks (self-calibration) decides nothing unless it could have
caught a wrong name.  This module holds the checks, as pure functions of numbers:

* reversed-phase order: within a headgroup RT rises with Log P, so the common slope must lie in
  :data:`SLOPE_RANGE` (min per Log P unit);
* predictive power: the leave-one-out Q² of the calibration peaks against a model of group
  means alone (:func:`within_group_q2`) must exceed :data:`MIN_SELF_Q2`;
* enough consistent peaks: at least :data:`MIN_CONSISTENT` peaks, and at least
  :data:`MIN_CONSISTENT_SHARE` of the peaks the fit used, sit on their lines;
* a usable width: the 95 % interval of a typical peak, ±1.96 × scale × inflation, within
  :data:`MAX_HALF_WIDTH_95` min.

:func:`plausible_slope_start` gives a robust fit a starting slope chosen among plausible slopes
by the number of peaks consistent with it, so that a minority of wrong rows that run the other
way cannot turn the line around (the chemistry-consistent subset wins, or nothing is decided).
The sources of every number are in docs/ALGORITHM.md ("Calibration that obeys chemistry").
"""

from __future__ import annotations

import numpy as np

#: Plausible common slope of RT on Log P in reversed phase (min per Log P unit).  The design's
#: anchored sample fits 1.28-1.42; the bound leaves a factor of ten either way for shorter and
#: longer gradients; at or below 0 the order of elution is reversed.
SLOPE_RANGE = (0.1, 5.0)
#: Leave-one-out Q² (within groups) a self-calibration needs before it may decide anything.
MIN_SELF_Q2 = 0.5
#: Calibration peaks a self-calibration needs, and their share of the peaks it looked at.
MIN_CONSISTENT = 5
MIN_CONSISTENT_SHARE = 0.5
#: Widest 95 % interval half-width (min) with which a model can still catch a wrong name.
MAX_HALF_WIDTH_95 = 1.0
Z95 = 1.959964
_GRID = 80  # plausible slopes tried for the robust fit's start


def slope_in_range(slope: float) -> bool:
    """Whether ``slope`` (min per Log P unit) is a plausible reversed-phase slope."""
    low, high = SLOPE_RANGE
    return bool(np.isfinite(slope) and low <= slope <= high)


def slope_words(slope: float, who: str) -> str:
    """The refusal of an implausible slope in plain words (``who`` fitted it)."""
    low, high = SLOPE_RANGE
    if slope <= 0:
        return (
            f"{who} RT falls as Log P rises ({slope:+.2f} min per Log P unit): reversed-phase "
            "order runs the other way, so the RTs cannot verify these names"
        )
    return (
        f"{who} slope {slope:.2f} min per Log P unit is outside the plausible reversed-phase "
        f"range {low:g}-{high:g}, so the RTs cannot verify these names"
    )


def within_group_q2(x: np.ndarray, y: np.ndarray, inv: np.ndarray) -> float:
    """Leave-one-out Q² of ``y ~ group intercept + common slope × x`` against group means.

    ``inv`` holds group codes 0..k-1.  Q² = 1 − PRESS(line) / PRESS(group means): how much
    better Log P predicts a left-out peak than its group's other peaks' mean RT.  Groups with a
    single peak cannot be left out and are skipped; NaN when fewer than three peaks remain.
    """
    n_g = np.bincount(inv)
    keep = n_g[inv] >= 2
    if keep.sum() < 3:
        return float("nan")
    x, y, inv = x[keep], y[keep], np.unique(inv[keep], return_inverse=True)[1]
    n_g = np.bincount(inv).astype(float)
    dx = x - (np.bincount(inv, x) / n_g)[inv]
    dy = y - (np.bincount(inv, y) / n_g)[inv]
    sxx = float(dx @ dx)
    h0 = 1.0 / n_g[inv]
    press0 = float(np.sum((dy / (1.0 - h0)) ** 2))
    if sxx <= 1e-12 or press0 <= 1e-12:
        return float("nan")
    slope = float(dx @ dy) / sxx
    h = h0 + dx**2 / sxx
    resid = dy - slope * dx
    press = float(np.sum((resid / np.clip(1.0 - h, 1e-6, None)) ** 2))
    return 1.0 - press / press0


def refusal(
    *,
    slope: float,
    q2: float,
    n_kept: int,
    n_peaks: int,
    half_width: float,
) -> str | None:
    """Why a self-calibration may decide nothing, in plain words; None when it may."""
    if not slope_in_range(slope):
        return slope_words(slope, "the file's own peaks:")
    if n_kept < MIN_CONSISTENT or n_kept < MIN_CONSISTENT_SHARE * n_peaks:
        return (
            f"{n_kept} of {n_peaks} peaks agree on one RT line per headgroup; a calibration "
            f"needs at least {MIN_CONSISTENT} and at least {MIN_CONSISTENT_SHARE:.0%} of them"
        )
    if not np.isfinite(q2) or q2 <= MIN_SELF_Q2:
        shown = "n/a" if not np.isfinite(q2) else f"{q2:.2f}"
        return (
            f"the file's own RTs do not predict each other from Log P (leave-one-out Q² "
            f"{shown} ≤ {MIN_SELF_Q2}): the RTs cannot verify these names"
        )
    if half_width > MAX_HALF_WIDTH_95:
        return (
            f"the self-calibrated line's 95 % interval is ±{half_width:.2f} min, wider than "
            f"±{MAX_HALF_WIDTH_95:g} min: it could not catch a wrong name"
        )
    return None


def plausible_slope_start(
    x: np.ndarray, y: np.ndarray, inv: np.ndarray, tolerance: float
) -> tuple[float, np.ndarray]:
    """The plausible slope most peaks agree with, and each peak's residual under it.

    For each slope of a grid over :data:`SLOPE_RANGE` every group takes the median intercept
    of its peaks; the slope with most peaks within ``tolerance`` min of their line wins (ties:
    the smaller sum of clipped absolute residuals).
    """
    low, high = SLOPE_RANGE
    best: tuple[int, float, float, np.ndarray] | None = None
    for slope in np.geomspace(low, high, _GRID):
        resid = _median_residuals(y - slope * x, inv)
        absr = np.abs(resid)
        score = (int((absr <= tolerance).sum()), -float(np.minimum(absr, 3 * tolerance).sum()))
        if best is None or score > (best[0], best[1]):
            best = (score[0], score[1], float(slope), resid)
    assert best is not None
    return best[2], best[3]


def _median_residuals(r: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """``r`` less the median of its group."""
    out = np.empty_like(r)
    for g in np.unique(inv):
        sel = inv == g
        out[sel] = r[sel] - np.median(r[sel])
    return out
