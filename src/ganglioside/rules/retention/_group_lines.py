"""The table of group lines: the line every group of the fitted frame uses, as arrays.

Each group takes one line (its own fit, the pooled fit, or the composition estimate).  The
table is built once, when the model is fitted; a prediction looks each row's values up by its
group code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._composition import CompositionFit
from ._lines import PRIOR_SD, LineFit

#: Model levels ("": no model).  A model calibrated without anchors labels every row it
#: predicts ``self_calibrated``, one applied from a saved calibration ``transferred``.
LEVELS = pd.Index(
    ["", "group", "pooled", "composition", "self_calibrated", "transferred"], dtype=object
)
POOLED, COMPOSITION = LEVELS.get_loc("pooled"), LEVELS.get_loc("composition")


@dataclass(frozen=True)
class GroupLines:
    """Per group code (rows) and track (columns of the 2-D arrays); read-only arrays.

    Attributes
    ----------
    level:
        Code into :data:`LEVELS` of the group's line.
    model:
        Code into ``model_ids`` of the group's line.
    model_ids:
        ``""`` then one id per line, in the order the lines were added
        (``group:<key>`` …, ``pooled``, ``composition``).
    slope, s, sxx:
        Slope, residual SD and within-group Log P sum of squares of the group's line
        (``sxx`` is infinite when the slope has no uncertainty term).
    intercept, hint, xbar:
        Per track: intercept, intercept part of the leverage (NaN when not positive) and the
        mean Log P it is centred on; NaN for tracks the group does not have.
    comp_var:
        Intercept variance of composition groups (0 for the others).
    multi_track:
        Whether the group has isomer tracks of its own (from its anchors).
    pinned:
        Whether the group's intercept is pinned by a lone anchor (pooled level, one anchor):
        its own peaks may not move the line, they only check the anchor.
    curve, centre:
        Quadratic term of the group's line and the Log P it is centred on, the mean Log P of
        the group's rows (0 and 0 for a straight line):
        RT = intercept + slope × Log P + curve × (Log P − centre)².
    qbar:
        Per track: mean ``(Log P − centre)²`` of the anchors the intercept is centred on (NaN
        for straight lines).
    bend_cov:
        Per group, the (xx, xq, qq) block of a bent fit's inverse normal matrix (NaN for
        straight lines, whose Log P leverage is ``(x − xbar)² / sxx``).
    """

    level: np.ndarray
    model: np.ndarray
    model_ids: pd.Index
    slope: np.ndarray
    s: np.ndarray
    sxx: np.ndarray
    intercept: np.ndarray
    hint: np.ndarray
    xbar: np.ndarray
    comp_var: np.ndarray
    multi_track: np.ndarray
    pinned: np.ndarray
    curve: np.ndarray
    centre: np.ndarray
    qbar: np.ndarray
    bend_cov: np.ndarray

    def bend(self, group: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The quadratic part of each row's line (0 on straight lines)."""
        return self.curve[group] * (x - self.centre[group]) ** 2

    @property
    def bends(self) -> bool:
        """Whether any group's line bends."""
        return bool(np.any(self.curve != 0))


def straight_arrays(n_groups: int, k: int) -> dict[str, np.ndarray]:
    """The bend arrays of straight lines only."""
    return {
        "curve": np.zeros(n_groups),
        "centre": np.zeros(n_groups),
        "qbar": np.full((n_groups, k), np.nan),
        "bend_cov": np.full((n_groups, 3), np.nan),
    }


class _Builder:
    """Fills the arrays of a :class:`GroupLines` one line at a time."""

    def __init__(self, n_groups: int, k: int) -> None:
        self.k = k
        self.slope = np.full(n_groups, np.nan)
        self.s = np.full(n_groups, np.nan)
        self.sxx = np.full(n_groups, np.nan)
        self.intercept = np.full((n_groups, k), np.nan)
        self.hint = np.full((n_groups, k), np.nan)
        self.xbar = np.full((n_groups, k), np.nan)
        self.comp_var = np.zeros(n_groups)
        self.pinned = np.zeros(n_groups, dtype=bool)
        self.bent = straight_arrays(n_groups, k)
        self.label = np.zeros(n_groups, dtype=np.int64)  # index into labels
        self.labels: list[tuple[str, str]] = [("", "")]

    def add_fit(self, g: int, fit: LineFit, level: str, model_id: str) -> None:
        """Group ``g`` uses the line ``fit``."""
        self.slope[g], self.s[g], self.sxx[g] = fit.slope, fit.s, fit.sxx
        for t in range(self.k):
            u = g * self.k + t
            if u in fit.intercept:
                self.intercept[g, t] = fit.intercept[u]
                self.xbar[g, t] = fit.xbar[u]
                self.hint[g, t] = fit.hint[u] if fit.hint[u] > 0 else np.nan
        self.pinned[g] = level == "pooled" and fit.n.get(g * self.k, 0) == 1
        if fit.curvature is not None and fit.bend_cov is not None:
            self._bend(np.array([g]), fit, {t: fit.qbar.get(g * self.k + t) for t in range(self.k)})
        self.label[g] = len(self.labels)
        self.labels.append((level, model_id))

    def add_composition(
        self,
        groups: np.ndarray,
        comp: CompositionFit,
        group_comp: np.ndarray,
        pooled: LineFit | None,
        anchor_x_mean: float,
        floor: float,
        group_centre: np.ndarray | None = None,
    ) -> None:
        """Groups ``groups`` (codes) take their intercept from their composition (and the
        pooled line's bend about ``group_centre``, each group's mean Log P)."""
        s_pool = pooled.s if pooled is not None else max(PRIOR_SD, floor)
        f = np.column_stack([np.ones(groups.size), group_comp[groups]])
        self.intercept[groups, 0] = f @ comp.coef
        coef_var = np.einsum("ij,jk,ik->i", f, comp.cov, f)
        self.comp_var[groups] = comp.sd**2 + coef_var
        self.hint[groups, 0] = self.comp_var[groups] / s_pool**2
        self.slope[groups] = comp.slope
        self.s[groups] = s_pool
        if pooled is not None:
            self.xbar[groups, 0] = anchor_x_mean
            self.sxx[groups] = pooled.sxx
            if pooled.curvature is not None and pooled.qbar and group_centre is not None:
                # a bent pooled line bends every group it gives an intercept to, each about
                # its own rows' mean Log P
                self._bend(groups, pooled, {0: float(np.mean(list(pooled.qbar.values())))})
                self.bent["centre"][groups] = np.nan_to_num(group_centre[groups], nan=anchor_x_mean)
        else:
            self.xbar[groups, 0] = 0.0
            self.sxx[groups] = np.inf  # no slope uncertainty term
        self.label[groups] = len(self.labels)
        self.labels.append(("composition", "composition"))

    def _bend(self, groups: np.ndarray, fit: LineFit, qbar: dict[int, float | None]) -> None:
        """Groups ``groups`` take the bend of ``fit`` (``qbar`` per track)."""
        assert fit.curvature is not None and fit.bend_cov is not None
        self.bent["curve"][groups] = fit.curvature
        self.bent["centre"][groups] = fit.centre.get(int(groups[0]) * self.k, np.nan)
        self.bent["bend_cov"][groups] = fit.bend_cov
        for t, value in qbar.items():
            if value is not None:
                self.bent["qbar"][groups, t] = value

    def build(self, multi_track: np.ndarray) -> GroupLines:
        level_of = LEVELS.get_indexer(pd.Index([lv for lv, _ in self.labels])).astype(np.int8)
        id_code, ids = pd.factorize(np.array([m for _, m in self.labels], dtype=object))
        lines = GroupLines(
            level=level_of[self.label],
            model=id_code.astype(np.int32)[self.label],
            model_ids=pd.Index(ids, dtype=object),
            slope=self.slope,
            s=self.s,
            sxx=self.sxx,
            intercept=self.intercept,
            hint=self.hint,
            xbar=self.xbar,
            comp_var=self.comp_var,
            multi_track=multi_track,
            pinned=self.pinned,
            **self.bent,
        )
        for value in vars(lines).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        return lines


def group_lines(
    groups: tuple[np.ndarray, int, dict[int, int]],
    fits: tuple[LineFit | None, dict[int, LineFit], CompositionFit],
    group_comp: np.ndarray,
    anchor_x_mean: float,
    floor: float,
    group_centre: np.ndarray | None = None,
) -> GroupLines:
    """The table of lines of a fitted model.

    ``groups`` are the group key per group code, the track columns and the tracks per
    multi-track group; ``fits`` the pooled line, the group lines and the composition fit.
    Groups with a line of their own use it, the other anchored groups the pooled line, and
    every remaining group its composition estimate (centred on ``anchor_x_mean``, the mean
    Log P of the anchors; bent, when the pooled line bends, about ``group_centre``).
    """
    names, k, n_tracks = groups
    pooled, group_fits, composition = fits
    n_groups = len(names)
    table = _Builder(n_groups, k)
    for g, fit in group_fits.items():
        table.add_fit(g, fit, "group", f"group:{names[g]}")
    own_fit = np.zeros(n_groups, dtype=bool)
    own_fit[list(group_fits)] = True
    is_pooled = np.zeros(n_groups, dtype=bool)
    if pooled is not None:
        anchored = {u // k for u in pooled.intercept}
        for g in sorted(anchored):
            if g < n_groups and not own_fit[g]:
                table.add_fit(g, pooled, "pooled", "pooled")
                is_pooled[g] = True
    comp_groups = np.flatnonzero(~own_fit & ~is_pooled)
    if comp_groups.size:
        table.add_composition(
            comp_groups, composition, group_comp, pooled, anchor_x_mean, floor, group_centre
        )
    # a group whose anchors show isomer tracks but whose line has one (its composition
    # estimate, with no pooled line) takes the early/late lines of isomer-capable rows
    multi_track = np.zeros(n_groups, dtype=bool)
    multi_track[[g for g, t in n_tracks.items() if t > 1]] = True
    multi_track &= np.isfinite(table.intercept).sum(axis=1) > 1
    return table.build(multi_track)
