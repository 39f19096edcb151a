"""Rule 1: the retention-time model and its outliers.

Within a homologous series reversed-phase RT rises linearly with Log P, with nearly the same
slope for every headgroup and an intercept that depends on the headgroup.  The model is a
hierarchy fitted on the anchors (trusted standards):

* **group**: a group with enough anchors gets its own line (checked: slope > 0, leave-one-out
  Q² ≥ ``min_q2``);
* **pooled**: every other anchored group shares one common slope (fitted on all anchors, within
  groups) with an intercept of its own (ANCOVA);
* **composition**: a group with no anchor gets its intercept from its composition, with
  increments per NeuAc, NeuGc, Hex, HexNAc, dHex and OAc learned across the anchored groups;
  when ``robust`` is on, the group's own non-anchor peaks may shift that intercept through a
  Tukey-weighted, leave-one-out estimate, so a misannotated peak cannot excuse itself.

Isomer groups get parallel tracks (a shared slope and one intercept per track).  A row is an
outlier when |z| ≥ ``outlier_z`` with z = residual / (s·√(1 + h) ⊕ intercept uncertainty); no
row is an outlier merely because its group has no anchor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..names import RESIDUE_COLUMNS
from ..result import ModelReport
from ..robust import robust_ridge, tukey_weights
from .isomers import TRACK_NAMES

COMPOSITION = RESIDUE_COLUMNS
#: Weak prior on the intercept shift (min) per residue, from the sample's pooled fit; the
#: file's own anchored groups override it as soon as they say something.
PRIOR_SHIFT = {"neuac": 2.9, "neugc": 2.9, "hex": 2.3, "hexnac": 2.3, "dhex": 1.6, "oac": -0.71}
# in units of "one anchored group": weak enough that a residue never seen in an anchored group
# keeps a wide prior (SD ≈ composition SD / sqrt(penalty) ≈ 0.5 min), so the group's own peaks
# can move it.
PRIOR_PENALTY = 0.04
PRIOR_SLOPE = 1.36  # min per Log P unit; used only when anchors cannot give a slope
PRIOR_SD = 0.1  # min; a weak prior on the residual SD so that 3 anchors cannot give s = 0.007
PRIOR_SD_DF = 2.0
PRIOR_COMPOSITION_SD = 0.15  # min; prior on how far a group sits from its composition estimate
MAX_PRIOR_WEIGHT = 5.0


@dataclass
class _Fit:
    """A within-unit (common slope per fit) least-squares line over several units."""

    slope: float
    intercept: dict[int, float]  # unit code -> intercept
    n: dict[int, int]  # anchors of the unit's group
    hint: dict[int, float]  # intercept part of the leverage of the unit
    xbar: dict[int, float]
    sxx: float
    track_offset: float | None
    s: float  # residual SD after the prior and the floor
    df: int
    r2: float | None
    q2: float | None
    rmse_loo: float | None
    mae_loo: float | None
    resid: np.ndarray  # per anchor used
    hat: np.ndarray
    idx: np.ndarray  # positional rows of the anchors used


def _fit_lines(
    x: np.ndarray,
    y: np.ndarray,
    unit: np.ndarray,
    idx: np.ndarray,
    floor: float,
    k: int,
    prior_sd: float = PRIOR_SD,
) -> _Fit | None:
    """Common slope and one intercept per group, with one shared isomer-track offset.

    ``unit`` = group * k + track.  Within groups, RT is regressed on Log P and on the track
    index, so every multi-track group shares one late-minus-early offset (a single pair of
    anchors cannot set a spacing of its own) while each group keeps its own intercept.
    """
    if idx.size < 2:
        return None
    u = unit[idx]
    g, t = np.divmod(u, k)
    xs, ys, ts = x[idx], y[idx], t.astype(float)
    inv, codes = pd.factorize(g, sort=True)
    n_g = np.bincount(inv).astype(float)
    xbar = np.bincount(inv, xs) / n_g
    ybar = np.bincount(inv, ys) / n_g
    tbar = np.bincount(inv, ts) / n_g
    dx, dy, dt = xs - xbar[inv], ys - ybar[inv], ts - tbar[inv]
    sxx, sxt, stt = float(dx @ dx), float(dx @ dt), float(dt @ dt)
    if sxx < 1e-9:
        return None
    has_tracks = stt > 1e-9
    if has_tracks:
        m = np.array([[sxx, sxt], [sxt, stt]])
        minv = np.linalg.pinv(m)
        slope, offset = minv @ np.array([float(dx @ dy), float(dt @ dy)])
        slope, offset = float(slope), float(offset)
    else:
        minv = np.array([[1 / sxx, 0.0], [0.0, 0.0]])
        slope, offset = float(dx @ dy) / sxx, 0.0
    a0 = ybar - slope * xbar - offset * tbar  # track-0 intercept per group
    resid = ys - (a0[inv] + slope * xs + offset * ts)
    df = int(idx.size - codes.size - 1 - int(has_tracks))
    s2_hat = float(resid @ resid) / df if df > 0 else float("nan")
    s2 = ((df * s2_hat) + PRIOR_SD_DF * prior_sd**2) / (df + PRIOR_SD_DF) if df > 0 else prior_sd**2
    s = max(float(np.sqrt(s2)), floor)
    hat = 1.0 / n_g[inv] + minv[0, 0] * dx**2 + 2 * minv[0, 1] * dx * dt + minv[1, 1] * dt**2
    sst = float(((ys - ys.mean()) ** 2).sum())
    loo_ok = hat < 1 - 1e-9
    r2 = 1 - float(resid @ resid) / sst if sst > 0 else None
    if loo_ok.sum() >= 3 and sst > 0:
        e_loo = resid[loo_ok] / (1 - hat[loo_ok])
        sst_loo = float(((ys[loo_ok] - ys[loo_ok].mean()) ** 2).sum())
        q2 = 1 - float(e_loo @ e_loo) / sst_loo if sst_loo > 0 else None
        rmse = float(np.sqrt(np.mean(e_loo**2)))
        mae = float(np.mean(np.abs(e_loo)))
    else:
        q2 = rmse = mae = None  # type: ignore[assignment]
    n_tracks = np.ones(codes.size, dtype=np.int64)
    np.maximum.at(n_tracks, inv, t + 1)
    intercept: dict[int, float] = {}
    count: dict[int, int] = {}
    hint: dict[int, float] = {}
    xb: dict[int, float] = {}
    for j, grp in enumerate(codes):
        for tr in range(int(n_tracks[j])):
            key = int(grp) * k + tr
            intercept[key] = float(a0[j] + offset * tr)
            count[key] = int(n_g[j])
            hint[key] = float(1 / n_g[j] + minv[1, 1] * (tr - tbar[j]) ** 2)
            xb[key] = float(xbar[j])
    return _Fit(
        slope=slope,
        intercept=intercept,
        n=count,
        hint=hint,
        xbar=xb,
        sxx=sxx,
        track_offset=offset if has_tracks else None,
        s=s,
        df=df,
        r2=r2,
        q2=q2,
        rmse_loo=rmse,
        mae_loo=mae,
        resid=resid,
        hat=hat,
        idx=idx,
    )


LEVELS = pd.Index(["", "group", "pooled", "composition"], dtype=object)  # "": no model


@dataclass
class RetentionResult:
    """Per-row predictions (positional arrays) and the model reports."""

    predicted: np.ndarray
    residual: np.ndarray
    z: np.ndarray
    sd: np.ndarray
    level: pd.Categorical  # group | pooled | composition | "" (no model)
    model_id: pd.Categorical
    track: np.ndarray  # int track index, -1 when single-track
    anchor_z_loo: np.ndarray  # leave-one-out z of anchors (NaN elsewhere)
    logp_extrapolated: np.ndarray
    track_inferred: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


class RetentionModel:
    """Hierarchical RT ~ Log P model (scikit-learn conventions: ``fit`` returns ``self``).

    Parameters
    ----------
    min_anchors_group_model, min_q2, rt_sd_floor, robust:
        See :class:`~ganglioside.config.AnalysisConfig`.
    """

    def __init__(
        self,
        *,
        min_anchors_group_model: int = 5,
        min_q2: float = 0.70,
        rt_sd_floor: float = 0.05,
        robust: bool = True,
    ) -> None:
        self.min_anchors_group_model = min_anchors_group_model
        self.min_q2 = min_q2
        self.rt_sd_floor = rt_sd_floor
        self.robust = robust

    # -- fitting ---------------------------------------------------------------------------

    def fit(
        self,
        data: pd.DataFrame,
        anchors: np.ndarray,
        track: np.ndarray,
        n_tracks: dict[int, int],
        *,
        capable: np.ndarray | None = None,
        fallback_delta: float | None = None,
    ) -> RetentionModel:
        """Fit on the anchors.

        ``data`` (positional) needs ``log_p``, ``rt``, ``group_code`` and the composition
        columns; ``track`` and ``n_tracks`` come from
        :func:`~ganglioside.rules.isomers.anchor_tracks`.  ``capable`` marks rows of
        isomer-capable names; their anchors are split over an early and a late track spaced by
        the isomer offset (learned from multi-track groups, else ``fallback_delta``).
        """
        x = data["log_p"].to_numpy(dtype=float)
        y = data["rt"].to_numpy(dtype=float)
        group = data["group_code"].to_numpy(dtype=np.int64)
        n_groups = int(group.max()) + 1 if len(group) else 0
        names = np.full(n_groups, "", dtype=object)
        names[group] = data["group_key"].to_numpy(dtype=object)
        self.group_names_ = names
        self.n_tracks_ = dict(n_tracks)
        use = anchors & np.isfinite(x) & np.isfinite(y)
        track = track.copy()
        k = max([2, *n_tracks.values()])
        self.max_tracks_ = k
        unit = group * k + np.clip(track, 0, None)
        known = use & (track >= 0)
        first = _fit_lines(x, y, unit, np.flatnonzero(known), self.rt_sd_floor, k)
        # single-peak anchors of a multi-track group go to the nearest track of a first fit
        pending = np.flatnonzero(use & (track < 0))
        if pending.size and first is not None:
            best = np.zeros(pending.size, dtype=np.int64)
            best_err = np.full(pending.size, np.inf)
            table = np.full((int(group.max()) + 1) * k, np.nan)
            for u, v in first.intercept.items():
                table[u] = v
            for t in range(k):
                a = table[group[pending] * k + t]
                err = np.abs(y[pending] - (a + first.slope * x[pending]))
                better = np.isfinite(err) & (err < best_err)
                best[better], best_err[better] = t, err[better]
            track[pending] = best
        elif pending.size:
            track[pending] = 0
        self.isomer_delta_ = _learned_delta(first, k) if first is not None else None
        if self.isomer_delta_ is None:
            self.isomer_delta_ = fallback_delta
        if self.isomer_delta_ is not None and capable is not None and first is not None:
            self._align_anchor_isomers(x, y, group, use & capable, track, first.slope)
        unit = group * k + np.clip(track, 0, None)
        anchor_idx = np.flatnonzero(use)
        self.pooled_ = _fit_lines(x, y, unit, anchor_idx, self.rt_sd_floor, k)
        self.slope_source_ = "anchors"
        if self.pooled_ is None and anchor_idx.size >= 2:
            self.slope_source_ = "composition"
        self.anchor_idx_ = anchor_idx
        self._x = x
        self.logp_range_ = (
            (float(x[anchor_idx].min()), float(x[anchor_idx].max())) if anchor_idx.size else None
        )
        # group lines
        self.group_fits_: dict[int, _Fit] = {}
        self.group_rejected_: dict[int, str] = {}
        counts = (
            np.bincount(group[anchor_idx], minlength=n_groups)
            if anchor_idx.size
            else np.zeros(n_groups, dtype=np.int64)
        )
        prior_sd = self.pooled_.s if self.pooled_ is not None else PRIOR_SD
        for g in np.flatnonzero(np.asarray(counts) >= self.min_anchors_group_model):
            rows = anchor_idx[group[anchor_idx] == g]
            fit = _fit_lines(x, y, unit, rows, self.rt_sd_floor, k, prior_sd=prior_sd)
            if fit is None:
                self.group_rejected_[int(g)] = "no spread in Log P"
            elif fit.slope <= 0:
                self.group_rejected_[int(g)] = f"slope {fit.slope:.3f} ≤ 0"
            elif fit.q2 is None or fit.q2 < self.min_q2:
                q = "n/a" if fit.q2 is None else f"{fit.q2:.2f}"
                self.group_rejected_[int(g)] = f"leave-one-out Q² {q} < {self.min_q2}"
            else:
                self.group_fits_[int(g)] = fit
        self._fit_composition(data, x, y, group, unit, anchor_idx)
        return self

    def _fit_composition(
        self,
        data: pd.DataFrame,
        x: np.ndarray,
        y: np.ndarray,
        group: np.ndarray,
        unit: np.ndarray,
        anchor_idx: np.ndarray,
    ) -> None:
        """Intercept increments per residue, learned across the anchored groups."""
        k = self.max_tracks_
        comp = data.loc[:, list(COMPOSITION)].to_numpy(dtype=float)
        n_groups = int(group.max()) + 1 if len(group) else 0
        group_comp = np.zeros((n_groups, len(COMPOSITION)))
        group_comp[group] = comp  # identical within a group
        self.group_comp_ = group_comp
        prior = np.concatenate([[0.0], [PRIOR_SHIFT[c] for c in COMPOSITION]])
        penalty = np.concatenate([[0.0], np.full(len(COMPOSITION), PRIOR_PENALTY)])
        self.comp_coef_ = None
        self.comp_sd_ = PRIOR_COMPOSITION_SD
        self.comp_groups_ = 0
        self._comp_groups_used: list[str] = []
        if anchor_idx.size == 0:
            return
        pooled = self.pooled_
        if pooled is not None:
            slope = pooled.slope
            base_units = [u for u in pooled.intercept if u % k == 0]
            targets = np.array([pooled.intercept[u] for u in base_units])
            weights = np.array([min(pooled.n[u], MAX_PRIOR_WEIGHT) for u in base_units])
            groups = np.array([u // k for u in base_units])
        else:
            # no within-group spread: the slope too must come from across groups
            slope = None
            groups = group[anchor_idx]
            targets = y[anchor_idx]
            weights = np.ones(anchor_idx.size)
        design = np.column_stack([np.ones(len(groups)), group_comp[groups]])
        if slope is None:
            design = np.column_stack([design, x[anchor_idx]])
            prior = np.concatenate([prior, [PRIOR_SLOPE]])
            penalty = np.concatenate([penalty, [1.0]])
        coef, w = robust_ridge(design, targets, weights, prior, penalty, floor=PRIOR_COMPOSITION_SD)
        resid = targets - design @ coef
        # leave-one-out residuals from the hat matrix of the penalised fit
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
        self.comp_sd_ = max(float(np.sqrt(s2)), self.rt_sd_floor)
        cov = self.comp_sd_**2 * inner
        if slope is None:
            self.comp_slope_ = float(coef[-1])
            coef = coef[:-1]
            cov = cov[:-1, :-1]
        else:
            self.comp_slope_ = slope
        self.comp_coef_ = coef
        self.comp_cov_ = cov
        self.comp_groups_ = len(set(groups.tolist()))
        self._comp_groups_used = [self.group_names_[g] for g in sorted(set(groups.tolist()))]

    # -- prediction ------------------------------------------------------------------------

    def predict(
        self,
        data: pd.DataFrame,
        usable: np.ndarray,
        score_rows: np.ndarray,
        isomer_rank: np.ndarray,
    ) -> RetentionResult:
        """Predict every usable row and score it.

        Parameters
        ----------
        usable:
            Rows that can be predicted (parsed, finite Log P and RT).
        score_rows:
            Non-anchor rows that may shift a composition-level intercept (robust fit):
            usable, not fragment candidates.
        isomer_rank:
            Per row: -2 for names that cannot show positional isomers; for isomer-capable names
            of groups without tracks of their own, 0/1 for the early/late peak of a name seen
            as a pair spaced by about Δ, and -1 for other peaks (placed on the nearer track).
        """
        n = len(data)
        x = data["log_p"].to_numpy(dtype=float)
        y = data["rt"].to_numpy(dtype=float)
        group = data["group_code"].to_numpy(dtype=np.int64)
        k = self.max_tracks_
        track = np.full(n, -1, dtype=np.int8)
        pooled = self.pooled_
        if self.comp_coef_ is None:  # no model at all: nothing is predicted
            no_model = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), LEVELS)
            nan = [np.full(n, np.nan) for _ in range(3)]
            return self._result(nan[0], y, nan[1], no_model, no_model, track, nan[2], x)
        anchored = set()
        if pooled is not None:
            anchored = {u // k for u in pooled.intercept}
        else:
            anchored = set(group[self.anchor_idx_].tolist())

        n_groups = int(group.max()) + 1 if n else 0
        # Every group takes one line (its own fit, the pooled fit, or the composition
        # estimate): build per-group tables once, then give each row its group's values.
        g_slope = np.full(n_groups, np.nan)
        g_s = np.full(n_groups, np.nan)
        g_cand = np.full((n_groups, k), np.nan)
        g_hint = np.full((n_groups, k), np.nan)
        g_xbar = np.full((n_groups, k), np.nan)
        g_sxx = np.full(n_groups, np.nan)
        g_comp_var = np.zeros(n_groups)
        g_label = np.zeros(n_groups, dtype=np.int64)  # index into labels below
        labels: list[tuple[str, str]] = [("", "")]
        units = np.arange(n_groups * k).reshape(n_groups, k)

        def put(groups: list[int], fit: _Fit, lvl: str, mid: str | None) -> None:
            for g in groups:
                g_slope[g], g_s[g], g_sxx[g] = fit.slope, fit.s, fit.sxx
                for t, u in enumerate(units[g].tolist()):
                    if u in fit.intercept:
                        g_cand[g, t] = fit.intercept[u]
                        g_xbar[g, t] = fit.xbar[u]
                        g_hint[g, t] = fit.hint[u] if fit.hint[u] > 0 else np.nan
                g_label[g] = len(labels)
                labels.append((lvl, mid or f"group:{self.group_names_[g]}"))

        for g, fit in self.group_fits_.items():
            put([g], fit, "group", None)
        own_fit = np.zeros(n_groups, dtype=bool)
        own_fit[list(self.group_fits_)] = True
        pooled_groups = [g for g in sorted(anchored) if g < n_groups and not own_fit[g]]
        if pooled is not None:
            put(pooled_groups, pooled, "pooled", "pooled")
        is_pooled = np.zeros(n_groups, dtype=bool)
        is_pooled[pooled_groups] = pooled is not None
        comp_groups = np.flatnonzero(~own_fit & ~is_pooled)
        if comp_groups.size:
            s_pool = pooled.s if pooled is not None else max(PRIOR_SD, self.rt_sd_floor)
            f = np.column_stack([np.ones(comp_groups.size), self.group_comp_[comp_groups]])
            g_cand[comp_groups, 0] = f @ self.comp_coef_
            coef_var = np.einsum("ij,jk,ik->i", f, self.comp_cov_, f)
            g_comp_var[comp_groups] = self.comp_sd_**2 + coef_var
            g_hint[comp_groups, 0] = g_comp_var[comp_groups] / s_pool**2
            g_slope[comp_groups] = self.comp_slope_
            g_s[comp_groups] = s_pool
            if pooled is not None:
                g_xbar[comp_groups, 0] = float(np.mean(x[self.anchor_idx_]))
                g_sxx[comp_groups] = pooled.sxx
            else:
                g_xbar[comp_groups, 0] = 0.0
                g_sxx[comp_groups] = np.inf  # no slope uncertainty term
            g_label[comp_groups] = len(labels)
            labels.append(("composition", "composition"))

        rows_u = np.flatnonzero(usable).astype(np.int32)
        gu = group[rows_u].astype(np.int32)
        in_comp = np.zeros(n, dtype=bool)
        in_comp[rows_u] = ~own_fit[gu] & ~is_pooled[gu]
        in_pooled = np.zeros(n, dtype=bool)
        in_pooled[rows_u] = is_pooled[gu]
        row_label = np.zeros(n, dtype=np.int32)
        row_label[rows_u] = g_label[gu]
        level_of = LEVELS.get_indexer(pd.Index([lv for lv, _ in labels])).astype(np.int8)
        level = pd.Categorical.from_codes(level_of[row_label], LEVELS)
        id_code, ids = pd.factorize(np.array([m for _, m in labels], dtype=object))
        model_id = pd.Categorical.from_codes(
            id_code.astype(np.int32)[row_label], pd.Index(ids, dtype=object)
        )
        del row_label
        slope_x = np.full(n, np.nan)  # slope x Log P of each row's line
        slope_x[rows_u] = g_slope[gu] * x[rows_u]
        s2_row = g_s[group] ** 2  # residual variance of each row's line (read on usable rows)
        # A row's candidate lines are its group's tracks (columns 0..k-1 of the group tables)
        # or, for isomer-capable rows of groups without tracks, an early and a late line
        # (columns k, k+1).  Only rows with two or more finite candidates have a choice, and
        # only they get a (rows x columns) array: memory stays linear in rows.
        first_line = np.full(n, np.nan)  # the group's first track
        first_line[rows_u] = g_cand[gu, 0] + slope_x[rows_u]
        delta = self.isomer_delta_
        own = np.zeros(n_groups, dtype=bool)
        own[[g for g, t in self.n_tracks_.items() if t > 1]] = True
        iso = (
            usable & (isomer_rank >= -1) & ~own[group]
            if delta is not None
            else np.zeros(n, dtype=bool)
        )
        offsets = np.full((0, 2), np.nan)
        iso_rows = np.flatnonzero(iso)
        if iso_rows.size:
            assert delta is not None
            offsets = _isomer_alignment(
                y - first_line, group, iso, isomer_rank, delta, either=~in_comp
            )[iso_rows]
            offsets += first_line[iso_rows, None]  # the early and late lines themselves
        del first_line
        own_finite = np.isfinite(g_cand)
        n_lines = np.zeros(n, dtype=np.int8)
        n_lines[rows_u] = own_finite.sum(axis=1).astype(np.int8)[gu]
        choice = np.zeros(n, dtype=np.int16)
        # the only line, or column 0
        choice[rows_u] = np.argmax(own_finite, axis=1).astype(np.int16)[gu]
        n_lines[iso_rows] = np.isfinite(offsets).sum(axis=1)
        choice[iso_rows] = k + np.argmax(np.isfinite(offsets), axis=1)
        several = n_lines >= 2
        sev_own = np.flatnonzero(several & ~iso)
        sev_iso_pos = np.flatnonzero(several[iso_rows])
        sev_iso = iso_rows[sev_iso_pos]
        own_lines = np.where(own_finite[group[sev_own]], g_cand[group[sev_own]], np.inf)
        iso_lines = np.where(np.isfinite(offsets[sev_iso_pos]), offsets[sev_iso_pos], np.inf)

        def chosen_line() -> np.ndarray:
            column = np.minimum(choice, k - 1)
            out = np.full(n, np.nan)
            out[rows_u] = g_cand[gu, column[rows_u]] + slope_x[rows_u]
            if iso_rows.size:
                pick = np.clip(choice[iso_rows] - k, 0, 1)
                out[iso_rows] = offsets[np.arange(iso_rows.size), pick]
            return out

        # leverage of the chosen line; an inferred (early/late) line has the first track's
        def leverage() -> tuple[np.ndarray, np.ndarray]:
            column = np.where(choice >= k, 0, choice)
            h_int = np.full(n, np.nan)
            h_x = np.full(n, np.nan)
            h_int[rows_u] = g_hint[gu, column[rows_u]]
            with np.errstate(invalid="ignore"):
                h_x[rows_u] = (x[rows_u] - g_xbar[gu, column[rows_u]]) ** 2 / g_sxx[gu]
            return h_int, h_x

        # non-anchor peaks refine pooled and composition groups (robust, leave-one-out)
        corrected = usable & (in_pooled | in_comp) & self.robust
        corr = np.zeros(n)
        corr_var = np.full(n, np.nan)
        for _ in range(3):
            if sev_own.size:
                target = (y[sev_own] - corr[sev_own] - slope_x[sev_own])[:, None]
                choice[sev_own] = np.argmin(np.abs(own_lines - target), axis=1)
            if sev_iso.size:
                target = (y[sev_iso] - corr[sev_iso])[:, None]
                choice[sev_iso] = k + np.argmin(np.abs(iso_lines - target), axis=1)
            chosen = chosen_line()
            if not corrected.any():
                break
            hint_choice, _ = leverage()
            tau2 = np.where(in_comp, g_comp_var[group], s2_row * hint_choice)
            del hint_choice
            corr, corr_var = _group_correction(
                x, y - chosen, group, corrected, corrected & score_rows, s2_row, tau2
            )
            del tau2
        inferred = iso
        ok = usable & np.isfinite(chosen)
        predicted = np.full(n, np.nan)
        predicted[ok] = chosen[ok] + np.where(corrected[ok], corr[ok], 0.0)
        # inferred tracks come after the own-track columns: early, late
        track[ok] = np.where(inferred[ok], choice[ok] - k, choice[ok])
        h_int, h_x = leverage()
        hint = np.nan_to_num(h_int, nan=1.0)
        hx = np.nan_to_num(h_x, nan=0.0)
        del h_int, h_x
        var = np.full(n, np.nan)
        var[ok] = np.where(
            corrected[ok],
            s2_row[ok] * (1 + hx[ok]) + corr_var[ok],
            s2_row[ok] * (1 + hint[ok] + hx[ok]),
        )
        self.calibration_ = _calibrate(y - predicted, var, level, score_rows & ok)
        for lvl, factor in self.calibration_.items():
            var[level == lvl] *= factor**2

        # anchors: checked by their leave-one-out (externally studentised) residual
        anchor_z = np.full(n, np.nan)
        fits: list[tuple[_Fit | None, str]] = [(pooled, "pooled")]
        fits += [(f, "group") for f in self.group_fits_.values()]
        for maybe_fit, lvl in fits:
            if maybe_fit is None:
                continue
            fit = maybe_fit
            ok_h = fit.hat < 1 - 1e-9
            uses_fit = (level[fit.idx] == lvl) & ok_h
            rows = fit.idx[uses_fit]
            anchor_z[rows] = fit.resid[uses_fit] / (fit.s * np.sqrt(1 - fit.hat[uses_fit]))
        result = self._result(predicted, y, var, level, model_id, track, anchor_z, x)
        result.track_inferred = inferred & ok
        return result

    def _align_anchor_isomers(
        self,
        x: np.ndarray,
        y: np.ndarray,
        group: np.ndarray,
        candidates: np.ndarray,
        track: np.ndarray,
        slope: float,
    ) -> None:
        """Split the anchors of isomer-capable single-track groups over early/late tracks.

        Anchors of different names may be different positional isomers.  With the offset Δ
        known, each group's anchors are placed on an early line a and a late line a + Δ, with a
        chosen to minimise the squared distances; a group whose anchors all fall on one line
        stays single-track.
        """
        delta = float(self.isomer_delta_)  # type: ignore[arg-type]
        idx = np.flatnonzero(candidates)
        for g in np.unique(group[idx]):
            if int(g) in self.n_tracks_:
                continue
            rows = idx[group[idx] == g]
            if rows.size < 2:
                continue
            r = y[rows] - slope * x[rows]
            options = np.concatenate([r, r - delta])
            if options.size > 400:  # enough candidate alignments for a large group
                options = np.quantile(options, np.linspace(0, 1, 400))
            cost = np.minimum(
                (r[None, :] - options[:, None]) ** 2, (r[None, :] - options[:, None] - delta) ** 2
            ).sum(axis=1)
            a = options[int(np.argmin(cost))]
            late = np.abs(r - a - delta) < np.abs(r - a)
            if late.any() and (~late).any():
                track[rows] = late.astype(np.int64)
                self.n_tracks_[int(g)] = 2

    def reports(self, rows_per_model: dict[str, int]) -> list[ModelReport]:
        """One report per model that was used or tried."""
        k = self.max_tracks_
        names = self.group_names_
        out: list[ModelReport] = []

        def unit_name(u: int) -> str:
            g, t = divmod(u, k)
            n_t = self.n_tracks_.get(g, 1)
            return str(names[g]) if n_t == 1 else f"{names[g]}|{TRACK_NAMES[t]}"

        def intercepts(fit: _Fit) -> dict[str, tuple[float, float]]:
            return {
                unit_name(u): (
                    a,
                    fit.s * float(np.sqrt(fit.hint[u] + fit.xbar[u] ** 2 / fit.sxx)),
                )
                for u, a in sorted(fit.intercept.items())
            }

        def tracks(fit: _Fit) -> dict[str, float]:
            offsets: dict[str, float] = {}
            for u, a in fit.intercept.items():
                g, t = divmod(u, k)
                base = fit.intercept.get(g * k)
                if t > 0 and base is not None:
                    offsets[f"{names[g]}|{TRACK_NAMES[t]}"] = a - base
            return offsets

        def report(fit: _Fit, model_id: str, level: str, warnings: list[str]) -> ModelReport:
            groups = tuple(sorted({str(names[u // k]) for u in fit.intercept}))
            xs = self._x[fit.idx]
            return ModelReport(
                model_id=model_id,
                level=level,
                groups=groups,
                n_anchors=int(fit.idx.size),
                n_rows=int(rows_per_model.get(model_id, 0)),
                slope=fit.slope,
                slope_se=fit.s / float(np.sqrt(fit.sxx)),
                intercepts=intercepts(fit),
                r2=fit.r2,
                q2=fit.q2,
                rmse_loo=fit.rmse_loo,
                mae_loo=fit.mae_loo,
                residual_sd=fit.s,
                df=fit.df,
                logp_range=(float(xs.min()), float(xs.max())),
                tracks=tracks(fit),
                warnings=tuple(warnings),
            )

        for g, fit in sorted(self.group_fits_.items()):
            warn = []
            if fit.df < 3:
                warn.append(f"only {fit.df} residual degrees of freedom")
            out.append(report(fit, f"group:{names[g]}", "group", warn))
        if self.pooled_ is not None:
            warn = [
                f"{names[g]}: own line rejected ({why}); uses the pooled line"
                for g, why in sorted(self.group_rejected_.items())
            ]
            singles = sorted(str(names[u // k]) for u, c in self.pooled_.n.items() if c == 1)
            if singles:
                warn.append(
                    "intercept from a single anchor (low confidence): " + ", ".join(singles)
                )
            if self.pooled_.slope <= 0:
                warn.append(f"common slope {self.pooled_.slope:.3f} ≤ 0: check the anchors")
            out.append(report(self.pooled_, "pooled", "pooled", warn))
        if self.comp_coef_ is not None:
            labels = ["base", *(f"+{c}" for c in COMPOSITION)]
            warn = [
                "intercepts of groups without anchors are extrapolated from composition",
                f"learned from {self.comp_groups_} anchored group(s); "
                f"group-to-composition SD {self.comp_sd_:.3f} min",
            ]
            if self.slope_source_ == "composition":
                warn.append("no group has anchors spread in Log P: slope fitted across groups")
            out.append(
                ModelReport(
                    model_id="composition",
                    level="composition",
                    groups=tuple(sorted({str(v) for v in self._comp_groups_used})),
                    n_anchors=int(self.anchor_idx_.size),
                    n_rows=int(rows_per_model.get("composition", 0)),
                    slope=float(self.comp_slope_),
                    slope_se=float("nan"),
                    intercepts={
                        lab: (float(c), float("nan"))
                        for lab, c in zip(labels, self.comp_coef_, strict=True)
                    },
                    r2=None,
                    q2=None,
                    rmse_loo=None,
                    mae_loo=None,
                    residual_sd=float(self.comp_sd_),
                    df=max(self.comp_groups_ - 1, 0),
                    logp_range=self.logp_range_,
                    warnings=tuple(warn),
                )
            )
        return out

    def _result(
        self,
        predicted: np.ndarray,
        y: np.ndarray,
        var: np.ndarray,
        level: pd.Categorical,
        model_id: pd.Categorical,
        track: np.ndarray,
        anchor_z: np.ndarray,
        x: np.ndarray,
    ) -> RetentionResult:
        sd = np.sqrt(var)
        residual = y - predicted
        with np.errstate(invalid="ignore", divide="ignore"):
            z = residual / sd
        extrap = np.zeros(len(y), dtype=bool)
        if self.logp_range_ is not None:
            lo, hi = self.logp_range_
            margin = 0.1 * (hi - lo)
            extrap = np.isfinite(predicted) & ((x < lo - margin) | (x > hi + margin))
        return RetentionResult(
            predicted=predicted,
            residual=residual,
            z=z,
            sd=sd,
            level=level,
            model_id=model_id,
            track=track,
            anchor_z_loo=anchor_z,
            logp_extrapolated=extrap,
            track_inferred=np.zeros(len(y), dtype=bool),
        )


SLOPE_DEVIATION_SD = 0.08  # min per Log P unit: how far a group's slope may stray from the shared
MIN_PEAKS_FOR_TILT = 6


def _group_correction(
    x: np.ndarray,
    resid: np.ndarray,
    group: np.ndarray,
    rows: np.ndarray,
    members: np.ndarray,
    s2: np.ndarray,
    tau2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-group shift and tilt of the line, estimated from the group's own peaks.

    A Bayesian line through the residuals of the group's non-anchor peaks: the shift has prior
    variance ``tau2`` (how well the anchors or the composition pin the intercept) and the tilt
    a prior SD of :data:`SLOPE_DEVIATION_SD`.  Peaks are Tukey-weighted, so misannotations do
    not pull the line, and each member is scored against the line fitted without itself.

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
    # a tilt needs enough peaks to be told from a misannotation or two
    inv_g = np.where(cnt >= MIN_PEAKS_FOR_TILT, 1.0 / SLOPE_DEVIATION_SD**2, 1e8)
    r = resid[mem]
    # first weights: how far each peak is from the prior line, in its own predictive SD
    w = tukey_weights(r / np.sqrt(s2[mem] + tau2[mem]), scale=1.0)

    def sums(weights: np.ndarray) -> tuple[np.ndarray, ...]:
        ww = weights / s2[mem]
        return tuple(
            np.bincount(g_m, ww * v, minlength=size).astype(float)
            for v in (np.ones_like(r), xc[mem], xc[mem] ** 2, r, xc[mem] * r)
        )

    for _ in range(2):
        s0, s1, s2g, b0, b1 = sums(w)
        a00, a01, a11 = inv_t + s0, s1, inv_g + s2g
        det = a00 * a11 - a01**2
        delta = (a11 * b0 - a01 * b1) / det
        gamma = (a00 * b1 - a01 * b0) / det
        fitted = delta[g_m] + gamma[g_m] * xc[mem]
        w = tukey_weights(r - fitted, scale=float(np.sqrt(np.median(s2[mem]))))
    s0, s1, s2g, b0, b1 = sums(w)
    # each member's own terms, by its position among the corrected rows
    pos = np.searchsorted(idx, mem)
    own = np.zeros(idx.size)
    own[pos] = w / s2[mem]
    own_r = np.zeros(idx.size)
    own_r[pos] = r
    # per row, leave each member out of its own line; in slices, so that the temporaries
    # stay small on large tables
    for start in range(0, idx.size, CHUNK_ROWS):
        part = slice(start, start + CHUNK_ROWS)
        rows = idx[part]
        g = group[rows]
        xi = xc[rows]
        o, orr = own[part], own_r[part]
        a00 = inv_t[g] + s0[g] - o
        a01 = s1[g] - o * xi
        a11 = inv_g[g] + s2g[g] - o * xi**2
        u0 = b0[g] - o * orr
        u1 = b1[g] - o * xi * orr
        det = a00 * a11 - a01**2
        corr[rows] = ((a11 * u0 - a01 * u1) + (a00 * u1 - a01 * u0) * xi) / det
        var[rows] = (a11 - 2 * a01 * xi + a00 * xi**2) / det
    return corr, var


CHUNK_ROWS = 1 << 17


def _learned_delta(fit: _Fit, k: int) -> float | None:
    """The shared late-minus-early isomer offset of a fit (None without multi-track groups)."""
    return fit.track_offset


def _isomer_alignment(
    resid: np.ndarray,
    group: np.ndarray,
    iso: np.ndarray,
    rank: np.ndarray,
    delta: float,
    either: np.ndarray,
) -> np.ndarray:
    """Early/late track offsets (n × 2, NaN where not a candidate) of isomer-capable rows.

    A group's reference line may follow its early or its late isomer (an anchor, or the
    composition estimate, may be either), so each group is aligned with h = 0 or h = -Δ: the
    choice whose paired peaks (rank 0/1) sit closest to their tracks.  A paired peak keeps its
    rank's track; an unpaired peak may take either.
    """
    n = len(resid)
    out = np.full((n, 2), np.nan)
    idx = np.flatnonzero(iso)
    g = group[idx]
    r = resid[idx]
    rk = rank[idx]
    score = []
    for h in (0.0, -delta):
        paired_err = np.where(rk >= 0, np.abs(r - h - np.clip(rk, 0, None) * delta), np.nan)
        free_err = np.minimum(np.abs(r - h), np.abs(r - h - delta))
        frame = pd.DataFrame({"g": g, "p": paired_err, "f": free_err})
        med = frame.groupby("g").agg(p=("p", "median"), f=("f", "median"))
        score.append(med["p"].fillna(med["f"]))
    best = pd.Series(np.where(score[1] < score[0], -delta, 0.0), index=score[0].index)
    # a composition intercept is learned from early tracks: only an anchored line may be late
    h_row = np.where(either[idx], best.reindex(g).to_numpy(), 0.0)
    early = h_row
    late = h_row + delta
    out[idx, 0] = np.where(rk == 1, np.nan, early)
    out[idx, 1] = np.where(rk == 0, np.nan, late)
    return out


MIN_ROWS_TO_CALIBRATE = 30
MAX_CALIBRATION = 3.0


def _calibrate(
    resid: np.ndarray, var: np.ndarray, level: pd.Categorical, rows: np.ndarray
) -> dict[str, float]:
    """Widen a level's prediction SD when its own non-anchor peaks scatter more than predicted.

    Anchors can understate the peak-to-peak noise (few of them, strong peaks).  For each model
    level with enough non-anchor peaks, the robust spread of their z values (1.4826 × median
    |z|, unmoved by a minority of misannotations) should be 1; when it is larger, every
    prediction SD of that level is multiplied by it.  It is never narrowed.
    """
    out: dict[str, float] = {}
    for lvl in ("group", "pooled", "composition"):
        sel = rows & (level == lvl) & np.isfinite(resid) & (var > 0)
        if sel.sum() < MIN_ROWS_TO_CALIBRATE:
            continue
        spread = 1.4826 * float(np.median(np.abs(resid[sel]) / np.sqrt(var[sel])))
        if spread > 1.0:
            out[lvl] = min(spread, MAX_CALIBRATION)
    return out
