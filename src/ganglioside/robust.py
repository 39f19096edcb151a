"""Small numerical helpers shared by the rules: robust weights and penalised least squares."""

from __future__ import annotations

import numpy as np

TUKEY_C = 4.685


def robust_scale(residuals: np.ndarray, floor: float = 0.0) -> float:
    """Median absolute deviation scaled to a normal SD, never below ``floor``."""
    if residuals.size == 0:
        return floor
    mad = float(np.median(np.abs(residuals - np.median(residuals))))
    return max(1.4826 * mad, floor)


def tukey_weights(
    residuals: np.ndarray, *, scale: float | None = None, floor: float = 0.0
) -> np.ndarray:
    """Tukey biweight weights: 1 near zero, falling to 0 beyond 4.685 robust SDs."""
    s = robust_scale(residuals, floor) if scale is None else max(scale, floor)
    if s <= 0:
        return np.ones_like(residuals, dtype=float)
    u = residuals / (TUKEY_C * s)
    return np.where(np.abs(u) < 1, (1 - u**2) ** 2, 0.0)


def robust_ridge(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    prior: np.ndarray,
    penalty: np.ndarray,
    *,
    floor: float,
    iterations: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`weighted_ridge` re-weighted with Tukey's biweight until it settles.

    Returns the coefficients and the final weights (``weights`` times the biweight).
    """
    w = weights.copy()
    coef = weighted_ridge(x, y, w, prior, penalty)
    for _ in range(iterations):
        w = weights * tukey_weights(y - x @ coef, floor=floor)
        new = weighted_ridge(x, y, w, prior, penalty)
        settled = _close(new, coef)
        coef = new
        if settled:
            break
    return coef, w


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """``np.allclose(a, b, atol=1e-6)`` (its default rtol 1e-5), without its overhead."""
    with np.errstate(invalid="ignore"):
        return bool(np.all((np.abs(a - b) <= 1e-6 + 1e-5 * np.abs(b)) & np.isfinite(b) | (a == b)))


def weighted_ridge(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    prior: np.ndarray,
    penalty: np.ndarray,
) -> np.ndarray:
    """Weighted least squares with a ridge pull of each coefficient towards ``prior``.

    Minimises  sum w (y - x b)^2 + sum penalty (b - prior)^2.  A zero penalty leaves that
    coefficient free.  Rank-deficient problems fall back to the minimum-norm solution.
    """
    w = np.clip(weights, 0, None)
    xtw = x.T * w
    gram = xtw @ x + np.diag(penalty)
    rhs = xtw @ y + penalty * prior
    coef, *_ = np.linalg.lstsq(gram, rhs, rcond=None)  # normal equations; tolerant of rank loss
    return coef


def sorted_by_code(
    values: np.ndarray, codes: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The values that are not NaN, sorted by code (0 … ``n`` - 1) and then value, with each
    code's first position and count among them."""
    keep = ~np.isnan(values)
    order = np.lexsort((values[keep], codes[keep]))
    counts = np.bincount(codes[keep], minlength=n)
    return values[keep][order], np.cumsum(counts) - counts, counts


def grouped_median(values: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """The median of each code's values, NaN left out (NaN for a code without any), as pandas'
    grouped median computes it (the middle value, or the mean of the two middle ones)."""
    ordered, start, count = sorted_by_code(values, codes, n)
    out = np.full(n, np.nan)
    has = count > 0
    lo = ordered[start[has] + (count[has] - 1) // 2]
    hi = ordered[start[has] + count[has] // 2]
    with np.errstate(invalid="ignore"):  # inf and -inf: no middle (NaN, as pandas)
        out[has] = np.where(count[has] % 2 == 1, lo, (lo + hi) / 2)
    return out
