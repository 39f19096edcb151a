"""Computes the pinned outputs: ``python -m tests.pinned.make_pins`` rewrites tests/pinned/.

Run it only when a change of output is intended, and say why in the CHANGELOG.  It writes, per
input (the bundled sample and four simulated tables), ``<input>.compounds.csv`` (as
``compounds.csv`` is written) and, for the simulations, ``<input>.table.csv`` and
``<input>.truth.csv``; the summary counts of every input, and the float columns of every file
(compared within a tolerance; all others exactly), go to ``outputs.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from ganglioside import analyze
from ganglioside.report.safe import safe_csv
from ganglioside.report.tables import compounds_csv
from ganglioside.result import AnalysisResult
from ganglioside.simulate import simulate

SEEDS = (1, 7, 23, 101)
HERE = Path(__file__).parent


def float_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` that hold floats."""
    return [str(c) for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]


@dataclass
class Pins:
    """What the pin holds: analyses by input, and each pinned file's text and float columns."""

    analyses: dict[str, AnalysisResult]
    texts: dict[str, str]
    floats: dict[str, list[str]]

    def add(self, name: str, frame: pd.DataFrame, text: str) -> None:
        self.texts[name] = text
        self.floats[name] = float_columns(frame)


def results() -> Pins:
    """The analyses of every pinned input, with compounds.csv and the simulated tables' text."""
    pins = Pins({}, {}, {})
    pins.analyses["sample"] = analyze(str(files("ganglioside") / "data" / "measured_sample.csv"))
    for seed in SEEDS:
        sim = simulate(seed)
        pins.add(f"sim{seed}.table.csv", sim.table, safe_csv(sim.table))
        pins.add(f"sim{seed}.truth.csv", sim.truth, safe_csv(sim.truth))
        pins.analyses[f"sim{seed}"] = analyze(sim.table)
    for key, result in pins.analyses.items():
        pins.add(f"{key}.compounds.csv", result.compounds, compounds_csv(result))
    return pins


def counts(result: AnalysisResult) -> dict[str, Any]:
    """The summary counts pinned for one analysis."""
    return json.loads(
        json.dumps(
            {
                "by_status": result.summary["by_status"],
                "by_category": result.summary["by_category"],
                "n_fragment_events": len(result.fragments),
                "n_models": len(result.models),
            },
            default=str,
        )
    )


def main() -> None:
    pins = results()
    for old in HERE.glob("*.csv"):
        old.unlink()
    for name, text in pins.texts.items():
        (HERE / name).write_text(text, encoding="utf-8")
    pinned = {
        "counts": {key: counts(result) for key, result in pins.analyses.items()},
        "float_columns": pins.floats,
    }
    (HERE / "outputs.json").write_text(json.dumps(pinned, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
