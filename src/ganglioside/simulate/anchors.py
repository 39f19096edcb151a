"""Anchors: the lab-confirmed standards of a run, concentrated in a few common groups."""

from __future__ import annotations

import numpy as np

from .composition import encode
from .parameters import Params
from .peaks import Peaks


def choose_anchors(p: Params, rng: np.random.Generator, valid: Peaks) -> np.ndarray:
    """Anchor mask over valid peaks: concentrated in a main group and a few others.

    Anchors are chosen per species (both isomer peaks together), preferring abundant ones, as
    a lab confirms its best standards.
    """
    m = len(valid)
    anchors = np.zeros(m, dtype=bool)
    target = round(p.anchor_rate * m)
    if target == 0 or m == 0:
        return anchors
    gkey = encode(valid.comp)
    groups, sizes = np.unique(gkey, return_counts=True)
    order = np.argsort(-sizes, kind="stable")
    groups, sizes = groups[order], sizes[order]
    quota = _group_quotas(rng, sizes, target)
    score = np.log(valid.volume) / np.log(10) * 0.7 + rng.gumbel(size=m)
    for g, q in quota.items():
        if q <= 0:
            continue
        members = np.flatnonzero(gkey == groups[g])
        anchors[members[_best_species(valid.species[members], score[members], q)]] = True
    return anchors


def _group_quotas(rng: np.random.Generator, sizes: np.ndarray, target: int) -> dict[int, int]:
    """Anchors per group (index into ``sizes``, largest group first): a main group and a few
    secondary ones, each capped below its size."""
    # The main group is usually the largest (GD1 in the sample holds 23 of 49 anchors).
    n_top = min(3, len(sizes))
    main = int(rng.choice(n_top, p=[0.7, 0.2, 0.1][:n_top] / np.sum([0.7, 0.2, 0.1][:n_top])))
    others = np.setdiff1d(np.arange(len(sizes)), [main])
    others = others[sizes[others] >= 2]
    n_sec = min(len(others), int(rng.integers(2, 9)))
    secondary = (
        rng.choice(others, size=n_sec, replace=False, p=sizes[others] / sizes[others].sum())
        if n_sec
        else np.empty(0, np.int64)
    )
    quota = {main: min(round(target * rng.uniform(0.35, 0.65)), int(0.85 * sizes[main]))}
    rest = target - quota[main]
    if len(secondary):
        share = rng.dirichlet(np.ones(len(secondary)))
        for g, s in zip(secondary, share, strict=True):
            quota[int(g)] = min(max(2, round(rest * s)), int(0.6 * sizes[g]))
    # Leftover (capped groups) goes to the main group as far as it can take it.
    short = target - sum(quota.values())
    if short > 0:
        quota[main] = min(quota[main] + short, int(0.9 * sizes[main]))
    return quota


def _best_species(species: np.ndarray, score: np.ndarray, quota: int) -> np.ndarray:
    """Mask of the peaks of whole species, ranked by their best peak, up to ``quota`` peaks."""
    uniq_sp, inv = np.unique(species, return_inverse=True)
    best = np.full(len(uniq_sp), -np.inf)
    np.maximum.at(best, inv, score)
    counts = np.bincount(inv, minlength=len(uniq_sp))
    ranked = np.argsort(-best, kind="stable")
    take = ranked[np.cumsum(counts[ranked]) <= quota]
    return np.isin(inv, take)
