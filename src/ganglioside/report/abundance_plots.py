"""Bar charts of relative abundance (by category, headgroup, core or ceramide)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..result import AnalysisResult
from .abundance import abundance_table
from .figure_json import Spec, figure, trace
from .points import _FONT, _TEMPLATE, CATEGORY_COLORS, _empty_spec, esc

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go


def abundance_spec(
    analysis: AnalysisResult, by: str = "category", table: pd.DataFrame | None = None
) -> Spec:
    """The figure dictionary of :func:`abundance_figure` (``table``: the abundance table, when
    the caller has it already)."""
    table = abundance_table(analysis.compounds, by=by) if table is None else table
    title = f"Relative abundance by {by}"
    if table.empty or not (table["volume"] > 0).any():
        return _empty_spec(title, f"No quantified {by} has a volume to show.")
    keys = [str(k) for k in table["key"]]
    colors = [
        CATEGORY_COLORS.get(k[:2], "#5b6775") if by != "ceramide" else "#1f4e79" for k in keys
    ]
    bars = trace(
        "bar",
        x=[esc(k) for k in keys],
        y=table["percent"].to_numpy(dtype=float),
        marker={"color": colors},
        customdata=np.column_stack(
            [table["volume"], table["rows"], table["volume_not_quantified"]]
        ).astype(float),
        hovertemplate=(
            "<b>%{x}</b><br>%{y:.2f} % of the quantified volume"
            "<br>volume %{customdata[0]:,.0f} in %{customdata[1]} rows"
            "<br>not quantified (outlier/unverified): %{customdata[2]:,.0f}"
            "<extra></extra>"
        ),
    )
    subtitle = "consolidated volume of valid rows (fragments folded into their parent)"
    xaxis: dict[str, Any] = {"title": {"text": by.capitalize()}}
    if len(keys) > 8:
        xaxis["tickangle"] = -45
    layout = {
        "title": {"text": f"{title}<br><sup>{subtitle}</sup>", "x": 0.01, "xanchor": "left"},
        "xaxis": xaxis,
        "yaxis": {"title": {"text": "Share of quantified volume (%)"}},
        "template": _TEMPLATE,
        "font": _FONT,
        "height": 440,
        "showlegend": False,
        "meta": {"aggregated": ""},
    }
    return {"data": [bars], "layout": layout}


def abundance_figure(analysis: AnalysisResult, by: str = "category") -> go.Figure:
    """Share of the quantified consolidated volume per category, headgroup, core or ceramide.

    Bars are coloured by ganglioside category.  Fragments are not counted on their own (their
    volume is in their root's consolidated volume); the hover label also gives the volume of
    rows that were not quantified (outliers, unverified).

    Parameters
    ----------
    by:
        ``"category"``, ``"headgroup"`` (RT-model group), ``"core"`` or ``"ceramide"``.
    """
    return figure(abundance_spec(analysis, by))
