"""The steps of reading a table: the problems collector, the column checks, export formats."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

import ganglioside
import ganglioside.inputs.formats as formats
from ganglioside import InputError
from ganglioside.inputs import Export, SampleTable, read_table
from ganglioside.inputs.checks import Problems, check_anchors, check_log_p, check_rt, check_volume
from ganglioside.inputs.files import RawTable


def test_the_collector_joins_the_problems_of_a_row_in_the_order_found():
    problems = Problems(3)
    problems.add(np.array([True, False, True]), "first")
    problems.add_values(np.array([True, True, False]), "rt", np.array([1.5, -2.0, 0.0]), "bad")
    assert problems.per_row().tolist() == [
        "first; column 'RT', value '1.5': bad",
        "column 'RT', value '-2.0': bad",
        "first",
    ]


def test_a_collector_without_problems_gives_empty_texts():
    problems = Problems(2)
    problems.add(np.zeros(2, dtype=bool), "never")
    assert problems.per_row().tolist() == ["", ""]


def test_check_rt_names_each_kind_of_bad_retention_time():
    problems = Problems(5)
    rt = check_rt(pd.Series(["9.5", "abc", "", "inf", "130"]), problems, max_rt=120.0)
    # unreadable values become NaN; a number out of range is kept (its row turns invalid)
    assert rt[0] == 9.5 and np.isnan(rt[1:4]).all() and rt[4] == 130.0
    texts = problems.per_row().tolist()
    assert texts[0] == ""
    assert texts[1] == (
        "column 'RT', value 'abc': not a number; expected a retention time in minutes"
    )
    assert texts[2] == "column 'RT', value '': missing; expected a retention time in minutes"
    assert texts[3] == (
        "column 'RT', value 'inf': not finite; expected a retention time in minutes"
    )
    assert texts[4] == "column 'RT', value '130.0': out of range; expected 0.01 ≤ RT ≤ 120"


def test_check_volume_refuses_negative_and_missing_volumes():
    problems = Problems(3)
    volume = check_volume(pd.Series([10.0, -1.0, np.nan]), problems)
    assert volume[0] == 10.0 and volume[1] == -1.0 and np.isnan(volume[2])
    texts = problems.per_row().tolist()
    assert texts[1] == "column 'Volume', value '-1.0': expected a finite peak volume ≥ 0"
    assert texts[2] == "column 'Volume', value '': missing; expected a peak volume ≥ 0"


def test_log_p_and_anchor_checks_give_defaults_when_the_column_is_absent():
    problems = Problems(2)
    assert np.isnan(check_log_p(None, problems)).all()
    assert not check_anchors(None, problems).any()
    assert problems.per_row().tolist() == ["", ""]


def test_check_anchors_reads_words_and_flags_unknown_ones():
    problems = Problems(4)
    anchors = check_anchors(pd.Series(["yes", " F ", None, "maybe"]), problems)
    assert anchors.tolist() == [True, False, False, False]
    assert problems.per_row().tolist()[3] == (
        "column 'Anchor', value 'maybe': expected T/F, true/false, 1/0 or yes/no"
    )


@dataclass(frozen=True)
class _ToolExport:
    """A made-up export whose headers the generic matching would not know."""

    name: str = "tool"

    def header_row(self, top: list[list[str]]) -> int | None:
        return None

    def recognises(self, raw: RawTable) -> bool:
        return "Metabolite name" in raw.header

    def read(self, raw: RawTable) -> Export:
        renamed = {"Metabolite name": "Name", "Average Rt(min)": "RT", "Height": "Volume"}
        table = RawTable(raw.cells, [renamed.get(h, h) for h in raw.header], raw.source)
        return Export(self.name, raw.source, {"one": SampleTable(raw=table)})


def test_a_listed_export_format_reads_the_table_before_the_generic_matching(monkeypatch):
    frame = pd.DataFrame(
        {"Metabolite name": ["GD1(36:1;O2)"], "Average Rt(min)": ["9.1"], "Height": ["5"]}
    )
    with pytest.raises(InputError, match="missing required column"):
        read_table(frame)
    monkeypatch.setattr(formats, "EXPORT_FORMATS", (_ToolExport(),))
    table = read_table(frame)
    assert table.frame.loc[0, ["name", "rt", "volume"]].tolist() == ["GD1(36:1;O2)", 9.1, 5.0]
    assert ganglioside.read_export(frame).format == "tool"


def test_a_table_no_export_format_recognises_is_read_as_it_is(monkeypatch):
    monkeypatch.setattr(formats, "EXPORT_FORMATS", (_ToolExport(),))
    table = read_table(pd.DataFrame({"Name": ["GM3(36:1;O2)"], "RT": [9.0], "Area": [3]}))
    assert table.frame.loc[0, "volume"] == 3.0
