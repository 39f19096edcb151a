"""Missing values filled for the statistics (the measured values are kept apart, and every
filled cell is flagged).

``none``
    a missing value stays missing; each test uses the values there are.  Right when values
    are missing at random;
``censored_test``
    nothing is filled: the statistics test each compound whose missing cells are plausibly
    below the sample's detection limit with those cells censored there (a Tobit likelihood
    ratio per compound, :mod:`.censored`); other missing values stay missing, as with ``none``;
``half_min``
    half the compound's smallest value in the study (a fixed value below detection);
``min_prob``
    left-censored, MinProb-like (Lazar et al. 2016, J Proteome Res 15:1116): drawn at random
    (fixed seed) from a normal distribution on the log2 scale centred on the sample's 1st
    percentile of measured values, with the median of the compounds' standard deviations.
    Right when compounds are missing because they fall below the detection limit;
``censored``
    left-censored, per compound: each sample's detection limit is its smallest measured log2
    value; a normal distribution is fitted to each compound by maximum likelihood with its
    missing cells taken as below their sample's limit (Tobit; EM, Dempster et al. 1977
    J R Stat Soc B 39:1), and a missing cell is filled with the expected value below the limit
    of that normal (deterministic: the same study gives the same values);
``censored_groups``
    as ``censored``, but only for the compounds one group of which has fewer than two
    measured values (a group the test could not see otherwise; all the compound's missing
    study cells are filled, so no group keeps only its values above the limit); every other
    compound's missing values stay missing, as with ``none``;
``knn``
    from the ``KNN_NEIGHBOURS`` compounds most alike over the samples both were measured in
    (Troyanskaya et al. 2001, Bioinformatics 17:520; centred log2 values, Euclidean).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

IMPUTATION_TEXT = {
    "none": "missing values left out of the tests",
    "censored_test": "missing values plausibly below each sample's detection limit (its "
    "smallest measured value) taken as censored there by the test (a Tobit likelihood-ratio "
    "test per compound with the study's model, moderated); other missing values left out",
    "half_min": "missing values replaced by half the species' smallest value in the study",
    "min_prob": "missing values drawn below each sample's detection limit (left-censored, "
    "MinProb-like: normal on log2, mean the sample's 1st percentile, sd the median compound sd)",
    "censored": "missing values below each sample's detection limit (its smallest measured "
    "value), filled with their expectation under a normal fitted per compound with the "
    "missing cells censored at that limit (Tobit, EM)",
    "censored_groups": "missing values of the compounds a group of which has fewer than two "
    "measured values filled as censored (expectation below each sample's detection limit); "
    "other missing values left out of the tests",
    "knn": "missing values from the 5 compounds most alike (k nearest neighbours on log2)",
}
#: The choices that fill no cell (no imputed matrix, no imputed cells to list).
FILLS_NOTHING = ("none", "censored_test")
#: Quantile of a sample's measured log2 values taken as its detection limit (MinProb).
MIN_PROB_QUANTILE = 0.01
#: Neighbours of the kNN imputation.
KNN_NEIGHBOURS = 5
#: Seed of the MinProb draws (the same study gives the same values).
SEED = 20


def impute(
    values: pd.DataFrame, method: str, groups: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The values with the missing cells filled by ``method`` (``groups``: sample → study
    group, for ``censored_groups``; samples not in it are never filled)."""
    if method in FILLS_NOTHING:
        return values.copy()
    if method == "censored_groups":
        return _censored_groups(values, groups or {})
    if method == "half_min":
        smallest = values.where(values > 0).min(axis=1) / 2.0
        return values.T.fillna(smallest).T
    logs = np.log2(values.where(values > 0).to_numpy(dtype=float))
    fill = {"min_prob": _min_prob, "censored": _censored}.get(method, _knn)
    filled = fill(logs)
    return pd.DataFrame(np.exp2(filled), index=values.index, columns=values.columns)


def _min_prob(logs: np.ndarray) -> np.ndarray:
    missing = ~np.isfinite(logs)
    if not missing.any():
        return logs
    with np.errstate(all="ignore"):
        centre = np.nanquantile(logs, MIN_PROB_QUANTILE, axis=0)
        sds = np.nanstd(logs, axis=1, ddof=1)
    spread = float(np.nanmedian(sds)) if np.isfinite(sds).any() else 0.0
    centre = np.where(np.isfinite(centre), centre, np.nanmin(logs))
    rng = np.random.default_rng(SEED)
    draws = rng.normal(0.0, spread, logs.shape) + centre[None, :]
    return np.where(missing, draws, logs)


#: EM rounds of the censored fit, and the smallest sd it keeps (log2 units).
CENSORED_ROUNDS = 50
CENSORED_MIN_SD = 0.05


def _censored(logs: np.ndarray, draw: bool = False) -> np.ndarray:
    missing = ~np.isfinite(logs)
    if not missing.any():
        return logs
    with np.errstate(all="ignore"):
        limit = np.nanmin(logs, axis=0)
    limit = np.where(np.isfinite(limit), limit, np.nanmin(logs))[None, :] * np.ones_like(logs)
    seen = np.where(missing, np.nan, logs)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mu = np.nanmean(seen, axis=1)
        sd = np.maximum(np.nan_to_num(np.nanstd(seen, axis=1), nan=CENSORED_MIN_SD), 0.1)
    mu = np.where(np.isfinite(mu), mu, limit[:, 0] - 1.0)
    for _ in range(CENSORED_ROUNDS):
        mean_below, square_below = _below(mu[:, None], sd[:, None], limit)
        x = np.where(missing, mean_below, logs)
        x2 = np.where(missing, square_below, logs**2)
        mu = x.mean(axis=1)
        sd = np.sqrt(np.maximum(x2.mean(axis=1) - mu**2, CENSORED_MIN_SD**2))
    if draw:  # a value of the fitted normal below the limit, at random (fixed seed)
        a = stats.norm.cdf((limit - mu[:, None]) / sd[:, None])
        u = np.random.default_rng(SEED).uniform(0.0, 1.0, logs.shape) * a
        below = mu[:, None] + sd[:, None] * stats.norm.ppf(np.clip(u, 1e-300, None))
        return np.where(missing, np.minimum(below, limit), logs)
    return np.where(missing, _below(mu[:, None], sd[:, None], limit)[0], logs)


#: Fewest measured values per group a test needs (as :data:`.statistics.MIN_PER_GROUP`).
MIN_MEASURED = 2


def _censored_groups(values: pd.DataFrame, groups: Mapping[str, str]) -> pd.DataFrame:
    logs = np.log2(values.where(values > 0).to_numpy(dtype=float))
    filled = _censored(logs)
    seen = np.isfinite(logs)
    columns = [str(c) for c in values.columns]
    members = {
        g: np.array([groups.get(c) == g for c in columns]) for g in dict.fromkeys(groups.values())
    }
    counts = {g: seen[:, m].sum(axis=1) for g, m in members.items()}
    testable = np.zeros(len(logs), dtype=bool)
    for n in counts.values():
        testable |= n >= MIN_MEASURED
    sparse = np.zeros(len(logs), dtype=bool)
    for n in counts.values():
        sparse |= n < MIN_MEASURED
    study = np.array([c in groups for c in columns])
    cells = (testable & sparse)[:, None] & study[None, :] & ~seen
    out = np.where(cells, filled, logs)
    return pd.DataFrame(np.exp2(out), index=values.index, columns=values.columns)


def _below(mu: np.ndarray, sd: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E[X] and E[X²] of X ~ N(mu, sd²) given X < limit."""
    a = (limit - mu) / sd
    ratio = np.exp(stats.norm.logpdf(a) - stats.norm.logcdf(a))  # phi / Phi, stable
    mean = mu - sd * ratio
    second = mu**2 + sd**2 - sd * (limit + mu) * ratio
    return mean, second


def _knn(logs: np.ndarray) -> np.ndarray:
    missing = ~np.isfinite(logs)
    out = logs.copy()
    with np.errstate(all="ignore"):
        means = np.nanmean(logs, axis=1)
    centred = logs - means[:, None]
    seen = np.isfinite(centred)
    filled0 = np.where(seen, centred, 0.0)
    shared = seen.astype(float) @ seen.T.astype(float)
    sq = (filled0**2) @ seen.T.astype(float) + seen.astype(float) @ (filled0**2).T
    dist = (sq - 2 * filled0 @ filled0.T) / np.maximum(shared, 1)
    dist[shared < 2] = np.inf
    np.fill_diagonal(dist, np.inf)
    floor = float(np.nanmin(logs)) if np.isfinite(logs).any() else 0.0
    for i in np.flatnonzero(missing.any(axis=1)):
        order = np.argsort(dist[i])
        order = order[np.isfinite(dist[i, order])]
        cols = np.flatnonzero(missing[i])
        usable = seen[np.ix_(order, cols)]  # donors (nearest first) × missing samples
        chosen = usable & (np.cumsum(usable, axis=0) <= KNN_NEIGHBOURS)
        count = chosen.sum(axis=0)
        total = np.where(chosen, filled0[np.ix_(order, cols)], 0.0).sum(axis=0)
        shift = np.where(count > 0, total / np.maximum(count, 1), 0.0)
        out[i, cols] = (means[i] if np.isfinite(means[i]) else floor) + shift
    return out
