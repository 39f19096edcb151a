"""Peaks as parallel arrays, and the peaks of the real species of a run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chemistry import expected_rt, isomer_capable, name_logp
from .composition import Comp, cer_key, concat, fragment_like_pairs, take, totals
from .parameters import CLEAR_WINDOW, COELUTING_MIN_RATIO, RT_MAX, RT_MIN, Params
from .species import draw_species


@dataclass
class Peaks:
    """Peaks of one kind, as parallel arrays."""

    comp: Comp
    carbons: np.ndarray
    db: np.ndarray
    oxy: np.ndarray
    logp: np.ndarray
    rt: np.ndarray
    volume: np.ndarray
    track: np.ndarray  # 0 early, 1 late, -1 not isomer capable
    species: np.ndarray  # index of the species (valid) or root peak (fragments)

    def take(self, idx: np.ndarray) -> Peaks:
        return Peaks(
            take(self.comp, idx),
            self.carbons[idx],
            self.db[idx],
            self.oxy[idx],
            self.logp[idx],
            self.rt[idx],
            self.volume[idx],
            self.track[idx],
            self.species[idx],
        )

    def __len__(self) -> int:
        return len(self.rt)


def concat_peaks(parts: list[Peaks]) -> Peaks:
    return Peaks(
        concat(*(a.comp for a in parts)),
        *(
            np.concatenate([getattr(a, name) for a in parts])
            for name in ("carbons", "db", "oxy", "logp", "rt", "volume", "track", "species")
        ),
    )


def volumes(p: Params, rng: np.random.Generator, n: int) -> np.ndarray:
    """Log-normal over 3-4 decades, as in the sample (1e3.9 to 1e7.8)."""
    log10 = np.clip(rng.normal(p.volume_log10_mean, p.volume_log10_sd, n), 3.4, 8.0)
    return np.round(10.0**log10)


def valid_peaks(p: Params, rng: np.random.Generator, n_species: int, clear: bool) -> Peaks:
    """The peaks of ``n_species`` real species (two for a species seen as an isomer pair)."""
    comp, carbons, db, oxy = draw_species(p, rng, n_species)
    n = len(carbons)
    capable = isomer_capable(comp)
    paired = capable & (rng.random(n) < p.isomer_rate)
    reps = np.where(paired, 2, 1)
    idx = np.repeat(np.arange(n), reps)
    first = np.r_[True, idx[1:] != idx[:-1]]
    single_track = np.where(rng.random(n) < p.early_single_rate, 0, 1)
    track = np.where(paired[idx], np.where(first, 0, 1), single_track[idx])
    track = np.where(capable[idx], track, -1)
    pc = take(comp, idx)
    logp = name_logp(p, pc, carbons[idx], db[idx], oxy[idx])
    m = len(idx)
    rt = expected_rt(p, pc, logp, np.maximum(track, 0)) + rng.normal(0, p.noise_sd, m)
    peaks = Peaks(pc, carbons[idx], db[idx], oxy[idx], logp, rt, volumes(p, rng, m), track, idx)
    keep = _keep_decidable(p, rng, peaks) if clear else np.ones(m, dtype=bool)
    # A species is only kept when all its peaks elute within the run.
    outside = (peaks.rt < RT_MIN) | (peaks.rt > RT_MAX)
    bad_species = np.unique(peaks.species[outside])
    keep &= ~np.isin(peaks.species, bad_species)
    return peaks.take(np.flatnonzero(keep))


def _keep_decidable(p: Params, rng: np.random.Generator, peaks: Peaks) -> np.ndarray:
    """Mask of the peaks kept so that no real species looks like a fragment of another.

    Real species can sit within the fragment window of a larger one by chance.  That is kept
    when the smaller-sugar peak is too abundant to be a fragment (in-source fragments carry at
    most 30 % of their parent's volume); otherwise the truth would not be decidable, so its
    noise is redrawn (a few times; ``peaks.rt`` is changed in place) and then the peak dropped.
    """
    cer = cer_key(peaks.carbons, peaks.db, peaks.oxy)
    tot = totals(peaks.comp)
    keep = np.ones(len(peaks), dtype=bool)
    for attempt in range(4):
        live = np.flatnonzero(keep)
        sub, sup = fragment_like_pairs(
            cer[live], peaks.rt[live], {k: v[live] for k, v in tot.items()}, CLEAR_WINDOW
        )
        sub, sup = live[sub], live[sup]
        too_small = peaks.volume[sub] < COELUTING_MIN_RATIO * peaks.volume[sup]
        bad = np.unique(sub[too_small])
        if len(bad) == 0:
            break
        if attempt == 3:
            keep[bad] = False
        else:
            expected = expected_rt(
                p, take(peaks.comp, bad), peaks.logp[bad], np.maximum(peaks.track[bad], 0)
            )
            peaks.rt[bad] = expected + rng.normal(0, p.noise_sd, len(bad))
    return keep
