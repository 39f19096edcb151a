"""A new user's first commands on every hand-written export of tests/data/exports, with no
option: ``ganglioside analyze FILE -o DIR`` and ``ganglioside study FILE -o DIR``.  Each gives
a result, or a clear error (exit 2, ``ganglioside: error:`` naming the file and what to do),
never a crash."""

from __future__ import annotations

import pandas as pd
import pytest

from ganglioside import cli
from tests.paths import EXPORTS

pytestmark = pytest.mark.slow

FILES = sorted(p for p in EXPORTS.iterdir() if p.is_file())
#: Exports a study runs from as they are (their metadata give every sample a group).
STUDIES = {
    "msdial4_alignment_lipid_is.txt",
    "msdial5_brain.mztab",
    "msdial5_alignment_prefixes.txt",
    "multi_assay_types.mzTab",
}
#: What ``study`` says of the others: one sample only, or samples without a group.
ONE_SAMPLE = "export of one sample"
NO_GROUP = "the export gives no group (a Class row)"
#: What ``analyze`` and ``study`` say of a whole lipidome without a ganglioside.
NO_GANGLIOSIDE = {"msdial5_lipidome_positive.txt": "no ganglioside among 60 lipids (classes seen"}
#: Exports whose design is refused, named as the design.csv written beside the results.
DESIGN_REFUSED = {
    "msdial_alignment_area.txt": "file design.csv, row 3, column 'group', value 'KO': the group "
    "has 1 sample",
}


#: Exports of one sample (a study needs several).
ONE_SAMPLE_FILES = {
    "lipidsearch4_Brain_WT_1.csv",
    "msdial_peaklist_Brain_WT_1.txt",
    "single_assay_Brain_WT_1.mzTab",
}
#: A plain feature table (Name, RT, Volume) given to ``study`` in place of a design.
FEATURE_TABLE = "a feature table of one sample (columns name, RT, volume), not a study design"


def _refusal(name: str) -> str:
    if name == "table_semicolon_decimal_comma.csv":
        return FEATURE_TABLE
    if name in NO_GANGLIOSIDE:
        return NO_GANGLIOSIDE[name]
    if name in DESIGN_REFUSED:
        return DESIGN_REFUSED[name]
    return ONE_SAMPLE if name in ONE_SAMPLE_FILES else NO_GROUP


def test_every_export_is_listed_with_an_expectation():
    assert len(FILES) >= 15
    assert {p.name for p in FILES} >= STUDIES


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_new_user_analyses_each_export_without_options(path, tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(["analyze", str(path), "-o", str(out)])
    captured = capsys.readouterr()
    assert "This is a bug" not in captured.err and "Traceback" not in captured.err
    if path.name in NO_GANGLIOSIDE:
        assert code == 2
        assert captured.err.startswith("ganglioside: error: file " + path.name)
        assert NO_GANGLIOSIDE[path.name] in captured.err
        return
    assert code == 0, captured.err
    compounds = pd.read_csv(out / "compounds.csv")
    assert len(compounds) > 0 and (compounds["status"] != "invalid").any()


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_new_user_runs_a_study_on_each_export_without_options(path, tmp_path, capsys):
    out = tmp_path / "study"
    code = cli.main(["study", str(path), "-o", str(out)])
    captured = capsys.readouterr()
    assert "This is a bug" not in captured.err and "Traceback" not in captured.err
    if path.name in STUDIES:
        assert code == 0, captured.err
        matrix = pd.read_csv(out / "matrix.csv")
        assert len(matrix) > 0
        design = pd.read_csv(out / "design.csv", dtype=str, keep_default_na=False)
        assert (design["file"] != "").all() and len(design) >= 4
        return
    assert code == 2
    first = "design.csv" if path.name in DESIGN_REFUSED else path.name
    assert captured.err.startswith("ganglioside: error: file " + first)
    assert _refusal(path.name) in captured.err
    assert captured.err.count(_refusal(path.name)) == 1  # said once, not once per sample
