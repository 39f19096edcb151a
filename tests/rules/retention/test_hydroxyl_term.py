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


def _with_shared_anchors(seed: int) -> pd.DataFrame:
    """The second sample of simulated study ``seed`` with the study's shared anchors marked."""
    from ganglioside.simulate.study import simulate_study
    from ganglioside.studies import StudyConfig, read_design, sample_tasks
    from ganglioside.studies.run import with_anchors
    from ganglioside.studies.shared_model import shared_calibration

    sim = simulate_study(seed, n_per_group=3, n_rows=80)
    design = sim.design.drop(columns="file")
    config = StudyConfig()
    tasks = sample_tasks(read_design(design, in_memory=sim.tables), config.analysis, sim.tables)
    shared = shared_calibration(tasks, config)
    assert shared is not None
    sample = tasks[1].sample
    return with_anchors(sim.tables[sample], shared.rows[sample])


@pytest.mark.slow
def test_two_hydroxylated_isomer_anchors_teach_the_term_instead_of_the_prior():
    # simulated study 3: the shared anchors hold both isomer peaks of GD1(41:0;O3), whose RT
    # follows Log P (as the simulator's does by default); the prior (-0.17 min per oxygen)
    # would pull them 1.5 min off their lines and put both peaks of each GD1 pair on one track
    table = _with_shared_anchors(3)
    anchors = table["Anchor"].astype(str).eq("T")
    o3 = table["Name"].str.contains(";O3")
    assert (anchors & o3).sum() == 2
    table = table[anchors | ~o3]  # the anchors are then the only rows with extra oxygens
    result = analyze(table)
    hydroxyl = result.models[0].hydroxyl
    assert hydroxyl["source"] == "anchors" and hydroxyl["n_rows"] == 2
    assert hydroxyl["term"] == pytest.approx(0.0, abs=0.15)
    compounds = result.compounds
    pairs = compounds[compounds["is_anchor"] & compounds["name"].str.startswith("GD1(")]
    for _, pair in pairs.groupby("name"):
        assert sorted(pair["isomer_track"]) == ["early", "late"]
    pooled = compounds["model_level"] == "pooled"
    half_width = (compounds["pi_high"] - compounds["pi_low"])[pooled] / 2
    assert half_width.median() < 0.6
