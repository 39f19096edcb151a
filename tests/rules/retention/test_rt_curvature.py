"""A bent RT line: RT quadratic in Log P when leave-one-out prediction says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.rules.retention import _curvature
from ganglioside.simulate import SimulationArgumentError, simulate

BEND = -0.06  # min per squared Log P unit: short and long chains fall below the line


def false_outliers(sim, result) -> int:
    status = result.compounds["status"].astype(str).to_numpy()
    return int(((status == "outlier") & (sim.truth["label"].to_numpy() != "outlier")).sum())


@pytest.mark.slow
@pytest.mark.parametrize("seed", [5, 7])
def test_a_bent_table_is_fitted_with_a_bend_and_false_outliers_drop(seed, monkeypatch):
    sim = simulate(seed, rt_curvature=BEND)
    bent = analyze(sim.table)
    used = [m for m in bent.models if m.curvature is not None]
    assert used, "no line bends"
    for report in used:
        assert report.curvature == pytest.approx(BEND, abs=0.015)
        assert report.curvature_se is not None and 0 < report.curvature_se < 0.015
    assert any("the line bends" in w for m in used for w in m.warnings)
    assert any("these lines bend" in w for w in bent.warnings)
    with monkeypatch.context() as m:  # the same table with straight lines only
        m.setattr(_curvature, "MIN_ANCHORS", 10**9)
        straight = analyze(sim.table)
    assert all(r.curvature is None for r in straight.models)
    assert false_outliers(sim, bent) <= false_outliers(sim, straight) - 4
    assert false_outliers(sim, bent) <= 6


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 5, 7, 11])
def test_a_straight_table_uses_no_bend(seed):
    result = analyze(simulate(seed).table)
    assert all(m.curvature is None and m.curvature_se is None for m in result.models)
    assert not any("bend" in w for w in result.warnings)


def test_a_bent_lines_leverage_includes_the_quadratic_column():
    """The leverage of a new Log P on a bent line equals x0 (X'X)⁻¹ x0' of the quadratic
    design, so prediction intervals widen for the extra parameter (most at the ends)."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(1.0, 8.0, 12))
    y = 2.0 + 1.3 * x - 0.05 * (x - x.mean()) ** 2 + rng.normal(0, 0.02, x.size)
    unit = np.zeros(x.size, dtype=np.int64)
    centre = np.array([x.mean()])
    fit, _, cut = _curvature.fit_bent_lines((x, y, unit), np.arange(x.size), centre, (0.01, 2, 0.1))
    assert cut is not None and cut > 0.5
    design = np.column_stack([np.ones(x.size), x, (x - x.mean()) ** 2])
    inverse = np.linalg.inv(design.T @ design)
    mxx, mxq, mqq = fit.bend_cov
    for x0 in (0.0, x.mean(), 9.0):
        dx, dq = x0 - fit.xbar[0], (x0 - fit.xbar[0]) ** 2 - fit.qbar[0]
        ours = 1 / x.size + mxx * dx**2 + 2 * mxq * dx * dq + mqq * dq**2
        row = np.array([1.0, x0, (x0 - x.mean()) ** 2])
        assert ours == pytest.approx(float(row @ inverse @ row), rel=1e-9)
        straight = 1 / x.size + (x0 - x.mean()) ** 2 / float(((x - x.mean()) ** 2).sum())
        assert ours >= straight - 1e-12
    assert fit.curvature == pytest.approx(-0.05, abs=0.01)


def test_the_curvature_option_leaves_default_tables_unchanged_and_is_checked():
    pd.testing.assert_frame_equal(simulate(3).table, simulate(3, rt_curvature=None).table)
    assert not simulate(3, rt_curvature=BEND).table["RT"].equals(simulate(3).table["RT"])
    with pytest.raises(SimulationArgumentError, match="rt_curvature"):
        simulate(3, rt_curvature=float("inf"))


@pytest.mark.slow
def test_a_bent_calibration_is_saved_and_applied_to_a_later_run():
    sim = simulate(5, rt_curvature=BEND)
    standards = analyze(sim.table)
    bent_lines = [g for g in standards.calibration["model"]["groups"].values() if g.get("bend")]
    assert bent_lines and all(g["bend"]["curvature"] < 0 for g in bent_lines)
    later = sim.table.drop(columns="Anchor").copy()
    later["RT"] = (0.3 + later["RT"]).round(3)
    result = analyze(later, calibration=standards.calibration)
    status = result.compounds["status"].astype(str).to_numpy()
    before = standards.compounds["status"].astype(str).to_numpy()
    assert (status == before).mean() >= 0.95
