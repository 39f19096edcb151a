"""Log P from composition: estimate a missing value, flag a given value that disagrees.

Within a homologous series the predicted Log P of a ganglioside is close to linear in its
composition (ceramide carbons, double bonds, oxygens, and each sugar or ester residue).  The
increments are fitted on the file's own rows that carry a Log P, one point per distinct name,
with a robust (Tukey biweight) fit so that a few wrong values cannot pull them, and a weak pull
towards typical increments so that a file with few distinct names still gives an answer.

:func:`assign_logp` is the analysis step: it fits the increments, fills every missing Log P with
the estimate and flags a given Log P that disagrees with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .codes import float_columns
from .names import RESIDUE_COLUMNS
from .robust import grouped_median, robust_ridge, sorted_by_code

FEATURES = ("carbons", "double_bonds", "oxygens", *RESIDUE_COLUMNS)
#: Typical increments (Log P units per feature), measured on the sample table; used as a weak
#: prior only.  The intercept has no prior.
PRIOR = {
    "carbons": 0.54,
    "double_bonds": -0.95,
    "oxygens": -1.16,
    "neuac": -2.48,
    "neugc": -2.6,
    "hex": -1.60,
    "hexnac": -2.11,
    "dhex": -1.09,
    "oac": 0.54,
}
PRIOR_INTERCEPT = -2.77  # gives GD1(36:1;O2) ≈ 1.53 with the prior increments
#: Where a row's Log P came from (``log_p_source``), in code order.
LOGP_SOURCES = ("given", "estimated", "missing")
#: Fewer named species than this cannot judge a given Log P (no mismatch is flagged).
MIN_NAMES_FOR_MISMATCH = 8


@dataclass(frozen=True)
class LogPModel:
    """Fitted Log P increments."""

    intercept: float
    coefficients: dict[str, float]
    residual_sd: float
    n_names: int

    def predict(self, comp: pd.DataFrame) -> np.ndarray:
        x = float_columns(comp, FEATURES)
        return self.intercept + x @ np.array([self.coefficients[f] for f in FEATURES])


def fit_logp(comp: pd.DataFrame, log_p: pd.Series) -> LogPModel:
    """Fit Log P increments on distinct names.

    Parameters
    ----------
    comp:
        Composition per distinct name (index = name), columns :data:`FEATURES`.
    log_p:
        The given Log P per distinct name (NaN when no row of that name has one).
    """
    have = log_p.notna().to_numpy() & comp["carbons"].notna().to_numpy()
    prior = np.array([PRIOR[f] for f in FEATURES])
    if have.sum() == 0:
        return LogPModel(PRIOR_INTERCEPT, dict(PRIOR), float("nan"), 0)
    x = np.asfortranarray(float_columns(comp, FEATURES)[have])
    y = log_p.to_numpy(dtype=float)[have]
    design = np.column_stack([np.ones(len(y)), x])
    prior_full = np.concatenate([[0.0], prior])
    penalty = np.concatenate([[0.0], np.full(len(FEATURES), 0.5)])
    weights = np.ones(len(y))
    beta, weights = robust_ridge(design, y, weights, prior_full, penalty, floor=0.05)
    resid = y - design @ beta
    used = weights > 0
    dof = max(int(used.sum()) - np.linalg.matrix_rank(design[used]), 1)
    sd = float(np.sqrt(np.sum(weights * resid**2) / dof)) if used.any() else float("nan")
    return LogPModel(
        intercept=float(beta[0]),
        coefficients={f: float(b) for f, b in zip(FEATURES, beta[1:], strict=True)},
        residual_sd=sd,
        n_names=int(have.sum()),
    )


@dataclass(frozen=True)
class LogPAssignment:
    """The Log P of every row (positional arrays) and how it was obtained."""

    log_p: np.ndarray  # the Log P used: given, else the estimate (NaN when neither)
    source_code: np.ndarray  # int8 index into LOGP_SOURCES
    expected: np.ndarray  # the estimate from composition (NaN for unparsed names)
    mismatch: np.ndarray  # a given Log P that disagrees with the estimate
    model: LogPModel
    warnings: tuple[str, ...]  # file-level: rows estimated, names with several values


def assign_logp(
    given: np.ndarray,
    name_codes: np.ndarray,
    distinct_names: np.ndarray,
    composition: pd.DataFrame,
    parsed: np.ndarray,
    *,
    mismatch_limit: float,
) -> LogPAssignment:
    """Estimate a missing Log P from composition and flag a given one that disagrees.

    Parameters
    ----------
    given:
        Per row, the Log P of the table (NaN when missing).
    name_codes, distinct_names:
        Per row, the index of its name among the distinct names.
    composition:
        Per distinct name (same order), :func:`~ganglioside.names.composition_frame`.
    parsed:
        Per row, whether its name was parsed.
    mismatch_limit:
        A given Log P further than this from the estimate is flagged.
    """
    # the model reads only the features (a composition without a value counts it as 0)
    names_filled = composition[list(FEATURES)].fillna(0)  # read by position
    name_parsed = composition["parse_error"].fillna("").to_numpy(dtype=object) == ""
    per_name = grouped_median(given, name_codes, len(distinct_names))
    model = fit_logp(names_filled, pd.Series(np.where(name_parsed, per_name, np.nan)))
    expected = np.where(parsed, model.predict(names_filled)[name_codes], np.nan)
    has_logp = np.isfinite(given)
    log_p = np.where(has_logp, given, expected)
    source_code = np.where(has_logp, 0, np.where(np.isfinite(log_p), 1, 2)).astype(np.int8)
    mismatch = has_logp & parsed & (np.abs(given - expected) > mismatch_limit)
    if model.n_names < MIN_NAMES_FOR_MISMATCH:
        mismatch[:] = False  # too few names to judge a composition estimate
    estimated = int((~has_logp & parsed).sum())
    warnings = _estimate_warning(estimated, model) + _inconsistency_warning(
        given, name_codes, distinct_names
    )
    return LogPAssignment(log_p, source_code, expected, mismatch, model, warnings)


def _estimate_warning(estimated: int, model: LogPModel) -> tuple[str, ...]:
    if not estimated:
        return ()
    fitted = f", residual SD {model.residual_sd:.2f})" if model.n_names else ", prior)"
    return (
        f"{estimated} row(s) had no Log P; estimated from composition "
        f"(increments fitted on {model.n_names} named species" + fitted,
    )


def _inconsistency_warning(
    given: np.ndarray, name_codes: np.ndarray, distinct_names: np.ndarray
) -> tuple[str, ...]:
    ordered, start, count = sorted_by_code(given, name_codes, len(distinct_names))
    has = np.flatnonzero(count > 0)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, no spread (as pandas)
        spread = ordered[start[has] + count[has] - 1] - ordered[start[has]]
    inconsistent = has[spread > 1e-6]
    if not len(inconsistent):
        return ()
    examples = [str(distinct_names[i]) for i in inconsistent[:5]]
    return (
        f"{len(inconsistent)} name(s) carry different Log P values on different rows "
        f"(Log P should follow from the structure), e.g. {', '.join(examples)}",
    )
