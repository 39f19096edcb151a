"""Co-eluting isobaric species of one precursor (MRM cross-talk).

Two molecular species of one sum composition — same headgroup, total carbons, double bonds
and oxygens, e.g. ``GM3(d18:1/18:0)`` and ``GM3(d20:1/16:0)`` — share their precursor mass;
in an MRM method the transitions of one can pick up the other's peak.  Such rows share the
``species`` key (the sum composition) but are written differently, and they elute together.
The RT model cannot tell their chain split apart (both have the sum's Log P), so the weaker of
two such peaks is not a misannotation for its RT: it is reported as an isobaric co-elution,
naming its partner, for a reviewer to check the transitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def isobaric_partners(
    species: np.ndarray,
    name_codes: np.ndarray,
    rt: np.ndarray,
    volume: np.ndarray,
    eligible: np.ndarray,
    window: float,
) -> np.ndarray:
    """Per row, the position of its co-eluting isobaric partner (-1 without one).

    A partner is an ``eligible`` row of the same ``species`` with another written name
    (``name_codes``) whose RT is within ``window`` min; of several, the most abundant (then the
    nearest in RT, then the first).  Only species written in two or more ways are compared,
    each against its own rows.
    """
    partner = np.full(len(rt), -1, dtype=np.int64)
    ok = eligible & np.isfinite(rt) & pd.notna(species) & (species != "")
    ok[ok] = _spelled_twice(species[ok], name_codes[ok])
    if not ok.any():
        return partner
    at = np.flatnonzero(ok)
    left, right = _same_species_pairs(pd.factorize(species[ok])[0])
    names, times = name_codes[ok], rt[ok]
    gap = np.abs(times[left] - times[right])
    keep = (names[left] != names[right]) & (gap <= window + 1e-9)
    left, right, gap = left[keep], right[keep], gap[keep]
    if not left.size:
        return partner
    # per row, its partners by volume (largest first), then RT gap, then position
    v = np.nan_to_num(volume[ok], nan=0.0)
    order = np.lexsort((right, gap, -v[right], left))
    left, right = left[order], right[order]
    first = np.r_[True, left[1:] != left[:-1]]
    partner[at[left[first]]] = at[right[first]]
    return partner


def _same_species_pairs(sp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair of positions (itself included) with the same code ``sp``."""
    order = np.argsort(sp, kind="stable")
    sizes = np.bincount(sp)
    starts = np.cumsum(sizes) - sizes
    reps = sizes[sp[order]]
    left = np.repeat(order, reps)
    offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    right = order[np.repeat(starts[sp[order]], reps) + offset]
    return left, right


def _spelled_twice(species: np.ndarray, name_codes: np.ndarray) -> np.ndarray:
    """Per row, whether its species is written with two or more names among these rows."""
    sp, _ = pd.factorize(species)
    pairs = np.unique(np.stack([sp, np.asarray(name_codes, dtype=np.int64)]), axis=1)
    return (np.bincount(pairs[0], minlength=sp.max(initial=-1) + 1) >= 2)[sp]


def partner_on_line(partner: np.ndarray, on_line: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Rows whose isobaric partner passes the RT check (an anchor, or on its line)."""
    has = partner >= 0
    at = np.where(has, partner, 0)
    return has & (anchors[at] | on_line[at])
