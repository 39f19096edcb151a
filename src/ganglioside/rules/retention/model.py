"""The estimator: :class:`RetentionModel` (fit on anchors, predict every usable row)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ...group_keys import format_group_key
from ._composition import (
    PRIOR_COMPOSITION_SD,
    PRIOR_SLOPE,
    CompositionFit,
    fit_composition,
    group_composition,
)
from ._credibility import slope_in_range, slope_words
from ._curvature import bend_centres, with_bend
from ._group_lines import LEVELS, group_lines
from ._hydroxyl import (
    LOGP_PER_OXYGEN,
    MIN_ANCHOR_ROWS,
    HydroxylTerm,
    extra_oxygens,
    learned_offset,
    prior_term,
)
from ._hydroxyl import MIN_ROWS as MIN_HYDROXYL_ROWS
from ._isomers import align_anchor_isomers, nearest_tracks
from ._lines import PRIOR_SD, LineFit, fit_lines
from ._predict import RetentionResult, predict_rows
from ._self_calibration import SelfCalibration, calibration_peaks
from ._transfer import lines_to_json


class RetentionModel:
    """Hierarchical RT ~ Log P model, following scikit-learn's conventions.

    The parameters are stored unchanged by ``__init__``; :meth:`fit` learns the attributes
    ending in ``_`` and returns ``self``; :meth:`predict` changes nothing on the model and
    returns everything it computes in a :class:`RetentionResult`.

    Parameters
    ----------
    min_anchors_group_model : int
        Anchors a group needs before it may get a line of its own.
    min_q2 : float
        Leave-one-out Q² a group's own line needs to be kept.
    rt_sd_floor : float
        Lowest residual SD (min) any line may claim.
    robust : bool
        Let the non-anchor peaks of pooled and composition groups shift and tilt their line.

    Attributes
    ----------
    n_rows_ : int
        Rows of the fitted frame; :meth:`predict` takes a frame of the same rows.
    group_names_ : numpy.ndarray
        Group key per group code.
    n_tracks_ : dict[int, int]
        Tracks per multi-track group code: those given to :meth:`fit` and those its isomer
        alignment found in the anchors.
    max_tracks_ : int
        Track columns per group (at least 2); unit code = group code * ``max_tracks_`` + track.
    isomer_delta_ : float or None
        Late-minus-early isomer offset (min): learned from multi-track groups, else the
        ``fallback_delta`` given to :meth:`fit`.
    pooled_ : LineFit or None
        The pooled line (common slope, one intercept per anchored unit); None with fewer than
        two anchors or no spread in Log P within groups.
    group_fits_ : dict[int, LineFit]
        Group code -> the group's own line, for the groups that passed the checks.
    group_rejected_ : dict[int, str]
        Group code -> why the group's own line was rejected.
    slope_source_ : str
        ``"anchors"``, or ``"composition"`` when the slope had to be fitted across groups.
    anchor_rows_ : numpy.ndarray
        Positions of the anchors used (finite Log P and RT).
    anchor_z_loo_ : numpy.ndarray
        Leave-one-out z of each anchor in ``anchor_rows_`` under the line that predicts it
        (NaN when it has leverage 1 or no line).
    logp_range_ : tuple[float, float] or None
        Lowest and highest Log P of the anchors.
    comp_coef_ : numpy.ndarray or None
        Composition intercept: base, then one increment per residue (None without anchors).
    comp_sd_ : float
        Spread (min) of the anchored groups around their composition estimate.
    comp_slope_ : float or None
        Slope used with the composition intercepts.
    comp_groups_ : numpy.ndarray
        Codes of the anchored groups the composition increments were learned from.
    comp_cov_ : numpy.ndarray or None
        Covariance of ``comp_coef_``.
    fitted_on_ : str
        What the lines were fitted on: ``"anchors"``, or ``"self"`` when the file had fewer
        than two anchors and its own peaks calibrated the model.
    self_calibration_ : SelfCalibration or None
        What the robust fit on the peaks found (``fitted_on_ == "self"`` only).
    hydroxyl_ : HydroxylTerm or None
        The RT term per ceramide oxygen beyond two (None when no row has extra oxygens).
    hydroxyl_refused_ : float or None
        A whole RT change per extra oxygen learned from the file and refused because it was
        positive (an extra oxygen cannot lengthen RT); the prior was used instead.
    refused_ : str or None
        Why no line may decide anything (plain words): a self-calibration without predictive
        power or against the chemistry priors, or anchors whose common slope is implausible
        (``_credibility``).  ``lines_`` is then None.
    refused_calibration_ : SelfCalibration or None
        The refused self-calibration's figures.
    lines_ : GroupLines or None
        The line of every group, as arrays indexed by group code (None without anchors:
        nothing can be predicted).
    """

    self_calibration_: SelfCalibration | None
    refused_: str | None
    refused_calibration_: SelfCalibration | None

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

    def fit(
        self,
        data: pd.DataFrame,
        anchors: np.ndarray,
        track: np.ndarray,
        n_tracks: dict[int, int],
        *,
        capable: np.ndarray | None = None,
        fallback_delta: float | None = None,
        peaks: np.ndarray | None = None,
        peak_track: np.ndarray | None = None,
        logp_per_oxygen: float | None = None,
        confident: np.ndarray | None = None,
    ) -> RetentionModel:
        """Fit on the anchors (or, with fewer than two, on the peaks that calibrate it).

        Parameters
        ----------
        data : pandas.DataFrame
            Positional rows with ``log_p``, ``rt``, ``group_code``, ``group_key`` and the
            composition columns.
        anchors : numpy.ndarray
            Mask of the anchor rows.
        track, n_tracks :
            From :func:`~ganglioside.rules.isomers.anchor_tracks`.
        capable : numpy.ndarray, optional
            Mask of rows of isomer-capable names; their anchors are split over an early and a
            late track spaced by the isomer offset.
        fallback_delta : float, optional
            Isomer offset to use when no multi-track group gives one.
        peaks : numpy.ndarray, optional
            Mask of the rows that may calibrate the model when there are fewer than two
            usable anchors (self-calibration: see ``_self_calibration``).  Without it such a
            model predicts nothing.
        peak_track : numpy.ndarray, optional
            Isomer track of each peak seen as an early (0) / late (1) pair, -1 elsewhere.
        logp_per_oxygen : float, optional
            Log P increment per ceramide oxygen in the file's Log P (for the hydroxyl term's
            prior; see ``_hydroxyl``).
        confident : numpy.ndarray, optional
            Non-anchor rows that may teach the hydroxyl term when fewer than three anchors
            have extra oxygens.

        Returns
        -------
        RetentionModel
            ``self``.
        """
        x, y, _ = _columns(data)
        extra = extra_oxygens(data)
        lpo = LOGP_PER_OXYGEN if logp_per_oxygen is None else logp_per_oxygen
        fitting = (anchors, track, n_tracks, capable, fallback_delta, peaks, peak_track)
        self.hydroxyl_: HydroxylTerm | None = None
        self.hydroxyl_refused_: float | None = None
        if not (extra[np.isfinite(x) & np.isfinite(y)] > 0).any():
            return self._fit_on(data, y, *fitting)
        return self._fit_hydroxyl(data, fitting, extra, lpo, confident)

    def _fit_hydroxyl(
        self,
        data: pd.DataFrame,
        fitting: tuple[Any, ...],
        extra: np.ndarray,
        lpo: float,
        confident: np.ndarray | None,
    ) -> RetentionModel:
        """Fit with the hydroxyl term: first the lines without the rows with extra oxygens,
        then the term from their offset (or the prior), then every level with it."""
        x, y, group = _columns(data)
        anchors, track, n_tracks, capable, delta, peaks, peak_track = fitting
        plain = extra == 0
        only_plain = None if peaks is None else peaks & plain
        self._fit_on(
            data, y, anchors & plain, track, n_tracks, capable, delta, only_plain, peak_track
        )
        # a row of a group with isomer tracks cannot be put on its track before the term is
        # known: the term is learned on the other groups when they have enough such rows
        single = np.ones(len(x), dtype=bool)
        if self.lines_ is not None:  # anchored lines, one track, no isomer alternative
            anchored = np.isin(LEVELS[self.lines_.level], ["group", "pooled"])
            single = ~self.lines_.multi_track[group] & anchored[group]
            if capable is not None:
                single &= ~capable
        real = anchors & np.isfinite(x)
        learn_from, source = _hydroxyl_rows(extra > 0, real, confident, single)
        resid = y - self._nearest_line(x, y, group)
        offset = None
        if learn_from is not None:
            least = MIN_ANCHOR_ROWS if source == "anchors" else MIN_HYDROXYL_ROWS
            offset = learned_offset(resid, extra, learn_from, least)
        self.hydroxyl_refused_ = None
        if offset is not None and offset + self._slope() * lpo > 0:
            # an extra oxygen makes the molecule more polar: it cannot lengthen RT
            self.hydroxyl_refused_ = offset + self._slope() * lpo
            offset = None
        if offset is None or learn_from is None:
            term, source, n = prior_term(self._slope(), lpo), "prior", 0
        else:
            term, n = offset, int((learn_from & (extra > 0)).sum())
        self._fit_on(data, y - term * extra, *fitting)
        self.hydroxyl_ = HydroxylTerm(term, term + self._slope() * lpo, source, n)
        return self

    def _slope(self) -> float:
        """The common slope of the fitted model (the prior without one)."""
        if self.pooled_ is not None:
            return float(self.pooled_.slope)
        return float(self.comp_slope_) if self.comp_slope_ is not None else PRIOR_SLOPE

    def _nearest_line(self, x: np.ndarray, y: np.ndarray, group: np.ndarray) -> np.ndarray:
        """Each row's RT on the fitted track of its group nearest to ``y`` (NaN without)."""
        if self.lines_ is None:
            return np.full(len(x), np.nan)
        line_x = self.lines_.slope[group] * x + self.lines_.bend(group, x)
        lines = self.lines_.intercept[group] + line_x[:, None]
        with np.errstate(invalid="ignore"):
            gap = np.where(np.isfinite(lines), np.abs(lines - y[:, None]), np.inf)
        return lines[np.arange(len(x)), np.argmin(gap, axis=1)]

    def _fit_on(
        self,
        data: pd.DataFrame,
        y: np.ndarray,
        anchors: np.ndarray,
        track: np.ndarray,
        n_tracks: dict[int, int],
        capable: np.ndarray | None,
        fallback_delta: float | None,
        peaks: np.ndarray | None,
        peak_track: np.ndarray | None,
    ) -> RetentionModel:
        """Fit every level on RT ``y`` (RT less the hydroxyl term)."""
        x, _, group = _columns(data)
        names = _group_names(data, group)
        use = anchors & np.isfinite(x) & np.isfinite(y)
        use, track, n_tracks = self._calibrate_on_peaks(
            (x, y, group), (use, track, n_tracks), peaks, peak_track
        )
        k = max([2, *n_tracks.values()])
        track, n_tracks, delta = _anchor_tracks(
            (x, y, group), use, track, n_tracks, k, capable, fallback_delta, self.rt_sd_floor
        )
        unit = group * k + np.clip(track, 0, None)
        anchor_idx = np.flatnonzero(use)
        pooled = fit_lines(x, y, unit, anchor_idx, self.rt_sd_floor, k)
        centre = bend_centres(data, x, group, names.size)
        if pooled is not None:
            settings = (self.rt_sd_floor, k, PRIOR_SD)
            pooled = with_bend(pooled, (x, y, unit), anchor_idx, centre, settings)
        group_fits, rejected = self._fit_groups((x, y, group), unit, anchor_idx, pooled, k, centre)
        group_comp = group_composition(data, group, names.size)
        pooled_fit = pooled[0] if pooled is not None else None
        comp = fit_composition(group_comp, x, y, group, anchor_idx, pooled_fit, k, self.rt_sd_floor)
        self.n_rows_ = len(data)
        self.group_names_ = names
        self.n_tracks_ = n_tracks
        self.max_tracks_ = k
        self.isomer_delta_ = delta
        self.pooled_ = pooled_fit
        self.group_fits_ = {g: fit for g, (fit, _) in group_fits.items()}
        self.group_rejected_ = rejected
        too_few = pooled is None and anchor_idx.size >= 2
        self.slope_source_ = "composition" if too_few else "anchors"
        self.anchor_rows_ = anchor_idx
        self.anchor_z_loo_ = _anchor_z(group[anchor_idx], pooled, group_fits)
        self.logp_range_ = (
            (float(x[anchor_idx].min()), float(x[anchor_idx].max())) if anchor_idx.size else None
        )
        self.comp_coef_, self.comp_sd_, self.comp_slope_, self.comp_groups_ = _composition_of(comp)
        self.comp_cov_ = comp.cov if comp is not None else None
        self.lines_ = None
        if (
            self.refused_ is None
            and pooled_fit is not None
            and not slope_in_range(pooled_fit.slope)
        ):
            self.refused_ = slope_words(float(pooled_fit.slope), "the anchors' common line:")
        if comp is not None and self.refused_ is None:
            groups = (names, k, n_tracks)
            fits = (pooled_fit, self.group_fits_, comp)
            x_mean = float(np.mean(x[anchor_idx]))
            self.lines_ = group_lines(groups, fits, group_comp, x_mean, self.rt_sd_floor, centre)
        return self

    def _calibrate_on_peaks(
        self,
        columns: tuple[np.ndarray, np.ndarray, np.ndarray],
        fitting: tuple[np.ndarray, np.ndarray, dict[int, int]],
        peaks: np.ndarray | None,
        peak_track: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
        """With fewer than two anchors, the peaks that calibrate the model (self-calibration),
        unless the chemistry priors or its want of predictive power refuse it (``refused_``).
        Returns the fitting rows, their tracks and the tracks per multi-track group."""
        use, track, n_tracks = fitting
        self.fitted_on_ = "anchors"
        self.self_calibration_ = None
        self.refused_ = None
        self.refused_calibration_ = None
        if use.sum() >= 2 or peaks is None:
            return use, track, n_tracks
        found = _self_calibrate(columns, use, track, peaks, peak_track, self.rt_sd_floor)
        if found is not None and found[3].refused is not None:
            self.refused_, self.refused_calibration_ = found[3].refused, found[3]
        elif found is not None:
            use, track, n_tracks, self.self_calibration_ = found
            self.fitted_on_ = "self"
        return use, track, n_tracks

    def to_json(self, data: pd.DataFrame) -> dict[str, Any] | None:
        """The fitted lines as plain data, to be saved and applied to other runs
        (:class:`~._transfer.TransferredModel`); None when nothing was fitted.

        ``data`` is the frame given to :meth:`fit`: its anchors (or calibration peaks) become
        the reference peaks a later run's RT shift is measured on.
        """
        if self.lines_ is None or self.comp_coef_ is None or self.comp_slope_ is None:
            return None
        x, y, _ = _columns(data)
        rows = self.anchor_rows_
        keys = data["group_key"].astype(str).to_numpy(dtype=object)[rows]
        ceramides = data["ceramide"].astype(str).to_numpy(dtype=object)[rows]
        references = pd.DataFrame(
            {
                "key": [format_group_key(g, c) for g, c in zip(keys, ceramides, strict=True)],
                "log_p": x[rows],
                "rt": y[rows],
            }
        )
        pooled = self.pooled_
        composition = {
            "coef": self.comp_coef_,
            "cov": self.comp_cov_,
            "sd": self.comp_sd_,
            "slope": self.comp_slope_,
            "s": pooled.s if pooled is not None else max(PRIOR_SD, self.rt_sd_floor),
            "xbar": float(np.mean(x[rows])) if pooled is not None else 0.0,
            "sxx": pooled.sxx if pooled is not None else None,
        }
        return lines_to_json(
            self.lines_,
            self.group_names_,
            composition,
            references,
            self.isomer_delta_,
            self.hydroxyl_,
        )

    def _fit_groups(
        self,
        columns: tuple[np.ndarray, np.ndarray, np.ndarray],
        unit: np.ndarray,
        anchor_idx: np.ndarray,
        pooled: tuple[LineFit, np.ndarray] | None,
        k: int,
        centre: np.ndarray,
    ) -> tuple[dict[int, tuple[LineFit, np.ndarray]], dict[int, str]]:
        """Own lines (with their anchors' leave-one-out z) of the groups with enough anchors
        that pass the checks, and why the others were rejected (``centre``: the Log P each
        group would bend about)."""
        x, y, group = columns
        n_groups = centre.size
        kept: dict[int, tuple[LineFit, np.ndarray]] = {}
        rejected: dict[int, str] = {}
        counts = np.bincount(group[anchor_idx], minlength=n_groups)
        prior_sd = pooled[0].s if pooled is not None else PRIOR_SD
        for g in np.flatnonzero(counts >= self.min_anchors_group_model):
            rows = anchor_idx[group[anchor_idx] == g]
            found = fit_lines(x, y, unit, rows, self.rt_sd_floor, k, prior_sd=prior_sd)
            if found is not None:
                settings = (self.rt_sd_floor, k, prior_sd)
                found = with_bend(found, (x, y, unit), rows, centre, settings)
            if found is None:
                rejected[int(g)] = "no spread in Log P"
            elif found[0].slope <= 0:
                rejected[int(g)] = f"slope {found[0].slope:.3f} ≤ 0"
            elif found[0].q2 is None or found[0].q2 < self.min_q2:
                q = "n/a" if found[0].q2 is None else f"{found[0].q2:.2f}"
                rejected[int(g)] = f"leave-one-out Q² {q} < {self.min_q2}"
            else:
                kept[int(g)] = found
        return kept, rejected

    def predict(
        self,
        data: pd.DataFrame,
        usable: np.ndarray,
        score_rows: np.ndarray,
        isomer_rank: np.ndarray,
    ) -> RetentionResult:
        """Predict every usable row and score it; the model is left unchanged.

        Parameters
        ----------
        data : pandas.DataFrame
            The frame given to :meth:`fit` (group codes and anchor positions refer to it).
        usable : numpy.ndarray
            Rows that can be predicted (parsed, finite Log P and RT).
        score_rows : numpy.ndarray
            Non-anchor rows that may shift a pooled or composition line (robust fit) and that
            measure the calibration: usable, not fragment candidates.
        isomer_rank : numpy.ndarray
            Per row: -2 for names that cannot show positional isomers; for isomer-capable
            names of groups without tracks of their own, 0/1 for the early/late peak of a name
            seen as a pair spaced by about Δ, and -1 for other peaks (placed on the nearer
            track).

        Returns
        -------
        RetentionResult
            Per-row predictions, levels, tracks and z, and the calibration applied.
        """
        if not hasattr(self, "n_rows_"):
            raise ValueError("this RetentionModel is not fitted yet: call fit() first")
        if len(data) != self.n_rows_:
            raise ValueError(
                f"predict() needs the {self.n_rows_} rows given to fit(), got {len(data)} rows"
            )
        x, y, group = _columns(data)
        added = self._hydroxyl_added(data)
        result = predict_rows(
            self.lines_,
            (x, y - added, group),
            usable,
            score_rows,
            isomer_rank,
            delta=self.isomer_delta_,
            robust=self.robust,
            logp_range=self.logp_range_,
            anchors=(self.anchor_rows_, self.anchor_z_loo_),
            self_calibration=self.self_calibration_,
        )
        if self.hydroxyl_ is None:
            return result
        return replace(result, predicted=result.predicted + added)

    def _hydroxyl_added(self, data: pd.DataFrame) -> np.ndarray:
        """The hydroxyl term of every row (0 without extra oxygens or without the term)."""
        if self.hydroxyl_ is None:
            return np.zeros(len(data))
        return self.hydroxyl_.term * extra_oxygens(data)


def _hydroxyl_rows(
    has_extra: np.ndarray, real: np.ndarray, confident: np.ndarray | None, single: np.ndarray
) -> tuple[np.ndarray | None, str]:
    """The rows the hydroxyl term is learned from and what they are: anchors before other
    peaks, groups without isomer tracks before those with, then anchors and peaks together,
    at least :data:`MIN_HYDROXYL_ROWS` rows; else :data:`MIN_ANCHOR_ROWS` anchors (a study's
    shared anchors may hold both isomer peaks of one hydroxylated species, which the prior
    would pull off their lines); None when no set is large enough."""
    options = [(real & single, "anchors")]
    if confident is not None:
        options.append((confident & single, "peaks"))
    options.append((real, "anchors"))
    if confident is not None:
        options += [(confident, "peaks"), (real | confident, "anchors and peaks")]
    for rows, source in options:
        if (rows & has_extra).sum() >= MIN_HYDROXYL_ROWS:
            return rows, source
    if (real & has_extra).sum() >= MIN_ANCHOR_ROWS:
        return real, "anchors"
    return None, "prior"


def _self_calibrate(
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    use: np.ndarray,
    track: np.ndarray,
    peaks: np.ndarray,
    peak_track: np.ndarray | None,
    floor: float,
) -> tuple[np.ndarray, np.ndarray, dict[int, int], SelfCalibration] | None:
    """The calibration peaks (with the anchors there are), their tracks, the tracks per
    multi-track group and what the robust fit found; None when the peaks cannot calibrate."""
    x, y, group = columns
    ptrack = np.full(len(x), -1) if peak_track is None else np.asarray(peak_track)
    found = calibration_peaks(x, y, group, np.clip(ptrack, 0, None), peaks, floor)
    if found is None:
        return None
    kept, info = found
    new_track = np.where(use, track, np.where(kept, ptrack, -1))
    ranked = kept & (ptrack >= 0)
    size = int(group.max()) + 1
    seen = [np.bincount(group[ranked & (ptrack == t)], minlength=size) > 0 for t in (0, 1)]
    n_tracks = {int(g): 2 for g in np.flatnonzero(seen[0] & seen[1])}
    # a peak of a multi-track group without a rank goes to its nearest track; elsewhere 0
    multi = np.isin(group, list(n_tracks))
    new_track = np.where((new_track < 0) & ~multi, 0, new_track)
    return use | kept, new_track, n_tracks, info


def _group_names(data: pd.DataFrame, group: np.ndarray) -> np.ndarray:
    """Group key per group code."""
    names = np.full(int(group.max()) + 1 if len(group) else 0, "", dtype=object)
    names[group] = data["group_key"].to_numpy(dtype=object)
    return names


def _columns(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log P, RT and group code of every row."""
    return (
        data["log_p"].to_numpy(dtype=float),
        data["rt"].to_numpy(dtype=float),
        data["group_code"].to_numpy(dtype=np.int64),
    )


def _anchor_tracks(
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    use: np.ndarray,
    track: np.ndarray,
    n_tracks: dict[int, int],
    k: int,
    capable: np.ndarray | None,
    fallback_delta: float | None,
    floor: float,
) -> tuple[np.ndarray, dict[int, int], float | None]:
    """Every used anchor's track, the tracks per multi-track group and the isomer offset.

    A first fit on the anchors with known tracks gives the offset and places the single-peak
    anchors of multi-track groups on their nearest track; with the offset known, the anchors
    of isomer-capable single-track groups may be split over early and late tracks.
    """
    x, y, group = columns
    track = track.copy()
    unit = group * k + np.clip(track, 0, None)
    first = fit_lines(x, y, unit, np.flatnonzero(use & (track >= 0)), floor, k)
    pending = np.flatnonzero(use & (track < 0))
    if first is None:
        track[pending] = 0
        return track, dict(n_tracks), fallback_delta
    line = first[0]
    if pending.size:
        track[pending] = nearest_tracks(x, y, group, pending, line, k)
    delta = line.track_offset if line.track_offset is not None else fallback_delta
    if delta is None or capable is None:
        return track, dict(n_tracks), delta
    return (
        *align_anchor_isomers(x, y, group, use & capable, track, n_tracks, line.slope, delta),
        delta,
    )


def _composition_of(
    comp: CompositionFit | None,
) -> tuple[np.ndarray | None, float, float | None, np.ndarray]:
    """The composition attributes: coefficients, SD, slope and the groups learned from."""
    if comp is None:
        return None, PRIOR_COMPOSITION_SD, None, np.zeros(0, dtype=np.int64)
    return comp.coef, comp.sd, comp.slope, comp.groups


def _anchor_z(
    anchor_group: np.ndarray,
    pooled: tuple[LineFit, np.ndarray] | None,
    group_fits: dict[int, tuple[LineFit, np.ndarray]],
) -> np.ndarray:
    """Each anchor's leave-one-out z under the line that predicts it: its group's own line,
    else the pooled line (NaN with neither)."""
    z = np.full(anchor_group.size, np.nan)
    if pooled is not None:
        pooled_rows = ~np.isin(anchor_group, list(group_fits))
        z[pooled_rows] = pooled[1][pooled_rows]
    for g, (_, z_group) in group_fits.items():
        z[anchor_group == g] = z_group
    return z
