"""Rate limits that hold under concurrency, and limits on password guessing (issue 13, 7-8)."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from rest_framework.test import APIClient

from ganglioside.web.common import throttles

pytestmark = pytest.mark.django_db


class _Request:
    """What a throttle reads of a request."""

    def __init__(self, user_pk: int, method: str = "GET") -> None:
        self.method = method
        self.user = type("U", (), {"is_authenticated": True, "pk": user_pk})()
        self.META = {"REMOTE_ADDR": "127.0.0.1"}


def _simultaneous(n: int, rate: str, monkeypatch, settings) -> int:
    """``n`` threads released together through a throttle of ``rate``: how many pass."""
    settings.GANGLIOSIDE_RATES = {**settings.GANGLIOSIDE_RATES, "api": rate}
    user_pk = uuid.uuid4().int % 10**9
    barrier = threading.Barrier(n)

    def one(_: int) -> bool:
        throttle = throttles.ApiRateThrottle()
        barrier.wait()
        return throttle.allow_request(_Request(user_pk), None)

    with ThreadPoolExecutor(n) as pool:
        return sum(pool.map(one, range(n)))


def test_thirty_simultaneous_requests_pass_a_limit_of_ten_exactly_ten(monkeypatch, settings):
    assert _simultaneous(30, "10/min", monkeypatch, settings) == 10


@pytest.mark.service
def test_simultaneous_requests_are_counted_atomically_in_redis(redis_url, monkeypatch, settings):
    """Over the network the old read-the-history-then-write throttle let 27 of 30 through."""
    from django.core.cache.backends.redis import RedisCache

    shared = RedisCache(redis_url, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    monkeypatch.setattr(throttles, "cache", shared)
    assert _simultaneous(30, "10/min", monkeypatch, settings) == 10
    assert _simultaneous(40, "2/min", monkeypatch, settings) == 2


def test_an_unreachable_counter_store_lets_reads_through_and_answers_writes_503(
    api, monkeypatch, settings
):
    import redis.exceptions

    def down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(throttles.cache, "add", down)
    assert api.get("/api/v1/analyses/").status_code == 200
    response = api.post("/api/v1/analyses/", {}, format="multipart")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert response["Retry-After"] == "30"


def test_the_upload_page_answers_503_when_the_counter_store_is_down(
    client, user, monkeypatch, sample_bytes
):
    import redis.exceptions

    from tests.web.conftest import make_upload

    def down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(throttles.cache, "add", down)
    client.force_login(user)
    response = client.post("/analyses/new/", {"file": make_upload(sample_bytes)})
    assert response.status_code == 503 and response["Retry-After"] == "30"


# -- password guessing --------------------------------------------------------------------------


def _login_page(client: Client, path: str, password: str) -> int:
    return client.post(path, {"username": "alice", "password": password}).status_code


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_guessing_a_password_on_a_sign_in_page_is_stopped_per_account(path, user, settings):
    settings.GANGLIOSIDE_SIGNIN_ACCOUNT_FAILURES = 5
    client = Client()
    codes = [_login_page(client, path, f"guess-{i}") for i in range(7)]
    assert codes == [200] * 5 + [429] * 2
    response = client.post(path, {"username": "ALICE", "password": "alice-pw-123"})
    assert response.status_code == 429  # even the right password waits out the cool-off
    text = response.content.decode()
    assert "Too many failed sign-in attempts" in text and "Try again in 15 minutes" in text
    assert int(response["Retry-After"]) > 800


def test_the_pages_and_the_token_endpoint_share_one_count(user, settings):
    settings.GANGLIOSIDE_SIGNIN_ACCOUNT_FAILURES = 4
    for i in range(2):
        assert _login_page(Client(), "/accounts/login/", f"g{i}") == 200
        assert _login_page(Client(), "/admin/login/", f"h{i}") == 200
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "alice-pw-123"}, format="json"
    )
    assert token.status_code == 429
    assert token.json()["error"]["code"] == "throttled"


def test_guessing_from_one_address_is_stopped_across_accounts(user, settings):
    settings.GANGLIOSIDE_SIGNIN_ADDRESS_FAILURES = 3
    client = Client()
    codes = [
        client.post("/accounts/login/", {"username": f"u{i}", "password": "x"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_the_lock_ends_after_the_cool_off_and_a_success_clears_the_count(user, settings):
    settings.GANGLIOSIDE_SIGNIN_ACCOUNT_FAILURES = 2
    settings.GANGLIOSIDE_SIGNIN_COOLOFF = 1
    client = Client()
    assert [_login_page(client, "/accounts/login/", "x") for _ in range(3)] == [200, 200, 429]
    time.sleep(1.2)
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pw-123"})
    assert response.status_code == 302  # signed in: the real user is never locked out for good
    settings.GANGLIOSIDE_SIGNIN_COOLOFF = 900
    client.logout()
    assert [_login_page(client, "/accounts/login/", "y") for _ in range(2)] == [200, 200]
