"""Calibration: widen a level's prediction SDs when its non-anchor peaks scatter more."""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_ROWS_TO_CALIBRATE = 30  # non-anchor peaks a level needs before its spread is measured
MAX_CALIBRATION = 3.0  # the most a level's prediction SDs are widened
MAD_TO_SD = 1.4826  # median |z| of a normal distribution, inverted


def calibrate(
    resid: np.ndarray, var: np.ndarray, level: pd.Categorical, rows: np.ndarray
) -> dict[str, float]:
    """The factor by which each model level's prediction SDs are widened.

    Anchors can understate the peak-to-peak noise (few of them, strong peaks).  For each model
    level with enough non-anchor peaks (``rows``), the robust spread of their z values
    (1.4826 × median |z|, unmoved by a minority of misannotations) should be 1; when it is
    larger, every prediction SD of that level is to be multiplied by it.  It is never narrowed,
    so a level appears only when its factor exceeds 1.
    """
    out: dict[str, float] = {}
    for lvl in ("group", "pooled", "composition", "transferred"):
        sel = rows & (level == lvl) & np.isfinite(resid) & (var > 0)
        if sel.sum() < MIN_ROWS_TO_CALIBRATE:
            continue
        spread = MAD_TO_SD * float(np.median(np.abs(resid[sel]) / np.sqrt(var[sel])))
        if spread > 1.0:
            out[lvl] = min(spread, MAX_CALIBRATION)
    return out
