"""Absolute amounts from spiked internal standards: pmol per sample amount per compound.

When the design gives, per sample, the pmol of labelled internal standard spiked for a
category (columns ``istd_pmol_<category>``, e.g. ``istd_pmol_gm`` for the GM standard(s),
``istd_pmol_gd``), each compound's amount in a sample is

    pmol = volume(compound) / volume(standards of its category) × pmol spiked of them

divided by the sample's ``amount`` when the design gives one (then pmol per mg tissue, per µL,
per µg protein — the amount's own unit).  Volumes are the consolidated volumes after the QC
drift correction, before any normalisation.  The response is assumed equal within a category
(a standard stands for every species of its headgroup class: single-point quantification
with one standard per lipid class, the practice the Lipidomics Standards Initiative describes,
Liebisch et al. 2019, Nat Metab 1:745); a category without a spiked
standard of its own takes all spiked standards together (their summed pmol over their summed
volume), which assumes equal response across classes too, and is said so in the notes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import Design

#: Prefix of the design columns giving the pmol of standard spiked per category.
PMOL_PREFIX = "istd_pmol_"


def spiked_pmol(design: Design, samples: pd.Index) -> pd.DataFrame | None:
    """Samples × categories (upper-case, e.g. ``GM``): the pmol spiked, or None when the
    design has no ``istd_pmol_<category>`` column.  A cell that is empty or no number > 0
    is NaN."""
    columns = sorted(
        {k for s in design.samples for k in s.extra if k.lower().startswith(PMOL_PREFIX)}
    )
    if not columns:
        return None
    by_sample = {s.sample: s for s in design.samples}
    table = {}
    for column in columns:
        values = [_number(by_sample[c].extra.get(column, "")) for c in samples]
        table[column[len(PMOL_PREFIX) :].upper()] = values
    return pd.DataFrame(table, index=samples, dtype=float)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return np.nan
    return value if value > 0 else np.nan


def absolute_amounts(
    volumes: pd.DataFrame, features: pd.DataFrame, design: Design
) -> tuple[pd.DataFrame | None, list[str]]:
    """Compounds × samples in pmol (per sample amount when given), and notes; ``None`` when
    the design gives no spiked amounts or no spiked standard was measured."""
    spiked = spiked_pmol(design, volumes.columns)
    if spiked is None:
        return None, []
    info = features.set_index("feature").reindex(volumes.index)
    standard = info["is_standard"].fillna(False).to_numpy(dtype=bool)
    categories = info["category"].fillna("").astype(str).str.upper().to_numpy(dtype=object)
    own = [c for c in spiked.columns if (standard & (categories == c)).any()]
    if not own:
        return None, [
            "absolute amounts not given: no spiked standard category "
            f"({', '.join(spiked.columns)}) has a labelled standard measured"
        ]
    std_volume = {c: volumes[standard & (categories == c)].sum(axis=0, min_count=1) for c in own}
    pooled_volume = sum(std_volume.values())
    pooled_pmol = spiked[own].sum(axis=1, min_count=len(own))
    per_volume = {c: spiked[c] / std_volume[c].where(std_volume[c] > 0) for c in own}
    pooled = pooled_pmol / pooled_volume.where(pooled_volume > 0)
    factor = pd.DataFrame([per_volume.get(c, pooled) for c in categories], index=volumes.index)
    amounts = volumes * factor
    unit = "pmol per sample"
    sample_amount = pd.Series({s.sample: s.amount for s in design.samples}).reindex(volumes.columns)
    if np.isfinite(sample_amount.to_numpy(dtype=float)).any():
        amounts = amounts / sample_amount.where(sample_amount > 0)
        unit = "pmol per sample amount (the design's amount column, in its unit)"
    others = sorted(set(categories[~standard]) - set(own) - {""})
    notes = [
        f"absolute amounts: {unit}, from the spiked standards of {', '.join(own)} "
        "(response assumed equal within a category)"
    ]
    if others:
        notes.append(
            f"absolute amounts of {', '.join(others)} (no spiked standard of their own) from "
            "all spiked standards together (response assumed equal across categories)"
        )
    return amounts.astype(float), notes
