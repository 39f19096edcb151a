"""Rate limits answer 429 in the error shape."""

from __future__ import annotations

import pytest

from tests.web.conftest import make_upload

pytestmark = pytest.mark.django_db


def test_the_default_limits_are_10_per_second_and_2_uploads_per_minute():
    import subprocess
    import sys

    code = (
        "import os; os.environ.update(SECRET_KEY='x');"
        "[os.environ.pop(k, None) for k in ('GANGLIOSIDE_API_RATE','GANGLIOSIDE_UPLOAD_RATE')];"
        "import ganglioside.web.settings as s; print(s.GANGLIOSIDE_RATES)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "'api': '10/s'" in out.stdout and "'uploads': '2/min'" in out.stdout


def test_the_third_upload_in_a_minute_answers_429(api, settings, sample_bytes):
    settings.GANGLIOSIDE_RATES = {**settings.GANGLIOSIDE_RATES, "uploads": "2/min"}
    codes = [
        api.post(
            "/api/v1/analyses/", {"file": make_upload(sample_bytes)}, format="multipart"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [202, 202, 429]
    response = api.post(
        "/api/v1/analyses/", {"file": make_upload(sample_bytes)}, format="multipart"
    )
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert 0 < error["details"]["retry_after"] <= 60
    assert int(response["Retry-After"]) > 0
    # reading is still allowed
    assert api.get("/api/v1/analyses/").status_code == 200


def test_api_requests_over_the_rate_answer_429_per_user(api, other_api, settings):
    settings.GANGLIOSIDE_RATES = {**settings.GANGLIOSIDE_RATES, "api": "5/min"}
    codes = [api.get("/api/v1/analyses/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    # another user has a budget of their own
    assert other_api.get("/api/v1/analyses/").status_code == 200


def test_token_requests_are_limited_per_address(user, settings):
    from rest_framework.test import APIClient

    settings.GANGLIOSIDE_RATES = {**settings.GANGLIOSIDE_RATES, "auth": "3/min"}
    client = APIClient()
    codes = [
        client.post("/api/v1/auth/token/", {"username": "alice", "password": "x"}).status_code
        for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]
