"""Whole-lipidome tables: other lipid classes are set aside and counted, labelled internal
standards are recognised (status ``istd``) and left out of the rules, every row gets a species."""

from __future__ import annotations

from importlib.resources import files

import pandas as pd
import pytest

from ganglioside import InputError, analyze
from tests.paths import EXPORTS

SAMPLE = str(files("ganglioside") / "data" / "measured_sample.csv")


@pytest.fixture(scope="module")
def sample_table() -> pd.DataFrame:
    return pd.read_csv(SAMPLE)


def _with_rows(table: pd.DataFrame, extra: list[dict]) -> pd.DataFrame:
    return pd.concat([table, pd.DataFrame(extra)], ignore_index=True)


@pytest.mark.slow
def test_other_classes_are_skipped_and_counted_not_invalid(sample_table):
    others = [
        {"Name": "PC 34:1", "RT": 12.0, "Volume": 5e6, "Log P": 9.0, "Anchor": "F"},
        {"Name": "TG 52:2", "RT": 20.0, "Volume": 1e6, "Log P": 15.0, "Anchor": "F"},
        {"Name": "PC 36:2", "RT": 12.5, "Volume": 4e6, "Log P": 9.5, "Anchor": "F"},
    ]
    plain = analyze(sample_table)
    mixed = analyze(_with_rows(sample_table, others))
    n = len(sample_table)
    assert len(mixed.compounds) == n
    assert mixed.summary["n_skipped_other_classes"] == 3
    assert mixed.summary["other_classes"] == {"PC": 2, "TG": 1}
    assert mixed.other_classes["row"].tolist() == [n + 1, n + 2, n + 3]
    assert mixed.other_classes["class"].tolist() == ["PC", "TG", "PC"]
    # the gangliosides get exactly the verdicts they get alone
    assert mixed.compounds["status"].tolist() == plain.compounds["status"].tolist()
    assert mixed.summary["by_status"] == plain.summary["by_status"]


def test_a_table_of_other_classes_only_is_a_clear_error():
    table = pd.DataFrame({"Name": ["PC 34:1", "TG 52:2"], "RT": [12.0, 20.0], "Volume": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"no ganglioside name in 2 data rows.*PC 1.*TG 1"):
        analyze(table)


@pytest.mark.slow
def test_labelled_internal_standards_are_istd_and_left_out_of_the_rules(sample_table):
    standards = [
        {"Name": "d5-GM1(36:1;O2)", "RT": 9.0, "Volume": 2e6, "Log P": 1.0, "Anchor": "F"},
        {"Name": "GM3(d18:1/18:0)(d5)", "RT": 30.0, "Volume": 1e6, "Log P": 3.0, "Anchor": "T"},
    ]
    plain = analyze(sample_table)
    result = analyze(_with_rows(sample_table, standards))
    c = result.compounds
    std = c[c["is_internal_standard"]]
    assert std["row"].tolist() == [len(sample_table) + 1, len(sample_table) + 2]
    assert set(std["status"]) == {"istd"}
    assert std["species"].tolist() == ["GM1 36:1;O2", "GM3 36:1;O2"]
    assert std["reasons"].str.contains("internal standard").all()
    assert std["predicted_rt"].isna().all()  # never scored against a line
    assert result.summary["by_status"]["istd"] == 2
    assert result.summary["internal_standards"] == 2
    # an RT of 30 min marked as an anchor would bend the GM3 line: it does not take part
    ordinary = c[~c["is_internal_standard"]]
    assert ordinary["status"].tolist() == plain.compounds["status"].tolist()
    # nor is it counted as endogenous signal
    assert result.summary["abundance"]["total_volume"] == pytest.approx(
        plain.summary["abundance"]["total_volume"]
    )


@pytest.mark.slow
def test_every_row_gets_its_species_whatever_the_dialect():
    table = pd.DataFrame(
        {
            "Name": [
                "GM3(d18:1/18:0)",
                "GM3 36:1;O2",
                "GD1a(36:1;O2)",
                "Ganglioside GM1 (d18:1/18:0)",
            ],
            "RT": [10.0, 10.01, 8.0, 9.0],
            "Volume": [1.0, 1.0, 1.0, 1.0],
            "Log P": [2.0, 2.0, 0.5, 1.2],
        }
    )
    c = analyze(table).compounds
    assert c["species"].tolist() == ["GM3 36:1;O2", "GM3 36:1;O2", "GD1a 36:1;O2", "GM1 36:1;O2"]


@pytest.mark.slow
def test_an_exports_other_classes_are_counted_at_the_top_of_the_summary_too():

    path = EXPORTS / "msdial_alignment_area.txt"
    result = analyze(path, sample="Brain_WT_1")
    assert result.summary["input"]["n_skipped_other_classes"] == 5
    assert result.summary["n_skipped_other_classes"] == 5
