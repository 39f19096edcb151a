"""Ganglioside-level results labs report, per sample, then tested between groups.

From the study's quantities (normalised, before imputation; a compound not found in a sample
counts 0 there; internal standards left out):

``sialylation_index``
    mean sialic acids per ganglioside: Σ nSia × quantity / Σ quantity, with nSia 0 for GA, 1
    GM, 2 GD, 3 GT, 4 GQ, 5 GP (Svennerholm's nomenclature: the letter gives the sialic acids);
``o_acetylated_fraction``
    share of the signal in O-acetylated species (``OAc`` in the name);
``a_to_b_series_ratio``
    signal of the a-series markers (GM3, GM2, GM1) over that of the b-series markers (GD3,
    GD2, GQ1).  GD1 and GT1 are left out: their a and b positional isomers are not told apart
    by name (the isomer tracks are labelled by elution, not by structure);
``share_<category>``
    each category's share of the signal (GA, GM, GD, GT, GQ, GP).

The indices are tested like compounds (:func:`~.statistics.group_statistics`, same model and
contrasts) on their log2 values, without the variance moderation (a handful of unlike indices
gives no common prior): an ordinary linear-model t.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Sialic acids per category letter.
SIALIC_ACIDS = {"GA": 0, "GM": 1, "GD": 2, "GT": 3, "GQ": 4, "GP": 5}
A_SERIES = ("GM3", "GM2", "GM1")
B_SERIES = ("GD3", "GD2", "GQ1")
_HEAD = re.compile(r"^(G[AMDTQP]\d?)")


def _headgroup(name: str) -> str:
    found = _HEAD.match(name.strip())
    return found.group(1) if found else ""


def ganglioside_indices(values: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Index name × sample (the columns of ``values``)."""
    info = features.set_index("feature").reindex(values.index)
    keep = ~info["is_standard"].fillna(False).to_numpy(dtype=bool)
    data = values.loc[keep].fillna(0.0)
    info = info.loc[keep]
    category = info["category"].astype(str).str[:2].to_numpy()
    names = info["name"].astype(str)
    head = np.array([_headgroup(n) for n in names])
    total = data.sum(axis=0)
    safe = total.where(total > 0)
    rows: dict[str, pd.Series] = {}
    sia = np.array([SIALIC_ACIDS.get(c, np.nan) for c in category])
    known = np.isfinite(sia)
    rows["sialylation_index"] = (data[known].mul(sia[known], axis=0).sum(axis=0)) / data[known].sum(
        axis=0
    ).where(lambda s: s > 0)
    acetylated = names.str.contains("OAc", regex=False).to_numpy()
    rows["o_acetylated_fraction"] = data[acetylated].sum(axis=0) / safe
    a = data[np.isin(head, A_SERIES)].sum(axis=0)
    b = data[np.isin(head, B_SERIES)].sum(axis=0)
    rows["a_to_b_series_ratio"] = a / b.where(b > 0)
    for cat in SIALIC_ACIDS:
        if (category == cat).any():
            rows[f"share_{cat}"] = data[category == cat].sum(axis=0) / safe
    frame = pd.DataFrame(rows).T
    frame.index.name = "index"
    return frame.astype(float)


def index_features(indices: pd.DataFrame) -> pd.DataFrame:
    """A features frame for the indices, so that the compounds' statistics can test them."""
    return pd.DataFrame(
        {
            "feature": range(len(indices)),
            "species": list(indices.index),
            "name": list(indices.index),
            "isomer_track": "",
            "category": "",
            "is_standard": False,
            "rt": np.nan,
            "found_fraction": indices.notna().mean(axis=1).to_numpy(),
            "outlier_in": "",
            "fragment_in": "",
        }
    )
