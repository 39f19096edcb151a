"""Two studies' results side by side: the same compounds matched, their changes compared.

Each study is read as it stores its statistics (``statistics.csv``, or
:attr:`~.result.StudyResult.statistics`): one row per compound with its species, isomer track,
consensus RT, log2 fold change, q value, group means and found fractions.  Compounds are
matched in two passes:

1. the same species (normalised) and the same isomer track; when one study has several
   compounds of that species and track, they pair up closest RT first;
2. what is left of a species pairs up across different tracks (one study named the isomer,
   the other did not, or named it otherwise) when their consensus RTs are within
   ``rt_tolerance`` minutes, closest first.

Every compound of either study is one row: paired, or measured in one study only.  A compound
counts as changed in a study when its q value is below :data:`~.step.SIGNIFICANT_Q` (what the
study summary counts), and each row gets an agreement label (:data:`AGREEMENTS`).

Pure functions of pandas frames and mappings; no database, no web.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import permutations
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..pairing import closest_pairs
from ..report.abundance import natural_key
from ..report.points import esc
from ..report.safe import safe_csv
from .config import StudyConfig
from .result import StudyResult
from .step import SIGNIFICANT_Q

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Largest difference (min) of the consensus RTs of two compounds of one species with different
#: isomer tracks that are taken for the same compound.
RT_TOLERANCE = 0.2

#: Agreement label → what it says, in the order pages and summaries list them.
AGREEMENTS: dict[str, str] = {
    "same_direction": "changed in both, same direction",
    "opposite_directions": "changed in both, opposite directions",
    "changed_only_in_a": "changed only in A",
    "changed_only_in_b": "changed only in B",
    "unchanged_in_both": "unchanged in both",
    "only_measured_in_a": "only measured in A",
    "only_measured_in_b": "only measured in B",
}

#: Columns taken from each study (suffixed ``_a`` and ``_b`` in :attr:`StudyComparison.rows`).
SIDE_COLUMNS = (
    "isomer_track",
    "rt",
    "log2_fold_change",
    "q_value",
    "found_fraction",
    "found_numerator",
    "found_denominator",
    "mean_numerator",
    "mean_denominator",
)

#: Columns of :attr:`StudyComparison.rows`, in order.
ROW_COLUMNS = (
    "species",
    "name",
    "category",
    "agreement",
    "matched_by",
    *(f"{c}_{s}" for c in SIDE_COLUMNS for s in ("a", "b")),
)


@dataclass(frozen=True)
class StudySide:
    """One study as compared: its statistics, the groups it compared and its parameters.

    ``statistics`` needs ``species``, ``name``, ``isomer_track``, ``rt``, ``log2_fold_change``
    and ``q_value``; ``category``, ``found_fraction`` and the groups' ``mean_<group>`` and
    ``found_<group>`` columns are used when there.  ``comparison`` is the study's
    ``numerator/denominator`` label.
    """

    statistics: pd.DataFrame
    comparison: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParameterDifference:
    """A parameter whose value differs between the studies (``None``: not set)."""

    name: str
    a: Any
    b: Any


@dataclass(frozen=True)
class StudyComparison:
    """The outcome of :func:`compare_studies`.

    ``rows`` has one row per compound (:data:`ROW_COLUMNS`); ``summary`` counts the agreement
    labels, gives the correlation of the fold changes of the compounds in both studies and the
    comparisons each study made (JSON-ready); ``parameters`` lists the parameters that differ.
    """

    rows: pd.DataFrame
    summary: dict[str, Any]
    parameters: list[ParameterDifference]


_REQUIRED = ("species", "name", "isomer_track", "rt", "log2_fold_change", "q_value")


def side_of(result: StudyResult) -> StudySide:
    """A study run by :func:`ganglioside.study` as one side of a comparison."""
    return StudySide(result.statistics, result.comparison.label, result.config.to_dict())


def compare_studies(
    a: StudySide, b: StudySide, rt_tolerance: float = RT_TOLERANCE
) -> StudyComparison:
    """Match the compounds of two studies and say, for each, whether their changes agree.

    Raises
    ------
    ValueError
        A statistics table lacks a column the comparison needs, or ``rt_tolerance`` is
        negative.
    """
    if not rt_tolerance >= 0:
        raise ValueError(f"rt_tolerance must be a number ≥ 0, got {rt_tolerance!r}")
    left = _prepared(a, "A")
    right = _prepared(b, "B")
    pairs = match_compounds(left, right, rt_tolerance)
    rows = _rows(left, right, pairs)
    summary = _summary(rows, a, b, rt_tolerance)
    return StudyComparison(rows, summary, parameter_differences(a.parameters, b.parameters))


def comparison_pair(label: str, groups: Iterable[str]) -> tuple[str, str] | None:
    """The (numerator, denominator) groups a ``numerator/denominator`` label names, among
    ``groups`` (group names may hold a slash); ``None`` when none fits."""
    for numerator, denominator in permutations(list(groups), 2):
        if f"{numerator}/{denominator}" == label:
            return numerator, denominator
    return None


def _groups(statistics: pd.DataFrame) -> list[str]:
    return [str(c)[5:] for c in statistics.columns if str(c).startswith("mean_")]


def _prepared(side: StudySide, which: str) -> pd.DataFrame:
    """The study's compounds with the columns the comparison uses, in plain types."""
    frame = side.statistics
    if "contrast" in frame.columns and side.comparison:
        # one row per compound: the study's main contrast
        frame = frame[frame["contrast"].astype(str) == side.comparison].reset_index(drop=True)
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"the statistics of study {which} lack the column(s) {', '.join(missing)}")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    out["species"] = [" ".join(str(s).split()) for s in frame["species"].fillna("")]
    out["name"] = frame["name"].fillna("").astype(str).to_numpy()
    out["category"] = _text(frame, "category")
    out["isomer_track"] = [str(t).strip() for t in _text(frame, "isomer_track")]
    for column in ("rt", "log2_fold_change", "q_value", "found_fraction"):
        out[column] = _number(frame, column)
    pair = comparison_pair(side.comparison, _groups(frame))
    numerator, denominator = pair if pair else ("", "")
    for role, group in (("numerator", numerator), ("denominator", denominator)):
        out[f"found_{role}"] = _number(frame, f"found_{group}")
        out[f"mean_{role}"] = _number(frame, f"mean_{group}")
    return out


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[column].fillna("").astype(str).to_numpy()


def _number(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def match_compounds(
    a: pd.DataFrame, b: pd.DataFrame, rt_tolerance: float = RT_TOLERANCE
) -> list[tuple[int, int, str]]:
    """Pairs ``(row in a, row in b, how)`` of two frames with ``species``, ``isomer_track`` and
    ``rt``; ``how`` is ``track`` (same species and track) or ``rt`` (same species, other track,
    consensus RTs within ``rt_tolerance``)."""
    pairs: list[tuple[int, int, str]] = []
    by_track_a = _positions(a, ["species", "isomer_track"])
    by_track_b = _positions(b, ["species", "isomer_track"])
    for key, rows_a in by_track_a.items():
        rows_b = by_track_b.get(key)
        if rows_b:
            chosen = closest_first(a["rt"].to_numpy()[rows_a], b["rt"].to_numpy()[rows_b])
            pairs.extend((rows_a[i], rows_b[j], "track") for i, j in chosen)
    paired_a = {i for i, _, _ in pairs}
    paired_b = {j for _, j, _ in pairs}
    rest_a = _positions(a.drop(index=list(paired_a)), ["species"])
    rest_b = _positions(b.drop(index=list(paired_b)), ["species"])
    # A hair over the tolerance: 8.2 - 8.0 is 0.1999… or 0.2000…01 in binary.
    limit = rt_tolerance + 1e-9
    for key, rows_a in rest_a.items():
        rows_b = rest_b.get(key)
        if rows_b:
            rt_a, rt_b = a["rt"].to_numpy()[rows_a], b["rt"].to_numpy()[rows_b]
            chosen = closest_first(rt_a, rt_b, limit)
            pairs.extend((rows_a[i], rows_b[j], "rt") for i, j in chosen)
    return sorted(pairs)


def _positions(frame: pd.DataFrame, keys: list[str]) -> dict[Any, list[int]]:
    """Key → the row labels of ``frame`` with it (rows with an empty species left out)."""
    usable = frame[frame["species"] != ""]
    if usable.empty:
        return {}
    by = usable.groupby(keys if len(keys) > 1 else keys[0], sort=False)
    return {key: list(rows) for key, rows in by.groups.items()}


def closest_first(
    rt_a: Iterable[float], rt_b: Iterable[float], tolerance: float = math.inf
) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of positions in ``rt_a`` and ``rt_b``, the closest RTs first, each used
    once, at most ``tolerance`` apart (a missing RT pairs only without a tolerance)."""
    candidates = []
    others = list(rt_b)
    for i, x in enumerate(rt_a):
        for j, y in enumerate(others):
            gap = abs(float(x) - float(y))
            gap = math.inf if math.isnan(gap) else gap
            if gap <= tolerance:
                candidates.append((gap, i, j))
    return closest_pairs(candidates)


def _rows(a: pd.DataFrame, b: pd.DataFrame, pairs: list[tuple[int, int, str]]) -> pd.DataFrame:
    paired_a = [i for i, _, _ in pairs]
    paired_b = [j for _, j, _ in pairs]
    only_a = a.index.difference(paired_a).tolist()
    only_b = b.index.difference(paired_b).tolist()
    side_a = _side(a, paired_a + only_a + [None] * len(only_b))
    side_b = _side(b, paired_b + [None] * len(only_a) + only_b)
    in_a = np.arange(len(side_a)) < len(pairs) + len(only_a)
    in_b = (np.arange(len(side_b)) < len(pairs)) | ~in_a
    rows = pd.DataFrame(
        {c: np.where(in_a, side_a[c], side_b[c]) for c in ("species", "name", "category")}
    )
    rows["matched_by"] = [how for _, _, how in pairs] + [""] * (len(only_a) + len(only_b))
    for column in SIDE_COLUMNS:
        rows[f"{column}_a"] = side_a[column].to_numpy()
        rows[f"{column}_b"] = side_b[column].to_numpy()
    rows["agreement"] = agreement_labels(rows, in_a, in_b)
    first_rt = rows["rt_a"].where(in_a, rows["rt_b"])
    order = sorted(
        range(len(rows)),
        key=lambda k: (natural_key(str(rows["species"].iat[k])), _sortable(first_rt.iat[k])),
    )
    rows = rows.iloc[order].reset_index(drop=True)
    return rows[list(ROW_COLUMNS)]


def _sortable(value: Any) -> float:
    return math.inf if pd.isna(value) else float(value)


def _side(frame: pd.DataFrame, index: list[int | None]) -> pd.DataFrame:
    """The rows ``index`` of ``frame`` (all missing where ``None``)."""
    labels = [-1 if i is None else i for i in index]
    return frame.reindex(labels).reset_index(drop=True)


def agreement_labels(rows: pd.DataFrame, in_a: np.ndarray, in_b: np.ndarray) -> np.ndarray:
    """The agreement label (:data:`AGREEMENTS`) of each row of a frame with the ``_a`` and
    ``_b`` columns ``log2_fold_change`` and ``q_value``; ``in_a`` and ``in_b`` say which study
    measured the compound."""
    changed_a = _changed(rows["q_value_a"])
    changed_b = _changed(rows["q_value_b"])
    fold_a = pd.to_numeric(rows["log2_fold_change_a"], errors="coerce").to_numpy(dtype=float)
    fold_b = pd.to_numeric(rows["log2_fold_change_b"], errors="coerce").to_numpy(dtype=float)
    both_changed = in_a & in_b & changed_a & changed_b
    return np.select(
        [
            ~in_b,
            ~in_a,
            both_changed & (np.sign(fold_a) == np.sign(fold_b)),
            both_changed,
            changed_a,
            changed_b,
        ],
        [
            "only_measured_in_a",
            "only_measured_in_b",
            "same_direction",
            "opposite_directions",
            "changed_only_in_a",
            "changed_only_in_b",
        ],
        default="unchanged_in_both",
    )


def _changed(q: pd.Series) -> np.ndarray:
    values = pd.to_numeric(q, errors="coerce").to_numpy(dtype=float)
    return np.isfinite(values) & (values < SIGNIFICANT_Q)


def _summary(rows: pd.DataFrame, a: StudySide, b: StudySide, rt_tolerance: float) -> dict[str, Any]:
    counts = rows["agreement"].value_counts()
    in_both = rows["matched_by"] != ""
    by_track = int((rows["matched_by"] == "track").sum())
    by_rt = int((rows["matched_by"] == "rt").sum())
    return {
        "n_compounds": len(rows),
        "n_in_both": int(in_both.sum()),
        "matched_by_track": by_track,
        "matched_by_rt": by_rt,
        "rt_tolerance": float(rt_tolerance),
        "matching": (
            f"{by_track} compound{'s' if by_track != 1 else ''} matched by species and isomer "
            f"track, {by_rt} more by species and consensus RT (within {rt_tolerance:g} min) "
            "where the isomer tracks differ"
        ),
        "significant_q": SIGNIFICANT_Q,
        "agreement": {label: int(counts.get(label, 0)) for label in AGREEMENTS},
        "correlation": fold_change_correlation(rows[in_both]),
        "comparison_a": a.comparison,
        "comparison_b": b.comparison,
        "same_comparison": bool(a.comparison) and a.comparison == b.comparison,
    }


def fold_change_correlation(rows: pd.DataFrame) -> dict[str, Any]:
    """Spearman's rank correlation of the fold changes in A and in B over the rows where both
    are known (``rho`` and ``p_value`` null with fewer than three, or when one side is
    constant)."""
    fold_a = pd.to_numeric(rows["log2_fold_change_a"], errors="coerce").to_numpy(dtype=float)
    fold_b = pd.to_numeric(rows["log2_fold_change_b"], errors="coerce").to_numpy(dtype=float)
    known = np.isfinite(fold_a) & np.isfinite(fold_b)
    out: dict[str, Any] = {"method": "spearman", "n": int(known.sum())}
    out.update(rho=None, p_value=None)
    x, y = fold_a[known], fold_b[known]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    from scipy import stats  # here: scipy.stats takes a second or two to import

    test = stats.spearmanr(x, y)
    rho, p = float(test.statistic), float(test.pvalue)
    out["rho"] = rho if math.isfinite(rho) else None
    out["p_value"] = p if math.isfinite(p) else None
    return out


def parameter_differences(
    a: Mapping[str, Any] | None, b: Mapping[str, Any] | None
) -> list[ParameterDifference]:
    """The study parameters whose values differ (a parameter not stored counts as its default),
    in the order of :class:`~.config.StudyConfig`; the per-sample analysis's parameters are
    named as the study takes them (``outlier_z``, not ``analysis.outlier_z``)."""
    defaults = _flat(StudyConfig().to_dict())
    left = {**defaults, **_flat(a or {})}
    right = {**defaults, **_flat(b or {})}
    names = [*left, *(k for k in right if k not in left)]
    return [
        ParameterDifference(n, left.get(n), right.get(n))
        for n in names
        if _plain(left.get(n)) != _plain(right.get(n))
    ]


def _flat(parameters: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in parameters.items() if k != "analysis"}
    nested = parameters.get("analysis")
    if isinstance(nested, Mapping):
        out.update({k: v for k, v in nested.items() if k not in out})
    return out


def _plain(value: Any) -> Any:
    # Stored JSON makes tuples lists and may hold 3 where the default is 3.0.
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


#: Colour and marker of each agreement label (Okabe–Ito colours; shapes for grey print).
AGREEMENT_STYLE: dict[str, tuple[str, str]] = {
    "same_direction": ("#009E73", "circle"),
    "opposite_directions": ("#D55E00", "x"),
    "changed_only_in_a": ("#0072B2", "triangle-right"),
    "changed_only_in_b": ("#E69F00", "triangle-up"),
    "unchanged_in_both": ("#999999", "circle-open"),
    "only_measured_in_a": ("#56B4E9", "square-open"),
    "only_measured_in_b": ("#CC79A7", "diamond-open"),
}


def agreement_figure(
    comparison: StudyComparison, label_a: str = "A", label_b: str = "B"
) -> go.Figure:
    """log2 fold change in A against B for the compounds in both, one trace per agreement
    label, with the line of equal change."""
    import plotly.graph_objects as go

    rows = comparison.rows[comparison.rows["matched_by"] != ""]
    fig = go.Figure()
    for label, (colour, symbol) in AGREEMENT_STYLE.items():
        part = rows[rows["agreement"] == label]
        part = part[part["log2_fold_change_a"].notna() & part["log2_fold_change_b"].notna()]
        if part.empty:
            continue
        names = [esc(n) for n in part["name"].astype(str)]
        fig.add_scatter(
            x=part["log2_fold_change_a"].tolist(),
            y=part["log2_fold_change_b"].tolist(),
            mode="markers",
            name=AGREEMENTS[label],
            text=names,
            marker={"color": colour, "symbol": symbol, "size": 8, "line": {"width": 0.5}},
            hovertemplate="<b>%{text}</b><br>A: %{x:.2f}<br>B: %{y:.2f}<extra></extra>",
        )
    folds = rows[["log2_fold_change_a", "log2_fold_change_b"]].to_numpy(dtype=float)
    finite = folds[np.isfinite(folds)]
    reach = float(np.abs(finite).max()) if finite.size else 1.0
    fig.add_scatter(
        x=[-reach, reach],
        y=[-reach, reach],
        mode="lines",
        name="equal change",
        line={"color": "#555", "dash": "dot", "width": 1},
        hoverinfo="skip",
    )
    fig.update_layout(
        title={"text": "log2 fold change: A against B", "x": 0.01},
        xaxis_title=esc(f"A: {label_a}"[:80]),
        yaxis_title=esc(f"B: {label_b}"[:80]),
        template="plotly_white",
        height=460,
        legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top"},
    )
    return fig


def rows_csv(comparison: StudyComparison) -> str:
    """The rows as CSV text (agreement labels as codes, empty cells for missing values; text
    that a spreadsheet would run as a formula is quoted as the study's own tables are)."""
    return safe_csv(comparison.rows)
