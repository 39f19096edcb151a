"""Plotly figures of an analysis.

Each function takes an :class:`~ganglioside.Analysis` and returns a Plotly ``Figure``;
nothing is drawn or written here, so the figures can be tested, shown in a notebook, or embedded
by :mod:`ganglioside.report.html`.

Every text that comes from the data (names, reasons) is HTML-escaped before it reaches a hover
label, because Plotly reads a subset of HTML in labels and names come from user files.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..group_keys import parse_group_key
from ..result import Analysis, ModelReport
from .abundance import abundance_table, natural_key


@dataclass(frozen=True)
class PointStyle:
    """How one kind of row is drawn."""

    label: str
    color: str
    symbol: str
    size: int
    glyph: str  # the same shape as a text character, for HTML legends


#: Point styles by class (a row's status, with valid anchors apart).  Okabe-Ito colours, and a
#: distinct symbol for each class, so the plot reads without colour too.
POINT_STYLES: dict[str, PointStyle] = {
    "anchor": PointStyle("anchor (confirmed standard)", "#0072B2", "diamond", 11, "◆"),
    "valid": PointStyle("valid", "#009E73", "circle", 9, "●"),
    "unverified": PointStyle("unverified (no model)", "#E69F00", "square", 9, "■"),
    "outlier": PointStyle("outlier", "#D55E00", "x", 11, "✖"),
    "fragment": PointStyle("in-source fragment", "#6E6E6E", "triangle-down", 10, "▼"),
    "invalid": PointStyle("invalid", "#000000", "asterisk-open", 9, "✳"),
    "istd": PointStyle("labelled internal standard", "#CC79A7", "star", 10, "★"),
}

#: Bar colours of the abundance charts, by ganglioside category.
CATEGORY_COLORS: dict[str, str] = {
    "GA": "#7f7f7f",
    "GM": "#1f77b4",
    "GD": "#ff7f0e",
    "GT": "#2ca02c",
    "GQ": "#d62728",
    "GP": "#9467bd",
}

_BAND_FILL = "rgba(0, 114, 178, 0.16)"
_BAND_LINE = "rgba(0, 114, 178, 0.55)"
_LINE_COLORS = ("#0072B2", "#CC79A7", "#56B4E9", "#F0E442")
_TEMPLATE = "plotly_white"
_FONT = {"family": "Inter, 'Segoe UI', Helvetica, Arial, sans-serif", "size": 13}


# -- helpers ---------------------------------------------------------------------------------


def esc(value: object) -> str:
    """HTML-escape a data value for a Plotly label (missing values become an empty string)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _num(value: object, spec: str) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if not np.isfinite(number) else format(number, spec)


def _finite(series: pd.Series) -> pd.Series:
    return pd.Series(
        np.isfinite(pd.to_numeric(series, errors="coerce").astype(float)), series.index
    )


def point_class(compounds: pd.DataFrame) -> pd.Series:
    """Class of each row for drawing: its status, or ``anchor`` for a valid anchor."""
    status = compounds["status"].astype(str)
    anchor = compounds["is_anchor"].astype("boolean").fillna(False).astype(bool)
    return status.where(~(anchor & (status == "valid")), "anchor")


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hover_labels(compounds: pd.DataFrame) -> list[str]:
    """One hover label per row: row, name, status, RT, Log P, prediction, z and reasons."""
    labels = []
    for rec in compounds.to_dict(orient="records"):
        flag = rec.get("is_anchor")
        # A missing flag (NaN) is truthy in Python; only a real True marks an anchor.
        anchor = " · anchor" if isinstance(flag, bool | np.bool_) and flag else ""
        lines = [
            f"<b>{esc(rec.get('name'))}</b>",
            f"row {esc(rec.get('row'))} · {esc(rec.get('status'))}{anchor}",
            f"RT {_num(rec.get('rt'), '.3f')} min · Log P {_num(rec.get('log_p'), '.2f')}",
            f"predicted {_num(rec.get('predicted_rt'), '.3f')} min · "
            f"residual {_num(rec.get('residual'), '+.3f')} · z {_num(rec.get('z'), '+.2f')}",
        ]
        track = esc(rec.get("isomer_track"))
        if track:
            lines.append(f"isomer track {track}")
        parent = rec.get("fragment_parent")
        if parent is not None and _num(parent, ".0f") != "–":
            lost = esc(rec.get("fragment_lost"))
            lines.append(f"fragment of row {_num(parent, '.0f')} {lost}".rstrip())
        reasons = str(rec.get("reasons") or "")
        if reasons and reasons != "nan":
            for reason in reasons.split(";")[:4]:
                lines.append(f"<i>{esc(_shorten(reason.strip()))}</i>")
        labels.append("<br>".join(lines))
    return labels


def _labels(frame: pd.DataFrame) -> list[str]:
    """Hover labels, taken from a precomputed ``_hover`` column when the caller made one."""
    return frame["_hover"].tolist() if "_hover" in frame.columns else hover_labels(frame)


def _empty_figure(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=esc(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(
        title=title, template=_TEMPLATE, font=_FONT, height=320, xaxis_visible=False,
        yaxis_visible=False,
    )  # fmt: skip
    return fig


def _axis_values(series: pd.Series) -> list[Any]:
    """Numbers as floats; categories (group keys) as escaped text."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return [float(v) for v in series]
    return [esc(v) for v in series]


def _point_traces(frame: pd.DataFrame, x: str, y: str, *, visible: bool = True) -> list[go.Scatter]:
    classes = point_class(frame)
    traces = []
    for cls, style in POINT_STYLES.items():
        part = frame[classes == cls]
        if part.empty:
            continue
        traces.append(
            go.Scatter(
                x=_axis_values(part[x]),
                y=_axis_values(part[y]),
                mode="markers",
                name=f"{style.label} ({len(part)})",
                legendgroup=cls,
                marker={
                    "color": style.color,
                    "symbol": style.symbol,
                    "size": style.size,
                    "line": {"width": 0.6, "color": "white"} if "open" not in style.symbol else {},
                },
                hovertext=_labels(part),
                hovertemplate="%{hovertext}<extra></extra>",
                visible=visible,
            )
        )
    return traces


# -- RT against Log P ------------------------------------------------------------------------


def rt_groups(analysis: Analysis) -> list[str]:
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


@dataclass(frozen=True)
class _Line:
    label: str
    slope: float
    intercept: float


def _equation(slope: float, intercept: float) -> str:
    sign = "+" if intercept >= 0 else "−"
    return f"RT = {slope:.3f}·LogP {sign} {abs(intercept):.3f}"


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


def _model_lines(models: Sequence[ModelReport], group: str, rows: pd.DataFrame) -> list[_Line]:
    """Lines of the models that scored this group's rows (one per isomer track when the report
    gives one).  Each row's own prediction, which may also carry a group-specific correction, is
    drawn separately as its prediction interval."""
    used = {str(m) for m in rows["model_id"].dropna() if str(m)}
    candidates = [m for m in models if not used or m.model_id in used]
    tracks_present = {str(t) for t in rows["isomer_track"].dropna() if str(t)}
    lines: list[_Line] = []
    for model in candidates:
        units = {
            unit: value
            for unit, (value, _se) in model.intercepts.items()
            if parse_group_key(unit)[0] == group
        }
        for unit, intercept in units.items():
            track = parse_group_key(unit)[1]
            offsets = {} if track else _track_offsets(model, group, tracks_present)
            if offsets:
                for name, offset in offsets.items():
                    value = intercept + offset
                    label = f"{esc(model.level)} model, track {esc(name)}: "
                    lines.append(_Line(label + _equation(model.slope, value), model.slope, value))
            else:
                label = f"{esc(model.level)} model" + (f", track {esc(track)}" if track else "")
                lines.append(
                    _Line(f"{label}: {_equation(model.slope, intercept)}", model.slope, intercept)
                )
        if not units and model.model_id in used:
            estimate = _composition_intercept(model, rows)
            if estimate is not None:
                label = f"{esc(model.level)} estimate: {_equation(model.slope, estimate)}"
                lines.append(_Line(label, model.slope, estimate))
    return lines


def _group_traces(
    analysis: Analysis, group: str, members: pd.DataFrame, by_row: pd.DataFrame
) -> list[go.Scatter]:
    """Traces of one group; ``members`` are the group's rows, ``by_row`` every row by number."""
    rows = members[_finite(members["rt"]) & _finite(members["log_p"])]
    traces: list[go.Scatter] = []

    # Model lines from the model reports, drawn over the Log P range of the group's rows.
    lo, hi = float(rows["log_p"].min()), float(rows["log_p"].max())
    pad = max(0.1, 0.05 * (hi - lo))
    xs = np.array([lo - pad, hi + pad])
    for i, line in enumerate(_model_lines(analysis.models, group, rows)):
        traces.append(
            go.Scatter(
                x=xs,
                y=line.slope * xs + line.intercept,
                mode="lines",
                name=line.label,
                line={"color": _LINE_COLORS[i % len(_LINE_COLORS)], "width": 2},
                hoverinfo="name",
            )
        )

    # Each row's predicted RT (tick) and prediction interval (bar).  Predictions are per row
    # (isomer track, leverage, group correction), so a bar per row is exact where a shaded
    # band between neighbouring rows would zigzag.
    scored = rows[
        _finite(rows["predicted_rt"]) & _finite(rows["pi_low"]) & _finite(rows["pi_high"])
    ]
    if not scored.empty:
        predicted = scored["predicted_rt"].astype(float)
        traces.append(
            go.Scatter(
                x=scored["log_p"].astype(float),
                y=predicted,
                mode="markers",
                name=f"predicted RT and interval (|z| < {analysis.config.outlier_z:g})",
                marker={
                    "symbol": "line-ew",
                    "size": 12,
                    "color": _BAND_LINE,
                    "line": {"width": 2, "color": _BAND_LINE},
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": scored["pi_high"].astype(float) - predicted,
                    "arrayminus": predicted - scored["pi_low"].astype(float),
                    "color": _BAND_FILL,
                    "thickness": 8,
                    "width": 0,
                },
                hoverinfo="skip",
            )
        )

    # Fragment → parent links.  The parent may belong to another group; it is shown as a ring.
    frags = rows[(rows["status"].astype(str) == "fragment") & rows["fragment_parent"].notna()]
    parents = frags[["log_p", "rt", "fragment_parent"]].merge(
        by_row[["row", "log_p", "rt", "group_key"]],
        left_on="fragment_parent",
        right_on="row",
        suffixes=("", "_parent"),
    )
    parents = parents[_finite(parents["log_p_parent"]) & _finite(parents["rt_parent"])]
    link_x: list[float | None] = []
    link_y: list[float | None] = []
    for x0, y0, x1, y1 in parents[["log_p", "rt", "log_p_parent", "rt_parent"]].to_numpy(float):
        link_x += [x0, x1, None]
        link_y += [y0, y1, None]
    outside = sorted(set(parents.loc[parents["group_key"].astype(str) != group, "row"]))
    if link_x:
        traces.append(
            go.Scatter(
                x=link_x,
                y=link_y,
                mode="lines",
                name="fragment → parent",
                line={"color": POINT_STYLES["fragment"].color, "width": 1.2, "dash": "dot"},
                hoverinfo="skip",
            )
        )
    if outside:
        ring = by_row[by_row["row"].isin(outside)]
        traces.append(
            go.Scatter(
                x=ring["log_p"].astype(float),
                y=ring["rt"].astype(float),
                mode="markers",
                name="parent (other group)",
                marker={
                    "symbol": "circle-open",
                    "size": 12,
                    "color": POINT_STYLES["fragment"].color,
                    "line": {"width": 1.5},
                },
                hovertext=_labels(ring),
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )

    traces += _point_traces(rows, "log_p", "rt")
    return traces


def _group_title(group: str, rows: pd.DataFrame) -> str:
    levels = sorted({str(v) for v in rows["model_level"].dropna() if str(v)})
    anchors = int(rows["is_anchor"].astype("boolean").fillna(False).sum())
    level = ", ".join(levels) if levels else "no model"
    return (
        f"RT against Log P: <b>{esc(group)}</b>"
        f"<br><sup>{len(rows)} rows, {anchors} anchors, model level: {esc(level)}</sup>"
    )


def rt_logp_figure(analysis: Analysis, group: str | None = None) -> go.Figure:
    """Retention time against Log P, one view per RT-model group.

    Rows are coloured and shaped by status; the model line(s) and the prediction band of the
    group are drawn; fragments are joined to their parent by a dotted segment.  With more than
    one group, a dropdown selects the group shown (usable with dozens of groups).

    Parameters
    ----------
    analysis:
        The analysis to draw.
    group:
        Group shown first; by default the group with the most anchors (then the most rows).
    """
    groups = rt_groups(analysis)
    if not groups:
        return _empty_figure("RT against Log P", "No row has both an RT and a Log P.")
    comp = analysis.compounds
    # Only the columns drawn, split by group once: filtering the wide frame per group is slow.
    slim = comp[[c for c in RT_PLOT_COLUMNS if c in comp.columns]].copy()
    slim["_hover"] = hover_labels(slim)
    by_row = slim.drop_duplicates("row")
    keys = slim["group_key"].astype(str)
    members = {str(g): part for g, part in slim.groupby(keys, sort=False, observed=True)}
    if group is None or group not in groups:
        # Open on the best-supported group: most anchors, then most rows.
        anchors = comp["is_anchor"].astype("boolean").fillna(False).astype(bool)
        n_anchors = keys[anchors].value_counts()
        sizes = keys.value_counts()
        group = max(
            groups,
            key=lambda g: (int(n_anchors.get(g, 0)), int(sizes.get(g, 0)), -groups.index(g)),
        )

    traces: list[go.Scatter] = []
    spans: dict[str, tuple[int, int]] = {}
    for g in groups:
        start = len(traces)
        traces += _group_traces(analysis, g, members[g], by_row)
        spans[g] = (start, len(traces))
    for g, (start, stop) in spans.items():
        for trace in traces[start:stop]:
            trace.visible = g == group

    fig = go.Figure(data=traces)
    fig.update_layout(
        title={"text": _group_title(group, members[group]), "x": 0.01, "xanchor": "left"},
        xaxis_title="Log P",
        yaxis_title="Retention time (min)",
        template=_TEMPLATE,
        font=_FONT,
        height=600,
        margin={"t": 110, "r": 20},
        legend={"orientation": "v", "x": 1.02, "y": 1, "bgcolor": "rgba(255,255,255,0.8)"},
        hoverlabel={"align": "left"},
        meta={"groups": groups},
    )
    if len(groups) > 1:
        buttons = []
        for g in groups:
            start, stop = spans[g]
            mask = [start <= i < stop for i in range(len(traces))]
            n_rows = len(members[g])
            buttons.append(
                {
                    "label": f"{esc(g)} ({n_rows})",
                    "method": "update",
                    "args": [
                        {"visible": mask},
                        {
                            "title.text": _group_title(g, members[g]),
                            "xaxis.autorange": True,
                            "yaxis.autorange": True,
                        },
                    ],
                }
            )
        fig.update_layout(
            updatemenus=[
                {
                    "buttons": buttons,
                    "active": groups.index(group),
                    "direction": "down",
                    "x": 1.0,
                    "xanchor": "right",
                    "y": 1.16,
                    "yanchor": "top",
                    "showactive": True,
                    "bgcolor": "white",
                }
            ],
            annotations=[
                {
                    "text": "RT-model group:",
                    "x": 1.0,
                    "xref": "paper",
                    "y": 1.21,
                    "yref": "paper",
                    "xanchor": "right",
                    "showarrow": False,
                    "font": {"size": 12, "color": "#555"},
                }
            ],
        )
    return fig


# -- overviews --------------------------------------------------------------------------------


def observed_predicted_figure(analysis: Analysis) -> go.Figure:
    """Observed against predicted retention time for every row the RT model scored.

    In-source fragments are not shown (they are drawn with their parent in
    :func:`rt_logp_figure`).
    """
    comp = analysis.compounds
    # Fragments are left out: they sit at their parent's RT by nature, far from their own line.
    scored = _finite(comp["rt"]) & _finite(comp["predicted_rt"])
    rows = comp[scored & (comp["status"].astype(str) != "fragment")]
    title = "Observed against predicted retention time"
    if rows.empty:
        return _empty_figure(title, "No row was scored by an RT model.")
    lo = float(min(rows["rt"].min(), rows["predicted_rt"].min()))
    hi = float(max(rows["rt"].max(), rows["predicted_rt"].max()))
    pad = 0.03 * (hi - lo) + 0.05
    diagonal = go.Scatter(
        x=[lo - pad, hi + pad],
        y=[lo - pad, hi + pad],
        mode="lines",
        name="observed = predicted",
        line={"color": "#999", "dash": "dash", "width": 1},
        hoverinfo="skip",
    )
    fig = go.Figure(data=[diagonal, *_point_traces(rows, "predicted_rt", "rt")])
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        xaxis_title="Predicted RT (min)",
        yaxis_title="Observed RT (min)",
        template=_TEMPLATE,
        font=_FONT,
        height=520,
        hoverlabel={"align": "left"},
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def residual_figure(analysis: Analysis) -> go.Figure:
    """z of every scored row (fragments aside), by RT-model group, with the outlier threshold."""
    comp = analysis.compounds
    scored = _finite(comp["z"]) & comp["group_key"].notna()
    rows = comp[scored & (comp["status"].astype(str) != "fragment")].copy()
    title = "Standardised residual (z) by RT-model group"
    if rows.empty:
        return _empty_figure(title, "No row has a z score.")
    order = sorted({str(g) for g in rows["group_key"]}, key=natural_key)
    rows["group_key"] = rows["group_key"].astype(str)
    fig = go.Figure(data=_point_traces(rows, "group_key", "z"))
    threshold = analysis.config.outlier_z
    for level in (threshold, -threshold):
        fig.add_hline(y=level, line={"color": POINT_STYLES["outlier"].color, "dash": "dash"})
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        xaxis={"title": "RT-model group", "categoryorder": "array", "categoryarray": order},
        yaxis_title="z",
        template=_TEMPLATE,
        font=_FONT,
        height=480,
        hoverlabel={"align": "left"},
    )
    fig.update_xaxes(tickangle=-45)
    return fig


def abundance_figure(analysis: Analysis, by: str = "category") -> go.Figure:
    """Share of the quantified consolidated volume per category, headgroup, core or ceramide.

    Bars are coloured by ganglioside category.  Fragments are not counted on their own (their
    volume is in their root's consolidated volume); the hover label also gives the volume of
    rows that were not quantified (outliers, unverified).

    Parameters
    ----------
    by:
        ``"category"``, ``"headgroup"`` (RT-model group), ``"core"`` or ``"ceramide"``.
    """
    table = abundance_table(analysis.compounds, by=by)
    title = f"Relative abundance by {by}"
    if table.empty or not (table["volume"] > 0).any():
        return _empty_figure(title, f"No quantified {by} has a volume to show.")
    keys = [str(k) for k in table["key"]]
    colors = [
        CATEGORY_COLORS.get(k[:2], "#5b6775") if by != "ceramide" else "#1f4e79" for k in keys
    ]
    fig = go.Figure(
        go.Bar(
            x=[esc(k) for k in keys],
            y=table["percent"].astype(float),
            marker_color=colors,
            customdata=np.column_stack(
                [table["volume"], table["rows"], table["volume_not_quantified"]]
            ),
            hovertemplate=(
                "<b>%{x}</b><br>%{y:.2f} % of the quantified volume"
                "<br>volume %{customdata[0]:,.0f} in %{customdata[1]} rows"
                "<br>not quantified (outlier/unverified): %{customdata[2]:,.0f}"
                "<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        title={
            "text": f"{title}<br><sup>consolidated volume of valid rows (fragments folded into "
            "their parent)</sup>",
            "x": 0.01,
            "xanchor": "left",
        },
        xaxis_title=by.capitalize(),
        yaxis_title="Share of quantified volume (%)",
        template=_TEMPLATE,
        font=_FONT,
        height=440,
        showlegend=False,
    )
    if len(keys) > 8:
        fig.update_xaxes(tickangle=-45)
    return fig


def all_figures(analysis: Analysis) -> dict[str, Any]:
    """Every figure of the report, keyed by a short id (used as the HTML element id)."""
    return {
        "rt-logp": rt_logp_figure(analysis),
        "observed-predicted": observed_predicted_figure(analysis),
        "residuals": residual_figure(analysis),
        "abundance-category": abundance_figure(analysis, "category"),
        "abundance-headgroup": abundance_figure(analysis, "headgroup"),
        "abundance-ceramide": abundance_figure(analysis, "ceramide"),
    }
