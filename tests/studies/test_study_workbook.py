"""``study.xlsx``: texts longer than an Excel cell holds are cut as in the analysis workbook,
and the absolute amounts have a sheet of their own."""

from __future__ import annotations

import io
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import load_workbook

from ganglioside.report.workbook import EXCEL_MAX_CHARS, cut_to_cell
from ganglioside.simulate.study import simulate_study
from ganglioside.studies import StudyResult, study
from ganglioside.studies.outputs import render_study
from ganglioside.studies.workbook import SHEETS, study_workbook_bytes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spiked(tmp_path_factory: pytest.TempPathFactory) -> StudyResult:
    """A simulated study whose design gives the pmol of GM standard spiked per sample."""
    folder = tmp_path_factory.mktemp("spiked")
    simulate_study(5, n_per_group=3).write(folder)
    design = pd.read_csv(folder / "design.csv")
    design["istd_pmol_GM"] = 10.0
    design.to_csv(folder / "design.csv", index=False)
    return study(folder / "design.csv")


def test_a_text_longer_than_a_cell_is_cut_with_the_analysis_workbooks_marker(
    spiked: StudyResult,
) -> None:
    long_text = "note " + "x" * 40_000
    samples = spiked.samples.copy()
    samples["remark"] = ""
    samples.loc[samples.index[0], "remark"] = long_text
    book = load_workbook(io.BytesIO(study_workbook_bytes(replace(spiked, samples=samples))))
    rows = list(book["Samples"].iter_rows(values_only=True))
    cell = rows[1][rows[0].index("remark")]
    assert len(cell) == EXCEL_MAX_CHARS
    assert cell == cut_to_cell(long_text)
    assert "[cut: 40,005 characters in all" in cell
    # samples.csv keeps the whole text
    assert (samples["remark"] == long_text).sum() == 1


def test_the_absolute_amounts_have_a_sheet(spiked: StudyResult) -> None:
    files = render_study(spiked)
    assert "amounts.csv" in files
    amounts = pd.read_csv(io.BytesIO(files["amounts.csv"]))
    book = load_workbook(io.BytesIO(files["study.xlsx"]), read_only=True)
    assert "Amounts" in book.sheetnames
    assert [s for s in SHEETS if s in book.sheetnames] == book.sheetnames  # in SHEETS' order
    rows = list(book["Amounts"].iter_rows(values_only=True))
    assert list(rows[0]) == list(amounts.columns)
    assert len(rows) - 1 == len(amounts)
