"""``report.pdf``: the analysis as a printable report (matplotlib's PDF backend).

A4 pages, in order: the summary (counts by status, anchors, groups, models, fragments, the
file's warnings, the curation when a scientist decided about rows); retention time against Log
P for the largest RT-model groups, observed against predicted RT, and the relative abundance by
category and headgroup, all drawn as vector graphics; the rows to review (outliers, unverified
and invalid rows, and rows whose status a curator set); the RT models; the fragment links; the
curator's decisions; the parameters and the software version.

Long tables are capped (the cap is said on the page, pointing to ``compounds.csv``), and each
chart draws at most :data:`MAX_POINTS` points, so a report of a large table stays a few
hundred kilobytes.  Text is embedded as TrueType, so the report can be searched and copied.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .model_lines import model_curves
from .pdf_pages import (
    cut_note,
    labelled_lines,
    new_page,
    table_pages,
    wrapped_texts,
    write_pages,
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.backends.backend_pdf import PdfPages

    from ..result import AnalysisResult as Analysis
    from ..result import ModelReport

#: ``progress(fraction, message)``, as the other writers take it.
PdfProgress = Callable[[float, str], None]

MAX_REVIEW_ROWS = 440  # ten pages
MAX_FRAGMENT_ROWS = 220
MAX_POINTS = 3000  # per chart
GROUPS_PER_PAGE = 6
MAX_GROUP_PAGES = 2
REVIEW_STATUSES = ("outlier", "unverified", "invalid")

#: Colours and markers of the statuses (as the HTML report's, in matplotlib's terms).
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "valid": ("#009E73", "o"),
    "outlier": ("#D55E00", "x"),
    "fragment": ("#6E6E6E", "v"),
    "unverified": ("#E69F00", "s"),
    "invalid": ("#000000", "*"),
    "istd": ("#CC79A7", "P"),
}
ANCHOR_STYLE = ("#0072B2", "D")
_LINE_COLORS = ("#1F4E79", "#CC79A7", "#56B4E9", "#E69F00")


def pdf_bytes(analysis: Analysis, progress: PdfProgress | None = None) -> bytes:
    """``report.pdf`` as bytes."""
    buffer = io.BytesIO()
    _render(analysis, buffer, progress)
    return buffer.getvalue()


def write_pdf(analysis: Analysis, path: str | Path, progress: PdfProgress | None = None) -> Path:
    """Write ``report.pdf`` to ``path`` and return the path."""
    path = Path(path)
    with open(path, "wb") as handle:
        _render(analysis, handle, progress)
    return path


def _render(analysis: Analysis, target: Any, progress: PdfProgress | None) -> None:
    sections: list[tuple[str, Callable[[PdfPages, Analysis], None]]] = [
        ("summary", _summary_page),
        ("retention-time charts", _rt_pages),
        ("predicted RT and abundance charts", _overview_page),
        ("rows to review", _review_pages),
        ("models", _model_pages),
        ("fragments", _fragment_pages),
        ("decisions", _decision_pages),
        ("parameters", _parameter_page),
    ]
    write_pages(target, _metadata(analysis), analysis, sections, progress)


def _metadata(analysis: Analysis) -> dict[str, Any]:
    from .summary_json import software_version

    return {
        "Title": f"Ganglioside analysis of {analysis.source}",
        "Creator": f"ganglioside {software_version()}",
        "CreationDate": datetime.now(UTC),
    }


# -- the summary --------------------------------------------------------------------------------


def _summary_lines(analysis: Analysis) -> list[tuple[str, str]]:
    summary = analysis.summary
    by_status = summary.get("by_status") or {}
    models = summary.get("models") or {}
    fragments = summary.get("fragments") or {}
    lines = [("rows", str(summary.get("rows", len(analysis.compounds))))]
    lines += [(status, str(by_status.get(status, 0))) for status in STATUS_STYLE]
    levels = summary.get("by_identification") or {}
    if levels:
        lines.append(
            (
                "identification levels",
                ", ".join(f"{k + 1} {label} {n}" for k, (label, n) in enumerate(levels.items())),
            )
        )
    lines += [
        ("anchors", str(summary.get("anchors", 0))),
        ("RT-model groups", str(summary.get("groups", 0))),
        ("RT models", str(models.get("count", 0))),
        ("fragment links", f"{fragments.get('events', 0)} ({fragments.get('parents', 0)} parents)"),
        ("rows of other lipid classes set aside", str(summary.get("n_skipped_other_classes", 0))),
    ]
    curation = summary.get("curation")
    if curation:
        lines.append(
            (
                "statuses set by a curator",
                f"{curation.get('overrides', 0)} rows, "
                f"{len(curation.get('decisions') or [])} decisions",
            )
        )
    return lines


def _summary_page(pdf: PdfPages, analysis: Analysis) -> None:
    from .summary_json import software_version

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    figure = new_page(
        "Ganglioside analysis",
        f"{analysis.source} · ganglioside {software_version()} · written {stamp}",
    )
    y = labelled_lines(
        figure,
        0.9,
        "Summary",
        _summary_lines(analysis),
        value_at=(0.45, "right"),
        colour_of=lambda label: STATUS_STYLE.get(label, ("#222222", ""))[0],
    )
    wrapped_texts(figure, y - 0.04, "Warnings about the file", analysis.warnings)
    pdf.savefig(figure)


# -- charts -------------------------------------------------------------------------------------


def _drawn(frame: pd.DataFrame) -> pd.DataFrame:
    """At most :data:`MAX_POINTS` rows: the rows to review first, then an even spread."""
    if len(frame) <= MAX_POINTS:
        return frame
    review = frame["status"].astype(str).isin(REVIEW_STATUSES).to_numpy()
    first = frame[review].head(MAX_POINTS)
    rest = frame[~review]
    keep = MAX_POINTS - len(first)
    if keep <= 0:
        return first
    step = max(1, math.ceil(len(rest) / keep))
    return pd.concat([first, rest.iloc[::step]])


def _scatter_by_status(ax: Any, frame: pd.DataFrame, x: str, y: str) -> None:
    status = frame["status"].astype(str)
    anchors = frame["is_anchor"].fillna(False).astype(bool).to_numpy()
    for name, (color, marker) in STATUS_STYLE.items():
        part = frame[(status == name).to_numpy() & ~anchors]
        if len(part):
            ax.scatter(part[x], part[y], s=10, c=color, marker=marker, linewidths=0.6,
                       label=f"{name} ({len(part)})")  # fmt: skip
    part = frame[anchors]
    if len(part):
        color, marker = ANCHOR_STYLE
        ax.scatter(part[x], part[y], s=12, c=color, marker=marker, linewidths=0.4,
                   label=f"anchor ({len(part)})")  # fmt: skip


def _rt_panel(ax: Any, group: str, frame: pd.DataFrame, models: Sequence[ModelReport]) -> None:
    drawn = _drawn(frame)
    _scatter_by_status(ax, drawn, "log_p", "rt")
    # Each model line as it was fitted: one per isomer track, curved where it bends (the same
    # lines as the web and HTML charts).
    for i, (_label, xs, ys) in enumerate(model_curves(models, group, frame)):
        ax.plot(xs, ys, color=_LINE_COLORS[i % len(_LINE_COLORS)], linewidth=0.9)
    shown = f" ({len(drawn)} of {len(frame)} drawn)" if len(drawn) < len(frame) else ""
    ax.set_title(f"{group}: {len(frame)} rows{shown}", loc="left")
    ax.set_xlabel("Log P")
    ax.set_ylabel("RT (min)")
    ax.grid(True, linewidth=0.3, color="#DDDDDD")


def _rt_pages(pdf: PdfPages, analysis: Analysis) -> None:
    compounds = analysis.compounds
    plotted = compounds.dropna(subset=["rt", "log_p"])
    plotted = plotted[plotted["group_key"].astype(str) != ""]
    sizes = plotted["group_key"].astype(str).value_counts()
    groups = list(sizes.index[: GROUPS_PER_PAGE * MAX_GROUP_PAGES])
    if not groups:
        return
    left_out = len(sizes) - len(groups)
    note = "Points by status; lines are the fitted models (one per isomer track, bent as fitted)."
    if left_out:
        note += (
            f" The {len(groups)} largest of {len(sizes)} groups; the others are in the HTML report."
        )
    for start in range(0, len(groups), GROUPS_PER_PAGE):
        figure = new_page("Retention time against Log P", note)
        axes = figure.subplots(3, 2, squeeze=False).ravel()
        figure.subplots_adjust(left=0.09, right=0.96, top=0.9, bottom=0.06, hspace=0.45)
        page_groups = groups[start : start + GROUPS_PER_PAGE]
        for ax, group in zip(axes, page_groups, strict=False):
            rows = plotted[plotted["group_key"].astype(str) == group]
            _rt_panel(ax, group, rows, analysis.models)
        for ax in axes[len(page_groups) :]:
            ax.set_visible(False)
        axes[0].legend(fontsize=6, loc="best", frameon=False)
        pdf.savefig(figure)


def _abundance_bars(ax: Any, items: list[dict[str, Any]], key: str, title: str) -> None:
    items = sorted(items, key=lambda item: -float(item.get("percent") or 0.0))[:20]
    labels = [str(item.get(key)) for item in items]
    values = [float(item.get("percent") or 0.0) for item in items]
    ax.barh(range(len(values)), values, color="#1F4E79")
    ax.set_yticks(range(len(values)), labels=labels, fontsize=6.5)
    ax.invert_yaxis()
    ax.set_xlabel("share of quantified volume (%)")
    ax.set_title(title, loc="left")
    ax.grid(True, axis="x", linewidth=0.3, color="#DDDDDD")


def _overview_page(pdf: PdfPages, analysis: Analysis) -> None:
    figure = new_page(
        "Predictions and abundance", "Valid rows are quantified (consolidated volumes)."
    )
    grid = figure.add_gridspec(2, 2, left=0.1, right=0.96, top=0.9, bottom=0.06, hspace=0.3,
                               wspace=0.45)  # fmt: skip
    ax = figure.add_subplot(grid[0, :])
    scored = analysis.compounds.dropna(subset=["rt", "predicted_rt"])
    if len(scored):
        _scatter_by_status(ax, _drawn(scored), "predicted_rt", "rt")
        low = float(min(scored["rt"].min(), scored["predicted_rt"].min()))
        high = float(max(scored["rt"].max(), scored["predicted_rt"].max()))
        ax.plot([low, high], [low, high], color="#999999", linewidth=0.6, linestyle="--")
        ax.legend(fontsize=6, frameon=False)
    ax.set_xlabel("predicted RT (min)")
    ax.set_ylabel("observed RT (min)")
    ax.set_title("Observed against predicted retention time", loc="left")
    abundance = analysis.summary.get("abundance") or {}
    _abundance_bars(figure.add_subplot(grid[1, 0]), abundance.get("by_category") or [],
                    "category", "By category")  # fmt: skip
    _abundance_bars(figure.add_subplot(grid[1, 1]), abundance.get("by_headgroup") or [],
                    "group_key", "By headgroup (20 largest)")  # fmt: skip
    pdf.savefig(figure)


# -- tables -------------------------------------------------------------------------------------


def _review_rows(analysis: Analysis) -> pd.DataFrame:
    compounds = analysis.compounds
    review = compounds["status"].astype(str).isin(REVIEW_STATUSES)
    if "override" in compounds.columns:
        review |= compounds["override"].astype(str) != ""
    return compounds[review.to_numpy()]


def _review_pages(pdf: PdfPages, analysis: Analysis) -> None:
    rows = _review_rows(analysis)
    shown = rows.head(MAX_REVIEW_ROWS)
    has_override = "override" in rows.columns
    columns = [
        ("row", 0.05, 6),
        ("name", 0.19, 28),
        ("status", 0.08, 11),
        ("set by", 0.06, 8),
        ("level", 0.05, 3),
        ("RT", 0.06, 7),
        ("predicted", 0.08, 7),
        ("z", 0.06, 7),
        ("reasons", 0.25, 52),
    ]
    body = [
        (
            r.row,
            r.name,
            r.status,
            "curator" if has_override and str(getattr(r, "override", "")) else "",
            getattr(r, "identification_level", ""),
            r.rt,
            r.predicted_rt,
            r.z,
            r.reasons,
        )
        for r in shown.itertuples(index=False)
    ]
    note = cut_note(
        "Outliers, unverified and invalid rows, and rows whose status a curator set.",
        len(shown),
        len(rows),
        "every row is in compounds.csv",
    )
    table_pages(pdf, "Rows to review", columns, body, note)


def _model_pages(pdf: PdfPages, analysis: Analysis) -> None:
    from .tables import models_table

    table = models_table(analysis)
    columns = [
        ("model", 0.17, 26),
        ("level", 0.08, 11),
        ("groups", 0.25, 44),
        ("anchors", 0.06, 6),
        ("rows", 0.05, 6),
        ("slope", 0.07, 8),
        ("R²", 0.06, 6),
        ("Q²", 0.06, 6),
        ("residual SD", 0.08, 8),
    ]
    names = ["model_id", "level", "groups", "n_anchors", "n_rows", "slope", "r2", "q2",
             "residual_sd"]  # fmt: skip
    body = [tuple(row) for row in table.reindex(columns=names).itertuples(index=False)]
    table_pages(pdf, "Retention-time models", columns, body, "One line per fitted model.")


def _fragment_pages(pdf: PdfPages, analysis: Analysis) -> None:
    events = analysis.fragments
    shown = events.head(MAX_FRAGMENT_ROWS)
    columns = [
        ("fragment row", 0.08, 8),
        ("fragment", 0.22, 32),
        ("parent row", 0.08, 8),
        ("parent", 0.22, 32),
        ("ΔRT (min)", 0.08, 8),
        ("lost", 0.12, 18),
        ("volume ratio", 0.08, 8),
    ]
    names = ["fragment_row", "fragment_name", "parent_row", "parent_name", "delta_rt", "lost",
             "volume_ratio"]  # fmt: skip
    body = [tuple(row) for row in shown.reindex(columns=names).itertuples(index=False)]
    note = cut_note(
        "In-source fragments joined to the peak they came from.",
        len(shown),
        len(events),
        "all are in the workbook",
    )
    table_pages(pdf, "Fragment links", columns, body, note)


def _decision_pages(pdf: PdfPages, analysis: Analysis) -> None:
    decisions = (analysis.summary.get("curation") or {}).get("decisions") or []
    if not decisions:
        return
    columns = [
        ("when", 0.14, 16),
        ("who", 0.09, 12),
        ("row", 0.05, 6),
        ("name", 0.17, 24),
        ("decision", 0.12, 16),
        ("why", 0.33, 60),
    ]
    body = [
        (
            str(d.get("decided_at", ""))[:16].replace("T", " "),
            d.get("user"),
            d.get("row"),
            d.get("name"),
            f"{d.get('action')} {d.get('status') or ''}".strip(),
            d.get("reason"),
        )
        for d in decisions
    ]
    note = "The curator's decisions (audit trail), oldest first."
    table_pages(pdf, "Decisions about rows", columns, body, note)


def _parameter_page(pdf: PdfPages, analysis: Analysis) -> None:
    from .summary_json import flatten, software_version

    rows = list(flatten(analysis.config.to_dict()))
    rows += [("software_version", software_version()), ("source", analysis.source)]
    columns = [("parameter", 0.35, 50), ("value", 0.5, 80)]
    table_pages(pdf, "Parameters and version", columns, rows, "Everything needed to run it again.")
