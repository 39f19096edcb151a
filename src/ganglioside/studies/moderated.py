"""Linear models per compound and moderated t / F statistics (empirical-Bayes variance
shrinkage, as limma's ``lmFit`` → ``contrasts.fit`` → ``eBayes`` does).

Every compound (row of ``y``, log2 quantities, NaN where missing) is fitted by least squares on
the rows of the design matrix where it was measured; compounds with the same missing cells share
one fit.  A design column left without any measured sample (a batch or subject the compound was
never seen in) is dropped for that compound; a contrast that then needs it is not estimable
(NaN).  The residual variances are then squeezed towards a common prior (Smyth 2004): the prior
degrees of freedom ``d0`` and variance ``s0²`` are estimated from the distribution of the
log-variances by the method of moments (``fitFDist``), each compound's posterior variance is
``(d0 s0² + d s²) / (d0 + d)`` and its moderated t has ``d0 + d`` degrees of freedom (capped at
the pooled residual degrees of freedom, as limma does).

Source: Smyth GK (2004) Linear models and empirical Bayes methods for assessing differential
expression in microarray experiments. Stat Appl Genet Mol Biol 3:3; Phipson B et al. (2016)
Ann Appl Stat 10:946 for the df cap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

#: Relative tolerance below which a design column is taken as dependent on the others.
RANK_TOLERANCE = 1e-8


@dataclass(frozen=True)
class ModeratedFit:
    """Per compound (rows) and contrast (columns): estimate, unscaled sd, moderated t and p;
    per compound: residual variance and df, posterior variance, total df and, when an overall
    contrast set was given, the moderated F and its p.  ``d0`` and ``s0_squared`` are the
    prior's df and variance (``inf`` df: every compound takes the prior variance).
    ``n_censored``: per compound, the cells a censored test took as below the detection limit
    (:mod:`.censored`; 0: the ordinary test; None: no censored tests were asked)."""

    estimate: np.ndarray
    stdev_unscaled: np.ndarray
    t: np.ndarray
    p_value: np.ndarray
    sigma2: np.ndarray
    df_residual: np.ndarray
    sigma2_post: np.ndarray
    df_total: np.ndarray
    f: np.ndarray
    p_f: np.ndarray
    d0: float
    s0_squared: float
    n_censored: np.ndarray | None = None


def trigamma_inverse(x: np.ndarray) -> np.ndarray:
    """The y with trigamma(y) = x (x > 0), by Newton's method on 1/trigamma (limma's
    ``trigammaInverse``)."""
    x = np.asarray(x, dtype=float)
    y = np.where(x > 1e7, 1.0 / np.sqrt(np.maximum(x, 1e-300)), 0.5 + 1.0 / x)
    big = x < 1e-6
    for _ in range(50):
        tri = special.polygamma(1, y)
        dif = tri * (1.0 - tri / x) / special.polygamma(2, y)
        y = y + dif
        if np.all(-dif / y < 1e-8):
            break
    return np.where(big, 1.0 / np.maximum(x, 1e-300), y)


def fit_f_dist(s2: np.ndarray, df: np.ndarray) -> tuple[float, float]:
    """Prior ``(d0, s0²)`` of a scaled F distribution fitted to the variances ``s2`` with
    ``df`` residual degrees of freedom, by moments of log(s2) (limma's ``fitFDist``)."""
    ok = np.isfinite(s2) & np.isfinite(df) & (df > 0)
    s2, df = s2[ok], df[ok]
    if len(s2) < 2:
        return 0.0, float(np.nanmedian(s2)) if len(s2) else np.nan
    positive = s2[s2 > 0]
    floor = 1e-5 * float(np.median(positive)) if len(positive) else 1e-12
    z = np.log(np.maximum(s2, floor))
    e = z - special.digamma(df / 2.0) + np.log(df / 2.0)
    mean = float(np.mean(e))
    var = float(np.sum((e - mean) ** 2) / (len(e) - 1)) - float(
        np.mean(special.polygamma(1, df / 2.0))
    )
    if var > 0:
        d0 = 2.0 * float(trigamma_inverse(np.array([var]))[0])
        s0 = float(np.exp(mean + special.digamma(d0 / 2.0) - np.log(d0 / 2.0)))
    else:
        d0, s0 = np.inf, float(np.exp(mean))
    return d0, s0


def _fit_pattern(
    x: np.ndarray, y: np.ndarray, contrasts: np.ndarray, overall: np.ndarray | None
) -> tuple[np.ndarray, ...]:
    """Least squares of the rows ``y`` (all measured on the rows of ``x``): estimates, unscaled
    sds, residual variances and df, and the unscaled F of ``overall``."""
    m, k = y.shape[0], contrasts.shape[1]
    used = np.abs(x).sum(axis=0) > 0
    est = np.full((m, k), np.nan)
    sd = np.full((m, k), np.nan)
    f_unscaled = np.full(m, np.nan)
    xs = x[:, used]
    n, p = xs.shape
    if n == 0 or np.linalg.matrix_rank(xs, tol=RANK_TOLERANCE * max(n, 1)) < p:
        return est, sd, np.full(m, np.nan), np.zeros(m), f_unscaled
    inverse = np.linalg.inv(xs.T @ xs)
    beta = inverse @ xs.T @ y.T  # p × m
    resid = y.T - xs @ beta
    df = n - p
    s2 = (resid**2).sum(axis=0) / df if df > 0 else np.full(m, np.nan)
    estimable = ~np.any(contrasts[~used] != 0, axis=0)
    c = contrasts[used][:, estimable]
    est[:, estimable] = (c.T @ beta).T
    sd[:, estimable] = np.sqrt(np.einsum("ij,ik,kj->j", c, inverse, c))
    if overall is not None and not np.any(overall[~used] != 0):
        g = overall[used]
        values = g.T @ beta  # r × m
        v = np.linalg.pinv(g.T @ inverse @ g)
        f_unscaled = np.einsum("im,ij,jm->m", values, v, values) / g.shape[1]
    return est, sd, s2, np.full(m, float(df)), f_unscaled


def moderated_fit(
    y: np.ndarray,
    x: np.ndarray,
    contrasts: np.ndarray,
    overall: np.ndarray | None = None,
    moderate: bool = True,
) -> ModeratedFit:
    """Fit every row of ``y`` (compounds × samples, log scale, NaN missing) on the design ``x``
    (samples × coefficients), take the ``contrasts`` (coefficients × contrasts) and, when given,
    the ``overall`` set of contrasts (coefficients × r) for a moderated F; moderate the
    variances (``moderate=False``: no prior, the ordinary linear-model t and F)."""
    y = np.asarray(y, dtype=float)
    m, k = y.shape[0], contrasts.shape[1]
    est, sd = np.full((m, k), np.nan), np.full((m, k), np.nan)
    s2, df, f_un = np.full(m, np.nan), np.zeros(m), np.full(m, np.nan)
    measured = np.isfinite(y)
    patterns: dict[bytes, list[int]] = {}
    for i in range(m):
        patterns.setdefault(np.packbits(measured[i]).tobytes(), []).append(i)
    for rows in patterns.values():
        mask = measured[rows[0]]
        part = _fit_pattern(
            x[mask],
            y[np.ix_(np.asarray(rows, dtype=np.intp), np.flatnonzero(mask))],
            contrasts,
            overall,
        )
        est[rows], sd[rows], s2[rows], df[rows], f_un[rows] = part
    d0, s0 = fit_f_dist(s2, df) if moderate else (0.0, float(np.nanmedian(s2)))
    return _moderate(est, sd, s2, df, f_un, d0, s0, overall)


def _moderate(
    est: np.ndarray,
    sd: np.ndarray,
    s2: np.ndarray,
    df: np.ndarray,
    f_un: np.ndarray,
    d0: float,
    s0: float,
    overall: np.ndarray | None,
) -> ModeratedFit:
    with np.errstate(invalid="ignore", divide="ignore"):
        if np.isinf(d0):
            post = np.full(s2.shape, s0)
        else:
            post = np.where(df > 0, (d0 * s0 + df * np.nan_to_num(s2)) / (d0 + df), s0)
        pooled = float(np.sum(df))
        total = np.minimum(df + d0, pooled) if pooled > 0 else np.full(df.shape, np.nan)
        t = est / (sd * np.sqrt(post)[:, None])
        p = 2.0 * stats.t.sf(np.abs(t), total[:, None])
        f = f_un / post
        r = overall.shape[1] if overall is not None else 1
        p_f = stats.f.sf(f, r, total)
    return ModeratedFit(est, sd, t, p, s2, df, post, total, f, p_f, float(d0), float(s0))


def remoderated(
    fit: ModeratedFit, d0: float, s0_squared: float, overall: np.ndarray | None = None
) -> ModeratedFit:
    """The same fit moderated with another prior (``d0``, ``s0²``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        f_unscaled = fit.f * fit.sigma2_post
    return _moderate(
        fit.estimate,
        fit.stdev_unscaled,
        fit.sigma2,
        fit.df_residual,
        f_unscaled,
        d0,
        s0_squared,
        overall,
    )
