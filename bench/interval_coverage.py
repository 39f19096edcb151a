"""Calibrated uncertainty: how often a true species falls outside its 95 % RT interval.

Usage::

    .venv/bin/python bench/interval_coverage.py                  # seeds 1000-1029, anchored
    .venv/bin/python bench/interval_coverage.py --seeds 20 --start 2000 --no-anchors

Runs ``analyze`` on simulated tables (held-out seeds: the benchmark's default seeds are 0-29)
and, for every row the simulator made as a real species (truth kind ``species`` or
``coeluting``) with a prediction, checks whether its RT lies outside predicted ± 1.96 × SD (the
SD read back from the reported interval, ``(pi_high - predicted_rt) / outlier_z``).  A
calibrated model leaves about 5 % outside.  Figures per model level, pooled over seeds.
``--no-anchors`` blanks the Anchor column (self-calibration).  It prints figures and exits 0.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from ganglioside import analyze
from ganglioside.simulate import simulate

Z95 = 1.959964


def _seed(seed: int, anchors: bool) -> list[tuple[str, bool]]:
    """(model level, outside its 95 % interval) for every predicted real species."""
    sim = simulate(seed)
    table = sim.table.copy()
    if not anchors:
        table["Anchor"] = "F"
    result = analyze(table)
    c = result.compounds.merge(sim.truth[["row", "kind"]], on="row")
    real = c["kind"].isin(["species", "coeluting"]) & c["predicted_rt"].notna()
    real &= ~c["is_anchor"].astype(bool)
    c = c[real]
    sd = (c["pi_high"] - c["predicted_rt"]) / result.config.outlier_z
    outside = np.abs(c["rt"] - c["predicted_rt"]) > Z95 * sd
    return list(zip(c["model_level"].astype(str), outside.to_numpy(dtype=bool), strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--start", type=int, default=1000)
    parser.add_argument("--no-anchors", action="store_true", help="blank the Anchor column")
    args = parser.parse_args(argv)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for seed in range(args.start, args.start + args.seeds):
        for level, outside in _seed(seed, not args.no_anchors):
            counts[level][0] += 1
            counts[level][1] += int(outside)
            counts["all"][0] += 1
            counts["all"][1] += int(outside)
    kind = "without anchors (self-calibrated)" if args.no_anchors else "with anchors"
    print(f"seeds {args.start}-{args.start + args.seeds - 1}, {kind}")
    print(f"{'model level':<16} {'species':>8} {'outside 95 %':>13}")
    for level, (n, out) in sorted(counts.items(), key=lambda kv: kv[0] == "all"):
        print(f"{level:<16} {n:>8} {out / max(n, 1):>12.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
