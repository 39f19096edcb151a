"""Rule 2: sugar counts and categories, and the soft check that more sugars elute earlier.

The sugar count and the GA/GM/GD/GT/GQ/GP category come from the parsed name (see
:mod:`ganglioside.names`): sialic acids plus the neutral core sugars (5 - series digit) plus sugar
modifications; an O-acetyl ester is not a sugar.  This module holds the soft check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def sugar_order_warnings(
    ceramide: pd.Series, sugar_count: pd.Series, rt: pd.Series, valid: np.ndarray
) -> list[str]:
    """Warn for ceramides whose valid peaks do not elute earlier with more sugars.

    Within one ceramide, a larger glycan is more polar and elutes earlier in reversed phase, so
    the rank correlation between sugar count and RT should be negative.  Only ceramides with at
    least four distinct sugar counts are checked.
    """
    frame = pd.DataFrame({"cer": ceramide[valid], "sugar": sugar_count[valid], "rt": rt[valid]})
    distinct = frame.groupby("cer", sort=True)["sugar"].nunique()
    frame = frame[frame["cer"].isin(distinct[distinct >= 4].index)]
    if frame.empty:
        return []
    by = frame.groupby("cer", sort=True)
    # Spearman correlation per ceramide = Pearson correlation of the ranks
    a = by["sugar"].rank()
    b = by["rt"].rank()
    a = a - a.groupby(frame["cer"]).transform("mean")
    b = b - b.groupby(frame["cer"]).transform("mean")
    num = (a * b).groupby(frame["cer"]).sum()
    den = np.sqrt((a * a).groupby(frame["cer"]).sum() * (b * b).groupby(frame["cer"]).sum())
    rho = num / den
    return [
        f"ceramide {cer}: peaks with more sugars do not elute earlier "
        f"(rank correlation of sugar count with RT = {value:+.2f}); check the annotations"
        for cer, value in rho.items()
        if value > 0
    ]
