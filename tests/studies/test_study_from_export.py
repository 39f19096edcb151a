"""``ganglioside study EXPORT_FILE -o DIR``: the design built from the export's metadata rows,
printed and written as ``design.csv`` (which runs again as a design), ``samples.csv`` carrying
each sample's type."""

from __future__ import annotations

import pandas as pd
import pytest

import ganglioside
from ganglioside import cli
from ganglioside.studies.from_export import design_from_export
from tests.paths import EXPORTS

MSDIAL5 = EXPORTS / "msdial5_alignment_prefixes.txt"
LS5 = EXPORTS / "lipidsearch5_LipidMolecule_export.txt"


def test_the_design_comes_from_the_metadata_rows(tmp_path):
    design = design_from_export(ganglioside.read_export(MSDIAL5), MSDIAL5, tmp_path)
    assert design.columns.tolist() == [
        "sample",
        "file",
        "group",
        "sample_type",
        "injection_order",
        "batch",
    ]
    assert design["sample"].tolist()[:2] == ["QC_01", "WT_1"]
    assert design.set_index("sample").loc["KO_2"].tolist()[1:] == ["KO", "sample", "6", "2"]
    assert design.set_index("sample")["sample_type"].to_dict()["Blank_01"] == "blank"
    assert (tmp_path / design["file"].iat[0]).resolve() == MSDIAL5.resolve()


@pytest.mark.slow
def test_a_new_user_runs_a_study_straight_from_an_export_and_again_from_its_design(
    tmp_path, capsys
):
    out = tmp_path / "study"
    assert cli.main(["study", str(MSDIAL5), "-o", str(out), "--no-images", "--jobs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "the design from its metadata" in printed and "Blank_01 Blank       blank" in printed
    written = pd.read_csv(out / "design.csv", dtype=str)
    assert written["group"].tolist() == ["QC", "WT", "WT", "WT", "KO", "KO", "KO", "Blank"]
    samples = pd.read_csv(out / "samples.csv", dtype=str).set_index("sample")
    assert samples.loc["QC_01", "sample_type"] == "qc"
    assert samples.loc["Blank_01", "sample_type"] == "blank"
    assert samples.loc["WT_2", "sample_type"] == "sample"
    matrix = pd.read_csv(out / "matrix.csv")
    assert {"QC_01", "WT_1", "KO_3", "Blank_01"} <= set(matrix.columns) and len(matrix) > 20
    # the blank holds ~0.2 % of the samples' signal: no compound is blank contamination
    statistics = pd.read_csv(out / "statistics.csv", keep_default_na=False)
    assert not statistics["filter"].str.contains("blank").any()
    # the written design runs as it is (its file path is relative to its own folder)
    again = tmp_path / "again"
    design = str(out / "design.csv")
    assert cli.main(["study", design, "-o", str(again), "--no-images", "--jobs", "1"]) == 0
    assert pd.read_csv(again / "matrix.csv").shape == matrix.shape


def test_an_export_without_groups_writes_a_design_to_fill_in(tmp_path, capsys):
    out = tmp_path / "study"
    assert cli.main(["study", str(LS5), "-o", str(out), "--no-images"]) == 2
    err = capsys.readouterr().err
    assert "no group (a Class row) to 4 sample(s) (s1, s2, s3, s4)" in err
    assert f"ganglioside study {out / 'design.csv'}" in err
    written = pd.read_csv(out / "design.csv", dtype=str, keep_default_na=False)
    assert written["sample"].tolist() == ["s1", "s2", "s3", "s4"]
    assert (written["group"] == "").all()


@pytest.mark.slow
def test_the_study_mztab_reads_back_as_an_export(tmp_path):
    simulated = tmp_path / "sim"
    assert (
        cli.main(["simulate-study", "--seed", "4", "-o", str(simulated), "--per-group", "3"]) == 0
    )
    out = tmp_path / "study"
    design = str(simulated / "design.csv")
    assert cli.main(["study", design, "-o", str(out), "--no-images", "--jobs", "1"]) == 0
    export = ganglioside.read_export(out / "study.mztab")
    matrix = pd.read_csv(out / "matrix.csv")
    samples = [
        c for c in matrix.columns if c not in ("feature_id", "species", "name", "isomer_track")
    ]
    assert export.format == "mzTab-M" and list(export.sample_names) == samples
    assert len(matrix) > 10
    assert export.n_features == len(matrix)


def test_the_design_of_an_mztab_takes_its_sample_types_from_the_metadata(tmp_path):
    path = EXPORTS / "multi_assay_types.mzTab"
    design = design_from_export(ganglioside.read_export(path), path, tmp_path)
    by_sample = design.set_index("sample")
    assert by_sample["sample_type"].to_dict() == {
        **{f"{g}_{i}": "sample" for g in ("WT", "KO") for i in (1, 2, 3)},
        "PoolMix_1": "qc",
        "Solvent_1": "blank",
        "QC_02": "qc",
    }
    assert by_sample.loc["KO_1", "group"] == "KO" and by_sample.loc["WT_3", "group"] == "WT"
    assert by_sample.loc["Solvent_1", "group"] == ""  # in no study variable
