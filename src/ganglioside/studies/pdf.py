"""``study_report.pdf``: the study on A4 pages, drawn with matplotlib (as the analysis's
``report.pdf``, :mod:`ganglioside.report.pdf`): the summary and warnings, the volcano plot,
the PCA, the category composition per group, the retention drift, box plots of the compounds
with the smallest q values, the clustered heatmap with every row labelled and a bar of the
samples' groups, the compounds by q value and the samples.

Charts are vector graphics; no GUI backend and no global figure state are used.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..report.pdf_pages import (
    cut_note,
    labelled_lines,
    new_page,
    table_pages,
    wrapped,
    wrapped_texts,
    write_pages,
)
from .plots import _PALETTE, BOX_SPECIES, CHANGED_Q, category_shares, clustered_z, group_colours
from .result import StudyResult

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.backends.backend_pdf import PdfPages

#: Heatmap rows per page (each labelled), and pages of heatmap at most.
HEATMAP_ROWS = 70
MAX_HEATMAP_PAGES = 6
#: The words for the first colours of the palette (the heatmap's group bar says them).
_COLOUR_NAMES = ("blue", "red", "green", "purple", "orange", "brown", "cyan")
#: Compounds listed by q value (ten pages).
MAX_TABLE_ROWS = 440


def study_pdf_bytes(result: StudyResult) -> bytes:
    """``study_report.pdf`` as bytes."""
    buffer = io.BytesIO()
    _render(result, buffer)
    return buffer.getvalue()


def write_study_pdf(result: StudyResult, path: str | Path) -> Path:
    """Write ``study_report.pdf`` to ``path`` and return the path."""
    path = Path(path)
    path.write_bytes(study_pdf_bytes(result))
    return path


def _render(result: StudyResult, target: Any) -> None:
    from ..report.summary_json import software_version

    sections: list[tuple[str, Callable[[PdfPages, StudyResult], None]]] = [
        ("summary", _summary_page),
        ("charts", _chart_page),
        ("box plots", _box_page),
        ("heatmap", _heatmap_pages),
        ("compounds", _compound_pages),
        ("samples", _sample_pages),
    ]
    metadata = {
        "Title": f"Ganglioside study ({result.comparison.label})",
        "Creator": f"ganglioside {software_version()}",
        "CreationDate": _created(result),
    }
    write_pages(target, metadata, result, sections)


# -- the summary --------------------------------------------------------------------------------


def _summary_lines(result: StudyResult) -> list[tuple[str, str]]:
    s = result.summary
    return [
        ("samples", str(s.get("n_samples", len(result.samples)))),
        ("groups", ", ".join(str(g) for g in result.design.groups)),
        ("comparison", str(s.get("comparison", result.comparison.label))),
        ("test", str(s.get("test", ""))),
        ("quantity, imputation", f"{s.get('quantity', '')}, {s.get('imputation', '')}"),
        ("aligned compounds", str(s.get("n_compounds", ""))),
        ("internal standards", str(s.get("n_standards", ""))),
        ("tested", str(s.get("n_tested", ""))),
        (
            f"changed (q < {CHANGED_Q:g})",
            f"{s.get('n_changed_q05', '')} ({s.get('n_up_q05', '')} up, "
            f"{s.get('n_down_q05', '')} down)",
        ),
        ("missing values", str(s.get("missing_values", ""))),
    ]


def _summary_page(pdf: PdfPages, result: StudyResult) -> None:
    from ..report.summary_json import software_version

    stamp = _created(result).strftime("%Y-%m-%d %H:%M UTC")
    figure = new_page("Ganglioside study", f"ganglioside {software_version()} · made {stamp}")
    y = labelled_lines(figure, 0.9, "Summary", _summary_lines(result))
    wrapped_texts(figure, y - 0.04, "Warnings", result.warnings)
    pdf.savefig(figure)


# -- charts -------------------------------------------------------------------------------------


def _chart_page(pdf: PdfPages, result: StudyResult) -> None:
    figure = new_page("Changes, samples and composition", f"comparison {result.comparison.label}")
    axes = figure.subplots(2, 2).ravel()
    figure.subplots_adjust(left=0.09, right=0.96, top=0.9, bottom=0.07, hspace=0.35, wspace=0.3)
    _volcano(axes[0], result)
    _pca(axes[1], result)
    _composition(axes[2], result)
    _drift(axes[3], result)
    pdf.savefig(figure)


def _volcano(ax: Any, result: StudyResult) -> None:
    stats = result.main_statistics.dropna(subset=["p_value", "log2_fold_change"])
    changed = stats["q_value"].to_numpy(dtype=float) < CHANGED_Q
    y = -np.log10(np.maximum(stats["p_value"].to_numpy(float), np.finfo(float).tiny))
    x = stats["log2_fold_change"].to_numpy(float)
    ax.scatter(x[~changed], y[~changed], s=8, c="#9e9e9e", label=f"q ≥ {CHANGED_Q:g}")
    ax.scatter(x[changed], y[changed], s=10, c="#d62728", label=f"q < {CHANGED_Q:g}")
    ax.set_title("Volcano plot", loc="left")
    ax.set_xlabel(f"log2 fold change ({result.comparison.label})")
    ax.set_ylabel("-log10 p")
    ax.legend(fontsize=6, frameon=False)


def _pca(ax: Any, result: StudyResult) -> None:
    scores = result.pca.scores
    ax.set_title("PCA of the samples", loc="left")
    if "PC2" not in scores.columns:
        ax.text(0.5, 0.5, "too few samples or compounds", ha="center", transform=ax.transAxes)
        return
    colours = group_colours(result)
    for group in result.design.groups:
        part = scores[scores["group"] == group]
        ax.scatter(part["PC1"], part["PC2"], s=18, c=colours[group], label=str(group))
    explained = result.pca.explained
    ax.set_xlabel(f"PC1 ({100 * explained[0]:.0f} %)")
    ax.set_ylabel(f"PC2 ({100 * explained[1]:.0f} %)")
    ax.legend(fontsize=6, frameon=False)


def _composition(ax: Any, result: StudyResult) -> None:
    shares = category_shares(result).fillna(0.0)
    bottom = np.zeros(len(shares.columns))
    for i, category in enumerate(shares.index):
        values = shares.loc[category].to_numpy(float)
        ax.bar([str(c) for c in shares.columns], values, bottom=bottom,
               color=_PALETTE[i % len(_PALETTE)], label=str(category))  # fmt: skip
        bottom += values
    ax.set_title("Category composition per group", loc="left")
    ax.set_ylabel("% of valid signal")
    ax.legend(fontsize=6, frameon=False, ncols=3)


def _drift(ax: Any, result: StudyResult) -> None:
    samples = result.samples
    order = samples["injection_order"].to_numpy(dtype=float)
    known = bool(np.isfinite(order).all())
    x = order if known else np.arange(1, len(samples) + 1)
    ax.scatter(x, samples["rt_shift"].to_numpy(float), s=14, c="#1F4E79")
    ax.axhline(0, color="#999999", linewidth=0.5)
    ax.set_title("Retention drift per sample", loc="left")
    ax.set_xlabel("injection order" if known else "design order")
    ax.set_ylabel("RT shift (min)")


def _box_page(pdf: PdfPages, result: StudyResult) -> None:
    stats = result.main_statistics.dropna(subset=["q_value"]).nsmallest(BOX_SPECIES, "q_value")
    figure = new_page(
        "Compounds with the smallest q values",
        f"{result.quantities.quantity} quantity per sample, by group",
    )
    if stats.empty:
        figure.text(0.06, 0.9, "No compound was tested.", fontsize=9, color="#555555")
        pdf.savefig(figure)
        return
    axes = figure.subplots(4, 3).ravel()
    figure.subplots_adjust(left=0.08, right=0.97, top=0.89, bottom=0.05, hspace=0.7, wspace=0.4)
    group_of = {s.sample: s.group for s in result.design.samples}
    groups = list(result.design.groups)
    colours = group_colours(result)
    values = result.quantities.values
    for ax, (_, stat) in zip(axes, stats.iterrows(), strict=False):
        row = values.loc[stat["feature"]]
        cells = [row[[s for s in row.index if group_of.get(s) == g]].dropna() for g in groups]
        ax.boxplot([c.to_numpy(float) for c in cells], tick_labels=[str(g) for g in groups])
        for i, c in enumerate(cells):
            ax.scatter(np.full(len(c), i + 1.0), c.to_numpy(float), s=8, c=colours[groups[i]])
        title = "\n".join(wrapped(_name(stat), 30)[:2])
        ax.set_title(f"{title}\nq {stat['q_value']:.2g}", fontsize=7, loc="left")
        ax.tick_params(labelsize=6)
    for ax in axes[len(stats) :]:
        ax.set_visible(False)
    pdf.savefig(figure)


def _name(stat: pd.Series) -> str:
    track = str(stat.get("isomer_track") or "")
    track = "" if track in ("", "nan") else f" [{track}]"
    return f"{stat['name']}{track}"


def _heatmap_pages(pdf: PdfPages, result: StudyResult) -> None:
    from matplotlib.colors import ListedColormap

    shown, labels = clustered_z(result)
    if shown.empty:
        return
    groups = list(result.design.groups)
    group_of = {s.sample: s.group for s in result.design.samples}
    codes = np.array([[groups.index(group_of[str(c)]) if group_of.get(str(c)) in groups else 0
                       for c in shown.columns]])  # fmt: skip
    bar_colours = ListedColormap([_PALETTE[i % len(_PALETTE)] for i in range(len(groups))])
    limit = HEATMAP_ROWS * MAX_HEATMAP_PAGES
    pages = int(np.ceil(min(len(shown), limit) / HEATMAP_ROWS))
    note = "log2 quantity centred and scaled per compound; rows and samples clustered."
    if len(shown) > limit:
        note += f" The first {limit} of {len(shown)} rows; all are in matrix.csv."
    for number in range(pages):
        rows = slice(number * HEATMAP_ROWS, (number + 1) * HEATMAP_ROWS)
        part = shown.iloc[rows]
        title = "Compounds × samples" + (f" ({number + 1}/{pages})" if pages > 1 else "")
        figure = new_page(title, note)
        bar, ax = figure.subplots(
            2, 1, gridspec_kw={"height_ratios": [1, max(len(part), 1) / 2.5]}, sharex=True
        )
        figure.subplots_adjust(left=0.3, right=0.9, top=0.9, bottom=0.1, hspace=0.02)
        bar.imshow(codes, aspect="auto", cmap=bar_colours, vmin=0, vmax=max(len(groups) - 1, 1))
        bar.set_yticks([0], labels=["group"], fontsize=6)
        bar.set_title(
            "groups: " + ", ".join(f"{g} ({_COLOUR_NAMES[i % len(_COLOUR_NAMES)]})"
                                   for i, g in enumerate(groups)),
            fontsize=7, loc="left", y=1.0,  # placed, not measured: nothing stands above the bar
        )  # fmt: skip
        image = ax.imshow(part.to_numpy(float), aspect="auto", cmap="RdBu_r", vmin=-3, vmax=3)
        _axis_labels(ax, labels[rows], [str(c) for c in part.columns])
        figure.colorbar(image, ax=[bar, ax], shrink=0.3, label="z (log2)")
        pdf.savefig(figure)


def _axis_labels(ax: Any, rows: Sequence[str], columns: Sequence[str]) -> None:
    """Each row's label left of its row and each column's (sample's) below its column, as
    plain texts: far cheaper to draw than as many axis ticks, which carry lines and layout."""
    from matplotlib.transforms import blended_transform_factory

    ax.set_xticks([])
    ax.set_yticks([])
    left = blended_transform_factory(ax.transAxes, ax.transData)
    for i, label in enumerate(rows):
        ax.text(-0.01, i, label, transform=left, fontsize=5, ha="right", va="center")
    below = blended_transform_factory(ax.transData, ax.transAxes)
    for j, label in enumerate(columns):
        ax.text(j, -0.005, label, transform=below, fontsize=5, ha="center", va="top", rotation=90)


# -- tables -------------------------------------------------------------------------------------


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _p(value: Any) -> str:
    number = _number(value)
    if not np.isfinite(number):
        return ""
    return f"{number:.1e}" if number < 0.001 else f"{number:.3f}"


def _fixed(value: Any, spec: str) -> str:
    """A number in format ``spec`` (empty when missing)."""
    number = _number(value)
    return format(number, spec) if np.isfinite(number) else ""


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _compound_pages(pdf: PdfPages, result: StudyResult) -> None:
    stats = result.main_statistics.sort_values("q_value", na_position="last")
    shown = stats.head(MAX_TABLE_ROWS)
    columns = [
        ("species", 0.2, 30),
        ("isomer track", 0.09, 10),
        ("category", 0.08, 8),
        ("RT (min)", 0.08, 8),
        ("log2 fold change", 0.13, 8),
        ("p", 0.09, 9),
        ("q (BH)", 0.09, 9),
    ]
    body = [
        (
            r.name,
            _text(r.isomer_track),
            r.category,
            _fixed(r.rt, ".2f"),
            _fixed(r.log2_fold_change, "+.2f"),
            _p(r.p_value),
            _p(r.q_value),
        )
        for r in shown.itertuples(index=False)
    ]
    note = cut_note(
        f"By q value ({result.summary.get('test', '')}).",
        len(shown),
        len(stats),
        "every compound is in statistics.csv",
    )
    table_pages(pdf, "Compounds", columns, body, note)


def _sample_pages(pdf: PdfPages, result: StudyResult) -> None:
    samples = result.samples
    columns = [
        ("sample", 0.18, 26),
        ("group", 0.12, 16),
        ("rows", 0.07, 7),
        ("valid", 0.07, 7),
        ("outliers", 0.08, 7),
        ("anchors", 0.08, 7),
        ("borrowed", 0.08, 7),
        ("RT shift (min)", 0.12, 8),
    ]
    body = [
        (
            r.sample, r.group, r.rows, r.valid, r.outlier, r.anchors, r.borrowed_anchors,
            _fixed(r.rt_shift, "+.3f"),
        )
        for r in samples.itertuples(index=False)
    ]  # fmt: skip
    table_pages(pdf, "Samples", columns, body, "Each sample's own analysis.")


def _created(result: StudyResult) -> datetime:
    """When the study was made (its summary's time), so that the same result gives the same
    bytes whenever it is written; now, when the summary has none."""
    try:
        return datetime.fromisoformat(str(result.summary["created"]))
    except (KeyError, ValueError):
        return datetime.now(UTC)
