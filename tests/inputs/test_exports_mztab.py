"""mzTab-M 2.0 as input: MS-DIAL's layout (SML, SMF, SME; minutes in the seconds column), a
single assay of another writer (seconds, SMF and SME only), and the files the studies write."""

from __future__ import annotations

import pandas as pd
import pytest

import ganglioside
from ganglioside import cli
from ganglioside.inputs.mztab import is_mztab, read_mztab
from tests.paths import EXPORTS

MSDIAL = EXPORTS / "msdial5_brain.mztab"
SINGLE = EXPORTS / "single_assay_Brain_WT_1.mzTab"


def test_an_msdial_mztab_is_one_sample_per_assay_with_its_group():
    export = ganglioside.read_export(MSDIAL)
    assert export.format == "mzTab-M"
    assert export.sample_names == ("WT_1", "WT_2", "KO_1", "KO_2", "QC_01")
    assert export.samples["KO_2"].metadata == {"assay": "assay[4]", "Class": "KO"}
    assert export.n_features == 28 and export.n_other_classes == 4
    frame = export.frame("WT_1")
    assert len(frame) == 24
    # names from the SML rows, RT from the SMF rows, in minutes as MS-DIAL wrote them
    assert frame["Name"].iat[0] == "GD1 34:1;O2" and frame["RT"].iat[0] == "7.588"
    assert frame["Annotation flag"].tolist().count("low score") == 3
    assert frame["source_row"].iat[0] == 58  # the line of its SMF row in the file


def test_msdial_minutes_in_the_seconds_column_are_read_with_a_warning(tmp_path):
    result = ganglioside.analyze(MSDIAL, sample="WT_1")
    warning = next(w for w in result.warnings if "retention_time_in_seconds" in w)
    assert "read as minutes" in warning and "MS-DIAL" in warning
    assert result.compounds["rt"].max() < 20


def test_a_single_assay_file_in_seconds_is_analysed_without_options(tmp_path, capsys):
    export = ganglioside.read_export(SINGLE)
    assert export.sample_names == ("Brain_WT_1",)
    frame = export.frame()
    assert frame["Name"].iat[0] == "GD1 34:1;O2"  # from the SME the SMF refers to
    assert float(frame["RT"].iat[0]) == pytest.approx(7.588, abs=1e-3)  # 455.3 s
    out = tmp_path / "out"
    assert cli.main(["analyze", str(SINGLE), "-o", str(out), "--outputs", "csv"]) == 0
    compounds = pd.read_csv(out / "compounds.csv")
    assert len(compounds) == 24 and (compounds["status"] != "invalid").all()
    assert "read as minutes" not in capsys.readouterr().out


@pytest.mark.slow
def test_a_new_user_analyses_every_assay_of_an_mztab(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["analyze", str(MSDIAL), "-o", str(out), "--outputs", "csv"]) == 0
    combined = pd.read_csv(out / "compounds.csv")
    # QC_01 is typed a QC by its name alone (MS-DIAL writes no sample description): kept
    # apart, with a warning saying so
    assert combined["sample"].unique().tolist() == ["WT_1", "WT_2", "KO_1", "KO_2"]
    assert "typed from the assay name" in capsys.readouterr().out
    again = tmp_path / "again"
    argv = ["analyze", str(MSDIAL), "-o", str(again), "--outputs", "csv", "--all-samples"]
    assert cli.main(argv) == 0
    assert "QC_01" in set(pd.read_csv(again / "compounds.csv")["sample"])


def test_mztab_is_told_from_tables_by_its_first_line():
    assert is_mztab("COM\tcomment\nMTD\tmzTab-version\t2.0.0-M\n")
    assert not is_mztab("Name,RT,Volume\nMTD,1,2\n")


def test_a_file_without_small_molecule_rows_is_refused_with_a_reason():
    with pytest.raises(ganglioside.InputError, match="no SML or SMF rows"):
        read_mztab("MTD\tmzTab-version\t2.0.0-M\n", "empty.mztab")
    text = "MTD\tmzTab-version\t2.0.0-M\nSMH\tSML_ID\tchemical_name\tabundance_assay[1]\n"
    with pytest.raises(ganglioside.InputError, match="no retention time column"):
        read_mztab(text + "SML\t1\tGM3 36:1;O2\t100\n", "sml.mztab")
    with pytest.raises(ganglioside.InputError, match="line 2: a SML row before its header"):
        read_mztab("MTD\tmzTab-version\t2.0.0-M\nSML\t1\tGM3\n", "bad.mztab")


MULTI = EXPORTS / "multi_assay_types.mzTab"


def test_the_sample_types_come_from_the_metadata_of_a_multi_assay_file():
    export = ganglioside.read_export(MULTI)
    kinds = {name: export.samples[name].metadata.get("File type") for name in export.sample_names}
    # sample[7]'s custom parameter says "quality control", sample[8]'s description "solvent
    # blank"; QC_02 says nothing but its name; the others are described as brains
    assert kinds == {
        **{f"{g}_{i}": None for g in ("WT", "KO") for i in (1, 2, 3)},
        "PoolMix_1": "QC",
        "Solvent_1": "Blank",
        "QC_02": "QC",
    }
    assert export.samples["KO_3"].metadata["Class"] == "KO"
    assert export.analysed_samples == tuple(f"{g}_{i}" for g in ("WT", "KO") for i in (1, 2, 3))
    warnings = export.samples["WT_1"].raw.warnings
    warned = [w for w in warnings if "typed from the assay name" in w]
    assert len(warned) == 1 and "QC_02 (QC)" in warned[0] and "PoolMix_1" not in warned[0]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("pooled QC", "qc"),
        ("[, , sample type, quality control]", "qc"),
        ("Solvent blank, injected after the samples", "blank"),
        ("standard", "standard"),
        ("mice fed a standard diet", ""),  # a word of another meaning in a description
        ("group WT", ""),
        ("QCT-7 treated", ""),
        ("study sample", "sample"),  # said in so many words: no type from the name then
    ],
)
def test_a_metadata_text_names_a_type_only_when_it_says_so(text, kind):
    from ganglioside.inputs.mztab_assays import type_of_text

    assert type_of_text(text) == kind
