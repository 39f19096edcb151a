"""Comparing two studies in the web app: the API (summary, rows, pages, CSV), the pages (the
"Compare with…" choice on a study's page, the comparison page, its filter and CSV), isolation
per owner (404) and studies that have not succeeded (409)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.urls import reverse

from ganglioside.studies.compare import AGREEMENTS, ROW_COLUMNS
from ganglioside.web.studies.models import Study, StudyStatus
from tests.paths import REPO
from tests.web.studies_data import study_run_here

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def pair(user, django_capture_on_commit_callbacks):
    """Two succeeded studies of the same samples: A compares disease/control, B the reverse."""
    capture = django_capture_on_commit_callbacks
    a = study_run_here(user, capture, "forward")
    b = study_run_here(user, capture, "reversed", compare="control/disease")
    return a, b


def _url(a: Study, b: Study, csv: bool = False) -> str:
    name = "studies-api:study-compare-csv" if csv else "studies-api:study-compare"
    return reverse(name, kwargs={"pk": a.pk, "other_id": b.pk})


def test_the_api_compares_two_studies(api, pair):
    a, b = pair
    response = api.get(_url(a, b))
    assert response.status_code == 200, response.content
    data = response.json()
    summary = data["summary"]
    changed = a.summary["n_changed_q05"]
    assert changed > 0
    assert summary["agreement"]["opposite_directions"] == changed
    assert summary["agreement"]["same_direction"] == 0
    assert summary["agreement"]["unchanged_in_both"] == summary["n_compounds"] - changed
    assert (
        summary["n_in_both"]
        == summary["n_compounds"]
        == a.summary["n_compounds"] - (a.summary["n_standards"])
    )
    assert summary["correlation"]["rho"] == pytest.approx(-1.0)
    assert (summary["comparison_a"], summary["comparison_b"]) == (
        "disease/control",
        "control/disease",
    )
    assert summary["same_comparison"] is False
    assert "species and isomer track" in summary["matching"]
    changes = data["parameter_changes"]
    assert changes == [{"name": "compare", "a": None, "b": ["control/disease"]}]
    assert data["a"]["id"] == a.pk and data["b"]["name"] == "reversed"
    assert data["a"]["page"].endswith(reverse("studies:detail", args=[a.pk]))
    assert data["labels"] == AGREEMENTS
    rows = data["rows"]
    assert rows["count"] == summary["n_compounds"] == len(rows["results"])
    assert rows["next"] is None and set(rows["results"][0]) == set(ROW_COLUMNS)
    opposite = [r for r in rows["results"] if r["agreement"] == "opposite_directions"]
    assert all(r["log2_fold_change_a"] == pytest.approx(-r["log2_fold_change_b"]) for r in opposite)
    assert all(r["q_value_a"] < 0.05 for r in opposite)

    filtered = api.get(_url(a, b), {"agreement": "opposite_directions"}).json()["rows"]
    assert filtered["count"] == changed
    assert {r["agreement"] for r in filtered["results"]} == {"opposite_directions"}
    bad = api.get(_url(a, b), {"agreement": "sideways"})
    assert bad.status_code == 400 and "agreement" in bad.json()["error"]["details"]


def test_the_api_pages_through_the_compounds(api, pair, monkeypatch):
    from ganglioside.web.studies.api import views

    monkeypatch.setattr(views, "COMPARE_PAGE_SIZE", 10)
    a, b = pair
    first = api.get(_url(a, b), {"agreement": "unchanged_in_both"}).json()["rows"]
    assert first["count"] > 10 and len(first["results"]) == 10
    assert "agreement=unchanged_in_both" in first["next"] and "page=2" in first["next"]
    second = api.get(first["next"]).json()["rows"]
    assert second["previous"] is not None
    seen = {(r["name"], r["rt_a"]) for r in first["results"]}
    assert not seen & {(r["name"], r["rt_a"]) for r in second["results"]}


def test_the_api_csv_holds_every_compound(api, pair):
    a, b = pair
    response = api.get(_url(a, b, csv=True))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"study_{a.pk}_vs_{b.pk}.csv" in response["Content-Disposition"]
    frame = pd.read_csv(io.BytesIO(response.content))
    assert list(frame.columns) == list(ROW_COLUMNS)
    summary = api.get(_url(a, b)).json()["summary"]
    assert len(frame) == summary["n_compounds"]
    counts = frame["agreement"].value_counts().to_dict()
    assert counts == {k: v for k, v in summary["agreement"].items() if v}


def test_a_study_compared_to_itself_agrees(api, pair):
    a, _ = pair
    summary = api.get(_url(a, a)).json()["summary"]
    assert summary["agreement"]["same_direction"] == a.summary["n_changed_q05"]
    assert summary["agreement"]["opposite_directions"] == 0
    assert summary["correlation"]["rho"] == pytest.approx(1.0)
    assert summary["same_comparison"] is True


def test_other_users_studies_are_404(api, other_api, client, other_user, pair, user):
    a, b = pair
    for url in (_url(a, b), _url(a, b, csv=True)):
        assert other_api.get(url).status_code == 404, url
    client.force_login(other_user)
    for name in ("studies:comparison", "studies:comparison-csv"):
        assert client.get(reverse(name, args=[a.pk, b.pk])).status_code == 404
    assert client.get(reverse("studies:compare-pick", args=[a.pk]), {"with": b.pk}).status_code == (
        404
    )
    # one's own study against someone else's: 404 too, in both orders
    theirs = Study.objects.create(
        owner=other_user, name="theirs", folder="x", design_filename="d.csv"
    )
    Study.objects.filter(pk=theirs.pk).update(status=StudyStatus.SUCCEEDED)
    for first, second in ((a, theirs), (theirs, a)):
        response = api.get(_url(first, second))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    client.force_login(user)
    assert client.get(reverse("studies:comparison", args=[a.pk, theirs.pk])).status_code == 404
    detail = client.get(reverse("studies:detail", args=[a.pk]))
    assert [s.pk for s in detail.context["compare_choices"]] == [b.pk]


def test_a_study_that_has_not_succeeded_is_409(
    api, client, user, pair, django_capture_on_commit_callbacks
):
    a, _ = pair
    queued = study_run_here(user, django_capture_on_commit_callbacks, "queued", start=False)
    for first, second in ((a, queued), (queued, a)):
        response = api.get(_url(first, second))
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "not_ready" and f"#{queued.pk} (queued)" in error["message"]
        assert api.get(_url(first, second, csv=True)).status_code == 409
    client.force_login(user)
    page = client.get(reverse("studies:comparison", args=[a.pk, queued.pk]))
    assert page.status_code == 409
    assert "must have succeeded" in page.content.decode()
    assert 'id="compare-table"' not in page.content.decode()
    # an unfinished study offers no comparison, nor is it offered
    detail = client.get(reverse("studies:detail", args=[queued.pk]))
    assert 'id="compare-with"' not in detail.content.decode()
    detail = client.get(reverse("studies:detail", args=[a.pk]))
    assert queued.pk not in [s.pk for s in detail.context["compare_choices"]]


def test_the_compare_pages(client, user, pair):
    a, b = pair
    client.force_login(user)
    detail = client.get(reverse("studies:detail", args=[a.pk]))
    text = detail.content.decode()
    assert 'id="compare-with"' in text and f'<option value="{b.pk}">' in text
    assert f'<option value="{a.pk}">' not in text

    picked = client.get(reverse("studies:compare-pick", args=[a.pk]), {"with": str(b.pk)})
    assert picked.status_code == 302
    assert picked["Location"] == reverse("studies:comparison", args=[a.pk, b.pk])
    nothing = client.get(reverse("studies:compare-pick", args=[a.pk]))
    assert nothing["Location"] == reverse("studies:detail", args=[a.pk])

    page = client.get(reverse("studies:comparison", args=[a.pk, b.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    summary = page.context["summary"]
    changed = a.summary["n_changed_q05"]
    assert summary["agreement"]["opposite_directions"] == changed
    assert html.count('<tr data-agreement="') == summary["n_compounds"]
    assert html.count('<tr data-agreement="opposite_directions"') == changed
    assert 'id="fig-study-compare"' in html and 'id="compare-figure"' in html
    assert 'data-parameter="compare"' in html and 'id="different-comparisons"' in html
    assert reverse("studies:detail", args=[a.pk]) in html
    assert reverse("studies:detail", args=[b.pk]) in html
    assert reverse("studies:comparison-csv", args=[a.pk, b.pk]) in html
    # the navigation marks Studies, not the comparison of analyses
    assert f'href="{reverse("studies:list")}" aria-current="page"' in html
    assert f'href="{reverse("pages:compare")}" aria-current' not in html

    only = client.get(
        reverse("studies:comparison", args=[a.pk, b.pk]), {"agreement": "opposite_directions"}
    )
    assert only.content.decode().count('<tr data-agreement="') == changed
    assert only.context["row_count"] == changed
    ignored = client.get(reverse("studies:comparison", args=[a.pk, b.pk]), {"agreement": "nope"})
    assert ignored.context["row_count"] == summary["n_compounds"]

    download = client.get(reverse("studies:comparison-csv", args=[a.pk, b.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(download.content))
    assert len(frame) == summary["n_compounds"]
    assert (frame["agreement"] == "opposite_directions").sum() == changed


def test_the_only_study_offers_no_choice_but_says_so(
    client, user, django_capture_on_commit_callbacks
):
    alone = study_run_here(user, django_capture_on_commit_callbacks, "alone")
    client.force_login(user)
    html = client.get(reverse("studies:detail", args=[alone.pk])).content.decode()
    assert 'id="compare-with"' in html and "once there is one" in html
    assert 'name="with"' not in html


def test_the_committed_schema_documents_the_comparison():

    text = (REPO / "docs" / "openapi.yaml").read_text()
    for path, operation in (
        ("/api/v1/studies/{id}/compare/{other_id}/", "studies_compare"),
        ("/api/v1/studies/{id}/compare/{other_id}/csv/", "studies_compare_csv"),
    ):
        assert f"  {path}:" in text and f"operationId: {operation}\n" in text
    assert "    StudyComparisonRow:" in text and "description: a study has not succeeded" in text
