"""The report of a large table: points budget, density layers, capped tables, size."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from ganglioside.report import report_html
from ganglioside.report.density import (
    OVERVIEW_POINTS,
    REVIEW_ORDER,
    RT_POINTS,
    WEBGL_POINTS,
    box_trace,
    density_trace,
    pick_rows,
    review_rank,
    shares,
)
from ganglioside.report.plots import (
    POINT_STYLES,
    observed_predicted_figure,
    residual_figure,
    rt_logp_figure,
)

# -- choosing the rows drawn one by one -------------------------------------------------------


def test_shares_split_a_budget_evenly_and_give_back_what_a_small_part_cannot_use():
    assert shares([10, 1000, 5, 2000], 100) == [10, 42, 5, 43]
    assert shares([3, 3, 3], 100) == [3, 3, 3]
    assert shares([], 10) == []
    assert sum(shares([7, 900, 40], 50)) == 50


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    status = np.array(["valid"] * n, dtype=object)
    status[:50] = "outlier"
    status[50:80] = "fragment"
    anchor = np.zeros(n, dtype=bool)
    anchor[80:100] = True
    warnings = np.array([""] * n, dtype=object)
    warnings[100:130] = "track_inferred"
    return pd.DataFrame(
        {
            "row": np.arange(1, n + 1),
            "status": status,
            "is_anchor": anchor,
            "warnings": warnings,
            "z": rng.normal(0, 1, n) + np.where(status == "outlier", np.arange(n) % 50 + 3, 0),
            "group_key": np.where(np.arange(n) % 10 == 0, "GM1", "GD1"),
        }
    )


def test_review_rank_orders_the_kinds_of_rows_to_review():
    frame = _frame(200)
    rank = review_rank(frame)
    assert rank[0] == REVIEW_ORDER.index("outlier")
    assert rank[60] == REVIEW_ORDER.index("fragment")
    assert rank[90] == REVIEW_ORDER.index("anchor")
    assert rank[110] == REVIEW_ORDER.index("warning")
    assert rank[150] == len(REVIEW_ORDER)


def test_pick_rows_keeps_everything_that_fits():
    assert pick_rows(_frame(200), 200).all()


def test_pick_rows_shares_the_budget_between_kinds_and_takes_the_worst_outliers():
    frame = _frame(1000)
    mask = pick_rows(frame, 100)
    assert mask.sum() == 100
    picked = frame[mask]
    # Five kinds present (outlier, fragment, anchor, warning, other): 20 each.
    rank = review_rank(picked)
    assert np.bincount(rank, minlength=len(REVIEW_ORDER) + 1).tolist() == [20, 0, 0, 20, 20, 20, 20]
    outliers = frame[frame["status"] == "outlier"]
    worst = outliers["z"].abs().sort_values(ascending=False).index[:20]
    assert set(worst) == set(picked[picked["status"] == "outlier"].index)


def test_pick_rows_gives_every_group_its_share():
    frame = _frame(1000)
    mask = pick_rows(frame, 100, frame["group_key"])
    counts = frame[mask]["group_key"].value_counts()
    assert counts.to_dict() == {"GD1": 50, "GM1": 50}


# -- density layers ----------------------------------------------------------------------------


def test_the_density_grid_counts_every_row_once():
    rng = np.random.default_rng(1)
    x = pd.Series(rng.normal(0, 1, 5000))
    y = pd.Series(rng.normal(10, 2, 5000))
    x[:3] = np.nan  # rows without a value are not counted
    trace = density_trace(x, y, "density")
    assert trace["type"] == "heatmap"
    z = np.asarray(trace["z"], dtype=float)
    assert z.shape == (30, 40)
    assert np.nansum(z) == 4997
    assert np.isnan(z).any()  # empty cells stay transparent
    scale = trace["colorscale"]
    assert scale[0][0] == 0.0 and scale[-1][0] == 1.0
    assert go.Heatmap(trace).z.shape == (30, 40)  # a valid Plotly trace


def test_the_boxes_summarise_each_category():
    groups = pd.Series(["GD1"] * 101 + ["GM1"] * 11)
    values = pd.Series(list(range(101)) + list(range(11)))
    trace = go.Box(box_trace(groups, values, "other rows"))
    assert list(trace.x) == ["GD1", "GM1"]
    assert list(trace.median) == [50.0, 5.0]
    assert list(trace.q1) == [25.0, 2.5] and list(trace.upperfence) == [95.0, 9.5]


# -- figures and report of a large table -------------------------------------------------------


def _drawn_points(fig) -> int:
    return sum(len(t.x) for t in fig.data if t.legendgroup in POINT_STYLES)


@pytest.mark.slow
def test_large_figures_draw_at_most_their_budget_and_aggregate_the_rest(large_analysis):
    rt = rt_logp_figure(large_analysis)
    assert _drawn_points(rt) <= RT_POINTS
    assert any(isinstance(t, go.Heatmap) for t in rt.data)
    assert "3,000 of" in rt.layout.meta["aggregated"]
    # Every group's view keeps points drawn one by one.
    for button in rt.layout.updatemenus[0].buttons:
        shown = [t for t, v in zip(rt.data, button.args[0]["visible"], strict=True) if v]
        assert any(t.legendgroup in POINT_STYLES for t in shown), button.label
    for fig, density in (
        (observed_predicted_figure(large_analysis), go.Heatmap),
        (residual_figure(large_analysis), go.Box),
    ):
        assert _drawn_points(fig) <= OVERVIEW_POINTS
        assert any(isinstance(t, density) for t in fig.data)
        assert "drawn one by one" in fig.layout.meta["aggregated"]
        assert any(isinstance(t, go.Scattergl) for t in fig.data) == (
            max(len(t.x) for t in fig.data if t.legendgroup in POINT_STYLES) > WEBGL_POINTS
        )


@pytest.mark.slow
def test_the_worst_outliers_of_a_large_table_are_drawn(large_analysis):
    fig = residual_figure(large_analysis)
    drawn = [z for t in fig.data if t.legendgroup == "outlier" for z in t.y]
    compounds = large_analysis.compounds
    worst = compounds.loc[compounds["status"] == "outlier", "z"].abs().max()
    assert max(abs(z) for z in drawn) == pytest.approx(worst)


@pytest.mark.slow
def test_the_report_of_a_large_table_stays_small_and_says_what_it_aggregated(large_analysis):
    page = report_html(large_analysis, files=("compounds.csv", "fragments.csv", "report.html"))
    assert len(page.encode("utf-8")) < 10_000_000
    about = page[page.index("<h3>About this report</h3>") : page.index('<section id="rt-model">')]
    assert "RT against Log P: 3,000 of 12,920 rows drawn one by one" in about
    assert "Rows to review: the first 500 of" in about
    assert "In-source fragment events: the first 500 of" in about and "fragments.csv" in about
    assert 'id="all-rows"' not in page
    assert page.count("Plotly.newPlot") == 6
    assert page.count("plotly.js v") == 1  # plotly.js embedded once


@pytest.mark.slow
def test_a_small_table_draws_every_row(sample_analysis):
    for fig in (
        rt_logp_figure(sample_analysis),
        observed_predicted_figure(sample_analysis),
        residual_figure(sample_analysis),
    ):
        assert not fig.layout.meta["aggregated"]
        assert not any(isinstance(t, go.Heatmap | go.Box) for t in fig.data)
    scored = json.loads(rt_logp_figure(sample_analysis).to_json())
    assert not any(t["type"] == "scattergl" for t in scored["data"])
