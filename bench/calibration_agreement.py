"""Calibration benchmark: do files without anchors get the verdicts they get with anchors?

Usage::

    .venv/bin/python bench/calibration_agreement.py               # 20 seeds from 0
    .venv/bin/python bench/calibration_agreement.py --seeds 40 --start 1000

Each simulated table is analysed three ways: with its anchors (the reference), with the
Anchor column dropped (self-calibration on the file's own peaks), and with the Anchor column
dropped but a calibrant list made from a few of its standards (the most abundant anchor of up
to ``--standards`` anchored groups, with its RT to 0.01 min).  Printed per mode: the share of
rows whose status agrees with the reference, the rows left ``unverified`` and the macro-F1
against the simulated truth.  Target: agreement >= 85 % and no row unverified.  This is a
benchmark: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse

import pandas as pd

from ganglioside import analyze
from ganglioside.scoring import score
from ganglioside.simulate import simulate

MODES = ("self", "calibrants")
TARGET = 0.85


def standards(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """A calibrant list: the most abundant anchor of up to ``n`` anchored groups."""
    anchors = table[table["Anchor"] == "T"].copy()
    anchors["group"] = anchors["Name"].str.replace(r"\(.*", "", regex=True)
    best = anchors.sort_values("Volume", ascending=False).drop_duplicates("group").head(n)
    return pd.DataFrame({"name": best["Name"].to_numpy(), "rt": best["RT"].round(2).to_numpy()})


def run_seed(seed: int, n_standards: int) -> dict[str, float]:
    """Agreement, unverified rows and macro-F1 of each mode for one seed."""
    sim = simulate(seed)
    reference = analyze(sim.table)
    ref_status = reference.compounds["status"].astype(str).to_numpy()
    bare = sim.table.drop(columns="Anchor")
    runs = {
        "self": analyze(bare),
        "calibrants": analyze(bare, calibrants=standards(sim.table, n_standards)),
    }
    out: dict[str, float] = {
        "seed": seed,
        "rows": len(bare),
        "anchors": int((sim.table["Anchor"] == "T").sum()),
        "reference_f1": score(reference, sim.truth)["macro_f1"],
    }
    for mode, result in runs.items():
        status = result.compounds["status"].astype(str).to_numpy()
        out[f"{mode}_agree"] = float((status == ref_status).mean())
        out[f"{mode}_unverified"] = int((status == "unverified").sum())
        out[f"{mode}_f1"] = score(result, sim.truth)["macro_f1"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    parser.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--standards", type=int, default=5, help="calibrants per table (default 5)")
    args = parser.parse_args(argv)
    print(
        f"{'seed':>5} {'rows':>5} {'anch':>4} | {'ref F1':>6} | "
        + " | ".join(f"{m:>10} agree unver  F1" for m in MODES)
    )
    rows = []
    for seed in range(args.start, args.start + args.seeds):
        r = run_seed(seed, args.standards)
        rows.append(r)
        parts = " | ".join(
            f"{'':>10} {100 * r[f'{m}_agree']:5.1f} {r[f'{m}_unverified']:>5} {r[f'{m}_f1']:.3f}"
            for m in MODES
        )
        print(
            f"{seed:>5} {r['rows']:>5} {r['anchors']:>4} | {r['reference_f1']:6.3f} | {parts}",
            flush=True,
        )
    frame = pd.DataFrame(rows)
    total = frame["rows"].sum()
    print(
        f"\nseeds {len(frame)}, rows {total}; reference macro-F1 (mean) "
        f"{frame['reference_f1'].mean():.3f}"
    )
    for m in MODES:
        pooled = (frame[f"{m}_agree"] * frame["rows"]).sum() / total
        print(
            f"{m:>10}: agreement pooled {100 * pooled:5.1f} % (worst seed "
            f"{100 * frame[f'{m}_agree'].min():5.1f} %), unverified rows "
            f"{int(frame[f'{m}_unverified'].sum())}, macro-F1 (mean) {frame[f'{m}_f1'].mean():.3f}"
            f"; target agreement >= {100 * TARGET:.0f} %"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
