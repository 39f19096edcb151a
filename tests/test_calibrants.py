"""Calibrant lists: the lab's standards become anchors, whatever dialect names them."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from ganglioside import InputError, analyze
from ganglioside.calibrants import DEFAULT_TOLERANCE, calibrant_frame, read_calibrants
from ganglioside.cli import main

SAMPLE = str(files("ganglioside") / "data" / "measured_sample.csv")


@pytest.fixture(scope="module")
def sample():
    return pd.read_csv(SAMPLE)


def test_a_calibrant_list_is_checked_and_keyed_by_species():
    frame = calibrant_frame(
        pd.DataFrame(
            {
                "Name": ["GM3(d18:1/18:0)", "GD1a 36:1;O2", "GM3(d18:1/18:0)-d5"],
                "RT (min)": ["10.6", "", "10,5"],
                "Tolerance": ["", "0.2", ""],
            }
        )
    )
    assert frame["species"].tolist() == ["GM3 36:1;O2", "GD1a 36:1;O2", "GM3 36:1;O2"]
    assert frame["internal_standard"].tolist() == [False, False, True]
    np.testing.assert_allclose(frame["rt"], [10.6, np.nan, 10.5])
    np.testing.assert_allclose(frame["tolerance"], [DEFAULT_TOLERANCE, 0.2, DEFAULT_TOLERANCE])


def test_a_name_listed_twice_is_two_calibrants():
    # Both isomer tracks of a species as standards: the same name with two RTs (before, the
    # list's rows and its distinct names did not line up: "This is a bug").
    frame = calibrant_frame(pd.DataFrame({"name": ["GD1(34:1;O2)"] * 2, "rt": [7.6, 8.1]}))
    assert frame["species"].tolist() == ["GD1 34:1;O2", "GD1 34:1;O2"]
    np.testing.assert_allclose(frame["rt"], [7.6, 8.1])
    with pytest.raises(InputError, match="row 3, column 'name', value 'PC 34:1'"):
        calibrant_frame(pd.DataFrame({"name": ["GM3(36:1;O2)", "GM3(36:1;O2)", "PC 34:1"]}))


def test_a_whole_run_read_as_a_calibrant_list_makes_anchors(sample):
    # README's `ganglioside analyze run.csv --calibrants standards.csv` with a standards run
    # (names repeated, as in any run) as the list
    result = analyze(sample.drop(columns=["Anchor"]), calibrants=sample[["Name", "RT"]])
    assert int(result.compounds["is_anchor"].sum()) > 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("compound_id,rt\nx,1\n", "no name column"),
        ("name,rt\nGM3(36:1;O2),ten\n", "row 1, column 'rt', value 'ten': expected a number > 0"),
        ("name,rt\nGM3(36:1;O2),1\nGD1(36:1;O2),-2\n", "row 2, column 'rt', value '-2'"),
        ("name,tolerance\nGM3(36:1;O2),0\n", "row 1, column 'tolerance', value '0'"),
        ("name\nGM3(36:1;O2)\nPC 34:1\n", "row 2, column 'name', value 'PC 34:1'"),
        ("name,rt\nGM3(36:1;O2),1\n,2\n", "row 2, column 'name', value '': empty name"),
        ("name,rt\n", "no rows"),
    ],
)
def test_a_bad_calibrant_file_names_file_row_column_and_value(tmp_path, content, expected):
    path = tmp_path / "standards.csv"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        read_calibrants(path)
    assert "standards.csv" in str(err.value)
    assert expected in str(err.value)


def test_calibrants_make_anchors_of_an_export_without_anchors(sample):
    table = sample.drop(columns="Anchor")
    standards = pd.DataFrame(
        {
            # other dialects than the table's; an expected RT picks one of two GD1 peaks,
            # without one the most abundant peak is taken
            "name": ["GD1 36:1;O2", "GD1(d18:1/20:0)", "GM1(d18:1/18:0)", "GT1 36:1;O2", "GQ9"],
            "rt": [9.144, np.nan, 10.1, 8.70, np.nan],
        }
    )
    standards.loc[4, "name"] = "GM3 44:1;O2"  # not in the run
    result = analyze(table, calibrants=standards)
    c = result.compounds
    anchored = c.loc[c["is_anchor"], ["name", "rt"]]
    assert sorted(map(tuple, anchored.to_numpy().tolist())) == sorted(
        [
            ("GD1(36:1;O2)", 9.144),
            ("GD1(38:1;O2)", 11.175),
            ("GM1(36:1;O2)", 10.099),
            ("GT1(36:1;O2)", 8.701),
        ]
    )
    assert (c.loc[c["is_anchor"], "status"] == "valid").all()
    warning = next(w for w in result.warnings if w.startswith("calibrant list"))
    assert "4 of 5 calibrant(s) matched" in warning and "GM3 44:1;O2" in warning
    assert "self_calibrated" not in set(c["model_level"].astype(str))


def test_an_rt_outside_the_tolerance_matches_nothing(sample):
    standards = pd.DataFrame({"name": ["GD1(36:1;O2)"], "rt": [12.0], "tolerance": [0.3]})
    result = analyze(sample.drop(columns="Anchor"), calibrants=standards)
    assert not result.compounds["is_anchor"].any()
    assert any("0 of 1 calibrant(s)" in w for w in result.warnings)


@pytest.mark.slow
def test_the_cli_reads_a_calibrant_file(tmp_path, sample, capsys):
    table = tmp_path / "run.csv"
    sample.drop(columns="Anchor").to_csv(table, index=False)
    standards = tmp_path / "standards.csv"
    standards.write_text("name,rt\nGD1(36:1;O2),9.14\nGT1(36:1;O2),8.70\nGM1(36:1;O2),10.1\n")
    code = main(
        ["analyze", str(table), "-o", str(tmp_path / "out"), "--calibrants", str(standards)]
    )
    assert code == 0
    assert "(3 anchors)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("name,rt\nGD1(36:1;O2),soon\n")
    assert main(["analyze", str(table), "-o", str(tmp_path / "o2"), "--calibrants", str(bad)]) == 2
    assert "bad.csv, row 1, column 'rt', value 'soon'" in capsys.readouterr().err
