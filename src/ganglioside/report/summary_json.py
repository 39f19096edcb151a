"""``summary.json``: the summary, models, warnings and parameters of a run.

Its size does not grow with the number of rows: the per-row tables are files of their own
(``compounds.csv``, ``fragments.csv``), and the row warnings are given as counts with the first
:data:`MAX_LISTED_ROWS` row numbers of each.  The schema is described in docs/OUTPUTS.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..result import STATUSES, AnalysisResult
from .safe import plain_value

#: Version of the layout of ``summary.json``; raised when a key changes meaning or moves.
SCHEMA_VERSION = 2

#: Row numbers listed per row-warning code (the count is always complete).
MAX_LISTED_ROWS = 20


def software_version() -> str:
    """Version of the installed :mod:`ganglioside` package."""
    # Imported here: the package imports nothing from report/, but keeping the import late
    # means report/ never depends on the order in which ganglioside/__init__ runs.
    from .. import __version__

    return str(__version__)


def to_plain(value: Any) -> Any:
    """Recursively turn ``value`` into strict-JSON-ready data (NaN and infinities become None)."""
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [to_plain(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series | np.ndarray):
        return [to_plain(v) for v in value.tolist()]
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return plain_value(value)


def status_counts(analysis: AnalysisResult) -> dict[str, int]:
    """Rows per status in the order of :data:`ganglioside.STATUSES`, plus ``anchors``."""
    status = analysis.compounds["status"].astype(str)
    counts = {s: int((status == s).sum()) for s in STATUSES}
    counts["anchors"] = int(analysis.compounds["is_anchor"].fillna(False).astype(bool).sum())
    counts["total"] = len(analysis.compounds)
    return counts


def row_warnings(compounds: pd.DataFrame, limit: int = MAX_LISTED_ROWS) -> dict[str, Any]:
    """Per warning code of the rows (``track_inferred``, ``extrapolated`` ...): how many rows
    carry it and the first ``limit`` of their row numbers, codes in alphabetical order."""
    combos = compounds["warnings"].astype("category")
    rows = compounds["row"].to_numpy()
    codes = combos.cat.codes.to_numpy()
    by_code: dict[str, list[int]] = {}
    for index, combo in enumerate(combos.cat.categories):
        for code in str(combo).split(";"):
            if code.strip():
                by_code.setdefault(code.strip(), []).append(index)
    out: dict[str, Any] = {}
    for code in sorted(by_code):
        mask = np.isin(codes, by_code[code])
        listed = rows[mask][:limit]
        out[code] = {"rows": int(mask.sum()), "first_rows": [int(r) for r in listed]}
    return out


def summary_document(analysis: AnalysisResult) -> dict[str, Any]:
    """Everything ``summary.json`` holds, as plain data (documented in docs/OUTPUTS.md).

    Returns
    -------
    dict
        ``schema_version``, ``software`` (name, version), ``generated_at`` (UTC, ISO 8601),
        ``source``, ``counts`` (rows per status), ``summary`` (:attr:`AnalysisResult.summary`),
        ``models`` (:meth:`ModelReport.to_dict` each), ``fragments`` (number of events and
        the file that lists them), ``warnings`` (file-level), ``row_warnings`` (per code:
        number of rows and the first row numbers) and ``config`` (every parameter used).
    """
    document = {
        "schema_version": SCHEMA_VERSION,
        "software": {"name": "ganglioside", "version": software_version()},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": analysis.source,
        "counts": status_counts(analysis),
        "summary": analysis.summary,
        "models": [m.to_dict() for m in analysis.models],
        "fragments": {"events": len(analysis.fragments), "file": "fragments.csv"},
        "warnings": list(analysis.warnings),
        "row_warnings": row_warnings(analysis.compounds),
        "config": analysis.config.to_dict(),
    }
    return dict(to_plain(document))


def summary_json(analysis: AnalysisResult, indent: int | None = 2) -> str:
    """``summary.json`` as text: strict JSON (no NaN), UTF-8 characters kept."""
    return json.dumps(
        summary_document(analysis), indent=indent, ensure_ascii=False, allow_nan=False
    )


def write_summary_json(analysis: AnalysisResult, path: str | Path, progress: Any = None) -> Path:
    """Write ``summary.json`` to ``path`` and return the path (``progress`` is not used: the
    document is small)."""
    path = Path(path)
    path.write_text(summary_json(analysis) + "\n", encoding="utf-8")
    return path


def flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted.key, scalar)`` pairs of nested mappings; lists of scalars are joined.

    Lists that hold mappings are written as compact JSON so that nothing is lost.
    """
    plain = to_plain(data)
    if isinstance(plain, dict):
        if not plain and prefix:
            yield prefix, ""
        for key, value in plain.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(plain, list):
        if all(not isinstance(v, dict | list) for v in plain):
            yield prefix, "; ".join("" if v is None else str(v) for v in plain)
        else:
            yield prefix, json.dumps(plain, ensure_ascii=False)
    else:
        yield prefix, plain
