"""Fixtures of the web tests, and the rule that makes service tests mandatory in CI.

Tests marked ``service`` (PostgreSQL, Redis, a real Celery worker) or ``browser`` skip when
their service is missing on a developer machine; with ``GANGLIOSIDE_REQUIRE_SERVICES=1`` (set
by ``.ci/run``) such a skip is reported as a failure instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

DATA_DIR = Path(__file__).resolve().parents[2] / "src" / "ganglioside" / "data"
SAMPLE_CSV = DATA_DIR / "measured_sample.csv"
MANDATORY_MARKERS = ("service", "browser")


def services_required() -> bool:
    return os.environ.get("GANGLIOSIDE_REQUIRE_SERVICES", "") in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and services_required()):
        return
    marker = next((m for m in MANDATORY_MARKERS if item.get_closest_marker(m)), None)
    if marker is None:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (
        f"a {marker} test was skipped but GANGLIOSIDE_REQUIRE_SERVICES=1 makes it mandatory: "
        f"{reason}"
    )


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test gets its own media folder, empty rate-limit counters and a new channel layer.

    The channel layer is made anew because the Redis layer keeps its connections and locks for
    the event loop it first ran in: a test whose socket timed out would otherwise leave the
    next test's loop a lock held by a loop that is gone ("bound to a different event loop").
    """
    from channels.layers import channel_layers

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    channel_layers.backends.clear()
    yield
    cache.clear()
    channel_layers.backends.clear()


@pytest.fixture
def postgres(db):
    """Skip (or fail in CI) unless the tests run on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    return connection


@pytest.fixture
def redis_url():
    """The Redis URL, when Redis answers; skip (or fail in CI) otherwise."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL=redis://...")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        pytest.skip(f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE_CSV.read_bytes()


def make_upload(content: bytes, name: str = "measured_sample.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.org", "alice-pw-123")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", "bob-pw-123")


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(user) -> APIClient:
    return token_client(user)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return token_client(other_user)


@pytest.fixture
def queued_analysis(user, sample_bytes):
    """A stored, validated, queued analysis of the sample that has not run."""
    from ganglioside.web.analyses.services import submission

    return submission.analysis_create(
        owner=user, file=make_upload(sample_bytes), name="queued sample", start=False
    )


@pytest.fixture
def finished_analysis(user, sample_bytes):
    """The sample, analysed for real by the core through the run service."""
    from ganglioside.web.analyses.services import running, submission

    analysis = submission.analysis_create(
        owner=user, file=make_upload(sample_bytes), name="sample", start=False
    )
    finished = running.analysis_run(analysis_id=analysis.pk)
    assert finished is not None and finished.status == "succeeded", finished
    return finished
