"""Least-squares lines of RT on Log P with one slope shared by several units.

A *unit* is ``group code * max_tracks + track``: a group on one track is one unit, a group
with isomer tracks is one unit per track.  The group lines and the pooled line of the model are
both fitted here, on anchors only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

PRIOR_SD = 0.1  # min; a weak prior on the residual SD so that 3 anchors cannot give s = 0.007
PRIOR_SD_DF = 2.0  # its weight, in residual degrees of freedom
MAX_LEVERAGE = 1 - 1e-9  # an anchor at or above this leverage has no leave-one-out residual


@dataclass(frozen=True)
class LineFit:
    """A fitted line: one slope for all its units, one intercept per unit.

    Attributes
    ----------
    slope:
        RT (min) per Log P unit.
    intercept:
        Unit code -> intercept (min).
    n:
        Unit code -> number of anchors of the unit's group.
    hint:
        Unit code -> the intercept part of a prediction's leverage on that unit.
    xbar:
        Unit code -> mean Log P of the unit's group anchors.
    sxx:
        Within-group sum of squares of Log P.
    track_offset:
        Late-minus-early intercept spacing shared by the multi-track groups (None without
        them).
    s:
        Residual SD (min), after the weak prior and the floor.
    df:
        Residual degrees of freedom.
    r2, q2, rmse_loo, mae_loo:
        Fit and leave-one-out scores (None when there are too few anchors).
    n_anchors:
        Anchors used.
    logp_range:
        Lowest and highest Log P of the anchors used.
    curvature, curvature_se:
        Quadratic term (min per Log P unit², on ``(Log P - centre)²`` of each unit) and its
        standard error when the line bends (``_curvature``); None for a straight line.
    centre:
        Unit code -> the Log P its group bends about (bent only).
    qbar:
        Unit code -> mean of ``(Log P - centre)²`` over the unit's group anchors (bent only).
    bend_cov:
        The Log P and quadratic block (xx, xq, qq) of the bent fit's inverse normal matrix,
        for a new row's leverage (None for a straight line).
    q2_straight:
        Leave-one-out Q² of the straight line the bent one replaced.
    """

    slope: float
    intercept: dict[int, float]
    n: dict[int, int]
    hint: dict[int, float]
    xbar: dict[int, float]
    sxx: float
    track_offset: float | None
    s: float
    df: int
    r2: float | None
    q2: float | None
    rmse_loo: float | None
    mae_loo: float | None
    n_anchors: int
    logp_range: tuple[float, float]
    curvature: float | None = None
    curvature_se: float | None = None
    qbar: dict[int, float] = field(default_factory=dict)
    centre: dict[int, float] = field(default_factory=dict)
    bend_cov: tuple[float, float, float] | None = None
    q2_straight: float | None = None


def loo_z(resid: np.ndarray, hat: np.ndarray, s: float) -> np.ndarray:
    """Leave-one-out z of each anchor (NaN where its leverage is 1)."""
    z_loo = np.full(resid.size, np.nan)
    ok = hat < MAX_LEVERAGE
    z_loo[ok] = resid[ok] / (s * np.sqrt(1 - hat[ok]))
    return z_loo


def residual_sd(resid: np.ndarray, df: int, prior_sd: float, floor: float) -> float:
    """The residual SD: the fit's, pooled with ``prior_sd`` weighted as :data:`PRIOR_SD_DF`
    degrees of freedom (``prior_sd`` alone without residual degrees of freedom), never below
    ``floor``."""
    if df > 0:
        s2 = (float(resid @ resid) + PRIOR_SD_DF * prior_sd**2) / (df + PRIOR_SD_DF)
    else:
        s2 = prior_sd**2
    return max(float(np.sqrt(s2)), floor)


def fit_lines(
    x: np.ndarray,
    y: np.ndarray,
    unit: np.ndarray,
    idx: np.ndarray,
    floor: float,
    k: int,
    prior_sd: float = PRIOR_SD,
) -> tuple[LineFit, np.ndarray] | None:
    """Common slope and one intercept per group, with one shared isomer-track offset.

    ``unit`` = group * k + track, per row; ``idx`` are the positions of the anchors to use.
    Within groups, RT is regressed on Log P and on the track index, so every multi-track group
    shares one late-minus-early offset (a single pair of anchors cannot set a spacing of its
    own) while each group keeps its own intercept.

    Returns the fit and the leave-one-out z of each anchor in ``idx`` (NaN where its leverage
    is 1), or None with fewer than two anchors or no spread in Log P within groups.
    """
    if idx.size < 2:
        return None
    g, t = np.divmod(unit[idx], k)
    xs, ys, ts = x[idx], y[idx], t.astype(float)
    inv, codes = pd.factorize(g, sort=True)
    n_g = np.bincount(inv).astype(float)
    xbar = np.bincount(inv, xs) / n_g
    ybar = np.bincount(inv, ys) / n_g
    tbar = np.bincount(inv, ts) / n_g
    dx, dy, dt = xs - xbar[inv], ys - ybar[inv], ts - tbar[inv]
    sxx = float(dx @ dx)
    if sxx < 1e-9:
        return None
    minv, slope, offset, has_tracks = _slope_and_offset(dx, dy, dt, sxx)
    a0 = ybar - slope * xbar - offset * tbar  # track-0 intercept per group
    resid = ys - (a0[inv] + slope * xs + offset * ts)
    df = int(idx.size - codes.size - 1 - int(has_tracks))
    s = residual_sd(resid, df, prior_sd, floor)
    hat = 1.0 / n_g[inv] + minv[0, 0] * dx**2 + 2 * minv[0, 1] * dx * dt + minv[1, 1] * dt**2
    r2, q2, rmse, mae = _scores(ys, resid, hat)
    intercept, count, hint, xb = _per_unit(codes, inv, t, k, a0, offset, n_g, minv, tbar, xbar)
    fit = LineFit(
        slope=slope,
        intercept=intercept,
        n=count,
        hint=hint,
        xbar=xb,
        sxx=sxx,
        track_offset=offset if has_tracks else None,
        s=s,
        df=df,
        r2=r2,
        q2=q2,
        rmse_loo=rmse,
        mae_loo=mae,
        n_anchors=int(idx.size),
        logp_range=(float(xs.min()), float(xs.max())),
    )
    return fit, loo_z(resid, hat, s)


def _slope_and_offset(
    dx: np.ndarray, dy: np.ndarray, dt: np.ndarray, sxx: float
) -> tuple[np.ndarray, float, float, bool]:
    """The inverse normal matrix, the slope, the track offset and whether there are tracks."""
    sxt, stt = float(dx @ dt), float(dt @ dt)
    if stt > 1e-9:
        minv = np.linalg.pinv(np.array([[sxx, sxt], [sxt, stt]]))
        slope, offset = minv @ np.array([float(dx @ dy), float(dt @ dy)])
        return minv, float(slope), float(offset), True
    minv = np.array([[1 / sxx, 0.0], [0.0, 0.0]])
    return minv, float(dx @ dy) / sxx, 0.0, False


def _scores(
    ys: np.ndarray, resid: np.ndarray, hat: np.ndarray
) -> tuple[float | None, float | None, float | None, float | None]:
    """R², and the leave-one-out Q², RMSE and MAE (None with fewer than three usable anchors)."""
    sst = float(((ys - ys.mean()) ** 2).sum())
    loo_ok = hat < MAX_LEVERAGE
    r2 = 1 - float(resid @ resid) / sst if sst > 0 else None
    if not (loo_ok.sum() >= 3 and sst > 0):
        return r2, None, None, None
    e_loo = resid[loo_ok] / (1 - hat[loo_ok])
    sst_loo = float(((ys[loo_ok] - ys[loo_ok].mean()) ** 2).sum())
    q2 = 1 - float(e_loo @ e_loo) / sst_loo if sst_loo > 0 else None
    rmse = float(np.sqrt(np.mean(e_loo**2)))
    mae = float(np.mean(np.abs(e_loo)))
    return r2, q2, rmse, mae


def _per_unit(
    codes: np.ndarray,
    inv: np.ndarray,
    t: np.ndarray,
    k: int,
    a0: np.ndarray,
    offset: float,
    n_g: np.ndarray,
    minv: np.ndarray,
    tbar: np.ndarray,
    xbar: np.ndarray,
) -> tuple[dict[int, float], dict[int, int], dict[int, float], dict[int, float]]:
    """Intercept, anchor count, intercept leverage and mean Log P of every unit of the fit."""
    n_tracks = np.ones(codes.size, dtype=np.int64)
    np.maximum.at(n_tracks, inv, t + 1)
    intercept: dict[int, float] = {}
    count: dict[int, int] = {}
    hint: dict[int, float] = {}
    xb: dict[int, float] = {}
    for j, grp in enumerate(codes):
        for tr in range(int(n_tracks[j])):
            key = int(grp) * k + tr
            intercept[key] = float(a0[j] + offset * tr)
            count[key] = int(n_g[j])
            hint[key] = float(1 / n_g[j] + minv[1, 1] * (tr - tbar[j]) ** 2)
            xb[key] = float(xbar[j])
    return intercept, count, hint, xb
