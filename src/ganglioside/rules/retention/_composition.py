"""The composition level: intercept increments per residue, learned across anchored groups.

A group without anchors takes the intercept its composition predicts: a base plus one
increment per NeuAc, NeuGc, Hex, HexNAc, dHex and OAc, fitted (Tukey-reweighted, with a weak
prior per residue) on the intercepts of the anchored groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...codes import float_columns
from ...names import RESIDUE_COLUMNS
from ...robust import robust_ridge
from ._lines import LineFit

COMPOSITION = RESIDUE_COLUMNS
#: Weak prior on the intercept shift (min) per residue, from the sample's pooled fit; the
#: file's own anchored groups override it as soon as they say something.
PRIOR_SHIFT = {"neuac": 2.9, "neugc": 2.9, "hex": 2.3, "hexnac": 2.3, "dhex": 1.6, "oac": -0.71}
# in units of "one anchored group": weak enough that a residue never seen in an anchored group
# keeps a wide prior (SD ≈ composition SD / sqrt(penalty) ≈ 0.5 min), so the group's own peaks
# can move it.
PRIOR_PENALTY = 0.04
PRIOR_SLOPE = 1.36  # min per Log P unit; used only when anchors cannot give a slope
PRIOR_COMPOSITION_SD = 0.15  # min; prior on how far a group sits from its composition estimate
MAX_PRIOR_WEIGHT = 5.0  # an anchored group's intercept counts as at most this many anchors


@dataclass(frozen=True)
class CompositionFit:
    """Intercept = ``coef[0] + coef[1:] · residue counts``, with slope ``slope``.

    ``cov`` is the covariance of ``coef``, ``sd`` the spread of the anchored groups around
    their composition estimate, ``groups`` the (sorted) codes of the groups it was learned
    from.
    """

    coef: np.ndarray
    cov: np.ndarray
    sd: float
    slope: float
    groups: np.ndarray


def group_composition(data: pd.DataFrame, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Residue counts per group code (n_groups × residues); a group's rows all agree."""
    comp = float_columns(data, COMPOSITION)
    out = np.zeros((n_groups, len(COMPOSITION)))
    out[group] = comp
    return out


def fit_composition(
    group_comp: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    group: np.ndarray,
    anchor_idx: np.ndarray,
    pooled: LineFit | None,
    k: int,
    floor: float,
) -> CompositionFit | None:
    """Fit the increments on the pooled intercepts (track 0) of the anchored groups.

    Without a pooled line (no group has anchors spread in Log P) the slope too is fitted,
    across groups, on the anchors themselves.  None without anchors.
    """
    if anchor_idx.size == 0:
        return None
    prior = np.concatenate([[0.0], [PRIOR_SHIFT[c] for c in COMPOSITION]])
    penalty = np.concatenate([[0.0], np.full(len(COMPOSITION), PRIOR_PENALTY)])
    if pooled is not None:
        base_units = [u for u in pooled.intercept if u % k == 0]
        targets = np.array([pooled.intercept[u] for u in base_units])
        weights = np.array([min(pooled.n[u], MAX_PRIOR_WEIGHT) for u in base_units])
        groups = np.array([u // k for u in base_units])
    else:
        groups = group[anchor_idx]
        targets = y[anchor_idx]
        weights = np.ones(anchor_idx.size)
    design = np.column_stack([np.ones(len(groups)), group_comp[groups]])
    if pooled is None:
        design = np.column_stack([design, x[anchor_idx]])
        prior = np.concatenate([prior, [PRIOR_SLOPE]])
        penalty = np.concatenate([penalty, [1.0]])
    coef, w = robust_ridge(design, targets, weights, prior, penalty, floor=PRIOR_COMPOSITION_SD)
    inner, sd = _leave_one_out_sd(design, targets - design @ coef, w, penalty, floor)
    cov = sd**2 * inner
    if pooled is None:
        return CompositionFit(
            coef=coef[:-1],
            cov=cov[:-1, :-1],
            sd=sd,
            slope=float(coef[-1]),
            groups=np.array(sorted(set(groups.tolist())), dtype=np.int64),
        )
    return CompositionFit(
        coef=coef,
        cov=cov,
        sd=sd,
        slope=pooled.slope,
        groups=np.array(sorted(set(groups.tolist())), dtype=np.int64),
    )


def _leave_one_out_sd(
    design: np.ndarray, resid: np.ndarray, w: np.ndarray, penalty: np.ndarray, floor: float
) -> tuple[np.ndarray, float]:
    """The penalised fit's inverse normal matrix, and its residual SD from leave-one-out
    residuals (with a weak prior of :data:`PRIOR_COMPOSITION_SD`, never below ``floor``)."""
    sw = np.sqrt(w)
    xw = design * sw[:, None]
    inner = np.linalg.pinv(xw.T @ xw + np.diag(penalty))
    hat = np.einsum("ij,jk,ik->i", xw, inner, xw)
    ok = (hat < 1 - 1e-6) & (w > 0)
    n_ok = int(ok.sum())
    if n_ok:
        e_loo = resid[ok] / (1 - hat[ok])
        s2 = float(np.sum(w[ok] * e_loo**2) / np.sum(w[ok]))
        s2 = (n_ok * s2 + 3 * PRIOR_COMPOSITION_SD**2) / (n_ok + 3)
    else:
        s2 = PRIOR_COMPOSITION_SD**2
    return inner, max(float(np.sqrt(s2)), floor)
