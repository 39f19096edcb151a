"""The summary block of a result: counts, consolidated abundances, parameters, version."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .codes import codes_of
from .config import AnalysisConfig
from .logp import LogPModel
from .result import CATEGORIES, STATUSES, ModelReport
from .rules.retention import LEVELS

#: RT model levels in the order the summary lists its rows per level.
MODEL_LEVELS: tuple[str, ...] = tuple(str(level) for level in LEVELS if level)

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


def abundance(
    compounds: pd.DataFrame, by: str, quantified: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """Consolidated volume and share per value of ``by``, over quantified rows (``quantified``:
    their mask, when already known)."""
    codes, uniques = codes_of(compounds[by])
    if quantified is None:
        quantified = _quantified(compounds)
    keep = quantified & (codes >= 0)
    codes = codes[keep]
    volume = compounds["volume_consolidated"].to_numpy(dtype=float)[keep]
    rows = np.bincount(codes, minlength=len(uniques))
    sums = np.bincount(codes, weights=volume, minlength=len(uniques))
    total = float(volume.sum())
    # largest first; ties in the order of the names
    present = np.flatnonzero(rows)
    order = sorted(present.tolist(), key=lambda i: (-sums[i], str(uniques[i])))
    return [
        {
            by: str(uniques[i]),
            "rows": int(rows[i]),
            "volume": float(sums[i]),
            "percent": (100.0 * float(sums[i]) / total) if total > 0 else 0.0,
        }
        for i in order
    ]


def _quantified(compounds: pd.DataFrame) -> np.ndarray:
    """The rows whose status is one of :data:`QUANTIFIED`."""
    codes, labels = codes_of(compounds["status"])
    return np.isin(codes, [i for i, label in enumerate(labels) if label in QUANTIFIED])


def _counts(values: pd.Series) -> dict[str, int]:
    """Rows per value (as text), the values present only; missing values are not counted."""
    codes, labels = codes_of(values)
    counts = np.bincount(codes[codes >= 0], minlength=len(labels)).tolist()
    out: dict[str, int] = {}
    for label, n in zip(labels, counts, strict=True):
        if n:
            out[str(label)] = out.get(str(label), 0) + n
    return out


def _kept_codes(values: pd.Series, keep: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """:func:`codes_of` of the ``keep`` rows of ``values``."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, labels = codes_of(values)
        return codes[keep], labels
    codes, uniques = pd.factorize(values.to_numpy(dtype=object)[keep])
    return codes, list(uniques)


def _pair_counts(
    first: tuple[np.ndarray, list[Any]], second: tuple[np.ndarray, list[Any]]
) -> dict[str, dict[str, int]]:
    """Counts of (first, second) value pairs (each: codes and labels, as :func:`codes_of`
    gives them), as nested dicts (zero counts left out)."""
    c1, u1 = first
    c2, u2 = second
    ok = (c1 >= 0) & (c2 >= 0)
    counts = np.bincount(c1[ok] * len(u2) + c2[ok], minlength=len(u1) * len(u2)).reshape(
        len(u1), -1
    )
    table = counts.tolist()  # Python ints: no numpy scalar per cell
    second_labels = [str(u) for u in u2]
    return {
        str(u1[i]): {second_labels[j]: n for j, n in enumerate(table[i]) if n}
        for i in np.argsort(np.asarray(u1, dtype=str))
        if any(table[i])
    }


def _identification_counts(compounds: pd.DataFrame) -> dict[str, int]:
    """Rows per identification level (label), best first; empty without the column."""
    if "identification" not in compounds:
        return {}
    from .identification import LEVELS

    counts = _counts(compounds["identification"])
    return {label: counts.get(label, 0) for label in LEVELS[1:]}


def status_counts(compounds: pd.DataFrame) -> dict[str, Any]:
    """The rows counted by status (``by_status``), and the rows that are not invalid by
    category and status (``by_category``) and by headgroup and status (``by_headgroup``).

    ``compounds`` needs ``status``, ``category`` and ``group_key``; the analysis and the
    curation's recount (:func:`ganglioside.curation.recount_summary`) both count with it.
    """
    status = compounds["status"]
    counts = _counts(status)
    codes, labels = codes_of(status)
    kept = ~np.isin(codes, [i for i, label in enumerate(labels) if label == "invalid"])
    kept_status = _kept_codes(status, kept)
    pairs = _pair_counts(_kept_codes(compounds["category"], kept), kept_status)
    return {
        "by_status": {s: counts.get(s, 0) for s in STATUSES},
        "by_category": {
            c: {s: pairs[c].get(s, 0) for s in STATUSES[:4]} for c in CATEGORIES if c in pairs
        },
        "by_headgroup": _pair_counts(_kept_codes(compounds["group_key"], kept), kept_status),
    }


def abundances(compounds: pd.DataFrame) -> dict[str, Any]:
    """The quantified volume in all and by category, headgroup and ceramide (the analysis and
    the curation's recount both compute it here)."""
    quantified = _quantified(compounds)
    volume = compounds["volume_consolidated"].to_numpy(dtype=float)[quantified]
    return {
        "total_volume": float(np.where(np.isnan(volume), 0.0, volume).sum()),
        "by_category": abundance(compounds, "category", quantified),
        "by_headgroup": abundance(compounds, "group_key", quantified),
        "by_ceramide": abundance(compounds, "ceramide", quantified),
    }


def _log_p(compounds: pd.DataFrame, logp_model: LogPModel) -> dict[str, Any]:
    """How the Log P values were obtained, and the composition model that estimates them."""
    return {
        "estimated_rows": int((compounds["log_p_source"] == "estimated").sum()),
        "model_names": logp_model.n_names,
        "increments": logp_model.coefficients,
        "intercept": logp_model.intercept,
        "residual_sd": logp_model.residual_sd,
    }


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
    other_classes: pd.DataFrame | None = None,
    input_summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a reader needs at a glance, JSON-ready.

    ``other_classes`` are the rows the names set aside, ``input_summary`` what the reader of the
    file says of it (format, sample, features it left out); both enter one count of the rows of
    other lipid classes.
    """
    from . import __version__

    counted = status_counts(compounds)
    oac = compounds["oac_label"].value_counts()
    oac = oac[(oac > 0) & (oac.index.astype(str) != "")]
    return _clean(
        {
            "source": source,
            "software": {"name": "ganglioside", "version": __version__},
            "rows": len(compounds),
            **_set_aside(other_classes, input_summary or {}),
            "internal_standards": int(compounds["is_internal_standard"].sum()),
            "anchors": int(compounds["is_anchor"].sum()),
            "distinct_names": int(compounds["name"].nunique()),
            "groups": len(counted["by_headgroup"]),
            **counted,
            "by_identification": _identification_counts(compounds),
            "abundance": {"quantified_statuses": list(QUANTIFIED), **abundances(compounds)},
            "models": _models(compounds, reports),
            "fragments": {
                "events": len(events),
                "parents": int(events["root_row"].nunique()) if len(events) else 0,
            },
            "acetylation": {
                "labels": {str(k): int(v) for k, v in oac.items()},
                "expected_shift_min": expected_oac_shift,
            },
            "log_p": _log_p(compounds, logp_model),
            "parameters": config.to_dict(),
            "timings_s": {k: round(v, 4) for k, v in timings.items()},
            "input": input_summary or {},
        }
    )


def _set_aside(other_classes: pd.DataFrame | None, input_summary: dict[str, Any]) -> dict[str, Any]:
    """The rows of other lipid classes: counted once, whether the export's reader or the names
    set them aside, and by class where the names did."""
    by_class = (
        {}
        if other_classes is None
        else {str(k): int(v) for k, v in other_classes["class"].value_counts().items()}
    )
    read_aside = int(input_summary.get("n_skipped_other_classes", 0))
    return {
        "n_skipped_other_classes": sum(by_class.values()) + read_aside,
        "other_classes": by_class,
    }


def _models(compounds: pd.DataFrame, reports: list[ModelReport]) -> dict[str, Any]:
    """How many RT models, how many rows each level reached, and how they were calibrated."""
    counts = _counts(compounds["model_level"])
    return {
        "count": len(reports),
        "by_level": {lvl: counts[lvl] for lvl in MODEL_LEVELS if lvl in counts},
        "calibration": reports[0].calibration if reports else {"source": "none"},
    }
