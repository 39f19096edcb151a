"""Hydroxylated ceramides: the RT change per extra oxygen is learned from the file."""

from __future__ import annotations

import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.simulate import SimulationArgumentError, simulate


def right_on_o3(sim, result) -> float:
    o3 = result.compounds["oxygens"] > 2
    status = result.compounds["status"].astype(str)
    return float((status[o3] == sim.truth["label"][o3]).mean())


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 5])
def test_a_small_rt_change_per_oxygen_is_learned_and_o3_species_are_judged_right(seed):
    sim = simulate(seed, hydroxyl_rt_shift=-0.17, hydroxyl_rate=0.3)
    result = analyze(sim.table)
    hydroxyl = result.models[0].hydroxyl
    assert hydroxyl["source"] in ("anchors", "peaks")
    assert hydroxyl["per_oxygen"] == pytest.approx(-0.17, abs=0.08)
    assert right_on_o3(sim, result) >= 0.95


@pytest.mark.slow
def test_a_file_whose_rt_follows_log_p_learns_that_too():
    sim = simulate(5)
    result = analyze(sim.table)
    assert result.models[0].hydroxyl["term"] == pytest.approx(0.0, abs=0.1)
    assert right_on_o3(sim, result) >= 0.95


def test_without_extra_oxygens_there_is_no_term():
    table = simulate(3).table
    table = table[~table["Name"].str.contains(";O3")]
    result = analyze(table)
    assert all(m.hydroxyl == {} for m in result.models)


def test_the_hydroxyl_options_leave_default_tables_unchanged_and_are_checked():
    pd.testing.assert_frame_equal(simulate(3).table, simulate(3, hydroxyl_rate=None).table)
    with pytest.raises(SimulationArgumentError, match="hydroxyl_rate"):
        simulate(3, hydroxyl_rate=2)
    with pytest.raises(SimulationArgumentError, match="hydroxyl_rt_shift"):
        simulate(3, hydroxyl_rt_shift=float("nan"))
