"""Normalisation: the abundances of each sample brought to a common scale.

``raw``
    the consolidated volumes as measured (no normalisation);
``total``
    each compound as a share of the sample's total valid ganglioside signal (standards left
    out): right when the total is unchanged between groups, wrong when a few abundant species
    change (they move every other share);
``median``
    each sample divided by its median over the compounds it has, relative to the median of
    the samples' medians;
``pqn`` (default)
    probabilistic quotient normalisation (Dieterle et al. 2006, Anal Chem 78:4281): each
    sample divided by the median of its compounds' ratios to a reference profile (the median
    of the pooled QCs when there are two or more, of the study samples otherwise).  The median
    ratio is robust to a few compounds changing, so it recovers unknown sample amounts and
    dilutions without being moved by the biology;
``amount``
    each sample divided by the design's ``amount`` (tissue mg, µL, µg protein), relative to
    the median amount; QCs and blanks without an amount take the median amount;
``internal_standard``
    the ratio to the labelled internal standard of the same category (all standards for a
    category without one).

Every method but ``internal_standard`` reports its per-sample *dilution factor*: what the
sample was divided by (1 for the typical sample).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .design import Design

#: What each quantity means, in words (written with the results).
QUANTITY_TEXT = {
    "raw": "consolidated volume (own volume plus in-source fragments), not normalised",
    "total": "share of the sample's total valid ganglioside signal (standards left out)",
    "median": "consolidated volume over the sample's median (relative to the typical sample)",
    "pqn": "consolidated volume over the sample's dilution factor found by probabilistic "
    "quotient normalisation (median ratio to the reference profile)",
    "amount": "consolidated volume per sample amount (the design's amount column, relative "
    "to the median amount)",
    "internal_standard": "ratio to the labelled internal standard of the same category "
    "(all standards for a category without its own)",
}


def normalise(
    abundance: pd.DataFrame, features: pd.DataFrame, design: Design, quantity: str
) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The abundances in the quantity asked, each sample's dilution factor (NaN when the
    method has none) and notes in words."""
    flags = features.set_index("feature")["is_standard"].reindex(abundance.index)
    standard = flags.fillna(False).to_numpy(dtype=bool)
    notes = [f"quantity: {QUANTITY_TEXT[quantity]}"]
    factors = pd.Series(np.nan, index=abundance.columns, dtype=float)
    if quantity == "raw":
        return abundance.astype(float).copy(), factors, notes
    if quantity == "internal_standard":
        values, more = _per_standard(abundance, features)
        return values.astype(float), factors, notes + more
    if quantity == "total":
        total = abundance[~standard].sum(axis=0, min_count=1)
        values = abundance / total.where(total > 0)
        factors = total / float(np.nanmedian(total.where(total > 0)))
        return values.astype(float), factors, notes
    if quantity == "median":
        medians = abundance[~standard].where(abundance > 0).median(axis=0)
        factors = medians / float(np.nanmedian(medians))
    elif quantity == "pqn":
        factors, more = pqn_factors(abundance[~standard], design)
        notes.extend(more)
    else:
        factors = _amount_factors(abundance.columns, design)
    values = abundance / factors.where(factors > 0)
    return values.astype(float), factors, notes


def pqn_factors(abundance: pd.DataFrame, design: Design) -> tuple[pd.Series, list[str]]:
    """Per sample: the median of its compounds' ratios to the reference profile."""
    qcs = [s.sample for s in design.of_type("qc") if s.sample in abundance.columns]
    study = [s.sample for s in design.biological if s.sample in abundance.columns]
    basis = qcs if len(qcs) >= 2 else study
    logs = np.log(abundance.where(abundance > 0).to_numpy(dtype=float))
    columns = [abundance.columns.get_loc(c) for c in basis]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # compounds measured in none
        reference = np.nanmedian(logs[:, columns], axis=1)
        quotients = logs - reference[:, None]
        factors = np.exp(np.nanmedian(quotients, axis=0))
    factors = np.where(np.isfinite(factors), factors, np.nan)
    out = pd.Series(factors, index=abundance.columns)
    # The factors relative to the study samples' typical one.
    typical = float(np.nanmedian(out.reindex(study))) if study else 1.0
    out = out / (typical if np.isfinite(typical) and typical > 0 else 1.0)
    which = "the pooled QCs" if basis is qcs else "the study samples"
    return out, [f"PQN reference profile: the median of {which} ({len(basis)})"]


def _amount_factors(samples: pd.Index, design: Design) -> pd.Series:
    amounts = {s.sample: s.amount for s in design.samples}
    missing = [s.sample for s in design.biological if not np.isfinite(s.amount)]
    if missing:
        raise ConfigError(
            "quantity amount needs the design's 'amount' column (a number > 0) for every "
            f"study sample; it is missing for {', '.join(missing[:10])}"
        )
    values = pd.Series([amounts.get(c, np.nan) for c in samples], index=samples, dtype=float)
    typical = float(np.nanmedian([s.amount for s in design.biological]))
    return values.fillna(typical) / typical


def _per_standard(
    abundance: pd.DataFrame, features: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Each compound over the standard of its category (or over all standards)."""
    info = features.set_index("feature").reindex(abundance.index)
    standard = info["is_standard"].to_numpy(dtype=bool)
    if not standard.any():
        raise ConfigError(
            "quantity internal_standard needs labelled internal standards (e.g. "
            "'GM1(d18:1/18:0-d5)' or 'GM3 36:1;O2 (ISTD)'); none was found valid in any sample"
        )
    standards = abundance[standard]
    categories = info["category"].to_numpy(dtype=object)
    by_category = standards.groupby(categories[standard]).sum(min_count=1)
    overall = standards.sum(axis=0, min_count=1)
    divisor = pd.DataFrame(
        [by_category.loc[c] if c in by_category.index else overall for c in categories],
        index=abundance.index,
    )
    values = abundance / divisor.where(divisor > 0)
    own = sorted(set(by_category.index))
    others = sorted(set(categories[~standard]) - set(own))
    notes = [f"internal standards of {', '.join(own)} used for their own category"]
    if others:
        notes.append(f"categories without a standard ({', '.join(others)}) use all standards")
    return values, notes
