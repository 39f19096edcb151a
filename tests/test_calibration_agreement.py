"""Files without anchors get the verdicts they get with anchors (bench/calibration_agreement.py
measures the same over more seeds)."""

from __future__ import annotations

import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.simulate import simulate

SEEDS = (1000, 1001, 1002, 1003)


def few_standards(table: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The most abundant anchor of up to ``n`` anchored groups, with its RT to 0.01 min."""
    anchors = table[table["Anchor"] == "T"].copy()
    anchors["group"] = anchors["Name"].str.replace(r"\(.*", "", regex=True)
    best = anchors.sort_values("Volume", ascending=False).drop_duplicates("group").head(n)
    return pd.DataFrame({"name": best["Name"].to_numpy(), "rt": best["RT"].round(2).to_numpy()})


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_without_anchors_no_row_is_unverified_and_verdicts_agree(seed):
    sim = simulate(seed)
    reference = analyze(sim.table).compounds["status"].astype(str)
    bare = sim.table.drop(columns="Anchor")
    for calibrants in (None, few_standards(sim.table)):
        status = analyze(bare, calibrants=calibrants).compounds["status"].astype(str)
        assert (status != "unverified").all()
        assert (status == reference).mean() >= 0.85
