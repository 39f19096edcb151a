"""Tests that take the values below the detection limit as censored (a Tobit model per compound).

A compound missing in a sample because it fell below the sample's detection limit is not a
missing value: it is known to be below the limit.  For every compound with such cells the
linear model of the study (``group`` plus batch, subject, covariates) is fitted by maximum
likelihood with the missing cells censored at their sample's limit (Tobin 1958, Econometrica
26:24; Newton's method in Olsen's parameters, where the log-likelihood is concave: Olsen 1978,
Econometrica 46:1211):

    log L = Σ_measured log φ((y − xβ)/σ) − log σ  +  Σ_censored log Φ((c − xβ)/σ)

Variance, moderated as :mod:`.moderated` does: the compound's residual variance
``n σ̂² / (n − p)`` (σ̂ the Tobit ML σ) is squeezed towards the prior (``d0``, ``s0²``), and the
prior itself is fitted without the censored compounds (their measured values, cut at the limit,
vary less than the compound does, which pulled ``s0²`` down and made every test too bold).

Test: each contrast (and the overall test of three or more groups) is a likelihood ratio of
the model against the model with the contrast set to zero, both with σ fixed at the moderated
σ, so that ``LR / r`` is exactly the moderated t² (F) when nothing is censored; it is multiplied
by the square root of the compound's measured share (measured over measured plus censored
cells) and referred to ``F(r, d0 + n − p)``.  The factor is our calibration: on 2,000 null
compounds (6 + 6 samples, sd 0.5, values below 0 censored:
``tests/studies/test_study_censored.py``) the unscaled ratio called 7.9 % at p < 0.05, the
ratio times the measured share 3.0 %, times its square root 4.2 %.

Which cells are censored: the detection limit of a sample is its smallest measured log2 value
(over the study's compounds).  A missing cell is taken as censored only when that is
plausible: under the model fitted with every missing cell censored and σ fixed at the typical
compound's (the prior of the compounds measured everywhere), its probability of falling below
its limit must be at least :data:`MIN_BELOW_PROBABILITY`; and a cell the caller marks as
detected (the sample reported a peak of the compound that was not aligned: an outlier,
fragment or unverified verdict) is never censored.  Those cells are left out as values missing
at random.  A group without any measured value has no finite estimate (its maximum-likelihood
mean is −∞): its fold change is reported as the bound with that group at its samples' limits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import linalg, special, stats

from .moderated import ModeratedFit, fit_f_dist, remoderated

#: Smallest probability below the limit (under the fit) for a missing cell to be censored.
MIN_BELOW_PROBABILITY = 0.01
#: Bounds of the fit: coefficients (log2 units, around the compound's mean) and σ.
BETA_BOUND = 40.0
SD_BOUNDS = (0.01, 10.0)


@dataclass(frozen=True)
class TobitFit:
    """A censored-normal linear model: coefficients, σ and the log-likelihood."""

    beta: np.ndarray
    sd: float
    loglik: float


def _loglik(
    delta: np.ndarray, tau: float, x: np.ndarray, y: np.ndarray, censored: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """log L, gradient and Hessian in Olsen's parameters (δ = β/σ, τ = 1/σ), where the
    Tobit log-likelihood is concave (Olsen 1978, Econometrica 46:1211); ``y`` holds the limit
    in the censored cells."""
    xm, ym, xc, yc = x[~censored], y[~censored], x[censored], y[censored]
    e = tau * ym - xm @ delta
    u = tau * yc - xc @ delta
    log_cdf = special.log_ndtr(u)
    ratio = np.exp(-0.5 * u**2 - 0.5 * np.log(2 * np.pi) - log_cdf)  # φ / Φ
    weight = ratio * (u + ratio)  # −d² log Φ(u) / du², in (0, 1)
    loglik = float(len(ym) * np.log(tau) - 0.5 * np.sum(e**2) + np.sum(log_cdf))
    grad = np.append(xm.T @ e - xc.T @ ratio, len(ym) / tau - ym @ e + yc @ ratio)
    hm = np.hstack([xm, -ym[:, None]])
    hc = np.hstack([-xc, yc[:, None]])
    hess = -(hm.T @ hm) - (hc.T * weight) @ hc
    hess[-1, -1] -= len(ym) / tau**2
    return loglik, grad, hess


#: Newton steps of a Tobit fit at most, and the gain in log-likelihood that ends it.
NEWTON_STEPS = 100
NEWTON_TOLERANCE = 1e-10


def tobit_fit(
    x: np.ndarray, y: np.ndarray, censored: np.ndarray, sd: float | None = None
) -> TobitFit:
    """Maximum-likelihood fit of ``y = xβ + ε``, ε ~ N(0, σ²), with the ``censored`` cells of
    ``y`` known only to lie below their value (the limit); ``sd``: σ fixed, not fitted.  By
    Newton's method with step halving; a coefficient the data leave unbounded (a group never
    measured) stops at :data:`BETA_BOUND` log2 units from the compound's mean.  The
    log-likelihood omits the constant ``−n/2 log 2π`` of the measured cells."""
    if sd is not None:
        sd = float(np.clip(sd, *SD_BOUNDS))
    centre = float(np.mean(y[~censored])) if (~censored).any() else float(np.mean(y))
    yc = y - centre
    beta0, *_ = np.linalg.lstsq(x, np.where(censored, yc - 0.5, yc), rcond=None)
    spread = float(np.std(np.where(censored, yc - 0.5, yc) - x @ beta0))
    start_sd = sd if sd is not None else float(np.clip(spread, 0.05, 10.0))
    theta = np.append(beta0 / start_sd, 1.0 / start_sd)
    free = slice(None) if sd is None else slice(0, x.shape[1])
    loglik, grad, hess = _loglik(theta[:-1], theta[-1], x, yc, censored)
    for _ in range(NEWTON_STEPS):
        step = np.zeros_like(theta)
        step[free] = np.linalg.lstsq(hess[free, free], -grad[free], rcond=None)[0]
        trial, gain = _line_search(theta, step, loglik, x, yc, censored)
        if trial is None:
            break
        theta = trial
        loglik, grad, hess = _loglik(theta[:-1], theta[-1], x, yc, censored)
        if gain < NEWTON_TOLERANCE:
            break
    sigma = 1.0 / theta[-1]
    beta = theta[:-1] * sigma + centre * _constant_direction(x)
    return TobitFit(beta, float(sigma), loglik)


def _line_search(
    theta: np.ndarray,
    step: np.ndarray,
    loglik: float,
    x: np.ndarray,
    y: np.ndarray,
    censored: np.ndarray,
) -> tuple[np.ndarray | None, float]:
    """The first of the step, its half, quarter… that raises the log-likelihood (the
    coefficients held within the bound, σ within its bounds); None when none does."""
    scale = 1.0
    for _ in range(30):
        trial = theta + scale * step
        trial[-1] = np.clip(trial[-1], 1.0 / SD_BOUNDS[1], 1.0 / SD_BOUNDS[0])
        trial[:-1] = np.clip(trial[:-1], -BETA_BOUND * trial[-1], BETA_BOUND * trial[-1])
        value = _loglik(trial[:-1], trial[-1], x, y, censored)[0]
        if value > loglik:
            return trial, value - loglik
        scale /= 2.0
    return None, 0.0


def _constant_direction(x: np.ndarray) -> np.ndarray:
    """The coefficients giving 1 in every row of ``x`` (to move the fit back by the centre)."""
    coef, *_ = np.linalg.lstsq(x, np.ones(x.shape[0]), rcond=None)
    return np.asarray(coef)


def below_probability(fit: TobitFit, x: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Probability of each row falling below its limit under the fit."""
    return np.asarray(stats.norm.cdf((limit - x @ fit.beta) / fit.sd))


def posterior_sd(
    fit: TobitFit, n: int, p: int, prior: tuple[float, float, float]
) -> tuple[float, float]:
    """The moderated σ of a compound and the total df: its residual variance
    ``n σ̂² / (n − p)`` (σ̂ the Tobit ML σ) squeezed towards the prior (``d0``, ``s0²``;
    ``d0 = 0``: no moderation) as :mod:`.moderated` does, the df capped at the pooled residual
    df (``prior[2]``)."""
    d0, s0_squared, cap = prior
    df = n - p
    s2 = fit.sd**2 * n / df
    post = s0_squared if np.isinf(d0) else (d0 * s0_squared + df * s2) / (d0 + df)
    return float(np.sqrt(post)), float(min(df + d0, cap))


def lr_f(
    x: np.ndarray,
    y: np.ndarray,
    censored: np.ndarray,
    hypothesis: np.ndarray,
    full: TobitFit,
) -> float:
    """The likelihood ratio of ``hypothesis.T @ β = 0`` (coefficients × r) over r, both models
    with σ fixed at ``full.sd``: the linear model's F with that σ when nothing is censored
    (``LR = ΔRSS / σ²``)."""
    reduced = tobit_fit(x @ linalg.null_space(hypothesis.T), y, censored, full.sd)
    return max(2.0 * (full.loglik - reduced.loglik), 0.0) / hypothesis.shape[1]


def sample_limits(logs: np.ndarray) -> np.ndarray:
    """Each sample's detection limit: its smallest measured log2 value (columns of ``logs``);
    a sample with none takes the smallest of the study."""
    finite = np.isfinite(logs)
    if not finite.any():
        return np.full(logs.shape[1], np.nan)
    lowest = np.where(finite, logs, np.inf).min(axis=0)
    return np.where(np.isfinite(lowest), lowest, lowest[np.isfinite(lowest)].min())


def censored_cells(x: np.ndarray, y: np.ndarray, limit: np.ndarray, sd: float) -> np.ndarray | None:
    """Which of the missing cells of ``y`` (one compound, NaN missing) are taken as censored:
    those with a probability of at least :data:`MIN_BELOW_PROBABILITY` of falling below their
    limit under the fit with every missing cell censored and σ fixed at ``sd`` (the typical
    compound's: a compound's own σ would grow to make far-off missing cells look censored).
    None when none is."""
    missing = ~np.isfinite(y)
    full = tobit_fit(x, np.where(missing, limit, y), missing, sd)
    below = below_probability(full, x, limit)
    censored = missing & (below >= MIN_BELOW_PROBABILITY)
    return censored if censored.any() else None


#: Fewest units (measured or censored) per group of a contrast, and measured values per
#: compound, for a censored test.
MIN_UNITS = 2
MIN_MEASURED = 3


@dataclass(frozen=True)
class CompoundTests:
    """One compound's censored tests: per contrast estimate, signed moderated t and p (NaN when
    not testable), the overall F and p, the total df and how many cells were censored."""

    estimate: np.ndarray
    t: np.ndarray
    p: np.ndarray
    f: float
    p_f: float
    df: float
    n_censored: int


def _testable(x: np.ndarray, hypothesis: np.ndarray, least: int = MIN_UNITS) -> bool:
    """Whether every coefficient the hypothesis names has ``least`` units in ``x``."""
    columns = np.flatnonzero(np.abs(hypothesis).sum(axis=1) > 0)
    return bool(all((x[:, c] != 0).sum() >= least for c in columns))


def _bound_estimate(x: np.ndarray, y: np.ndarray, hypothesis: np.ndarray) -> np.ndarray:
    """Least squares with the censored cells at their limit: the estimate of a contrast one
    group of which was never measured (a bound: the true change is at least this large)."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    return np.asarray(hypothesis.T @ beta)


@dataclass(frozen=True)
class CensoredCompound:
    """The cells of one compound a censored test uses: the design rows, the values (the limit
    in the censored cells) and which are censored."""

    x: np.ndarray
    y: np.ndarray
    censored: np.ndarray


def censored_compound(
    x: np.ndarray,
    y: np.ndarray,
    limit: np.ndarray,
    sd: float,
    detected: np.ndarray | None = None,
) -> CensoredCompound | None:
    """The censored cells of one compound (``y``: log2 per unit, NaN missing; ``sd``: the
    typical compound's σ; ``detected``: the missing cells that cannot be censored, left out of
    the fit); None when no missing cell is plausibly censored or the compound cannot be fitted
    (then the ordinary test stands)."""
    if detected is not None:  # missing for another reason: left out
        usable = np.isfinite(y) | ~detected
        x, y, limit = x[usable], y[usable], limit[usable]
    measured = np.isfinite(y)
    if measured.all() or measured.sum() < MIN_MEASURED:
        return None
    censored = censored_cells(x, y, limit, sd)
    if censored is None:
        return None
    keep = measured | censored
    xk = x[keep]
    if (np.abs(xk).sum(axis=0) == 0).any() or keep.sum() <= np.linalg.matrix_rank(xk):
        return None
    return CensoredCompound(xk, np.where(censored, limit, y)[keep], censored[keep])


def compound_tests(
    compound: CensoredCompound,
    contrasts: np.ndarray,
    prior: tuple[float, float, float],
    overall: np.ndarray | None = None,
) -> CompoundTests:
    """The censored tests of one compound: each contrast (and the ``overall`` set) by the
    likelihood ratio with σ fixed at the compound's moderated σ (``prior``: ``d0``, ``s0²`` and
    the df cap), referred to F(r, d0 + n − p): exactly the moderated t² / F when nothing is
    censored."""
    xk, yk, ck = compound.x, compound.y, compound.censored
    k = contrasts.shape[1]
    out = {"estimate": np.full(k, np.nan), "t": np.full(k, np.nan), "p": np.full(k, np.nan)}
    sd, df = posterior_sd(tobit_fit(xk, yk, ck), len(yk), np.linalg.matrix_rank(xk), prior)
    scale = float(np.sqrt((~ck).sum() / len(yk)))  # the measured share: see the module
    full = tobit_fit(xk, yk, ck, sd)
    for j in range(k):
        hypothesis = contrasts[:, [j]]
        if not _testable(xk, hypothesis):
            continue
        f = lr_f(xk, yk, ck, hypothesis, full) * scale
        seen = _testable(xk[~ck], hypothesis, 1)
        estimate = hypothesis.T @ full.beta if seen else _bound_estimate(xk, yk, hypothesis)
        out["estimate"][j] = float(estimate[0])
        out["t"][j] = float(np.sign(estimate[0]) * np.sqrt(f))
        out["p"][j] = float(stats.f.sf(f, 1, df))
    f_all = p_all = np.nan
    if overall is not None and _testable(xk, overall):
        f_all = lr_f(xk, yk, ck, overall, full) * scale
        p_all = float(stats.f.sf(f_all, overall.shape[1], df))
    return CompoundTests(**out, f=f_all, p_f=p_all, df=df, n_censored=int(ck.sum()))


def with_censored(
    fit: ModeratedFit,
    logs: np.ndarray,
    x: np.ndarray,
    contrasts: np.ndarray,
    overall: np.ndarray | None = None,
    detected: np.ndarray | None = None,
) -> ModeratedFit:
    """The moderated fit with every compound whose missing cells are plausibly below the
    detection limit tested by :func:`compound_tests` instead (``n_censored`` says which);
    ``detected`` (compounds × units): True where a missing cell is known to be no value below
    the limit (the sample reported the compound, with a verdict that kept it out).  The
    variance prior is fitted again without the censored compounds, whose measured values,
    cut at the limit, vary less than the compound does; every compound is moderated with it."""
    limit = sample_limits(logs)
    complete = np.isfinite(logs).all(axis=1)
    typical = fit_f_dist(fit.sigma2[complete], fit.df_residual[complete])[1]
    usable = [v for v in (typical, fit.s0_squared) if np.isfinite(v) and v > 0]
    sd = float(np.sqrt(usable[0])) if usable else 1.0
    compounds: dict[int, CensoredCompound] = {}
    for i in (int(k) for k in np.flatnonzero(~complete)):
        other = None if detected is None else detected[i]
        found = censored_compound(x, logs[i], limit, sd, other)
        if found is not None:
            compounds[i] = found
    plain = np.ones(len(logs), dtype=bool)
    plain[list(compounds)] = False
    if fit.d0 > 0:  # moderated: the prior again, from the compounds not censored
        fit = remoderated(fit, *fit_f_dist(fit.sigma2[plain], fit.df_residual[plain]), overall)
    cap = float(np.nansum(fit.df_residual))
    prior = (fit.d0, fit.s0_squared, cap if cap > 0 else np.inf)
    est, t, p = fit.estimate.copy(), fit.t.copy(), fit.p_value.copy()
    df, f, p_f = fit.df_total.copy(), fit.f.copy(), fit.p_f.copy()
    n_censored = np.zeros(len(logs), dtype=int)
    for row, compound in compounds.items():
        tests = compound_tests(compound, contrasts, prior, overall)
        n_censored[row] = tests.n_censored
        est[row], t[row], p[row], df[row] = tests.estimate, tests.t, tests.p, tests.df
        f[row], p_f[row] = tests.f, tests.p_f
    return replace(
        fit, estimate=est, t=t, p_value=p, df_total=df, f=f, p_f=p_f, n_censored=n_censored
    )
