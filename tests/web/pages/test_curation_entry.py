"""Curation and re-runs through the API and the pages: decisions per analysis (owner only), the
audit trail as CSV, the re-run form with the current parameters."""

from __future__ import annotations

import csv
import io
import re

import pytest

from ganglioside.web.analyses.models import Analysis, Compound, Decision

pytestmark = pytest.mark.django_db

OUTLIER_ROW = 3


def _decisions_url(analysis) -> str:
    return f"/api/v1/analyses/{analysis.pk}/decisions/"


def _accept(api, analysis, row=OUTLIER_ROW):
    return api.post(
        _decisions_url(analysis),
        {"row": row, "action": "status", "status": "valid", "reason": "MS2 confirms it"},
        format="json",
    )


# -- the API --------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_decision_through_the_api_is_kept_and_shown_with_the_row(api, finished_analysis):
    response = _accept(api, finished_analysis)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("row", "action", "status", "reason", "user", "applied")} == {
        "row": OUTLIER_ROW,
        "action": "status",
        "status": "valid",
        "reason": "MS2 confirms it",
        "user": "alice",
        "applied": True,
    }
    assert body["made_in"] == finished_analysis.pk and body["name"] == "GD1(34:1;O2)"
    listed = api.get(_decisions_url(finished_analysis)).json()
    assert [d["id"] for d in listed] == [body["id"]]
    rows = api.get(
        f"/api/v1/analyses/{finished_analysis.pk}/compounds/", {"status": "valid"}
    ).json()
    row = next(r for r in rows["results"] if r["row"] == OUTLIER_ROW)
    assert (row["status"], row["status_computed"], row["override"]) == ("valid", "outlier", "valid")
    assert row["override_reason"] == "MS2 confirms it"
    assert row["species"] and row["is_internal_standard"] is False
    links = api.get(f"/api/v1/analyses/{finished_analysis.pk}/").json()["links"]
    assert links["decisions"].endswith(_decisions_url(finished_analysis))


@pytest.mark.slow
def test_decisions_of_another_users_analysis_are_not_found(other_api, finished_analysis):
    assert other_api.get(_decisions_url(finished_analysis)).status_code == 404
    assert _accept(other_api, finished_analysis).status_code == 404
    audit = other_api.get(f"{_decisions_url(finished_analysis)}audit.csv")
    assert audit.status_code == 404
    assert not Decision.objects.exists()


@pytest.mark.slow
def test_a_decision_the_service_refuses_answers_400_naming_the_problem(api, finished_analysis):
    response = _accept(api, finished_analysis, row=5000)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_decision"
    assert "row 5000 is not in analysis" in error["message"]
    no_reason = api.post(
        _decisions_url(finished_analysis), {"row": 1, "action": "anchor"}, format="json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["message"]


def test_decisions_on_an_unfinished_analysis_answer_409(api, queued_analysis):
    response = _accept(api, queued_analysis)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_ready"


@pytest.mark.slow
def test_the_audit_trail_downloads_as_csv(api, finished_analysis):
    _accept(api, finished_analysis)
    response = api.get(f"{_decisions_url(finished_analysis)}audit.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    (line,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert line["user"] == "alice" and line["row"] == str(OUTLIER_ROW)
    assert line["action"] == "status" and line["status"] == "valid"
    assert line["reason"] == "MS2 confirms it" and line["decided_at"]


@pytest.mark.slow
def test_an_api_rerun_carries_the_decisions_and_is_named_after_its_changes(api, finished_analysis):
    _accept(api, finished_analysis)
    response = api.post(
        f"/api/v1/analyses/{finished_analysis.pk}/rerun/", {"outlier_z": 3.0}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert body["name"] == "sample (re-run 1: outlier_z 3.0; 1 decision)"
    again = Analysis.objects.get(pk=body["id"])
    assert again.decisions.get().reason == "MS2 confirms it"


@pytest.mark.slow
def test_an_api_rerun_with_a_bad_parameter_does_not_count_against_the_limit(
    api, finished_analysis, settings
):
    settings.GANGLIOSIDE_RATES = {**settings.GANGLIOSIDE_RATES, "uploads": "1/min"}
    url = f"/api/v1/analyses/{finished_analysis.pk}/rerun/"
    assert api.post(url, {"outlier_z": -1}, format="json").status_code == 400
    assert api.post(url, {"outlier_z": 3}, format="json").status_code == 202
    assert api.post(url, {"outlier_z": 3.5}, format="json").status_code == 429


# -- the pages ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_analysis_page_offers_decisions_and_rerun(client, user, finished_analysis):
    client.force_login(user)
    html = client.get(f"/analyses/{finished_analysis.pk}/").content.decode()
    assert 'id="curation-panel"' in html
    pk = finished_analysis.pk
    for path in (f"/analyses/{pk}/curation/", f"/analyses/{pk}/rerun/", f"/analyses/{pk}/rows/"):
        assert f'href="{path}"' in html or f'action="{path}"' in html, path
    opened = client.get(f"/analyses/{pk}/rows/", {"row": 7})
    assert opened.status_code == 302 and opened["Location"] == f"/analyses/{pk}/rows/7/"


@pytest.mark.slow
def test_a_decision_from_the_row_page_is_recorded_and_listed(client, user, finished_analysis):
    client.force_login(user)
    url = f"/analyses/{finished_analysis.pk}/rows/{OUTLIER_ROW}/"
    page = client.get(url).content.decode()
    assert "GD1(34:1;O2)" in page and 'id="decision-form"' in page
    assert f'action="{url}decide/"' in page
    posted = client.post(
        f"{url}decide/",
        {"action": "status", "status": "invalid", "reason": "co-eluting contaminant"},
    )
    assert posted.status_code == 302 and posted["Location"] == url
    row = Compound.objects.get(analysis=finished_analysis, row=OUTLIER_ROW)
    assert (row.status, row.override_reason) == ("invalid", "co-eluting contaminant")
    after = client.get(url).content.decode()
    assert "co-eluting contaminant" in after and 'id="row-override"' in after
    refused = client.post(f"{url}decide/", {"action": "status", "status": "great", "reason": "x"})
    assert refused.status_code == 400 and "great" in refused.content.decode()
    panel = client.get(f"/analyses/{finished_analysis.pk}/").content.decode()
    assert "1 decision, 1 row with a status you set" in panel
    audit = client.get(f"/analyses/{finished_analysis.pk}/curation/audit.csv")
    assert "co-eluting contaminant" in audit.content.decode()


@pytest.mark.slow
def test_the_decision_form_explains_what_was_wrong(client, user, finished_analysis):
    client.force_login(user)
    url = f"/analyses/{finished_analysis.pk}/curation/"
    response = client.post(url, {"row": 999, "action": "anchor", "reason": "a standard of the lab"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Row 999 is not in analysis" in html
    assert "a standard of the lab" in html  # the reason typed is kept in the form
    pending = client.post(url, {"row": 12, "action": "anchor", "reason": "lab standard"})
    assert pending.status_code == 302
    page = client.get(url).content.decode()
    assert 'id="pending"' in page and "waits for a re-run" in page


@pytest.mark.slow
def test_curation_pages_of_another_users_analysis_are_not_found(
    client, other_user, finished_analysis
):
    client.force_login(other_user)
    pk = finished_analysis.pk
    for path in (
        f"/analyses/{pk}/curation/",
        f"/analyses/{pk}/curation/audit.csv",
        f"/analyses/{pk}/rows/3/",
        f"/analyses/{pk}/rows/?row=3",
        f"/analyses/{pk}/rerun/",
    ):
        assert client.get(path).status_code == 404, path
    response = client.post(f"/analyses/{pk}/curation/", {"row": 3, "action": "anchor"})
    assert response.status_code == 404
    decide = {"action": "anchor", "reason": "mine now"}
    assert client.post(f"/analyses/{pk}/rows/3/decide/", decide).status_code == 404
    assert not Decision.objects.exists()


@pytest.mark.slow
def test_the_rerun_form_starts_at_the_current_parameters(client, user, finished_analysis):
    client.force_login(user)
    url = f"/analyses/{finished_analysis.pk}/rerun/"
    posted = client.post(url, {**_form_values(client, url), "outlier_z": "3.0"})
    assert posted.status_code == 302
    again = Analysis.objects.exclude(pk=finished_analysis.pk).get()
    assert posted["Location"] == f"/analyses/{again.pk}/"
    assert again.name == "sample (re-run 1: outlier_z 3.0)"
    assert again.parameters["outlier_z"] == 3.0
    # The re-run's own form shows its values.
    html = client.get(f"/analyses/{again.pk}/rerun/").content.decode()
    field = re.search(r'<input[^>]*name="outlier_z"[^>]*>', html).group(0)
    assert 'value="3.0"' in field
    # Unchanged parameters: the same ones again.
    same = client.post(url, _form_values(client, url))
    assert same.status_code == 302
    assert Analysis.objects.order_by("-pk").first().name == "sample (re-run 2: same parameters)"


@pytest.mark.slow
def test_a_rerun_parameter_out_of_range_is_shown_at_its_field(client, user, finished_analysis):
    client.force_login(user)
    url = f"/analyses/{finished_analysis.pk}/rerun/"
    response = client.post(url, {**_form_values(client, url), "outlier_z": "-2"})
    assert response.status_code == 400
    assert "outlier_z" in response.content.decode()
    assert Analysis.objects.count() == 1


def _form_values(client, url) -> dict[str, str]:
    """The values the re-run form shows (what a browser sends when nothing is changed)."""
    html = client.get(url).content.decode()
    values = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                values[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = _unescape(value.group(1)) if value else ""
    return values


def _unescape(text: str) -> str:
    return text.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&")
