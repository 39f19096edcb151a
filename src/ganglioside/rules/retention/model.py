"""The estimator: :class:`RetentionModel` (fit on anchors, predict every usable row)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ...group_keys import format_group_key
from ._anchor_fits import (
    anchor_tracks,
    anchor_z,
    composition_of,
    fit_groups,
    fit_pooled,
    frame_columns,
    group_names,
    hydroxyl_rows,
    self_calibrate,
)
from ._composition import PRIOR_SLOPE, fit_composition, group_composition
from ._credibility import slope_in_range, slope_words
from ._curvature import bend_centres
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
from ._lines import PRIOR_SD
from ._predict import RetentionResult, predict_rows
from ._self_calibration import SelfCalibration
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
        x, y, _ = frame_columns(data)
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
        x, y, group = frame_columns(data)
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
        learn_from, source = hydroxyl_rows(extra > 0, real, confident, single)
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
        x, _, group = frame_columns(data)
        use = anchors & np.isfinite(x) & np.isfinite(y)
        use, track, n_tracks = self._calibrate_on_peaks(
            (x, y, group), (use, track, n_tracks), peaks, peak_track
        )
        k = max([2, *n_tracks.values()])
        track, n_tracks, delta = anchor_tracks(
            (x, y, group), use, track, n_tracks, k, capable, fallback_delta, self.rt_sd_floor
        )
        self.n_rows_ = len(data)
        self.group_names_ = group_names(data, group)
        self.n_tracks_ = n_tracks
        self.max_tracks_ = k
        self.isomer_delta_ = delta
        self.anchor_rows_ = np.flatnonzero(use)
        self._fit_levels(data, y, group * k + np.clip(track, 0, None))
        return self

    def _fit_levels(self, data: pd.DataFrame, y: np.ndarray, unit: np.ndarray) -> None:
        """The pooled line, the groups' own lines and the composition estimate, fitted on the
        anchors (``anchor_rows_``) of each ``unit`` (group code × tracks + track); then the
        table of every group's line, unless the common slope is refused."""
        x, _, group = frame_columns(data)
        anchor_idx, k, n_groups = self.anchor_rows_, self.max_tracks_, self.group_names_.size
        centre = bend_centres(data, x, group, n_groups)
        pooled = fit_pooled((x, y, unit), anchor_idx, centre, (self.rt_sd_floor, k))
        checks = (self.min_anchors_group_model, self.min_q2, self.rt_sd_floor)
        group_fits, rejected = fit_groups(
            (x, y, group), unit, anchor_idx, pooled, k, centre, checks
        )
        group_comp = group_composition(data, group, n_groups)
        pooled_fit = pooled[0] if pooled is not None else None
        comp = fit_composition(group_comp, x, y, group, anchor_idx, pooled_fit, k, self.rt_sd_floor)
        self.pooled_ = pooled_fit
        self.group_fits_ = {g: fit for g, (fit, _) in group_fits.items()}
        self.group_rejected_ = rejected
        too_few = pooled is None and anchor_idx.size >= 2
        self.slope_source_ = "composition" if too_few else "anchors"
        self.anchor_z_loo_ = anchor_z(group[anchor_idx], pooled, group_fits)
        self.logp_range_ = (
            (float(x[anchor_idx].min()), float(x[anchor_idx].max())) if anchor_idx.size else None
        )
        self.comp_coef_, self.comp_sd_, self.comp_slope_, self.comp_groups_ = composition_of(comp)
        self.comp_cov_ = comp.cov if comp is not None else None
        self.lines_ = None
        if (
            self.refused_ is None
            and pooled_fit is not None
            and not slope_in_range(pooled_fit.slope)
        ):
            self.refused_ = slope_words(float(pooled_fit.slope), "the anchors' common line:")
        if comp is not None and self.refused_ is None:
            groups = (self.group_names_, k, self.n_tracks_)
            fits = (pooled_fit, self.group_fits_, comp)
            x_mean = float(np.mean(x[anchor_idx]))
            self.lines_ = group_lines(groups, fits, group_comp, x_mean, self.rt_sd_floor, centre)

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
        found = self_calibrate(columns, use, track, peaks, peak_track, self.rt_sd_floor)
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
        x, y, _ = frame_columns(data)
        rows = self.anchor_rows_
        keys = data["group_key"].iloc[rows].astype(str).to_numpy(dtype=object)
        ceramides = data["ceramide"].iloc[rows].astype(str).to_numpy(dtype=object)
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
        x, y, group = frame_columns(data)
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
