"""Comparison of two analyses: abundances side by side, the parameters that differ, and the
rows whose status differs (pure functions; the study comparison is :mod:`.studies.compare`).

How rows are paired depends on the inputs (:class:`Matching`): two runs of the same file pair
up row by row; rows of two different files pair up by species (or name) and retention time —
the peaks of one species are paired in elution order within :data:`RT_TOLERANCE` minutes, one
to one (:func:`ganglioside.pairing.pair_peaks`).  A row with no partner is counted as present
in one analysis only.  ``ganglioside compare A B`` and the web platform's comparison page use
this module (the web pages through the differing rows in its database).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .config import AnalysisConfig
from .errors import InputError
from .pairing import pair_peaks
from .parameter_diff import ParameterChange, parameter_changes
from .report.abundance import natural_key
from .result import AnalysisResult

#: Largest retention-time difference (min) between two peaks of the same species in two files
#: that are taken as the same peak.
RT_TOLERANCE = 0.1

#: The summary's abundance lists, with the key of their items.
LEVELS: dict[str, tuple[str, str]] = {
    "category": ("by_category", "category"),
    "headgroup": ("by_headgroup", "group_key"),
}

#: The columns of the differing rows (``row`` in A, ``row_b`` in B).
CHANGE_COLUMNS = (
    "row",
    "row_b",
    "name",
    "group_key",
    "status",
    "status_b",
    "z",
    "z_b",
    "reasons_b",
)


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
class Matching:
    """How the rows of A and B were paired: ``row`` (same file), ``species`` or ``name`` (with
    the retention time, for different files; ``name`` when a side has no species)."""

    method: str
    rt_tolerance: float | None = None

    @property
    def description(self) -> str:
        if self.method == "row":
            return "matched row by row, because both analyses read the same file (same checksum)"
        key = "species" if self.method == "species" else "name"
        text = (
            f"matched by {key} and retention time (within {self.rt_tolerance:g} min), "
            "because the two analyses read different files"
        )
        if self.method == "name":
            text += " (stored before the species was recorded)"
        return text


def matching_for(same_file: bool, with_species: bool) -> Matching:
    """Row by row for the same file; by species (or name) and RT for different files."""
    if same_file:
        return Matching("row")
    return Matching("species" if with_species else "name", RT_TOLERANCE)


def _abundance_items(summary: Mapping[str, Any] | None, level: str) -> dict[str, dict[str, Any]]:
    list_key, item_key = LEVELS[level]
    items = ((summary or {}).get("abundance") or {}).get(list_key) or []
    return {str(item.get(item_key)): item for item in items if isinstance(item, dict)}


def abundance_rows(
    summary_a: Mapping[str, Any] | None, summary_b: Mapping[str, Any] | None, level: str
) -> list[AbundanceRow]:
    """One row per key present in either summary, in Svennerholm order."""
    left, right = _abundance_items(summary_a, level), _abundance_items(summary_b, level)
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


def paired_statuses(
    peaks_a: pd.DataFrame, peaks_b: pd.DataFrame, tolerance: float
) -> tuple[list[tuple[str, str, int]], list[tuple[int, int]]]:
    """Rows of two different files (columns ``row``, ``key``, ``rt``, ``status``) paired by key
    and RT: the pairs counted by (status in A, status in B), and the differing pairs (row in A,
    row in B) by row of A."""
    # A hair over the tolerance: 8.1 - 8.0 is 0.0999… or 0.1000…01 in binary.
    pairs = pair_peaks(peaks_a, peaks_b, tolerance + 1e-9)
    status_a = peaks_a.set_index("row")["status"].astype(str)
    status_b = peaks_b.set_index("row")["status"].astype(str)
    pairs["status_a"] = status_a.loc[pairs["row_a"]].to_numpy()
    pairs["status_b"] = status_b.loc[pairs["row_b"]].to_numpy()
    counts = pairs.groupby(["status_a", "status_b"]).size()
    differ = pairs.loc[pairs["status_a"] != pairs["status_b"], ["row_a", "row_b"]]
    levels = [counts.index.get_level_values(i).tolist() for i in (0, 1)]
    return (
        [(str(sa), str(sb), int(n)) for sa, sb, n in zip(*levels, counts.tolist(), strict=True)],
        [(int(ra), int(rb)) for ra, rb in differ.itertuples(index=False)],
    )


def transitions_of(pairs: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """The (status in A, status in B, count) that differ, the most frequent first."""
    return sorted(((a, b, n) for a, b, n in pairs if a != b), key=lambda t: (-t[2], t[0], t[1]))


@dataclass
class AnalysisComparison:
    """Two analyses compared (A, then B)."""

    matching: Matching
    parameter_changes: list[ParameterChange] = field(default_factory=list)
    abundance: dict[str, list[AbundanceRow]] = field(default_factory=dict)
    matched: int = 0
    only_a: int = 0
    only_b: int = 0
    transitions: list[tuple[str, str, int]] = field(default_factory=list)
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))


def compare_analyses(
    a: AnalysisResult, b: AnalysisResult, *, same_file: bool = False
) -> AnalysisComparison:
    """Compare two results: row by row when they read the same file (``same_file``), else by
    species (or name) and retention time."""
    ca, cb = a.compounds, b.compounds
    with_species = all(
        "species" in c.columns and c["species"].astype(str).ne("").any() for c in (ca, cb)
    )
    matching = matching_for(same_file, with_species)
    out = AnalysisComparison(
        matching=matching,
        parameter_changes=parameter_changes(a.config.to_dict(), b.config.to_dict()),
        abundance={level: abundance_rows(a.summary, b.summary, level) for level in LEVELS},
    )
    if matching.method == "row":
        pairs = ca[["row"]].merge(cb[["row"]], on="row").rename(columns={"row": "row_a"})
        pairs["row_b"] = pairs["row_a"]
        rows = list(zip(pairs["row_a"], pairs["row_b"], strict=True))
        counted = _counted(ca, cb, rows)
    else:
        key = "species" if matching.method == "species" else "name"
        counted, rows = paired_statuses(
            _peaks(ca, key), _peaks(cb, key), float(matching.rt_tolerance or 0.0)
        )
    out.matched = sum(n for _, _, n in counted)
    out.only_a, out.only_b = len(ca) - out.matched, len(cb) - out.matched
    out.transitions = transitions_of(counted)
    out.changes = _changes(ca, cb, rows)
    return out


def _peaks(compounds: pd.DataFrame, key: str) -> pd.DataFrame:
    frame = compounds[["row", key, "rt", "status"]].rename(columns={key: "key"})
    frame = frame.assign(key=frame["key"].fillna("").astype(str))
    return frame.assign(rt=pd.to_numeric(frame["rt"], errors="coerce"))


def _counted(
    ca: pd.DataFrame, cb: pd.DataFrame, rows: list[tuple[int, int]]
) -> list[tuple[str, str, int]]:
    """Pairs (row in A, row in B) counted by (status in A, status in B)."""
    status_a = ca.set_index("row")["status"].astype(str)
    status_b = cb.set_index("row")["status"].astype(str)
    frame = pd.DataFrame(
        {
            "a": status_a.loc[[r for r, _ in rows]].to_numpy(),
            "b": status_b.loc[[r for _, r in rows]].to_numpy(),
        }
    )
    counts = frame.groupby(["a", "b"]).size()
    levels = [counts.index.get_level_values(i).tolist() for i in (0, 1)]
    return [(str(sa), str(sb), int(n)) for sa, sb, n in zip(*levels, counts.tolist(), strict=True)]


def _changes(ca: pd.DataFrame, cb: pd.DataFrame, rows: list[tuple[int, int]]) -> pd.DataFrame:
    """The pairs whose status differs, as :data:`CHANGE_COLUMNS`, by row of A."""
    left = ca.set_index("row")
    right = cb.set_index("row")
    ra = [r for r, _ in rows]
    rb = [r for _, r in rows]
    frame = pd.DataFrame(
        {
            "row": ra,
            "row_b": rb,
            "name": left.loc[ra, "name"].astype(str).to_numpy(),
            "group_key": left.loc[ra, "group_key"].astype(str).to_numpy(),
            "status": left.loc[ra, "status"].astype(str).to_numpy(),
            "status_b": right.loc[rb, "status"].astype(str).to_numpy(),
            "z": left.loc[ra, "z"].to_numpy(dtype=float),
            "z_b": right.loc[rb, "z"].to_numpy(dtype=float),
            "reasons_b": right.loc[rb, "reasons"].astype(str).to_numpy(),
        },
        columns=list(CHANGE_COLUMNS),
    )
    differ = frame[frame["status"] != frame["status_b"]]
    return differ.sort_values("row", kind="stable").reset_index(drop=True)


def load_result(folder: str | Path) -> AnalysisResult:
    """The result ``ganglioside analyze`` wrote into ``folder`` (its ``compounds.csv`` and
    ``summary.json``), for a comparison.

    Raises
    ------
    InputError
        When one of the two files is missing or unreadable.
    """
    folder = Path(folder)
    paths = {name: folder / name for name in ("compounds.csv", "summary.json")}
    for name, path in paths.items():
        if not path.is_file():
            raise InputError(
                f"{name} not found: expected a folder written by 'ganglioside analyze' "
                "(compounds.csv and summary.json), or a feature table",
                file=str(folder),
            )
    try:
        document = json.loads(paths["summary.json"].read_text(encoding="utf-8"))
        compounds = pd.read_csv(paths["compounds.csv"], keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the results: {exc}", file=str(folder)) from None
    return AnalysisResult(
        compounds=compounds,
        models=[],
        fragments=pd.DataFrame(),
        summary=dict(document.get("summary") or {}),
        warnings=list(document.get("warnings") or []),
        config=AnalysisConfig.from_mapping(document.get("config") or {}),
        source=str(document.get("summary", {}).get("source", folder.name)),
    )


def comparison_text(c: AnalysisComparison, shown: int = 20) -> str:
    """The comparison in words, for the command line."""
    lines = [
        c.matching.description,
        f"{c.matched} rows paired, {c.only_a} only in A, {c.only_b} only in B",
    ]
    if c.parameter_changes:
        lines.append("parameters that differ:")
        lines += [f"  {p.name}: {p.before_text} → {p.after_text}" for p in c.parameter_changes]
    lines.append(f"{len(c.changes)} paired rows changed status:")
    lines += [f"  {a} → {b}: {n}" for a, b, n in c.transitions]
    for row in c.changes.head(shown).itertuples(index=False):
        lines.append(
            f"  row {row.row} (B row {row.row_b}) {row.name}: {row.status} → {row.status_b}"
        )
    if len(c.changes) > shown:
        lines.append(f"  … and {len(c.changes) - shown} more (changes.csv)")
    lines.append("abundance by category (% of quantified volume, A → B):")
    lines += [
        f"  {r.key}: {r.percent_a or 0.0:.2f} → {r.percent_b or 0.0:.2f}"
        for r in c.abundance.get("category", [])
    ]
    return "\n".join(lines)


def abundance_frame(c: AnalysisComparison) -> pd.DataFrame:
    """Both abundance levels in one table: level, key, percent and volume in A and B."""
    return pd.DataFrame(
        [
            {
                "level": level,
                "key": r.key,
                "percent_a": r.percent_a,
                "percent_b": r.percent_b,
                "difference": r.difference,
                "volume_a": r.volume_a,
                "volume_b": r.volume_b,
            }
            for level, rows in c.abundance.items()
            for r in rows
        ],
        columns=["level", "key", "percent_a", "percent_b", "difference", "volume_a", "volume_b"],
    )
