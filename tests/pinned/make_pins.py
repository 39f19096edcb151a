"""Computes the pinned outputs (``python -m tests.pinned.make_pins > tests/pinned/outputs.json``).

Run it only when a change of output is intended, and say why in the CHANGELOG.
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from typing import Any

from ganglioside import analyze
from ganglioside.report.tables import compounds_csv
from ganglioside.simulate import simulate

SEEDS = (1, 7, 23, 101)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def pins() -> dict[str, Any]:
    """Per input: the SHA-256 of compounds.csv and the summary counts."""
    results = {"sample": analyze(str(files("ganglioside") / "data" / "measured_sample.csv"))}
    tables = {}
    for seed in SEEDS:
        sim = simulate(seed)
        tables[f"sim{seed}"] = _sha(sim.table.to_csv(index=False) + sim.truth.to_csv(index=False))
        results[f"sim{seed}"] = analyze(sim.table)
    out: dict[str, Any] = {}
    for key, result in results.items():
        out[key] = {
            "compounds_csv_sha256": _sha(compounds_csv(result)),
            "simulated_table_sha256": tables.get(key),
            "by_status": result.summary["by_status"],
            "by_category": result.summary["by_category"],
            "n_fragment_events": len(result.fragments),
            "n_models": len(result.models),
        }
    return json.loads(json.dumps(out, default=str))


if __name__ == "__main__":
    print(json.dumps(pins(), indent=1, sort_keys=True))
