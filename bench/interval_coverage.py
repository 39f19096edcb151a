"""Calibrated uncertainty: how often a true species falls outside its 95 % RT interval.

Usage::

    .venv/bin/python bench/interval_coverage.py                  # seeds 1000-1029, every scenario
    .venv/bin/python bench/interval_coverage.py --seeds 20 --start 2000 --scenario self-calibrated
    .venv/bin/python bench/interval_coverage.py --seeds 0        # the real files only

Simulated tables (held-out seeds: the accuracy benchmark's default seeds are 0-29): runs
``analyze`` and, for every non-anchor row the simulator made as a real species (truth kind
``species`` or ``coeluting``) with a prediction, checks whether its RT lies outside the
reported 95 % interval ``[pi_low, pi_high]``.  A calibrated interval leaves about 5 %
outside.  Beside it, for comparison, the share outside ±1.96 decision SDs (the SD the outlier
test |z| ≥ ``outlier_z`` divides by, ``residual / z``), which ``pi_low``/``pi_high`` were
before the interval was calibrated.  Figures per scenario and model level, pooled over seeds.
Scenarios:

* ``anchored``: the simulator's tables as drawn;
* ``self-calibrated``: the Anchor column blanked (the file's peaks calibrate the model);
* ``hydroxylated``: 30 % of species with a third ceramide oxygen that moves RT by -0.17 min;
* ``bent``: RT bent in Log P (-0.06 min per squared Log P unit).

Real files (no truth; the anchors are the lab's confirmed peaks): every anchor in turn is
left out (its Anchor cell set to F) and the file analysed again; the figure is the share of
anchors whose RT lies outside the interval the model then reports for them.  The files are
the bundled sample (package data) and ``/work/shared/data/*.csv`` where present (identical
files counted once).

It prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import hashlib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ganglioside import analyze
from ganglioside.simulate import SimulatedTable, simulate

Z95 = 1.959964
PACKAGE_DATA = Path(__file__).resolve().parents[1] / "src" / "ganglioside" / "data"
SHARED_DATA = Path("/work/shared/data")


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


def _outside(c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: outside [pi_low, pi_high]; outside ±1.96 decision SDs (residual / z)."""
    rt = c["rt"].to_numpy(dtype=float)
    reported = (rt < c["pi_low"].to_numpy(dtype=float)) | (rt > c["pi_high"].to_numpy(dtype=float))
    z = c["z"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        decision = np.abs(z) > Z95  # |residual| > 1.96 × (residual / z)
    return reported, decision


def outside_95(table: pd.DataFrame, truth: pd.DataFrame) -> list[tuple[str, bool, bool]]:
    """(model level, outside its 95 % interval, outside ±1.96 decision SDs) for every predicted
    non-anchor real species."""
    result = analyze(table)
    c = result.compounds.merge(truth[["row", "kind"]], on="row")
    real = c["kind"].isin(["species", "coeluting"]) & c["predicted_rt"].notna()
    real &= ~c["is_anchor"].astype(bool)
    c = c[real]
    reported, decision = _outside(c)
    return list(zip(c["model_level"].astype(str), reported, decision, strict=True))


def coverage(scenario: str, seeds: range) -> dict[str, tuple[int, int, int]]:
    """Model level (and ``all``) -> (species, outside the interval, outside ±1.96 decision SDs)
    over ``seeds``."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for seed in seeds:
        sim = SCENARIOS[scenario](seed)
        for level, reported, decision in outside_95(sim.table, sim.truth):
            for key in (level, "all"):
                counts[key][0] += 1
                counts[key][1] += int(reported)
                counts[key][2] += int(decision)
    return {k: (n, out, old) for k, (n, out, old) in counts.items()}


def real_files() -> list[Path]:
    """The bundled sample and the shared data files, each distinct content once."""
    seen: set[str] = set()
    out: list[Path] = []
    for path in [*sorted(PACKAGE_DATA.glob("*.csv")), *sorted(SHARED_DATA.glob("*.csv"))]:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            out.append(path)
    return out


def leave_one_anchor_out(path: Path) -> list[tuple[str, bool, bool]]:
    """(model level, outside its 95 % interval, outside ±1.96 decision SDs) of every anchor of
    ``path`` when it is left out (anchors no model reaches then are skipped)."""
    table = pd.read_csv(path, encoding="utf-8-sig", dtype={"Anchor": str})
    flags = table["Anchor"].astype(str).str.strip().str.upper()
    found: list[tuple[str, bool, bool]] = []
    for position in np.flatnonzero(flags.isin(["T", "TRUE", "1", "YES"]).to_numpy()):
        left_out = table.copy()
        left_out.loc[left_out.index[position], "Anchor"] = "F"
        c = analyze(left_out).compounds
        row = c.iloc[[int(position)]]
        if not np.isfinite(row["predicted_rt"].to_numpy(dtype=float)).all():
            continue
        reported, decision = _outside(row)
        found.append((str(row["model_level"].iloc[0]), bool(reported[0]), bool(decision[0])))
    return found


def _line(where: str, level: str, n: int, out: int, old: int) -> str:
    return f"{where:<22} {level:<16} {n:>8} {out / max(n, 1):>12.1%} {old / max(n, 1):>14.1%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--start", type=int, default=1000)
    parser.add_argument(
        "--scenario", choices=sorted(SCENARIOS), action="append", help="default: every one"
    )
    args = parser.parse_args(argv)
    seeds = range(args.start, args.start + args.seeds)
    header = f"{'scenario / file':<22} {'model level':<16} {'species':>8} {'outside 95 %':>12}"
    print(f"{header} {'outside 1.96 SD':>14}")
    if args.seeds > 0:
        print(f"simulated, seeds {seeds.start}-{seeds.stop - 1}: true species")
        for scenario in args.scenario or list(SCENARIOS):
            found = coverage(scenario, seeds)
            for level, (n, out, old) in sorted(
                found.items(), key=lambda kv: (kv[0] == "all", kv[0])
            ):
                print(_line(scenario, level, n, out, old))
    print("real files, leave one anchor out: anchors")
    for path in real_files():
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for level, reported, decision in leave_one_anchor_out(path):
            for key in (level, "all"):
                counts[key][0] += 1
                counts[key][1] += int(reported)
                counts[key][2] += int(decision)
        for level, (n, out, old) in sorted(counts.items(), key=lambda kv: (kv[0] == "all", kv[0])):
            print(_line(path.name, level, n, out, old))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
