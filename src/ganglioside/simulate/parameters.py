"""The constants of one simulated run: fixed ones, frequencies from the sample, per-seed draws.

Every knob of :func:`~ganglioside.simulate.simulate` left as ``None`` is drawn here per seed
within a realistic range, together with the chemistry of the run (Log P and RT coefficients)
and jittered frequencies of cores, modifications and ceramides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

# Retention window of a plausible run (min); species eluting outside are not generated.
RT_MIN, RT_MAX = 2.0, 25.0
# A fragment co-elutes with its root parent within this (min), before rounding to 0.001.
FRAGMENT_DRT = 0.009
# Keep other peaks this far (min) from a fragment-like configuration, so the truth is decidable
# with the default fragment window of 0.02 min.
CLEAR_WINDOW = 0.04
# A real species may co-elute with a larger one (same ceramide, superset composition) only when
# its volume is at least this fraction of the larger one's: fragments never exceed 0.30.
COELUTING_MIN_RATIO = 0.6
# A misannotation must sit at least this far (min, and OUTLIER_MIN_SD noise SDs) from every
# track where its name should elute.
OUTLIER_MIN_SHIFT = 0.6
OUTLIER_MIN_SD = 6.0

# Relative frequency of each core among species, read off the sample run (GD, GM, GT common).
CORE_WEIGHTS: dict[str, float] = {
    "GA1": 0.010,
    "GA2": 0.005,
    "GM1": 0.13,
    "GM2": 0.07,
    "GM3": 0.07,
    "GM4": 0.005,
    "GD1": 0.19,
    "GD2": 0.03,
    "GD3": 0.08,
    "GT1": 0.20,
    "GT2": 0.01,
    "GT3": 0.03,
    "GQ1": 0.11,
    "GP1": 0.025,
}
# Modification sets as (OAc, dHex, Hex, HexNAc, NeuGc) and their frequency among species
# (sample: OAc 58, 2OAc 19, HexNAc 19, dHex 18, Hex 1 rows out of 323).
MOD_SETS: tuple[tuple[tuple[int, int, int, int, int], float], ...] = (
    ((0, 0, 0, 0, 0), 0.66),
    ((1, 0, 0, 0, 0), 0.15),
    ((2, 0, 0, 0, 0), 0.055),
    ((0, 0, 0, 1, 0), 0.045),
    ((0, 1, 0, 0, 0), 0.045),
    ((0, 0, 1, 0, 0), 0.004),
    ((1, 1, 0, 0, 0), 0.012),
    ((1, 0, 0, 1, 0), 0.008),
    ((1, 0, 1, 1, 0), 0.003),
    ((0, 0, 0, 0, 1), 0.006),
)
# Ceramide carbons and double bonds as in the sample (36 and 38 dominant, even chains common).
CARBON_WEIGHTS: dict[int, float] = {
    32: 1,
    33: 2,
    34: 20,
    35: 10,
    36: 105,
    37: 22,
    38: 70,
    39: 13,
    40: 35,
    41: 13,
    42: 24,
    43: 3,
    44: 5,
}
DB_WEIGHTS: dict[int, float] = {0: 34, 1: 221, 2: 61, 3: 7}


@dataclass(frozen=True)
class Params:
    """Every constant of one simulated table (knobs and per-seed chemistry)."""

    seed: int
    n_species: int
    anchor_rate: float
    noise_sd: float
    outlier_rate: float
    fragment_rate: float
    isomer_rate: float
    missing_logp_rate: float
    early_single_rate: float
    track_offset: float
    slope: float
    slope_sd: float
    intercept_sd: float
    logp_noise_sd: float
    oac_shift: float
    rt_shift_share: float
    noncanonical_rate: float
    volume_log10_mean: float
    volume_log10_sd: float
    o3_rate: float
    logp_coef: dict[str, float]  # the Log P that sets the RT
    rt_coef: dict[str, float]
    core_weights: dict[str, float]
    mod_weights: tuple[float, ...]
    carbon_weights: dict[int, float]
    db_weights: dict[int, float]
    # with the hydroxyl option: the exported Log P's increment per oxygen, which differs from
    # the one that sets the RT (``logp_coef["oxygen"]``)
    written_oxygen_logp: float | None = None
    # with the curvature option: RT bends by this much (min) per squared Log P unit away from
    # each group's typical Log P (negative: concave, both ends below the straight line)
    rt_curvature: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready values."""
        d = self.__dict__.copy()
        d["mod_weights"] = list(self.mod_weights)
        d["carbon_weights"] = {str(k): v for k, v in self.carbon_weights.items()}
        d["db_weights"] = {str(k): v for k, v in self.db_weights.items()}
        return d


def draw_params(seed: int, knobs: Mapping[str, float | int | None]) -> Params:
    """Draw every per-seed constant; a knob given by the caller replaces its draw.

    All draws happen whatever the knobs, so fixing one knob does not shift the others.
    """
    rng = np.random.default_rng([seed, 0])
    drawn = _draw_knobs(rng)
    slope = float(rng.uniform(1.32, 1.40))
    logp_coef = _draw_logp_coef(rng)
    oac_shift = float(rng.uniform(0.03, 0.15))
    rt_coef = _draw_rt_coef(rng, slope, logp_coef["oac"], oac_shift)
    rest = _draw_run_shape(rng)
    core_weights, mod_weights, carbon_weights, db_weights = _draw_weights(rng)
    for key, value in knobs.items():
        if value is not None:
            drawn[key] = value
    return Params(
        seed=seed,
        n_species=int(drawn["n_species"]),
        anchor_rate=float(drawn["anchor_rate"]),
        noise_sd=float(drawn["noise_sd"]),
        outlier_rate=float(drawn["outlier_rate"]),
        fragment_rate=float(drawn["fragment_rate"]),
        isomer_rate=float(drawn["isomer_rate"]),
        missing_logp_rate=float(knobs.get("missing_logp_rate") or 0.0),
        slope=slope,
        slope_sd=0.02,
        intercept_sd=0.05,
        logp_noise_sd=0.03,
        oac_shift=oac_shift,
        logp_coef=logp_coef,
        rt_coef=rt_coef,
        core_weights=core_weights,
        mod_weights=mod_weights,
        carbon_weights=carbon_weights,
        db_weights=db_weights,
        **rest,
    )


def _draw_knobs(rng: np.random.Generator) -> dict[str, float | int]:
    """The knobs a caller can fix, drawn within realistic ranges."""
    return {
        "n_species": round(float(np.exp(rng.uniform(np.log(150), np.log(1200))))),
        "anchor_rate": float(rng.uniform(0.08, 0.25)),
        "noise_sd": float(rng.uniform(0.02, 0.10)),
        "outlier_rate": float(rng.uniform(0.02, 0.10)),
        "fragment_rate": float(rng.uniform(0.05, 0.40)),
        "isomer_rate": float(rng.uniform(0.30, 0.80)),
    }


def _draw_logp_coef(rng: np.random.Generator) -> dict[str, float]:
    """Log P per ceramide carbon, double bond, extra oxygen and residue (near the sample's)."""
    return {
        "const": -5.09 + float(rng.normal(0, 0.1)),
        "carbon": 0.54 * (1 + float(rng.normal(0, 0.02))),
        "db": -0.95 * (1 + float(rng.normal(0, 0.03))),
        "oxygen": -1.16 * (1 + float(rng.normal(0, 0.03))),
        "neuac": -2.48 * (1 + float(rng.normal(0, 0.02))),
        "hex": -1.60 * (1 + float(rng.normal(0, 0.02))),
        "hexnac": -2.11 * (1 + float(rng.normal(0, 0.02))),
        "dhex": -1.09 * (1 + float(rng.normal(0, 0.03))),
        "oac": 0.54 * (1 + float(rng.normal(0, 0.03))),
        "neugc": -2.95 * (1 + float(rng.normal(0, 0.03))),
    }


def _draw_rt_coef(
    rng: np.random.Generator, slope: float, logp_oac: float, oac_shift: float
) -> dict[str, float]:
    """The residue terms of the RT intercept (min) and its constant."""
    neuac = float(rng.uniform(2.78, 3.05))
    hex_ = float(rng.normal(2.25, 0.05))
    return {
        "neuac": neuac,
        "hex": hex_,
        "hexnac": float(rng.uniform(2.15, 2.50)),
        "dhex": float(rng.normal(1.60, 0.05)),
        # An O-acetyl group raises Log P by ~0.54, which alone would move the peak by
        # ~0.73 min; the observed net shift is small (+0.03..0.15 min), so the intercept
        # drops by the difference.
        "oac": oac_shift - slope * logp_oac,
        "neugc": neuac + float(rng.uniform(0.0, 0.3)),
        # GM3 (1 NeuAc, 2 Hex) has a pooled intercept of about -0.14 min.
        "const": -0.14 + float(rng.normal(0, 0.15)) - neuac - 2 * hex_,
    }


def _draw_run_shape(rng: np.random.Generator) -> dict[str, float]:
    """Isomer tracks, misannotation kinds, name spelling, volumes and O3 ceramides."""
    return {
        "early_single_rate": float(rng.uniform(0.5, 0.8)),
        "track_offset": float(rng.uniform(0.40, 0.50)),
        "rt_shift_share": float(rng.uniform(0.2, 0.6)),
        "noncanonical_rate": float(rng.uniform(0.0, 0.3)),
        "volume_log10_mean": float(rng.uniform(4.6, 5.3)),
        "volume_log10_sd": float(rng.uniform(0.6, 0.85)),
        "o3_rate": float(rng.uniform(0.01, 0.04)),
    }


def _draw_weights(
    rng: np.random.Generator,
) -> tuple[dict[str, float], tuple[float, ...], dict[int, float], dict[int, float]]:
    """Frequencies of cores, modification sets, carbons and double bonds, jittered per seed."""

    def jitter(base: Mapping[Any, float], sd: float) -> dict[Any, float]:
        out = {k: float(v) * float(np.exp(rng.normal(0.0, sd))) for k, v in base.items()}
        total = sum(out.values())
        return {k: v / total for k, v in out.items()}

    core_weights = jitter(CORE_WEIGHTS, 0.3)
    mod_weights = tuple(jitter(dict(enumerate(w for _, w in MOD_SETS)), 0.3).values())
    return core_weights, mod_weights, jitter(CARBON_WEIGHTS, 0.25), jitter(DB_WEIGHTS, 0.25)


def with_hydroxyl(p: Params, shift: float | None, rate: float | None) -> Params:
    """The run's constants with the hydroxyl options: an extra ceramide oxygen moves the RT by
    ``shift`` (min) while the exported Log P keeps its drawn increment; ``rate`` replaces the
    drawn share of species with a third oxygen.  Unchanged when both are None."""
    if shift is None and rate is None:
        return p
    changes: dict[str, Any] = {}
    if rate is not None:
        changes["o3_rate"] = float(rate)
    if shift is not None:
        coef = dict(p.logp_coef)
        changes["written_oxygen_logp"] = coef["oxygen"]
        coef["oxygen"] = float(shift) / p.slope
        changes["logp_coef"] = coef
    return replace(p, **changes)


def with_curvature(p: Params, curvature: float | None) -> Params:
    """The run's constants with RT lines bent by ``curvature`` (unchanged when None)."""
    return p if curvature is None else replace(p, rt_curvature=float(curvature))
