"""Statistics between the groups of a study, per aligned compound, and a PCA of the samples.

Technical replicates are averaged into their sample first, so every test sees one value per
biological sample.  Tests run on log2 quantities:

* two groups (or the compared pair): the log2 fold change is the difference of the groups' mean
  log2 values (the ratio of geometric means), numerator over denominator; Welch's t-test (scipy)
  and the Mann–Whitney U test (scipy, on the quantities);
* more than two groups: one-way ANOVA and Kruskal–Wallis (scipy) across all groups, with the
  Welch test of the compared pair alongside;
* q values: Benjamini–Hochberg (statsmodels) over the compounds tested, per test.

A test needs two values in each group it compares; otherwise its p value is empty.  Internal
standards are not tested.  The PCA (statsmodels) runs on the autoscaled log2 quantities of the
compounds present in every sample after imputation (missing values filled with half the
compound's minimum for the PCA alone when no imputation was chosen).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .design import Design

#: Fewest values per group a test needs.
MIN_PER_GROUP = 2


@dataclass(frozen=True)
class Comparison:
    """The groups compared: the fold change is ``numerator`` over ``denominator``."""

    numerator: str
    denominator: str
    groups: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class Pca:
    """Scores of the samples (``sample``, ``group``, ``PC1``, ``PC2``…), explained variance."""

    scores: pd.DataFrame
    explained: list[float]
    n_compounds: int


def comparison(design: Design, compare: tuple[str, str] | None) -> Comparison:
    """The compared pair: as asked, or the design's second group over its first."""
    from ..errors import ConfigError

    groups = design.groups
    if compare is None:
        return Comparison(groups[1], groups[0], groups)
    unknown = [g for g in compare if g not in groups]
    if unknown:
        raise ConfigError(
            f"compare names group(s) {', '.join(map(repr, unknown))} that the design does not "
            f"have; its groups are {', '.join(map(repr, groups))}"
        )
    return Comparison(compare[0], compare[1], groups)


def unit_matrix(values: pd.DataFrame, design: Design) -> tuple[pd.DataFrame, pd.Series]:
    """Replicates averaged into their biological sample: compounds × units, and unit → group."""
    unit_of = {s.sample: s.unit for s in design.samples}
    group_of = {s.unit: s.group for s in design.samples}
    columns = [c for c in values.columns if c in unit_of]
    units = values[columns].T.groupby([unit_of[c] for c in columns], sort=False).mean().T
    return units, pd.Series(group_of).reindex(units.columns)


def group_statistics(
    values: pd.DataFrame, features: pd.DataFrame, design: Design, pair: Comparison
) -> pd.DataFrame:
    """One row per compound that is no internal standard: fold change, tests, q values, means
    and found fractions per group."""
    info = features.set_index("feature").reindex(values.index)
    keep = ~info["is_standard"].to_numpy(dtype=bool)
    units, group = unit_matrix(values.loc[keep], design)
    logs = log2_frame(units)
    by_group = {g: logs.loc[:, (group == g).to_numpy()].to_numpy() for g in pair.groups}
    raw = {g: units.loc[:, (group == g).to_numpy()].to_numpy() for g in pair.groups}
    num, den = by_group[pair.numerator], by_group[pair.denominator]
    out = pd.DataFrame(index=units.index)
    out["log2_fold_change"] = _nanmean(num) - _nanmean(den)
    welch = _per_row(num, den, _welch)
    if len(pair.groups) == 2:
        out["test"] = "Welch t-test"
        out["p_value"], out["q_value"] = welch, bh(welch)
        mw = _per_row(raw[pair.numerator], raw[pair.denominator], _mann_whitney)
        out["p_mann_whitney"], out["q_mann_whitney"] = mw, bh(mw)
    else:
        from scipy import stats  # imported where used: scipy.stats is slow to import

        anova = _across_groups([by_group[g] for g in pair.groups], stats.f_oneway)
        kw = _across_groups([raw[g] for g in pair.groups], stats.kruskal)
        out["test"] = "ANOVA"
        out["p_value"], out["q_value"] = anova, bh(anova)
        out["p_kruskal_wallis"], out["q_kruskal_wallis"] = kw, bh(kw)
        out["p_welch_pair"], out["q_welch_pair"] = welch, bh(welch)
    for g in pair.groups:
        out[f"mean_{g}"] = _nanmean(raw[g])
        out[f"found_{g}"] = np.mean(np.isfinite(raw[g]), axis=1) if raw[g].size else np.nan
    described = info.loc[keep, ["species", "name", "isomer_track", "category", "rt"]]
    out = described.join(out)
    for column in ("found_fraction", "outlier_in", "fragment_in"):
        out[column] = info.loc[keep, column].to_numpy()
    out.insert(0, "feature", out.index.to_numpy())
    return out.reset_index(drop=True)


def log2_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """log2 of the positive cells (NaN elsewhere), with the frame's labels."""
    positive = frame.where(frame > 0).to_numpy(dtype=float)
    return pd.DataFrame(np.log2(positive), index=frame.index, columns=frame.columns)


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q values of the finite p values (NaN stays NaN)."""
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        from statsmodels.stats.multitest import multipletests

        q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return q


def _nanmean(values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape[0], np.nan)
    ok = np.isfinite(values).any(axis=1)
    out[ok] = np.nanmean(values[ok], axis=1)
    return out


def _per_row(
    a: np.ndarray, b: np.ndarray, test: Callable[[np.ndarray, np.ndarray], float]
) -> np.ndarray:
    out = np.full(a.shape[0], np.nan)
    for i in range(a.shape[0]):
        x, y = a[i][np.isfinite(a[i])], b[i][np.isfinite(b[i])]
        if len(x) >= MIN_PER_GROUP and len(y) >= MIN_PER_GROUP:
            out[i] = test(x, y)
    return out


def _welch(x: np.ndarray, y: np.ndarray) -> float:
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(x, y, equal_var=False).pvalue)


def _mann_whitney(x: np.ndarray, y: np.ndarray) -> float:
    from scipy import stats

    return float(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)


def _across_groups(groups: list[np.ndarray], test: Callable[..., Any]) -> np.ndarray:
    n = groups[0].shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        samples = [g[i][np.isfinite(g[i])] for g in groups]
        if all(len(s) >= MIN_PER_GROUP for s in samples):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                try:
                    out[i] = float(test(*samples).pvalue)
                except ValueError:  # all values identical (Kruskal–Wallis)
                    out[i] = np.nan
    return out


def pca(values: pd.DataFrame, features: pd.DataFrame, design: Design) -> Pca:
    """PCA scores of the biological samples on autoscaled log2 quantities."""
    info = features.set_index("feature").reindex(values.index)
    data = values.loc[~info["is_standard"].to_numpy(dtype=bool)]
    smallest = data.where(data > 0).min(axis=1) / 2.0
    data = data.T.fillna(smallest).T
    units, group = unit_matrix(data, design)
    logs = log2_frame(units).T
    logs = logs.loc[:, logs.notna().all(axis=0) & (logs.std(axis=0) > 0)]
    n_comp = min(3, logs.shape[0] - 1, logs.shape[1])
    empty = pd.DataFrame({"sample": units.columns, "group": group.to_numpy()})
    if n_comp < 1:
        return Pca(empty, [], int(logs.shape[1]))
    from statsmodels.multivariate.pca import PCA

    model = PCA(logs.to_numpy(), ncomp=n_comp, standardize=True, method="svd")
    scores = empty.copy()
    for k in range(n_comp):
        scores[f"PC{k + 1}"] = np.asarray(model.scores)[:, k]
    eig = np.asarray(model.eigenvals, dtype=float)
    explained = (eig / eig.sum())[:n_comp].tolist() if eig.sum() > 0 else []
    return Pca(scores, explained, int(logs.shape[1]))
