"""Model reports: what a fitted retention-time model says about itself, for people.

:func:`describe_models` turns a fitted :class:`~ganglioside.rules.retention.RetentionModel`
(its public attributes only) and its prediction into one :class:`~ganglioside.result.ModelReport`
per model that was used or tried.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .group_keys import format_group_key
from .result import ModelReport
from .rules.isomers import TRACK_NAMES
from .rules.retention import (
    COMPOSITION,
    LineFit,
    RetentionModel,
    RetentionResult,
    TransferredModel,
)


def describe_models(
    model: RetentionModel | TransferredModel, prediction: RetentionResult
) -> list[ModelReport]:
    """One report per group line, the pooled line and the composition model, in that order
    (one report for a saved calibration applied to the run).

    ``n_rows`` of each report counts the rows of ``prediction`` the model predicted.
    """
    if isinstance(model, TransferredModel):
        return [_transferred_report(model, prediction)]
    counted = pd.Series(prediction.model_id).value_counts()
    rows_per_model = {str(k): int(v) for k, v in counted.items() if k != "" and v}
    out = _with_hydroxyl(model, _fitted_reports(model, rows_per_model))
    calibration = _calibration(model)
    if calibration["source"] == "anchors":
        return out
    note = "self-calibrated: fitted on the file's own peaks, not on anchors"
    return [replace(r, calibration=calibration, warnings=(note, *r.warnings)) for r in out]


def _fitted_reports(model: RetentionModel, rows_per_model: dict[str, int]) -> list[ModelReport]:
    """The group lines', the pooled line's and the composition model's reports, in that order."""
    names = model.group_names_
    out: list[ModelReport] = []
    for g, fit in sorted(model.group_fits_.items()):
        warn = [f"only {fit.df} residual degrees of freedom"] if fit.df < 3 else []
        model_id = f"group:{names[g]}"
        out.append(_line_report(model, fit, model_id, "group", warn, rows_per_model))
    if model.pooled_ is not None:
        warn = _pooled_warnings(model, model.pooled_)
        out.append(_line_report(model, model.pooled_, "pooled", "pooled", warn, rows_per_model))
    if model.comp_coef_ is not None:
        out.append(_composition_report(model, rows_per_model.get("composition", 0)))
    return out


def _with_hydroxyl(model: RetentionModel, reports: list[ModelReport]) -> list[ModelReport]:
    """The reports with the model's hydroxyl shift, and each bent line's centres."""
    hydroxyl = model.hydroxyl_.to_dict() if model.hydroxyl_ is not None else {}
    centres = _centres(model)
    return [
        replace(r, hydroxyl=hydroxyl, centres=centres.get(r.model_id, {}))
        if r.curvature is not None
        else replace(r, hydroxyl=hydroxyl)
        for r in reports
    ]


def _centres(model: RetentionModel) -> dict[str, dict[str, float]]:
    """The Log P each bent group's line bends about, by model id then group key."""
    lines = model.lines_
    out: dict[str, dict[str, float]] = {}
    if lines is None or not lines.bends:
        return out
    for g in np.flatnonzero(lines.curve != 0):
        centre = float(lines.centre[g])
        if np.isfinite(centre):
            model_id = str(lines.model_ids[lines.model[g]])
            out.setdefault(model_id, {})[str(model.group_names_[g])] = centre
    return out


def _calibration(model: RetentionModel) -> dict[str, Any]:
    """What the model's lines were fitted on, with what the robust fit found."""
    if model.self_calibration_ is None:
        return {"source": "anchors"}
    return {"source": "self", **model.self_calibration_.to_dict()}


def _unit_name(model: RetentionModel, unit: int) -> str:
    """A unit's group key, with its track name when the group has several tracks."""
    g, t = divmod(unit, model.max_tracks_)
    name = str(model.group_names_[g])
    return name if model.n_tracks_.get(g, 1) == 1 else format_group_key(name, TRACK_NAMES[t])


def _line_report(
    model: RetentionModel,
    fit: LineFit,
    model_id: str,
    level: str,
    warnings: list[str],
    rows_per_model: dict[str, int],
) -> ModelReport:
    """The report of a group line or of the pooled line."""
    k = model.max_tracks_
    names = model.group_names_
    intercepts = {
        # numpy arithmetic: a huge Log P gives an infinite error, not an OverflowError
        _unit_name(model, u): (
            a,
            float(fit.s * np.sqrt(fit.hint[u] + np.float64(fit.xbar[u]) ** 2 / fit.sxx)),
        )
        for u, a in sorted(fit.intercept.items())
    }
    tracks: dict[str, float] = {}
    for u, a in fit.intercept.items():
        g, t = divmod(u, k)
        base = fit.intercept.get(g * k)
        if t > 0 and base is not None:
            tracks[format_group_key(str(names[g]), TRACK_NAMES[t])] = a - base
    if fit.curvature is not None:
        warnings = [*warnings, _bend_warning(fit)]
    return ModelReport(
        model_id=model_id,
        level=level,
        groups=tuple(sorted({str(names[u // k]) for u in fit.intercept})),
        n_anchors=fit.n_anchors,
        n_rows=int(rows_per_model.get(model_id, 0)),
        slope=fit.slope,
        slope_se=fit.s / float(np.sqrt(fit.sxx)),
        intercepts=intercepts,
        r2=fit.r2,
        q2=fit.q2,
        rmse_loo=fit.rmse_loo,
        mae_loo=fit.mae_loo,
        residual_sd=fit.s,
        df=fit.df,
        logp_range=fit.logp_range,
        tracks=tracks,
        warnings=tuple(warnings),
        curvature=fit.curvature,
        curvature_se=fit.curvature_se,
    )


def _bend_warning(fit: LineFit) -> str:
    """The words saying that a line bends, with the numbers that decided it."""
    q2 = "n/a" if fit.q2_straight is None else f"{fit.q2_straight:.4f}"
    bent = "n/a" if fit.q2 is None else f"{fit.q2:.4f}"
    return (
        f"the line bends: RT is quadratic in Log P (curvature {fit.curvature:+.4f} ± "
        f"{fit.curvature_se:.4f} min per Log P unit², about each group's mean Log P); "
        f"leave-one-out Q² {q2} straight, {bent} bent"
    )


def _pooled_warnings(model: RetentionModel, pooled: LineFit) -> list[str]:
    """Rejected group lines, single-anchor intercepts and a non-positive common slope."""
    names = model.group_names_
    warn = [
        f"{names[g]}: own line rejected ({why}); uses the pooled line"
        for g, why in sorted(model.group_rejected_.items())
    ]
    k = model.max_tracks_
    singles = sorted(str(names[u // k]) for u, c in pooled.n.items() if c == 1)
    if singles:
        warn.append("intercept from a single anchor (low confidence): " + ", ".join(singles))
    if pooled.slope <= 0:
        warn.append(f"common slope {pooled.slope:.3f} ≤ 0: check the anchors")
    return warn


def _composition_report(model: RetentionModel, n_rows: int) -> ModelReport:
    """The report of the composition model (intercept increments per residue)."""
    assert model.comp_coef_ is not None and model.comp_slope_ is not None
    labels = ["base", *(f"+{c}" for c in COMPOSITION)]
    n_groups = int(model.comp_groups_.size)
    warn = [
        "intercepts of groups without anchors are extrapolated from composition",
        f"learned from {n_groups} anchored group(s); "
        f"group-to-composition SD {model.comp_sd_:.3f} min",
    ]
    if model.slope_source_ == "composition":
        warn.append("no group has anchors spread in Log P: slope fitted across groups")
    pooled = model.pooled_
    bent = pooled if pooled is not None and pooled.curvature is not None else None
    if bent is not None:
        warn.append("bent like the pooled line, each group about its rows' mean Log P")
    return ModelReport(
        model_id="composition",
        level="composition",
        groups=tuple(sorted({str(model.group_names_[g]) for g in model.comp_groups_})),
        n_anchors=int(model.anchor_rows_.size),
        n_rows=int(n_rows),
        slope=float(model.comp_slope_),
        slope_se=float("nan"),
        intercepts={
            lab: (float(c), float("nan")) for lab, c in zip(labels, model.comp_coef_, strict=True)
        },
        r2=None,
        q2=None,
        rmse_loo=None,
        mae_loo=None,
        residual_sd=float(model.comp_sd_),
        df=max(n_groups - 1, 0),
        logp_range=model.logp_range_,
        warnings=tuple(warn),
        curvature=bent.curvature if bent is not None else None,
        curvature_se=bent.curvature_se if bent is not None else None,
    )


def _transferred_report(model: TransferredModel, prediction: RetentionResult) -> ModelReport:
    """The report of a saved calibration moved to this run: the shift, scale and matches."""
    saved = model.saved
    calibration = {
        "source": "saved",
        "shift": model.shift_,
        "shift_se": model.shift_se_,
        "scale": model.scale_,
        "matches": model.n_matches_,
        "matched_on": model.match_source_,
        "unseen_groups": list(model.unseen_groups_),
    }
    warn = [
        f"saved calibration moved to this run: RT = {model.shift_:+.3f} min + "
        f"{model.scale_:.3f} × saved RT, from {model.n_matches_} {model.match_source_}"
    ]
    if model.unseen_groups_:
        warn.append(
            "groups the saved calibration did not have take their line from its composition "
            "increments: " + ", ".join(model.unseen_groups_[:10])
        )
    lines = model.lines_
    return ModelReport(
        model_id="saved",
        level="transferred",
        groups=tuple(sorted(str(k) for k in saved["groups"])),
        n_anchors=len(saved.get("references", [])),
        n_rows=int(np.count_nonzero(np.asarray(prediction.model_id) == "saved")),
        slope=float(np.nanmedian(lines.slope)),
        slope_se=float("nan"),
        intercepts={},
        r2=None,
        q2=None,
        rmse_loo=None,
        mae_loo=None,
        residual_sd=float(np.nanmedian(lines.s)),
        df=0,
        logp_range=None,
        warnings=tuple(warn),
        calibration=calibration,
        hydroxyl=model.hydroxyl_.to_dict() if model.hydroxyl_ is not None else {},
    )
