"""Misannotations: real peaks carrying a neighbour's name, or peaks picked at the wrong RT.

One is only kept when its RT is clearly away from every track where its name elutes, and when
it neither looks like an in-source fragment nor makes a real peak look like one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chemistry import expected_rt, isomer_capable, name_logp
from .composition import COMP, Comp, cer_key, encode, fragment_like_pairs, take, totals, valid_comp
from .names import canonical_names
from .parameters import (
    CARBON_WEIGHTS,
    CLEAR_WINDOW,
    DB_WEIGHTS,
    OUTLIER_MIN_SD,
    OUTLIER_MIN_SHIFT,
    RT_MAX,
    RT_MIN,
    Params,
)
from .peaks import Peaks, concat_peaks, volumes
from .species import Universe, universe


@dataclass(frozen=True)
class Misannotations:
    """Misannotated peaks (under the names they carry) and what is behind each."""

    peaks: Peaks
    shifted: np.ndarray  # 1 a peak at the wrong RT, 0 a real peak with a wrong name
    true_names: np.ndarray  # canonical name of the real species behind each peak


@dataclass(frozen=True)
class _Candidates:
    peaks: Peaks
    shifted: np.ndarray
    true_comp: Comp
    true_ceramide: tuple[np.ndarray, np.ndarray, np.ndarray]  # carbons, double bonds, oxygens

    def true_names(self, idx: np.ndarray) -> np.ndarray:
        carbons, db, oxy = self.true_ceramide
        return canonical_names(take(self.true_comp, idx), carbons[idx], db[idx], oxy[idx])


def misannotations(
    p: Params, rng: np.random.Generator, n_out: int, existing: Peaks, clear: bool
) -> Misannotations:
    """``n_out`` misannotated peaks, each clearly off its name and clear of fragment patterns.

    Raises
    ------
    RuntimeError
        When fewer than ``n_out`` can be placed after many tries.
    """
    species = universe(p)
    gap = max(OUTLIER_MIN_SHIFT, OUTLIER_MIN_SD * p.noise_sd)
    accepted: list[Peaks] = [existing.take(np.empty(0, np.int64))]
    kinds: list[np.ndarray] = [np.empty(0, np.int64)]
    true_names: list[np.ndarray] = [np.empty(0, dtype=object)]
    n_have = 0
    for _ in range(100):
        if n_have >= n_out:
            break
        cand = _candidates(p, rng, species, max(3 * (n_out - n_have), 20), gap)
        involved = (
            _fragment_like(existing, accepted, cand.peaks) if clear else np.empty(0, np.int64)
        )
        good = np.setdiff1d(np.arange(len(cand.peaks)), involved)[: n_out - n_have]
        accepted.append(cand.peaks.take(good))
        kinds.append(cand.shifted[good].astype(np.int64))
        true_names.append(cand.true_names(good))
        n_have += len(good)
    if n_have < n_out:
        raise RuntimeError(f"could only place {n_have} of {n_out} misannotations")
    return Misannotations(concat_peaks(accepted), np.concatenate(kinds), np.concatenate(true_names))


def _candidates(
    p: Params, rng: np.random.Generator, species: Universe, batch: int, gap: float
) -> _Candidates:
    """Up to ``batch`` misannotated peaks at least ``gap`` (min) from where their name elutes."""
    comp_u, carb_u, db_u, oxy_u, w = species
    idx = rng.choice(len(w), size=batch, p=w)
    tc, tcarb, tdb, toxy = take(comp_u, idx), carb_u[idx], db_u[idx], oxy_u[idx]
    track = np.where(isomer_capable(tc) & (rng.random(batch) < 0.5), 1, 0)
    tlogp = name_logp(p, tc, tcarb, tdb, toxy)
    true_rt = expected_rt(p, tc, tlogp, track) + rng.normal(0, p.noise_sd, batch)

    # Either the peak is real and carries a neighbour's name, or the name is right and the
    # peak was picked at the wrong place.
    shifted = rng.random(batch) < p.rt_shift_share
    ac, acarb, adb, usable = _perturb_name(rng, tc, tcarb, tdb)
    usable = np.where(shifted, True, usable)
    use_true = shifted | ~usable
    ac = {k: np.where(use_true, tc[k], ac[k]) for k in COMP}
    acarb = np.where(use_true, tcarb, acarb)
    adb = np.where(use_true, tdb, adb)
    direction = np.where(rng.random(batch) < 0.5, -1.0, 1.0)
    magnitude = rng.uniform(gap, max(3.5, gap + 1.0), batch)
    rt = np.where(shifted, true_rt + direction * magnitude, true_rt)

    alogp = name_logp(p, ac, acarb, adb, toxy)
    early = expected_rt(p, ac, alogp, np.zeros(batch))
    dist = np.abs(rt - early)
    dist = np.where(isomer_capable(ac), np.minimum(dist, np.abs(rt - early - p.track_offset)), dist)
    ok = usable & (dist >= gap) & (rt >= RT_MIN) & (rt <= RT_MAX)
    sel = np.flatnonzero(ok)
    peaks = Peaks(
        take(ac, sel),
        acarb[sel],
        adb[sel],
        toxy[sel],
        alogp[sel],
        rt[sel],
        volumes(p, rng, len(sel)),
        np.full(len(sel), -1),
        np.full(len(sel), -1),
    )
    return _Candidates(peaks, shifted[sel], take(tc, sel), (tcarb[sel], tdb[sel], toxy[sel]))


def _fragment_like(existing: Peaks, accepted: list[Peaks], cand: Peaks) -> np.ndarray:
    """Candidates in a fragment-like pair with any peak so far, in either direction.

    So a misannotation never looks like a fragment nor makes a real peak look like one.
    """
    allp = concat_peaks([existing, *accepted, cand])
    n_prior = len(allp) - len(cand)
    sub, sup = fragment_like_pairs(
        cer_key(allp.carbons, allp.db, allp.oxy), allp.rt, totals(allp.comp), CLEAR_WINDOW
    )
    involved = np.unique(np.concatenate([sub, sup]))
    return involved[involved >= n_prior] - n_prior


def _perturb_name(
    rng: np.random.Generator, c: Comp, carbons: np.ndarray, db: np.ndarray
) -> tuple[Comp, np.ndarray, np.ndarray, np.ndarray]:
    """A neighbouring name for each real peak: another ceramide, core, series or modification.

    Returns the new composition, carbons, double bonds and a mask of usable (well-formed and
    different) names.
    """
    m = len(carbons)
    kind = rng.choice(5, size=m, p=[0.35, 0.25, 0.15, 0.10, 0.15])
    out = {k: v.copy() for k, v in c.items()}
    new_carbons = np.where(kind == 0, carbons + rng.choice([-2, -1, 1, 2], size=m), carbons)
    new_db = np.where(kind == 1, db + rng.choice([-1, 1], size=m), db)
    out["n"] = np.where(kind == 2, c["n"] + rng.choice([-1, 1], size=m), c["n"])
    out["f"] = np.where(kind == 3, rng.integers(1, 5, size=m), c["f"])
    # Modification swap: add or remove one OAc, dHex or HexNAc.
    which = rng.integers(0, 3, size=m)
    sign = np.where(rng.random(m) < 0.5, -1, 1)
    for j, key in enumerate(("oac", "dhex", "hexnac")):
        out[key] = np.where((kind == 4) & (which == j), c[key] + sign, out[key])
    usable = (
        valid_comp(out)
        & (new_carbons >= min(CARBON_WEIGHTS))
        & (new_carbons <= max(CARBON_WEIGHTS))
        & (new_db >= 0)
        & (new_db <= max(DB_WEIGHTS))
    )
    changed = (encode(out) != encode(c)) | (new_carbons != carbons) | (new_db != db)
    return out, new_carbons, new_db, usable & changed
