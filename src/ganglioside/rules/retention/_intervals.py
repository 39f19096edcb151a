"""The reported 95 % prediction interval, calibrated on the file's own peaks.

The prediction SD of a row (``RetentionResult.sd``) serves the outlier decision
(|z| ≥ ``outlier_z``); it is only ever widened, so that the decision errs on the side of
keeping a true species (docs/ALGORITHM.md, "Calibrated uncertainty").  On the benchmark's
simulations it leaves 1-2 % of true species outside ±1.96 SD, so ±1.96 SD is not a 95 %
interval.  The interval reported in ``pi_low``/``pi_high`` is therefore calibrated apart,
from the rows the file itself holds, and changes no verdict.

For each model level the calibration rows are the non-anchor peaks that are not fragment
candidates and not far off their line (|z| < ``2 × outlier_z``: the pipeline's own bound of a
peak that cannot be a real species).  Their z values were scored against lines fitted
without them (anchors only, or the leave-one-out group correction), so they measure how far a
row of that level really falls from its prediction.  The half-width of the interval in SD
units is the empirical 95 % quantile of their |z| (:func:`quantile_95`), a conformal-style
scale: it assumes no shape of the residuals, only that the level's rows are alike.

A level with fewer than :data:`MIN_ROWS` calibration rows borrows: the anchored levels
(``group`` and ``pooled``) from each other, then any level from the whole file's rows; a file
with fewer than :data:`MIN_ROWS` of them keeps ±1.96 SD (conservative: the SD is the
decision's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Calibration rows a level (or its fallback) needs.  Own choice: with 20 rows the 95 %
#: quantile lies between the two largest |z| (midpoint rule: (19 − ½) / 20 = 0.925 and
#: (20 − ½) / 20 = 0.975); with fewer it rests on the largest value alone.
MIN_ROWS = 20
#: The SD units of a normal 95 % interval, used when the file has too few calibration rows.
Z95 = 1.959964
#: Levels whose lines are fitted on the anchors: they borrow from each other first.
ANCHORED_LEVELS = ("group", "pooled")


@dataclass(frozen=True)
class IntervalScale:
    """How one model level's 95 % interval was calibrated.

    ``q`` is the half-width in units of the row's prediction SD, ``n`` the calibration rows
    it was read from and ``source`` which rows: ``level`` (its own), ``anchored`` (the group
    and pooled rows together), ``file`` (every level's) or ``none`` (too few: ``q`` = 1.96).
    """

    q: float
    n: int
    source: str


def quantile_95(abs_z: np.ndarray) -> float:
    """The 95 % quantile of ``abs_z`` with the midpoint rule (the k-th smallest of n values
    stands at (k − ½) / n; linear between), so that about 5 % of the values lie beyond it
    at any n rather than at most 5 % (which falls to 1/n with few values)."""
    return float(np.quantile(abs_z, 0.95, method="hazen"))


def interval_scales(
    z: np.ndarray, level: pd.Categorical, calibrating: np.ndarray, far_z: float
) -> dict[str, IntervalScale]:
    """Each predicted level's :class:`IntervalScale`.

    ``calibrating`` marks the rows that may calibrate (non-anchor peaks that are not fragment
    candidates); rows with |z| ≥ ``far_z`` are set aside as not real species.
    """
    levels = np.asarray(level.astype(str), dtype=object)
    with np.errstate(invalid="ignore"):
        rows = calibrating & np.isfinite(z) & (np.abs(z) < far_z)
    abs_z = np.abs(z)
    anchored = rows & np.isin(levels, ANCHORED_LEVELS)
    out: dict[str, IntervalScale] = {}
    for lvl in np.unique(levels[np.isfinite(z)]).tolist():
        if not lvl:
            continue
        choices = [(rows & (levels == lvl), "level")]
        if lvl in ANCHORED_LEVELS:
            choices.append((anchored, "anchored"))
        choices.append((rows, "file"))
        out[lvl] = IntervalScale(Z95, int(rows.sum()), "none")
        for sel, source in choices:
            n = int(sel.sum())
            if n >= MIN_ROWS:
                out[lvl] = IntervalScale(quantile_95(abs_z[sel]), n, source)
                break
    return out


def half_widths(
    sd: np.ndarray, level: pd.Categorical, scales: dict[str, IntervalScale]
) -> np.ndarray:
    """The 95 % interval's half-width of every row (NaN where there is no prediction)."""
    levels = np.asarray(level.astype(str), dtype=object)
    q = np.full(len(sd), np.nan)
    for lvl, scale in scales.items():
        q[levels == lvl] = scale.q
    return q * sd
