"""Saved calibrations: lines learned on a standards run, applied to another run with a shift."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ganglioside import InputError, analyze
from ganglioside.calibration import SCHEMA, load_calibration, save_calibration
from ganglioside.cli import main
from ganglioside.simulate import simulate

SHIFT, SCALE = 0.40, 1.02


@pytest.fixture(scope="module")
def standards_run():
    sim = simulate(3)
    return sim, analyze(sim.table)


def only_wide_rows_unverified(result) -> bool:
    """Every row has a verdict, but for the few whose 95 % interval is too wide to decide."""
    c = result.compounds
    unverified = c[c["status"] == "unverified"]
    # the rule reads the decision SD (residual / z), not the calibrated pi_low/pi_high
    half_95 = (unverified["residual"] / unverified["z"]).abs() * 1.959964
    return bool((half_95 > 1.0).all() and len(unverified) <= 0.05 * len(c))


def later_run(sim):
    """The same sample on a later day: every RT moved (shift and scale), no anchors, a few
    rows missing."""
    table = sim.table.drop(columns="Anchor").copy()
    table["RT"] = (SHIFT + SCALE * table["RT"]).round(3)
    keep = np.ones(len(table), dtype=bool)
    keep[::7] = False
    return table[keep].reset_index(drop=True), keep


@pytest.mark.slow
def test_a_saved_calibration_round_trips_through_its_file(standards_run, tmp_path):
    _, result = standards_run
    path = save_calibration(result, tmp_path / "cal.json")
    document = load_calibration(path)
    assert document["schema"] == SCHEMA and document["version"] == 2
    assert document == json.loads(json.dumps(result.calibration))
    assert len(document["model"]["references"]) == int(result.compounds["is_anchor"].sum())


def test_a_later_run_is_checked_against_the_moved_lines(standards_run, tmp_path):
    sim, reference = standards_run
    path = save_calibration(reference, tmp_path / "cal.json")
    table, keep = later_run(sim)
    result = analyze(table, calibration=path)
    c = result.compounds
    assert only_wide_rows_unverified(result)
    assert set(c["model_level"].astype(str)) == {"transferred"}
    assert c["evidence"].str.contains("calibration:saved").all()
    report = result.models[0].calibration
    assert report["source"] == "saved" and report["matched_on"] == "reference species"
    # anchors' RT moved by the shift at their RT: the scale is found, and the shift with it
    assert report["scale"] == pytest.approx(SCALE, abs=0.01)
    assert report["shift"] == pytest.approx(SHIFT, abs=0.1)
    assert result.summary["models"]["calibration"]["source"] == "saved"
    assert any("saved calibration" in w for w in result.warnings)
    before = reference.compounds["status"].astype(str).to_numpy()[keep]
    assert (c["status"].astype(str).to_numpy() == before).mean() >= 0.95


def test_without_reference_species_the_strongest_peaks_set_the_shift(standards_run):
    sim, reference = standards_run
    document = json.loads(json.dumps(reference.calibration))
    document["model"]["references"] = []
    table, _ = later_run(sim)
    result = analyze(table, calibration=document)
    report = result.models[0].calibration
    assert report["matched_on"] == "strongest peaks" and report["scale"] == 1.0
    assert only_wide_rows_unverified(result)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d.update(schema="other"), "field 'schema': expected 'ganglioside-rt-cal"),
        (lambda d: d.update(version=3), "field 'version': version 3 cannot be read"),
        (lambda d: d.pop("model"), "field 'model': expected an object"),
        (
            lambda d: next(iter(d["model"]["groups"].values())).update(slope="steep"),
            "slope': expected a number, got 'steep'",
        ),
        (
            lambda d: d["model"]["composition"].update(residues=["neuac"]),
            "field 'model.composition.residues'",
        ),
        (lambda d: d["model"]["references"].append({"rt": 1}), "model.references["),
    ],
)
def test_a_bad_calibration_file_is_refused_naming_the_field(
    standards_run, tmp_path, edit, expected
):
    document = json.loads(json.dumps(standards_run[1].calibration))
    edit(document)
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError) as err:
        load_calibration(path)
    assert str(err.value).startswith("file cal.json: ")
    assert expected in str(err.value)


def test_a_missing_or_non_json_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_calibration(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match=r"file bad\.json: not a JSON calibration file"):
        load_calibration(bad)


@pytest.mark.slow
def test_the_cli_saves_and_applies_a_calibration(standards_run, tmp_path, capsys):
    sim, _ = standards_run
    standards = tmp_path / "standards.csv"
    sim.table.to_csv(standards, index=False)
    cal = tmp_path / "cal.json"
    assert (
        main(["analyze", str(standards), "-o", str(tmp_path / "a"), "--save-calibration", str(cal)])
        == 0
    )
    assert f"Calibration saved to {cal}" in capsys.readouterr().out
    run = tmp_path / "run.csv"
    later_run(sim)[0].to_csv(run, index=False)
    assert main(["analyze", str(run), "-o", str(tmp_path / "b"), "--calibration", str(cal)]) == 0
    assert "saved calibration, moved to this run" in capsys.readouterr().out
    cal.write_text('{"schema": "ganglioside-rt-calibration", "version": 9}')
    assert main(["analyze", str(run), "-o", str(tmp_path / "c"), "--calibration", str(cal)]) == 2
    assert "cal.json: field 'version'" in capsys.readouterr().err


def test_an_analysis_without_a_model_has_nothing_to_save(tmp_path):
    import pandas as pd

    table = pd.DataFrame({"Name": ["GM3(36:1;O2)"], "RT": [10.6], "Volume": [1e5]})
    result = analyze(table)
    assert result.calibration is None
    with pytest.raises(InputError, match="no calibration to save"):
        save_calibration(result, tmp_path / "cal.json")
