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
    frame = pd.DataFrame(
        {"i": np.flatnonzero(ok), "sp": species[ok], "name": name_codes[ok], "rt": rt[ok]}
    )
    frame["v"] = np.nan_to_num(volume[ok], nan=0.0)
    pairs = frame.merge(frame, on="sp", suffixes=("", "_p"))
    pairs["gap"] = (pairs["rt"] - pairs["rt_p"]).abs()
    pairs = pairs[(pairs["name"] != pairs["name_p"]) & (pairs["gap"] <= window + 1e-9)]
    if pairs.empty:
        return partner
    best = pairs.sort_values(["i", "v_p", "gap", "i_p"], ascending=[True, False, True, True])
    best = best.drop_duplicates("i")
    partner[best["i"].to_numpy()] = best["i_p"].to_numpy()
    return partner


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
