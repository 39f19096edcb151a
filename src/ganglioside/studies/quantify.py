"""Quantities of the aligned compounds: raw, share of total, or ratio to an internal standard;
missing values counted and, when asked, imputed (the method is stated with the result)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ConfigError

#: What each quantity means, in words (written with the results).
QUANTITY_TEXT = {
    "raw": "consolidated volume (own volume plus in-source fragments)",
    "total": "share of the sample's total valid ganglioside signal (standards left out)",
    "internal_standard": "ratio to the labelled internal standard of the same category "
    "(all standards together for a category without its own)",
}
IMPUTATION_TEXT = {
    "none": "missing values left out of the tests",
    "half_min": "missing values replaced by half the species' smallest value in the study",
}


@dataclass(frozen=True)
class Quantities:
    """The matrix (compounds × samples) in the chosen quantity, before and after imputation.

    ``values`` holds what was measured (NaN where missing); ``imputed`` the matrix the
    statistics use; ``n_missing`` per compound; ``notes`` how each step was done, in words.
    """

    values: pd.DataFrame
    imputed: pd.DataFrame
    n_missing: pd.Series
    quantity: str
    imputation: str
    notes: list[str] = field(default_factory=list)


def quantify(
    abundance: pd.DataFrame, features: pd.DataFrame, quantity: str, imputation: str
) -> Quantities:
    """Express the abundances and fill the missing values as asked."""
    standard = features.set_index("feature")["is_standard"].reindex(abundance.index).to_numpy()
    notes = [f"quantity: {QUANTITY_TEXT[quantity]}"]
    if quantity == "raw":
        values = abundance.copy()
    elif quantity == "total":
        total = abundance[~standard].sum(axis=0, min_count=1)
        values = abundance / total.where(total > 0)
    else:
        values, more = _per_standard(abundance, features)
        notes.extend(more)
    values = values.astype(float)
    n_missing = values.isna().sum(axis=1)
    imputed = _impute(values, imputation)
    notes.append(f"imputation: {IMPUTATION_TEXT[imputation]}")
    return Quantities(values, imputed, n_missing, quantity, imputation, notes)


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


def _impute(values: pd.DataFrame, imputation: str) -> pd.DataFrame:
    if imputation == "none":
        return values.copy()
    smallest = values.where(values > 0).min(axis=1)
    fill = pd.DataFrame(
        np.repeat((smallest / 2.0).to_numpy()[:, None], values.shape[1], axis=1),
        index=values.index,
        columns=values.columns,
    )
    return values.fillna(fill)
