"""Numbers and column names of the study pages' tables, for people: ``log2_fold_change``
reads "log₂ fold change", ``6.6227265625000005`` reads ``6.62``, a p value ``3.1e-07``."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

#: The pages' label of each column (others: the name with spaces for underscores).
LABELS = {
    "species": "Species",
    "name": "Name",
    "isomer_track": "Isomer track",
    "category": "Category",
    "rt": "RT (min)",
    "log2_fold_change": "log₂ fold change",
    "p_value": "p",
    "q_value": "q (BH)",
    "row": "Row",
    "volume": "Volume",
    "status": "Status",
    "predicted_rt": "Predicted RT (min)",
    "z": "z",
    "reasons": "Why",
    "feature_id": "Feature",
    "contrast": "Contrast",
    "qc_rsd_before": "QC RSD before correction",
    "qc_rsd": "QC RSD",
    "d_ratio": "D-ratio",
    "blank_ratio": "Blank ratio",
    "filter": "Filtered by",
}

_DECIMALS = {"rt": 2, "predicted_rt": 2}
_SIGNED = {"log2_fold_change": 2, "z": 2}
_P_VALUES = ("p_value", "q_value")


def label(column: str) -> str:
    """A column's label on the pages."""
    return LABELS.get(column, column.replace("_", " "))


def cell(column: str, value: Any) -> str:
    """A value as the pages show it: empty when missing, numbers rounded for their kind."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return _number(column, value)


def _number(column: str, value: float) -> str:
    if column == "row":
        return str(int(value))
    if column in _P_VALUES:
        return f"{value:.1e}" if 0 < value < 0.001 else f"{value:.3f}"
    if column in _DECIMALS:
        return f"{value:.{_DECIMALS[column]}f}"
    if column in _SIGNED:
        return f"{value:+.{_SIGNED[column]}f}"
    if column == "volume" or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


#: Columns whose cells are numbers (aligned right).
NUMERIC = frozenset(
    {"rt", "predicted_rt", "log2_fold_change", "p_value", "q_value", "volume", "z", "row"}
)


def table(
    columns: Sequence[str], rows: Sequence[dict[str, Any]], numeric: Collection[str] = NUMERIC
) -> dict[str, Any]:
    """Headers (column key, label, numeric) and the rows' cells, formatted; ``numeric``: the
    columns aligned as numbers."""
    return {
        "headers": [(c, label(c), c in numeric) for c in columns],
        "cells": [[(cell(c, row.get(c)), c in numeric) for c in columns] for row in rows],
    }
