"""Statistics between the groups of a study, per aligned compound and contrast, and a PCA.

Only the study samples (sample type ``sample``) are tested; QCs and blanks never are.
Technical replicates are averaged into their sample first, so every test sees one value per
biological sample.  Tests run on log2 quantities, per contrast (``numerator/denominator``):

* ``moderated_t`` (default): a linear model per compound (:mod:`.model`: ``group`` plus batch,
  subject and covariates), the contrast's estimate as the log2 fold change, and limma's
  moderated t (:mod:`.moderated`); with three or more groups, the moderated F of all groups
  (``p_overall``);
* ``welch``: Welch's t-test of the two groups' log2 values (scipy), the fold change the
  difference of their means; ANOVA for ``p_overall``;
* Mann–Whitney U (scipy, on the quantities) for every contrast, Kruskal–Wallis overall,
  alongside whichever test was chosen;
* q values: Benjamini–Hochberg (statsmodels) per contrast and test, over the compounds that
  passed the QC filters (a filtered compound keeps its p, its q is empty).

A test needs two values in each group it compares; otherwise its p value is empty.  Internal
standards are not tested.  The PCA (a thin SVD) runs on the autoscaled log2 quantities of the
study samples for the compounds present in all of them after imputation (missing values filled
with half the compound's minimum for the PCA alone when no imputation was chosen).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from .censored import with_censored
from .design import Design, SampleSpec
from .model import (
    contrast_matrix,
    default_terms,
    model_matrix,
    model_terms,
    overall_matrix,
)
from .moderated import moderated_fit

#: Fewest values per group a test needs.
MIN_PER_GROUP = 2
#: Tests offered for the contrasts.
TESTS = ("moderated_t", "welch", "mann_whitney")
TEST_NAMES = {
    "moderated_t": "moderated t (linear model)",
    "welch": "Welch t-test",
    "mann_whitney": "Mann–Whitney U",
}
#: The test of the compounds with cells below the detection limit (``censored_test``).
CENSORED_TEST_NAME = "censored likelihood ratio (Tobit, moderated)"


@dataclass(frozen=True)
class Comparison:
    """The contrasts tested: ``pairs`` of (numerator, denominator); the first is the study's
    main comparison (``numerator`` over ``denominator``)."""

    numerator: str
    denominator: str
    groups: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @property
    def labels(self) -> list[str]:
        return [f"{a}/{b}" for a, b in (self.pairs or ((self.numerator, self.denominator),))]


@dataclass(frozen=True)
class Pca:
    """Scores of the samples (``sample``, ``group``, ``PC1``, ``PC2``…), explained variance."""

    scores: pd.DataFrame
    explained: list[float]
    n_compounds: int


@dataclass(frozen=True)
class StatsPlan:
    """How the compounds are tested: the test, the model's terms (empty: the default from the
    design), the compounds left out of the q values by the QC filters, whether the variances
    are moderated and whether missing cells plausibly below the detection limit are taken as
    censored (:mod:`.censored`, with the moderated t only)."""

    test: str = "moderated_t"
    model: str = ""
    filtered: frozenset[int] = field(default_factory=frozenset)
    moderate: bool = True
    censored: bool = False


def comparison(
    design: Design, compare: Sequence[tuple[str, str]] | tuple[str, str] | None
) -> Comparison:
    """The contrasts: as asked, or the design's second group over its first."""
    from ..errors import ConfigError

    groups = design.groups
    if not compare:
        return Comparison(groups[1], groups[0], groups, ((groups[1], groups[0]),))
    pairs = [compare] if isinstance(compare[0], str) else list(compare)
    pairs_t: list[tuple[str, str]] = [(str(a), str(b)) for a, b in pairs]
    unknown = sorted({g for pair in pairs_t for g in pair if g not in groups})
    if unknown:
        raise ConfigError(
            f"compare names group(s) {', '.join(map(repr, unknown))} that the design does not "
            f"have; its groups are {', '.join(map(repr, groups))}"
        )
    first = pairs_t[0]
    return Comparison(first[0], first[1], groups, tuple(pairs_t))


def unit_matrix(values: pd.DataFrame, design: Design) -> tuple[pd.DataFrame, pd.Series]:
    """The study samples, replicates averaged into their biological sample: compounds × units,
    and unit → group (QCs, blanks and standards left out)."""
    biological = design.biological
    unit_of = {s.sample: s.unit for s in biological}
    group_of = {s.unit: s.group for s in biological}
    columns = [c for c in values.columns if c in unit_of]
    units = values[columns].T.groupby([unit_of[c] for c in columns], sort=False).mean().T
    return units, pd.Series(group_of).reindex(units.columns)


def unit_specs(design: Design, units: Sequence[str]) -> list[SampleSpec]:
    """The design row of each unit (the sample the replicates repeat)."""
    by_name = {s.sample: s for s in design.samples}
    return [by_name[u] for u in units]


def group_statistics(
    values: pd.DataFrame,
    features: pd.DataFrame,
    design: Design,
    pair: Comparison,
    plan: StatsPlan | None = None,
    measured: pd.DataFrame | None = None,
    detected: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """One row per compound (no internal standard) and contrast: fold change, tests, q values,
    means and found fractions per group (``measured``: the values before imputation, for the
    found fractions; ``detected``: compounds × samples, True where a missing value is known
    not to be below the detection limit, for the censored test); and notes on the model."""
    plan = plan or StatsPlan()
    info = features.set_index("feature").reindex(values.index)
    keep = ~info["is_standard"].to_numpy(dtype=bool)
    units, group = unit_matrix(values.loc[keep], design)
    seen, _ = unit_matrix((values if measured is None else measured).loc[keep], design)
    logs = log2_frame(units)
    fit, notes = _model_fit(
        logs, units.columns, design, pair, plan, _detected(detected, units, design)
    )
    by_group = {g: logs.loc[:, (group == g).to_numpy()].to_numpy() for g in pair.groups}
    raw = {g: units.loc[:, (group == g).to_numpy()].to_numpy() for g in pair.groups}
    found = {g: seen.loc[:, (group == g).to_numpy()].to_numpy() for g in pair.groups}
    overall = _overall(by_group, raw, pair, plan, fit)
    passing = ~units.index.isin(list(plan.filtered))
    frames = []
    for j, (num, den) in enumerate(pair.pairs or ((pair.numerator, pair.denominator),)):
        out = pd.DataFrame(index=units.index)
        out["contrast"] = f"{num}/{den}"
        _contrast_tests(out, by_group, raw, (num, den), plan, fit, j, passing)
        for column, value in overall.items():
            out[column] = value
        for g in pair.groups:
            out[f"mean_{g}"] = _nanmean(raw[g])
            out[f"found_{g}"] = np.mean(np.isfinite(found[g]), axis=1) if found[g].size else np.nan
        frames.append(out)
    return _described(pd.concat(frames), info, keep), notes


def _described(out: pd.DataFrame, info: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    described = info.loc[keep, ["species", "name", "isomer_track", "category", "rt"]]
    extra = info.loc[keep, ["found_fraction", "outlier_in", "fragment_in"]]
    out = described.join(out).join(extra)
    out.insert(0, "feature", out.index.to_numpy())
    return out.reset_index(drop=True)


def _detected(
    detected: pd.DataFrame | None, units: pd.DataFrame, design: Design
) -> np.ndarray | None:
    """``detected`` as compounds × units, in the order of ``units`` (a unit is detected when
    one of its replicates is)."""
    if detected is None:
        return None
    frame = detected.reindex(index=units.index).fillna(False).astype(float)
    as_units, _ = unit_matrix(frame, design)
    return as_units.reindex(columns=units.columns).fillna(0.0).to_numpy() > 0


def _model_fit(
    logs: pd.DataFrame,
    units: pd.Index,
    design: Design,
    pair: Comparison,
    plan: StatsPlan,
    detected: np.ndarray | None = None,
) -> tuple[Any, list[str]]:
    if plan.test != "moderated_t":
        return None, []
    specs = unit_specs(design, list(units))
    terms = model_terms(plan.model) if plan.model else default_terms(specs)
    matrix = model_matrix(specs, terms)
    pairs = list(pair.pairs or ((pair.numerator, pair.denominator),))
    contrasts = contrast_matrix(matrix, pairs)
    overall = overall_matrix(matrix, pair.groups) if len(pair.groups) > 2 else None
    y = logs.to_numpy(dtype=float)
    fit = moderated_fit(y, matrix.x, contrasts, overall, plan.moderate)
    if plan.censored:
        fit = with_censored(fit, y, matrix.x, contrasts, overall, detected)
    # A contrast needs two measured values in each of its groups, as the other tests do.
    notes = [f"model: {' + '.join(matrix.terms)}", *matrix.notes]
    notes.append(
        f"moderated t: prior df {fit.d0:.3g}, prior variance {fit.s0_squared:.3g} (log2 units²)"
    )
    if fit.n_censored is not None:
        tested = int((fit.n_censored > 0).sum())
        notes.append(
            f"censored test (Tobit likelihood ratio, moderated) for {tested} compounds, "
            f"{int(fit.n_censored.sum())} cells taken as below the detection limit"
        )
    return fit, notes


def _contrast_tests(
    out: pd.DataFrame,
    by_group: dict[str, np.ndarray],
    raw: dict[str, np.ndarray],
    pair: tuple[str, str],
    plan: StatsPlan,
    fit: Any,
    j: int,
    passing: np.ndarray,
) -> None:
    num, den = pair
    enough = _enough(by_group[num]) & _enough(by_group[den])
    welch = welch_p(by_group[num], by_group[den])
    mw = _per_row(raw[num], raw[den], _mann_whitney)
    censored = _censored_rows(fit, len(enough))
    if fit is not None:
        enough = np.where(censored, np.isfinite(fit.p_value[:, j]), enough)
        fold = np.where(enough, fit.estimate[:, j], np.nan)
        p = np.where(enough, fit.p_value[:, j], np.nan)
        out["t"] = np.where(enough, fit.t[:, j], np.nan)
        out["df"] = np.where(enough, fit.df_total, np.nan)
    else:
        fold = _nanmean(by_group[num]) - _nanmean(by_group[den])
        p = welch if plan.test == "welch" else mw
    out["log2_fold_change"] = fold
    out["test"] = (
        TEST_NAMES[plan.test] if plan.moderate or fit is None else "t (linear model, unmoderated)"
    )
    out.loc[censored, "test"] = CENSORED_TEST_NAME
    out["p_value"], out["q_value"] = p, bh_passing(p, passing)
    out["p_welch"], out["q_welch"] = welch, bh_passing(welch, passing)
    out["p_mann_whitney"], out["q_mann_whitney"] = mw, bh_passing(mw, passing)


def _overall(
    by_group: dict[str, np.ndarray],
    raw: dict[str, np.ndarray],
    pair: Comparison,
    plan: StatsPlan,
    fit: Any,
) -> dict[str, np.ndarray]:
    if len(pair.groups) < 3:
        return {}
    anova = _across_groups([by_group[g] for g in pair.groups], stats.f_oneway)
    kw = _across_groups([raw[g] for g in pair.groups], stats.kruskal)
    if fit is not None:
        every = np.all([_enough(by_group[g]) for g in pair.groups], axis=0)
        every = np.where(_censored_rows(fit, len(every)), np.isfinite(fit.p_f), every)
        main = np.where(every, fit.p_f, np.nan)
    else:
        main = anova if plan.test == "welch" else kw
    passing = ~np.zeros(len(main), dtype=bool)
    return {
        "p_overall": main,
        "q_overall": bh_passing(main, passing),
        "p_anova": anova,
        "p_kruskal_wallis": kw,
    }


def _censored_rows(fit: Any, n: int) -> np.ndarray:
    """The compounds a censored test was used for."""
    if fit is None or fit.n_censored is None:
        return np.zeros(n, dtype=bool)
    return np.asarray(fit.n_censored > 0)


def _enough(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values).sum(axis=1) >= MIN_PER_GROUP


def bh_passing(p: np.ndarray, passing: np.ndarray) -> np.ndarray:
    """BH q values over the compounds that passed the filters (NaN for the others)."""
    return bh(np.where(passing, p, np.nan))


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


def welch_p(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Welch's t-test per row of ``a`` against ``b`` on their finite values (vectorised; the
    same p as ``scipy.stats.ttest_ind(equal_var=False)``); NaN with fewer than two values."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        na, nb = np.isfinite(a).sum(axis=1), np.isfinite(b).sum(axis=1)
        va = np.nanvar(a, axis=1, ddof=1) / na
        vb = np.nanvar(b, axis=1, ddof=1) / nb
        t = (np.nanmean(a, axis=1) - np.nanmean(b, axis=1)) / np.sqrt(va + vb)
        df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
        p = 2.0 * stats.t.sf(np.abs(t), df)
    enough = (na >= MIN_PER_GROUP) & (nb >= MIN_PER_GROUP)
    return np.where(enough, p, np.nan)


def _mann_whitney(x: np.ndarray, y: np.ndarray) -> float:
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
    found, explained = pca_scores(logs.to_numpy(dtype=float), n_comp)
    scores = empty.copy()
    for k in range(n_comp):
        scores[f"PC{k + 1}"] = found[:, k]
    return Pca(scores, explained, int(logs.shape[1]))


def pca_scores(data: np.ndarray, n_comp: int) -> tuple[np.ndarray, list[float]]:
    """Unit-length scores (samples × ``n_comp``) of the autoscaled columns and the explained
    variance shares, by a thin SVD (statsmodels' PCA took a full one: 6 s for 1,000 samples)."""
    centred = data - data.mean(axis=0)
    sd = centred.std(axis=0)
    scaled = centred / np.where(sd > 0, sd, 1.0)
    u, s, _ = np.linalg.svd(scaled, full_matrices=False)
    eig = s**2
    explained = (eig / eig.sum())[:n_comp].tolist() if eig.sum() > 0 else []
    return u[:, :n_comp], explained
