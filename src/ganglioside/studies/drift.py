"""Run-to-run retention drift: one RT shift (and, when the data support it, a slope) per sample.

The consensus RT of a species is the median over the samples of its valid peaks' RTs after
the current correction (species with one peak per sample only, so isomer pairs never mix).
Each sample's reference peaks are its valid anchors, or, with fewer than three, its strongest
valid peaks (by volume) of species found in at least half of the samples; a sample's shift is
the median of its references' differences to the consensus.  Three rounds settle both, and the
shifts are centred on their median (the consensus run has shift 0).  When a sample has at least
``slope_min_points`` references spanning ``slope_min_span`` minutes, a Theil–Sen line of its
RTs on the consensus RTs is fitted, and its slope is used when its 95 % interval excludes 1.

With the study's shared anchors (:mod:`.shared_model`) every sample usually has three anchors
or more, so its references are anchors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import StudyConfig

#: Rounds of consensus and shift.
ROUNDS = 3
#: A sample needs this many anchors for them to be its only references.
MIN_ANCHOR_REFERENCES = 3
#: Statuses whose peaks may serve as references when a sample has too few anchors.
REFERENCE_STATUSES = ("valid", "unverified")

#: Columns of :attr:`Drift.table`.
DRIFT_COLUMNS = (
    "sample",
    "rt_shift",
    "rt_slope",
    "slope_low",
    "slope_high",
    "slope_used",
    "n_references",
    "references",
    "residual_mad",
    "method",
)


@dataclass(frozen=True)
class Drift:
    """Per-sample drift and the corrected RTs.

    ``table`` has one row per sample (:data:`DRIFT_COLUMNS`): ``rt_shift`` (min, the sample's RT
    minus the consensus at the median consensus RT), ``rt_slope`` (1 unless used), the slope's
    95 % interval, ``n_references`` and their kind (``anchors`` or ``strongest valid``),
    ``residual_mad`` (median absolute difference to the consensus after correction) and the
    method.  ``intercept``/``slope`` map each sample to the line that turns its RTs into
    consensus RTs: ``corrected = (rt - intercept) / slope``.
    """

    table: pd.DataFrame
    intercept: dict[str, float]
    slope: dict[str, float]

    def correct(self, sample: np.ndarray, rt: np.ndarray) -> np.ndarray:
        """RTs of the given samples on the consensus scale."""
        a = pd.Series(self.intercept).reindex(sample).to_numpy(dtype=float)
        b = pd.Series(self.slope).reindex(sample).to_numpy(dtype=float)
        return (rt - np.nan_to_num(a)) / np.where(np.isfinite(b), b, 1.0)


def estimate_drift(peaks: pd.DataFrame, samples: list[str], config: StudyConfig) -> Drift:
    """Each sample's drift, measured against the consensus RTs."""
    return consensus_drift(peaks, samples, config)


def comparable_peaks(peaks: pd.DataFrame) -> pd.DataFrame:
    """The peaks a consensus RT is taken over: valid (or unverified) peaks of species found in
    at least two samples that never have two such peaks in one sample (no isomer pair, no
    repeated name), so that a species' consensus RT is that of one peak."""
    usable = peaks[(peaks["key"] != "") & peaks["status"].isin(REFERENCE_STATUSES)]
    counts = usable.groupby(["key", "sample"]).size()
    most = counts.groupby(level="key").max()
    found = counts.groupby(level="key").size()
    keep = most.index[(most == 1) & (found >= 2)]
    return usable[usable["key"].isin(keep)]


def reference_peaks(comparable: pd.DataFrame, config: StudyConfig) -> pd.DataFrame:
    """Per sample, its reference peaks: its valid anchors when it has three, else its strongest
    peaks (by volume) among the species found in at least half of the samples."""
    anchors = comparable[comparable["is_anchor"] & (comparable["status"] == "valid")]
    n_anchors = anchors.groupby("sample").size()
    rich = n_anchors.index[n_anchors >= MIN_ANCHOR_REFERENCES]
    n_samples = comparable["sample"].nunique()
    found = comparable.groupby("key")["sample"].nunique()
    common = found.index[found >= n_samples / 2]
    poor = comparable[~comparable["sample"].isin(rich) & comparable["key"].isin(common)]
    poor = poor.sort_values("volume", ascending=False, kind="stable")
    strongest = poor.groupby("sample").head(config.drift_references)
    refs = pd.concat([anchors[anchors["sample"].isin(rich)], strongest], ignore_index=True)
    refs["reference"] = np.where(refs["sample"].isin(rich), "anchors", "strongest valid")
    return refs[["sample", "key", "rt", "reference"]]


def consensus_drift(peaks: pd.DataFrame, samples: list[str], config: StudyConfig) -> Drift:
    """The drift measured against the across-sample consensus RT of the reference species."""
    comparable = comparable_peaks(peaks)
    refs = reference_peaks(comparable, config)
    shift = pd.Series(0.0, index=samples)
    consensus = pd.Series(dtype=float)
    for _ in range(ROUNDS):
        corrected = comparable["rt"] - shift.reindex(comparable["sample"]).to_numpy()
        consensus = corrected.groupby(comparable["key"]).median()
        diff = refs["rt"] - consensus.reindex(refs["key"]).to_numpy()
        shift = diff.groupby(refs["sample"]).median().reindex(samples).fillna(0.0)
        shift -= shift.median()
    consensus_rt = consensus.reindex(refs["key"]).to_numpy()
    rows, intercept, slope = [], {}, {}
    centre = float(np.median(consensus)) if len(consensus) else 0.0
    ref_rt, ref_kinds = refs["rt"].to_numpy(), refs["reference"].to_numpy()
    positions = _positions(refs["sample"].to_numpy(dtype=object), samples)
    for sample in samples:
        mask = positions[sample]  # the sample's references, in their order
        line = _sample_line(ref_rt[mask], consensus_rt[mask], shift[sample], config)
        a, b = line["intercept"], line["slope"]
        intercept[sample], slope[sample] = a, b
        kinds = ref_kinds[mask]
        residual = ref_rt[mask] - (a + b * consensus_rt[mask])
        rows.append(
            {
                "sample": sample,
                "rt_shift": a + (b - 1.0) * centre,
                "rt_slope": b,
                "slope_low": line["low"],
                "slope_high": line["high"],
                "slope_used": line["used"],
                "n_references": int(mask.size),
                "references": str(kinds[0]) if len(kinds) else "none",
                "residual_mad": float(np.median(np.abs(residual))) if mask.size else np.nan,
                "method": "consensus median",
            }
        )
    return Drift(pd.DataFrame(rows, columns=list(DRIFT_COLUMNS)), intercept, slope)


def _positions(owners: np.ndarray, samples: list[str]) -> dict[str, np.ndarray]:
    """Sample → the positions (ascending) of its entries in ``owners``; empty for a sample
    with none."""
    order = np.argsort(owners, kind="stable")
    cut = np.flatnonzero(owners[order][1:] != owners[order][:-1]) + 1
    found = {str(owners[group[0]]): group for group in np.split(order, cut) if group.size}
    empty = np.array([], dtype=np.int64)
    return {sample: found.get(sample, empty) for sample in samples}


def _sample_line(
    rt: np.ndarray, consensus: np.ndarray, shift: float, config: StudyConfig
) -> dict[str, float | bool]:
    """``rt ≈ intercept + slope * consensus``: the shift alone, or a Theil–Sen line."""
    line: dict[str, float | bool] = {
        "intercept": float(shift),
        "slope": 1.0,
        "low": np.nan,
        "high": np.nan,
        "used": False,
    }
    ok = np.isfinite(rt) & np.isfinite(consensus)
    rt, consensus = rt[ok], consensus[ok]
    if len(rt) < config.slope_min_points or np.ptp(consensus) < config.slope_min_span:
        return line
    from scipy import stats  # here: scipy.stats takes a second or two to import

    fit = stats.theilslopes(rt, consensus, alpha=0.95)
    line["low"], line["high"] = float(fit.low_slope), float(fit.high_slope)
    if fit.low_slope > 1.0 or fit.high_slope < 1.0:
        line["slope"] = float(fit.slope)
        line["intercept"] = float(np.median(rt - fit.slope * consensus))
        line["used"] = True
    return line
