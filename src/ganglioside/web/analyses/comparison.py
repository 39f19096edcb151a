"""Comparison of two analyses: abundances side by side, and rows whose status differs.

Read-only.  Abundances come from each analysis's stored summary (the quantified,
consolidated volumes the core reports); rows are matched by their row number *and* name, so two
runs of the same table (say, with a different ``outlier_z``) pair up row by row, while a row
whose name changed between two files is reported as present in one analysis only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import plotly.graph_objects as go
from django.db import connection
from django.db.models import Count

from ganglioside.report.abundance import natural_key
from ganglioside.report.plots import esc

from .models import Analysis, Compound

#: The summary's abundance lists, with the key of their items.
LEVELS: dict[str, tuple[str, str]] = {
    "category": ("by_category", "category"),
    "headgroup": ("by_headgroup", "group_key"),
}


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


@dataclass
class Comparison:
    a: Analysis
    b: Analysis
    abundance: dict[str, list[AbundanceRow]] = field(default_factory=dict)
    #: The rows whose status differs, ordered by row (page through it; it is not loaded).
    changes: Sequence[StatusChange] = ()
    n_changes: int = 0
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


@dataclass(frozen=True)
class StatusChange:
    """A row whose status differs between A and B."""

    row: int
    name: str
    group_key: str
    status: str
    status_b: str
    z: float | None
    z_b: float | None
    reasons_b: str


# Rows of A paired with B's row of the same number and name: a join on the unique index of
# (analysis, row), one pass over each table whatever its size.
_PAIRS = """
    FROM {table} AS ca
    JOIN {table} AS cb ON cb.analysis_id = %s AND cb.row = ca.row AND cb.name = ca.name
    WHERE ca.analysis_id = %s
"""


def _pairs_sql() -> str:
    table = connection.ops.quote_name(Compound._meta.db_table)
    return _PAIRS.format(table=table)


class StatusChanges(Sequence[StatusChange]):
    """The differing rows, ordered by row; slicing reads only that slice from the database
    (so a paginator can page through 100,000 of them)."""

    def __init__(self, a: Analysis, b: Analysis, count: int) -> None:
        self.a, self.b, self.size = a, b, count

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> StatusChange: ...
    @overload
    def __getitem__(self, index: slice) -> list[StatusChange]: ...

    def __getitem__(self, index: int | slice) -> StatusChange | list[StatusChange]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop, _ = index.indices(self.size)
        if stop <= start:
            return []
        sql = (
            "SELECT ca.row, ca.name, ca.group_key, ca.status, cb.status, ca.z, cb.z, cb.reasons"
            + _pairs_sql()
            + " AND ca.status <> cb.status ORDER BY ca.row LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.b.pk, self.a.pk, stop - start, start])
            return [StatusChange(*row) for row in cursor.fetchall()]


def compare(a: Analysis, b: Analysis) -> Comparison:
    """Compare two analyses (the caller has checked that both belong to the user).

    Rows are matched in the database, so two tables of 100,000 rows are compared without
    loading them: only the counts and the requested page of differing rows leave it.
    """
    result = Comparison(a=a, b=b)
    for level in LEVELS:
        result.abundance[level] = abundance_rows(a, b, level)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ca.status, cb.status, COUNT(*)"
            + _pairs_sql()
            + " GROUP BY ca.status, cb.status",
            [b.pk, a.pk],
        )
        pairs = cursor.fetchall()
    sizes = dict(
        Compound.objects.filter(analysis__in=[a, b])
        .values_list("analysis")
        .annotate(n=Count("id"))
        .order_by()
    )
    result.matched = sum(n for _, _, n in pairs)
    result.only_a = sizes.get(a.pk, 0) - result.matched
    result.only_b = sizes.get(b.pk, 0) - result.matched
    result.transitions = sorted(
        ((sa, sb, n) for sa, sb, n in pairs if sa != sb), key=lambda t: (-t[2], t[0], t[1])
    )
    result.n_changes = sum(n for _, _, n in result.transitions)
    result.changes = StatusChanges(a, b, result.n_changes)
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
