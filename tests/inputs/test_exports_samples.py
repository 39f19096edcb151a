"""Multi-sample exports: choosing a sample, analysing all of them, and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import ganglioside
from ganglioside import InputError, cli
from ganglioside.cli_inputs import folder_names
from tests.paths import EXPORTS

SKYLINE = EXPORTS / "skyline_report_de.csv"
LIPIDSEARCH = EXPORTS / "lipidsearch4_alignment.txt"
SAMPLE = Path(ganglioside.__file__).parent / "data" / "measured_sample.csv"


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


# -- library ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_analyze_samples_reads_once_and_reports_progress_over_all_samples():
    seen = []
    results = ganglioside.analyze_samples(
        LIPIDSEARCH, progress=lambda step, fraction, message: seen.append((fraction, message))
    )
    assert list(results) == ["c", "s1", "s2"]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m.startswith("s2: ") for _, m in seen)


@pytest.mark.slow
def test_analyze_samples_takes_the_samples_asked_for_in_that_order():
    results = ganglioside.analyze_samples(LIPIDSEARCH, samples=["s2", "c"])
    assert list(results) == ["s2", "c"]
    with pytest.raises(
        InputError, match="no sample 's9' in the file; its samples are: 'c', 's1', 's2'"
    ):
        ganglioside.analyze_samples(LIPIDSEARCH, samples=["s9"])


@pytest.mark.slow
def test_an_export_read_once_can_be_analysed_sample_by_sample():
    export = ganglioside.read_export(LIPIDSEARCH)
    one = ganglioside.analyze(export, sample="s1")
    again = ganglioside.analyze(LIPIDSEARCH, sample="s1")
    pd.testing.assert_frame_equal(one.compounds, again.compounds)


def test_a_plain_table_has_no_samples():
    export = ganglioside.read_export(SAMPLE)
    assert export.is_plain and export.sample_names == ()
    with pytest.raises(InputError, match="one table without samples"):
        ganglioside.analyze(SAMPLE, sample="A")
    summary = ganglioside.analyze(SAMPLE).summary["input"]
    assert summary["format"] == "table" and summary["sample"] is None
    assert summary["columns"] == {
        "name": "Name",
        "rt": "RT",
        "volume": "Volume",
        "log_p": "Log P",
        "anchor": "Anchor",
    }


def test_folder_names_are_safe_and_unique():
    assert folder_names(["WT 1", "WT/1", "../x", "QC"]) == {
        "WT 1": "WT_1",
        "WT/1": "WT_1_2",
        "../x": "x",
        "QC": "QC",
    }


# -- command line -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_command_analyses_every_sample_into_its_folder(tmp_path, capsys):
    outdir = tmp_path / "out"
    code, out, err = run(["analyze", str(SKYLINE), "-o", str(outdir)], capsys)
    assert code == 0, err
    assert "skyline_report_de.csv: Skyline export, 2 sample(s) (Brain_WT_1, Brain_KO_1)" in out
    assert "4 of 6 features are gangliosides (2 of other classes and 0 not annotated" in out
    for sample in ("Brain_WT_1", "Brain_KO_1"):
        folder = outdir / "samples" / sample
        for name in ("compounds.csv", "fragments.csv", "summary.json", "report.html"):
            assert (folder / name).stat().st_size > 0
        document = json.loads((folder / "summary.json").read_text("utf-8"))
        assert document["summary"]["input"]["sample"] == sample
    combined = pd.read_csv(outdir / "compounds.csv")
    assert combined.columns[0] == "sample"
    assert combined["sample"].value_counts().to_dict() == {"Brain_WT_1": 4, "Brain_KO_1": 3}
    ko = pd.read_csv(outdir / "samples" / "Brain_KO_1" / "compounds.csv")
    assert combined.loc[combined["sample"] == "Brain_KO_1", "name"].tolist() == ko["name"].tolist()


@pytest.mark.slow
def test_the_command_analyses_one_sample_as_a_single_table(tmp_path, capsys):
    outdir = tmp_path / "one"
    code, out, err = run(["analyze", str(LIPIDSEARCH), "-o", str(outdir), "--sample", "s2"], capsys)
    assert code == 0, err
    assert "lipidsearch4_alignment.txt [s2]: 4 rows" in out
    assert not (outdir / "samples").exists()
    assert len(pd.read_csv(outdir / "compounds.csv")) == 4


def test_an_unknown_sample_exits_2_naming_the_samples(tmp_path, capsys):
    code, _, err = run(["analyze", str(LIPIDSEARCH), "-o", str(tmp_path), "--sample", "s7"], capsys)
    assert code == 2
    assert "no sample 's7' in the file; its samples are: 'c', 's1', 's2'" in err
    assert "Traceback" not in err


def test_columns_on_the_command_line(tmp_path, capsys):
    table = tmp_path / "other_tool.csv"
    table.write_text(
        'Metabolite,"RT (min)",Peak area\nGD1(36:1;O2),9.41,530172\nPC 34:1,14.2,4100000\n'
        "GM3(36:1;O2),8.73,321971\n",
        encoding="utf-8",
    )
    outdir = tmp_path / "out"
    args = ["analyze", str(table), "-o", str(outdir), "--columns", 'name=Metabolite,rt="RT (min)"']
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert "other_tool.csv with the columns mapping; 2 of 3 features are gangliosides" in out
    assert pd.read_csv(outdir / "compounds.csv")["name"].tolist() == [
        "GD1(36:1;O2)",
        "GM3(36:1;O2)",
    ]
    code, _, err = run(["analyze", str(table), "-o", str(outdir), "--columns", "rt=Time"], capsys)
    assert code == 2
    assert "'Time' given for rt is not in the file; its columns are: 'Metabolite'" in err


@pytest.mark.slow
def test_a_calibrant_list_serves_every_sample_of_an_export():
    calibrants = pd.DataFrame({"name": ["GM3(d18:1/18:0)", "GD1 36:1;O2"]})
    results = ganglioside.analyze_samples(
        EXPORTS / "msdial_alignment_area.txt",
        calibrants=calibrants,
    )
    assert list(results) == ["Brain_WT_1", "Brain_WT_2", "Brain_KO_1"]  # the QC kept apart
    for result in results.values():
        anchored = result.compounds.loc[result.compounds["is_anchor"], "species"]
        assert sorted(anchored) == ["GD1 36:1;O2", "GM3 36:1;O2"]
