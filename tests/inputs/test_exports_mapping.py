"""Tables of other tools read through an explicit column mapping (--columns / columns=)."""

from __future__ import annotations

import pandas as pd
import pytest

import ganglioside
from ganglioside import ConfigError, InputError
from ganglioside.inputs.mapping import parse_columns

FRAME = pd.DataFrame(
    {
        "Metabolite": ["GD1(36:1;O2)", "PC 34:1", "GM3(36:1;O2)", "Unknown", "GT1(36:1;O2)"],
        "RT (min)": [9.41, 14.21, 8.73, 5.1, 8.70],
        "Area": [5.3e5, 4.1e6, 3.2e5, 2.1e4, 5.6e7],
        "Name": ["feature 1", "feature 2", "feature 3", "feature 4", "feature 5"],
    }
)


def test_the_text_form_of_a_mapping_reads_quotes_and_spaces():
    assert parse_columns('name=Metabolite, rt="RT (min)",volume=Area') == {
        "name": "Metabolite",
        "rt": "RT (min)",
        "volume": "Area",
    }
    assert parse_columns('rt="Rt, min"') == {"rt": "Rt, min"}
    assert parse_columns({"logp": "cLogP", "area": "Peak"}) == {"log_p": "cLogP", "volume": "Peak"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nme=Metabolite", "unknown key 'nme'"),
        ("name=A,name=B", "given twice"),
        ("name", "is not KEY=COLUMN"),
        ("name=", "names no column"),
    ],
)
def test_a_bad_mapping_is_a_config_error_saying_what_is_wrong(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_columns(text)


def test_mapped_columns_are_read_and_other_lipids_counted():
    export = ganglioside.read_export(FRAME, columns="name=Metabolite,rt=RT (min),volume=Area")
    assert export.format == "columns mapping"
    frame = export.frame()
    assert frame["Name"].tolist() == ["GD1(36:1;O2)", "GM3(36:1;O2)", "GT1(36:1;O2)"]
    # the file's own 'Name' column would also be read as a name: it is kept under another name
    assert frame["Name (input)"].tolist() == ["feature 1", "feature 3", "feature 5"]
    assert export.n_other_classes == 1 and export.n_not_annotated == 1
    result = ganglioside.analyze(
        FRAME, columns={"name": "Metabolite", "rt": "RT (min)", "volume": "Area"}
    )
    assert result.compounds["rt"].tolist() == [9.41, 8.73, 8.70]
    assert result.summary["input"]["columns"] == {
        "name": "Metabolite",
        "rt": "RT (min)",
        "volume": "Area",
    }


def test_a_missing_mapped_column_names_the_files_columns():
    with pytest.raises(InputError) as caught:
        ganglioside.read_export(FRAME, columns="name=Metabolite,rt=Retention")
    message = str(caught.value)
    assert "'Retention' given for rt is not in the file" in message
    assert "'Metabolite', 'RT (min)', 'Area', 'Name'" in message
    assert caught.value.column == "Retention"


def test_a_mapping_overrides_a_recognised_export_format():
    frame = pd.DataFrame(
        {
            "Alignment ID": [0, 1],
            "Average Rt(min)": [9.4, 8.7],
            "Metabolite name": ["GD1(36:1;O2)", "GM3(36:1;O2)"],
            "Corrected RT": [9.5, 8.8],
            "S1": [10, 20],
        }
    )
    export = ganglioside.read_export(
        frame, columns={"name": "Metabolite name", "rt": "Corrected RT", "volume": "S1"}
    )
    assert export.format == "columns mapping"
    assert export.frame()["RT"].tolist() == [9.5, 8.8]


def test_a_class_column_can_pick_the_gangliosides():
    frame = pd.DataFrame(
        {
            "Lipid": ["GM3 d36:1", "LacCer 36:1"],
            "Kind": ["GM3", "LacCer"],
            "RT": [8.7, 9.0],
            "Volume": [1, 2],
        }
    )
    export = ganglioside.read_export(frame, columns="name=Lipid,class=Kind")
    assert export.frame()["Name"].tolist() == ["GM3 d36:1"]
    assert export.frame()["Kind"].tolist() == ["GM3"]
