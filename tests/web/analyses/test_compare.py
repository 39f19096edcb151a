"""Comparison of two analyses: how rows are matched (defect 7), the parameters that differ, and
the comparison through the API."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

import ganglioside
from ganglioside import AnalysisConfig
from ganglioside import pairing as row_matching
from ganglioside.web.analyses import comparison
from ganglioside.web.analyses.services import running, submission
from tests.web.conftest import SAMPLE_CSV, make_upload

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _table(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def _sample_cells() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_CSV, dtype=str, keep_default_na=False)


def _analysed(user, content: bytes, name: str, filename: str = "sample.csv", **parameters):
    created = submission.analysis_create(
        owner=user,
        file=make_upload(content, filename),
        name=name,
        parameters=parameters,
        start=False,
    )
    done = running.analysis_run(analysis_id=created.pk)
    assert done is not None and done.status == "succeeded"
    return done


@pytest.fixture
def reversed_pair(user, sample_bytes):
    """A: the sample at outlier_z 2.5.  B: the same peaks in the reverse order (another file),
    at outlier_z 4.0."""
    a = _analysed(user, sample_bytes, "forward")
    backwards = _table(_sample_cells().iloc[::-1])
    b = _analysed(user, backwards, "backwards", "reversed.csv", outlier_z=4.0)
    return a, b


def _expected_changes() -> pd.DataFrame:
    """What the core says: the same peak (species and RT) with a different status."""
    strict = ganglioside.analyze(SAMPLE_CSV, AnalysisConfig(outlier_z=2.5)).compounds
    loose = ganglioside.analyze(
        _sample_cells().iloc[::-1].reset_index(drop=True), AnalysisConfig(outlier_z=4.0)
    ).compounds
    merged = strict.merge(loose, on=["species", "rt"], suffixes=("", "_b"))
    assert len(merged) == len(strict)  # every peak is in both
    return merged.loc[merged["status"].astype(str) != merged["status_b"].astype(str)]


def test_rows_of_two_different_files_are_matched_by_species_and_rt(client, user, reversed_pair):
    a, b = reversed_pair
    expected = _expected_changes()
    assert len(expected) > 0
    client.force_login(user)
    html = client.get("/analyses/compare/", {"a": a.pk, "b": b.pk}).content.decode()
    assert 'data-matching="species"' in html
    assert "matched by species and retention time (within 0.1 min)" in html
    assert re.search(r'<div class="n" id="n-matched">323</div>', html)
    assert f'<div class="n" id="n-changes">{len(expected)}</div>' in html
    assert re.search(r'<div class="n" id="n-only-a">0</div>', html)
    changes = html[html.index('id="changes"') :]
    pairs = re.findall(r'<tr data-row="(\d+)" data-row-b="(\d+)">', changes)
    assert sorted(int(r) for r, _ in pairs) == sorted(int(r) for r in expected["row"])[:100]
    # B's row of the same peak, counted from the other end of the file.
    assert all(int(rb) == 324 - int(ra) for ra, rb in pairs)


def test_two_runs_of_the_same_file_are_matched_row_by_row(user, sample_bytes):
    a = _analysed(user, sample_bytes, "first")
    b = _analysed(user, sample_bytes, "second", outlier_z=3.0)
    result = comparison.compare(a, b)
    assert result.matching.method == "row"
    assert result.matched == 323 and result.only_a == result.only_b == 0
    assert [(c.name, c.before_text, c.after_text) for c in result.parameter_changes] == [
        ("outlier_z", "2.5", "3.0")
    ]


def test_species_matching_follows_a_shift_of_the_whole_run(user, sample_bytes):
    cells = _sample_cells()
    cells["RT"] = (cells["RT"].astype(float) + 0.05).round(4).astype(str)
    a = _analysed(user, sample_bytes, "original")
    b = _analysed(user, _table(cells), "later", "later.csv")
    result = comparison.compare(a, b)
    assert result.matching.method == "species"
    # Every peak pairs with its own twin, also where two peaks of one species elute closer
    # together than the shift.
    assert (result.matched, result.only_a, result.only_b) == (323, 0, 0)


def _peaks(*rows: tuple[int, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["row", "key", "rt"])


def _pairs(a, b, tolerance=0.1) -> list[tuple[int, int]]:
    found = row_matching.pair_peaks(a, b, tolerance + 1e-9)
    return list(found.itertuples(index=False, name=None))


def test_peaks_of_one_species_pair_in_elution_order():
    a = _peaks((1, "GD1 36:1;O2", 8.00), (2, "GD1 36:1;O2", 8.04), (3, "GM1 36:1;O2", 9.0))
    # B: the whole run 0.05 min later, in another row order.
    b = _peaks((7, "GM1 36:1;O2", 9.05), (8, "GD1 36:1;O2", 8.09), (9, "GD1 36:1;O2", 8.05))
    assert _pairs(a, b) == [(1, 9), (2, 8), (3, 7)]
    # The nearest peak alone would pair row 2 with row 9 and leave row 1 without a partner.


def test_peaks_pair_within_the_tolerance_only_and_once():
    a = _peaks((1, "GM3 34:1;O2", 10.0), (2, "GM3 34:1;O2", 12.0), (3, "", 5.0))
    b = _peaks((1, "GM3 34:1;O2", 10.1), (2, "GM3 34:1;O2", 12.15), (3, "", 5.0))
    assert _pairs(a, b) == [(1, 1)]  # 12.0 and 12.15 are too far apart; no key, no pair
    crowded = _peaks((5, "GM3 34:1;O2", 10.02), (6, "GM3 34:1;O2", 10.04))
    assert _pairs(a.iloc[:1], crowded) == [(1, 5)]


def test_a_very_common_species_pairs_the_closest_peaks_first(monkeypatch):
    monkeypatch.setattr(row_matching, "ORDERED_LIMIT", 1)
    a = _peaks((1, "X", 8.00), (2, "X", 8.04))
    b = _peaks((1, "X", 8.05), (2, "X", 8.30))
    assert _pairs(a, b) == [(2, 1)]


def test_the_parameters_that_differ_are_listed_on_the_page(client, user, sample_bytes):
    a = _analysed(user, sample_bytes, "default")
    b = _analysed(user, sample_bytes, "changed", outlier_z=3.0, robust=False)
    client.force_login(user)
    html = client.get("/analyses/compare/", {"a": a.pk, "b": b.pk}).content.decode()
    table = html[html.index('id="parameter-changes"') :]
    table = table[: table.index("</table>")]
    assert re.search(r'data-parameter="outlier_z">.*?2\.5.*?3\.0', table, re.S)
    assert re.search(r'data-parameter="robust">.*?on.*?off', table, re.S)
    assert 'data-matching="row"' in html


def test_the_api_compares_two_analyses_and_says_how_rows_were_matched(
    api, other_api, reversed_pair
):
    a, b = reversed_pair
    expected = _expected_changes()
    response = api.get("/api/v1/analyses/compare/", {"a": a.pk, "b": b.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["matching"] == {
        "method": "species",
        "rt_tolerance": 0.1,
        "description": "matched by species and retention time (within 0.1 min), "
        "because the two analyses read different files",
    }
    assert body["counts"] == {
        "matched": 323,
        "only_a": 0,
        "only_b": 0,
        "status_differs": len(expected),
    }
    assert body["parameter_changes"] == [{"name": "outlier_z", "a": 2.5, "b": 4.0}]
    assert len(body["changes"]["results"]) == min(100, len(expected))
    first = body["changes"]["results"][0]
    assert set(first) >= {"row_a", "row_b", "name", "status_a", "status_b", "z_a", "z_b"}
    assert sum(n for _, _, n in map(dict.values, body["transitions"])) == len(expected)
    # Someone else's analyses are not found, like missing ones.
    assert other_api.get("/api/v1/analyses/compare/", {"a": a.pk, "b": b.pk}).status_code == 404
    missing = api.get("/api/v1/analyses/compare/", {"a": a.pk})
    assert missing.status_code == 400


def test_analyses_stored_before_the_species_are_matched_by_name_and_rt(user, sample_bytes):
    from ganglioside.web.analyses.models import Compound

    a = _analysed(user, sample_bytes, "forward")
    b = _analysed(user, _table(_sample_cells().iloc[::-1]), "backwards", "reversed.csv")
    Compound.objects.filter(analysis=a).update(species="")  # as rows stored before 0005
    result = comparison.compare(a, b)
    assert result.matching.method == "name"
    assert "matched by name and retention time" in result.matching.description
    assert (result.matched, result.n_changes) == (323, 0)
