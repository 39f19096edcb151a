"""Aligned species: the same compound found across samples.

Peaks are the same compound when they share the species key (normalised species and
internal-standard mark) and their drift-corrected RTs chain within ``rt_tolerance`` of each other
(sorted by RT, a gap larger than the tolerance starts a new compound): isomer tracks of a species
elute apart, so they become compounds of their own, each labelled with the isomer track its
peaks were most often given.  Only valid peaks make
compounds; a compound's abundance in a sample is the consolidated volume of its valid peaks
there (the peak's own volume plus its in-source fragments').  For each compound the samples
where a peak of the same species was called ``outlier`` or ``fragment`` are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .drift import Drift

#: Columns of :attr:`Alignment.features`, in order.
FEATURE_COLUMNS = (
    "feature",
    "species",
    "name",
    "isomer_track",
    "category",
    "is_standard",
    "rt",
    "rt_min",
    "rt_max",
    "n_found",
    "found_fraction",
    "outlier_in",
    "fragment_in",
)


@dataclass(frozen=True)
class Alignment:
    """The aligned compounds and their abundance in each sample.

    ``features`` has one row per compound (:data:`FEATURE_COLUMNS`): its id, species, the name
    as most often written, isomer track, category, whether it is an internal standard, its
    consensus RT and range (min, corrected), how many samples it was valid in and the fraction,
    and the samples where the same species was an outlier or a fragment.  ``abundance`` is
    compounds × samples (consolidated volume; NaN where not valid).  ``peaks`` is the peak table
    with ``rt_corrected`` and the ``feature`` each valid peak went to (-1 for none).
    """

    features: pd.DataFrame
    abundance: pd.DataFrame
    peaks: pd.DataFrame


#: Statuses of the peaks aligned and quantified: valid species and the labelled internal
#: standards (status ``istd``: never checked by the rules, but what the quantities scale by).
ALIGNED_STATUSES = ("valid", "istd")


def align(peaks: pd.DataFrame, samples: list[str], drift: Drift, tolerance: float) -> Alignment:
    """Group the valid peaks (and internal standards) of every sample into compounds."""
    peaks = peaks.copy()
    peaks["rt_corrected"] = drift.correct(
        peaks["sample"].to_numpy(), peaks["rt"].to_numpy(dtype=float)
    )
    valid = peaks[peaks["status"].isin(ALIGNED_STATUSES) & (peaks["key"] != "")]
    valid = valid.sort_values(["key", "rt_corrected"], kind="stable")
    feature = chain_groups(valid["key"].to_numpy(), valid["rt_corrected"].to_numpy(), tolerance)
    peaks["feature"] = -1
    peaks.loc[valid.index, "feature"] = feature
    valid = peaks.loc[valid.index]
    abundance = (
        valid.pivot_table(
            index="feature",
            columns="sample",
            values="volume_consolidated",
            aggfunc="sum",
            dropna=False,
        )
        .reindex(columns=samples)
        .astype(float)
    )
    abundance.columns.name = None
    features = _describe(valid, peaks, len(samples))
    # Compounds are numbered from 1 in the order they are shown (category, species, RT).
    old = features["feature"].to_numpy()
    renumber = pd.Series(np.arange(1, len(old) + 1), index=old)
    abundance = abundance.reindex(old)
    abundance.index = pd.Index(renumber.to_numpy(), name="feature")
    features["feature"] = renumber.to_numpy()
    assigned = peaks["feature"].to_numpy() >= 0
    peaks.loc[assigned, "feature"] = renumber.reindex(peaks.loc[assigned, "feature"]).to_numpy()
    return Alignment(features=features, abundance=abundance, peaks=peaks)


def chain_groups(key: np.ndarray, rt: np.ndarray, tolerance: float) -> np.ndarray:
    """Compound numbers for peaks sorted by key then RT: a new key or a gap starts one."""
    if len(key) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.ones(len(key), dtype=bool)
    new[1:] = (key[1:] != key[:-1]) | (np.diff(rt) > tolerance)
    return np.cumsum(new) - 1


def _describe(valid: pd.DataFrame, peaks: pd.DataFrame, n_samples: int) -> pd.DataFrame:
    """One row per compound, ordered by category, species and RT."""
    by = valid.groupby("feature", sort=True)
    features = pd.DataFrame(
        {
            "species": by["species"].first(),
            "name": by["name"].agg(_most_common),
            "isomer_track": by["isomer_track"].agg(_most_common),
            "category": by["category"].first(),
            "is_standard": by["is_standard"].first(),
            "rt": by["rt_corrected"].median(),
            "rt_min": by["rt_corrected"].min(),
            "rt_max": by["rt_corrected"].max(),
            "n_found": by["sample"].nunique(),
        }
    )
    features["found_fraction"] = features["n_found"] / max(n_samples, 1)
    for status, column in (("outlier", "outlier_in"), ("fragment", "fragment_in")):
        called = peaks[peaks["status"] == status].groupby("species")["sample"].agg(_sample_list)
        mapped = features["species"].map(called)
        features[column] = np.where(mapped.isna(), "", mapped.astype(object))
    features = features.sort_values(["category", "species", "rt"], kind="stable")
    features.index.name = "feature"
    features = features.reset_index()
    return features[list(FEATURE_COLUMNS)]


def _most_common(names: pd.Series) -> str:
    """The most frequent non-empty text (empty when all are empty)."""
    text = names.astype(str)
    counts = (text[text != ""] if (text != "").any() else text).value_counts(sort=False)
    return str(counts.idxmax())


def _sample_list(samples: pd.Series) -> str:
    return ", ".join(dict.fromkeys(samples.astype(str)))


def reported_unaligned(
    peaks: pd.DataFrame, features: pd.DataFrame, samples: list[str], tolerance: float
) -> pd.DataFrame:
    """Compounds × samples: True where the sample reported a peak of the compound's species
    within ``tolerance`` of the compound's corrected RT range that was not aligned to it (an
    outlier, fragment or unverified verdict): the compound was detected there, so its missing
    value is no value below the detection limit."""
    out = pd.DataFrame(False, index=features["feature"].to_numpy(), columns=samples)
    if "feature" not in peaks.columns or not len(features):
        return out
    mark = np.where(features["is_standard"].to_numpy(dtype=bool), "|IS", "")
    keys = features["species"].astype(str).to_numpy(dtype=object) + mark
    ranges = pd.DataFrame(
        {
            "key": keys,
            "compound": features["feature"].to_numpy(),
            "low": features["rt_min"].to_numpy(dtype=float) - tolerance,
            "high": features["rt_max"].to_numpy(dtype=float) + tolerance,
        }
    )
    loose = peaks.loc[
        (peaks["feature"] < 0) & (peaks["key"] != ""), ["key", "sample", "rt_corrected"]
    ]
    pairs = loose.merge(ranges, on="key")
    inside = pairs[
        (pairs["rt_corrected"] >= pairs["low"]) & (pairs["rt_corrected"] <= pairs["high"])
    ]
    inside = inside[inside["sample"].isin(samples)]
    for compound, sample in zip(inside["compound"], inside["sample"], strict=True):
        out.at[compound, sample] = True
    return out
