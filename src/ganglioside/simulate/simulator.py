"""``simulate()``: check the arguments, draw the run, place its peaks, write table and truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .anchors import choose_anchors
from .arguments import check_arguments, check_curvature, check_hydroxyl
from .fragments import drop_ambiguous_fragments, fragments
from .misannotations import misannotations
from .parameters import Params, draw_params, with_curvature, with_hydroxyl
from .peaks import Peaks, concat_peaks, valid_peaks
from .species import distinct_capacity
from .truth import RunPeaks, SimulatedTable, assemble

# Tries at growing species counts to reach an exact row count.
_ATTEMPTS = 12


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
    hydroxyl_rt_shift: float | None = None,
    hydroxyl_rate: float | None = None,
    rt_curvature: float | None = None,
) -> SimulatedTable:
    """Simulate a ganglioside feature table with known truth.

    ``seed`` is an integer ≥ 0; the same arguments always give the same table, and a default
    "per seed" is drawn from the seed within the range given.

    n_species: real species drawn before isomer peaks, fragments and misannotations (a few are
        dropped when they would elute outside 2-25 min); per seed 150-1200.
    n_rows: exact number of rows wanted (overrides ``n_species``).
    anchor_rate: share (0-1) of real-species peaks marked as anchors; per seed 0.08-0.25.
    noise_sd: SD (min, > 0) of a peak's RT around its line; per seed 0.02-0.10.
    outlier_rate: share of rows that are misannotations, below 0.9; per seed 0.02-0.10.
    fragment_rate: share (0-1) of the larger species peaks (two or more sialic acids, or a
        modification) that give 1-3 in-source fragments; per seed 0.05-0.40.
    isomer_rate: share (0-1) of GD1/GT1/GQ1 names (modified or not) seen as two isomer peaks;
        per seed 0.3-0.8.
    missing_logp_rate: share (0-1) of rows whose Log P is left blank.
    hydroxyl_rt_shift: RT change (min) per ceramide oxygen beyond two, as real runs show for
        hydroxylated fatty acids (about -0.12 to -0.22 min), while the exported Log P keeps its
        usual oxygen increment; None: RT follows the exported Log P (tables unchanged).
    hydroxyl_rate: share (0-1) of species with a third ceramide oxygen; per seed 1-4 %.
    rt_curvature: RT bend, min per squared Log P unit from each group's 36:1;O2 Log P
        (negative: concave in chain length); None: straight lines (tables unchanged).

    Returns a :class:`SimulatedTable` (the table, its truth, the constants used).  Raises
    :class:`SimulationArgumentError` (a ConfigError and a ValueError) naming the argument, its
    value and the range when an argument has the wrong type or is out of range.
    """
    knobs = {
        "n_species": n_species,
        "anchor_rate": anchor_rate,
        "noise_sd": noise_sd,
        "outlier_rate": outlier_rate,
        "fragment_rate": fragment_rate,
        "isomer_rate": isomer_rate,
        "missing_logp_rate": missing_logp_rate,
    }
    check_arguments(seed, n_rows, knobs)
    check_hydroxyl(hydroxyl_rt_shift, hydroxyl_rate)
    p = with_hydroxyl(draw_params(int(seed), knobs), hydroxyl_rt_shift, hydroxyl_rate)
    p = with_curvature(p, check_curvature(rt_curvature))
    rng, real, n_out = _real_peaks(p, n_rows)
    anchors = choose_anchors(p, rng, real.valid)
    wrong = misannotations(p, rng, n_out, concat_peaks([real.valid, real.frags]), real.clear)
    return assemble(p, rng, RunPeaks(real.valid, real.frags, wrong, anchors, real.clear))


@dataclass(frozen=True)
class _RealPeaks:
    valid: Peaks
    frags: Peaks
    clear: bool


def _real_peaks(p: Params, n_rows: int | None) -> tuple[np.random.Generator, _RealPeaks, int]:
    """The real species' peaks and fragments, the generator to go on with, and how many
    misannotations to add (to reach ``n_rows`` exactly when it is given)."""
    # A species gives at least one row, usually more (isomers, fragments): start a little low.
    n_sp = p.n_species if n_rows is None else max(1, round(n_rows * 0.9))
    capacity = distinct_capacity(p)
    for attempt in range(_ATTEMPTS):
        rng = np.random.default_rng([p.seed, 1, attempt])
        # With more species than distinct names, names repeat and pile up; keeping the truth
        # decidable (no accidental fragment patterns) is then neither possible nor attempted.
        real = _draw_real(p, rng, n_sp, clear=n_sp <= capacity)
        if n_rows is None:
            n_real = len(real.valid) + len(real.frags)
            return rng, real, round(p.outlier_rate * n_real / (1.0 - p.outlier_rate))
        kept = _fit_to_rows(p, rng, real, n_sp, n_rows, last=attempt == _ATTEMPTS - 1)
        if kept is not None:
            return rng, kept, n_rows - len(kept.valid) - len(kept.frags)
        n_sp = round(n_sp * 1.5) + 10
    raise RuntimeError("simulation did not converge")  # pragma: no cover - the last try fits


def _draw_real(p: Params, rng: np.random.Generator, n_sp: int, clear: bool) -> _RealPeaks:
    valid = valid_peaks(p, rng, n_sp, clear)
    frags = fragments(p, rng, valid)
    if clear:
        frags = drop_ambiguous_fragments(valid, frags)
    return _RealPeaks(valid, frags, clear)


def _fit_to_rows(
    p: Params, rng: np.random.Generator, real: _RealPeaks, n_sp: int, n_rows: int, last: bool
) -> _RealPeaks | None:
    """Whole species (their peaks and fragments), in a random order, as many as leave the rows
    wanted for misannotations at the rate; ``None`` when there are too few (unless ``last``)."""
    valid, frags = real.valid, real.frags
    block = np.bincount(valid.species, minlength=n_sp) + np.bincount(
        valid.species[frags.species], minlength=n_sp
    )
    budget = n_rows - round(p.outlier_rate * n_rows)
    sp_order = rng.permutation(np.flatnonzero(block))
    if block.sum() < budget and not last:
        return None
    kept = sp_order[np.cumsum(block[sp_order]) <= budget]
    keep_sp = np.zeros(n_sp, dtype=bool)
    keep_sp[kept] = True
    keep_valid = keep_sp[valid.species]
    new_index = np.cumsum(keep_valid) - 1
    keep_frag = keep_valid[frags.species]
    valid = valid.take(np.flatnonzero(keep_valid))
    frags = frags.take(np.flatnonzero(keep_frag))
    frags.species = new_index[frags.species]
    return _RealPeaks(valid, frags, real.clear)
