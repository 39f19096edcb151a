"""The study's figures (Plotly): heatmap, volcano, PCA, composition, box plots, drift.

Each function takes a :class:`~.result.StudyResult` and returns a ``plotly.graph_objects.Figure``;
:func:`study_figures` returns them all by name, in the order the report shows them.
"""

from __future__ import annotations

import html
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.cluster import hierarchy

from ..result import CATEGORIES
from .qc_plots import batch_pca_figure, qc_rsd_figure
from .result import StudyResult
from .statistics import log2_frame

#: Species shown as box plots: the smallest q values; in this many columns, rows this tall (px).
BOX_SPECIES = 12
BOX_COLUMNS = 2
BOX_ROW_PX = 280
#: Characters per line of a box plot's title.
TITLE_CHARS = 22
#: q value below which a compound is drawn as changed in the volcano plot.
CHANGED_Q = 0.05
#: Height of one heatmap row (px), so every row has room for its label; and the tallest heatmap.
ROW_PX = 13
MAX_HEATMAP_PX = 12000
_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")


def study_figures(result: StudyResult) -> dict[str, go.Figure]:
    """Every figure of the study report, by name."""
    return {
        "heatmap": heatmap_figure(result),
        "volcano": volcano_figure(result),
        "pca": pca_figure(result),
        "composition": composition_figure(result),
        "boxes": box_figure(result),
        "drift": drift_figure(result),
        "qc": qc_rsd_figure(result),
        "batches": batch_pca_figure(result),
    }


def _colour(groups: tuple[str, ...]) -> dict[str, str]:
    return {g: _PALETTE[i % len(_PALETTE)] for i, g in enumerate(groups)}


def _escaped(values: pd.Series) -> pd.Series:
    """Data text for a Plotly label: HTML-escaped, since Plotly reads tags in labels."""
    return values.astype(str).map(lambda v: html.escape(v, quote=True))


def group_colours(result: StudyResult) -> dict[str, str]:
    """Each group's colour, the same in every figure (and the PDF)."""
    return _colour(tuple(result.design.groups))


def _label(features: pd.DataFrame) -> pd.Series:
    track = features["isomer_track"].astype(str)
    label: pd.Series = features["name"].astype(str) + np.where(track != "", " [" + track + "]", "")
    return _escaped(label)


def heatmap_figure(result: StudyResult) -> go.Figure:
    """Compounds × samples, log2 quantity centred and scaled per compound, both axes clustered
    (average linkage, Euclidean; missing cells shown empty), every row labelled, with a bar
    over the columns giving each sample's group (its colour as in the other figures)."""
    shown, labels = clustered_z(result)
    samples = [str(c) for c in shown.columns]
    bar_share = min(0.3, 30 / (30 + ROW_PX * max(len(shown), 1)))
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[bar_share, 1 - bar_share],
        vertical_spacing=0.005,
    )  # fmt: skip
    group_of = {s.sample: s.group for s in result.design.samples}
    groups = list(result.design.groups)
    codes = [groups.index(group_of[s]) if group_of.get(s) in groups else -1 for s in samples]
    fig.add_trace(_group_bar(samples, codes, groups), row=1, col=1)
    # Rows are numbered on the axis (names may repeat: one row per isomer track and RT) and
    # labelled with their names, every one of them.
    fig.add_trace(
        go.Heatmap(
            z=shown.to_numpy(),
            x=samples,
            y=list(range(len(shown))),
            customdata=np.array([[name] * len(samples) for name in labels], dtype=object),
            colorscale="RdBu_r",
            zmid=0,
            colorbar={"title": {"text": "z (log2)"}, "len": 0.6, "y": 0.4},
            hovertemplate="%{customdata}<br>%{x}: %{z:.2f}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    height = min(MAX_HEATMAP_PX, 260 + ROW_PX * len(shown))
    fig.update_yaxes(showticklabels=False, row=1, col=1, fixedrange=True)
    fig.update_yaxes(
        tickmode="array", tickvals=list(range(len(shown))), ticktext=labels,
        tickfont={"size": 9}, autorange="reversed", automargin=True, row=2, col=1,
    )  # fmt: skip
    fig.update_xaxes(tickangle=-60, automargin=True, row=2, col=1)
    fig.update_layout(
        title="Compounds × samples (clustered)", height=height, showlegend=True,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "title": "group"},
        margin={"t": 90},
    )  # fmt: skip
    for i, group in enumerate(groups):  # the legend of the group bar
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=str(group), hoverinfo="skip",
                marker={"color": _PALETTE[i % len(_PALETTE)], "size": 10, "symbol": "square"},
            ),
            row=1, col=1,
        )  # fmt: skip
    return fig


def clustered_z(result: StudyResult) -> tuple[pd.DataFrame, list[str]]:
    """The heatmap's values (compounds × samples, log2 quantity centred and scaled per
    compound, both axes clustered; standards left out) and each row's label."""
    values = result.quantities.values
    info = result.features.set_index("feature").reindex(values.index)
    values = values.loc[~info["is_standard"].to_numpy(dtype=bool)]
    logs = log2_frame(values)
    z = logs.sub(logs.mean(axis=1), axis=0).div(logs.std(axis=1).replace(0, np.nan), axis=0)
    filled = z.fillna(0.0).to_numpy()
    shown = z.iloc[_leaf_order(filled), _leaf_order(filled.T)]
    return shown, list(_label(info.loc[shown.index]))


def _group_bar(samples: list[str], codes: list[int], groups: list[str]) -> go.Heatmap:
    """One cell per sample over the heatmap's columns, coloured by the sample's group."""
    n = max(len(groups), 1)
    scale = []
    for i in range(n):
        colour = _PALETTE[i % len(_PALETTE)]
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    names = [groups[c] if c >= 0 else "" for c in codes]
    return go.Heatmap(
        z=[[c + 0.5 for c in codes]],
        x=samples,
        y=["group"],
        zmin=0,
        zmax=n,
        colorscale=scale,
        showscale=False,
        customdata=[names],
        hovertemplate="%{x}: group %{customdata}<extra></extra>",
    )


def _leaf_order(data: np.ndarray) -> np.ndarray:
    if data.shape[0] < 3:
        return np.arange(data.shape[0])
    return hierarchy.leaves_list(hierarchy.linkage(data, method="average", metric="euclidean"))


def volcano_figure(result: StudyResult) -> go.Figure:
    """log2 fold change against -log10 p, compounds with q < 0.05 highlighted."""
    stats = result.main_statistics.dropna(subset=["p_value", "log2_fold_change"])
    changed = stats["q_value"].to_numpy(dtype=float) < CHANGED_Q
    fig = go.Figure()
    for mask, name, colour in ((~changed, "q ≥ 0.05", "#9e9e9e"), (changed, "q < 0.05", "#d62728")):
        part = stats[mask]
        fig.add_trace(
            go.Scatter(
                x=part["log2_fold_change"],
                y=-np.log10(np.maximum(part["p_value"].to_numpy(float), np.finfo(float).tiny)),
                mode="markers",
                name=name,
                marker={"color": colour, "size": 7},
                text=_label(part),
                customdata=part["q_value"],
                hovertemplate="%{text}<br>log2 FC %{x:.2f}<br>q %{customdata:.2g}<extra></extra>",
            )
        )
    test = str(stats["test"].iat[0]) if len(stats) else ""
    fig.update_layout(
        title=f"Volcano plot ({result.comparison.label}, {test})",
        xaxis_title=f"log2 fold change ({result.comparison.label})",
        yaxis_title="-log10 p",
    )
    return fig


def pca_figure(result: StudyResult) -> go.Figure:
    """PC1 against PC2 of the samples, coloured by group."""
    scores = result.pca.scores
    fig = go.Figure()
    colours = _colour(result.design.groups)
    explained = result.pca.explained
    if "PC2" not in scores.columns:
        fig.update_layout(title="PCA: too few samples or compounds")
        return fig
    for group in result.design.groups:
        part = scores[scores["group"] == group]
        fig.add_trace(
            go.Scatter(
                x=part["PC1"],
                y=part["PC2"],
                mode="markers",
                name=html.escape(str(group)),
                marker={"color": colours[group], "size": 10},
                text=_escaped(part["sample"]),
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_layout(
        title=f"PCA of the samples ({result.pca.n_compounds} compounds, log2, autoscaled)",
        xaxis_title=f"PC1 ({100 * explained[0]:.0f} %)",
        yaxis_title=f"PC2 ({100 * explained[1]:.0f} %)",
    )
    return fig


def category_shares(result: StudyResult) -> pd.DataFrame:
    """Per group, the mean share (%) of each category in the samples' valid signal."""
    abundance = result.abundance
    info = result.features.set_index("feature").reindex(abundance.index)
    keep = ~info["is_standard"].to_numpy(dtype=bool)
    by_category = abundance[keep].groupby(info.loc[keep, "category"].to_numpy()).sum()
    shares = 100 * by_category / by_category.sum(axis=0).replace(0, np.nan)
    group = pd.Series({s.sample: s.group for s in result.design.samples})
    per_group = shares.T.groupby(group.reindex(shares.columns).to_numpy()).mean().T
    order = [c for c in CATEGORIES if c in per_group.index]
    return per_group.reindex(index=order, columns=list(result.design.groups))


def composition_figure(result: StudyResult) -> go.Figure:
    """Stacked shares of GA/GM/GD/GT/GQ/GP per group."""
    shares = category_shares(result)
    fig = go.Figure()
    for category in shares.index:
        fig.add_trace(
            go.Bar(
                x=list(shares.columns),
                y=shares.loc[category],
                name=html.escape(str(category)),
                hovertemplate="%{x}: %{y:.1f} %<extra>" + html.escape(str(category)) + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        title="Category composition per group (mean share of valid signal)",
        yaxis_title="% of valid signal",
    )
    return fig


def box_figure(result: StudyResult) -> go.Figure:
    """Box plots per group of the compounds with the smallest q values."""
    stats = result.main_statistics.dropna(subset=["q_value"]).nsmallest(BOX_SPECIES, "q_value")
    n = max(len(stats), 1)
    cols = min(BOX_COLUMNS, n)
    rows = int(np.ceil(n / cols))
    # Titles wrapped to short lines, with room between the rows, so none runs into another.
    titles = [_wrapped(t) for t in _label(stats)] or [""]
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.12,
        vertical_spacing=min(0.3, 0.35 / rows),
    )  # fmt: skip
    fig.update_annotations(font={"size": 11})
    colours = _colour(result.design.groups)
    group_of = {s.sample: s.group for s in result.design.samples}
    values = result.quantities.values
    for i, feature in enumerate(stats["feature"]):
        row = values.loc[feature]
        for group in result.design.groups:
            cells = row[[s for s in row.index if group_of.get(s) == group]]
            fig.add_trace(
                go.Box(
                    y=cells.to_numpy(),
                    name=html.escape(str(group)),
                    marker={"color": colours[group]},
                    boxpoints="all",
                    text=[html.escape(str(s)) for s in cells.index],
                    showlegend=i == 0,
                    legendgroup=str(group),
                ),
                row=i // cols + 1,
                col=i % cols + 1,
            )
    fig.update_layout(
        title=f"Compounds with the smallest q values ({result.quantities.quantity})",
        height=BOX_ROW_PX * rows + 140,
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
        margin={"t": 110},
    )
    return fig


def _wrapped(title: str, width: int = TITLE_CHARS) -> str:
    """A title in lines of at most ``width`` characters (broken at spaces, else anywhere)."""
    lines = textwrap.wrap(title, width, break_long_words=True, break_on_hyphens=False)
    return "<br>".join(lines[:3]) if lines else title


def drift_figure(result: StudyResult) -> go.Figure:
    """RT shift of each sample against its injection order (design order when not given)."""
    samples = result.samples
    order = samples["injection_order"].to_numpy(dtype=float)
    x = order if np.isfinite(order).all() else np.arange(1, len(samples) + 1)
    fig = go.Figure()
    batches = samples["batch"].fillna("").astype(str)
    for batch in dict.fromkeys(batches):
        mask = (batches == batch).to_numpy()
        part = samples[mask]
        fig.add_trace(
            go.Scatter(
                x=x[mask],
                y=part["rt_shift"],
                mode="markers",
                name=f"batch {html.escape(batch)}" if batch else "samples",
                marker={"size": 9},
                text=_escaped(part["sample"] + " (" + part["group"].astype(str) + ")"),
                customdata=part["rt_slope"],
                hovertemplate="%{text}<br>shift %{y:+.3f} min<br>slope %{customdata:.4f}"
                "<extra></extra>",
            )
        )
    fig.update_layout(
        title="Retention drift per sample",
        xaxis_title="injection order" if np.isfinite(order).all() else "design order",
        yaxis_title="RT shift (min)",
    )
    return fig
