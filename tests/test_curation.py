"""A curator's status decision recomputes the row's identification level
(:func:`ganglioside.curation.curated_level`), the same for ``analyze --decisions`` and the
web."""

from __future__ import annotations

import pytest

from ganglioside import analyze
from ganglioside.curation import Decision, curate, curated_level
from tests.paths import PACKAGE_DATA

SAMPLE = PACKAGE_DATA / "measured_sample.csv"
OUTLIER_ROW = 3  # GD1(34:1;O2) at 9.596 min: an RT outlier of the sample
VALID_ROW = 12  # GD1(36:2;O2): valid, not an anchor
ANCHOR_ROW = 1


@pytest.fixture(scope="module")
def result():
    return analyze(SAMPLE)


def _row(status: str, *, anchor: bool = False, evidence: str = "", warnings: str = "") -> dict:
    return {"status": status, "is_anchor": anchor, "evidence": evidence, "warnings": warnings}


@pytest.mark.parametrize(
    ("row", "level"),
    [
        (_row("valid", evidence="rt_model:fail;fragment:no"), 3),  # a curator accepts an outlier
        (_row("valid", evidence="rt_model:none;ms2:diagnostic"), 2),  # with a sialic-acid ion
        (_row("valid", anchor=True, evidence="rt_model:pass"), 1),
        (_row("outlier", evidence="rt_model:pass;ms2:diagnostic"), 5),  # rejected: contradicted
        (_row("fragment", anchor=True), 5),
        (_row("invalid"), 5),
        (_row("unverified", evidence="rt_model:none"), 4),
        (_row("istd"), 4),
        # evidence the decision does not change still caps the level
        (_row("valid", evidence="rt_model:pass;mz:fail;ms2:diagnostic"), 5),
        (_row("valid", evidence="ms2:diagnostic", warnings="implausible_composition"), 4),
    ],
)
def test_the_level_follows_the_decided_status_and_the_rows_evidence(row, level):
    assert curated_level(row) == level


@pytest.mark.slow
def test_the_computed_status_gives_back_the_computed_level_on_every_row(result):
    records = result.compounds.to_dict("records")
    assert [curated_level(r) for r in records] == [int(r["identification_level"]) for r in records]


@pytest.mark.slow
def test_an_override_recomputes_the_level_of_its_row_only(result):
    before = result.compounds.set_index("row")
    assert before.at[OUTLIER_ROW, "identification_level"] == 5
    assert before.at[VALID_ROW, "identification_level"] == 3
    decisions = [
        Decision(row=OUTLIER_ROW, action="status", status="valid", reason="known isomer"),
        Decision(row=VALID_ROW, action="status", status="outlier", reason="misannotated"),
        Decision(row=ANCHOR_ROW, action="status", status="unverified", reason="doubtful"),
    ]
    after = curate(result, decisions, []).compounds.set_index("row")
    assert after.loc[[OUTLIER_ROW, VALID_ROW, ANCHOR_ROW], "identification"].tolist() == [
        "rt_ms1",
        "contradicted",
        "composition",
    ]
    assert after.loc[[OUTLIER_ROW, VALID_ROW, ANCHOR_ROW], "identification_level"].tolist() == [
        3,
        5,
        4,
    ]
    others = before.index.difference([OUTLIER_ROW, VALID_ROW, ANCHOR_ROW])
    assert (
        after.loc[others, "identification_level"] == before.loc[others, "identification_level"]
    ).all()
    assert after["identification_level"].dtype == before["identification_level"].dtype
    # clearing the decision gives the computed level back
    cleared = curate(
        result, [*decisions, Decision(row=VALID_ROW, action="clear", reason="undo")], []
    ).compounds.set_index("row")
    assert cleared.at[VALID_ROW, "identification_level"] == 3
