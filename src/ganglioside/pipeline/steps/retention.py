"""Rule 1, the RT model: fit on the anchors, predict every usable row, decide who is off the
line.

This is the only rule that calls the retention model, and the only place where the test
|z| ≥ ``outlier_z`` is written: the rules after it read the masks of its
:class:`RetentionFit` (``outliers``, ``on_line``, ``far_off``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...config import AnalysisConfig
from ...model_reports import describe_models
from ...result import ModelReport
from ...rules import isomers
from ...rules.fragments import FragmentCandidates
from ...rules.retention import RetentionModel, RetentionResult, TransferredModel
from ...rules.retention._credibility import MAX_HALF_WIDTH_95, Z95
from ...rules.retention._intervals import MIN_ROWS, IntervalScale, half_widths, interval_scales
from ..context import Context, Rule
from ..contract import Claim, Finding, Note, Reason, Words
from ..file_warnings import model_warnings, rows_listed
from ..rows import Rows
from .isomer_tracks import IsomerTracks

_ON_THE_LINE = (
    ("group", "on its group's RT line"),
    ("pooled", "on the pooled RT line of its group"),
    ("composition", "on the RT line extrapolated from composition (group has no anchor)"),
    ("self_calibrated", "on the RT line learned robustly from the file's own peaks (no anchors)"),
    ("transferred", "on the RT line of a saved calibration, shifted to this run"),
)
#: Evidence of how the row's RT line was calibrated, by model level (anchors: no word).
_CALIBRATION_EVIDENCE = {"self_calibrated": "calibration:self", "transferred": "calibration:saved"}


@dataclass(frozen=True)
class RetentionFit:
    """The fitted model, its predictions per row and its reports."""

    prediction: RetentionResult
    reports: list[ModelReport]
    n_tracks: dict[int, int]  # group code -> tracks, after the anchors' isomer alignment
    anchor_inconsistent: np.ndarray  # anchors off the line fitted without them
    model: RetentionModel | TransferredModel  # for the file warnings
    saved: dict[str, Any] | None  # the fitted lines as a calibration file's model block
    has_model: np.ndarray  # an RT model reaches the row
    outliers: np.ndarray  # off the line: |z| >= outlier_z
    on_line: np.ndarray  # on the line: |z| < outlier_z
    far_off: np.ndarray  # far off the line: |z| >= 2 outlier_z
    cannot_catch: np.ndarray  # 1.96 decision SDs wider than ±1 min: cannot catch a wrong name
    refused: str | None  # why the model may decide nothing (plain words), None when it may
    half_width_95: np.ndarray  # the calibrated 95 % prediction interval's half-width (min)
    interval_scales: dict[str, IntervalScale]  # how each level's 95 % interval was calibrated


def fit_retention(
    data: pd.DataFrame,
    rows: Rows,
    candidates: FragmentCandidates,
    tracks: IsomerTracks,
    cfg: AnalysisConfig,
    reference: Mapping[str, Any] | None = None,
    logp_per_oxygen: float | None = None,
) -> RetentionFit:
    """Fit the RT model on the anchors and score every usable row.

    The model is fitted without the fragment candidates (they are decided with it later);
    non-anchor peaks of isomer-capable names seen as an early/late pair take their rank.  With
    fewer than two anchors the peaks calibrate the model (``cfg.self_calibrate``); with a
    ``reference`` (a saved calibration's model block) its lines are moved to this run instead.
    """
    scoring = rows.usable & (candidates.parent < 0)
    capable = isomers.isomer_capable(data) & rows.usable
    if reference is not None:
        transferred = TransferredModel(reference, rt_sd_floor=cfg.rt_sd_floor)
        model: RetentionModel | TransferredModel = transferred.fit(data, scoring, rows.volume)
    else:
        model = _fit_model(data, rows, tracks, cfg, (scoring, capable), logp_per_oxygen)
    rank = np.full(len(rows.rt), -2, dtype=np.int64)
    if model.isomer_delta_ is not None:
        rank[capable] = -1
        rank = isomers.pair_ranks(
            tracks.species_code, rows.rt, scoring & capable, model.isomer_delta_, rank
        )
    prediction = model.predict(data, rows.usable, scoring & ~rows.anchors, rank)
    # the reported 95 % interval, calibrated on the file's own peaks (decides nothing)
    scales = interval_scales(
        prediction.z, prediction.level, scoring & ~rows.anchors, 2 * cfg.outlier_z
    )
    saved = model.to_json() if isinstance(model, TransferredModel) else model.to_json(data)
    z, outlier_z = prediction.z, cfg.outlier_z
    has_model = np.isfinite(prediction.predicted)
    with np.errstate(invalid="ignore"):
        outliers = has_model & (np.abs(z) >= outlier_z)
        on_line = has_model & (np.abs(z) < outlier_z)
        far_off = np.isfinite(z) & (np.abs(z) >= 2 * outlier_z)
        loo_off = np.abs(prediction.anchor_z_loo) >= outlier_z
    return RetentionFit(
        prediction=prediction,
        reports=describe_models(model, prediction),
        n_tracks=dict(model.n_tracks_),
        # anchors off the line fitted without them (or, for a lone anchor, off the line of its
        # group's other peaks), and anchors off the line they are finally scored against
        anchor_inconsistent=rows.anchors & (loo_off | outliers),
        model=model,
        saved=saved,
        has_model=has_model,
        outliers=outliers,
        on_line=on_line,
        far_off=far_off,
        cannot_catch=interval_too_wide(prediction.sd),
        refused=getattr(model, "refused_", None),
        half_width_95=half_widths(prediction.sd, prediction.level, scales),
        interval_scales=scales,
    )


def interval_too_wide(sd: np.ndarray) -> np.ndarray:
    """Rows whose prediction SD (the decision's) makes ±1.96 SD wider than
    ±``MAX_HALF_WIDTH_95`` min: the model that reaches them could not have caught a wrong name
    there (NaN SD: no model, not this mask).  The rule reads the decision SD, not the
    calibrated interval of ``pi_low``/``pi_high``, so calibrating that interval moves no
    verdict."""
    with np.errstate(invalid="ignore"):
        return np.asarray(Z95 * sd > MAX_HALF_WIDTH_95)


def _fit_model(
    data: pd.DataFrame,
    rows: Rows,
    tracks: IsomerTracks,
    cfg: AnalysisConfig,
    masks: tuple[np.ndarray, np.ndarray],
    logp_per_oxygen: float | None,
) -> RetentionModel:
    """The RT model fitted on the anchors, or on the peaks with fewer than two anchors."""
    scoring, capable = masks
    single = scoring & capable & ~rows.anchors
    fallback_delta = isomers.pair_spacing(tracks.species_code, rows.rt, single)
    peaks, peak_track = None, None
    if cfg.self_calibrate and int(rows.anchors.sum()) < 2:
        peaks = scoring
        peak_track = np.full(len(rows.rt), -1, dtype=np.int64)
        if fallback_delta is not None:
            peak_track = isomers.pair_ranks(
                tracks.species_code, rows.rt, scoring & capable, fallback_delta, peak_track
            )
    return RetentionModel(
        min_anchors_group_model=cfg.min_anchors_group_model,
        min_q2=cfg.min_q2,
        rt_sd_floor=cfg.rt_sd_floor,
        robust=cfg.robust,
    ).fit(
        data,
        rows.anchors,
        tracks.track,
        tracks.n_tracks,
        capable=capable,
        fallback_delta=fallback_delta,
        peaks=peaks,
        peak_track=peak_track,
        logp_per_oxygen=logp_per_oxygen,
        confident=scoring & ~rows.anchors,
    )


def apply(ctx: Context) -> Finding:
    rows, cfg = ctx.rows, ctx.cfg
    fit = fit_retention(
        ctx.data,
        rows,
        ctx.detail(FragmentCandidates),
        ctx.detail(IsomerTracks),
        cfg,
        ctx.reference,
        ctx.logp.model.coefficients["oxygens"],
    )
    res, level = fit.prediction, fit.prediction.level
    return Finding(
        rule="retention",
        detail=fit,
        claims=(
            Claim("rt_outlier", "outlier", fit.outliers),
            Claim("no_rt_model", "unverified", ~fit.has_model),
            Claim("rt_cannot_catch", "unverified", fit.cannot_catch),
        ),
        reasons=(*_reasons(level, cfg.outlier_z), *_undecided_reasons(fit)),
        evidence=(
            Words(
                fit.has_model.astype(np.int8) + fit.on_line,
                ["rt_model:none", "rt_model:fail", "rt_model:pass"],
                rank=10,
            ),
            _calibration_words(level),
        ),
        warnings=(
            Words.flag(fit.anchor_inconsistent, "anchor_inconsistent", rank=20),
            Words.flag(res.logp_extrapolated & ~rows.invalid, "logp_extrapolated", rank=50),
            Words.flag(np.asarray(level == "composition") & ~rows.invalid, "extrapolated", 60),
            Words.flag(res.track_inferred & ~rows.invalid & ~rows.anchors, "track_inferred", 80),
        ),
        notes=_notes(fit, rows, cfg.outlier_z),
    )


def _reasons(level: pd.Categorical, outlier_z: float) -> tuple[Reason, ...]:
    """Valid and outlier rows, by the level of their line; rows no model reaches."""
    on = [
        Reason(
            np.asarray(level == lvl),
            f"RT within the prediction interval, {text}",
            status="valid",
            rank=20,
        )
        for lvl, text in _ON_THE_LINE
    ]
    everywhere = np.ones(len(level), dtype=bool)
    off = [
        Reason(
            np.asarray(level == lvl),
            f"RT off the {lvl} model's line, |z| >= {outlier_z:g} (see predicted_rt, residual, "
            "z): likely misannotated",
            status="outlier",
            rank=70,
        )
        for lvl, _ in _ON_THE_LINE
    ]
    unreached = Reason(
        everywhere,
        "no RT model can reach this row (the file has too few anchors)",
        status="unverified",
        rank=50,
    )
    return (*on, unreached, *off)


def _undecided_reasons(fit: RetentionFit) -> tuple[Reason, ...]:
    """Why an unverified row was not decided: the model refused, or its interval is too wide."""
    out = [
        Reason(
            fit.cannot_catch,
            f"the RT model's SD here is too large (±1.96 SD is wider than "
            f"±{MAX_HALF_WIDTH_95:g} min; SD = residual / z): it could not have caught a "
            "wrong name",
            status="unverified",
            rank=52,
        )
    ]
    if fit.refused is not None:
        everywhere = np.ones(len(fit.has_model), dtype=bool)
        out.append(
            Reason(everywhere, f"no RT verdict: {fit.refused}", status="unverified", rank=51)
        )
    return tuple(out)


def _calibration_words(level: pd.Categorical) -> Words:
    """Per row, the evidence word of how its line was calibrated ("" for anchors)."""
    labels = ["", *_CALIBRATION_EVIDENCE.values()]
    code = np.zeros(len(level), dtype=np.int8)
    for k, lvl in enumerate(_CALIBRATION_EVIDENCE, start=1):
        code[np.asarray(level == lvl)] = k
    return Words(code, labels, rank=50)


def _notes(fit: RetentionFit, rows: Rows, outlier_z: float) -> tuple[Note, ...]:
    """What the fitted model could not do, its isomer tracks, the anchors off their line."""
    notes = [Note(w, 40) for w in model_warnings(fit.model, int(rows.anchors.sum()))]
    if any(scale.source == "none" for scale in fit.interval_scales.values()):
        notes.append(
            Note(
                f"fewer than {MIN_ROWS} non-anchor peaks on their RT lines: the 95 % RT "
                "intervals (pi_low, pi_high) could not be calibrated on this file and are "
                "±1.96 prediction SDs (wider than needed on simulated files: 98 % of true species "
                "lie within them)",
                60,
            )
        )
    off = fit.anchor_inconsistent
    if off.any():
        notes.append(
            Note(
                f"{int(off.sum())} anchor(s) disagree with the model fitted without "
                f"them (|leave-one-out z| ≥ {outlier_z}): rows {rows_listed(rows.row, off)}"
                "; review them (anchors are never demoted)",
                50,
            )
        )
    return tuple(notes)


RULE = Rule(
    "retention",
    apply,
    needs=(FragmentCandidates, IsomerTracks),
    makes=RetentionFit,
    progress=("retention", 0.5, "fitting the retention-time model"),
)
