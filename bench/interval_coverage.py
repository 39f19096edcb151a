"""Calibrated uncertainty: how often a true species falls outside its 95 % RT interval.

Usage::

    .venv/bin/python bench/interval_coverage.py                  # seeds 1000-1029, every scenario
    .venv/bin/python bench/interval_coverage.py --seeds 20 --start 2000 --scenario self-calibrated

Runs ``analyze`` on simulated tables (held-out seeds: the accuracy benchmark's default seeds
are 0-29) and, for every non-anchor row the simulator made as a real species (truth kind
``species`` or ``coeluting``) with a prediction, checks whether its RT lies outside
predicted ± 1.96 × SD (the SD read back from the reported interval,
``(pi_high - predicted_rt) / outlier_z``).  A calibrated model leaves about 5 % outside.
Figures per scenario and model level, pooled over seeds.  Scenarios:

* ``anchored``: the simulator's tables as drawn;
* ``self-calibrated``: the Anchor column blanked (the file's peaks calibrate the model);
* ``hydroxylated``: 30 % of species with a third ceramide oxygen that moves RT by -0.17 min;
* ``bent``: RT bent in Log P (-0.06 min per squared Log P unit).

It prints figures and exits 0.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable

import numpy as np
import pandas as pd

from ganglioside import analyze
from ganglioside.simulate import SimulatedTable, simulate

Z95 = 1.959964


def _anchored(seed: int) -> SimulatedTable:
    return simulate(seed)


def _self_calibrated(seed: int) -> SimulatedTable:
    sim = simulate(seed)
    sim.table["Anchor"] = "F"
    return sim


def _hydroxylated(seed: int) -> SimulatedTable:
    return simulate(seed, hydroxyl_rt_shift=-0.17, hydroxyl_rate=0.3)


def _bent(seed: int) -> SimulatedTable:
    return simulate(seed, rt_curvature=-0.06)


SCENARIOS: dict[str, Callable[[int], SimulatedTable]] = {
    "anchored": _anchored,
    "self-calibrated": _self_calibrated,
    "hydroxylated": _hydroxylated,
    "bent": _bent,
}


def outside_95(table: pd.DataFrame, truth: pd.DataFrame) -> list[tuple[str, bool]]:
    """(model level, outside its 95 % interval) for every predicted non-anchor real species."""
    result = analyze(table)
    c = result.compounds.merge(truth[["row", "kind"]], on="row")
    real = c["kind"].isin(["species", "coeluting"]) & c["predicted_rt"].notna()
    real &= ~c["is_anchor"].astype(bool)
    c = c[real]
    sd = (c["pi_high"] - c["predicted_rt"]) / result.config.outlier_z
    outside = np.abs(c["rt"] - c["predicted_rt"]) > Z95 * sd
    return list(zip(c["model_level"].astype(str), outside.to_numpy(dtype=bool), strict=True))


def coverage(scenario: str, seeds: range) -> dict[str, tuple[int, int]]:
    """Model level (and ``all``) -> (species, outside their 95 % interval) over ``seeds``."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for seed in seeds:
        sim = SCENARIOS[scenario](seed)
        for level, outside in outside_95(sim.table, sim.truth):
            for key in (level, "all"):
                counts[key][0] += 1
                counts[key][1] += int(outside)
    return {k: (n, out) for k, (n, out) in counts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--start", type=int, default=1000)
    parser.add_argument(
        "--scenario", choices=sorted(SCENARIOS), action="append", help="default: every one"
    )
    args = parser.parse_args(argv)
    seeds = range(args.start, args.start + args.seeds)
    print(f"seeds {seeds.start}-{seeds.stop - 1}: true species outside their 95 % interval")
    print(f"{'scenario':<16} {'model level':<16} {'species':>8} {'outside 95 %':>13}")
    for scenario in args.scenario or list(SCENARIOS):
        found = coverage(scenario, seeds)
        for level, (n, out) in sorted(found.items(), key=lambda kv: (kv[0] == "all", kv[0])):
            print(f"{scenario:<16} {level:<16} {n:>8} {out / max(n, 1):>12.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
