"""Robust LOWESS of many series on one set of x positions at once (Cleveland 1979: locally
linear fits with tricube weights over the ``frac`` nearest points, then ``iterations``
robustifying passes with bisquare weights of the residuals over six median absolute
residuals), the same fit as ``statsmodels.nonparametric.lowess`` without its ``delta``
shortcut, vectorised across the series (the compounds of a batch share their QCs' injection
orders).  Missing values (NaN) get weight 0 in their series.
"""

from __future__ import annotations

import warnings

import numpy as np


def _tricube(x: np.ndarray, frac: float) -> np.ndarray:
    """Weights (evaluation point × point) of each point in each local fit."""
    n = len(x)
    k = max(2, min(n, int(frac * n + 1e-10)))
    gaps = np.abs(x[:, None] - x[None, :])
    width = np.sort(gaps, axis=1)[:, k - 1]
    width = np.where(width > 0, width, 1.0)
    u = np.clip(gaps / (width[:, None] * 1.0000001), 0.0, 1.0)
    return (1.0 - u**3) ** 3


def _local_linear(x: np.ndarray, y: np.ndarray, w: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Fitted values (series × points): weighted least-squares lines, weights ``base`` (points
    × points) times ``w`` (series × points)."""
    weights = base[None, :, :] * w[:, None, :]  # series × eval × point
    s0 = weights.sum(axis=2)
    s1 = weights @ x
    s2 = weights @ (x * x)
    t0 = np.einsum("sep,sp->se", weights, y)
    t1 = np.einsum("sep,sp->se", weights, y * x[None, :])
    det = s0 * s2 - s1 * s1
    with np.errstate(all="ignore"):
        steep = np.abs(det) > 1e-12 * np.maximum(s0 * s2, 1e-300)
        slope = np.where(steep, (s0 * t1 - s1 * t0) / det, 0.0)
        mean = t0 / s0
        centre = s1 / s0
    return mean + slope * (x[None, :] - centre)


#: Series smoothed at once (bounds the series × points × points weights in memory).
CHUNK = 128


def robust_lowess(x: np.ndarray, y: np.ndarray, frac: float, iterations: int = 3) -> np.ndarray:
    """The LOWESS fit of every row of ``y`` (series × len(x)) at the positions ``x``."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    parts = [_robust(x, y[i : i + CHUNK], frac, iterations) for i in range(0, len(y), CHUNK)]
    return np.vstack(parts) if parts else np.empty_like(y)


def _robust(x: np.ndarray, y: np.ndarray, frac: float, iterations: int) -> np.ndarray:
    measured = np.isfinite(y)
    values = np.where(measured, y, 0.0)
    base = _tricube(x, frac)
    robust = measured.astype(float)
    fit = _local_linear(x, values, robust, base)
    for _ in range(iterations):
        residual = np.where(measured, values - fit, np.nan)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            scale = 6.0 * np.nanmedian(np.abs(residual), axis=1)
            u = np.abs(residual) / np.where(scale > 0, scale, np.inf)[:, None]
        robust = np.where(measured & (u < 1.0), (1.0 - u**2) ** 2, 0.0)
        fit = _local_linear(x, values, robust, base)
    return fit
