"""Compositions of simulated species, as dicts of equal-length integer arrays.

A composition has the fields :data:`COMP`: ``n`` counts core NeuAc, ``f`` is the series (it
carries 5 - f neutral core sugars), the others count modifications.  Everything here is
vectorised over many compositions at once.
"""

from __future__ import annotations

import numpy as np

#: Cores allowed (sialic acids n, series f) -> name.
CORES: dict[tuple[int, int], str] = {
    (0, 1): "GA1",
    (0, 2): "GA2",
    (1, 1): "GM1",
    (1, 2): "GM2",
    (1, 3): "GM3",
    (1, 4): "GM4",
    (2, 1): "GD1",
    (2, 2): "GD2",
    (2, 3): "GD3",
    (3, 1): "GT1",
    (3, 2): "GT2",
    (3, 3): "GT3",
    (4, 1): "GQ1",
    (5, 1): "GP1",
}

#: Composition fields carried for every peak.
COMP = ("n", "f", "oac", "dhex", "hex", "hexnac", "neugc")
_COMP_BASE = (6, 5, 4, 3, 3, 3, 2)  # mixed-radix sizes used to encode a composition as one int

Comp = dict[str, np.ndarray]

# CORE_OK[n, f]: whether core (n, f) exists.
CORE_OK = np.zeros((6, 5), dtype=bool)
for _n, _f in CORES:
    CORE_OK[_n, _f] = True


def encode(c: Comp) -> np.ndarray:
    """One integer per composition (its group key)."""
    key = np.zeros(len(c["n"]), dtype=np.int64)
    for name, base in zip(reversed(COMP), reversed(_COMP_BASE), strict=True):
        key = key * base + c[name].astype(np.int64)
    return key


def decode(key: np.ndarray) -> Comp:
    """The compositions of keys made by :func:`encode`."""
    key = np.asarray(key, dtype=np.int64).copy()
    out: Comp = {}
    for name, base in zip(COMP, _COMP_BASE, strict=True):
        out[name] = key % base
        key //= base
    return out


def take(c: Comp, idx: np.ndarray) -> Comp:
    return {k: v[idx] for k, v in c.items()}


def concat(*comps: Comp) -> Comp:
    return {k: np.concatenate([c[k] for c in comps]) for k in COMP}


def core_allowed(n: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Whether each (n, f) is one of :data:`CORES` (False when out of range)."""
    in_range = (n >= 0) & (n <= 5) & (f >= 1) & (f <= 4)
    ok = np.zeros(len(n), dtype=bool)
    ok[in_range] = CORE_OK[n[in_range], f[in_range]]
    return ok


def _core_hex(f: np.ndarray) -> np.ndarray:
    # Neutral core chain 5 - f sugars: f=1 Gal-GalNAc-Gal-Glc (3 Hex), f=2 GalNAc-Gal-Glc
    # (2 Hex), f=3 Gal-Glc (2 Hex), f=4 Gal (1 Hex).
    return np.select([f == 1, f == 2, f == 3], [3, 2, 2], 1)


def _core_hexnac(f: np.ndarray) -> np.ndarray:
    return (f <= 2).astype(np.int64)


def totals(c: Comp) -> dict[str, np.ndarray]:
    """Residue totals, core sugars included, with NeuAc and NeuGc counted together."""
    hex_ = _core_hex(c["f"]) + c["hex"]
    hexnac = _core_hexnac(c["f"]) + c["hexnac"]
    sialic = c["n"] + c["neugc"]
    sugars = sialic + hex_ + hexnac + c["dhex"]
    return {
        "sialic": sialic,
        "hex": hex_,
        "hexnac": hexnac,
        "dhex": c["dhex"],
        "oac": c["oac"],
        "sugars": sugars,
    }


def valid_comp(c: Comp) -> np.ndarray:
    """Compositions that can be written as a plausible name."""
    n, f = c["n"], c["f"]
    sugar_mods = c["dhex"] + c["hex"] + c["hexnac"]
    counts_ok = np.all([c[k] >= 0 for k in ("oac", "dhex", "hex", "hexnac", "neugc")], axis=0)
    return (
        core_allowed(n, f)
        & counts_ok
        & (c["oac"] <= np.minimum(n, 2))
        & ((sugar_mods == 0) | (f == 1))
        & (c["dhex"] <= 1)
        & (c["hex"] <= 1)
        & (c["hexnac"] <= 1)
        & (c["neugc"] <= 1)
        & ((c["neugc"] == 0) | (n >= 1))
    )


def cer_key(carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray) -> np.ndarray:
    """One integer per ceramide (carbons, double bonds, oxygens)."""
    return carbons.astype(np.int64) * 100 + db.astype(np.int64) * 10 + oxy.astype(np.int64)


def _is_sub(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> np.ndarray:
    """Element-wise: could ``a`` be an in-source fragment of ``b`` by composition?

    ``a`` must be a sub-multiset of ``b`` with fewer sugars, or the same sugars and fewer OAc.
    Sialic acids are counted together (NeuAc + NeuGc), as an analysis would.
    """
    within = (
        (a["sialic"] <= b["sialic"])
        & (a["hex"] <= b["hex"])
        & (a["hexnac"] <= b["hexnac"])
        & (a["dhex"] <= b["dhex"])
        & (a["oac"] <= b["oac"])
    )
    smaller = (a["sugars"] < b["sugars"]) | ((a["sugars"] == b["sugars"]) & (a["oac"] < b["oac"]))
    return within & smaller


def fragment_like_pairs(
    cer: np.ndarray, rt: np.ndarray, tot: dict[str, np.ndarray], window: float
) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (sub, sup) with the same ceramide, |ΔRT| <= window and sub a fragment of sup.

    Sorts by ceramide and RT and sweeps neighbours (never all pairs).
    """
    order = np.lexsort((rt, cer))
    cs, rs = cer[order], rt[order]
    subs, sups = [], []
    d = 1
    while d < len(order):
        close = (cs[d:] == cs[:-d]) & (rs[d:] - rs[:-d] <= window)
        if not close.any():
            break
        i = order[:-d][close]
        j = order[d:][close]
        ti = {k: v[i] for k, v in tot.items()}
        tj = {k: v[j] for k, v in tot.items()}
        ij = _is_sub(ti, tj)
        ji = _is_sub(tj, ti)
        subs += [i[ij], j[ji]]
        sups += [j[ij], i[ji]]
        d += 1
    if not subs:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(subs), np.concatenate(sups)
