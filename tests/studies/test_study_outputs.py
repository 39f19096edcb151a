"""The files of ``ganglioside study``, read back by independent readers, and the commands."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pyteomics import mztab

from ganglioside.cli import main
from ganglioside.simulate.study import simulate_study
from ganglioside.studies import StudyResult, study
from ganglioside.studies.mztab import study_mztab
from ganglioside.studies.outputs import write_study
from ganglioside.studies.workbook import SHEETS, study_workbook_bytes

pytestmark = pytest.mark.slow

#: Metadata every mzTab-M 2.0 file must carry (the specification's mandatory fields).
MANDATORY_MTD = (
    "mzTab-version",
    "mzTab-ID",
    "software[1]",
    "quantification_method",
    "ms_run[1]-location",
    "ms_run[1]-scan_polarity[1]",
    "assay[1]",
    "assay[1]-ms_run_ref",
    "study_variable[1]",
    "study_variable[1]-assay_refs",
    "study_variable[1]-description",
    "cv[1]-label",
    "cv[1]-full_name",
    "cv[1]-version",
    "cv[1]-uri",
    "database[1]",
    "database[1]-prefix",
    "database[1]-version",
    "database[1]-uri",
    "small_molecule-quantification_unit",
    "small_molecule_feature-quantification_unit",
    "id_confidence_measure[1]",
)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[StudyResult, dict[str, Path]]:
    sim = simulate_study(11, n_per_group=3)
    folder = tmp_path_factory.mktemp("sim")
    sim.write(folder)
    result = study(folder / "design.csv", {"imputation": "half_min"})
    return result, write_study(result, folder / "out", images=False)


@pytest.mark.slow
def test_matrix_and_statistics_files(written: tuple[StudyResult, dict[str, Path]]) -> None:
    result, paths = written
    matrix = pd.read_csv(paths["matrix.csv"], keep_default_na=False, na_values=[""])
    samples = list(result.design.names)
    assert list(matrix.columns) == ["feature_id", "species", "name", "isomer_track", *samples]
    assert len(matrix) == len(result.features)
    assert np.allclose(
        matrix[samples].to_numpy(float), result.quantities.values.to_numpy(float), equal_nan=True
    )
    stats = pd.read_csv(paths["statistics.csv"], keep_default_na=False, na_values=[""])
    lead = ["feature_id", "contrast", "species", "name", "isomer_track", "category", "rt"]
    assert list(stats.columns[:7]) == lead
    assert set(stats["contrast"]) == {"disease/control"}
    # one id joins the files: the same compound's species in both
    joined = stats.merge(matrix, on="feature_id", suffixes=("", "_matrix"))
    assert len(joined) == len(stats) and (joined["species"] == joined["species_matrix"]).all()
    # found fractions from the measured values, before the half-minimum imputation
    control = [s.sample for s in result.design.samples if s.group == "control"]
    measured = matrix.set_index("feature_id")[control].notna().mean(axis=1)
    found = stats.set_index("feature_id")["found_control"]
    assert np.allclose(found.to_numpy(), measured.reindex(found.index).to_numpy())
    assert (stats["n_imputed"] == stats["n_missing"]).all()
    imputed = pd.read_csv(paths["imputed_cells.csv"])
    assert int(imputed[samples].to_numpy(bool).sum()) == int(stats["n_missing"].sum())
    qc = pd.read_csv(paths["qc.csv"], keep_default_na=False, na_values=[""])
    assert {"qc_rsd", "d_ratio", "blank_ratio", "detection", "filter"} <= set(qc.columns)
    for column in ("p_value", "q_value", "test", "mean_control", "mean_disease", "found_fraction"):
        assert column in stats.columns
    assert "matrix_imputed.csv" in paths
    samples_csv = pd.read_csv(paths["samples.csv"])
    assert list(samples_csv["sample"]) == samples
    assert {"rt_shift", "anchors", "borrowed_anchors", "valid"} <= set(samples_csv.columns)
    for sample in samples:
        compounds = pd.read_csv(paths[f"samples/{sample}/compounds.csv"])
        assert len(compounds) == len(result.analyses[sample].compounds)


@pytest.mark.slow
def test_mztab_is_read_by_pyteomics(written: tuple[StudyResult, dict[str, Path]]) -> None:
    result, paths = written
    table = mztab.MzTab(str(paths["study.mztab"]))
    assert table.variant == "M"
    assert table.version == "2.0.0-M"
    sml = table.small_molecule_table
    smf = table.small_molecule_feature_table
    assert len(sml) == len(result.features) == len(smf)
    first = result.design.names[0]
    expected = result.quantities.values[first].to_numpy(float)
    assert np.allclose(sml["abundance_assay[1]"].to_numpy(float), expected, equal_nan=True)
    assert list(sml["chemical_name"]) == list(result.features["name"])
    assert np.allclose(smf["retention_time_in_seconds"], 60 * result.features["rt"])
    assert set(smf["charge"].astype(int)) == {-1}


def _sections(text: str) -> dict[str, pd.DataFrame]:
    """Each table section of an mzTab file as a frame (read with pandas, header line first)."""
    out = {}
    lines = text.splitlines()
    for header, prefix in (("SMH", "SML"), ("SFH", "SMF"), ("SEH", "SME")):
        block = [line for line in lines if line.startswith((header + "\t", prefix + "\t"))]
        out[prefix] = pd.read_csv(io.StringIO("\n".join(block)), sep="\t", na_values=["null"])
    mtd = [line.split("\t") for line in lines if line.startswith("MTD\t")]
    out["MTD"] = pd.DataFrame([row[1:3] for row in mtd], columns=["key", "value"])
    return out


def test_mztab_sections_and_mandatory_metadata(
    written: tuple[StudyResult, dict[str, Path]],
) -> None:
    result, _ = written
    sections = _sections(study_mztab(result))
    meta = dict(zip(sections["MTD"]["key"], sections["MTD"]["value"], strict=True))
    missing = [key for key in MANDATORY_MTD if not meta.get(key)]
    assert not missing
    assert meta["mzTab-version"] == "2.0.0-M"
    n = len(result.design.names)
    assert meta[f"assay[{n}]"] == result.design.names[-1]
    location = meta["ms_run[1]-location"]
    assert location.startswith("file:///") and " " not in location
    assert Path(unquote(urlparse(location).path)).is_file()
    sml, smf = sections["SML"], sections["SMF"]
    assert list(sml["SML_ID"]) == list(result.features["feature"])
    assert (sml["SMF_ID_REFS"] == smf["SMF_ID"]).all()
    assert {f"abundance_assay[{i}]" for i in range(1, n + 1)} <= set(sml.columns)
    assert {"abundance_study_variable[1]", "abundance_study_variable[2]"} <= set(sml.columns)
    assert sml["theoretical_neutral_mass"].notna().all()
    # reliability from the identification level: 1 for compounds anchored in some sample, 3
    # RT-consistent MS1 (no spectra here), 4 for those called outlier or fragment in at least
    # as many samples as they were valid in
    assert set(sml["reliability"]) <= {1, 3, 4} and (sml["reliability"] == 1).any()
    sme = sections["SME"]
    assert (smf["SME_ID_REFS"] == sme["SME_ID"]).all()
    level = sme.set_index("SME_ID")["id_confidence_measure[2]"]
    assert (
        sml.set_index("SML_ID")["reliability"] == level.map({1: 1, 2: 2, 3: 3, 4: 4, 5: 4})
    ).all()
    against = result.features.set_index("feature")
    for f, v in level.items():
        if v == 5:
            assert against.loc[f, "outlier_in"] or against.loc[f, "fragment_in"]


def test_workbook_and_report(written: tuple[StudyResult, dict[str, Path]]) -> None:
    _, paths = written
    book = load_workbook(paths["study.xlsx"], read_only=True)
    # every sheet but Amounts: this design gives no pmol of spiked standard
    assert book.sheetnames == [s for s in SHEETS if s != "Amounts"]
    html = paths["study_report.html"].read_text(encoding="utf-8")
    assert paths["study_report.html"].stat().st_size <= 10 * 1024 * 1024
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("src=" not in tag for tag in scripts)
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", markup)
    assert html.count("Plotly.newPlot") == 8
    for title in ("Drift", "QC and batches", "Statistics", "PCA", "Composition", "Box plots"):
        assert f"<h2>{title}</h2>" in html


@pytest.mark.slow
def test_names_from_files_are_escaped_and_neutralised(
    written: tuple[StudyResult, dict[str, Path]],
) -> None:
    result, _ = written
    batch = result.samples.loc[0, "batch"]
    result.features.loc[0, "name"] = "<script>alert(1)</script>"
    result.samples.loc[0, "batch"] = "=HYPERLINK(1)"
    try:
        from ganglioside.studies.report import study_report_html

        html = study_report_html(result)
        assert "<script>alert(1)</script>" not in html
        book = load_workbook(io.BytesIO(study_workbook_bytes(result)))
        cells = [c.value for row in book["Samples"].iter_rows() for c in row]
        assert "'=HYPERLINK(1)" in cells
    finally:
        result.features.loc[0, "name"] = result.matrix.loc[0, "name"]
        result.samples.loc[0, "batch"] = batch


@pytest.mark.slow
def test_the_commands_write_a_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate-study", "--seed", "4", "--per-group", "3", "-o", str(tmp_path)]) == 0
    design = tmp_path / "design.csv"
    assert design.is_file() and (tmp_path / "truth.csv").is_file()
    out = tmp_path / "out"
    code = main(["study", str(design), "-o", str(out), "--jobs", "2", "--no-images"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "6 samples" in printed and "q < 0.05" in printed
    for name in ("matrix.csv", "statistics.csv", "samples.csv", "study.mztab", "study.xlsx"):
        assert (out / name).is_file()
    assert (out / "samples" / "C01" / "compounds.csv").is_file()
    assert (out / "calibration.json").is_file() and (out / "shared_anchors.csv").is_file()
    own = tmp_path / "own"
    assert main(["study", str(design), "-o", str(own), "--own-anchors", "--no-images"]) == 0
    summary = json.loads((own / "study_summary.json").read_text(encoding="utf-8"))
    assert summary["rt_model"] == {"anchors": "own"}
    assert summary["parameters"]["shared_model"] is False
    assert not (own / "calibration.json").exists()
    truth = pd.read_csv(tmp_path / "truth.csv")
    single = truth[~truth["is_standard"] & truth["track"].isna()].head(5)
    single[["name", "rt"]].to_csv(tmp_path / "standards.csv", index=False)
    with_standards = tmp_path / "with_standards"
    args = ["study", str(design), "-o", str(with_standards), "--no-images"]
    assert main([*args, "--calibrants", str(tmp_path / "standards.csv")]) == 0
    samples = pd.read_csv(with_standards / "samples.csv")
    assert (samples["anchors"] >= 1).all()
    capsys.readouterr()
    assert main([*args, "--calibrants", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err


def test_a_bad_design_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    design = tmp_path / "design.csv"
    design.write_text("sample,file,group\nA,a.csv,x\nB,b.csv,y\n", encoding="utf-8")
    assert main(["study", str(design), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "file design.csv, row 1, column 'file', value 'a.csv'" in err
    assert "Traceback" not in err
    assert main(["study", str(design), "--compare", "x", "-o", str(tmp_path)]) == 2
    assert "compare must name two different groups" in capsys.readouterr().err


@pytest.mark.slow
def test_without_kaleido_the_command_says_why_no_image_was_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganglioside.studies import outputs

    monkeypatch.setattr(outputs, "images_available", lambda: False)
    assert main(["simulate-study", "--seed", "4", "--per-group", "3", "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["study", str(tmp_path / "design.csv"), "-o", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "figures as SVG/PNG were not written: they need kaleido" in printed
    assert not (tmp_path / "out" / "figures").exists()


@pytest.mark.slow
def test_every_file_written_is_one_of_the_registry_and_the_same_bytes(
    written: tuple[StudyResult, dict[str, Path]],
) -> None:
    from ganglioside.studies.outputs import STUDY_OUTPUTS, render_study

    result, paths = written
    top = {name for name in paths if "/" not in name}
    assert top <= set(STUDY_OUTPUTS)
    rendered = render_study(result)
    assert set(rendered) == top  # matrix_imputed.csv too: this study imputes
    # the workbook stamps its creation time, the report's figures have random element ids
    for name in top - {"study.xlsx", "study_report.html"}:
        assert paths[name].read_bytes() == rendered[name], name
