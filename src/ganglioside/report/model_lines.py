"""The lines of the retention-time models as the charts draw them: each model line as it was
fitted (``RT = intercept + slope × Log P``, plus ``curvature × (Log P − centre)²`` when the
line bends), one per isomer track, over the Log P range of a group's rows.

The Plotly charts (:mod:`ganglioside.report.plots`, the web pages, the HTML report) and the PDF
(:mod:`ganglioside.report.pdf`) draw the same lines from :func:`model_curves`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..group_keys import parse_group_key
from ..result import ModelReport
from .points import esc

__all__ = ["model_curves"]


@dataclass(frozen=True)
class _Line:
    label: str
    slope: float
    intercept: float
    curvature: float = 0.0
    centre: float = 0.0

    def at(self, xs: np.ndarray) -> np.ndarray:
        """RT on this line at Log P ``xs`` (with its quadratic term when it bends)."""
        return self.intercept + self.slope * xs + self.curvature * (xs - self.centre) ** 2


def _equation(slope: float, intercept: float, curvature: float = 0.0, centre: float = 0.0) -> str:
    sign = "+" if intercept >= 0 else "−"
    text = f"RT = {slope:.3f}·LogP {sign} {abs(intercept):.3f}"
    if curvature:
        bend = "+" if curvature >= 0 else "−"
        shift = "−" if centre >= 0 else "+"
        text += f" {bend} {abs(curvature):.4f}·(LogP {shift} {abs(centre):.2f})²"
    return text


def _track_offsets(model: ModelReport, group: str, tracks_present: set[str]) -> dict[str, float]:
    """Offsets of isomer tracks given as ``group|track`` (or a bare track name) in the report."""
    offsets = {}
    for key, offset in model.tracks.items():
        key_base, key_track = parse_group_key(key)
        if key_track and key_base == group:
            offsets[key_track] = offset
        elif not key_track and key in tracks_present:
            offsets[key] = offset
    return offsets


def _composition_intercept(model: ModelReport, rows: pd.DataFrame) -> float | None:
    """Intercept of a composition-level model for this group: ``base`` plus one increment per
    residue (report keys ``+neuac``, ``+hex`` ...), counted on the group's composition."""
    if "base" not in model.intercepts or rows.empty:
        return None
    first = rows.iloc[0]
    intercept = model.intercepts["base"][0]
    for key, (increment, _se) in model.intercepts.items():
        column = key[1:]
        if key.startswith("+") and column in rows.columns:
            count = pd.to_numeric(first[column], errors="coerce")
            if np.isfinite(count):
                intercept += increment * float(count)
    return float(intercept)


def _line(model: ModelReport, group: str, label: str, intercept: float) -> _Line:
    """The line of ``model`` for ``group`` at ``intercept``, bent as it was fitted."""
    centre = model.centres.get(group)
    curvature = model.curvature if model.curvature and centre is not None else 0.0
    centre = float(centre) if centre is not None else 0.0
    equation = _equation(model.slope, intercept, curvature, centre)
    # a bent line's equation on a line of its own: legends stay narrow enough for a phone
    joint = ":<br>" if curvature else ": "
    return _Line(f"{label}{joint}{equation}", model.slope, intercept, curvature, centre)


def _unit_lines(
    model: ModelReport, group: str, unit: str, intercept: float, tracks_present: set[str]
) -> list[_Line]:
    """The line of one intercept of a model (one per isomer track when offsets are given)."""
    track = parse_group_key(unit)[1]
    offsets = {} if track else _track_offsets(model, group, tracks_present)
    if offsets:
        return [
            _line(model, group, f"{esc(model.level)} model, track {esc(name)}", intercept + offset)
            for name, offset in offsets.items()
        ]
    label = f"{esc(model.level)} model" + (f", track {esc(track)}" if track else "")
    return [_line(model, group, label, intercept)]


def _report_lines(
    model: ModelReport, group: str, rows: pd.DataFrame, tracks_present: set[str], used: bool
) -> list[_Line]:
    """The lines of one model report for ``group``: one per intercept (and isomer track), or
    the composition estimate when the report has no intercept of the group but scored it."""
    units = {
        unit: value
        for unit, (value, _se) in model.intercepts.items()
        if parse_group_key(unit)[0] == group
    }
    lines: list[_Line] = []
    for unit, intercept in units.items():
        lines.extend(_unit_lines(model, group, unit, intercept, tracks_present))
    if not units and used:
        estimate = _composition_intercept(model, rows)
        if estimate is not None:
            lines.append(_line(model, group, f"{esc(model.level)} estimate", estimate))
    return lines


def _model_lines(models: Sequence[ModelReport], group: str, rows: pd.DataFrame) -> list[_Line]:
    """Lines of the models that scored this group's rows (one per isomer track when the report
    gives one), each with its quadratic term when it bends.  Each row's own prediction, which
    may also carry a group-specific correction, is drawn separately as its prediction interval."""
    used = {str(m) for m in rows["model_id"].dropna() if str(m)}
    tracks_present = {str(t) for t in rows["isomer_track"].dropna() if str(t)}
    return [
        line
        for model in models
        if not used or model.model_id in used
        for line in _report_lines(model, group, rows, tracks_present, model.model_id in used)
    ]


def model_curves(
    models: Sequence[ModelReport], group: str, rows: pd.DataFrame, points: int = 60
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Each model line of a group as drawn: its label, Log P and RT over the Log P range of the
    group's rows (a little beyond), one per isomer track, curved where the line bends.  Used
    by the web charts and the PDF alike, so both draw the models as they were fitted."""
    logp = pd.to_numeric(rows["log_p"], errors="coerce")
    logp = logp[np.isfinite(logp)]
    if logp.empty:
        return []
    lo, hi = float(logp.min()), float(logp.max())
    pad = max(0.1, 0.05 * (hi - lo))
    lines = _model_lines(models, group, rows.drop_duplicates(["model_id", "isomer_track"]))
    bent = any(line.curvature for line in lines)
    xs = np.linspace(lo - pad, hi + pad, points if bent else 2)
    return [(line.label, xs, line.at(xs)) for line in lines]
