"""``study_report.html``: one self-contained page (plotly.js inline, no network) for a study.

Every text taken from the data (sample, group and compound names, warnings) is HTML-escaped.
Tables are capped (the CSV files and the workbook hold every row).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pandas as pd

from ..report.html import table_cell
from .result import StudyResult

#: Most rows shown in one table of the report.
MAX_ROWS = 300

_PLOT_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "svg", "scale": 1},
}

_CSS = """
body { margin:0; font-family: "Segoe UI", Helvetica, Arial, sans-serif; color:#1d2733;
  background:#f5f7fa; font-size:14px; line-height:1.45; }
header { background:#1f4e79; color:#fff; padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:24px; font-weight:600; }
main { max-width:1400px; margin:0 auto; padding:20px 32px 40px; }
section { background:#fff; border:1px solid #dde3ea; border-radius:8px; padding:16px 22px;
  margin-bottom:20px; }
section h2 { margin:0 0 6px; font-size:18px; color:#1f4e79; }
p.lead { color:#5b6775; margin:0 0 12px; max-width:980px; }
.cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(150px, 1fr)); gap:12px; }
.card { border:1px solid #dde3ea; border-left:5px solid #1f4e79; border-radius:6px;
  padding:8px 12px; }
.card .n { font-size:22px; font-weight:600; }
.card .l { color:#5b6775; font-size:12px; text-transform:uppercase; }
.tablewrap { max-height:480px; overflow:auto; border:1px solid #dde3ea; border-radius:6px; }
table { border-collapse:collapse; width:100%; font-size:12.5px; }
th, td { padding:4px 8px; border-bottom:1px solid #dde3ea; text-align:left; }
th { position:sticky; top:0; background:#eef2f7; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
ul.notes li { margin:3px 0; }
footer { text-align:center; color:#5b6775; font-size:12px; padding:10px 0 30px; }
"""

_SAMPLE_COLUMNS = (
    "sample",
    "sample_type",
    "group",
    "batch",
    "injection_order",
    "rows",
    "valid",
    "outlier",
    "fragment",
    "unverified",
    "anchors",
    "borrowed_anchors",
    "compounds_found",
    "dilution_factor",
    "rt_shift",
    "rt_slope",
    "n_references",
    "references",
)


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def html_table(frame: pd.DataFrame, columns: list[str] | None = None) -> str:
    """An HTML table of at most :data:`MAX_ROWS` rows, with a note when rows were left out."""
    columns = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    shown = frame[columns].head(MAX_ROWS)
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(table_cell(str(c), v) for c, v in zip(columns, row, strict=True)) + "</tr>"
        for row in shown.itertuples(index=False, name=None)
    )
    more = len(frame) - len(shown)
    note = f"<p class='lead'>…and {more} more rows in the CSV files.</p>" if more > 0 else ""
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f"<div class='tablewrap'>{table}</div>{note}"


def _cards(result: StudyResult) -> str:
    s = result.summary
    items = [
        ("samples", s["n_samples"]),
        ("groups", len(s["groups"])),
        ("compounds", s["n_compounds"]),
        ("tested", s["n_tested"]),
        ("q < 0.05", s["n_changed_q05"]),
        ("up", s["n_up_q05"]),
        ("down", s["n_down_q05"]),
    ]
    return (
        "<div class='cards'>"
        + "".join(
            f"<div class='card'><div class='n'>{_e(v)}</div><div class='l'>{_e(k)}</div></div>"
            for k, v in items
        )
        + "</div>"
    )


def _figure(fig: Any) -> str:
    import plotly.io as pio

    return str(pio.to_html(fig, full_html=False, include_plotlyjs=False, config=_PLOT_CONFIG))


def anchoring_note(rt_model: Mapping[str, Any]) -> str:
    """How the samples' RT models were anchored, in one sentence."""
    if rt_model.get("anchors") != "shared":
        return "RT models: each sample on its own anchors (too few anchors to share)"
    return (
        f"RT models: every sample fitted on the study's {rt_model['pooled_anchors']} shared "
        f"anchors (pooled from {rt_model['samples_contributing']} samples on one time scale; "
        f"{rt_model['rows_taken_as_anchors']} peaks taken as anchors), each in its own time"
    )


def _notes(result: StudyResult) -> str:
    notes = [*result.quantities.notes, f"contrasts: {', '.join(result.comparison.labels)}"]
    notes.extend(result.summary.get("model_notes") or [])
    filters = result.summary.get("qc_filters") or {}
    if filters:
        notes.append(
            "QC filters (compounds marked, kept, left out of the q values): "
            + ", ".join(f"{k} {v}" for k, v in filters.items())
        )
    notes.append(anchoring_note(result.summary.get("rt_model") or {}))
    notes.append(
        "tests on log2 quantities; replicates averaged into their sample; "
        "q values by Benjamini–Hochberg"
    )
    warnings = "".join(f"<li>{_e(w)}</li>" for w in result.warnings) or "<li>none</li>"
    return (
        "<ul class='notes'>"
        + "".join(f"<li>{_e(n)}</li>" for n in notes)
        + f"</ul><h3>Warnings</h3><ul class='notes'>{warnings}</ul>"
    )


def _indices_table(result: StudyResult) -> str:
    """The ganglioside-level indices' tests (sialylation index, O-acetylated fraction, a-/b-
    series ratio, category shares), every contrast."""
    table = result.index_statistics
    if table is None or table.empty:
        return "<p class='lead'>No index could be computed.</p>"
    lead = "<p class='lead'>Per sample in indices.csv; tested like the compounds (same model).</p>"
    return lead + html_table(table)


def study_report_html(result: StudyResult, figures: Mapping[str, Any] | None = None) -> str:
    """The study report as one HTML document (``figures``: those of :func:`study_figures`
    when the caller has them already)."""
    if figures is None:
        from .plots import study_figures  # plotly and scipy: imported when figures are made

        figures = study_figures(result)
    stats = result.statistics.sort_values("q_value", na_position="last", kind="stable")
    sections = [
        ("Summary", _cards(result) + _notes(result)),
        ("Samples", html_table(result.samples, list(_SAMPLE_COLUMNS))),
        ("Drift", _figure(figures["drift"])),
        ("QC and batches", _figure(figures["qc"]) + _figure(figures["batches"])),
        ("Statistics", _figure(figures["volcano"]) + html_table(stats.drop(columns=["feature"]))),
        ("Ganglioside indices", _indices_table(result)),
        ("Compounds", _figure(figures["heatmap"])),
        ("PCA", _figure(figures["pca"])),
        ("Composition", _figure(figures["composition"])),
        ("Box plots", _figure(figures["boxes"])),
    ]
    body = "".join(f"<section><h2>{_e(t)}</h2>{content}</section>" for t, content in sections)
    title = f"Study report — {result.design.source}"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style>"
        f"<script>{_plotly_js()}</script></head><body>"
        f"<header><h1>{_e(title)}</h1><div>{_e(result.summary['n_samples'])} samples, "
        f"{_e(result.comparison.label)}, ganglioside {_e(result.summary['software']['version'])}"
        f"</div></header><main>{body}</main>"
        "<footer>Generated offline by ganglioside; figures can be saved as SVG from their "
        "toolbar.</footer></body></html>"
    )
