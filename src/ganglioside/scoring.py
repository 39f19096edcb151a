"""Score an analysis against a known truth (from :mod:`ganglioside.simulate`).

The truth labels each row ``valid``, ``outlier`` or ``fragment`` (with the row of the fragment's
root parent).  An analysis is right on a row when its status matches: ``outlier`` for an
outlier, ``fragment`` for a fragment, and ``valid`` for a real species (``unverified`` is not
``valid``: the row was not confirmed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .result import AnalysisResult

__all__ = ["mistakes", "score"]

_TRUTH_NEEDED = ("row", "label", "parent_row")


def _frames(analysis: AnalysisResult | pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    compounds = analysis.compounds if isinstance(analysis, AnalysisResult) else analysis
    missing = [c for c in _TRUTH_NEEDED if c not in truth.columns]
    if missing:
        raise ValueError(f"truth lacks column(s) {', '.join(missing)}")
    for col in ("row", "status", "fragment_of"):
        if col not in compounds.columns:
            raise ValueError(f"analysis compounds lack column {col!r}")
    left = compounds[["row", "status", "fragment_of"]].copy()
    left["row"] = left["row"].astype("int64")
    right = truth.copy()
    right["row"] = right["row"].astype("int64")
    merged = right.merge(left, on="row", how="left", validate="one_to_one")
    if merged["status"].isna().any():
        absent = merged.loc[merged["status"].isna(), "row"].head(5).tolist()
        raise ValueError(f"analysis has no record for truth row(s) {absent}")
    return merged


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    # Nothing to find and nothing claimed is a perfect score, not a division by zero.
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _linked(merged: pd.DataFrame) -> pd.Series:
    parent = pd.to_numeric(merged["parent_row"], errors="coerce")
    found = pd.to_numeric(merged["fragment_of"], errors="coerce")
    return pd.Series((parent == found).fillna(False).to_numpy(dtype=bool), index=merged.index)


def score(analysis: AnalysisResult | pd.DataFrame, truth: pd.DataFrame) -> dict[str, Any]:
    """Accuracy of an analysis against the truth of a simulated table.

    Parameters
    ----------
    analysis:
        The :class:`~ganglioside.AnalysisResult` (or its ``compounds`` frame, which needs ``row``,
        ``status`` and ``fragment_of``).
    truth:
        The truth frame of a :class:`~ganglioside.simulate.SimulatedTable` (``row``, ``label``,
        ``parent_row``).

    Returns
    -------
    dict
        Counts and rates: ``n_rows``; ``n_valid``, ``n_outlier``, ``n_fragment`` (truth);
        ``status_counts``; for ``outlier`` and ``fragment``: ``*_tp``, ``*_fp``, ``*_fn``,
        ``*_precision``, ``*_recall``, ``*_f1``; ``macro_f1`` (mean of the two F1);
        ``valid_kept`` (fraction of true valid rows with status ``valid``, with ``valid_ok``
        their count); ``parent_linkage`` (fraction of true fragments whose ``fragment_of`` is
        the true root parent, with ``linked`` their count); ``confusion`` (truth label ->
        status -> count).  A rate with nothing to measure is 1.0.
    """
    merged = _frames(analysis, truth)
    label = merged["label"].astype(str).to_numpy()
    status = merged["status"].astype(str).to_numpy()
    out: dict[str, Any] = {"n_rows": len(merged)}
    for name in ("valid", "outlier", "fragment"):
        out[f"n_{name}"] = int((label == name).sum())
    out["status_counts"] = {str(k): int(v) for k, v in pd.Series(status).value_counts().items()}
    f1s = []
    for name in ("outlier", "fragment"):
        counts = _class_counts(name, label == name, status == name)
        out.update(counts)
        f1s.append(counts[f"{name}_f1"])
    out["macro_f1"] = float(np.mean(f1s))
    valid = label == "valid"
    out["valid_ok"] = int((valid & (status == "valid")).sum())
    out["valid_kept"] = out["valid_ok"] / out["n_valid"] if out["n_valid"] else 1.0
    frag = label == "fragment"
    out["linked"] = int((_linked(merged).to_numpy() & frag).sum())
    out["parent_linkage"] = out["linked"] / out["n_fragment"] if out["n_fragment"] else 1.0
    out["confusion"] = _confusion(label, status)
    return out


def _class_counts(name: str, truth_pos: np.ndarray, said_pos: np.ndarray) -> dict[str, Any]:
    """True and false positives, false negatives, precision, recall and F1 of one class."""
    tp = int((truth_pos & said_pos).sum())
    fp = int((~truth_pos & said_pos).sum())
    fn = int((truth_pos & ~said_pos).sum())
    precision, recall, f1 = _f1(tp, fp, fn)
    return {
        f"{name}_tp": tp,
        f"{name}_fp": fp,
        f"{name}_fn": fn,
        f"{name}_precision": precision,
        f"{name}_recall": recall,
        f"{name}_f1": f1,
    }


def _confusion(label: np.ndarray, status: np.ndarray) -> dict[str, dict[str, int]]:
    """Truth label -> status -> count."""
    confusion: dict[str, dict[str, int]] = {}
    pairs = pd.DataFrame({"label": label, "status": status}).value_counts()
    for lab, st, count in zip(
        pairs.index.get_level_values(0), pairs.index.get_level_values(1), pairs, strict=True
    ):
        confusion.setdefault(str(lab), {})[str(st)] = int(count)
    return confusion


def mistakes(
    analysis: AnalysisResult | pd.DataFrame, truth: pd.DataFrame, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The rows an analysis got wrong, one per row, with an ``error`` type.

    Error types: ``missed_outlier`` (truth outlier, status not outlier), ``false_outlier``
    (status outlier, truth not outlier), ``missed_fragment``, ``false_fragment``,
    ``valid_not_kept`` (a true valid row with status ``unverified`` or ``invalid``) and
    ``wrong_parent`` (a fragment found, linked to another parent).  Truth and, when given, the
    table and the analysis's own columns are joined for the reader.
    """
    merged = _frames(analysis, truth)
    label = merged["label"].astype(str)
    status = merged["status"].astype(str)
    error = pd.Series("", index=merged.index, dtype=object)
    error[(label == "outlier") & (status != "outlier")] = "missed_outlier"
    error[(label != "outlier") & (status == "outlier")] = "false_outlier"
    error[(label == "fragment") & (status != "fragment") & (error == "")] = "missed_fragment"
    error[(label != "fragment") & (status == "fragment")] = "false_fragment"
    error[(label == "valid") & ~status.isin(["valid", "outlier", "fragment"])] = "valid_not_kept"
    wrong_parent = (label == "fragment") & (status == "fragment") & ~_linked(merged)
    error[wrong_parent] = "wrong_parent"
    merged.insert(1, "error", error)
    bad = merged[error != ""].copy()
    if isinstance(analysis, AnalysisResult):
        extra = [
            c
            for c in (
                "name",
                "rt",
                "log_p",
                "is_anchor",
                "group_key",
                "predicted_rt",
                "residual",
                "z",
                "model_level",
                "isomer_track",
                "reasons",
                "warnings",
            )
            if c in analysis.compounds.columns
        ]
        info = analysis.compounds[["row", *extra]].copy()
        info["row"] = info["row"].astype("int64")
        bad = bad.merge(info, on="row", how="left")
    elif table is not None:
        info = table.copy()
        info.insert(0, "row", np.arange(1, len(table) + 1))
        bad = bad.merge(info, on="row", how="left")
    return bad.reset_index(drop=True)
