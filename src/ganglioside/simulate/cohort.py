"""The difficulties of real cohorts for simulated studies: batches, pooled QCs with signal
drift, unknown sample amounts, paired subjects, a detection limit, three or more groups.

Each is drawn from its own random stream (``[seed, 11]``), so that a study without them is
the same as before they existed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .knobs import StudyKnobs


def extra_group_folds(
    names: np.ndarray, fold_of: dict[str, float], k: StudyKnobs, rng: np.random.Generator
) -> dict[str, dict[str, float]]:
    """Group → species → fold over the first group: the second group's as drawn before; each
    further group changes 70 % of the changed species, by its own fold."""
    folds = {k.groups[0]: {}, k.groups[1]: dict(fold_of)}
    for group in k.groups[2:]:
        own = {}
        for name in fold_of:
            if rng.random() < 0.7:
                size = np.exp(rng.uniform(np.log(k.fold_range[0]), np.log(k.fold_range[1])))
                own[name] = float(size ** (1 if rng.random() < 0.5 else -1))
        folds[group] = own
    return folds


def cohort_design(k: StudyKnobs, rng: np.random.Generator, base: pd.DataFrame) -> pd.DataFrame:
    """The design with the cohort's knobs: subjects, confounded batches in injection blocks,
    pooled QCs every ``qc_every`` injections (``base``: the plain design)."""
    design = base.copy()
    if k.paired:
        design["subject"] = [f"P{int(s[1:]):02d}" for s in design["sample"]]
    design["sample_type"] = "sample"
    if k.confounded != 0.5 or k.qc_every:
        design = _blocked(design, k, rng)
    if k.qc_every:
        design = _with_qcs(design, k.qc_every)
    return design


def _blocked(design: pd.DataFrame, k: StudyKnobs, rng: np.random.Generator) -> pd.DataFrame:
    """Batch B1 injected first, then B2; the first group's share in B1 is ``confounded``."""
    n = len(design)
    first = np.flatnonzero(design["group"].to_numpy() == k.groups[0])
    others = np.flatnonzero(design["group"].to_numpy() != k.groups[0])
    in_first = round(k.confounded * len(first))
    fill = max(0, n // 2 - in_first)
    chosen = np.concatenate(
        [rng.permutation(first)[:in_first], rng.permutation(others)[: min(fill, len(others))]]
    )
    batch = np.where(np.isin(np.arange(n), chosen), "B1", "B2")
    order = np.empty(n, dtype=int)
    b1, b2 = np.flatnonzero(batch == "B1"), np.flatnonzero(batch == "B2")
    order[rng.permutation(b1)] = np.arange(1, len(b1) + 1)
    order[rng.permutation(b2)] = np.arange(len(b1) + 1, n + 1)
    return design.assign(batch=batch, injection_order=order)


def _with_qcs(design: pd.DataFrame, every: int) -> pd.DataFrame:
    """A QC before each batch's first sample, after every ``every`` samples and at its end."""
    rows: list[dict[Any, Any]] = []
    count = 0
    ordered = design.sort_values("injection_order")
    for batch, members in ordered.groupby("batch", sort=False):
        block = members.to_dict("records")
        for i, row in enumerate(block):
            if i % every == 0:
                count += 1
                rows.append(_qc_row(count, str(batch), design.columns))
            rows.append(row)
        count += 1
        rows.append(_qc_row(count, str(batch), design.columns))
    out = pd.DataFrame(rows, columns=design.columns)
    out["injection_order"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def _qc_row(number: int, batch: str, columns: pd.Index) -> dict[str, object]:
    row: dict[str, object] = {c: "" for c in columns}
    name = f"QC{number:02d}"
    row.update(sample=name, file=f"{name}.csv", group="QC", batch=batch, sample_type="qc")
    return row


def cohort_effects(
    n_rows: int, design: pd.DataFrame, k: StudyKnobs, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Sample → log factor per table row: batch shift, signal drift, unknown amount, subject
    effect and technical noise (zeros when the knobs are off)."""
    n = len(design)
    shift = rng.normal(0.0, k.batch_sd, n_rows) if k.batch_sd else np.zeros(n_rows)
    slope = rng.uniform(-1.0, 0.3, n_rows)
    bend = rng.normal(0.0, 0.5, n_rows)
    subjects = {s: rng.normal(0.0, k.bio_sd, n_rows) for s in design.get("subject", [])}
    low, high = np.log(k.amount_range[0]), np.log(k.amount_range[1])
    last = max(float(design["injection_order"].max()) - 1.0, 1.0)
    out = {}
    for _, row in design.iterrows():
        t = (float(row["injection_order"]) - 1.0) / last
        log = np.zeros(n_rows)
        if row["batch"] == "B2":
            log += shift
        log += k.signal_drift * (slope * t + bend * (t * t - t))
        if row.get("sample_type", "sample") != "qc":
            log += rng.uniform(low, high) if high > low else 0.0
            if k.paired:
                log += subjects[row["subject"]]
        if k.tech_sd:
            log += rng.normal(0.0, k.tech_sd, n_rows)
        out[str(row["sample"])] = log
    assert len(out) == n
    return out


def qc_fold(names: np.ndarray, folds: dict[str, dict[str, float]]) -> np.ndarray:
    """The pooled QC's fold per row: the geometric mean of the groups' folds."""
    per_group = [np.array([f.get(n, 1.0) for n in names]) for f in folds.values()]
    return np.exp(np.mean(np.log(per_group), axis=0))
