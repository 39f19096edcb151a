"""The RT model stage (Rule 1): fit on the anchors, predict every usable row.

This is the only stage that calls the retention model; the file warnings read the fitted
model it hands on (:func:`ganglioside.pipeline.file_warnings.file_warnings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..model_reports import describe_models
from ..result import ModelReport
from ..rules import isomers
from ..rules.fragments import FragmentCandidates
from ..rules.retention import RetentionModel, RetentionResult, TransferredModel
from ..rules.retention._credibility import MAX_HALF_WIDTH_95, Z95
from .rows import Rows
from .rule_steps import IsomerTracks


@dataclass(frozen=True)
class RetentionFit:
    """The fitted model, its predictions per row and its reports."""

    prediction: RetentionResult
    reports: list[ModelReport]
    n_tracks: dict[int, int]  # group code -> tracks, after the anchors' isomer alignment
    anchor_inconsistent: np.ndarray  # anchors off the line fitted without them
    model: RetentionModel | TransferredModel  # for the file warnings
    saved: dict[str, Any] | None  # the fitted lines as a calibration file's model block


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
    saved = model.to_json() if isinstance(model, TransferredModel) else model.to_json(data)
    return RetentionFit(
        prediction=prediction,
        reports=describe_models(model, prediction),
        n_tracks=dict(model.n_tracks_),
        anchor_inconsistent=_inconsistent_anchors(rows.anchors, prediction, cfg.outlier_z),
        model=model,
        saved=saved,
    )


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


def _inconsistent_anchors(
    anchors: np.ndarray, prediction: RetentionResult, outlier_z: float
) -> np.ndarray:
    """Anchors off the line fitted without them (or, for a lone anchor, off the line of its
    group's other peaks), and anchors off the line they are finally scored against."""
    with np.errstate(invalid="ignore"):
        off = (np.abs(prediction.anchor_z_loo) >= outlier_z) | (np.abs(prediction.z) >= outlier_z)
    return anchors & off


def interval_too_wide(sd: np.ndarray) -> np.ndarray:
    """Rows whose 95 % RT interval is wider than ±``MAX_HALF_WIDTH_95`` min: the model that
    reaches them could not have caught a wrong name there (NaN SD: no model, not this mask)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(Z95 * sd > MAX_HALF_WIDTH_95)
