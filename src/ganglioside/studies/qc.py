"""Pooled QCs, blanks and batches: signal-drift correction, QC filters, batch correction.

**Signal drift** (``qc_drift``): per batch and compound, a robust LOWESS (:mod:`.smooth`: locally
linear, three robustifying iterations that down-weight aberrant QCs) of the log2 QC values
against the injection order is taken as the drift; every sample of the batch (QCs, study
samples, blanks) is divided by it, interpolated at its injection order (flat beyond the first
and last QC), and multiplied by the compound's median QC value over all batches, which also
puts the batches on one level.  The LOWESS needs :data:`LOWESS_MIN_QCS` (5) QCs with injection
orders where the compound was measured in the batch; with two to four the drift is interpolated
linearly between them (the QCs are then matched exactly, so their RSD after the correction says
nothing and the RSD filter should be read with that in mind); with fewer the compound is left
as it is in that batch (Dunn et al.
2011, Nat Protoc 6:1060, QC-RLSC; MS-DIAL and MetaboAnalyst offer the same).

**QC filters** (Broadhurst et al. 2018, Metabolomics 14:72), each counted:

* ``qc_rsd``: the relative standard deviation of the compound in the QCs above ``qc_rsd``
  (30 %), after the drift correction;
* ``d_ratio``: the sd of the QCs over the sd of the study samples above ``d_ratio`` (0.5):
  the technical variation is as large as the biological;
* ``blank``: the study samples' median below ``blank_ratio`` (3) times the blanks' median
  (measured volumes, before drift correction and normalisation);
* ``detection``: found in fewer than ``detection_rate`` (50 %) of the samples of every group.

Filtered compounds stay in every output with the reasons in their ``filter`` column, and are
left out of the q values.

**Batch correction** (for the matrix ``matrix_batch_corrected.csv`` and the pictures, never
the tests, whose model has batch as a term): each batch's location and scale per compound are
brought to the pooled ones on log2 values after the group means are taken out, as ComBat does
without its empirical-Bayes shrinkage (Johnson et al. 2007, Biostatistics 8:118).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .design import Design
from .smooth import robust_lowess

#: Fewest QCs (with injection orders, the compound measured) a batch needs for the correction:
#: with fewer than :data:`LOWESS_MIN_QCS` the drift is interpolated linearly between them.
MIN_QCS = 2
#: Fewest QCs of a batch (the compound measured) for the robust LOWESS.
LOWESS_MIN_QCS = 5
#: Span of the LOWESS (share of a batch's QCs in each local fit).
LOWESS_FRAC = 0.75
#: The filters, in the order their reasons are written.
FILTERS = ("qc_rsd", "d_ratio", "blank", "detection")


@dataclass(frozen=True)
class QcReport:
    """Per compound: QC RSD before/after the drift correction, D-ratio, blank ratio, the
    filter reasons; counts per filter; notes in words."""

    table: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def filtered(self) -> frozenset[int]:
        return frozenset(int(f) for f in self.table.index[self.table["filter"] != ""])


def drift_correct(values: pd.DataFrame, design: Design) -> tuple[pd.DataFrame, list[str]]:
    """The values with each compound's QC-measured drift taken out, per batch; notes."""
    qcs = [s for s in design.of_type("qc") if s.sample in values.columns]
    ordered = [s for s in qcs if math.isfinite(s.injection_order)]
    if not qcs:
        return values, ["no pooled QC in the design: signal drift not corrected"]
    if len(ordered) < MIN_QCS:
        return values, [
            f"{len(ordered)} QC(s) with an injection order: signal drift not corrected "
            f"(a batch needs {MIN_QCS})"
        ]
    logs = np.log2(values.where(values > 0).to_numpy(dtype=float))
    qc_columns = [values.columns.get_loc(s.sample) for s in qcs]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a compound no QC measured
        level = np.nanmedian(logs[:, qc_columns], axis=1)
    out = logs.copy()
    corrected = _correct_batches(logs, out, values.columns, design, ordered, level)
    frame = pd.DataFrame(np.exp2(out), index=values.index, columns=values.columns)
    note = (
        f"signal drift corrected from {len(ordered)} pooled QCs along the injection order "
        f"(robust LOWESS per compound, linear between the QCs of a batch with fewer than "
        f"{LOWESS_MIN_QCS}) in batch(es) {', '.join(corrected)}"
        if corrected
        else f"signal drift not corrected: no batch has {MIN_QCS} QCs with injection orders"
    )
    return frame, [note]


def _correct_batches(
    logs: np.ndarray,
    out: np.ndarray,
    columns: pd.Index,
    design: Design,
    ordered: list,
    level: np.ndarray,
) -> list[str]:
    """Correct every batch with enough QCs; the batches corrected."""
    corrected = []
    for batch in dict.fromkeys(s.batch for s in design.samples):
        members = [s for s in design.samples if s.batch == batch and s.sample in columns]
        batch_qcs = [s for s in ordered if s.batch == batch]
        if len(batch_qcs) >= MIN_QCS:
            corrected.append(batch or "(one batch)")
            _correct_batch(logs, out, columns, members, batch_qcs, level)
    return corrected


def _correct_batch(
    logs: np.ndarray,
    out: np.ndarray,
    columns: pd.Index,
    members: list,
    qcs: list,
    level: np.ndarray,
) -> None:
    qc_idx = np.array([columns.get_loc(s.sample) for s in qcs])
    qc_order = np.array([s.injection_order for s in qcs], dtype=float)
    order_of = [(columns.get_loc(s.sample), s.injection_order) for s in members]
    targets = np.array([i for i, _ in order_of])
    positions = np.array([o if math.isfinite(o) else np.nan for _, o in order_of])
    fill = np.nanmedian(qc_order)
    positions = np.where(np.isfinite(positions), positions, fill)
    sort = np.argsort(qc_order, kind="stable")
    qc_idx, qc_order = qc_idx[sort], qc_order[sort]
    y = logs[:, qc_idx]
    measured = np.isfinite(y).sum(axis=1)
    rows = np.flatnonzero((measured >= LOWESS_MIN_QCS) & np.isfinite(level))
    fitted = robust_lowess(qc_order, y[rows], LOWESS_FRAC, iterations=3)
    for k, row in enumerate(rows):
        trend = np.interp(positions, qc_order, fitted[k])
        out[row, targets] = logs[row, targets] - trend + level[row]
    few = (measured >= MIN_QCS) & (measured < LOWESS_MIN_QCS) & np.isfinite(level)
    for row in np.flatnonzero(few):
        ok = np.isfinite(y[row])
        trend = np.interp(positions, qc_order[ok], y[row, ok])
        out[row, targets] = logs[row, targets] - trend + level[row]


def qc_filters(
    values: pd.DataFrame,
    before: pd.DataFrame,
    design: Design,
    limits: dict[str, float],
) -> QcReport:
    """QC RSD before/after, D-ratio, blank ratio and detection per compound; filter reasons."""
    qcs = [s.sample for s in design.of_type("qc") if s.sample in values.columns]
    blanks = [s.sample for s in design.of_type("blank") if s.sample in values.columns]
    table = _qc_measures(values, before, design, qcs, blanks)
    reasons = {
        "qc_rsd": table["qc_rsd"] > limits["qc_rsd"],
        "d_ratio": table["d_ratio"] > limits["d_ratio"],
        "blank": table["blank_ratio"] < limits["blank_ratio"],
        "detection": table["detection"] < limits["detection_rate"],
    }
    flags = pd.DataFrame({k: v.fillna(False).astype(bool) for k, v in reasons.items()})
    table["filter"] = [",".join(k for k in FILTERS if flags.at[i, k]) for i in flags.index]
    counts = {k: int(flags[k].sum()) for k in FILTERS}
    counts["filtered"] = int((table["filter"] != "").sum())
    notes = [] if qcs else ["no pooled QC: the QC RSD and D-ratio filters were not applied"]
    if not blanks:
        notes.append("no blank: the blank filter was not applied")
    return QcReport(table, counts, notes)


def _qc_measures(
    values: pd.DataFrame,
    before: pd.DataFrame,
    design: Design,
    qcs: list[str],
    blanks: list[str],
) -> pd.DataFrame:
    """QC RSD before and after, D-ratio, blank ratio and best group detection rate."""
    study = [s.sample for s in design.biological if s.sample in values.columns]
    table = pd.DataFrame(index=values.index)
    enough = len(qcs) >= 2
    table["qc_rsd_before"] = _rsd(before[qcs]) if enough else np.nan
    table["qc_rsd"] = _rsd(values[qcs]) if enough else np.nan
    with np.errstate(all="ignore"):
        sd_study = values[study].std(axis=1, ddof=1)
        table["d_ratio"] = (values[qcs].std(axis=1, ddof=1) / sd_study) if enough else np.nan
        # on the measured volumes: a blank has no sample matter to normalise, and scaling it
        # to the samples' level (PQN, total) would make every compound look like contamination
        blank = before[blanks].fillna(0.0).median(axis=1) if blanks else None
        table["blank_ratio"] = (
            before[study].median(axis=1) / blank.where(blank > 0) if blank is not None else np.nan
        )
    table["detection"] = _best_group_rate(values, design)
    return table


def _rsd(frame: pd.DataFrame) -> pd.Series:
    with np.errstate(all="ignore"):
        return frame.std(axis=1, ddof=1) / frame.mean(axis=1)


def _best_group_rate(values: pd.DataFrame, design: Design) -> pd.Series:
    rates = []
    for group in design.groups:
        members = [s.sample for s in design.biological if s.group == group]
        members = [m for m in members if m in values.columns]
        if members:
            rates.append(values[members].notna().mean(axis=1))
    return pd.concat(rates, axis=1).max(axis=1) if rates else pd.Series(1.0, index=values.index)


def batch_corrected(values: pd.DataFrame, design: Design) -> pd.DataFrame | None:
    """The study samples' values with each batch's location and scale per compound brought to
    the pooled ones (group means kept); ``None`` with fewer than two batches."""
    specs = [s for s in design.biological if s.sample in values.columns]
    batches = pd.Series([s.batch for s in specs], index=[s.sample for s in specs])
    if batches.nunique() < 2:
        return None
    groups = pd.Series([s.group for s in specs], index=batches.index)
    part = values[batches.index]
    logs = pd.DataFrame(
        np.log2(part.where(part > 0).to_numpy(dtype=float)), index=part.index, columns=part.columns
    )
    group_means = logs.T.groupby(groups).transform("mean").T
    resid = logs - group_means
    out = logs.copy()
    pooled_sd = resid.std(axis=1, ddof=1)
    for batch in batches.unique():
        cols = batches.index[batches == batch]
        mean = resid[cols].mean(axis=1)
        sd = resid[cols].std(axis=1, ddof=1)
        scale = (pooled_sd / sd.where(sd > 0)).fillna(1.0)
        out[cols] = group_means[cols] + (resid[cols].sub(mean, axis=0)).mul(scale, axis=0)
    return pd.DataFrame(np.exp2(out.to_numpy(dtype=float)), index=out.index, columns=out.columns)
