"""The summary block of a result: counts, consolidated abundances, parameters, version."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .config import AnalysisConfig
from .logp import LogPModel
from .result import CATEGORIES, STATUSES, ModelReport

#: Statuses whose volumes count as quantified species.
QUANTIFIED = ("valid",)


def _clean(value: Any) -> Any:
    """JSON-ready: NaN/inf to None, numpy scalars to Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def abundance(compounds: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    """Consolidated volume and share per value of ``by``, over quantified rows."""
    q = compounds.loc[compounds["status"].isin(QUANTIFIED), ["row", by, "volume_consolidated"]]
    total = float(q["volume_consolidated"].sum())
    grouped = q.groupby(by, sort=True).agg(
        rows=("row", "size"), volume=("volume_consolidated", "sum")
    )
    grouped = grouped.sort_values("volume", ascending=False)
    return [
        {
            by: str(key),
            "rows": int(rows),
            "volume": float(volume),
            "percent": (100.0 * float(volume) / total) if total > 0 else 0.0,
        }
        for key, rows, volume in zip(
            grouped.index.tolist(),
            grouped["rows"].tolist(),
            grouped["volume"].tolist(),
            strict=True,
        )
    ]


def build_summary(
    compounds: pd.DataFrame,
    events: pd.DataFrame,
    reports: list[ModelReport],
    config: AnalysisConfig,
    *,
    source: str,
    timings: dict[str, float],
    expected_oac_shift: float,
    logp_model: LogPModel,
) -> dict[str, Any]:
    """Everything a reader needs at a glance, JSON-ready."""
    from . import __version__

    status_counts = compounds["status"].value_counts()
    by_status = {s: int(status_counts.get(s, 0)) for s in STATUSES}
    cat = compounds.loc[compounds["status"] != "invalid", ["category", "group_key", "status"]]
    sizes = cat.groupby(["category", "status"]).size()
    pairs = {
        (str(c), str(st)): int(v)
        for (c, st), v in zip(sizes.index.tolist(), sizes.tolist(), strict=True)
    }
    present = {c for c, _ in pairs}
    by_category = {
        c: {s: pairs.get((c, s), 0) for s in STATUSES[:4]} for c in CATEGORIES if c in present
    }
    by_headgroup = cat.groupby(["group_key", "status"]).size().unstack(fill_value=0).astype(int)
    headgroups = {
        str(g): {str(s): int(v) for s, v in row.items() if v} for g, row in by_headgroup.iterrows()
    }
    oac = compounds.loc[compounds["oac_label"] != "", "oac_label"].value_counts()
    return _clean(
        {
            "source": source,
            "software": {"name": "ganglioside", "version": __version__},
            "rows": len(compounds),
            "anchors": int(compounds["is_anchor"].sum()),
            "distinct_names": int(compounds["name"].nunique()),
            "groups": int(cat["group_key"].nunique()),
            "by_status": by_status,
            "by_category": by_category,
            "by_headgroup": headgroups,
            "abundance": {
                "quantified_statuses": list(QUANTIFIED),
                "total_volume": float(
                    compounds.loc[compounds["status"].isin(QUANTIFIED), "volume_consolidated"].sum()
                ),
                "by_category": abundance(compounds, "category"),
                "by_headgroup": abundance(compounds, "group_key"),
                "by_ceramide": abundance(compounds, "ceramide"),
            },
            "models": {
                "count": len(reports),
                "by_level": {
                    lvl: int((compounds["model_level"] == lvl).sum())
                    for lvl in ("group", "pooled", "composition")
                },
            },
            "fragments": {
                "events": len(events),
                "parents": int(events["root_row"].nunique()) if len(events) else 0,
            },
            "acetylation": {
                "labels": {str(k): int(v) for k, v in oac.items()},
                "expected_shift_min": expected_oac_shift,
            },
            "log_p": {
                "estimated_rows": int((compounds["log_p_source"] == "estimated").sum()),
                "model_names": logp_model.n_names,
                "increments": logp_model.coefficients,
                "intercept": logp_model.intercept,
                "residual_sd": logp_model.residual_sd,
            },
            "parameters": config.to_dict(),
            "timings_s": {k: round(v, 4) for k, v in timings.items()},
        }
    )
