"""Exports as the tools write them, second round: LipidSearch 5 (Windows-1252, ``ClassKey``,
``MeanArea``, ``TopRT``, per-sample files), MS-DIAL 4 with its ``Lipid IS`` column and
normalised block, MS-DIAL 5's ``low score:``/``no MS2:`` marks, QCs and blanks kept apart, and
a run of many samples that one bad sample does not sink.  Each file is analysed as a new user
would: ``ganglioside analyze FILE`` without options."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import ganglioside
from ganglioside import cli
from tests.paths import EXPORTS

LS5_MOLECULE = EXPORTS / "lipidsearch5_LipidMolecule_export.txt"
LS5_ION = EXPORTS / "lipidsearch5_LipidIon_export.txt"
LS4_SAMPLE = EXPORTS / "lipidsearch4_Brain_WT_1.csv"
MSDIAL4 = EXPORTS / "msdial4_alignment_lipid_is.txt"
MSDIAL5 = EXPORTS / "msdial5_alignment_prefixes.txt"


def _analyze(path: Path, out: Path, *options: str) -> int:
    return cli.main(["analyze", str(path), "-o", str(out), "--outputs", "csv", *options])


# -- LipidSearch ---------------------------------------------------------------------------------


def test_a_lipidsearch5_molecule_export_in_windows_1252_is_recognised():
    assert b"\xa0" in LS5_MOLECULE.read_bytes()  # a no-break space in SubClassKey
    export = ganglioside.read_export(LS5_MOLECULE)
    assert export.format == "LipidSearch"
    assert export.sample_names == ("s1", "s2", "s3", "s4")
    assert export.n_features == 183 and export.n_other_classes == 144
    assert export.samples["s2"].columns == {
        "name": "LipidMolec",
        "rt": "BaseRt",
        "volume": "MeanArea[s2]",
    }
    frame = export.frame("s1")
    assert len(frame) == 39 and frame["Name"].iat[0] == "GD1a(d34:1)"
    assert {"TotalGrade", "TotalSmpIDRate(%)", "ClassKey"} <= set(frame.columns)
    assert export.reading["encoding"] == "Windows-1252"


@pytest.mark.slow
def test_a_new_user_analyses_the_lipidsearch5_export_without_options(tmp_path, capsys):
    assert _analyze(LS5_MOLECULE, tmp_path / "out") == 0
    printed = capsys.readouterr().out
    assert "LipidSearch export, 4 sample(s)" in printed
    assert "not UTF-8 (bytes a0" in printed and "Windows-1252" in printed
    combined = pd.read_csv(tmp_path / "out" / "compounds.csv")
    assert combined["sample"].unique().tolist() == ["s1", "s2", "s3", "s4"]
    assert (combined.groupby("sample").size() == 39).all()
    assert (combined["status"] == "valid").mean() > 0.8


def test_a_lipidsearch5_ion_export_reads_toprt_mainarea_and_maingrade():
    export = ganglioside.read_export(LS5_ION)
    assert export.format == "LipidSearch" and export.sample_names == ("s1", "s2")
    assert export.samples["s1"].columns == {
        "name": "LipidGroup",
        "rt": "TopRT",
        "volume": "MainArea[s1]",
    }
    frame = export.frame("s2")
    assert len(frame) == 14 and set(frame["MainGrade"]) == {"B"}
    assert frame["RT"].iat[0] == "7.588"


def test_a_lipidsearch4_result_of_one_sample_is_one_sample_named_after_its_file(tmp_path):
    export = ganglioside.read_export(LS4_SAMPLE)
    assert export.format == "LipidSearch"
    assert export.sample_names == ("lipidsearch4_Brain_WT_1",)
    assert export.samples["lipidsearch4_Brain_WT_1"].columns == {
        "name": "LipidGroup",
        "rt": "RetTime",
        "volume": "Area",
    }
    assert export.n_other_classes == 6
    assert _analyze(LS4_SAMPLE, tmp_path / "out") == 0
    compounds = pd.read_csv(tmp_path / "out" / "compounds.csv")
    assert len(compounds) == 16 and compounds["Grade"].eq("A").all()


# -- MS-DIAL -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_msdial4_samples_stop_at_the_lipid_is_column_and_the_normalised_block():
    export = ganglioside.read_export(MSDIAL4)
    assert export.sample_names == ("Blank_01", "QC_01", "WT_1", "WT_2", "KO_1", "KO_2", "QC_02")
    assert export.analysed_samples == ("WT_1", "WT_2", "KO_1", "KO_2")
    assert export.set_aside_samples == ("Blank_01", "QC_01", "QC_02")
    summary = export.input_summary("Blank_01")
    assert summary["sample_type"] == "blank"
    assert summary["sample_metadata"] == {
        "Class": "Blank",
        "File type": "Blank",
        "Injection order": "1",
        "Batch ID": "1",
    }
    assert export.input_summary("QC_02")["sample_type"] == "qc"


@pytest.mark.slow
def test_a_new_user_analyses_the_msdial4_alignment_samples_only(tmp_path, capsys):
    assert _analyze(MSDIAL4, tmp_path / "out") == 0
    printed = capsys.readouterr().out
    assert "3 QC/blank/standard column(s) kept apart (Blank_01, QC_01, QC_02" in printed
    combined = pd.read_csv(tmp_path / "out" / "compounds.csv")
    assert combined["sample"].unique().tolist() == ["WT_1", "WT_2", "KO_1", "KO_2"]
    folders = sorted(p.name for p in (tmp_path / "out" / "samples").iterdir())
    assert folders == ["KO_1", "KO_2", "WT_1", "WT_2"]


@pytest.mark.slow
def test_qcs_and_blanks_are_analysed_when_asked(tmp_path):
    assert _analyze(MSDIAL4, tmp_path / "out", "--all-samples") == 0
    combined = pd.read_csv(tmp_path / "out" / "compounds.csv")
    assert len(combined["sample"].unique()) == 7
    results = ganglioside.analyze_samples(MSDIAL4, samples=["QC_01"])
    assert list(results) == ["QC_01"]


def test_msdial5_marked_names_are_read_and_the_mark_kept():
    export = ganglioside.read_export(MSDIAL5)
    assert export.n_not_annotated == 1  # the one "Unknown"
    frame = export.frame("WT_1")
    assert len(frame) == 28
    marked = frame[frame["Annotation flag"] != ""]
    assert set(marked["Annotation flag"]) == {"low score", "no MS2", "w/o MS2"}
    for _, row in marked.iterrows():
        assert row["Name"].startswith(f"{row['Annotation flag']}: ")


@pytest.mark.slow
def test_a_new_user_analyses_the_msdial5_alignment_and_keeps_every_marked_ganglioside(
    tmp_path, capsys
):
    assert _analyze(MSDIAL5, tmp_path / "out") == 0
    combined = pd.read_csv(tmp_path / "out" / "compounds.csv", keep_default_na=False)
    wt1 = combined[combined["sample"] == "WT_1"]
    marked = wt1[wt1["Annotation flag"] != ""]
    assert len(marked) >= 5
    assert (marked["status"] != "invalid").all()
    assert marked["species"].str.match(r"G[MDTQ]\d").all()


def test_the_classifier_reads_msdial5_marks_as_gangliosides():
    from ganglioside.inputs.classes import GANGLIOSIDE, annotation_flags, classify_annotations

    names = pd.Series(["low score: GD2 32:1;O2", "no MS2: GM3 34:1;O2", "w/o MS2: GM1 36:1;O2"])
    assert (classify_annotations(names) == GANGLIOSIDE).all()
    assert annotation_flags(names).tolist() == ["low score", "no MS2", "w/o MS2"]
    assert ganglioside.names.parse_name("low score: GD2 32:1;O2").species == "GD2 32:1;O2"


# -- one bad sample ------------------------------------------------------------------------------


@pytest.mark.slow
def test_one_bad_sample_column_fails_alone_and_the_others_are_combined(tmp_path, capsys):
    lines = MSDIAL4.read_text("utf-8").splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("Alignment ID"))
    column = lines[header_at].split("\t").index("WT_2")
    for i in range(header_at + 1, len(lines)):
        cells = lines[i].split("\t")
        cells[column] = "n/a?"
        lines[i] = "\t".join(cells)
    path = tmp_path / "bad_sample.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = _analyze(path, tmp_path / "out")
    captured = capsys.readouterr()
    assert code == 3
    assert "failed: sample 'WT_2'" in captured.err and "no usable row" in captured.err
    assert "1 of 4 samples failed" in captured.out
    combined = pd.read_csv(tmp_path / "out" / "compounds.csv")
    assert combined["sample"].unique().tolist() == ["WT_1", "KO_1", "KO_2"]
    failed = pd.read_csv(tmp_path / "out" / "failed_samples.csv")
    assert failed["sample"].tolist() == ["WT_2"] and "no usable row" in failed["reason"].iat[0]


@pytest.mark.slow
@pytest.mark.parametrize("path", [LS5_MOLECULE, LS5_ION, MSDIAL4, MSDIAL5])
def test_every_sample_of_each_export_gets_a_result(path):
    export = ganglioside.read_export(path)
    results = ganglioside.analyze_samples(export)
    assert list(results) == list(export.analysed_samples)
    for result in results.values():
        assert (result.compounds["status"] != "invalid").all()


# -- plain answers -------------------------------------------------------------------------------

LIPIDOME = EXPORTS / "msdial5_lipidome_positive.txt"


@pytest.mark.slow
def test_a_lipidome_without_gangliosides_gets_a_plain_answer(tmp_path, capsys):
    assert _analyze(LIPIDOME, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "no ganglioside among 60 lipids (classes seen: PC 7, PE 7, TG 7" in err
    assert "header but no data rows" not in err
    with pytest.raises(ganglioside.InputError, match="no ganglioside among 60 lipids"):
        ganglioside.analyze(LIPIDOME, sample="WT_1")


def test_a_mapped_lipidome_without_gangliosides_names_its_classes(tmp_path):
    path = tmp_path / "lipids.csv"
    path.write_text("Lipid,Time,Intensity\nPC 34:1,10,100\nPC 36:2,11,100\nTG 52:2,20,300\n")
    with pytest.raises(ganglioside.InputError, match=r"classes seen: PC 2, TG 1"):
        ganglioside.analyze(path, columns="name=Lipid,rt=Time,volume=Intensity")


def test_a_sample_without_any_area_says_so(tmp_path):
    lines = MSDIAL5.read_text("utf-8").splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("Alignment ID"))
    column = lines[header_at].split("\t").index("KO_3")
    for i in range(header_at + 1, len(lines)):
        cells = lines[i].split("\t")
        cells[column] = "0"
        lines[i] = "\t".join(cells)
    path = tmp_path / "empty_sample.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ganglioside.InputError, match=r"'KO_3' has no area .* any of the 28"):
        ganglioside.analyze(path, sample="KO_3")
