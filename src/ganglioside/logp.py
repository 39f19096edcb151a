"""Log P from composition: estimate a missing value, flag a given value that disagrees.

Within a homologous series the predicted Log P of a ganglioside is close to linear in its
composition (ceramide carbons, double bonds, oxygens, and each sugar or ester residue).  The
increments are fitted on the file's own rows that carry a Log P, one point per distinct name,
with a robust (Tukey biweight) fit so that a few wrong values cannot pull them, and a weak pull
towards typical increments so that a file with few distinct names still gives an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .names import RESIDUE_COLUMNS
from .robust import robust_ridge

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


@dataclass(frozen=True)
class LogPModel:
    """Fitted Log P increments."""

    intercept: float
    coefficients: dict[str, float]
    residual_sd: float
    n_names: int

    def predict(self, comp: pd.DataFrame) -> np.ndarray:
        x = comp.loc[:, list(FEATURES)].to_numpy(dtype=float)
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
    x = comp.loc[have, list(FEATURES)].to_numpy(dtype=float)
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
