"""``ganglioside compare A B`` and ``ganglioside analyze … --decisions FILE``, run as a user runs
them (a separate process), and the core functions behind them."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.curation import (
    AUDIT_COLUMNS,
    Decision,
    curate,
    decisions_csv,
    read_decisions,
    recount_summary,
)
from ganglioside.errors import InputError

pytestmark = pytest.mark.slow

SAMPLE = Path(str(files("ganglioside") / "data" / "measured_sample.csv"))


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ganglioside.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("runs")
    a, b = folder / "a", folder / "b"
    assert run("analyze", SAMPLE, "-o", a, "--outputs", "csv,json").returncode == 0
    done = run("analyze", SAMPLE, "-o", b, "--outputs", "csv,json", "--set", "outlier_z=2")
    assert done.returncode == 0, done.stderr
    return a, b


def test_compare_two_results_folders_lists_the_rows_that_changed(two_runs, tmp_path):
    a, b = two_runs
    done = run("compare", a, b, "-o", tmp_path / "cmp")
    assert done.returncode == 0, done.stderr
    left = pd.read_csv(a / "compounds.csv").set_index("row")
    right = pd.read_csv(b / "compounds.csv").set_index("row")
    differ = sorted(left.index[left["status"] != right.loc[left.index, "status"]])
    assert differ  # a lower outlier_z makes some valid rows outliers
    changes = pd.read_csv(tmp_path / "cmp" / "changes.csv")
    assert changes["row"].tolist() == differ
    assert (changes["row"] == changes["row_b"]).all()
    assert f"{len(differ)} paired rows changed status" in done.stdout
    assert "outlier_z: 2.5 → 2" in done.stdout
    assert f"{len(left)} rows paired, 0 only in A, 0 only in B" in done.stdout
    abundance = pd.read_csv(tmp_path / "cmp" / "abundance.csv")
    assert set(abundance["level"]) == {"category", "headgroup"}


def test_compare_the_same_table_twice_pairs_row_by_row_with_no_change():
    done = run("compare", SAMPLE, SAMPLE)
    assert done.returncode == 0, done.stderr
    assert "matched row by row" in done.stdout
    assert "0 paired rows changed status" in done.stdout


def test_compare_a_table_with_its_rows_reordered_and_shifted_pairs_by_species(tmp_path):
    table = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    moved = table.iloc[::-1].copy()
    moved["RT"] = (moved["RT"].astype(float) + 0.03).round(4).astype(str)
    other = tmp_path / "moved.csv"
    moved.to_csv(other, index=False)
    done = run("compare", SAMPLE, other, "-o", tmp_path / "cmp")
    assert done.returncode == 0, done.stderr
    assert "matched by species and retention time" in done.stdout
    n = len(table)
    paired = int(done.stdout.split(" rows paired")[0].split("\n")[-1])
    assert paired >= 0.95 * n  # a few isobaric twins may trade partners


def test_compare_names_a_folder_without_results():
    done = run("compare", SAMPLE.parent, SAMPLE)
    assert done.returncode == 2
    assert "compounds.csv not found" in done.stderr and "Traceback" not in done.stderr


def test_analyze_with_decisions_sets_the_overrides_and_recounts(tmp_path):
    plain = analyze(SAMPLE)
    valid_rows = plain.compounds.loc[plain.compounds["status"] == "valid", "row"].tolist()
    row = int(valid_rows[-1])
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        decisions_csv(
            [
                Decision(
                    row, "status", "spectrum does not match", "outlier", user="ana"
                ).audit_row(),
                Decision(row + 1, "status", "first thought", "invalid").audit_row(),
                Decision(row + 1, "clear", "second thought").audit_row(),
            ]
        )
    )
    done = run("analyze", SAMPLE, "-o", tmp_path / "out", "--outputs", "csv,json",
               "--decisions", decisions)  # fmt: skip
    assert done.returncode == 0, done.stderr
    compounds = pd.read_csv(tmp_path / "out" / "compounds.csv", keep_default_na=False)
    by_row = compounds.set_index("row")
    assert by_row.loc[row, "status"] == "outlier"
    assert by_row.loc[row, "status_computed"] == "valid"
    assert by_row.loc[row, "override_reason"] == "spectrum does not match"
    assert (compounds["override"] != "").sum() == 1  # the cleared decision left no override
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())["summary"]
    before = plain.summary["by_status"]
    assert summary["by_status"]["valid"] == before["valid"] - 1
    assert summary["by_status"]["outlier"] == before["outlier"] + 1
    assert summary["curation"]["overrides"] == 1
    assert [d["action"] for d in summary["curation"]["decisions"]] == ["status", "status", "clear"]


def test_an_anchor_decision_changes_the_input_before_the_analysis(tmp_path):
    plain = analyze(SAMPLE)
    not_anchor = plain.compounds.loc[~plain.compounds["is_anchor"].astype(bool), "row"]
    row = int(not_anchor.iloc[0])
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(decisions_csv([Decision(row, "anchor", "a standard").audit_row()]))
    done = run("analyze", SAMPLE, "-o", tmp_path / "out", "--outputs", "csv",
               "--decisions", decisions)  # fmt: skip
    assert done.returncode == 0, done.stderr
    compounds = pd.read_csv(tmp_path / "out" / "compounds.csv").set_index("row")
    assert bool(compounds.loc[row, "is_anchor"])
    assert compounds["is_anchor"].sum() == plain.compounds["is_anchor"].sum() + 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("row,action\n1,status\n", "no column 'reason'"),
        ("row,action,status,reason\n0,status,valid,x\n", "line 2, column 'row': '0'"),
        ("row,action,status,reason\n4,promote,,x\n", "line 2: unknown action 'promote'"),
        ("row,action,status,reason\n4,status,great,x\n", "status 'great' is not a status"),
        ("row,action,status,reason\n4,status,valid,\n", "a reason is required"),
    ],
)
def test_a_wrong_decisions_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_decisions(path)
    done = run("analyze", SAMPLE, "-o", tmp_path / "out", "--decisions", path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_the_decisions_file_round_trips_the_audit_trail(tmp_path):
    decided = [
        Decision(4, "status", "=looks off", "outlier", name="GM3(34:1;O2)", user="ana",
                 decided_at="2026-01-01T10:00:00+00:00", made_in_analysis=7),
        Decision(9, "unanchor", "not a standard"),
    ]  # fmt: skip
    path = tmp_path / "d.csv"
    path.write_text(decisions_csv(d.audit_row() for d in decided))
    assert path.read_text().splitlines()[0] == ",".join(AUDIT_COLUMNS)
    back = read_decisions(path)
    assert back[1] == decided[1]
    assert back[0].reason == "'=looks off"  # neutralised for spreadsheets
    assert (back[0].row, back[0].status, back[0].made_in_analysis) == (4, "outlier", 7)


def test_curation_is_a_pure_function_of_the_result_and_the_decisions():
    result = analyze(SAMPLE)
    before = result.compounds.copy()
    curated = curate(result, [Decision(1, "status", "why", "invalid")], [])
    pd.testing.assert_frame_equal(result.compounds, before)  # the input is left as it was
    assert curated.compounds.loc[0, "status"] == "invalid"
    recounted = recount_summary(result.summary, result.compounds)
    for key in ("by_status", "by_category", "by_headgroup", "abundance"):
        assert recounted[key] == result.summary[key], key
