"""``summary.json``: the summary, models, fragment events, warnings and parameters of a run."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..result import STATUSES, Analysis
from .safe import plain_value


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


def status_counts(analysis: Analysis) -> dict[str, int]:
    """Rows per status in the order of :data:`ganglioside.STATUSES`, plus ``anchors``."""
    status = analysis.compounds["status"].astype(str)
    counts = {s: int((status == s).sum()) for s in STATUSES}
    counts["anchors"] = int(analysis.compounds["is_anchor"].fillna(False).astype(bool).sum())
    counts["total"] = len(analysis.compounds)
    return counts


def summary_document(analysis: Analysis) -> dict[str, Any]:
    """Everything ``summary.json`` holds, as plain data.

    Returns
    -------
    dict
        ``software`` (name, version), ``generated_at`` (UTC, ISO 8601), ``source``,
        ``counts`` (rows per status), ``summary`` (:attr:`Analysis.summary`), ``models``
        (:meth:`ModelReport.to_dict` each), ``fragments`` (one record per event),
        ``warnings`` and ``config`` (every parameter used).
    """
    document = {
        "software": {"name": "ganglioside", "version": software_version()},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": analysis.source,
        "counts": status_counts(analysis),
        "summary": analysis.summary,
        "models": [m.to_dict() for m in analysis.models],
        "fragments": analysis.fragments,
        "warnings": list(analysis.warnings),
        "config": analysis.config.to_dict(),
    }
    return dict(to_plain(document))


def summary_json(analysis: Analysis, indent: int | None = 2) -> str:
    """``summary.json`` as text: strict JSON (no NaN), UTF-8 characters kept."""
    return json.dumps(
        summary_document(analysis), indent=indent, ensure_ascii=False, allow_nan=False
    )


def write_summary_json(analysis: Analysis, path: str | Path) -> Path:
    """Write ``summary.json`` to ``path`` and return the path."""
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
