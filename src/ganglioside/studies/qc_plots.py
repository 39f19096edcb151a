"""Figures of the QC steps: the QC RSD of the compounds before and after the drift correction,
and the PCA of the study samples coloured by batch before and after the batch correction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .result import StudyResult
from .statistics import pca_scores


def qc_rsd_figure(result: StudyResult) -> go.Figure:
    """Histogram of the compounds' QC RSD (%) before and after the drift correction."""
    fig = go.Figure()
    qc = result.quantities.qc
    table = qc.table if qc is not None else pd.DataFrame()
    if table.empty or table["qc_rsd"].isna().all():
        fig.update_layout(title="QC RSD: no pooled QCs in the design")
        return fig
    for column, label in (("qc_rsd_before", "before"), ("qc_rsd", "after")):
        fig.add_trace(
            go.Histogram(
                x=100 * table[column].dropna(),
                name=f"{label} the correction",
                opacity=0.6,
                xbins={"size": 2.5},
            )
        )
    limit = 100 * float(result.config.qc_rsd)
    fig.add_vline(x=limit, line_dash="dash", annotation_text=f"filter {limit:.0f} %")
    median = table[["qc_rsd_before", "qc_rsd"]].median()
    fig.update_layout(
        barmode="overlay",
        title=f"QC RSD per compound: median {100 * median.iloc[0]:.1f} % before, "
        f"{100 * median.iloc[1]:.1f} % after the drift correction and normalisation",
        xaxis_title="QC RSD (%)",
        yaxis_title="compounds",
    )
    return fig


def _scores(values: pd.DataFrame) -> tuple[np.ndarray, list[float]] | None:
    logs = pd.DataFrame(
        np.log2(values.where(values > 0).to_numpy(dtype=float)), index=values.index
    ).T
    logs = logs.loc[:, logs.notna().all(axis=0) & (logs.std(axis=0) > 0)]
    if logs.shape[0] < 3 or logs.shape[1] < 2:
        return None
    return pca_scores(logs.to_numpy(dtype=float), 2)


def batch_pca_figure(result: StudyResult) -> go.Figure:
    """PC1 against PC2 of the study samples coloured by batch, before and after the batch
    correction (location and scale per batch and compound)."""
    corrected = result.quantities.batch_corrected
    if corrected is None:
        fig = go.Figure()
        fig.update_layout(title="Batches: the study samples come from one batch")
        return fig
    info = result.features.set_index("feature").reindex(corrected.index)
    keep = ~info["is_standard"].fillna(False).to_numpy(dtype=bool)
    before = result.quantities.imputed.loc[keep, corrected.columns]
    after = corrected.loc[keep]
    batch_of = {s.sample: s.batch for s in result.design.samples}
    batches = [batch_of[c] for c in corrected.columns]
    fig = make_subplots(rows=1, cols=2, subplot_titles=["before", "after batch correction"])
    for col, frame in ((1, before), (2, after)):
        found = _scores(frame)
        if found is None:
            continue
        scores, _ = found
        for j, batch in enumerate(dict.fromkeys(batches)):
            mask = np.array([b == batch for b in batches])
            fig.add_trace(
                go.Scatter(
                    x=scores[mask, 0],
                    y=scores[mask, 1],
                    mode="markers",
                    name=f"batch {batch}",
                    legendgroup=str(batch),
                    showlegend=col == 1,
                    marker={
                        "size": 9,
                        "color": ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"][j % 4],
                    },
                    text=list(corrected.columns[mask]),
                    hovertemplate="%{text}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_layout(title="PCA of the study samples by batch (log2, autoscaled)")
    return fig
