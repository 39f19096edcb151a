"""The species a run can hold (every group × ceramide, with its weight) and drawing from them."""

from __future__ import annotations

import numpy as np

from .composition import COMP, CORES, Comp, take, valid_comp
from .parameters import MOD_SETS, Params

# Every species of a run: compositions, carbons, double bonds, oxygens, sampling weights.
Universe = tuple[Comp, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def universe(p: Params) -> Universe:
    """Every (group, ceramide) species with its sampling weight."""
    groups: list[tuple[int, ...]] = []
    gweights: list[float] = []
    for (n, f), core in CORES.items():
        for (oac, dhex, hex_, hexnac, neugc), mw in zip(
            (m for m, _ in MOD_SETS), p.mod_weights, strict=True
        ):
            groups.append((n, f, oac, dhex, hex_, hexnac, neugc))
            gweights.append(p.core_weights[core] * mw)
    gc = {k: np.array([g[i] for g in groups], dtype=np.int64) for i, k in enumerate(COMP)}
    ok = valid_comp(gc)
    gc = take(gc, np.flatnonzero(ok))
    gw = np.array(gweights)[ok]

    carbons = np.array(list(p.carbon_weights), dtype=np.int64)
    cw = np.array(list(p.carbon_weights.values()))
    dbs = np.array(list(p.db_weights), dtype=np.int64)
    dw = np.array(list(p.db_weights.values()))
    oxy = np.array([2, 3], dtype=np.int64)
    ow = np.array([1 - p.o3_rate, p.o3_rate])
    cc, dd, oo = np.meshgrid(carbons, dbs, oxy, indexing="ij")
    cerw = (cw[:, None, None] * dw[None, :, None] * ow[None, None, :]).ravel()

    g_idx = np.repeat(np.arange(len(gw)), len(cerw))
    c_idx = np.tile(np.arange(len(cerw)), len(gw))
    weights = gw[g_idx] * cerw[c_idx]
    comp = take(gc, g_idx)
    return comp, cc.ravel()[c_idx], dd.ravel()[c_idx], oo.ravel()[c_idx], weights / weights.sum()


def distinct_capacity(p: Params) -> int:
    """How many species can be drawn with distinct names (beyond that, names repeat)."""
    return len(universe(p)[4]) // 2


def draw_species(
    p: Params, rng: np.random.Generator, n: int
) -> tuple[Comp, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` species: compositions, carbons, double bonds and oxygens, in universe order."""
    comp, carbons, db, oxy, w = universe(p)
    if n <= len(w) // 2:
        # Weighted sampling without replacement (Gumbel top-k): distinct names, as in a run.
        score = np.log(w) + rng.gumbel(size=len(w))
        idx = np.argpartition(-score, n - 1)[:n]
    else:
        # More species than distinct names make sense: names must repeat.
        idx = rng.choice(len(w), size=n, p=w)
    idx = np.sort(idx)
    return take(comp, idx), carbons[idx], db[idx], oxy[idx]
