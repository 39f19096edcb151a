"""Hydroxylated ceramides: the RT change per ceramide oxygen beyond two.

An extra oxygen (a hydroxylated fatty acid, ``;O3``, ``t18:0``, ``2OH``) lowers Log P by about
one unit, which along the common slope would move the peak by well over half a minute; real
runs show only about -0.12 to -0.22 min.  The model therefore carries a term per extra oxygen,
added to the line: ``RT = line(Log P) + term × (oxygens - 2)``.  The term is learned from the
file (its anchors with extra oxygens, else its other peaks with them) when it has at least
:data:`MIN_ROWS` of them, robustly, or from :data:`MIN_ANCHOR_ROWS` anchors when they are
the only rows with extra oxygens (confirmed peaks: the model fits a line on two anchors too);
otherwise it is set so that the whole change per extra oxygen is :data:`PER_OXYGEN_PRIOR`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...robust import robust_scale, tukey_weights

PER_OXYGEN_PRIOR = -0.17  # min of RT per ceramide oxygen beyond two (real runs: -0.12..-0.22)
LOGP_PER_OXYGEN = -1.16  # Log P per oxygen when the file's Log P does not say (logp.PRIOR)
MIN_ROWS = 3  # rows with extra oxygens the term needs before it is learned from the file
MIN_ANCHOR_ROWS = 2  # anchors with extra oxygens that suffice when no other row has them


@dataclass(frozen=True)
class HydroxylTerm:
    """The RT term per extra ceramide oxygen.

    Attributes
    ----------
    term:
        Added to the line per oxygen beyond two (min).
    per_oxygen:
        The whole RT change per extra oxygen (min): ``term`` plus the slope times the Log P
        increment per oxygen.
    source:
        ``"anchors"``, ``"peaks"``, ``"anchors and peaks"`` (learned from the file) or
        ``"prior"``.
    n_rows:
        Rows it was learned from (0 for the prior).
    """

    term: float
    per_oxygen: float
    source: str
    n_rows: int

    def to_dict(self) -> dict[str, float | int | str]:
        return dict(vars(self))


def extra_oxygens(data: pd.DataFrame) -> np.ndarray:
    """Ceramide oxygens beyond two of every row (0 without an ``oxygens`` column)."""
    if "oxygens" not in data:
        return np.zeros(len(data))
    return np.clip(data["oxygens"].to_numpy(dtype=float) - 2.0, 0.0, None)


def prior_term(slope: float, logp_per_oxygen: float) -> float:
    """The term that makes the whole change per extra oxygen :data:`PER_OXYGEN_PRIOR`."""
    return PER_OXYGEN_PRIOR - slope * logp_per_oxygen


def learned_offset(
    resid: np.ndarray, extra: np.ndarray, rows: np.ndarray, min_rows: int = MIN_ROWS
) -> float | None:
    """Robust mean of ``resid / extra`` over ``rows`` with extra oxygens (Tukey-weighted
    from the median), or None with fewer than ``min_rows`` such rows."""
    sel = rows & (extra > 0) & np.isfinite(resid)
    if sel.sum() < min_rows:
        return None
    per = resid[sel] / extra[sel]
    centre = float(np.median(per))
    scale = robust_scale(per - centre, 0.02)
    for _ in range(5):
        w = tukey_weights(per - centre, scale=scale)
        if w.sum() <= 0:
            break
        centre = float(np.sum(w * per) / w.sum())
    return centre
