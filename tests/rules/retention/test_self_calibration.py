"""Self-calibration: a file with fewer than two anchors is checked against its own peaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.rules.retention._self_calibration import calibration_peaks
from ganglioside.simulate import simulate


@pytest.fixture(scope="module")
def without_anchors():
    sim = simulate(3)
    return sim, analyze(sim.table.drop(columns="Anchor"))


@pytest.mark.slow
def test_no_row_is_left_unverified_and_every_line_says_it_is_self_calibrated(without_anchors):
    _, result = without_anchors
    c = result.compounds
    predicted = c["status"] != "invalid"
    # a row is unverified only where ±1.96 decision SDs are too wide to catch a wrong name
    unverified = c[predicted & (c["status"] == "unverified")]
    assert len(unverified) <= 0.02 * predicted.sum()
    # the rule reads the decision SD (residual / z), not the calibrated pi_low/pi_high
    half_95 = (unverified["residual"] / unverified["z"]).abs() * 1.959964
    assert (half_95 > 1.0).all()
    assert unverified["reasons"].str.contains("could not have caught a wrong name").all()
    assert set(c.loc[predicted, "model_level"]) == {"self_calibrated"}
    assert c.loc[predicted, "evidence"].str.contains("calibration:self").all()
    assert any("calibrated on the file's own peaks" in w for w in result.warnings)
    for report in result.models:
        assert report.calibration["source"] == "self"
        assert report.calibration["n_kept"] <= report.calibration["n_peaks"]
        assert report.to_dict()["calibration"]["source"] == "self"


def test_misannotations_are_still_found_without_anchors(without_anchors):
    sim, result = without_anchors
    truth = sim.truth["label"].to_numpy()
    status = result.compounds["status"].astype(str).to_numpy()
    found = (status == "outlier") & (truth == "outlier")
    assert found.sum() >= 0.8 * (truth == "outlier").sum()
    assert ((status == "outlier") & (truth == "valid")).sum() <= 0.02 * (truth == "valid").sum()


def test_anchored_files_keep_their_anchor_lines():
    result = analyze(simulate(3).table)
    assert "self_calibrated" not in set(result.compounds["model_level"].astype(str))
    assert not result.compounds["evidence"].str.contains("calibration:").any()
    assert all(r.calibration == {"source": "anchors"} for r in result.models)


def test_self_calibration_can_be_turned_off():
    result = analyze(simulate(3).table.drop(columns="Anchor"), {"self_calibrate": False})
    assert set(result.compounds["status"].astype(str)) == {"unverified", "fragment"}
    assert (result.compounds["model_level"] == "").all()


def test_the_intervals_are_wider_than_the_kept_peaks_scatter():
    rng = np.random.default_rng(0)
    x = np.tile(np.linspace(1, 6, 20), 3)
    group = np.repeat(np.arange(3), 20)
    y = 1.4 * x + group * 2.0 + rng.normal(0, 0.05, x.size)
    y[[3, 25, 47]] += 1.0  # three misannotations
    mask, info = calibration_peaks(
        x, y, group, np.zeros(x.size, dtype=np.int64), np.ones(x.size, dtype=bool), 0.01
    )
    assert not mask[[3, 25, 47]].any()
    assert mask.sum() >= 54
    assert info.slope == pytest.approx(1.4, abs=0.02)
    assert info.scale == pytest.approx(0.05, abs=0.02)
    assert info.set_aside == pytest.approx(1 - mask.sum() / 60)
    assert info.inflation > 1.0


def test_too_few_peaks_leave_the_rows_unverified():
    table = pd.DataFrame(
        {"Name": ["GM3(36:1;O2)", "GD1(36:1;O2)"], "RT": [10.6, 9.5], "Volume": [1e5, 2e5]}
    )
    result = analyze(table)
    assert (result.compounds["status"] == "unverified").all()
