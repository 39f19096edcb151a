"""Keeping plots of large tables light: which rows are drawn one by one, and the rest as density.

A figure draws at most a fixed number of points one by one, each with its hover label (the
budget).  When a figure has more rows than its budget, the budget is shared evenly between the
RT-model groups and, within each, between the kinds of rows a scientist must look at
(:func:`review_rank`: outliers, largest |z| first; invalid and unverified rows; in-source
fragments; anchors; rows that carry a warning) and the other rows.  The rest are drawn as a
density: a grid of counts (:func:`density_trace`) or, on a categorical axis, a box per category
(:func:`box_trace`).  :func:`aggregation_note` says in words what was aggregated; the report
lists these notes, so a reader always knows which points are not drawn one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .figure_json import trace

#: Ranks of the rows to review, most important first; every other row ranks last.
REVIEW_ORDER: tuple[str, ...] = (
    "outlier",
    "invalid",
    "unverified",
    "fragment",
    "anchor",
    "warning",
)

#: Points drawn one by one (with hover labels) in the RT-against-Log-P figure, all groups
#: together, and in each of the two overview figures.
RT_POINTS = 3000
OVERVIEW_POINTS = 1500

#: Above this many points a marker trace is drawn with WebGL (``scattergl``).
WEBGL_POINTS = 1000


def _text_mask(series: pd.Series, test: Callable[[str], bool]) -> np.ndarray:
    """``test`` of each cell's text (False where missing); decided once per category."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        answers = np.array([test(str(c)) for c in series.cat.categories] + [False], dtype=bool)
        return answers[series.cat.codes.to_numpy()]  # code -1 (missing) picks False
    return np.array([False if pd.isna(v) else test(str(v)) for v in series], dtype=bool)


def review_rank(frame: pd.DataFrame) -> np.ndarray:
    """Rank of each row in :data:`REVIEW_ORDER` (``len(REVIEW_ORDER)`` for the other rows)."""
    anchor = frame["is_anchor"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    rank = np.full(len(frame), len(REVIEW_ORDER), dtype=np.int8)
    # Assigned from the least to the most important, so a row keeps its best rank.
    if "warnings" in frame.columns:
        rank[_text_mask(frame["warnings"], bool)] = REVIEW_ORDER.index("warning")
    rank[anchor] = REVIEW_ORDER.index("anchor")
    for name in ("fragment", "unverified", "invalid", "outlier"):
        rank[_text_mask(frame["status"], name.__eq__)] = REVIEW_ORDER.index(name)
    return rank


def shares(sizes: Sequence[int], budget: int) -> list[int]:
    """Split ``budget`` evenly over parts of ``sizes`` rows; a part smaller than its share
    keeps all its rows and leaves the rest to the others (the shares never exceed the sizes)."""
    out = [0] * len(sizes)
    remaining = budget
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for k, i in enumerate(order):
        give = min(sizes[i], remaining // (len(sizes) - k))
        out[i] = give
        remaining -= give
    return out


def _pick_within(rank: np.ndarray, z: np.ndarray, rows: np.ndarray, budget: int) -> np.ndarray:
    """Positions of ``budget`` rows taken evenly from each class of :data:`REVIEW_ORDER` (and
    the other rows), each class by largest |z| then row number."""
    classes = [np.flatnonzero(rank == r) for r in range(len(REVIEW_ORDER) + 1)]
    taken = []
    for members, quota in zip(classes, shares([len(c) for c in classes], budget), strict=True):
        if quota:
            order = np.lexsort((rows[members], -z[members]))
            taken.append(members[order[:quota]])
    return np.concatenate(taken) if taken else np.zeros(0, dtype=np.intp)


def pick_rows(frame: pd.DataFrame, budget: int, groups: pd.Series | None = None) -> np.ndarray:
    """Boolean mask of the rows drawn one by one.

    All rows when they fit in ``budget``.  Otherwise the budget is split evenly over the
    ``groups`` (when given: each RT-model group gets its share, so that every group's view
    shows points) and, within each, evenly over the classes of :data:`REVIEW_ORDER` and the
    other rows, a part smaller than its share leaving the rest to the others; outliers are
    taken by largest |z| first, the other classes by row number.
    """
    n = len(frame)
    if n <= budget:
        return np.ones(n, dtype=bool)
    rank = review_rank(frame)
    z = pd.to_numeric(frame["z"], errors="coerce").abs().fillna(0.0).to_numpy(float, copy=True)
    z[rank != REVIEW_ORDER.index("outlier")] = 0.0
    rows = pd.to_numeric(frame["row"], errors="coerce").fillna(0).to_numpy(dtype=float)
    if groups is None:
        parts = [np.arange(n)]
    else:
        codes = pd.Categorical(groups.astype(str)).codes
        parts = [np.flatnonzero(codes == c) for c in np.unique(codes)]
    mask = np.zeros(n, dtype=bool)
    for part, quota in zip(parts, shares([len(p) for p in parts], budget), strict=True):
        mask[part[_pick_within(rank[part], z[part], rows[part], quota)]] = True
    return mask


@dataclass(frozen=True)
class Aggregation:
    """How many rows a figure drew one by one and how many it aggregated."""

    rows: int
    drawn: int
    drawn_by_class: dict[str, int]
    review_rows: int

    @property
    def aggregated(self) -> int:
        return self.rows - self.drawn


def aggregation_of(frame: pd.DataFrame, mask: np.ndarray) -> Aggregation:
    """Counts behind :func:`aggregation_note` for rows ``frame`` drawn where ``mask``."""
    rank = review_rank(frame)
    names = np.array([*REVIEW_ORDER, "other"])
    drawn = pd.Series(names[rank[mask]]).value_counts()
    return Aggregation(
        rows=len(frame),
        drawn=int(mask.sum()),
        drawn_by_class={str(k): int(v) for k, v in drawn.items()},
        review_rows=int((rank < len(REVIEW_ORDER)).sum()),
    )


_PLURALS = {
    "outlier": "outliers",
    "invalid": "invalid rows",
    "unverified": "unverified rows",
    "fragment": "fragments",
    "anchor": "anchors",
    "warning": "rows with warnings",
    "other": "other rows",
}


def aggregation_note(figure: str, agg: Aggregation, density: str) -> str:
    """One sentence for the report: what ``figure`` drew one by one and what it aggregated
    (empty when every row was drawn)."""
    if agg.aggregated == 0:
        return ""
    parts = ", ".join(
        f"{agg.drawn_by_class[k]:,} {_PLURALS[k]}"
        for k in (*REVIEW_ORDER, "other")
        if agg.drawn_by_class.get(k)
    )
    missing = agg.review_rows - sum(v for k, v in agg.drawn_by_class.items() if k != "other")
    tail = (
        f"; {missing:,} further rows to review are in the {density}"
        if missing > 0
        else "; every row to review is drawn"
    )
    return (
        f"{figure}: {agg.drawn:,} of {agg.rows:,} rows drawn one by one ({parts}), "
        f"the other {agg.aggregated:,} as {density}{tail}."
    )


def marker_trace(**kwargs: Any) -> dict[str, Any]:
    """A marker trace: WebGL above :data:`WEBGL_POINTS` points, SVG below."""
    x = kwargs.get("x")
    n = len(x) if x is not None and hasattr(x, "__len__") else 0
    return trace("scattergl" if n > WEBGL_POINTS else "scatter", **kwargs)


def _log_colours(top: float) -> list[list[Any]]:
    """A colour scale from 1 to ``top`` rows whose shades step at 1, 10, 100 ... rows, so that a
    single row stays visible next to a cell of thousands."""
    light, dark = np.array([222, 235, 247]), np.array([8, 48, 107])
    if top <= 1:
        return [[0.0, "rgb(8,48,107)"], [1.0, "rgb(8,48,107)"]]
    decades = max(1, int(np.ceil(np.log10(max(top, 2.0)))))
    scale = []
    for k in range(decades + 1):
        count = min(10.0**k, top)
        position = (count - 1) / (top - 1)
        r, g, b = (light + (dark - light) * k / decades).round().astype(int)
        scale.append([float(position), f"rgb({r},{g},{b})"])
        if count >= top:
            break
    scale[-1][0] = 1.0
    return scale


def density_trace(
    x: pd.Series, y: pd.Series, name: str, *, bins: tuple[int, int] = (40, 30), **kwargs: Any
) -> dict[str, Any]:
    """Counts of rows on a grid of ``bins`` cells (empty cells transparent), for the rows of a
    figure that are not drawn one by one; the shade steps with each power of ten."""
    xs = pd.to_numeric(x, errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(xs) & np.isfinite(ys)
    counts, x_edges, y_edges = np.histogram2d(xs[keep], ys[keep], bins=bins)
    counts = counts.T  # rows of the heatmap are y bins
    top = float(counts.max()) if counts.size else 1.0
    return trace(
        "heatmap",
        x=((x_edges[:-1] + x_edges[1:]) / 2).astype(np.float32),
        y=((y_edges[:-1] + y_edges[1:]) / 2).astype(np.float32),
        z=np.where(counts > 0, counts, np.nan).astype(np.float32),
        zmin=1,
        zmax=max(top, 1.0),
        name=name,
        colorscale=_log_colours(top),
        showscale=False,
        showlegend=True,
        hoverongaps=False,
        hovertemplate="%{z:,.0f} rows here<extra>density</extra>",
        **kwargs,
    )


def box_trace(categories: pd.Series, values: pd.Series, name: str, **kwargs: Any) -> dict[str, Any]:
    """One box per category from precomputed quartiles; whiskers at the 5th and 95th
    percentiles.  For the rows of a categorical figure that are not drawn one by one."""
    numbers = pd.to_numeric(values, errors="coerce")
    frame = pd.DataFrame({"c": categories.astype(str).to_numpy(), "v": numbers.to_numpy()})
    frame = frame[np.isfinite(frame["v"])]
    stats = frame.groupby("c", sort=False)["v"].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    return trace(
        "box",
        x=stats.index.tolist(),
        q1=stats[0.25].to_numpy(),
        median=stats[0.5].to_numpy(),
        q3=stats[0.75].to_numpy(),
        lowerfence=stats[0.05].to_numpy(),
        upperfence=stats[0.95].to_numpy(),
        name=name,
        marker={"color": "#6b8fb5"},
        boxpoints=False,
        hoverinfo="x+y",
        **kwargs,
    )
