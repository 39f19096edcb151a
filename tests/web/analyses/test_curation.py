"""Curation services: decisions about rows, the audit trail, overrides applied and kept across
re-runs, anchor changes that reach the core through the input's Anchor flags."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

import ganglioside
from ganglioside import AnalysisConfig
from ganglioside.web.analyses.models import Artifact, Compound, Decision
from ganglioside.web.analyses.services import curation, downloads, exports, running, submission
from tests.web.conftest import SAMPLE_CSV


def _download(analysis, kind: str) -> bytes:
    """The export file a download hands out (written by the worker: inline in the tests)."""
    artifact = downloads.analysis_download(analysis=analysis, kind=kind)
    return exports.export_path(artifact).read_bytes()


pytestmark = pytest.mark.django_db

OUTLIER_ROW = 3  # GD1(34:1;O2) at 9.596 min: an outlier of the sample (z ≈ 12.5)
VALID_ROW = 12  # GD1(36:2;O2): valid, not an anchor
ANCHOR_ROW = 1  # GD1(34:1;O2) at 7.588 min: an anchor of the input


def _stored(analysis, row: int) -> Compound:
    return Compound.objects.get(analysis=analysis, row=row)


def _run(analysis):
    done = running.analysis_run(analysis_id=analysis.pk)
    assert done is not None and done.status == "succeeded", done
    return done


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def core_result() -> ganglioside.AnalysisResult:
    return ganglioside.analyze(SAMPLE_CSV)


@pytest.mark.slow
def test_recounting_an_unchanged_result_gives_the_cores_own_summary(core_result):
    summary = curation.recount_summary(core_result.summary, core_result.compounds)
    for key in ("by_status", "by_category", "by_headgroup", "abundance"):
        assert summary[key] == core_result.summary[key], key


@pytest.mark.slow
def test_a_status_override_changes_the_stored_row_counts_and_exports(finished_analysis, user):
    downloads.analysis_download(analysis=finished_analysis, kind="csv")
    before = dict(finished_analysis.status_counts)
    assert _stored(finished_analysis, OUTLIER_ROW).status == "outlier"

    decision = curation.decision_create(
        analysis=finished_analysis,
        user=user,
        row=OUTLIER_ROW,
        action="status",
        status="valid",
        reason="second peak of a known isomer; checked the spectrum",
    )

    row = _stored(finished_analysis, OUTLIER_ROW)
    assert (row.status, row.status_computed, row.override) == ("valid", "outlier", "valid")
    assert row.override_reason == "second peak of a known isomer; checked the spectrum"
    finished_analysis.refresh_from_db()
    assert finished_analysis.status_counts["valid"] == before["valid"] + 1
    assert finished_analysis.status_counts["outlier"] == before["outlier"] - 1
    assert finished_analysis.summary["by_status"]["valid"] == before["valid"] + 1
    assert finished_analysis.summary["curation"]["overrides"] == 1
    assert (
        finished_analysis.summary["curation"]["by_status_computed"]["outlier"]
        == (before["outlier"])
    )
    # The export rendered before the decision is dropped and rendered again with it.
    assert not Artifact.objects.filter(analysis=finished_analysis).exists()
    rows = _csv_rows(_download(finished_analysis, "csv"))
    third = rows[OUTLIER_ROW - 1]
    assert (third["status"], third["status_computed"], third["override"]) == (
        "valid",
        "outlier",
        "valid",
    )
    assert third["override_reason"].startswith("second peak")
    assert sum(r["override"] != "" for r in rows) == 1
    # The audit trail: who, when, what, why.
    assert decision.username == "alice" and decision.applied and decision.name == "GD1(34:1;O2)"
    (audit,) = curation.audit_rows(finished_analysis)
    assert audit["row"] == OUTLIER_ROW and audit["action"] == "status"
    assert audit["made_in_analysis"] == finished_analysis.pk


@pytest.mark.slow
def test_clearing_an_override_restores_the_cores_status(finished_analysis, user):
    counts = dict(finished_analysis.status_counts)
    for action, status in (("status", "invalid"), ("clear", "")):
        curation.decision_create(
            analysis=finished_analysis,
            user=user,
            row=VALID_ROW,
            action=action,
            status=status,
            reason="checked",
        )
    row = _stored(finished_analysis, VALID_ROW)
    assert (row.status, row.override, row.override_reason) == ("valid", "", "")
    finished_analysis.refresh_from_db()
    assert finished_analysis.status_counts == counts
    assert finished_analysis.decisions.count() == 2


@pytest.mark.slow
def test_a_decision_recomputes_the_identification_level_as_the_core_does(finished_analysis, user):
    """The web and ``analyze --decisions`` agree: both take the level from the core's
    :func:`ganglioside.curation.curated_level`; clearing restores the computed level."""
    from ganglioside.curation import Decision as CoreDecision
    from ganglioside.curation import curate

    decided = [(OUTLIER_ROW, "valid"), (VALID_ROW, "outlier")]
    before = {row: _stored(finished_analysis, row).identification_level for row, _ in decided}
    assert before == {OUTLIER_ROW: 5, VALID_ROW: 3}
    for row, status in decided:
        curation.decision_create(
            analysis=finished_analysis,
            user=user,
            row=row,
            action="status",
            status=status,
            reason="looked at the chromatogram",
        )
    web = {row: _stored(finished_analysis, row) for row, _ in decided}
    assert (web[OUTLIER_ROW].identification_level, web[OUTLIER_ROW].identification) == (
        3,
        "rt_ms1",
    )
    assert (web[VALID_ROW].identification_level, web[VALID_ROW].identification) == (
        5,
        "contradicted",
    )
    core = curate(
        ganglioside.analyze(SAMPLE_CSV),
        [CoreDecision(row=r, action="status", status=s, reason="same") for r, s in decided],
        [],
    ).compounds.set_index("row")
    for row, _ in decided:
        assert core.at[row, "identification_level"] == web[row].identification_level
        assert core.at[row, "identification"] == web[row].identification
    curation.decision_create(
        analysis=finished_analysis, user=user, row=VALID_ROW, action="clear", reason="undo"
    )
    assert _stored(finished_analysis, VALID_ROW).identification_level == before[VALID_ROW]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"row": 9999, "action": "status", "status": "valid"}, "row 9999 is not in analysis"),
        ({"row": 3, "action": "status", "status": "great"}, "'great' is not a status"),
        ({"row": 3, "action": "approve"}, "unknown action 'approve'"),
        ({"row": 3, "action": "status", "status": "valid", "reason": "  "}, "a reason is required"),
        ({"row": 3, "action": "anchor", "status": "valid"}, "only with action 'status'"),
    ],
)
@pytest.mark.slow
def test_a_decision_that_cannot_be_made_says_why(finished_analysis, user, fields, message):
    with pytest.raises(curation.DecisionError, match=message):
        curation.decision_create(
            analysis=finished_analysis, user=user, **{"reason": "because", **fields}
        )
    assert not Decision.objects.exists()


def test_decisions_wait_for_a_succeeded_analysis(queued_analysis, user):
    with pytest.raises(curation.CurationNotReady, match="queued"):
        curation.decision_create(
            analysis=queued_analysis, user=user, row=1, action="anchor", reason="standard"
        )


def _sample_with_anchors(changes: dict[int, str]) -> pd.DataFrame:
    """The sample's cells as text, with the Anchor cell of some rows replaced."""
    table = pd.read_csv(SAMPLE_CSV, dtype=str, keep_default_na=False)
    for row, flag in changes.items():
        table.loc[row - 1, "Anchor"] = flag
    return table


@pytest.mark.slow
def test_a_rerun_applies_anchor_changes_and_keeps_the_overrides(finished_analysis, user):
    for row, action in ((VALID_ROW, "anchor"), (ANCHOR_ROW, "unanchor")):
        pending = curation.decision_create(
            analysis=finished_analysis, user=user, row=row, action=action, reason="lab standard"
        )
        assert not pending.applied  # the models change only in a re-run
    curation.decision_create(
        analysis=finished_analysis,
        user=user,
        row=OUTLIER_ROW,
        action="status",
        status="valid",
        reason="confirmed by MS2",
    )
    # The anchors of the analysis itself are unchanged; its audit trail has all three.
    assert not _stored(finished_analysis, VALID_ROW).is_anchor
    finished_analysis.refresh_from_db()
    assert len(finished_analysis.summary["curation"]["decisions"]) == 3

    again = _run(submission.analysis_rerun(analysis=finished_analysis, start=False))

    assert again.name == "sample (re-run 1: 3 decisions)"
    assert again.rerun_of_id == finished_analysis.pk
    copied = list(curation.decision_list(analysis=again))
    assert [d.row for d in copied] == [VALID_ROW, ANCHOR_ROW, OUTLIER_ROW]
    assert all(d.applied and d.made_in == finished_analysis.pk for d in copied)
    assert copied[0].username == "alice" and copied[0].reason == "lab standard"
    assert _stored(again, VALID_ROW).is_anchor
    assert not _stored(again, ANCHOR_ROW).is_anchor
    # What the core says of the table with those two Anchor cells changed.
    expected = ganglioside.analyze(_sample_with_anchors({VALID_ROW: "T", ANCHOR_ROW: "F"}))
    stored = pd.DataFrame.from_records(
        Compound.objects.filter(analysis=again)
        .order_by("row")
        .values("row", "status", "status_computed", "override", "z")
    )
    assert stored["status_computed"].tolist() == expected.compounds["status"].astype(str).tolist()
    assert stored["z"].to_numpy() == pytest.approx(expected.compounds["z"].to_numpy(), nan_ok=True)
    third = stored.loc[stored["row"] == OUTLIER_ROW].iloc[0]
    assert (third["status"], third["override"]) == ("valid", "valid")
    assert third["status_computed"] == expected.compounds["status"].iloc[OUTLIER_ROW - 1]
    # Every export of the re-run shows the override.
    document = json.loads(_download(again, "json"))
    assert document["summary"]["curation"]["overrides"] == 1
    audit = document["summary"]["curation"]["decisions"]
    assert [(d["row"], d["action"], d["user"]) for d in audit] == [
        (VALID_ROW, "anchor", "alice"),
        (ANCHOR_ROW, "unanchor", "alice"),
        (OUTLIER_ROW, "status", "alice"),
    ]
    assert document["counts"]["valid"] == again.status_counts["valid"]


@pytest.mark.slow
def test_a_rerun_is_named_after_the_first_analysis_and_what_changed(finished_analysis):
    first = submission.analysis_rerun(
        analysis=finished_analysis, changes={"outlier_z": 3.0}, start=False
    )
    assert first.name == "sample (re-run 1: outlier_z 3.0)"
    second = submission.analysis_rerun(analysis=first, changes={"robust": False}, start=False)
    # Counted and compared against the first analysis of the file.
    assert second.name == "sample (re-run 2: outlier_z 3.0, robust off)"
    assert second.rerun_of_id == finished_analysis.pk
    same = submission.analysis_rerun(analysis=finished_analysis, start=False)
    assert same.name == "sample (re-run 3: same parameters)"


@pytest.mark.slow
def test_an_input_without_an_anchor_column_gets_one(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("Name,RT,Volume\nGD1(36:1;O2),8.1,100\nGM1(36:1;O2),9.0,50\n")
    from ganglioside.curation import anchored_export

    export = anchored_export(path, {2: True})
    frame = export.frame()
    assert list(frame.columns) == ["Name", "RT", "Volume", "Anchor"]
    assert frame["Anchor"].tolist() == ["", "T"]
    result = ganglioside.analyze(export, AnalysisConfig())
    assert result.compounds["is_anchor"].tolist() == [False, True]
    assert result.source == "plain.csv"


@pytest.mark.slow
def test_anchor_changes_reach_a_table_read_through_a_column_mapping(user, user_sample_mapped):
    analysis = _run(user_sample_mapped)
    curation.decision_create(
        analysis=analysis, user=user, row=VALID_ROW, action="anchor", reason="lab standard"
    )
    again = _run(submission.analysis_rerun(analysis=analysis, start=False))
    assert _stored(again, VALID_ROW).is_anchor
    assert _stored(again, ANCHOR_ROW).is_anchor  # the file's own anchors stay
    assert again.n_compounds == analysis.n_compounds == 323


@pytest.fixture
def user_sample_mapped(user):
    from tests.web.conftest import make_upload

    cells = _sample_with_anchors({})
    cells.columns = ["Metabolite", "Retention", "Peak size", "cLogP", "Standard"]
    content = cells.to_csv(index=False).encode()
    columns = {"name": "Metabolite", "rt": "Retention", "volume": "Peak size", "log_p": "cLogP",
               "anchor": "Standard"}  # fmt: skip
    return submission.analysis_create(
        owner=user,
        file=make_upload(content, "mapped.csv"),
        name="mapped",
        columns=columns,
        start=False,
    )
