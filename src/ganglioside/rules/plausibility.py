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

from ..codes import float_columns

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
    none.  Species are compared by their median RT over ``rows``.

    A species is a (ceramide, group_key) pair, taken in sorted order; among its relatives the
    one with most sialic acids is named (the first in that order on a tie), by the position of
    that relative's first row.  Every pair of species of one ceramide is compared at once."""
    out = np.full(len(rt), -1, dtype=np.int64)
    idx = np.flatnonzero(rows)
    if idx.size < 2:
        return out
    ceramide = _codes(per_row["ceramide"], idx)
    key = _codes(per_row["group_key"], idx)
    keep = (ceramide >= 0) & (key >= 0)  # a missing key belongs to no species
    idx, ceramide, key = idx[keep], ceramide[keep], key[keep]
    # species in sorted (ceramide, group_key) order; ``first``: the position of its first row
    _, first_at, species = np.unique(
        ceramide * (int(key.max(initial=0)) + 1) + key, return_index=True, return_inverse=True
    )
    species = species.reshape(-1)
    first = idx[first_at]
    median_rt = pd.Series(np.asarray(rt, dtype=float)[idx]).groupby(species).median()
    relative = _sialic_relatives(
        per_row, first, ceramide[first_at], median_rt.to_numpy(dtype=float)
    )
    named = relative[species] >= 0
    out[idx[named]] = first[relative[species[named]]]
    return out


def _codes(column: pd.Series, idx: np.ndarray) -> np.ndarray:
    """Sort-order codes of a text column at ``idx`` (its categories' order for a categorical,
    sorted values otherwise), -1 where missing."""
    values = column.iloc[idx]
    cat = values.array if isinstance(values.dtype, pd.CategoricalDtype) else pd.Categorical(values)
    return np.asarray(cat.codes, dtype=np.int64)


def _sialic_relatives(
    per_row: pd.DataFrame, first: np.ndarray, ceramide: np.ndarray, rts: np.ndarray
) -> np.ndarray:
    """For each species (``first``: its first row, ``ceramide``: its ceramide code, in sorted
    order so that one ceramide's species are adjacent), the species it elutes after (its
    relative with most sialic acids, the first on a tie), -1 when none."""
    n = len(first)
    counts = float_columns(per_row, _GLYCAN)[first]
    sia = per_row["sialic"].to_numpy(dtype=float)[first]
    mods = float_columns(per_row, ("oac", "dhex"))[first]
    # every (b, a) pair of species of the same ceramide, b the later one under test
    start = np.flatnonzero(np.r_[True, ceramide[1:] != ceramide[:-1]])
    size = np.diff(np.r_[start, n])
    own_start = np.repeat(start, size)
    own_size = np.repeat(size, size)
    b = np.repeat(np.arange(n), own_size)
    a = np.repeat(own_start, own_size) + (
        np.arange(len(b)) - np.repeat(np.cumsum(own_size) - own_size, own_size)
    )
    hit = (
        (counts[a] <= counts[b]).all(axis=1)
        & (sia[a] < sia[b])
        & (mods[a] == mods[b]).all(axis=1)
        & (rts[a] < rts[b] - SIALIC_ORDER_MARGIN)
    )
    a, b = a[hit], b[hit]
    relative = np.full(n, -1, dtype=np.int64)
    if a.size:
        order = np.lexsort((a, -sia[a], b))  # per b: most sialic acids, then the first
        a, b = a[order], b[order]
        lead = np.r_[True, b[1:] != b[:-1]]
        relative[b[lead]] = a[lead]
    return relative
