"""POST /api/v1/auth/token/ and authentication of the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


def test_it_returns_a_token_for_a_right_password(user):
    response = APIClient().post(URL, {"username": "alice", "password": "alice-pw-123"})
    assert response.status_code == 200
    token = response.json()["token"]
    again = APIClient().post(URL, {"username": "alice", "password": "alice-pw-123"})
    assert again.json()["token"] == token  # one token per user
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/analyses/").status_code == 200


@pytest.mark.slow
def test_it_refuses_a_wrong_password_in_the_error_shape(user):
    response = APIClient().post(URL, {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "wrong username or password"


def test_it_names_a_missing_field(user):
    response = APIClient().post(URL, {"username": "alice"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("password:")
    assert "password" in response.json()["error"]["details"]


def test_the_api_refuses_anonymous_requests_with_401():
    response = APIClient().get("/api/v1/analyses/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_bad_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/v1/analyses/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_session_authentication_works_for_signed_in_browsers(client, user):
    assert client.login(username="alice", password="alice-pw-123")
    assert client.get("/api/v1/analyses/").status_code == 200


def test_an_unknown_api_url_answers_404_in_the_error_shape(api):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "no such URL", "details": {}}
    }
