"""Which export rows are gangliosides, which other lipids, which not annotated."""

from __future__ import annotations

import pandas as pd
import pytest

from ganglioside.inputs.classes import (
    GANGLIOSIDE,
    NOT_ANNOTATED,
    OTHER_CLASS,
    classify_annotations,
)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("GD1(36:1;O2)", GANGLIOSIDE),
        ("GM3 d18:1/16:0", GANGLIOSIDE),
        ("GT1b+OAc(38:1;O2)", GANGLIOSIDE),
        ("[IS] GM1(d18:1/18:0-d3)", GANGLIOSIDE),
        ("Ganglioside GM1 (d18:1/18:0)", GANGLIOSIDE),
        ("asialo-GM1 36:1;O2", GANGLIOSIDE),
        ("NeuGc-GM3 34:1;O2", GANGLIOSIDE),
        ("PC 34:1", OTHER_CLASS),
        ("TG(16:0/18:1/18:2)", OTHER_CLASS),
        ("GA3", OTHER_CLASS),  # gibberellic acid: a headgroup-like word without a chain
        ("GDP-mannose", OTHER_CLASS),
        ("Unknown", NOT_ANNOTATED),
        ("unknown_512.3", NOT_ANNOTATED),
        ("w/o MS2: GM3 34:1;O2", GANGLIOSIDE),  # read; the mark is kept as evidence
        ("low score: GD2 32:1;O2", GANGLIOSIDE),
        ("null", NOT_ANNOTATED),
        ("#N/A", NOT_ANNOTATED),
        ("", NOT_ANNOTATED),
    ],
)
def test_names_without_a_class_column(name, kind):
    assert classify_annotations(pd.Series([name])).tolist() == [kind]


def test_a_class_column_decides_when_it_is_filled():
    names = pd.Series(["GM3 34:1;O2", "PC 34:1", "Unknown", "X 34:1", "GD1(36:1;O2)"])
    classes = pd.Series(["GM3", "PC", "null", "NGcGM3", None])
    assert classify_annotations(names, classes).tolist() == [
        GANGLIOSIDE,
        OTHER_CLASS,
        NOT_ANNOTATED,
        GANGLIOSIDE,
        GANGLIOSIDE,  # empty class: the name decides
    ]


def test_the_class_column_wins_over_a_ganglioside_looking_name():
    names = pd.Series(["GM3 34:1;O2"])
    assert classify_annotations(names, pd.Series(["SHexCer"])).tolist() == [OTHER_CLASS]
