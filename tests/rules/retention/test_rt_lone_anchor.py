"""A lone anchor pins its group's intercept; an anchor its group disagrees with is flagged."""

from __future__ import annotations

import numpy as np
import pytest

from ganglioside import analyze
from ganglioside.simulate import simulate
from tests.rules.retention.test_retention_model import SLOPE, fit, frame, on_line, predict

PEAKS = (2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0)


def lone_anchor_frame(anchor_offset: float):
    """GM1 with six exact anchors; GD1 with eight peaks on y = 1.36 x + 5 and one anchor
    ``anchor_offset`` min off that line."""
    gd1 = [*on_line(5.0, xs=PEAKS, anchor=False), (4.2, SLOPE * 4.2 + 5.0 + anchor_offset, True)]
    return frame(
        [
            {"key": "GM1", "neuac": 1, "points": on_line(2.0)},
            {"key": "GD1", "neuac": 2, "points": gd1},
        ]
    )


def test_a_lone_anchor_sets_its_groups_intercept_on_the_pooled_slope():
    data, anchors = lone_anchor_frame(1.0)
    model = fit(data, anchors, min_anchors_group_model=7)
    result = predict(model, data, anchors)
    gd1 = data["group_key"].to_numpy() == "GD1"
    anchor = np.flatnonzero(gd1 & anchors)[0]
    # the anchor sits on its own line: the peaks did not move it away
    assert abs(result.residual[anchor]) < 1e-6
    peaks = gd1 & ~anchors
    np.testing.assert_allclose(result.residual[peaks], -1.0, atol=1e-6)
    assert (np.abs(result.z[peaks]) >= 2.5).all()
    # ... but the anchor is scored against the line its group's peaks give
    assert result.anchor_z_loo[anchor] > 2.5


def test_a_lone_anchor_that_agrees_with_its_peaks_is_not_flagged():
    data, anchors = lone_anchor_frame(0.0)
    result = predict(fit(data, anchors, min_anchors_group_model=7), data, anchors)
    anchor = np.flatnonzero((data["group_key"].to_numpy() == "GD1") & anchors)[0]
    assert abs(result.anchor_z_loo[anchor]) < 1.0
    assert (np.abs(result.z) < 2.5).all()


@pytest.mark.slow
def test_in_a_table_the_lone_anchor_is_valid_passes_and_is_flagged_inconsistent():
    sim = simulate(5)
    table = sim.table.copy()
    names = table["Name"].str.replace(r"\(.*", "", regex=True)
    group = names.value_counts().index[-1]  # pick a group with several peaks, no anchor
    counts = names[table["Anchor"] == "F"].value_counts()
    anchored = set(names[table["Anchor"] == "T"])
    group = next(g for g, c in counts.items() if c >= 6 and g not in anchored)
    row = table.index[(names == group)][0]
    table.loc[row, "Anchor"] = "T"
    table.loc[row, "RT"] = table.loc[row, "RT"] + 1.5  # one standard 1.5 min off its peers
    out = analyze(table).compounds.iloc[row]
    assert out["status"] == "valid"
    assert "rt_model:pass" in out["evidence"]
    assert "anchor_inconsistent" in out["warnings"]
    assert abs(out["residual"]) < 0.05
