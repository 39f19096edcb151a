"""``report.html``: one self-contained page that opens offline.

plotly.js is copied inline from the installed ``plotly`` package (no CDN, no network), the
figures come from :mod:`ganglioside.report.plots`, and every text taken from the data is
HTML-escaped: names come from user files and must never run as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from ..result import AnalysisResult
from .abundance import abundance_table
from .figure_json import Spec, figure_html, template_script
from .html_tables import escape, html_table, key_values_table
from .html_tables import table_cell as table_cell
from .plots import POINT_STYLES, point_class, spec_builders
from .summary_json import flatten, software_version, status_counts
from .tables import models_table

_PLOT_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "svg", "scale": 1},
}


_REVIEW_COLUMNS = (
    "row",
    "name",
    "status",
    "identification_level",
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
    "identification_level",
    "identification",
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

_TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    """A file of ``report/templates`` (the page's CSS and script), read once."""
    return (_TEMPLATES / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    """plotly.js, read from the installed ``plotly`` package (no network, no Plotly import)."""
    return (files("plotly") / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def _figure_html(key: str, spec: Spec) -> str:
    return figure_html(f"plot-{key}", spec, _PLOT_CONFIG)


def _cards(analysis: AnalysisResult) -> str:
    """Counts by status as the CLI and summary.json give them: the anchors are a part of the
    valid rows (told on the valid card), not a class of their own."""
    counts = status_counts(analysis)
    valid_anchors = int((point_class(analysis.compounds) == "anchor").sum())
    items = [("rows", counts["total"], "#1f4e79", "")]
    for status, style in POINT_STYLES.items():
        if status in counts:
            plural = "" if valid_anchors == 1 else "s"
            note = f"of which {valid_anchors:,} anchor{plural}" if status == "valid" else ""
            items.append((style.label, counts[status], style.color, note))
    items += [
        ("RT models", len(analysis.models), "#5b6775", ""),
        ("fragment links", len(analysis.fragments), POINT_STYLES["fragment"].color, ""),
        ("warnings", len(analysis.warnings), "#b58900", ""),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card" style="--c:{color}"><div class="n">{n:,}</div>'
            f'<div class="l">{escape(label)}</div>'
            + (f'<div class="note">{escape(note)}</div>' if note else "")
            + "</div>"
            for label, n, color, note in items
        )
        + "</div>"
    )


def _reading_notes(analysis: AnalysisResult) -> str:
    """Short legend of symbols and of z, for readers new to the report."""
    symbols = "".join(
        f'<li><span class="glyph" style="color:{style.color}">{style.glyph}</span> '
        f"{escape(style.label)}</li>"
        for style in POINT_STYLES.values()
    )
    return (
        f'<ul class="notes">{symbols}</ul>'
        "<p>z is the distance of a row from its predicted RT in units of the model's "
        "prediction SD (residual SD with a floor of "
        f"{analysis.config.rt_sd_floor:g} min, widened by the row's leverage and by the "
        "uncertainty of its group's intercept). A row with "
        f"|z| ≥ {analysis.config.outlier_z:g} is an outlier. The bars are the 95 % prediction "
        "intervals (pi_low to pi_high), calibrated on the file's own peaks: about one true "
        "species in twenty lies outside its bar without being an outlier. "
        "In-source fragments are left out "
        "of the two overview plots: they sit at their parent's RT by nature and are shown, "
        "joined to their parent, in the plot above.</p>"
    )


def _columns(frame: pd.DataFrame, wanted: tuple[str, ...]) -> pd.DataFrame:
    return frame[[c for c in wanted if c in frame.columns]]


def _review_rows(compounds: pd.DataFrame) -> pd.DataFrame:
    """Invalid, outlier (largest |z| first) and unverified rows, then anchors with a warning."""
    status = compounds["status"].astype(str)
    anchor = compounds["is_anchor"].astype("boolean").fillna(False).astype(bool)
    text = compounds["warnings"]
    warned = text.notna() & (text.astype(str) != "")
    mask = (status.isin(["outlier", "unverified", "invalid"]) | (anchor & warned)).to_numpy(bool)
    order = {"invalid": 0, "outlier": 1, "unverified": 2, "valid": 3}
    rows = compounds.loc[mask, [c for c in _REVIEW_COLUMNS if c in compounds.columns]].copy()
    rows["_order"] = rows["status"].astype(str).map(order).fillna(9)
    rows["_z"] = -pd.to_numeric(rows["z"], errors="coerce").abs().fillna(0.0)
    rows = rows.sort_values(["_order", "_z", "row"])
    return rows.drop(columns=["_order", "_z"])


def _models_table(analysis: AnalysisResult) -> pd.DataFrame:
    frame = models_table(analysis)
    if frame.empty:
        return frame
    wanted = (
        "model_id", "level", "groups", "n_anchors", "n_rows", "slope", "slope_se", "r2", "q2",
        "rmse_loo", "mae_loo", "residual_sd", "df", "logp_range", "tracks", "intercepts",
        "warnings",
    )  # fmt: skip
    return _columns(frame, wanted)


#: Rows of the review and fragment tables shown in the report (the files hold them all), and
#: the largest table whose every row is listed in the report.
REVIEW_ROWS = 500
ALL_ROWS = 2000


@dataclass
class _Page:
    """What the sections of one report are made from."""

    analysis: AnalysisResult
    plots: dict[str, str]
    files: Sequence[str]
    abundance: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)

    def holder(self, *candidates: str) -> str:
        """The files written with this report that hold a whole table, in words."""
        written = [f for f in candidates if f in self.files] or [candidates[0]]
        return " and ".join(written)

    def table(self, frame: pd.DataFrame, what: str, limit: int, *files: str, **kw: Any) -> str:
        """A capped table; a note for the report's list when rows were left out."""
        if len(frame) > limit:
            self.notes.append(
                f"{what}: the first {limit:,} of {len(frame):,} rows are listed; "
                f"every row is in {self.holder(*files)}."
            )
        return html_table(frame, limit=limit, more=self.holder(*files), **kw)


_COMPOUND_FILES = ("compounds.csv", "workbook.xlsx", "compounds.parquet")
_ABUNDANCE_LEVELS = ("category", "headgroup", "ceramide")
_FRAGMENT_FILES = ("fragments.csv", "workbook.xlsx")


def _warnings_html(analysis: AnalysisResult) -> str:
    if not analysis.warnings:
        return '<p class="ok">No file-level warnings.</p>'
    items = "".join(f"<li>{escape(w)}</li>" for w in analysis.warnings)
    return f'<div class="notice"><ul class="warnings">{items}</ul></div>'


def _about_html(page: _Page) -> str:
    """What the report aggregated or left out to stay light, or nothing for a small table."""
    if not page.notes:
        return ""
    items = "".join(f"<li>{escape(n)}</li>" for n in page.notes)
    return (
        '<h3>About this report</h3><div class="notice about"><p>The table is large, so this '
        "page draws the rows to review one by one and aggregates the others, and lists the "
        f'first rows of its long tables:</p><ul class="warnings">{items}</ul></div>'
    )


def _overview(page: _Page) -> tuple[str, str, str, str]:
    analysis = page.analysis
    counts = status_counts(analysis)
    lead = (
        f"{counts['total']:,} rows analysed from <b>{escape(analysis.source)}</b>. Every input row "
        "keeps its 1-based row number; a row is <i>valid</i> when its retention time agrees "
        f"with the RT model (|z| &lt; {analysis.config.outlier_z:g}), an <i>outlier</i> when "
        "it does not, a <i>fragment</i> when it is an in-source fragment of a co-eluting "
        "larger ganglioside, <i>unverified</i> when no model reaches it and <i>invalid</i> "
        "when the row cannot be used."
    )
    content = (
        _cards(analysis) + "<h3>File-level warnings</h3>" + _warnings_html(analysis)
    ) + _about_html(page)
    return ("overview", "Overview", lead, content)


def _rt_section(page: _Page) -> tuple[str, str, str, str]:
    plots = page.plots
    lead = (
        "One view per RT-model group; choose the group in the menu at the top right. The "
        "line is the model fitted on the anchors; the tick and pale bar at each row are its "
        "own predicted RT and prediction interval at the outlier threshold (isomer track and "
        "leverage included); dotted segments join each in-source fragment to its parent. "
        "Hover a point for its row, name, prediction, z and the reasons for its status. "
        "Click a legend entry to hide it; the camera icon saves an SVG."
    )
    content = (
        plots["rt-logp"]
        + '<div class="grid2">'
        + plots["observed-predicted"]
        + '<div class="aside"><h3>Reading the plots</h3>'
        + _reading_notes(page.analysis)
        + "</div></div>"
        + plots["residuals"]
    )
    return ("rt-model", "Retention time against Log P", lead, content)


def _abundance_section(page: _Page) -> tuple[str, str, str, str]:
    plots = page.plots
    tables = {
        by: html_table(page.abundance[by].rename(columns={"key": by}))
        for by in ("category", "headgroup", "ceramide")
    }
    lead = (
        "Share of the total consolidated volume of the valid rows (each root's own volume "
        "plus that of its in-source fragments, so nothing is counted twice), by category, "
        "by headgroup (RT-model group, modifications included) and by ceramide. Outliers and "
        "unverified rows are not quantified; their volume is listed for context."
    )
    content = (
        f'<div class="grid2">{plots["abundance-category"]}<div>{tables["category"]}</div></div>'
        f"{plots['abundance-headgroup']}"
        f"<details><summary>Table by headgroup</summary>{tables['headgroup']}</details>"
        f"{plots['abundance-ceramide']}"
        f"<details><summary>Table by ceramide</summary>{tables['ceramide']}</details>"
    )
    return ("abundance", "Relative abundance", lead, content)


def _review_section(page: _Page) -> tuple[str, str, str, str]:
    compounds = page.analysis.compounds
    content = page.table(_review_rows(compounds), "Rows to review", REVIEW_ROWS, *_COMPOUND_FILES)
    if len(compounds) <= ALL_ROWS:
        content += (
            "<details><summary>All rows</summary>"
            '<input class="filter" type="search" data-table="all-rows" '
            'placeholder="Filter rows (name, status, group…)">'
            + html_table(_columns(compounds, _ALL_COLUMNS), "all-rows", limit=ALL_ROWS)
            + "</details>"
        )
    else:
        where = page.holder(*_COMPOUND_FILES)
        content += f'<p class="more">All {len(compounds):,} rows are in {escape(where)}.</p>'
        page.notes.append(
            f"All rows: not listed in the report ({len(compounds):,} rows); they are in {where}."
        )
    lead = (
        "Outliers (largest |z| first), unverified and invalid rows, and anchors that carry a "
        "warning, with the reasons given by the rules."
    )
    return ("review", "Rows to review", lead, content)


def _fragments_section(page: _Page) -> tuple[str, str, str, str]:
    lead = (
        "Each fragment, its direct parent and its root; the root's consolidated volume "
        "includes the fragment's volume."
    )
    fragments = page.analysis.fragments
    content = page.table(fragments, "In-source fragment events", REVIEW_ROWS, *_FRAGMENT_FILES)
    return ("fragments", "In-source fragment events", lead, content)


def _parameters_section(page: _Page) -> tuple[str, str, str, str]:
    analysis = page.analysis
    parameters = list(flatten(analysis.config.to_dict()))
    parameters.append(("software_version", software_version()))
    lead = (
        "Every parameter used by this analysis (rerun with the same values to reproduce it) "
        "and the summary figures."
    )
    content = (
        '<div class="grid2"><div>'
        + key_values_table(parameters, ("parameter", "value"))
        + "</div><div>"
        + key_values_table(list(flatten(analysis.summary)), ("summary", "value"))
        + "</div></div>"
    )
    return ("parameters", "Parameters and summary", lead, content)


def _models_section(page: _Page) -> tuple[str, str, str, str]:
    lead = (
        "One line per fitted model: level (group line, pooled common slope, or intercepts "
        "from composition), anchors used, slope and fit quality (R², leave-one-out Q², RMSE)."
    )
    return ("models", "RT models", lead, html_table(_models_table(page.analysis)))


def report_html(
    analysis: AnalysisResult,
    progress: Callable[[float, str], None] | None = None,
    files: Sequence[str] = (),
) -> str:
    """The whole report as one HTML document (plotly.js inline; opens without network).

    Parameters
    ----------
    analysis:
        The result to report.
    progress:
        Optional ``progress(fraction, message)``, called after each figure.
    files:
        Names of the files written with the report; its capped tables point to them (to
        ``compounds.csv`` and ``fragments.csv`` when none is given).

    Returns
    -------
    str
        A complete ``<!DOCTYPE html>`` document, of at most a few MB whatever the table: plots
        of large tables draw the rows to review one by one and the others as a density, and
        long tables list their first rows; an "About this report" box says what was left out.
    """
    notes: list[str] = []
    plots = {}
    abundance = {by: abundance_table(analysis.compounds, by=by) for by in _ABUNDANCE_LEVELS}
    builders = spec_builders(abundance)
    for i, (key, build) in enumerate(builders.items()):
        spec = build(analysis)
        notes.append(str(spec["layout"].get("meta", {}).get("aggregated") or ""))
        plots[key] = _figure_html(key, spec)
        if progress is not None:
            progress(0.9 * (i + 1) / len(builders), f"figure {key}")
    page = _Page(analysis, plots, files, abundance, [n for n in notes if n])
    sections = [
        builder(page)
        for builder in (
            _rt_section, _abundance_section, _review_section, _models_section,
            _fragments_section, _parameters_section,
        )
    ]  # fmt: skip
    # The overview comes first on the page but is made last: it lists what the others left out.
    return _document(analysis, [_overview(page), *sections])


def _document(analysis: AnalysisResult, sections: list[tuple[str, str, str, str]]) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = analysis.source
    nav = "".join(f'<a href="#{sid}">{escape(title)}</a>' for sid, title, _, _ in sections)
    body = "\n".join(
        f'<section id="{sid}"><h2>{escape(title)}</h2><p class="lead">{lead}</p>{content}</section>'
        for sid, title, lead, content in sections
    )
    version = software_version()
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ganglioside {escape(version)}">
<title>Ganglioside report: {escape(source)}</title>
<style>{_asset("report.css")}</style>
<script type="text/javascript">{_plotly_js()}</script>
<script type="text/javascript">{template_script()}</script>
</head>
<body>
<header>
<h1>Ganglioside annotation report</h1>
<div class="meta"><span>{escape(source)}</span><span>{len(analysis.compounds):,} rows</span>
<span>{escape(generated)}</span><span>ganglioside {escape(version)}</span></div>
</header>
<nav>{nav}</nav>
<main>
{body}
</main>
<footer>Generated by ganglioside {escape(version)} on {escape(generated)}. This file works offline.
</footer>
<script type="text/javascript">{_asset("report.js")}</script>
</body>
</html>
"""


def write_report_html(
    analysis: AnalysisResult,
    path: str | Path,
    progress: Callable[[float, str], None] | None = None,
    files: Sequence[str] = (),
) -> Path:
    """Write ``report.html`` to ``path`` and return the path (see :func:`report_html`)."""
    path = Path(path)
    path.write_text(report_html(analysis, progress, files), encoding="utf-8")
    return path
