"""Property-based tests: whatever the table, an AnalysisResult or a ganglioside error."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganglioside import STATUSES, AnalysisResult, GangliosideError, analyze

NAMES = st.sampled_from(
    [
        "GD1(36:1;O2)",
        "GM1(38:1;O2)",
        "GT1+OAc(36:1;O2)",
        "GD1+dHex+OAc(38:2;O3)",
        "GQ1b(40:1;O2)",
        "GM3(d36:1)",
        "GD1+XYZ(36:1;O2)",
        "nonsense",
        "",
        "=cmd()",
    ]
)
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    NAMES,
)
COLUMNS = ["Name", "RT", "Volume", "Log P", "Anchor", "Extra", "rt"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(outcome: object, n_rows: int | None = None) -> None:
    assert isinstance(outcome, AnalysisResult)
    c = outcome.compounds
    assert set(c["status"]) <= set(STATUSES)
    if n_rows is not None:
        assert len(c) == n_rows
    assert c["row"].tolist() == list(range(1, len(c) + 1))


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_result_or_a_ganglioside_error(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("bytes") / "table.csv"
    path.write_bytes(raw)
    try:
        outcome = analyze(path)
    except GangliosideError:
        return
    check(outcome)


@pytest.mark.slow
@SETTINGS
@given(
    st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=6, unique=True),
    st.integers(min_value=0, max_value=25),
    st.data(),
)
def test_arbitrary_frames_give_a_result_or_a_ganglioside_error(columns, n_rows, data):
    frame = pd.DataFrame(
        {col: data.draw(st.lists(CELLS, min_size=n_rows, max_size=n_rows)) for col in columns},
        dtype=object,
    )
    try:
        outcome = analyze(frame)
    except GangliosideError:
        return
    check(outcome, n_rows)


ROW = st.tuples(
    NAMES,
    st.floats(min_value=0.5, max_value=20, allow_nan=False),
    st.floats(min_value=0, max_value=1e8, allow_nan=False),
    st.one_of(st.none(), st.floats(min_value=-8, max_value=12, allow_nan=False)),
    st.sampled_from(["T", "F", "true", "0", "", "maybe"]),
)


@pytest.mark.slow
@SETTINGS
@given(st.lists(ROW, min_size=1, max_size=40))
def test_plausible_tables_keep_every_row_and_explain_invalid_ones(rows):
    frame = pd.DataFrame(rows, columns=["Name", "RT", "Volume", "Log P", "Anchor"])
    try:
        outcome = analyze(frame)
    except GangliosideError:
        return
    check(outcome, len(rows))
    c = outcome.compounds
    invalid = c[c["status"] == "invalid"]
    assert (invalid["reasons"] != "").all()
    valid = c[c["status"] != "invalid"]
    assert valid["formula"].str.startswith("C").all()
    assert all(math.isfinite(v) for v in valid["mass"])
