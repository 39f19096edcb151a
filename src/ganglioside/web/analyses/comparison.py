"""Comparison of two stored analyses: the core's comparison (:mod:`ganglioside.compare`:
abundances, parameters, row matching) over the database, so that two tables of 100,000 rows
are compared without loading them, and the abundance figure.

Read-only.  Abundances come from each analysis's stored summary.  Two runs of the same file
(same checksum) pair up row by row in SQL; rows of two different files pair up by species and
retention time (:func:`ganglioside.compare.paired_statuses`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import overload

import pandas as pd
import plotly.graph_objects as go
from django.db import connection
from django.db.models import Count

from ganglioside.compare import (
    LEVELS,
    AbundanceRow,
    Matching,
    abundance_rows,
    matching_for,
    paired_statuses,
    transitions_of,
)
from ganglioside.parameter_diff import ParameterChange, parameter_changes
from ganglioside.report.plots import esc

from .models import Analysis, Compound

__all__ = ["AbundanceRow", "Comparison", "Matching", "StatusChange", "compare"]


def _matching(a: Analysis, b: Analysis) -> Matching:
    """Row by row for the same file (checksum); by species (or name) and RT otherwise."""
    same_file = bool(a.input_sha256) and a.input_sha256 == b.input_sha256
    # Each existence test stops at the first row with a species.
    with_species = same_file or all(
        Compound.objects.filter(analysis=x).exclude(species="").exists() for x in (a, b)
    )
    return matching_for(same_file, with_species)


@dataclass
class Comparison:
    a: Analysis
    b: Analysis
    matching: Matching = field(default_factory=lambda: Matching("row"))
    parameter_changes: list[ParameterChange] = field(default_factory=list)
    abundance: dict[str, list[AbundanceRow]] = field(default_factory=dict)
    #: The rows whose status differs, ordered by row (page through it; it is not loaded).
    changes: Sequence[StatusChange] = ()
    n_changes: int = 0
    matched: int = 0
    only_a: int = 0
    only_b: int = 0
    transitions: list[tuple[str, str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class StatusChange:
    """A row whose status differs between A and B (``row`` in A, ``row_b`` in B)."""

    row: int
    row_b: int
    name: str
    group_key: str
    status: str
    status_b: str
    z: float | None
    z_b: float | None
    reasons_b: str


# Row by row: a join on the unique index of (analysis, row), one pass over each table.
_ROW_PAIRS = """ FROM {table} AS ca JOIN {table} AS cb ON cb.analysis_id = %s AND cb.row = ca.row
    WHERE ca.analysis_id = %s"""


def _row_pairs_sql(columns: str, tail: str = "") -> str:
    table = connection.ops.quote_name(Compound._meta.db_table)
    return f"SELECT {columns}" + _ROW_PAIRS.format(table=table) + tail


class StatusChanges(Sequence[StatusChange]):
    """The differing rows of two runs of one file, ordered by row; slicing reads only that
    slice from the database (so a paginator can page through 100,000 of them)."""

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
        sql = _row_pairs_sql(
            "ca.row, cb.row, ca.name, ca.group_key, ca.status, cb.status, ca.z, cb.z, cb.reasons",
            " AND ca.status <> cb.status ORDER BY ca.row LIMIT %s OFFSET %s",
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.b.pk, self.a.pk, stop - start, start])
            return [StatusChange(*row) for row in cursor.fetchall()]


class PairedChanges(Sequence[StatusChange]):
    """The differing pairs of rows of two different files (``pairs``: row in A, row in B,
    ordered by row in A); slicing reads the rows of that slice from the database."""

    def __init__(self, a: Analysis, b: Analysis, pairs: list[tuple[int, int]]) -> None:
        self.a, self.b, self.pairs = a, b, pairs

    def __len__(self) -> int:
        return len(self.pairs)

    @overload
    def __getitem__(self, index: int) -> StatusChange: ...
    @overload
    def __getitem__(self, index: slice) -> list[StatusChange]: ...

    def __getitem__(self, index: int | slice) -> StatusChange | list[StatusChange]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        chosen = self.pairs[index]
        if not chosen:
            return []
        fields_a = ("row", "name", "group_key", "status", "z")
        fields_b = ("row", "status", "z", "reasons")
        rows_a = {
            r[0]: r
            for r in Compound.objects.filter(
                analysis=self.a, row__in=[ra for ra, _ in chosen]
            ).values_list(*fields_a)
        }
        rows_b = {
            r[0]: r
            for r in Compound.objects.filter(
                analysis=self.b, row__in=[rb for _, rb in chosen]
            ).values_list(*fields_b)
        }
        out = []
        for ra, rb in chosen:
            _, name, group_key, status, z = rows_a[ra]
            _, status_b, z_b, reasons_b = rows_b[rb]
            out.append(StatusChange(ra, rb, name, group_key, status, status_b, z, z_b, reasons_b))
        return out


def compare(a: Analysis, b: Analysis) -> Comparison:
    """Compare two analyses (the caller has checked that both belong to the user).

    Two runs of one file are matched in the database, so two tables of 100,000 rows are
    compared without loading them: only the counts and the requested page of differing rows
    leave it.  Two different files are matched on four columns of their rows (row, species or
    name, RT, status), and the page of differing rows is read from the database.
    """
    matching = _matching(a, b)
    result = Comparison(
        a=a, b=b, matching=matching, parameter_changes=parameter_changes(a.parameters, b.parameters)
    )
    for level in LEVELS:
        result.abundance[level] = abundance_rows(a.summary, b.summary, level)
    if matching.method == "row":
        with connection.cursor() as cursor:
            cursor.execute(
                _row_pairs_sql("ca.status, cb.status, COUNT(*)", " GROUP BY ca.status, cb.status"),
                [b.pk, a.pk],
            )
            pairs = cursor.fetchall()
    else:
        pairs, differing = _nearest_pairs(a, b, matching)
    sizes = dict(
        Compound.objects.filter(analysis__in=[a, b])
        .values_list("analysis")
        .annotate(n=Count("id"))
        .order_by()
    )
    result.matched = sum(n for _, _, n in pairs)
    result.only_a = sizes.get(a.pk, 0) - result.matched
    result.only_b = sizes.get(b.pk, 0) - result.matched
    result.transitions = transitions_of(pairs)
    result.n_changes = sum(n for _, _, n in result.transitions)
    if matching.method == "row":
        result.changes = StatusChanges(a, b, result.n_changes)
    else:
        result.changes = PairedChanges(a, b, differing)
    return result


def _peaks(analysis: Analysis, key: str) -> pd.DataFrame:
    rows = Compound.objects.filter(analysis=analysis).values_list("row", key, "rt", "status")
    frame = pd.DataFrame.from_records(list(rows), columns=["row", "key", "rt", "status"])
    frame["rt"] = pd.to_numeric(frame["rt"], errors="coerce")
    return frame


def _nearest_pairs(
    a: Analysis, b: Analysis, matching: Matching
) -> tuple[list[tuple[str, str, int]], list[tuple[int, int]]]:
    """Pairs counted by (status in A, status in B), and the differing pairs by row of A."""
    key = "species" if matching.method == "species" else "name"
    return paired_statuses(_peaks(a, key), _peaks(b, key), float(matching.rt_tolerance or 0.0))


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
