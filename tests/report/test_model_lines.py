"""The charts draw every RT model as it was fitted: a bent line (quadratic term kept) as a
curve, one line per isomer track, in the web and HTML charts (Plotly) and in the PDF alike.

A simulated table whose RT bends in Log P is fitted with bent lines; every row the model
predicted then lies on one of its group's drawn lines (the straight line ``slope·LogP +
intercept`` would miss the ends of the Log P range by most of a minute).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from ganglioside import analyze
from ganglioside.report import pdf
from ganglioside.report.plots import rt_logp_spec
from ganglioside.simulate import simulate

BEND = -0.06  # min per squared Log P unit (as in test_rt_curvature)
ON_LINE = 0.02  # min: a row's prediction is on a drawn line (the lines are drawn as polylines)


@pytest.fixture(scope="module")
def bent():
    return analyze(simulate(5, rt_curvature=BEND).table)


def _bent_groups(result) -> list[str]:
    return sorted({g for m in result.models if m.curvature is not None for g in m.centres})


def _predicted(result, group: str) -> pd.DataFrame:
    comp = result.compounds
    rows = comp[(comp["group_key"].astype(str) == group)]
    rows = rows.dropna(subset=["log_p", "predicted_rt"])
    # rows on a group's own line; pooled and composition rows carry each their group
    # correction (measured leave-one-out), drawn as their prediction interval, not as a line
    return rows[rows["model_id"].astype(str).str.startswith("group:")]


def _distance(rows: pd.DataFrame, lines: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Each row's distance (min) from the nearest drawn line, read at its Log P."""
    x = rows["log_p"].to_numpy(float)
    y = rows["predicted_rt"].to_numpy(float)
    return np.min([np.abs(np.interp(x, xs, ys) - y) for xs, ys in lines], axis=0)


def _spec_lines(result, group: str) -> list[tuple[np.ndarray, np.ndarray]]:
    spec = rt_logp_spec(result, group)
    return [
        (np.asarray(t["x"], float), np.asarray(t["y"], float))
        for t in spec["data"]
        if t.get("mode") == "lines" and t.get("visible") and "model" in str(t.get("name", ""))
    ]


@pytest.mark.slow
def test_a_bent_table_has_bent_lines_with_their_centres(bent):
    groups = _bent_groups(bent)
    assert "GT1" in groups
    for report in bent.models:
        if report.curvature is None:
            assert report.centres == {}
        assert report.to_dict()["centres"] == report.centres


@pytest.mark.slow
def test_the_web_chart_draws_each_bent_line_as_fitted_one_per_track(bent):
    checked = 0
    for group in _bent_groups(bent):
        rows = _predicted(bent, group)
        if len(rows) < 5:  # groups on the pooled line
            continue
        lines = _spec_lines(bent, group)
        assert lines, group
        assert _distance(rows, lines).max() < ON_LINE, group
        # the drawn line bends: its middle is off the chord between its ends
        xs, ys = lines[0]
        chord = ys[0] + (ys[-1] - ys[0]) * (xs - xs[0]) / (xs[-1] - xs[0])
        assert np.abs(ys - chord).max() > 0.1, group
        checked += 1
    assert checked >= 3
    # GT1's two isomer tracks: a line each, both curved, labelled with the track
    spec = rt_logp_spec(bent, "GT1")
    names = [t["name"] for t in spec["data"] if t.get("mode") == "lines" and t.get("visible")]
    tracks = [n for n in names if "track" in n]
    assert len(tracks) == 2 and all("(LogP" in n for n in tracks), names


def test_the_straight_line_would_miss_the_ends(bent):
    """What the chart drew before: slope·LogP + intercept, most of a minute off at the ends."""
    report = next(m for m in bent.models if m.model_id == "group:GT1")
    rows = _predicted(bent, "GT1")
    x = rows["log_p"].to_numpy(float)
    straights = [
        (np.sort(x), report.slope * np.sort(x) + value) for value, _se in report.intercepts.values()
    ]
    assert _distance(rows, straights).max() > 0.3


def test_the_pdf_draws_the_same_lines_without_zigzag(bent):
    comp = bent.compounds
    for group in ("GT1", "GM1+OAc", "GD3+OAc"):
        frame = comp[comp["group_key"].astype(str) == group].dropna(subset=["rt", "log_p"])
        ax = Figure().subplots()
        pdf._rt_panel(ax, group, frame, bent.models)
        lines = [
            (np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
            for line in ax.lines
        ]
        assert lines, group
        for xs, _ys in lines:
            assert np.all(np.diff(xs) > 0), "a line goes back and forth in Log P"
        rows = _predicted(bent, group)
        assert _distance(rows, lines).max() < ON_LINE, group
        if group == "GT1":
            assert len(lines) == 2


@pytest.mark.slow
def test_the_pdf_of_a_bent_table_is_written(bent):
    assert pdf.pdf_bytes(bent)[:5] == b"%PDF-"
