"""Another user's analysis answers 404 everywhere: API, results, exports, pages.

(The WebSocket is covered in test_consumers.py.)
"""

from __future__ import annotations

import pytest

from ganglioside.web.analyses.models import Analysis

pytestmark = pytest.mark.django_db

PATHS = [
    "",
    "compounds/",
    "models/",
    "fragments/",
    "export/csv",
    "export/xlsx",
    "export/json",
    "export/html",
]


@pytest.mark.slow
@pytest.mark.parametrize("tail", PATHS)
def test_another_users_analysis_is_404_on_every_get(other_api, finished_analysis, tail):
    response = other_api.get(f"/api/v1/analyses/{finished_analysis.pk}/{tail}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    missing = other_api.get(f"/api/v1/analyses/999999/{tail}")
    assert missing.json() == response.json()  # indistinguishable from a missing one


@pytest.mark.slow
def test_another_user_cannot_delete_or_rerun(other_api, finished_analysis):
    assert other_api.delete(f"/api/v1/analyses/{finished_analysis.pk}/").status_code == 404
    rerun = other_api.post(f"/api/v1/analyses/{finished_analysis.pk}/rerun/", {}, format="json")
    assert rerun.status_code == 404
    assert Analysis.objects.filter(pk=finished_analysis.pk).exists()
    assert Analysis.objects.count() == 1


@pytest.mark.slow
def test_the_list_shows_only_ones_own_analyses(other_api, api, finished_analysis):
    assert other_api.get("/api/v1/analyses/").json()["count"] == 0
    assert api.get("/api/v1/analyses/").json()["count"] == 1


@pytest.mark.slow
def test_the_home_page_lists_only_ones_own_analyses(client, user, other_user, finished_analysis):
    client.force_login(other_user)
    page = client.get("/").content.decode()
    assert f'data-analysis="{finished_analysis.pk}"' not in page
    client.force_login(user)
    page = client.get("/").content.decode()
    assert f'data-analysis="{finished_analysis.pk}"' in page
    assert "sample" in page


def test_pages_ask_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_signing_in_and_out(client, user):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b"Sign in" in page.content
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pw-123"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_shows_the_form_again_with_an_error(client, user):
    response = client.post("/accounts/login/", {"username": "alice", "password": "no"})
    assert response.status_code == 200
    assert b"did not match" in response.content
