"""Log P of a name, and where a name elutes.

Log P is linear in the composition plus a fixed deviation per name; the RT of a group is a line
in Log P whose slope pivots at the group's typical Log P and whose intercept is additive in the
residues.  Series-1 di- to tetrasialo species may elute on a second (late) isomer track.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .composition import Comp, cer_key, decode, encode, totals
from .noise import hash_normal
from .parameters import Params


def _plus_residues(start: Any, k: dict[str, float], c: Comp) -> np.ndarray:
    """``start`` plus each residue count times its coefficient in ``k`` (Log P or RT terms),
    added one after another."""
    t = totals(c)
    return (
        start
        + k["neuac"] * c["n"]
        + k["neugc"] * c["neugc"]
        + k["hex"] * t["hex"]
        + k["hexnac"] * t["hexnac"]
        + k["dhex"] * t["dhex"]
        + k["oac"] * t["oac"]
    )


def _logp_clean(
    p: Params, c: Comp, carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray
) -> np.ndarray:
    k = p.logp_coef
    ceramide = k["const"] + k["carbon"] * carbons + k["db"] * db + k["oxygen"] * (oxy - 2)
    return _plus_residues(ceramide, k, c)


def name_logp(
    p: Params, c: Comp, carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray
) -> np.ndarray:
    """Log P as exported: linear in composition, a fixed deviation per name, 2 decimals."""
    name_key = encode(c) * 10_000 + cer_key(carbons, db, oxy)
    uniq, inverse = np.unique(name_key, return_inverse=True)
    noise = p.logp_noise_sd * hash_normal(p.seed, uniq, stream=1)[inverse.ravel()]
    return np.round(_logp_clean(p, c, carbons, db, oxy) + noise, 2)


def _group_line(p: Params, gkey: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intercept, slope and pivot Log P of each group (computed once per distinct group)."""
    uniq, inverse = np.unique(gkey, return_inverse=True)
    c = decode(uniq)
    intercept = _plus_residues(p.rt_coef["const"], p.rt_coef, c) + p.intercept_sd * hash_normal(
        p.seed, uniq, stream=2
    )
    slope = np.clip(p.slope + p.slope_sd * hash_normal(p.seed, uniq, stream=3), 1.28, 1.42)
    # Each group's own slope pivots around the group's typical Log P (its 36:1;O2 species), so
    # groups agree near their centre and drift apart only at the ends of their range.
    m = len(uniq)
    pivot = _logp_clean(
        p, c, np.full(m, 36), np.ones(m, dtype=np.int64), np.full(m, 2, dtype=np.int64)
    )
    inverse = inverse.ravel()
    return intercept[inverse], slope[inverse], pivot[inverse]


def expected_rt(p: Params, c: Comp, logp: np.ndarray, track: np.ndarray) -> np.ndarray:
    """Noise-free RT of a name with Log P ``logp`` on isomer track ``track`` (0 early, 1 late)."""
    intercept, slope_g, pivot = _group_line(p, encode(c))
    rt = intercept + p.slope * pivot + slope_g * (logp - pivot) + p.track_offset * track
    if p.rt_curvature:  # the curvature option: RT bends away from the group's typical Log P
        rt = rt + p.rt_curvature * (logp - pivot) ** 2
    return rt


def isomer_capable(c: Comp) -> np.ndarray:
    """a/b positional isomers of the series-1 di-, tri- and tetrasialo species."""
    return (c["f"] == 1) & (c["n"] >= 2) & (c["n"] <= 4)


def nearest_expected(p: Params, c: Comp, logp: np.ndarray, rt: np.ndarray) -> np.ndarray:
    """Expected RT of each name on the track nearest to ``rt``."""
    early = expected_rt(p, c, logp, np.zeros(len(rt)))
    late = early + p.track_offset
    use_late = isomer_capable(c) & (np.abs(rt - late) < np.abs(rt - early))
    return np.where(use_late, late, early)
