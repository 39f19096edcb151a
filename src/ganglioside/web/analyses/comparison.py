"""Comparison of two analyses: abundances side by side, and rows whose status differs.

Read-only.  Abundances come from each analysis's stored summary (the quantified,
consolidated volumes the core reports); rows are matched by their row number *and* name, so two
runs of the same table (say, with a different ``outlier_z``) pair up row by row, while a row
whose name changed between two files is reported as present in one analysis only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from ganglioside.report.abundance import natural_key
from ganglioside.report.plots import esc

from .models import Analysis, Compound

#: The summary's abundance lists, with the key of their items.
LEVELS: dict[str, tuple[str, str]] = {
    "category": ("by_category", "category"),
    "headgroup": ("by_headgroup", "group_key"),
}
_ROW_COLUMNS = ("row", "name", "status", "group_key", "z", "reasons")


@dataclass(frozen=True)
class AbundanceRow:
    key: str
    percent_a: float | None
    percent_b: float | None
    volume_a: float | None
    volume_b: float | None

    @property
    def difference(self) -> float | None:
        """Share in B minus share in A (percentage points); missing counts as 0."""
        if self.percent_a is None and self.percent_b is None:
            return None
        return (self.percent_b or 0.0) - (self.percent_a or 0.0)

    @property
    def trend(self) -> str:
        """``up`` or ``down`` when the share moved by at least 0.005 points (what the page
        shows at two decimals), else empty."""
        difference = self.difference
        if difference is None or abs(difference) < 0.005:
            return ""
        return "up" if difference > 0 else "down"


@dataclass(frozen=True)
class StatusChange:
    row: int
    name: str
    status_a: str
    status_b: str
    group_key: str
    z_a: float | None
    z_b: float | None
    reasons_a: str
    reasons_b: str


@dataclass
class Comparison:
    a: Analysis
    b: Analysis
    abundance: dict[str, list[AbundanceRow]] = field(default_factory=dict)
    changes: list[StatusChange] = field(default_factory=list)
    matched: int = 0
    only_a: int = 0
    only_b: int = 0
    transitions: list[tuple[str, str, int]] = field(default_factory=list)


def _abundance_items(analysis: Analysis, level: str) -> dict[str, dict[str, Any]]:
    list_key, item_key = LEVELS[level]
    items = ((analysis.summary or {}).get("abundance") or {}).get(list_key) or []
    return {str(item.get(item_key)): item for item in items if isinstance(item, dict)}


def abundance_rows(a: Analysis, b: Analysis, level: str) -> list[AbundanceRow]:
    """One row per key present in either analysis, in Svennerholm order."""
    left, right = _abundance_items(a, level), _abundance_items(b, level)
    rows = []
    for key in sorted(set(left) | set(right), key=natural_key):
        la, rb = left.get(key, {}), right.get(key, {})
        rows.append(
            AbundanceRow(
                key=key,
                percent_a=la.get("percent"),
                percent_b=rb.get("percent"),
                volume_a=la.get("volume"),
                volume_b=rb.get("volume"),
            )
        )
    return rows


def _rows(analysis: Analysis) -> dict[tuple[int, str], tuple[Any, ...]]:
    values = Compound.objects.filter(analysis=analysis).values_list(*_ROW_COLUMNS)
    return {(row[0], row[1]): row for row in values}


def compare(a: Analysis, b: Analysis) -> Comparison:
    """Compare two analyses (the caller has checked that both belong to the user)."""
    result = Comparison(a=a, b=b)
    for level in LEVELS:
        result.abundance[level] = abundance_rows(a, b, level)
    left, right = _rows(a), _rows(b)
    shared = left.keys() & right.keys()
    result.matched = len(shared)
    result.only_a = len(left) - len(shared)
    result.only_b = len(right) - len(shared)
    counts: dict[tuple[str, str], int] = {}
    for key in sorted(shared):
        ra, rb = left[key], right[key]
        if ra[2] == rb[2]:
            continue
        counts[(ra[2], rb[2])] = counts.get((ra[2], rb[2]), 0) + 1
        result.changes.append(
            StatusChange(
                row=ra[0],
                name=ra[1],
                status_a=ra[2],
                status_b=rb[2],
                group_key=ra[3] or rb[3],
                z_a=ra[4],
                z_b=rb[4],
                reasons_a=ra[5],
                reasons_b=rb[5],
            )
        )
    result.transitions = sorted(
        ((sa, sb, n) for (sa, sb), n in counts.items()), key=lambda t: (-t[2], t[0], t[1])
    )
    return result


def abundance_figure(rows: list[AbundanceRow], level: str, a: Analysis, b: Analysis) -> go.Figure:
    """Grouped bars: the share of each key in A and in B."""
    keys = [r.key for r in rows]
    # Plotly reads some HTML in labels; names and keys come from user files.
    shown = [esc(k) for k in keys]
    fig = go.Figure()
    for label, values, analysis, color in (
        ("A", [r.percent_a or 0.0 for r in rows], a, "#1f4e79"),
        ("B", [r.percent_b or 0.0 for r in rows], b, "#e69f00"),
    ):
        fig.add_bar(
            x=shown,
            y=values,
            name=esc(f"{label}: #{analysis.pk} {analysis.name}"[:80]),
            # B is hatched as well as coloured, so the pairs read in grey print too.
            marker={
                "color": color,
                "line": {"width": 0.5, "color": "#333"},
                "pattern": {"shape": "" if label == "A" else "/", "fgcolor": "#333"},
            },
            hovertemplate=f"<b>%{{x}}</b><br>{label}: %{{y:.2f}} %<extra></extra>",
        )
    fig.update_layout(
        barmode="group",
        title={"text": f"Relative abundance by {level}: A and B", "x": 0.01},
        xaxis_title=level.capitalize(),
        yaxis_title="Share of quantified volume (%)",
        template="plotly_white",
        height=420,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        margin={"t": 90},
    )
    if len(keys) > 8:
        fig.update_xaxes(tickangle=-45)
    return fig
