"""A saved calibration carries the hydroxyl term (RT per ceramide oxygen beyond two)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ganglioside import analyze
from ganglioside.calibration import VERSION, load_calibration, save_calibration
from ganglioside.simulate import simulate

SHIFT, SCALE = 0.30, 1.0


@pytest.fixture(scope="module")
def hydroxylated_runs():
    sim = simulate(3, hydroxyl_rt_shift=-0.17, hydroxyl_rate=0.3)
    standards = analyze(sim.table)
    later = sim.table.drop(columns="Anchor").copy()
    later["RT"] = (SHIFT + SCALE * later["RT"]).round(3)
    return sim, standards, later


def right_on_o3(sim, result) -> float:
    """Share of the rows with extra oxygens given the right verdict, among those given one
    (a row whose interval is too wide to decide is unverified: no verdict); at most one in
    ten may go without."""
    o3 = result.compounds["oxygens"].to_numpy() > 2
    status = result.compounds["status"].astype(str).to_numpy()
    decided = o3 & (status != "unverified")
    assert decided.sum() >= 0.9 * o3.sum()
    return float((status[decided] == sim.truth["label"].to_numpy()[decided]).mean())


def test_the_term_is_written_to_the_file_and_read_back(hydroxylated_runs, tmp_path):
    _, standards, _ = hydroxylated_runs
    document = load_calibration(save_calibration(standards, tmp_path / "cal.json"))
    assert document["version"] == VERSION == 2
    saved = document["model"]["hydroxyl"]
    assert saved["term"] == pytest.approx(standards.models[0].hydroxyl["term"])
    assert saved["per_oxygen"] == pytest.approx(-0.17, abs=0.08)


def test_a_later_run_applies_the_saved_term(hydroxylated_runs):
    sim, standards, later = hydroxylated_runs
    result = analyze(later, calibration=standards.calibration)
    assert set(result.compounds["model_level"].astype(str)) == {"transferred"}
    report = result.models[0]
    # moved by the fitted scale (close to 1 here)
    assert report.hydroxyl["term"] == pytest.approx(standards.models[0].hydroxyl["term"], rel=0.03)
    assert right_on_o3(sim, result) >= 0.95
    # the moved calibration written by the later run keeps the term
    assert result.calibration["model"]["hydroxyl"]["term"] == pytest.approx(report.hydroxyl["term"])


@pytest.mark.slow
def test_without_the_term_hydroxylated_species_are_misjudged(hydroxylated_runs):
    """A version 1 file (no term) is still read, and shows why the term matters."""
    sim, standards, later = hydroxylated_runs
    old = json.loads(json.dumps(standards.calibration))
    old["version"] = 1
    del old["model"]["hydroxyl"]
    old_result = analyze(later, calibration=load_calibration(old))
    assert old_result.models[0].hydroxyl == {}
    new_result = analyze(later, calibration=standards.calibration)
    assert right_on_o3(sim, new_result) > right_on_o3(sim, old_result) + 0.1
    o3 = new_result.compounds["oxygens"].to_numpy() > 2
    z_new = np.nanmedian(np.abs(new_result.compounds["z"].to_numpy()[o3]))
    z_old = np.nanmedian(np.abs(old_result.compounds["z"].to_numpy()[o3]))
    assert z_new < z_old


def test_a_bad_hydroxyl_field_is_named(hydroxylated_runs):
    _, standards, _ = hydroxylated_runs
    bad = json.loads(json.dumps(standards.calibration))
    bad["model"]["hydroxyl"] = {"term": "x", "per_oxygen": -0.17}
    with pytest.raises(Exception, match=r"model\.hydroxyl\.term"):
        load_calibration(bad)
