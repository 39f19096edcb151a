"""Accuracy benchmark: run the analysis on simulated tables with known truth and print scores.

Usage::

    .venv/bin/python bench/accuracy.py                 # 30 seeds from 0
    .venv/bin/python bench/accuracy.py --seeds 100 --start 1000
    .venv/bin/python bench/accuracy.py --seeds 30 --details 3   # also list the worst seeds' errors

Each seed draws its own knobs (anchor rate, RT noise, outlier and fragment rates, isomer
fraction, table size); ``--missing-logp`` blanks a fraction of Log P values in every table, and
``--vary`` adds seed-dependent blanking (every third seed) so the estimation path is exercised.
Targets (printed against the figures): macro-F1 >= 0.95, valid kept >= 97 %, parent linkage
>= 95 %.  This is a benchmark: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Any

import pandas as pd

from ganglioside import analyze
from ganglioside.scoring import mistakes, score
from ganglioside.simulate import simulate

TARGETS = {"macro_f1": 0.95, "valid_kept": 0.97, "parent_linkage": 0.95}


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def _run_seed(seed: int, missing_logp: float) -> tuple[dict[str, Any], Any, Any]:
    sim = simulate(seed, missing_logp_rate=missing_logp)
    start = time.perf_counter()
    analysis = analyze(sim.table)
    elapsed = time.perf_counter() - start
    result = score(analysis, sim.truth)
    result.update(
        seed=seed,
        seconds=elapsed,
        anchors=int((sim.table["Anchor"] == "T").sum()),
        noise_sd=sim.params["noise_sd"],
        coeluting=int((sim.truth["kind"] == "coeluting").sum()),
        missing_logp=missing_logp,
    )
    return result, sim, analysis


def _line(r: dict[str, Any]) -> str:
    return (
        f"{r['seed']:>5} {r['n_rows']:>5} {r['anchors']:>4} {r['noise_sd']:5.3f} "
        f"{r['n_outlier']:>4} {r['n_fragment']:>4} {r['coeluting']:>4} {r['missing_logp']:4.2f} | "
        f"{r['outlier_f1']:.3f} ({r['outlier_fp']:>2}fp {r['outlier_fn']:>2}fn) "
        f"{r['fragment_f1']:.3f} ({r['fragment_fp']:>2}fp {r['fragment_fn']:>2}fn) "
        f"{r['macro_f1']:.3f} {_pct(r['valid_kept'])} {_pct(r['parent_linkage'])} "
        f"{r['seconds']:5.2f}s"
    )


def _details(sim: Any, analysis: Any, limit: int) -> None:
    bad = mistakes(analysis, sim.truth)
    if bad.empty:
        print("    no mistakes")
        return
    counts = Counter(zip(bad["error"], bad["kind"], strict=True))
    print("    " + ", ".join(f"{e}/{k}: {n}" for (e, k), n in counts.most_common()))
    cols = [
        c
        for c in (
            "row",
            "error",
            "kind",
            "name",
            "species",
            "rt",
            "expected_rt",
            "predicted_rt",
            "z",
            "model_level",
            "track",
            "isomer_track",
            "parent_row",
            "fragment_of",
            "status",
            "reasons",
        )
        if c in bad.columns
    ]
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(bad[cols].head(limit).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def _run_seeds(args: argparse.Namespace) -> tuple[list[dict[str, Any]], dict[int, Any]]:
    """Each seed's scores (a line printed per seed), and its table and analysis when the
    details of the worst are asked for."""
    print(
        f"{'seed':>5} {'rows':>5} {'anch':>4} {'noise':>5} {'out':>4} {'frag':>4} {'coel':>4} "
        f"{'miss':>4} | outlier-F1          fragment-F1         macro  valid   link    time"
    )
    results: list[dict[str, Any]] = []
    runs: dict[int, tuple[Any, Any]] = {}
    for seed in range(args.start, args.start + args.seeds):
        missing = args.missing_logp
        if args.vary and seed % 3 == 2:
            missing = max(missing, 0.2)
        try:
            r, sim, analysis = _run_seed(seed, missing)
        except Exception as exc:  # a benchmark reports a crash and goes on
            print(f"{seed:>5} FAILED: {type(exc).__name__}: {exc}")
            continue
        results.append(r)
        if args.details:
            runs[seed] = (sim, analysis)
        print(_line(r), flush=True)
    return results, runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30, help="number of seeds (default 30)")
    parser.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    parser.add_argument(
        "--missing-logp", type=float, default=0.0, help="fraction of Log P values blanked"
    )
    parser.add_argument(
        "--vary", action="store_true", help="also blank 20 %% of Log P on every third seed"
    )
    parser.add_argument(
        "--details", type=int, default=0, metavar="K", help="list the errors of the K worst seeds"
    )
    parser.add_argument("--rows", type=int, default=25, help="error rows listed per seed")
    args = parser.parse_args(argv)

    results, runs = _run_seeds(args)
    if not results:
        print("no seed ran")
        return 0
    frame = pd.DataFrame(results)
    tot = frame.sum(numeric_only=True)

    def f1(name: str) -> float:
        tp, fp, fn = tot[f"{name}_tp"], tot[f"{name}_fp"], tot[f"{name}_fn"]
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0

    pooled = {
        "outlier_f1": f1("outlier"),
        "fragment_f1": f1("fragment"),
        "valid_kept": tot["valid_ok"] / tot["n_valid"],
        "parent_linkage": tot["linked"] / tot["n_fragment"] if tot["n_fragment"] else 1.0,
    }
    pooled["macro_f1"] = (pooled["outlier_f1"] + pooled["fragment_f1"]) / 2
    print()
    print(
        f"seeds {len(frame)}, rows {int(tot['n_rows'])} (valid {int(tot['n_valid'])}, "
        f"outlier {int(tot['n_outlier'])}, fragment {int(tot['n_fragment'])}), "
        f"analysis time {tot['seconds']:.1f}s"
    )
    print(
        f"pooled over rows: outlier F1 {pooled['outlier_f1']:.3f} "
        f"(P {tot['outlier_tp'] / max(1, tot['outlier_tp'] + tot['outlier_fp']):.3f}, "
        f"R {tot['outlier_tp'] / max(1, tot['outlier_tp'] + tot['outlier_fn']):.3f}), "
        f"fragment F1 {pooled['fragment_f1']:.3f} "
        f"(P {tot['fragment_tp'] / max(1, tot['fragment_tp'] + tot['fragment_fp']):.3f}, "
        f"R {tot['fragment_tp'] / max(1, tot['fragment_tp'] + tot['fragment_fn']):.3f}), "
        f"macro-F1 {pooled['macro_f1']:.3f}, valid kept {_pct(pooled['valid_kept'])}, "
        f"parent linkage {_pct(pooled['parent_linkage'])}"
    )
    means = frame[["outlier_f1", "fragment_f1", "macro_f1", "valid_kept", "parent_linkage"]].mean()
    print(
        f"mean over seeds:  outlier F1 {means['outlier_f1']:.3f}, "
        f"fragment F1 {means['fragment_f1']:.3f}, macro-F1 {means['macro_f1']:.3f}, "
        f"valid kept {_pct(means['valid_kept'])}, parent linkage {_pct(means['parent_linkage'])}"
    )
    verdicts = []
    for key, target in TARGETS.items():
        ok = pooled[key] >= target
        verdicts.append(f"{key} {pooled[key]:.3f} {'>=' if ok else '<'} {target} ")
    print("targets (pooled): " + "; ".join(verdicts))
    status_confusion: Counter[tuple[str, str]] = Counter()
    for r in results:
        for lab, row in r["confusion"].items():
            for st, n in row.items():
                status_confusion[(lab, st)] += n
    print(
        "truth -> status: "
        + ", ".join(f"{lab}->{st} {n}" for (lab, st), n in sorted(status_confusion.items()))
    )
    worst = frame.sort_values(["macro_f1", "valid_kept"]).head(5)
    print(
        "worst seeds: "
        + ", ".join(
            f"{int(r.seed)} (macro {r.macro_f1:.3f}, valid {_pct(r.valid_kept).strip()})"
            for r in worst.itertuples()
        )
    )
    if args.details:
        for seed in worst["seed"].head(args.details):
            print(f"\n--- seed {int(seed)}: errors")
            sim, analysis = runs[int(seed)]
            _details(sim, analysis, args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
