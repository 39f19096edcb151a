"""Chemistry checks of a name and of elution order that need no RT model.

* **Composition.**  A ganglioside ceramide is a sphingoid base (about 16-22 carbons, at most
  two double bonds) with one fatty acid (12-36 carbons); a fatty acid of n carbons carries at
  most ``min(6, (n - 10) // 2)`` methylene-interrupted double bonds (22:6 at most).  So the
  sum carbons lie in :data:`CARBON_RANGE` and the double bonds are at most
  ``2 + min(6, (carbons - 18 - 10) // 2)``.  ``GM3 60:12;O2`` and ``GM3 40:9;O2`` break it.
  A lyso form (no fatty acid) is its base alone: :data:`BASE_RANGE` carbons, at most two
  double bonds.
* **Sialic-acid order.**  In reversed phase, at equal ceramide, a species with more sialic acids
  (and the same O-acetyl and fucose count, the rest of its glycan a superset) elutes earlier:
  a disialo species eluting after its monosialo relative (GD3 after GM3) is flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Plausible sum carbons of a ganglioside ceramide (base 16-22 + fatty acid 12-36).
CARBON_RANGE = (28, 58)
#: Plausible carbons of a sphingoid base (a lyso form's whole ceramide part), and its most
#: double bonds.
BASE_RANGE = (16, 22)
BASE_MAX_DB = 2
#: Margin (min) by which a species with more sialic acids may elute after its relative.
SIALIC_ORDER_MARGIN = 0.1
_GLYCAN = ("neuac", "neugc", "hex", "hexnac")


def implausible_composition(
    carbons: np.ndarray, double_bonds: np.ndarray, lyso: np.ndarray | None = None
) -> np.ndarray:
    """Rows whose ceramide sum cannot be a sphingoid base plus one fatty acid (or, for the
    rows of ``lyso``, a sphingoid base alone)."""
    c = np.asarray(carbons, dtype=float)
    db = np.asarray(double_bonds, dtype=float)
    low, high = CARBON_RANGE
    max_db = 2 + np.clip((c - 18 - 10) // 2, 0, 6)
    with np.errstate(invalid="ignore"):
        two_chains = (c < low) | (c > high) | (db > max_db)
        if lyso is None:
            return two_chains
        base = (c < BASE_RANGE[0]) | (c > BASE_RANGE[1]) | (db > BASE_MAX_DB)
    return np.where(np.asarray(lyso, dtype=bool), base, two_chains)


def composition_words(carbons: float, double_bonds: float, lyso: bool = False) -> str:
    """Why a ceramide sum (a lyso form's base) is implausible, in words."""
    if lyso:
        return (
            f"lyso form on a {carbons:.0f}:{double_bonds:.0f} chain: a sphingoid base has "
            f"{BASE_RANGE[0]}-{BASE_RANGE[1]} carbons and at most {BASE_MAX_DB} double bonds"
        )
    low, high = CARBON_RANGE
    if not low <= carbons <= high:
        return (
            f"ceramide with {carbons:.0f} carbons is outside {low}-{high} (a sphingoid base "
            "plus one fatty acid)"
        )
    max_db = 2 + min(6, max(0, int((carbons - 28) // 2)))
    return (
        f"{double_bonds:.0f} double bonds on {carbons:.0f} carbons: a sphingoid base and a "
        f"{carbons - 18:.0f}-carbon fatty acid carry at most {max_db}"
    )


def sialic_order(per_row: pd.DataFrame, rt: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each row, the position of a row of its monosialo-side relative it elutes after
    (same ceramide, oac and dhex; fewer sialic acids; every glycan count ≤ its own), -1 when
    none.  Species are compared by their median RT over ``rows``."""
    out = np.full(len(rt), -1, dtype=np.int64)
    idx = np.flatnonzero(rows)
    if idx.size < 2:
        return out
    frame = per_row.iloc[idx][["ceramide", "oac", "dhex", *_GLYCAN, "sialic", "group_key"]].copy()
    frame["rt"] = rt[idx]
    frame["pos"] = idx
    species = frame.groupby(["ceramide", "group_key"], observed=True).agg(
        rt=("rt", "median"),
        first=("pos", "first"),
        **{c: (c, "first") for c in (*_GLYCAN, "oac", "dhex", "sialic")},
    )
    for _ceramide, same in species.groupby(level=0, observed=True):
        if len(same) < 2:
            continue
        counts = same[list(_GLYCAN)].to_numpy(dtype=float)
        sia = same["sialic"].to_numpy(dtype=float)
        mods = same[["oac", "dhex"]].to_numpy(dtype=float)
        rts = same["rt"].to_numpy(dtype=float)
        for b in range(len(same)):
            sub = (
                (counts <= counts[b]).all(axis=1)
                & (sia < sia[b])
                & (mods == mods[b]).all(axis=1)
                & (rts < rts[b] - SIALIC_ORDER_MARGIN)
            )
            if sub.any():
                a = int(np.flatnonzero(sub)[np.argmax(sia[sub])])
                keys = same.index[b]
                sel = (per_row["ceramide"].to_numpy() == keys[0]) & (
                    per_row["group_key"].to_numpy() == keys[1]
                )
                out[sel & rows] = int(same["first"].iloc[a])
    return out
