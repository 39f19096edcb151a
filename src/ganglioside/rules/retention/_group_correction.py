"""The robust group correction: a group's own non-anchor peaks shift and tilt its line.

Used for the pooled and composition levels when ``robust`` is on.  Each peak is scored against
the correction fitted without itself, so a misannotated peak cannot excuse itself.
"""

from __future__ import annotations

import numpy as np

from ...robust import tukey_weights

SLOPE_DEVIATION_SD = 0.08  # min per Log P unit: how far a group's slope may stray from the shared
MIN_PEAKS_FOR_TILT = 6  # a tilt needs enough peaks to be told from a misannotation or two
CHUNK_ROWS = 1 << 17  # rows per slice of the leave-one-out step (keeps temporaries small)


def group_correction(
    x: np.ndarray,
    resid: np.ndarray,
    group: np.ndarray,
    rows: np.ndarray,
    members: np.ndarray,
    s2: np.ndarray,
    tau2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-group shift and tilt of the line, estimated from the group's own peaks.

    A Bayesian line through the residuals of the group's non-anchor peaks (``members``): the
    shift has prior variance ``tau2`` (how well the anchors or the composition pin the
    intercept) and the tilt a prior SD of :data:`SLOPE_DEVIATION_SD`.  Peaks are
    Tukey-weighted, so misannotations do not pull the line, and each member is scored against
    the line fitted without itself.

    Returns the correction and its variance for every row in ``rows`` (zero/NaN elsewhere).
    """
    n = len(x)
    corr = np.zeros(n)
    var = np.full(n, np.nan)
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return corr, var
    size = int(group.max()) + 1
    mem = np.flatnonzero(members)
    if mem.size == 0:
        var[idx] = tau2[idx]
        return corr, var
    g_m = group[mem]
    cnt = np.bincount(g_m, minlength=size)
    xbar = np.bincount(g_m, x[mem], minlength=size) / np.maximum(cnt, 1)
    xbar = np.where(cnt > 0, xbar, np.nan)
    xc = x - np.where(np.isnan(xbar[group]), x, xbar[group])
    tau2_g = np.full(size, np.nan)
    tau2_g[group[idx]] = tau2[idx]
    inv_t = 1.0 / np.maximum(tau2_g, 1e-8)
    inv_g = np.where(cnt >= MIN_PEAKS_FOR_TILT, 1.0 / SLOPE_DEVIATION_SD**2, 1e8)
    r = resid[mem]
    sums, w = _reweighted_sums(g_m, xc[mem], r, s2[mem], tau2[mem], inv_t, inv_g, size)
    # each member's own terms, by its position among the corrected rows
    pos = np.searchsorted(idx, mem)
    own = np.zeros(idx.size)
    own[pos] = w / s2[mem]
    own_r = np.zeros(idx.size)
    own_r[pos] = r
    _leave_one_out(corr, var, idx, group, xc, (own, own_r), (inv_t, inv_g), sums)
    return corr, var


def _leave_one_out(
    corr: np.ndarray,
    var: np.ndarray,
    idx: np.ndarray,
    group: np.ndarray,
    xc: np.ndarray,
    own_terms: tuple[np.ndarray, np.ndarray],
    priors: tuple[np.ndarray, np.ndarray],
    sums: tuple[np.ndarray, ...],
) -> None:
    """Fill ``corr`` and ``var`` at the rows ``idx``: each row's group line with the row's own
    terms (weight, residual) taken out.

    Works in slices of :data:`CHUNK_ROWS` rows, so that the temporaries stay small on large
    tables.
    """
    own, own_r = own_terms
    inv_t, inv_g = priors
    s0, s1, s2g, b0, b1 = sums
    for start in range(0, idx.size, CHUNK_ROWS):
        part = slice(start, start + CHUNK_ROWS)
        sel = idx[part]
        g = group[sel]
        xi = xc[sel]
        o, orr = own[part], own_r[part]
        a00 = inv_t[g] + s0[g] - o
        a01 = s1[g] - o * xi
        a11 = inv_g[g] + s2g[g] - o * xi**2
        u0 = b0[g] - o * orr
        u1 = b1[g] - o * xi * orr
        det = a00 * a11 - a01**2
        corr[sel] = ((a11 * u0 - a01 * u1) + (a00 * u1 - a01 * u0) * xi) / det
        var[sel] = (a11 - 2 * a01 * xi + a00 * xi**2) / det


def _reweighted_sums(
    g_m: np.ndarray,
    xc: np.ndarray,
    r: np.ndarray,
    s2: np.ndarray,
    tau2: np.ndarray,
    inv_t: np.ndarray,
    inv_g: np.ndarray,
    size: int,
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Per-group weighted sums (of 1, x, x², r, x·r) of the members and their Tukey weights.

    The first weights say how far each peak is from the prior line, in its own predictive SD;
    two more rounds weigh each peak by its distance from the group's corrected line.
    """
    w = tukey_weights(r / np.sqrt(s2 + tau2), scale=1.0)
    for _ in range(2):
        s0, s1, s2g, b0, b1 = _sums(g_m, xc, r, w / s2, size)
        a00, a01, a11 = inv_t + s0, s1, inv_g + s2g
        det = a00 * a11 - a01**2
        delta = (a11 * b0 - a01 * b1) / det
        gamma = (a00 * b1 - a01 * b0) / det
        fitted = delta[g_m] + gamma[g_m] * xc
        w = tukey_weights(r - fitted, scale=float(np.sqrt(np.median(s2))))
    return _sums(g_m, xc, r, w / s2, size), w


def _sums(
    g_m: np.ndarray, xc: np.ndarray, r: np.ndarray, ww: np.ndarray, size: int
) -> tuple[np.ndarray, ...]:
    """Per-group sums of ``ww`` times 1, x, x², r and x·r."""
    return tuple(
        np.bincount(g_m, ww * v, minlength=size).astype(float)
        for v in (np.ones_like(r), xc, xc**2, r, xc * r)
    )
