"""A text longer than an Excel cell holds (32,767 characters): cut in ``workbook.xlsx`` with a
visible marker, named in the Summary sheet and the log; ``compounds.csv`` keeps it whole."""

from __future__ import annotations

import logging
from dataclasses import replace

import openpyxl
import pandas as pd

from ganglioside.report.tables import write_compounds_csv
from ganglioside.report.workbook import EXCEL_MAX_CHARS, cut_to_cell, write_workbook


def test_a_text_that_fits_is_left_alone_and_a_longer_one_says_it_was_cut():
    assert cut_to_cell("abc") == "abc"
    exact = "x" * EXCEL_MAX_CHARS
    assert cut_to_cell(exact) == exact
    cut = cut_to_cell("y" * 40_000)
    assert len(cut) == EXCEL_MAX_CHARS and cut.startswith("yyyy")
    assert cut.endswith(
        "[cut: 40,000 characters in all, more than an Excel cell holds; the CSV has the whole text]"
    )


def test_a_long_cell_is_cut_with_a_marker_noted_and_logged(small_analysis, tmp_path, caplog):
    long_text = "GM3 note " + "z" * 50_000
    compounds = small_analysis.compounds.copy()
    compounds["ms2_evidence"] = compounds["ms2_evidence"].astype(object)
    compounds.loc[compounds.index[1], "ms2_evidence"] = long_text
    analysis = replace(small_analysis, compounds=compounds)
    with caplog.at_level(logging.WARNING, logger="ganglioside.report.workbook"):
        path = write_workbook(analysis, tmp_path / "w.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["Compounds"].iter_rows(values_only=True))
    column = rows[0].index("ms2_evidence")
    cell = rows[2][column]
    assert len(cell) == EXCEL_MAX_CHARS
    assert cell.startswith("GM3 note zzz") and "[cut: 50,009 characters in all" in cell
    summary = book["Summary"].iter_rows(values_only=True)
    notes = [v for k, v in summary if str(k).startswith("note.")]
    expected = (
        "Compounds, column 'ms2_evidence', row 2: a text of 50,009 characters cut to Excel's "
        "32,767 (the CSV keeps it whole)"
    )
    assert notes == [expected]
    assert expected in caplog.text
    csv = write_compounds_csv(analysis, tmp_path / "compounds.csv")
    whole = pd.read_csv(csv, dtype=str, keep_default_na=False)["ms2_evidence"].iat[1]
    assert whole == long_text
