"""``ganglioside study``'s options come from the library's own lists of methods."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import ganglioside.studies
from ganglioside import InputError, cli
from ganglioside.studies.config import IMPUTATIONS, QUANTITIES, TESTS


@pytest.fixture
def design(tmp_path):
    path = tmp_path / "design.csv"
    path.write_text("sample,file,group\nA1,a1.csv,A\nA2,a2.csv,A\nB1,b1.csv,B\nB2,b2.csv,B\n")
    return path


@pytest.fixture
def configs(monkeypatch):
    """The study configs the command builds (the study itself stops with an input error)."""
    seen = []

    def fake_study(design, config, **_):
        seen.append(config)
        raise InputError("stopped here by the test")

    monkeypatch.setattr(ganglioside.studies, "study", fake_study)
    return seen


@pytest.mark.parametrize("method", IMPUTATIONS)
def test_every_imputation_of_the_library_is_offered(design, configs, tmp_path, method):
    code = cli.main(["study", str(design), "-o", str(tmp_path / "out"), "--impute", method])
    assert code == 2  # the fake study's input error
    assert [c.imputation for c in configs] == [method]


def test_the_new_censored_methods_are_in_the_help(capsys):
    assert cli.main(["study", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "{none,censored_test,half_min,min_prob,censored,censored_groups,knn}" in help_text


def test_every_quantity_and_test_of_the_library_is_offered(design, configs, tmp_path):
    for quantity, test in zip(QUANTITIES, [*TESTS, *TESTS], strict=False):
        args = ["--quantity", quantity, "--test", test]
        assert cli.main(["study", str(design), "-o", str(tmp_path / "out"), *args]) == 2
        assert (configs[-1].quantity, configs[-1].test) == (quantity, test)


def test_an_imputation_the_library_lacks_is_refused(design, tmp_path, capsys):
    code = cli.main(["study", str(design), "-o", str(tmp_path / "out"), "--impute", "mice"])
    assert code == 2
    assert "invalid choice: 'mice'" in capsys.readouterr().err


@pytest.mark.slow
def test_a_study_runs_with_censored_imputation(tmp_path):
    simulated = tmp_path / "sim"
    args = ["simulate-study", "--seed", "4", "-o", str(simulated), "--per-group", "3"]
    assert cli.main(args) == 0
    out = tmp_path / "study"
    design = str(simulated / "design.csv")
    args = ["study", design, "-o", str(out), "--no-images", "--jobs", "1", "--impute", "censored"]
    assert cli.main(args) == 0
    summary = json.loads((out / "study_summary.json").read_text())
    assert summary["parameters"]["imputation"] == "censored"
    measured = pd.read_csv(out / "matrix.csv")
    imputed = pd.read_csv(out / "matrix_imputed.csv")
    samples = pd.read_csv(design)["sample"].tolist()
    before, after = measured[samples], imputed[samples]
    filled = before.isna() & after.notna()
    assert filled.to_numpy().any()  # the censored method filled missing cells
    assert after[before.notna()].equals(before[before.notna()])  # measured cells unchanged
