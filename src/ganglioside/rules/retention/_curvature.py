"""A bent line: RT quadratic in Log P, kept only when leave-one-out prediction says it helps.

On some gradients RT is concave in chain length: the short and long chains of a group fall
below the straight line through its middle.  A line may then carry a quadratic term,
``RT = intercept + slope × Log P + curvature × (Log P − centre)²``, one curvature for the
line's groups.  The bend is one in chain length: every group bends about the Log P it would
have with the file's typical chain (``centre``, from :func:`bend_centres`: the median carbons
and double bonds of the file's rows, read through the Log P increments per carbon and per
double bond found within groups).  The centres are known before any RT is looked at, and they
do not move when a group's few anchors sit at one end of its chains.  The bend
is kept only when the line has at least :data:`MIN_ANCHORS` anchors spanning at least
:data:`MIN_SPAN` Log P units, the quadratic fit keeps at least :data:`MIN_DF` residual degrees
of freedom, the curvature is at least :data:`MIN_T` standard errors from zero, and leave-one-out
prediction improves clearly: the sum of squared leave-one-out residuals (PRESS) falls by at
least :data:`MIN_PRESS_CUT` of the straight line's, that is, Q² (within groups) gains at least
``MIN_PRESS_CUT × (1 − Q²)``.  A fixed gain in Q² (say 0.02) would never be reached by lines
whose straight Q² is already 0.99 or more, as RT lines over a wide Log P range are, even when
their ends sit several residual SDs below the line.  Its leverage for a new row includes the
quadratic column, so prediction intervals widen for the extra parameter, most at the ends of
the Log P range.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ...codes import float_columns
from ._lines import PRIOR_SD, LineFit, _per_unit, _scores, loo_z, residual_sd

MIN_ANCHORS = 8  # anchors a line needs before it may bend
MIN_SPAN = 2.0  # Log P units the anchors must span
MIN_PRESS_CUT = 0.2  # share of the straight line's PRESS the bend must remove
MIN_T = 4.0  # |curvature| / its standard error
MIN_DF = 3  # residual degrees of freedom the bent fit must keep


def bend_centres(data: pd.DataFrame, x: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """The Log P each group bends about: its Log P at the file's median chain (carbons and
    double bonds), by group code (the mean Log P of its rows without chain columns; NaN for
    a group without a finite Log P)."""
    ok = np.isfinite(x)
    count = np.bincount(group[ok], minlength=n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.bincount(group[ok], x[ok], minlength=n_groups) / count
        if "carbons" not in data or "double_bonds" not in data:
            return centre
        chain = float_columns(data, ("carbons", "double_bonds"))
        ok &= np.isfinite(chain).all(axis=1)
        if ok.sum() < 3:
            return centre
        g, xs, cs = group[ok], x[ok], chain[ok]
        n_g = np.bincount(g, minlength=n_groups).astype(float)
        mean_x = np.bincount(g, xs, minlength=n_groups) / n_g
        mean_c = np.column_stack([np.bincount(g, c, minlength=n_groups) / n_g for c in cs.T])
    per_chain = np.linalg.lstsq(cs - mean_c[g], xs - mean_x[g], rcond=None)[0]
    typical = np.median(cs, axis=0)
    found = mean_x - (mean_c - typical) @ per_chain
    return np.where(np.isfinite(found), found, centre)


def with_bend(
    straight: tuple[LineFit, np.ndarray],
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    idx: np.ndarray,
    centre: np.ndarray,
    settings: tuple[float, int, float],
) -> tuple[LineFit, np.ndarray]:
    """The bent line instead of ``straight`` when it passes the checks, else ``straight``.

    ``columns`` are Log P, RT and unit code of every row; ``idx`` the anchors both fits use;
    ``centre`` the Log P each group bends about, by group code; ``settings`` the SD floor,
    the track columns and the prior residual SD.
    """
    fit = straight[0]
    lo, hi = fit.logp_range
    if fit.n_anchors < MIN_ANCHORS or hi - lo < MIN_SPAN:
        return straight
    found = fit_bent_lines(columns, idx, centre, settings)
    if found is None:
        return straight
    bent, z_loo, gain = found
    if bent.df < MIN_DF or gain is None or gain < MIN_PRESS_CUT:
        return straight
    assert bent.curvature is not None and bent.curvature_se is not None
    if abs(bent.curvature) < MIN_T * bent.curvature_se:
        return straight
    return replace(bent, q2_straight=fit.q2), z_loo


def fit_bent_lines(
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    idx: np.ndarray,
    centre: np.ndarray,
    settings: tuple[float, int, float] = (0.0, 2, PRIOR_SD),
) -> tuple[LineFit, np.ndarray, float | None] | None:
    """The line with a quadratic term (common to its units), its anchors' leave-one-out z and
    the share of the straight line's PRESS it removes; None without enough spread."""
    x, y, unit = columns
    floor, k, prior_sd = settings
    g, t = np.divmod(unit[idx], k)
    xs, ys, ts = x[idx], y[idx], t.astype(float)
    inv, codes = pd.factorize(g, sort=True)
    n_g = np.bincount(inv).astype(float)
    xbar, ybar, tbar = (np.bincount(inv, v) / n_g for v in (xs, ys, ts))
    qs = (xs - centre[g]) ** 2
    qbar = np.bincount(inv, qs) / n_g
    dx, dy, dt, dq = xs - xbar[inv], ys - ybar[inv], ts - tbar[inv], qs - qbar[inv]
    has_tracks = float(dt @ dt) > 1e-9
    design = np.column_stack([dx, dq, dt] if has_tracks else [dx, dq])
    normal = design.T @ design
    if float(dx @ dx) < 1e-9 or np.linalg.matrix_rank(normal) < design.shape[1]:
        return None
    minv = np.linalg.inv(normal)
    beta = minv @ (design.T @ dy)
    slope, curve = float(beta[0]), float(beta[1])
    offset = float(beta[2]) if has_tracks else 0.0
    a0 = ybar - slope * xbar - curve * qbar - offset * tbar
    resid = ys - (a0[inv] + slope * xs + curve * qs + offset * ts)
    df = int(idx.size - codes.size - design.shape[1])
    s = residual_sd(resid, df, prior_sd, floor)
    hat = 1.0 / n_g[inv] + np.einsum("ij,jk,ik->i", design, minv, design)
    r2, q2, rmse, mae = _scores(ys, resid, hat)
    track_minv = np.array([[0.0, 0.0], [0.0, minv[2, 2] if has_tracks else 0.0]])
    intercept, count, hint, xb = _per_unit(
        codes, inv, t, k, a0, offset, n_g, track_minv, tbar, xbar
    )
    fit = LineFit(
        slope=slope,
        intercept=intercept,
        n=count,
        hint=hint,
        xbar=xb,
        sxx=float(dx @ dx),
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
    group_qbar = {int(c): float(q) for c, q in zip(codes, qbar, strict=True)}
    fit = _bent(fit, curve, minv, group_qbar, centre, k)
    return fit, loo_z(resid, hat, s), _press_cut(design, dy, 1.0 / n_g[inv], resid, hat)


def _bent(
    fit: LineFit,
    curve: float,
    minv: np.ndarray,
    qbar: dict[int, float],
    centre: np.ndarray,
    k: int,
) -> LineFit:
    """``fit`` with its bend: the quadratic term and its standard error, each unit's centre and
    mean squared distance to it (``qbar``: group code -> mean), and the Log P and quadratic
    block of the inverse normal matrix (``minv``)."""
    return replace(
        fit,
        curvature=curve,
        curvature_se=fit.s * float(np.sqrt(minv[1, 1])),
        qbar={u: qbar[u // k] for u in fit.intercept},
        centre={u: float(centre[u // k]) for u in fit.intercept},
        bend_cov=(float(minv[0, 0]), float(minv[0, 1]), float(minv[1, 1])),
    )


def _press_cut(
    design: np.ndarray, dy: np.ndarray, h_group: np.ndarray, resid: np.ndarray, hat: np.ndarray
) -> float | None:
    """The share of the straight fit's PRESS (sum of squared leave-one-out residuals; the same
    design without its quadratic column) that the bent fit removes."""
    straight = np.delete(design, 1, axis=1)
    minv = np.linalg.pinv(straight.T @ straight)
    resid_s = dy - straight @ (minv @ (straight.T @ dy))
    hat_s = h_group + np.einsum("ij,jk,ik->i", straight, minv, straight)
    ok = (hat < 1 - 1e-9) & (hat_s < 1 - 1e-9)
    if ok.sum() < 3:
        return None
    press_bent = float(np.sum((resid[ok] / (1 - hat[ok])) ** 2))
    press_straight = float(np.sum((resid_s[ok] / (1 - hat_s[ok])) ** 2))
    return 1 - press_bent / press_straight if press_straight > 0 else None
