"""``report.html``: one self-contained page that opens offline.

plotly.js is copied inline from the installed ``plotly`` package (no CDN, no network), the
figures come from :mod:`ganglioside.report.plots`, and every text taken from the data is
HTML-escaped: names come from user files and must never run as markup.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ..result import Analysis
from .abundance import abundance_table
from .plots import POINT_STYLES, all_figures, point_class
from .summary_json import flatten, software_version, status_counts
from .tables import models_table

#: Most rows shown in one HTML table; the CSV and the workbook always hold every row.
MAX_TABLE_ROWS = 2000

_PLOT_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "svg", "scale": 1},
}

_FORMATS: dict[str, str] = {
    "rt": ".3f",
    "predicted_rt": ".3f",
    "residual": "+.3f",
    "pi_low": ".3f",
    "pi_high": ".3f",
    "delta_rt": "+.3f",
    "fragment_delta_rt": "+.3f",
    "oac_shift": "+.3f",
    "log_p": ".2f",
    "log_p_expected": ".2f",
    "z": "+.2f",
    "slope": ".3f",
    "slope_se": ".3f",
    "r2": ".3f",
    "q2": ".3f",
    "rmse_loo": ".3f",
    "mae_loo": ".3f",
    "residual_sd": ".3f",
    "volume": ",.0f",
    "volume_consolidated": ",.0f",
    "parent_volume": ",.0f",
    "fragment_volume": ",.0f",
    "volume_not_quantified": ",.0f",
    "volume_ratio": ".2f",
    "percent": ".1f",
    "mass": ".4f",
    "mz_h": ".4f",
    "mz_2h": ".4f",
}

#: Columns holding semicolon-separated lists; a space after each ``;`` lets them wrap.
_LIST_COLUMNS = frozenset({"reasons", "warnings", "evidence", "intercepts", "tracks"})

_REVIEW_COLUMNS = (
    "row",
    "name",
    "status",
    "rt",
    "log_p",
    "predicted_rt",
    "residual",
    "z",
    "model_level",
    "reasons",
    "warnings",
)
_ALL_COLUMNS = (
    "row",
    "name",
    "status",
    "is_anchor",
    "category",
    "group_key",
    "ceramide",
    "rt",
    "log_p",
    "volume",
    "predicted_rt",
    "z",
    "model_level",
    "isomer_track",
    "oac_label",
    "fragment_of",
    "volume_consolidated",
    "formula",
    "mass",
)

_CSS = """
:root { --ink:#1d2733; --muted:#5b6775; --line:#dde3ea; --bg:#f5f7fa; --accent:#1f4e79; }
* { box-sizing: border-box; }
body { margin:0; font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; color:var(--ink);
  background:var(--bg); font-size:14px; line-height:1.45; }
header { background:var(--accent); color:#fff; padding:22px 32px 18px; }
header h1 { margin:0 0 4px; font-size:24px; font-weight:600; letter-spacing:.2px; }
header .meta { opacity:.85; font-size:13px; }
header .meta span + span::before { content:" · "; }
nav { position:sticky; top:0; z-index:10; background:#fff; border-bottom:1px solid var(--line);
  padding:8px 32px; display:flex; gap:18px; flex-wrap:wrap; }
nav a { color:var(--accent); text-decoration:none; font-weight:500; font-size:13px; }
nav a:hover { text-decoration:underline; }
main { max-width:1400px; margin:0 auto; padding:20px 32px 40px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:18px 22px;
  margin-bottom:20px; }
section h2 { margin:0 0 4px; font-size:18px; color:var(--accent); }
section p.lead { margin:0 0 14px; color:var(--muted); max-width:980px; }
.cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(150px, 1fr)); gap:12px;
  margin:10px 0 4px; }
.card { border:1px solid var(--line); border-left:5px solid var(--c, var(--accent));
  border-radius:6px; padding:10px 12px; background:#fff; }
.card .n { font-size:24px; font-weight:600; }
.card .l { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.4px; }
.card .note { color:var(--muted); font-size:12px; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
@media (max-width: 1000px) { .grid2 { grid-template-columns:1fr; } }
.tablewrap { max-height:520px; overflow:auto; border:1px solid var(--line); border-radius:6px; }
table { border-collapse:collapse; width:100%; font-size:12.5px; }
th, td { padding:5px 9px; border-bottom:1px solid var(--line); text-align:left;
  vertical-align:top; }
th { position:sticky; top:0; background:#eef2f7; font-weight:600; white-space:nowrap; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.wrap { max-width:420px; }
tr:hover td { background:#f8fafc; }
.badge { display:inline-block; padding:1px 7px; border-radius:10px; font-size:11.5px;
  font-weight:600; color:#fff; background:var(--c, #888); }
.warnings { margin:0; padding-left:20px; }
.warnings li { margin:3px 0; }
.notice { background:#fff8e6; border:1px solid #f0d68a; border-radius:6px; padding:10px 14px; }
.ok { color:var(--muted); }
.legend-help { color:var(--muted); font-size:12.5px; margin:6px 0 0; }
details summary { cursor:pointer; color:var(--accent); font-weight:500; margin:6px 0; }
.filter { margin:6px 0 10px; padding:6px 10px; border:1px solid var(--line); border-radius:5px;
  width:320px; font:inherit; }
.aside { padding:10px 16px; color:var(--ink); font-size:13px; }
.aside h3 { margin:4px 0 8px; font-size:15px; color:var(--accent); }
ul.notes { list-style:none; padding:0; margin:0 0 10px; }
ul.notes li { margin:4px 0; }
.glyph { display:inline-block; width:18px; text-align:center; font-size:15px; }
section h3 { font-size:15px; color:var(--accent); margin:16px 0 8px; }
footer { text-align:center; color:var(--muted); font-size:12px; padding:10px 0 30px; }
"""

# Filters the rows of the full table by the text typed; reads textContent, never writes markup.
_FILTER_JS = """
document.querySelectorAll('input.filter').forEach(function (box) {
  var table = document.getElementById(box.dataset.table);
  box.addEventListener('input', function () {
    var q = box.value.toLowerCase();
    table.querySelectorAll('tbody tr').forEach(function (tr) {
      tr.style.display = tr.textContent.toLowerCase().indexOf(q) === -1 ? 'none' : '';
    });
  });
});
"""


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    return str(get_plotlyjs())


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and np.isnan(value)


def _cell(column: str, value: object) -> str:
    """One ``<td>``: numbers formatted and right-aligned, text escaped."""
    if _missing(value):
        return "<td></td>"
    if isinstance(value, bool | np.bool_):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | np.integer):
        return f'<td class="num">{int(value)}</td>'
    if isinstance(value, float | np.floating):
        spec = _FORMATS.get(column, ".4g")
        return f'<td class="num">{_e(format(float(value), spec))}</td>'
    if column == "status" and str(value) in POINT_STYLES:
        color = POINT_STYLES[str(value)].color
        return f'<td><span class="badge" style="--c:{color}">{_e(value)}</span></td>'
    text = str(value)
    if column in _LIST_COLUMNS:
        text = text.replace(";", "; ").replace(";  ", "; ")
    css = ' class="wrap"' if len(text) > 40 else ""
    return f"<td{css}>{_e(text)}</td>"


def html_table(frame: pd.DataFrame, table_id: str | None = None) -> str:
    """``frame`` as an escaped HTML table (at most :data:`MAX_TABLE_ROWS` rows)."""
    if frame.empty:
        return '<p class="ok">None.</p>'
    shown = frame.head(MAX_TABLE_ROWS)
    columns = [str(c) for c in shown.columns]
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "\n".join(
        "<tr>" + "".join(_cell(c, v) for c, v in zip(columns, rec, strict=True)) + "</tr>"
        for rec in shown.itertuples(index=False, name=None)
    )
    ident = f' id="{_e(table_id)}"' if table_id else ""
    note = ""
    if len(frame) > len(shown):
        note = (
            f'<p class="ok">Showing the first {len(shown)} of {len(frame)} rows; '
            "compounds.csv and workbook.xlsx hold them all.</p>"
        )
    return (
        f'<div class="tablewrap"><table{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>{note}"
    )


def _figure_html(key: str, fig: go.Figure) -> str:
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"plot-{key}",
            config=_PLOT_CONFIG,
            default_width="100%",
        )
    )


def _cards(analysis: Analysis) -> str:
    """Counts by status as the CLI and summary.json give them: the anchors are a part of the
    valid rows (told on the valid card), not a class of their own."""
    counts = status_counts(analysis)
    valid_anchors = int((point_class(analysis.compounds) == "anchor").sum())
    items = [("rows", counts["total"], "#1f4e79", "")]
    for status, style in POINT_STYLES.items():
        if status in counts:
            plural = "" if valid_anchors == 1 else "s"
            note = f"of which {valid_anchors} anchor{plural}" if status == "valid" else ""
            items.append((style.label, counts[status], style.color, note))
    items += [
        ("RT models", len(analysis.models), "#5b6775", ""),
        ("fragment links", len(analysis.fragments), POINT_STYLES["fragment"].color, ""),
        ("warnings", len(analysis.warnings), "#b58900", ""),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card" style="--c:{color}"><div class="n">{n}</div>'
            f'<div class="l">{_e(label)}</div>'
            + (f'<div class="note">{_e(note)}</div>' if note else "")
            + "</div>"
            for label, n, color, note in items
        )
        + "</div>"
    )


def _reading_notes(analysis: Analysis) -> str:
    """Short legend of symbols and of z, for readers new to the report."""
    symbols = "".join(
        f'<li><span class="glyph" style="color:{style.color}">{style.glyph}</span> '
        f"{_e(style.label)}</li>"
        for style in POINT_STYLES.values()
    )
    return (
        f'<ul class="notes">{symbols}</ul>'
        "<p>z is the distance of a row from its predicted RT in units of the model's "
        "prediction SD (residual SD with a floor of "
        f"{analysis.config.rt_sd_floor:g} min, widened by the row's leverage and by the "
        "uncertainty of its group's intercept). A row with "
        f"|z| ≥ {analysis.config.outlier_z:g} is an outlier. In-source fragments are left out "
        "of the two overview plots: they sit at their parent's RT by nature and are shown, "
        "joined to their parent, in the plot above.</p>"
    )


def _columns(frame: pd.DataFrame, wanted: tuple[str, ...]) -> pd.DataFrame:
    return frame[[c for c in wanted if c in frame.columns]]


def _review_rows(compounds: pd.DataFrame) -> pd.DataFrame:
    status = compounds["status"].astype(str)
    anchor = compounds["is_anchor"].astype("boolean").fillna(False).astype(bool)
    warned = compounds["warnings"].fillna("").astype(str).str.len() > 0
    mask = status.isin(["outlier", "unverified", "invalid"]) | (anchor & warned)
    order = {"invalid": 0, "outlier": 1, "unverified": 2, "valid": 3}
    rows = compounds[mask].copy()
    rows["_order"] = rows["status"].astype(str).map(order).fillna(9)
    rows = rows.sort_values(["_order", "row"])
    return _columns(rows, _REVIEW_COLUMNS)


def _models_table(analysis: Analysis) -> pd.DataFrame:
    frame = models_table(analysis)
    if frame.empty:
        return frame
    wanted = (
        "model_id", "level", "groups", "n_anchors", "n_rows", "slope", "slope_se", "r2", "q2",
        "rmse_loo", "mae_loo", "residual_sd", "df", "logp_range", "tracks", "intercepts",
        "warnings",
    )  # fmt: skip
    return _columns(frame, wanted)


def _key_values(pairs: list[tuple[str, Any]], header: tuple[str, str]) -> str:
    frame = pd.DataFrame(pairs, columns=list(header))
    frame[header[1]] = [_as_text(v) for v in frame[header[1]]]
    return html_table(frame)


def _as_text(value: object) -> str:
    """A key-value cell as text, so that a column mixing numbers and words reads evenly."""
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, ".6g")
    return str(value)


def report_html(analysis: Analysis) -> str:
    """The whole report as one HTML document (plotly.js inline; opens without network).

    Returns
    -------
    str
        A complete ``<!DOCTYPE html>`` document.
    """
    figures = all_figures(analysis)
    plots = {key: _figure_html(key, fig) for key, fig in figures.items()}
    counts = status_counts(analysis)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = analysis.source
    threshold = analysis.config.outlier_z

    if analysis.warnings:
        warnings_html = (
            '<div class="notice"><ul class="warnings">'
            + "".join(f"<li>{_e(w)}</li>" for w in analysis.warnings)
            + "</ul></div>"
        )
    else:
        warnings_html = '<p class="ok">No file-level warnings.</p>'

    abundance_tables = {
        by: abundance_table(analysis.compounds, by=by).rename(columns={"key": by})
        for by in ("category", "headgroup", "ceramide")
    }
    summary_pairs = list(flatten(analysis.summary))
    parameter_pairs = list(flatten(analysis.config.to_dict()))
    parameter_pairs.append(("software_version", software_version()))

    sections = [
        (
            "overview",
            "Overview",
            f"{counts['total']} rows analysed from <b>{_e(source)}</b>. Every input row keeps its "
            "1-based row number; a row is <i>valid</i> when its retention time agrees with the "
            f"RT model (|z| &lt; {threshold:g}), an <i>outlier</i> when it does not, a "
            "<i>fragment</i> when it is an in-source fragment of a co-eluting larger "
            "ganglioside, <i>unverified</i> when no model reaches it and <i>invalid</i> when "
            "the row cannot be used.",
            _cards(analysis) + "<h3>File-level warnings</h3>" + warnings_html,
        ),
        (
            "rt-model",
            "Retention time against Log P",
            "One view per RT-model group; choose the group in the menu at the top right. The "
            "line is the model fitted on the anchors; the tick and pale bar at each row are its "
            "own predicted RT and prediction interval at the outlier threshold (isomer track and "
            "leverage included); dotted segments join each in-source fragment to its parent. "
            "Hover a point for its row, name, prediction, z and the reasons for its status. "
            "Click a legend entry to hide it; the camera icon saves an SVG.",
            plots["rt-logp"]
            + '<div class="grid2">'
            + plots["observed-predicted"]
            + '<div class="aside"><h3>Reading the plots</h3>'
            + _reading_notes(analysis)
            + "</div></div>"
            + plots["residuals"],
        ),
        (
            "abundance",
            "Relative abundance",
            "Share of the total consolidated volume of the valid rows (each root's own volume "
            "plus that of its in-source fragments, so nothing is counted twice), by category, "
            "by headgroup (RT-model group, modifications included) and by ceramide. Outliers and "
            "unverified rows are not quantified; their volume is listed for context.",
            '<div class="grid2">'
            + plots["abundance-category"]
            + "<div>"
            + html_table(abundance_tables["category"])
            + "</div></div>"
            + plots["abundance-headgroup"]
            + "<details><summary>Table by headgroup</summary>"
            + html_table(abundance_tables["headgroup"])
            + "</details>"
            + plots["abundance-ceramide"]
            + "<details><summary>Table by ceramide</summary>"
            + html_table(abundance_tables["ceramide"])
            + "</details>",
        ),
        (
            "review",
            "Rows to review",
            "Outliers, unverified and invalid rows, and anchors that carry a warning, with the "
            "reasons given by the rules.",
            html_table(_review_rows(analysis.compounds))
            + "<details><summary>All rows</summary>"
            + '<input class="filter" type="search" data-table="all-rows" '
            'placeholder="Filter rows (name, status, group…)">'
            + html_table(_columns(analysis.compounds, _ALL_COLUMNS), "all-rows")
            + "</details>",
        ),
        (
            "models",
            "RT models",
            "One line per fitted model: level (group line, pooled common slope, or intercepts "
            "from composition), anchors used, slope and fit quality (R², leave-one-out Q², RMSE).",
            html_table(_models_table(analysis)),
        ),
        (
            "fragments",
            "In-source fragment events",
            "Each fragment, its direct parent and its root; the root's consolidated volume "
            "includes the fragment's volume.",
            html_table(analysis.fragments),
        ),
        (
            "parameters",
            "Parameters and summary",
            "Every parameter used by this analysis (rerun with the same values to reproduce it) "
            "and the summary figures.",
            '<div class="grid2"><div>'
            + _key_values(parameter_pairs, ("parameter", "value"))
            + "</div><div>"
            + _key_values(summary_pairs, ("summary", "value"))
            + "</div></div>",
        ),
    ]

    nav = "".join(f'<a href="#{sid}">{_e(title)}</a>' for sid, title, _, _ in sections)
    body = "\n".join(
        f'<section id="{sid}"><h2>{_e(title)}</h2><p class="lead">{lead}</p>{content}</section>'
        for sid, title, lead, content in sections
    )
    version = software_version()
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ganglioside {_e(version)}">
<title>Ganglioside report: {_e(source)}</title>
<style>{_CSS}</style>
<script type="text/javascript">{_plotly_js()}</script>
</head>
<body>
<header>
<h1>Ganglioside annotation report</h1>
<div class="meta"><span>{_e(source)}</span><span>{counts["total"]} rows</span>
<span>{_e(generated)}</span><span>ganglioside {_e(version)}</span></div>
</header>
<nav>{nav}</nav>
<main>
{body}
</main>
<footer>Generated by ganglioside {_e(version)} on {_e(generated)}. This file works offline.
</footer>
<script type="text/javascript">{_FILTER_JS}</script>
</body>
</html>
"""


def write_report_html(analysis: Analysis, path: str | Path) -> Path:
    """Write ``report.html`` to ``path`` and return the path."""
    path = Path(path)
    path.write_text(report_html(analysis), encoding="utf-8")
    return path
