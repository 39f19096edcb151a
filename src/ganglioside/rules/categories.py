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
    out = []
    for cer, rows in frame.groupby("cer", sort=True):
        if rows["sugar"].nunique() < 4:
            continue
        rho = rows["sugar"].rank().corr(rows["rt"].rank())
        if rho > 0:
            out.append(
                f"ceramide {cer}: peaks with more sugars do not elute earlier "
                f"(rank correlation of sugar count with RT = {rho:+.2f}); check the annotations"
            )
    return out
