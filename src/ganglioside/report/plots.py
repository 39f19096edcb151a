"""Plotly figures of an analysis.

Each ``*_figure`` function takes an :class:`~ganglioside.AnalysisResult` and returns a Plotly
``Figure``; nothing is drawn or written here, so the figures can be tested, shown in a notebook,
or used by the web pages.  Each is built from a plain figure dictionary (``*_spec``: ``data``
and ``layout`` as plotly.js reads them, numbers in numpy arrays), which the HTML report embeds
directly (:mod:`ganglioside.report.figure_json`): building Plotly's objects costs more than
the rest of the report, so the report never does.

Point styles, hover labels and marker traces are in :mod:`ganglioside.report.points`
(importable from here, as before); every text from the data is escaped before it reaches a label.

Large tables stay light: each point figure draws at most a budget of rows one by one (the rows
to review first) and the others as a density (:mod:`ganglioside.report.density`); the figure's
``layout.meta["aggregated"]`` then says what was aggregated, in words.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..result import AnalysisResult
from .abundance import natural_key
from .abundance_plots import abundance_figure, abundance_spec
from .density import (
    OVERVIEW_POINTS,
    RT_POINTS,
    aggregation_note,
    aggregation_of,
    box_trace,
    density_trace,
    pick_rows,
)
from .figure_json import Spec, figure, trace
from .model_lines import model_curves
from .points import (
    _FONT,
    _TEMPLATE,
    CATEGORY_COLORS,
    POINT_STYLES,
    _empty_spec,
    _finite,
    _labels,
    _point_traces,
    esc,
    hover_labels,
    point_class,
)

__all__ = [
    "CATEGORY_COLORS",
    "POINT_STYLES",
    "abundance_figure",
    "all_figures",
    "esc",
    "hover_labels",
    "observed_predicted_figure",
    "point_class",
    "residual_figure",
    "rt_groups",
    "rt_logp_figure",
    "spec_builders",
]

_BAND_FILL = "rgba(0, 114, 178, 0.16)"
_BAND_LINE = "rgba(0, 114, 178, 0.55)"
_LINE_COLORS = ("#0072B2", "#CC79A7", "#56B4E9", "#F0E442")

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go


# -- RT against Log P ------------------------------------------------------------------------


def rt_groups(analysis: AnalysisResult) -> list[str]:
    """RT-model groups that have rows to plot, in Svennerholm order."""
    comp = analysis.compounds
    usable = _finite(comp["rt"]) & _finite(comp["log_p"]) & comp["group_key"].notna()
    keys = {str(k) for k in comp.loc[usable, "group_key"] if str(k)}
    return sorted(keys, key=natural_key)


#: Columns read by the RT plots (the web pages load only these).
RT_PLOT_COLUMNS: tuple[str, ...] = (
    "row", "name", "rt", "log_p", "is_anchor", "status", "group_key", "predicted_rt",
    "residual", "z", "pi_low", "pi_high", "isomer_track", "model_id", "model_level", "reasons",
    "fragment_parent", "fragment_lost", "neuac", "neugc", "hex", "hexnac", "dhex", "oac",
)  # fmt: skip


def _line_traces(analysis: AnalysisResult, group: str, rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The lines of the model reports, drawn over the Log P range of the group's rows."""
    return [
        trace(
            "scatter", x=xs, y=ys, mode="lines", name=label,
            line={"color": _LINE_COLORS[i % len(_LINE_COLORS)], "width": 2}, hoverinfo="name",
        )
        # One row per model and track is enough to choose the lines (and is much faster).
        for i, (label, xs, ys) in enumerate(model_curves(analysis.models, group, rows))
    ]  # fmt: skip


def _interval_trace(analysis: AnalysisResult, rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Each row's predicted RT (tick) and calibrated 95 % prediction interval (bar: ``pi_low``
    to ``pi_high``; the outlier test |z| ≥ ``outlier_z`` is a wider band).  Predictions are per row
    (isomer track, leverage, group correction), so a bar per row is exact where a shaded band
    between neighbouring rows would zigzag."""
    scored = rows[
        _finite(rows["predicted_rt"]) & _finite(rows["pi_low"]) & _finite(rows["pi_high"])
    ]
    if scored.empty:
        return []
    predicted = scored["predicted_rt"].to_numpy(float)
    bar = {
        "type": "data", "symmetric": False,
        "array": scored["pi_high"].to_numpy(float) - predicted,
        "arrayminus": predicted - scored["pi_low"].to_numpy(float),
        "color": _BAND_FILL, "thickness": 8, "width": 0,
    }  # fmt: skip
    tick = {"symbol": "line-ew", "size": 12, "color": _BAND_LINE,
            "line": {"width": 2, "color": _BAND_LINE}}  # fmt: skip
    name = "predicted RT and 95 % prediction interval"
    return [
        trace(
            "scatter", x=scored["log_p"].to_numpy(float), y=predicted, mode="markers",
            name=name, marker=tick, error_y=bar, hoverinfo="skip",
        )
    ]  # fmt: skip


def _link_traces(rows: pd.DataFrame, by_row: pd.DataFrame, group: str) -> list[dict[str, Any]]:
    """Fragment → parent links.  The parent may belong to another group: it is then shown as
    a ring."""
    link_x, link_y, outside = _fragment_links(rows, by_row, group)
    traces = []
    if link_x:
        line = {"color": POINT_STYLES["fragment"].color, "width": 1.2, "dash": "dot"}
        traces.append(
            trace("scatter", x=link_x, y=link_y, mode="lines", name="fragment → parent",
                  line=line, hoverinfo="skip")
        )  # fmt: skip
    if outside:
        ring = by_row[by_row["row"].isin(outside)]
        marker = {"symbol": "circle-open", "size": 12, "color": POINT_STYLES["fragment"].color,
                  "line": {"width": 1.5}}  # fmt: skip
        traces.append(
            trace(
                "scatter", x=ring["log_p"].to_numpy(float), y=ring["rt"].to_numpy(float),
                mode="markers", name="parent (other group)", marker=marker,
                hovertext=_labels(ring), hovertemplate="%{hovertext}<extra></extra>",
            )
        )  # fmt: skip
    return traces


def _group_traces(
    analysis: AnalysisResult, group: str, members: pd.DataFrame, by_row: pd.DataFrame
) -> list[dict[str, Any]]:
    """Traces of one group; ``members`` are the group's rows, ``by_row`` every row by number.

    Where ``members`` has a ``_drawn`` column, only those rows are drawn one by one (with their
    prediction interval and fragment link); the others are drawn as a density.
    """
    every = members[_finite(members["rt"]) & _finite(members["log_p"])]
    drawn = every["_drawn"].to_numpy(dtype=bool) if "_drawn" in every.columns else None
    rows = every if drawn is None else every[drawn]
    traces: list[dict[str, Any]] = []
    if drawn is not None and not drawn.all():
        rest = every[~drawn]
        traces.append(density_trace(rest["log_p"], rest["rt"], f"density of {len(rest):,} rows"))
    traces += _line_traces(analysis, group, every)
    traces += _interval_trace(analysis, rows)
    traces += _link_traces(rows, by_row, group)
    traces += _point_traces(rows, "log_p", "rt")
    return traces


def _fragment_links(
    rows: pd.DataFrame, by_row: pd.DataFrame, group: str
) -> tuple[list[float | None], list[float | None], list[int]]:
    """Segments from each fragment among ``rows`` to its parent (x and y with a None between
    segments), and the parents' rows that belong to another group."""
    frags = rows[(rows["status"].astype(str) == "fragment") & rows["fragment_parent"].notna()]
    if frags.empty:
        return [], [], []
    where = pd.Index(by_row["row"]).get_indexer(frags["fragment_parent"].astype("int64"))
    found = where >= 0
    parents = by_row.iloc[where[found]]
    ends = np.column_stack(
        [
            frags["log_p"].to_numpy(float)[found],
            frags["rt"].to_numpy(float)[found],
            parents["log_p"].to_numpy(float),
            parents["rt"].to_numpy(float),
        ]
    )
    usable = np.isfinite(ends[:, 2]) & np.isfinite(ends[:, 3])
    link_x: list[float | None] = []
    link_y: list[float | None] = []
    for x0, y0, x1, y1 in ends[usable]:
        link_x += [x0, x1, None]
        link_y += [y0, y1, None]
    other = parents["group_key"].astype(str).to_numpy() != group
    outside = sorted({int(r) for r in parents["row"].to_numpy()[usable & other]})
    return link_x, link_y, outside


def _group_title(group: str, rows: pd.DataFrame) -> str:
    levels = sorted({str(v) for v in rows["model_level"].dropna().unique() if str(v)})
    anchors = int(rows["is_anchor"].astype("boolean").fillna(False).sum())
    level = ", ".join(levels) if levels else "no model"
    drawn = ""
    if "_drawn" in rows.columns and not rows["_drawn"].all():
        drawn = f" ({int(rows['_drawn'].sum()):,} drawn one by one, the rest as density)"
    return (
        f"RT against Log P: <b>{esc(group)}</b>"
        f"<br><sup>{len(rows):,} rows{drawn}, {anchors:,} anchors, "
        f"model level: {esc(level)}</sup>"
    )


def _rt_members(analysis: AnalysisResult) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], str]:
    """The rows drawn (``_drawn`` and ``_hover`` columns added), split by group, and the note
    on what was aggregated."""
    comp = analysis.compounds
    # Only the columns drawn, split by group once: filtering the wide frame per group is slow.
    slim = comp[[c for c in RT_PLOT_COLUMNS if c in comp.columns]].copy()
    if "warnings" in comp.columns:  # rows with warnings are among those to review
        slim["warnings"] = comp["warnings"]
    usable = (_finite(slim["rt"]) & _finite(slim["log_p"])).to_numpy(dtype=bool)
    picked = np.zeros(len(slim), dtype=bool)
    picked[usable] = pick_rows(slim[usable], RT_POINTS, slim.loc[usable, "group_key"])
    slim["_drawn"] = picked
    slim["_class"] = point_class(slim)
    slim["_hover"] = ""
    slim.loc[picked, "_hover"] = hover_labels(slim[picked])
    note = aggregation_note(
        "RT against Log P", aggregation_of(slim[usable], picked[usable]), "density grid"
    )
    keys = slim["group_key"].astype(str)
    members = {str(g): part for g, part in slim.groupby(keys, sort=False, observed=True)}
    return slim, members, note


def _first_group(analysis: AnalysisResult, groups: list[str]) -> str:
    """The best-supported group: most anchors, then most rows."""
    comp = analysis.compounds
    keys = comp["group_key"].astype(str)
    anchors = comp["is_anchor"].astype("boolean").fillna(False).astype(bool)
    n_anchors = keys[anchors].value_counts()
    sizes = keys.value_counts()
    return max(
        groups, key=lambda g: (int(n_anchors.get(g, 0)), int(sizes.get(g, 0)), -groups.index(g))
    )


def _group_menu(
    groups: list[str], spans: dict[str, tuple[int, int]], members: dict[str, pd.DataFrame],
    shown: str, n_traces: int,
) -> dict[str, Any]:  # fmt: skip
    """Layout of the dropdown that shows one group's traces at a time."""
    buttons = []
    for g in groups:
        start, stop = spans[g]
        title = {"title.text": _group_title(g, members[g]), "xaxis.autorange": True,
                 "yaxis.autorange": True}  # fmt: skip
        buttons.append(
            {
                "label": f"{esc(g)} ({len(members[g])})",
                "method": "update",
                "args": [{"visible": [start <= i < stop for i in range(n_traces)]}, title],
            }
        )
    menu = {
        "buttons": buttons, "active": groups.index(shown), "direction": "down", "x": 1.0,
        "xanchor": "right", "y": 1.16, "yanchor": "top", "showactive": True, "bgcolor": "white",
    }  # fmt: skip
    label = {
        "text": "RT-model group:", "x": 1.0, "xref": "paper", "y": 1.21, "yref": "paper",
        "xanchor": "right", "showarrow": False, "font": {"size": 12, "color": "#555"},
    }  # fmt: skip
    return {"updatemenus": [menu], "annotations": [label]}


def rt_logp_spec(analysis: AnalysisResult, group: str | None = None) -> Spec:
    """The figure dictionary of :func:`rt_logp_figure`."""
    groups = rt_groups(analysis)
    if not groups:
        return _empty_spec("RT against Log P", "No row has both an RT and a Log P.")
    slim, members, note = _rt_members(analysis)
    by_row = slim.drop_duplicates("row")
    if group is None or group not in groups:
        group = _first_group(analysis, groups)
    traces: list[dict[str, Any]] = []
    spans: dict[str, tuple[int, int]] = {}
    for g in groups:
        start = len(traces)
        traces += _group_traces(analysis, g, members[g], by_row)
        spans[g] = (start, len(traces))
        for item in traces[start:]:
            item["visible"] = g == group
    layout = {
        "title": {"text": _group_title(group, members[group]), "x": 0.01, "xanchor": "left"},
        "xaxis": {"title": {"text": "Log P"}},
        "yaxis": {"title": {"text": "Retention time (min)"}},
        "template": _TEMPLATE,
        "font": _FONT,
        "height": 600,
        "margin": {"t": 110, "r": 20},
        "legend": {"orientation": "v", "x": 1.02, "y": 1, "bgcolor": "rgba(255,255,255,0.8)"},
        "hoverlabel": {"align": "left"},
        "meta": {"groups": groups, "aggregated": note},
    }
    if len(groups) > 1:
        layout.update(_group_menu(groups, spans, members, group, len(traces)))
    return {"data": traces, "layout": layout}


def rt_logp_figure(analysis: AnalysisResult, group: str | None = None) -> go.Figure:
    """Retention time against Log P, one view per RT-model group.

    Rows are coloured and shaped by status; the model line(s) and the prediction band of the
    group are drawn; fragments are joined to their parent by a dotted segment.  With more than
    one group, a dropdown selects the group shown (usable with dozens of groups).  In a large
    table each group draws its share of :data:`~ganglioside.report.density.RT_POINTS` rows one
    by one (the rows to review first) and the others as a density grid.

    Parameters
    ----------
    analysis:
        The analysis to draw.
    group:
        Group shown first; by default the group with the most anchors (then the most rows).
    """
    return figure(rt_logp_spec(analysis, group))


# -- overviews --------------------------------------------------------------------------------


def _subtitle(note: str) -> str:
    """A second title line when a figure aggregated rows (the report says how many)."""
    return "<br><sup>rows to review drawn one by one, the others aggregated</sup>" if note else ""


def observed_predicted_spec(analysis: AnalysisResult) -> Spec:
    """The figure dictionary of :func:`observed_predicted_figure`."""
    comp = analysis.compounds
    # Fragments are left out: they sit at their parent's RT by nature, far from their own line.
    scored = _finite(comp["rt"]) & _finite(comp["predicted_rt"])
    rows = comp[scored & (comp["status"].astype(str) != "fragment")]
    title = "Observed against predicted retention time"
    if rows.empty:
        return _empty_spec(title, "No row was scored by an RT model.")
    lo = float(min(rows["rt"].min(), rows["predicted_rt"].min()))
    hi = float(max(rows["rt"].max(), rows["predicted_rt"].max()))
    pad = 0.03 * (hi - lo) + 0.05
    diagonal = trace(
        "scatter",
        x=[lo - pad, hi + pad],
        y=[lo - pad, hi + pad],
        mode="lines",
        name="observed = predicted",
        line={"color": "#999", "dash": "dash", "width": 1},
        hoverinfo="skip",
    )
    picked = pick_rows(rows, OVERVIEW_POINTS)
    traces: list[dict[str, Any]] = [diagonal]
    note = ""
    if not picked.all():
        rest = rows[~picked]
        name = f"density of {len(rest):,} other rows"
        traces.append(density_trace(rest["predicted_rt"], rest["rt"], name))
        note = aggregation_note(title, aggregation_of(rows, picked), "density grid")
    layout = {
        "title": {"text": title + _subtitle(note), "x": 0.01, "xanchor": "left"},
        "xaxis": {"title": {"text": "Predicted RT (min)"}},
        "yaxis": {"title": {"text": "Observed RT (min)"}, "scaleanchor": "x", "scaleratio": 1},
        "template": _TEMPLATE,
        "font": _FONT,
        "height": 520,
        "hoverlabel": {"align": "left"},
        "meta": {"aggregated": note},
    }
    return {"data": [*traces, *_point_traces(rows[picked], "predicted_rt", "rt")], "layout": layout}


def observed_predicted_figure(analysis: AnalysisResult) -> go.Figure:
    """Observed against predicted retention time for every row the RT model scored.

    In-source fragments are not shown (they are drawn with their parent in
    :func:`rt_logp_figure`).  A large table draws
    :data:`~ganglioside.report.density.OVERVIEW_POINTS` rows one by one and the others as a
    density grid.
    """
    return figure(observed_predicted_spec(analysis))


def residual_spec(analysis: AnalysisResult) -> Spec:
    """The figure dictionary of :func:`residual_figure`."""
    comp = analysis.compounds
    scored = _finite(comp["z"]) & comp["group_key"].notna()
    rows = comp[scored & (comp["status"].astype(str) != "fragment")].copy()
    title = "Standardised residual (z) by RT-model group"
    if rows.empty:
        return _empty_spec(title, "No row has a z score.")
    order = sorted({str(g) for g in rows["group_key"]}, key=natural_key)
    rows["group_key"] = rows["group_key"].astype(str)
    picked = pick_rows(rows, OVERVIEW_POINTS, rows["group_key"])
    traces: list[dict[str, Any]] = []
    note = ""
    if not picked.all():
        rest = rows[~picked]
        traces.append(box_trace(rest["group_key"], rest["z"], f"{len(rest):,} other rows"))
        note = aggregation_note(title, aggregation_of(rows, picked), "boxes (quartiles, 5–95 %)")
    threshold = analysis.config.outlier_z
    lines = [
        {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": level,
         "y1": level, "line": {"color": POINT_STYLES["outlier"].color, "dash": "dash"}}
        for level in (threshold, -threshold)
    ]  # fmt: skip
    layout = {
        "title": {"text": title + _subtitle(note), "x": 0.01, "xanchor": "left"},
        "xaxis": {"title": {"text": "RT-model group"}, "categoryorder": "array",
                  "categoryarray": order, "tickangle": -45},
        "yaxis": {"title": {"text": "z"}},
        "template": _TEMPLATE,
        "font": _FONT,
        "height": 480,
        "hoverlabel": {"align": "left"},
        "shapes": lines,
        "meta": {"aggregated": note},
    }  # fmt: skip
    return {"data": [*traces, *_point_traces(rows[picked], "group_key", "z")], "layout": layout}


def residual_figure(analysis: AnalysisResult) -> go.Figure:
    """z of every scored row (fragments aside), by RT-model group, with the outlier threshold.

    A large table draws :data:`~ganglioside.report.density.OVERVIEW_POINTS` rows one by one
    and the others as one box per group.
    """
    return figure(residual_spec(analysis))


def spec_builders(
    tables: dict[str, pd.DataFrame] | None = None,
) -> dict[str, Callable[[AnalysisResult], Spec]]:
    """The function that makes each figure dictionary of the report, keyed by a short id (used
    as the HTML element id), in the order of the report; ``tables``: abundance tables by level
    that the caller made already."""
    tables = tables or {}
    return {
        "rt-logp": rt_logp_spec,
        "observed-predicted": observed_predicted_spec,
        "residuals": residual_spec,
        **{
            f"abundance-{by}": partial(abundance_spec, by=by, table=tables.get(by))
            for by in ("category", "headgroup", "ceramide")
        },
    }


def all_figures(analysis: AnalysisResult) -> dict[str, Any]:
    """Every figure of the report as a Plotly ``Figure``, keyed by a short id."""
    return {key: figure(build(analysis)) for key, build in spec_builders().items()}
