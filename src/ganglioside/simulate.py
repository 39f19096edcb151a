"""Synthetic ganglioside feature tables with known truth, for tests and benchmarks.

A simulated table looks like an exported reversed-phase LC-MS/MS run (columns ``Name, RT,
Volume, Log P, Anchor``) and comes with the truth of every row: a real species (``valid``), a
misannotation whose retention time does not fit its name (``outlier``) or an in-source fragment
of a larger species (``fragment``, with the row of its root parent).

The generative model follows the numbers measured on the sample run (see the design notes):

* Log P is a linear function of the composition of the annotated name (ceramide carbons,
  double bonds, oxygens, NeuAc, Hex, HexNAc, dHex, OAc) plus a small per-name deviation, rounded
  to two decimals, constant per name.
* RT = slope_g * Log P + intercept_g + isomer track offset + peak noise.  The slope is nearly
  common (about 1.36 min per Log P unit, a little different per group, pivoting at the group's
  typical Log P); the intercept is additive in the composition (NeuAc, Hex, HexNAc, dHex, OAc)
  plus a small deviation per group.
* Series-1 gangliosides with two or more sialic acids (GD1, GT1, GQ1) come as two positional
  isomers (a/b), about 0.45 min apart, for a fraction of their names.
* Anchors (lab-confirmed standards) are concentrated in a few common groups.
* In-source fragments lose terminal residues (NeuAc, Gal, GalNAc, sugar modifications, acetate)
  and co-elute with their parent within 0.01 min, at 0.5-30 % of its volume.
* Misannotations are real peaks with the name of a neighbouring species, or a peak at the wrong
  RT; one is only kept when its RT is clearly away from where its name elutes.

Every knob left as ``None`` is drawn per seed within a realistic range, so that many seeds cover
many situations and nothing can be tuned to one file.  The same seed always gives the same
table.  Everything is vectorised: a million rows take a few seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "LABELS",
    "TABLE_COLUMNS",
    "TRUTH_COLUMNS",
    "SimulatedTable",
    "simulate",
]

#: Columns of :attr:`SimulatedTable.table`, in order.
TABLE_COLUMNS = ("Name", "RT", "Volume", "Log P", "Anchor")
#: Columns of :attr:`SimulatedTable.truth`, in order.  The first three are the truth proper;
#: the others explain it (for failure analysis).
TRUTH_COLUMNS = (
    "row",
    "label",
    "parent_row",
    "kind",
    "species",
    "track",
    "expected_rt",
    "lost",
)
#: Truth labels.
LABELS = ("valid", "outlier", "fragment")

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

# Cores allowed (sialic acids n, series f) -> name.  Series f carries 5 - f neutral core sugars.
_CORES: dict[tuple[int, int], str] = {
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
# Relative frequency of each core among species, read off the sample run (GD, GM, GT common).
_CORE_WEIGHTS: dict[str, float] = {
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
_MOD_SETS: tuple[tuple[tuple[int, int, int, int, int], float], ...] = (
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
_CARBON_WEIGHTS: dict[int, float] = {
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
_DB_WEIGHTS: dict[int, float] = {0: 34, 1: 221, 2: 61, 3: 7}

# Composition fields carried for every peak.  ``n`` counts core NeuAc, ``f`` is the series,
# the rest count modifications.
_COMP = ("n", "f", "oac", "dhex", "hex", "hexnac", "neugc")
_COMP_BASE = (6, 5, 4, 3, 3, 3, 2)  # mixed-radix sizes used to encode a composition as one int

# Losses in the ion source: name, weight.  Applicability is decided per peak in _apply_loss.
_LOSSES: tuple[tuple[str, float], ...] = (
    ("-NeuAc", 0.45),
    ("-2NeuAc", 0.12),
    ("-Gal", 0.08),
    ("-Gal-GalNAc", 0.10),
    ("-GalNAc", 0.04),
    ("-dHex", 0.08),
    ("-HexNAc", 0.08),
    ("-Hex", 0.04),
    ("-NeuGc", 0.05),
    ("-OAc", 0.08),
)


@dataclass(frozen=True)
class SimulatedTable:
    """A synthetic feature table and its truth.

    Attributes
    ----------
    table:
        Columns exactly ``Name, RT, Volume, Log P, Anchor`` (Anchor ``"T"``/``"F"``, Log P
        ``NaN`` where blanked), one row per peak, in a shuffled order.
    truth:
        One row per table row: ``row`` (1-based data row number), ``label`` (valid, outlier or
        fragment), ``parent_row`` (for fragments, the row of the root parent: the real species
        the fragment came from; ``<NA>`` otherwise), then explanations: ``kind`` (species,
        coeluting, wrong_name, rt_shift, fragment; ``coeluting`` is a real species within 0.02
        min of a larger one of the same ceramide), ``species`` (the real compound behind the
        peak), ``track`` (early/late for isomer-capable real peaks), ``expected_rt`` (noise-free
        RT of the annotated name: on its own track for a real species, on the nearest track
        otherwise) and ``lost`` (residues a fragment lost from its root).
    params:
        Every constant used for this table (knobs and per-seed chemistry), JSON-ready.
    """

    table: pd.DataFrame
    truth: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def write(self, path: str | Path) -> tuple[Path, Path]:
        """Write the table as CSV at ``path`` and the truth next to it as ``<stem>.truth.csv``.

        Returns
        -------
        (table_path, truth_path)
        """
        path = Path(path)
        truth_path = path.with_name(f"{path.stem}.truth.csv")
        self.table.to_csv(path, index=False)
        self.truth.to_csv(truth_path, index=False)
        return path, truth_path


# ----------------------------------------------------------------------------------------------
# Per-seed constants


@dataclass(frozen=True)
class _Params:
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
    logp_coef: dict[str, float]
    rt_coef: dict[str, float]
    core_weights: dict[str, float]
    mod_weights: tuple[float, ...]
    carbon_weights: dict[int, float]
    db_weights: dict[int, float]

    def to_dict(self) -> dict[str, Any]:
        d = self.__dict__.copy()
        d["mod_weights"] = list(self.mod_weights)
        d["carbon_weights"] = {str(k): v for k, v in self.carbon_weights.items()}
        d["db_weights"] = {str(k): v for k, v in self.db_weights.items()}
        return d


def _check_rate(name: str, value: float | None, high: float = 1.0) -> None:
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < high:
        raise ValueError(f"{name} must be a number in [0, {high}), got {value!r}")


def _draw_params(seed: int, knobs: Mapping[str, float | int | None]) -> _Params:
    """Draw every per-seed constant; a knob given by the caller replaces its draw.

    All draws happen whatever the knobs, so fixing one knob does not shift the others.
    """
    rng = np.random.default_rng([seed, 0])

    def jitter(base: Mapping[Any, float], sd: float) -> dict[Any, float]:
        out = {k: float(v) * float(np.exp(rng.normal(0.0, sd))) for k, v in base.items()}
        total = sum(out.values())
        return {k: v / total for k, v in out.items()}

    drawn: dict[str, float | int] = {
        "n_species": round(float(np.exp(rng.uniform(np.log(150), np.log(1200))))),
        "anchor_rate": float(rng.uniform(0.08, 0.25)),
        "noise_sd": float(rng.uniform(0.02, 0.10)),
        "outlier_rate": float(rng.uniform(0.02, 0.10)),
        "fragment_rate": float(rng.uniform(0.05, 0.40)),
        "isomer_rate": float(rng.uniform(0.30, 0.80)),
    }
    slope = float(rng.uniform(1.32, 1.40))
    logp_coef = {
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
    oac_shift = float(rng.uniform(0.03, 0.15))
    neuac = float(rng.uniform(2.78, 3.05))
    hex_ = float(rng.normal(2.25, 0.05))
    rt_coef = {
        "neuac": neuac,
        "hex": hex_,
        "hexnac": float(rng.uniform(2.15, 2.50)),
        "dhex": float(rng.normal(1.60, 0.05)),
        # An O-acetyl group raises Log P by ~0.54, which alone would move the peak by
        # ~0.73 min; the observed net shift is small (+0.03..0.15 min), so the intercept
        # drops by the difference.
        "oac": oac_shift - slope * logp_coef["oac"],
        "neugc": neuac + float(rng.uniform(0.0, 0.3)),
        # GM3 (1 NeuAc, 2 Hex) has a pooled intercept of about -0.14 min.
        "const": -0.14 + float(rng.normal(0, 0.15)) - neuac - 2 * hex_,
    }
    rest = {
        "early_single_rate": float(rng.uniform(0.5, 0.8)),
        "track_offset": float(rng.uniform(0.40, 0.50)),
        "rt_shift_share": float(rng.uniform(0.2, 0.6)),
        "noncanonical_rate": float(rng.uniform(0.0, 0.3)),
        "volume_log10_mean": float(rng.uniform(4.6, 5.3)),
        "volume_log10_sd": float(rng.uniform(0.6, 0.85)),
        "o3_rate": float(rng.uniform(0.01, 0.04)),
    }
    core_weights = jitter(_CORE_WEIGHTS, 0.3)
    mod_weights = tuple(jitter(dict(enumerate(w for _, w in _MOD_SETS)), 0.3).values())
    carbon_weights = jitter(_CARBON_WEIGHTS, 0.25)
    db_weights = jitter(_DB_WEIGHTS, 0.25)

    for key, value in knobs.items():
        if value is not None:
            drawn[key] = value
    return _Params(
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


# ----------------------------------------------------------------------------------------------
# Deterministic per-key noise: the same name (or group) always gets the same deviation within a
# seed, wherever it appears (species, fragment or misannotation).

_M64 = (1 << 64) - 1


def _hash_uniform(seed: int, keys: np.ndarray, stream: int) -> np.ndarray:
    """Uniform (0, 1) numbers, a pure function of (seed, key, stream) (splitmix64 finaliser)."""
    salt = np.uint64((seed * 0x9E3779B97F4A7C15 + stream * 0xD1B54A32D192ED03) & _M64)
    with np.errstate(over="ignore"):
        x = np.asarray(keys, dtype=np.int64).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x = x ^ salt
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def _hash_normal(seed: int, keys: np.ndarray, stream: int) -> np.ndarray:
    """Standard normal numbers, a pure function of (seed, key, stream) (Box-Muller)."""
    u1 = _hash_uniform(seed, keys, 2 * stream)
    u2 = _hash_uniform(seed, keys, 2 * stream + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


# ----------------------------------------------------------------------------------------------
# Composition helpers.  A composition is a dict of equal-length int arrays (fields _COMP).

Comp = dict[str, np.ndarray]


def _encode(c: Comp) -> np.ndarray:
    key = np.zeros(len(c["n"]), dtype=np.int64)
    for name, base in zip(reversed(_COMP), reversed(_COMP_BASE), strict=True):
        key = key * base + c[name].astype(np.int64)
    return key


def _decode(key: np.ndarray) -> Comp:
    key = np.asarray(key, dtype=np.int64).copy()
    out: Comp = {}
    for name, base in zip(_COMP, _COMP_BASE, strict=True):
        out[name] = key % base
        key //= base
    return out


def _take(c: Comp, idx: np.ndarray) -> Comp:
    return {k: v[idx] for k, v in c.items()}


def _concat(*comps: Comp) -> Comp:
    return {k: np.concatenate([c[k] for c in comps]) for k in _COMP}


def _core_hex(f: np.ndarray) -> np.ndarray:
    # Neutral core chain 5 - f sugars: f=1 Gal-GalNAc-Gal-Glc (3 Hex), f=2 GalNAc-Gal-Glc
    # (2 Hex), f=3 Gal-Glc (2 Hex), f=4 Gal (1 Hex).
    return np.select([f == 1, f == 2, f == 3], [3, 2, 2], 1)


def _core_hexnac(f: np.ndarray) -> np.ndarray:
    return (f <= 2).astype(np.int64)


def _totals(c: Comp) -> dict[str, np.ndarray]:
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


_CORE_OK = np.zeros((6, 5), dtype=bool)
for _n, _f in _CORES:
    _CORE_OK[_n, _f] = True


def _valid_comp(c: Comp) -> np.ndarray:
    """Compositions that can be written as a plausible name."""
    n, f = c["n"], c["f"]
    in_range = (n >= 0) & (n <= 5) & (f >= 1) & (f <= 4)
    core_ok = np.zeros(len(n), dtype=bool)
    core_ok[in_range] = _CORE_OK[n[in_range], f[in_range]]
    sugar_mods = c["dhex"] + c["hex"] + c["hexnac"]
    counts_ok = np.all([c[k] >= 0 for k in ("oac", "dhex", "hex", "hexnac", "neugc")], axis=0)
    return (
        core_ok
        & counts_ok
        & (c["oac"] <= np.minimum(n, 2))
        & ((sugar_mods == 0) | (f == 1))
        & (c["dhex"] <= 1)
        & (c["hex"] <= 1)
        & (c["hexnac"] <= 1)
        & (c["neugc"] <= 1)
        & ((c["neugc"] == 0) | (n >= 1))
    )


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


def _fragment_like_pairs(
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


def _cer_key(carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray) -> np.ndarray:
    return carbons.astype(np.int64) * 100 + db.astype(np.int64) * 10 + oxy.astype(np.int64)


# ----------------------------------------------------------------------------------------------
# Chemistry: Log P of a name, and where a name elutes


def _plus_residues(start: Any, k: dict[str, float], c: Comp) -> np.ndarray:
    """``start`` plus each residue count times its coefficient in ``k`` (Log P or RT terms),
    added one after another."""
    t = _totals(c)
    return (
        start
        + k["neuac"] * c["n"]
        + k["neugc"] * c["neugc"]
        + k["hex"] * t["hex"]
        + k["hexnac"] * t["hexnac"]
        + k["dhex"] * t["dhex"]
        + k["oac"] * t["oac"]
    )


def _logp_clean(
    p: _Params, c: Comp, carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray
) -> np.ndarray:
    k = p.logp_coef
    ceramide = k["const"] + k["carbon"] * carbons + k["db"] * db + k["oxygen"] * (oxy - 2)
    return _plus_residues(ceramide, k, c)


def _logp(p: _Params, c: Comp, carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray) -> np.ndarray:
    """Log P as exported: linear in composition, a fixed deviation per name, 2 decimals."""
    name_key = _encode(c) * 10_000 + _cer_key(carbons, db, oxy)
    uniq, inverse = np.unique(name_key, return_inverse=True)
    noise = p.logp_noise_sd * _hash_normal(p.seed, uniq, stream=1)[inverse.ravel()]
    return np.round(_logp_clean(p, c, carbons, db, oxy) + noise, 2)


def _group_line(p: _Params, gkey: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intercept, slope and pivot Log P of each group (computed once per distinct group)."""
    uniq, inverse = np.unique(gkey, return_inverse=True)
    c = _decode(uniq)
    intercept = _plus_residues(p.rt_coef["const"], p.rt_coef, c) + p.intercept_sd * _hash_normal(
        p.seed, uniq, stream=2
    )
    slope = np.clip(p.slope + p.slope_sd * _hash_normal(p.seed, uniq, stream=3), 1.28, 1.42)
    # Each group's own slope pivots around the group's typical Log P (its 36:1;O2 species), so
    # groups agree near their centre and drift apart only at the ends of their range.
    m = len(uniq)
    pivot = _logp_clean(
        p, c, np.full(m, 36), np.ones(m, dtype=np.int64), np.full(m, 2, dtype=np.int64)
    )
    inverse = inverse.ravel()
    return intercept[inverse], slope[inverse], pivot[inverse]


def _expected_rt(p: _Params, c: Comp, logp: np.ndarray, track: np.ndarray) -> np.ndarray:
    """Noise-free RT of a name with Log P ``logp`` on isomer track ``track`` (0 early, 1 late)."""
    intercept, slope_g, pivot = _group_line(p, _encode(c))
    return intercept + p.slope * pivot + slope_g * (logp - pivot) + p.track_offset * track


def _isomer_capable(c: Comp) -> np.ndarray:
    # a/b positional isomers of the series-1 di-, tri- and tetrasialo species.
    return (c["f"] == 1) & (c["n"] >= 2) & (c["n"] <= 4)


def _nearest_expected(p: _Params, c: Comp, logp: np.ndarray, rt: np.ndarray) -> np.ndarray:
    """Expected RT of each name on the track nearest to ``rt``."""
    early = _expected_rt(p, c, logp, np.zeros(len(rt)))
    late = early + p.track_offset
    use_late = _isomer_capable(c) & (np.abs(rt - late) < np.abs(rt - early))
    return np.where(use_late, late, early)


# ----------------------------------------------------------------------------------------------
# Species


def _universe(p: _Params) -> tuple[Comp, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (group, ceramide) species with its sampling weight."""
    groups: list[tuple[int, ...]] = []
    gweights: list[float] = []
    for (n, f), core in _CORES.items():
        for (oac, dhex, hex_, hexnac, neugc), mw in zip(
            (m for m, _ in _MOD_SETS), p.mod_weights, strict=True
        ):
            groups.append((n, f, oac, dhex, hex_, hexnac, neugc))
            gweights.append(p.core_weights[core] * mw)
    gc = {k: np.array([g[i] for g in groups], dtype=np.int64) for i, k in enumerate(_COMP)}
    ok = _valid_comp(gc)
    gc = _take(gc, np.flatnonzero(ok))
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
    comp = _take(gc, g_idx)
    return comp, cc.ravel()[c_idx], dd.ravel()[c_idx], oo.ravel()[c_idx], weights / weights.sum()


def _distinct_capacity(p: _Params) -> int:
    """How many species can be drawn with distinct names (beyond that, names repeat)."""
    return len(_universe(p)[4]) // 2


def _draw_species(
    p: _Params, rng: np.random.Generator, n: int
) -> tuple[Comp, np.ndarray, np.ndarray, np.ndarray]:
    comp, carbons, db, oxy, w = _universe(p)
    if n <= len(w) // 2:
        # Weighted sampling without replacement (Gumbel top-k): distinct names, as in a run.
        score = np.log(w) + rng.gumbel(size=len(w))
        idx = np.argpartition(-score, n - 1)[:n]
    else:
        # More species than distinct names make sense: names must repeat.
        idx = rng.choice(len(w), size=n, p=w)
    idx = np.sort(idx)
    return _take(comp, idx), carbons[idx], db[idx], oxy[idx]


# ----------------------------------------------------------------------------------------------
# Fragments


def _apply_loss(c: Comp, rng: np.random.Generator) -> tuple[Comp, np.ndarray, np.ndarray]:
    """One in-source loss per composition, drawn among those that apply.

    Returns the new compositions, the loss index (into _LOSSES) and a mask of rows where some
    loss applied.
    """
    n, f = c["n"], c["f"]
    m = len(n)

    def core_ok(nn: np.ndarray, ff: np.ndarray) -> np.ndarray:
        ok = (nn >= 0) & (nn <= 5) & (ff >= 1) & (ff <= 4)
        out = np.zeros(m, dtype=bool)
        out[ok] = _CORE_OK[nn[ok], ff[ok]]
        return out

    applies = np.column_stack(
        [
            (n >= 1) & core_ok(n - 1, f) & ~((n == 1) & (c["neugc"] > 0)),
            (n >= 2) & core_ok(n - 2, f) & ~((n == 2) & (c["neugc"] > 0)),
            (f == 1) & core_ok(n, f + 1),
            (f == 1) & core_ok(n, f + 2),
            (f == 2) & core_ok(n, f + 1),
            c["dhex"] >= 1,
            c["hexnac"] >= 1,
            c["hex"] >= 1,
            c["neugc"] >= 1,
            c["oac"] >= 1,
        ]
    )
    logw = np.log(np.array([w for _, w in _LOSSES]))
    score = np.where(applies, logw[None, :] + rng.gumbel(size=applies.shape), -np.inf)
    loss = np.argmax(score, axis=1)
    ok = np.asarray(applies.any(axis=1), dtype=bool)

    out = {k: v.copy() for k, v in c.items()}
    lose_neuac = np.select([loss == 0, loss == 1], [1, 2], 0)
    out["n"] = n - lose_neuac
    out["f"] = np.select([loss == 2, loss == 3, loss == 4], [f + 1, f + 2, f + 1], f)
    # Losing the terminal Gal takes the sugars attached to it; acetates need a sialic acid.
    chain_cut = (loss == 2) | (loss == 3)
    for k in ("dhex", "hex", "hexnac"):
        out[k] = np.where(chain_cut, 0, out[k])
    out["dhex"] = out["dhex"] - (loss == 5)
    out["hexnac"] = out["hexnac"] - (loss == 6)
    out["hex"] = out["hex"] - (loss == 7)
    out["neugc"] = out["neugc"] - (loss == 8)
    out["oac"] = np.minimum(out["oac"] - (loss == 9), np.minimum(out["n"], 2))
    return out, loss, ok


def _lost_text(root: Comp, frag: Comp) -> np.ndarray:
    """Residues lost from root to fragment, e.g. '-NeuAc', '-Hex-HexNAc', '-OAc'."""
    tr, tf = _totals(root), _totals(frag)
    core_hex = (tr["hex"] - root["hex"]) - (tf["hex"] - frag["hex"])
    core_hexnac = (tr["hexnac"] - root["hexnac"]) - (tf["hexnac"] - frag["hexnac"])
    merged = {
        "NeuAc": root["n"] - frag["n"],
        "Gal": core_hex,
        "GalNAc": core_hexnac,
        "Hex": root["hex"] - frag["hex"],
        "HexNAc": root["hexnac"] - frag["hexnac"],
        "dHex": root["dhex"] - frag["dhex"],
        "NeuGc": root["neugc"] - frag["neugc"],
        "OAc": root["oac"] - frag["oac"],
    }
    text = np.full(len(root["n"]), "", dtype=object)
    for label, count in merged.items():
        one = count == 1
        many = count > 1
        text[one] = text[one] + f"-{label}"
        text[many] = text[many] + np.char.add(
            np.char.add("-", count[many].astype(str)), label
        ).astype(object)
    return text


# ----------------------------------------------------------------------------------------------
# Names


def _mod_tokens(c: Comp, i: int) -> list[str]:
    tokens = []
    for field_name, code in (
        ("dhex", "dHex"),
        ("hex", "Hex"),
        ("hexnac", "HexNAc"),
        ("neugc", "NeuGc"),
        ("oac", "OAc"),
    ):
        count = int(c[field_name][i])
        if count == 1:
            tokens.append(code)
        elif count > 1:
            tokens.append(f"{count}{code}")
    return tokens


def _names(
    c: Comp, carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray, reverse: np.ndarray
) -> np.ndarray:
    """Names for every row; ``reverse`` writes stacked modifications in reversed order."""
    gkey = _encode(c)
    key = (gkey * 10_000 + _cer_key(carbons, db, oxy)) * 2 + reverse.astype(np.int64)
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    text = np.empty(len(uniq), dtype=object)
    for u, i in enumerate(first):
        tokens = _mod_tokens(c, int(i))
        if reverse[i]:
            tokens.reverse()
        core = _CORES[(int(c["n"][i]), int(c["f"][i]))]
        mods = "".join(f"+{t}" for t in tokens)
        text[u] = f"{core}{mods}({int(carbons[i])}:{int(db[i])};O{int(oxy[i])})"
    return text[inverse.ravel()]


def _canonical_names(c: Comp, carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray) -> np.ndarray:
    return _names(c, carbons, db, oxy, np.zeros(len(carbons), dtype=bool))


# ----------------------------------------------------------------------------------------------
# The simulator


@dataclass
class _Peaks:
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

    def take(self, idx: np.ndarray) -> _Peaks:
        return _Peaks(
            _take(self.comp, idx),
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


def _volumes(p: _Params, rng: np.random.Generator, n: int) -> np.ndarray:
    # Log-normal over 3-4 decades, as in the sample (1e3.9 to 1e7.8).
    log10 = np.clip(rng.normal(p.volume_log10_mean, p.volume_log10_sd, n), 3.4, 8.0)
    return np.round(10.0**log10)


def _valid_peaks(p: _Params, rng: np.random.Generator, n_species: int, clear: bool) -> _Peaks:
    comp, carbons, db, oxy = _draw_species(p, rng, n_species)
    n = len(carbons)
    capable = _isomer_capable(comp)
    paired = capable & (rng.random(n) < p.isomer_rate)
    reps = np.where(paired, 2, 1)
    idx = np.repeat(np.arange(n), reps)
    first = np.r_[True, idx[1:] != idx[:-1]]
    single_track = np.where(rng.random(n) < p.early_single_rate, 0, 1)
    track = np.where(paired[idx], np.where(first, 0, 1), single_track[idx])
    track = np.where(capable[idx], track, -1)
    pc = _take(comp, idx)
    logp = _logp(p, pc, carbons[idx], db[idx], oxy[idx])
    m = len(idx)
    rt = _expected_rt(p, pc, logp, np.maximum(track, 0)) + rng.normal(0, p.noise_sd, m)
    peaks = _Peaks(pc, carbons[idx], db[idx], oxy[idx], logp, rt, _volumes(p, rng, m), track, idx)

    # Real species can sit within the fragment window of a larger one by chance.  That is kept
    # when the smaller-sugar peak is too abundant to be a fragment (in-source fragments carry
    # at most 30 % of their parent's volume); otherwise the truth would not be decidable, so
    # its noise is redrawn (a few times) and then the peak dropped.
    cer = _cer_key(peaks.carbons, peaks.db, peaks.oxy)
    tot = _totals(peaks.comp)
    expected = peaks.rt.copy()
    keep = np.ones(m, dtype=bool)
    for attempt in range(4 if clear else 0):
        live = np.flatnonzero(keep)
        sub, sup = _fragment_like_pairs(
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
            expected[bad] = _expected_rt(
                p, _take(peaks.comp, bad), peaks.logp[bad], np.maximum(peaks.track[bad], 0)
            )
            peaks.rt[bad] = expected[bad] + rng.normal(0, p.noise_sd, len(bad))

    # A species is only kept when all its peaks elute within the run.
    outside = (peaks.rt < RT_MIN) | (peaks.rt > RT_MAX)
    bad_species = np.unique(peaks.species[outside])
    keep &= ~np.isin(peaks.species, bad_species)
    return peaks.take(np.flatnonzero(keep))


def _fragments(p: _Params, rng: np.random.Generator, valid: _Peaks) -> _Peaks:
    """In-source fragments of the larger species; ``species`` holds the root peak index."""
    c = valid.comp
    eligible = (c["n"] >= 2) | ((c["oac"] + c["dhex"] + c["hex"] + c["hexnac"] + c["neugc"]) > 0)
    parents = np.flatnonzero(eligible & (rng.random(len(valid)) < p.fragment_rate))
    k = rng.choice([1, 2, 3], size=len(parents), p=[0.55, 0.30, 0.15])

    roots: list[np.ndarray] = []
    comps: list[Comp] = []
    # Level 1 from the parent; levels 2 and 3 from the parent or from an earlier fragment
    # (fragments of fragments: they still belong to the root parent).
    prev: list[Comp] = []
    for level in range(3):
        has = k > level
        r = parents[has]
        src = _take(c, r)
        if level > 0 and len(r):
            choice = rng.integers(0, level + 1, size=len(r))  # 0 parent, j fragment j
            for j in range(1, level + 1):
                sel = choice == j
                earlier = _take(prev[j - 1], np.flatnonzero(k[k > j - 1] > level))
                for key in _COMP:
                    src[key] = np.where(sel, earlier[key], src[key])
        new, _, ok = _apply_loss(src, rng)
        bad = ~ok
        for key in _COMP:
            new[key] = np.where(bad, -99, new[key])
        prev.append(new)
        roots.append(r)
        comps.append(new)
    root = np.concatenate(roots) if roots else np.empty(0, np.int64)
    fc = _concat(*comps) if comps else {k2: np.empty(0, np.int64) for k2 in _COMP}
    ok = fc["n"] >= 0
    root, fc = root[ok], _take(fc, np.flatnonzero(ok))
    # One peak per fragment composition and root.
    _, first = np.unique(root * 100_000 + _encode(fc), return_index=True)
    first = np.sort(first)
    root, fc = root[first], _take(fc, first)

    m = len(root)
    carbons, db, oxy = valid.carbons[root], valid.db[root], valid.oxy[root]
    rt = valid.rt[root] + rng.uniform(-FRAGMENT_DRT, FRAGMENT_DRT, m)
    ratio = 10.0 ** rng.uniform(np.log10(0.005), np.log10(0.30), m)
    volume = np.maximum(np.round(valid.volume[root] * ratio), 1.0)
    logp = _logp(p, fc, carbons, db, oxy)
    return _Peaks(fc, carbons, db, oxy, logp, rt, volume, np.full(m, -1), root)


def _drop_ambiguous_fragments(valid: _Peaks, frags: _Peaks) -> _Peaks:
    """Drop fragments whose parent would be ambiguous or that sit on a same-name peak."""
    nv = len(valid)
    comp = _concat(valid.comp, frags.comp)
    cer = np.concatenate(
        [_cer_key(valid.carbons, valid.db, valid.oxy), _cer_key(frags.carbons, frags.db, frags.oxy)]
    )
    rt = np.concatenate([valid.rt, frags.rt])
    root = np.concatenate([np.arange(nv), frags.species])
    tot = _totals(comp)
    sub, sup = _fragment_like_pairs(cer, rt, tot, CLEAR_WINDOW - 0.01)
    bad = sub[(sub >= nv) & (root[sub] != root[sup])]
    # Same name (same composition and ceramide) as another peak of another lineage, close by:
    # in a real run the two would merge into one peak.
    key = _encode(comp) * 10_000 + cer
    order = np.lexsort((rt, key))
    ks, rs = key[order], rt[order]
    close = (ks[1:] == ks[:-1]) & (rs[1:] - rs[:-1] <= CLEAR_WINDOW - 0.01)
    a, b = order[:-1][close], order[1:][close]
    diff_root = root[a] != root[b]
    same = np.concatenate([a[diff_root], b[diff_root]])
    bad = np.unique(np.concatenate([bad, same[same >= nv]]))
    keep = np.setdiff1d(np.arange(len(frags)), bad - nv)
    return frags.take(keep)


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
        _valid_comp(out)
        & (new_carbons >= min(_CARBON_WEIGHTS))
        & (new_carbons <= max(_CARBON_WEIGHTS))
        & (new_db >= 0)
        & (new_db <= max(_DB_WEIGHTS))
    )
    changed = (_encode(out) != _encode(c)) | (new_carbons != carbons) | (new_db != db)
    return out, new_carbons, new_db, usable & changed


def _concat_peaks(parts: list[_Peaks]) -> _Peaks:
    return _Peaks(
        _concat(*(a.comp for a in parts)),
        *(
            np.concatenate([getattr(a, name) for a in parts])
            for name in ("carbons", "db", "oxy", "logp", "rt", "volume", "track", "species")
        ),
    )


def _outliers(
    p: _Params, rng: np.random.Generator, n_out: int, existing: _Peaks, clear: bool
) -> tuple[_Peaks, np.ndarray, np.ndarray]:
    """``n_out`` misannotated peaks, each clearly off its name and clear of fragment patterns.

    Returns the peaks (with their annotated names), their kind (0 wrong name, 1 shifted RT)
    and the canonical name of the real species behind each peak.
    """
    comp_u, carb_u, db_u, oxy_u, w = _universe(p)
    gap = max(OUTLIER_MIN_SHIFT, OUTLIER_MIN_SD * p.noise_sd)
    accepted: list[_Peaks] = [existing.take(np.empty(0, np.int64))]
    kinds: list[np.ndarray] = [np.empty(0, np.int64)]
    true_names: list[np.ndarray] = [np.empty(0, dtype=object)]
    n_have = 0
    for _ in range(100):
        if n_have >= n_out:
            break
        batch = max(3 * (n_out - n_have), 20)
        idx = rng.choice(len(w), size=batch, p=w)
        tc, tcarb, tdb, toxy = _take(comp_u, idx), carb_u[idx], db_u[idx], oxy_u[idx]
        track = np.where(_isomer_capable(tc) & (rng.random(batch) < 0.5), 1, 0)
        tlogp = _logp(p, tc, tcarb, tdb, toxy)
        true_rt = _expected_rt(p, tc, tlogp, track) + rng.normal(0, p.noise_sd, batch)

        # Either the peak is real and carries a neighbour's name, or the name is right and the
        # peak was picked at the wrong place.
        shifted = rng.random(batch) < p.rt_shift_share
        ac, acarb, adb, usable = _perturb_name(rng, tc, tcarb, tdb)
        usable = np.where(shifted, True, usable)
        use_true = shifted | ~usable
        ac = {k: np.where(use_true, tc[k], ac[k]) for k in _COMP}
        acarb = np.where(use_true, tcarb, acarb)
        adb = np.where(use_true, tdb, adb)
        direction = np.where(rng.random(batch) < 0.5, -1.0, 1.0)
        magnitude = rng.uniform(gap, max(3.5, gap + 1.0), batch)
        rt = np.where(shifted, true_rt + direction * magnitude, true_rt)

        alogp = _logp(p, ac, acarb, adb, toxy)
        early = _expected_rt(p, ac, alogp, np.zeros(batch))
        dist = np.abs(rt - early)
        dist = np.where(
            _isomer_capable(ac), np.minimum(dist, np.abs(rt - early - p.track_offset)), dist
        )
        ok = usable & (dist >= gap) & (rt >= RT_MIN) & (rt <= RT_MAX)
        sel = np.flatnonzero(ok)
        cand = _Peaks(
            _take(ac, sel),
            acarb[sel],
            adb[sel],
            toxy[sel],
            alogp[sel],
            rt[sel],
            _volumes(p, rng, len(sel)),
            np.full(len(sel), -1),
            np.full(len(sel), -1),
        )

        # Clear of fragment patterns with every peak so far, in both directions, so that a
        # misannotation never looks like a fragment nor makes a real peak look like one.
        involved = np.empty(0, np.int64)
        if clear:
            allp = _concat_peaks([existing, *accepted, cand])
            n_prior = len(allp) - len(cand)
            sub, sup = _fragment_like_pairs(
                _cer_key(allp.carbons, allp.db, allp.oxy),
                allp.rt,
                _totals(allp.comp),
                CLEAR_WINDOW,
            )
            involved = np.unique(np.concatenate([sub, sup]))
            involved = involved[involved >= n_prior] - n_prior
        good = np.setdiff1d(np.arange(len(cand)), involved)[: n_out - n_have]
        accepted.append(cand.take(good))
        kinds.append(shifted[sel][good].astype(np.int64))
        true_names.append(
            _canonical_names(
                _take(tc, sel[good]), tcarb[sel][good], tdb[sel][good], toxy[sel][good]
            )
        )
        n_have += len(good)
    if n_have < n_out:
        raise RuntimeError(f"could only place {n_have} of {n_out} misannotations")
    return _concat_peaks(accepted), np.concatenate(kinds), np.concatenate(true_names)


def _choose_anchors(p: _Params, rng: np.random.Generator, valid: _Peaks) -> np.ndarray:
    """Anchor mask over valid peaks: concentrated in a main group and a few others.

    Anchors are chosen per species (both isomer peaks together), preferring abundant ones, as
    a lab confirms its best standards.
    """
    m = len(valid)
    anchors = np.zeros(m, dtype=bool)
    target = round(p.anchor_rate * m)
    if target == 0 or m == 0:
        return anchors
    gkey = _encode(valid.comp)
    groups, sizes = np.unique(gkey, return_counts=True)
    order = np.argsort(-sizes, kind="stable")
    groups, sizes = groups[order], sizes[order]
    # The main group is usually the largest (GD1 in the sample holds 23 of 49 anchors).
    main = int(
        rng.choice(
            min(3, len(groups)),
            p=[0.7, 0.2, 0.1][: min(3, len(groups))]
            / np.sum([0.7, 0.2, 0.1][: min(3, len(groups))]),
        )
    )
    others = np.setdiff1d(np.arange(len(groups)), [main])
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

    score = np.log(valid.volume) / np.log(10) * 0.7 + rng.gumbel(size=m)
    for g, q in quota.items():
        if q <= 0:
            continue
        members = np.flatnonzero(gkey == groups[g])
        # Rank species by their best peak and take whole species until the quota is met.
        sp = valid.species[members]
        uniq_sp, inv = np.unique(sp, return_inverse=True)
        best = np.full(len(uniq_sp), -np.inf)
        np.maximum.at(best, inv, score[members])
        counts = np.bincount(inv, minlength=len(uniq_sp))
        ranked = np.argsort(-best, kind="stable")
        take = ranked[np.cumsum(counts[ranked]) <= q]
        anchors[members[np.isin(inv, take)]] = True
    return anchors


def simulate(
    seed: int,
    n_species: int | None = None,
    *,
    n_rows: int | None = None,
    anchor_rate: float | None = None,
    noise_sd: float | None = None,
    outlier_rate: float | None = None,
    fragment_rate: float | None = None,
    isomer_rate: float | None = None,
    missing_logp_rate: float = 0.0,
) -> SimulatedTable:
    """Simulate a ganglioside feature table with known truth.

    Parameters
    ----------
    seed:
        Seed (an integer ≥ 0).  The same arguments always give the same table.
    n_species:
        Number of real species drawn (before isomer peaks, fragments and misannotations; a few
        are dropped when they would elute outside 2-25 min).  Default: drawn per seed,
        150-1200.
    n_rows:
        Exact number of rows wanted (overrides ``n_species``).
    anchor_rate:
        Fraction of real-species peaks marked as anchors.  Default: per seed, 0.08-0.25.
    noise_sd:
        SD (min) of a peak's RT around its line.  Default: per seed, 0.02-0.10.
    outlier_rate:
        Fraction of rows that are misannotations.  Default: per seed, 0.02-0.10.
    fragment_rate:
        Fraction of the larger species peaks (two or more sialic acids, or a modification)
        that produce 1-3 in-source fragments.  Default: per seed, 0.05-0.40.
    isomer_rate:
        Fraction of GD1/GT1/GQ1 names (with or without modifications) that appear as two
        isomer peaks.  Default: per seed, 0.3-0.8.
    missing_logp_rate:
        Fraction of rows whose Log P is left blank.

    Returns
    -------
    SimulatedTable
        The table, its truth and the constants used.

    Raises
    ------
    ValueError
        When a knob is out of range.
    """
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be an integer ≥ 0, got {seed!r}")
    seed = int(seed)
    for name, value in (("n_species", n_species), ("n_rows", n_rows)):
        if value is not None and (
            not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1
        ):
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}")
    _check_rate("anchor_rate", anchor_rate, 1.0)
    _check_rate("outlier_rate", outlier_rate, 0.9)
    _check_rate("fragment_rate", fragment_rate, 1.000001)
    _check_rate("isomer_rate", isomer_rate, 1.000001)
    _check_rate("missing_logp_rate", missing_logp_rate, 1.000001)
    if noise_sd is not None and (
        not isinstance(noise_sd, int | float) or isinstance(noise_sd, bool) or not noise_sd >= 0
    ):
        raise ValueError(f"noise_sd must be a number ≥ 0 (min), got {noise_sd!r}")
    knobs = {
        "n_species": n_species,
        "anchor_rate": anchor_rate,
        "noise_sd": noise_sd,
        "outlier_rate": outlier_rate,
        "fragment_rate": fragment_rate,
        "isomer_rate": isomer_rate,
        "missing_logp_rate": missing_logp_rate,
    }
    p = _draw_params(seed, knobs)

    # A species gives at least one row, usually more (isomers, fragments): start a little low.
    n_sp = p.n_species if n_rows is None else max(1, round(n_rows * 0.9))
    capacity = _distinct_capacity(p)
    for attempt in range(12):
        rng = np.random.default_rng([seed, 1, attempt])
        # With more species than distinct names, names repeat and pile up; keeping the truth
        # decidable (no accidental fragment patterns) is then neither possible nor attempted.
        clear = n_sp <= capacity
        valid = _valid_peaks(p, rng, n_sp, clear)
        frags = _fragments(p, rng, valid)
        if clear:
            frags = _drop_ambiguous_fragments(valid, frags)
        if n_rows is None:
            n_real = len(valid) + len(frags)
            n_out = round(p.outlier_rate * n_real / (1.0 - p.outlier_rate))
            break
        # Keep whole species (their peaks and fragments) in a random order until the rows left
        # for misannotations match the rate; the misannotations fill the exact count.
        block = np.bincount(valid.species, minlength=n_sp) + np.bincount(
            valid.species[frags.species], minlength=n_sp
        )
        budget = n_rows - round(p.outlier_rate * n_rows)
        sp_order = rng.permutation(np.flatnonzero(block))
        kept = sp_order[np.cumsum(block[sp_order]) <= budget]
        if block.sum() >= budget or attempt == 11:
            keep_sp = np.zeros(n_sp, dtype=bool)
            keep_sp[kept] = True
            keep_valid = keep_sp[valid.species]
            new_index = np.cumsum(keep_valid) - 1
            keep_frag = keep_valid[frags.species]
            valid = valid.take(np.flatnonzero(keep_valid))
            frags = frags.take(np.flatnonzero(keep_frag))
            frags.species = new_index[frags.species]
            n_out = n_rows - len(valid) - len(frags)
            break
        n_sp = round(n_sp * 1.5) + 10
    else:  # pragma: no cover - the loop always breaks
        raise RuntimeError("simulation did not converge")

    anchors = _choose_anchors(p, rng, valid)
    real = _concat_peaks([valid, frags])
    outliers, out_kind, out_true = _outliers(p, rng, n_out, real, clear)

    nv, nf, no = len(valid), len(frags), len(outliers)
    peaks = _concat_peaks([valid, frags, outliers])
    n = nv + nf + no
    label = np.repeat(np.array(["valid", "fragment", "outlier"], dtype=object), [nv, nf, no])
    is_anchor = np.concatenate([anchors, np.zeros(nf + no, dtype=bool)])
    # Mark real species that co-elute with a larger one within the default fragment window:
    # the analysis must keep them (they are too abundant to be fragments).
    species_kind = np.full(nv, "species", dtype=object)
    if clear and nv:
        sub, _ = _fragment_like_pairs(
            _cer_key(valid.carbons, valid.db, valid.oxy), valid.rt, _totals(valid.comp), 0.02
        )
        species_kind[sub] = "coeluting"
    kind = np.concatenate(
        [
            species_kind,
            np.full(nf, "fragment", dtype=object),
            np.where(out_kind == 1, "rt_shift", "wrong_name").astype(object),
        ]
    )
    root = np.concatenate([np.full(nv, -1), frags.species, np.full(no, -1)])
    track_text = np.select([peaks.track == 0, peaks.track == 1], ["early", "late"], "")

    # Names, with stacked modifications sometimes written in another order.
    n_mods = sum((peaks.comp[k] > 0).astype(int) for k in ("oac", "dhex", "hex", "hexnac", "neugc"))
    reverse = (n_mods >= 2) & (rng.random(n) < p.noncanonical_rate)
    names = _names(peaks.comp, peaks.carbons, peaks.db, peaks.oxy, reverse)
    canonical = _canonical_names(peaks.comp, peaks.carbons, peaks.db, peaks.oxy)
    lost = np.full(n, "", dtype=object)
    lost[nv : nv + nf] = _lost_text(_take(valid.comp, frags.species), frags.comp)
    # Real species: where they elute on their own track; others: the nearest track of the name.
    expected = np.where(
        label == "valid",
        _expected_rt(p, peaks.comp, peaks.logp, np.maximum(peaks.track, 0)),
        _nearest_expected(p, peaks.comp, peaks.logp, peaks.rt),
    )
    species = canonical.copy()
    species[nv + nf :] = out_true

    logp = peaks.logp.astype(float)
    if p.missing_logp_rate > 0:
        logp = np.where(rng.random(n) < p.missing_logp_rate, np.nan, logp)

    # Shuffle: row numbers are final positions.
    perm = rng.permutation(n)
    row_of = np.empty(n, dtype=np.int64)
    row_of[perm] = np.arange(1, n + 1)
    parent_row = pd.array(np.where(root >= 0, row_of[np.maximum(root, 0)], 0), dtype="Int64")
    parent_row[root < 0] = pd.NA

    table = pd.DataFrame(
        {
            "Name": names[perm],
            "RT": np.round(peaks.rt[perm], 3),
            "Volume": peaks.volume[perm].astype(np.int64),
            "Log P": logp[perm],
            "Anchor": np.where(is_anchor[perm], "T", "F"),
        }
    )
    truth = pd.DataFrame(
        {
            "row": np.arange(1, n + 1, dtype=np.int64),
            "label": label[perm],
            "parent_row": parent_row[perm],
            "kind": kind[perm],
            "species": species[perm],
            "track": track_text[perm].astype(object),
            "expected_rt": np.round(expected[perm], 4),
            "lost": lost[perm],
        }
    )
    params = p.to_dict()
    params["n_rows"] = n
    params["decidable"] = bool(clear)
    return SimulatedTable(table=table, truth=truth, params=params)
