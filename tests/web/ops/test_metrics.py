"""``/metrics``: protected by a bearer token; request latency, analyses by status, queue length."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import redis
from django.test import Client
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from ganglioside.web.analyses.models import Analysis, AnalysisStatus

TOKEN = "metrics-test-token-7f3a"


def scrape(client: Client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.fixture
def metrics_on(settings):
    settings.GANGLIOSIDE_METRICS_TOKEN = TOKEN


def test_metrics_do_not_exist_without_a_configured_token(client, settings, db):
    settings.GANGLIOSIDE_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Token {TOKEN}", "Bearer  "])
def test_metrics_need_the_right_bearer_token(client, metrics_on, db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"ganglioside" not in response.content


def test_analyses_are_counted_by_status(client, metrics_on, queued_analysis, user):
    Analysis.objects.filter(pk=queued_analysis.pk).update(status=AnalysisStatus.FAILED)
    samples = scrape(client)
    assert samples[("ganglioside_analyses", (("status", "failed"),))] == 1
    assert samples[("ganglioside_analyses", (("status", "queued"),))] == 0
    assert samples[("ganglioside_analyses", (("status", "succeeded"),))] == 0
    assert samples[("ganglioside_state_up", (("source", "database"),))] == 1


def test_request_latency_is_recorded_per_url_pattern(client, metrics_on, api, queued_analysis):
    route = "api/v1/analyses/<int:pk>/"
    key = (
        "ganglioside_http_request_duration_seconds_count",
        (("method", "GET"), ("route", route), ("status", "200")),
    )
    before = scrape(client).get(key, 0)
    for _ in range(3):
        assert api.get(f"/api/v1/analyses/{queued_analysis.pk}/").status_code == 200
    samples = scrape(client)
    assert samples[key] == before + 3
    # Ids never become labels: no series names the concrete path.
    routes = {dict(labels).get("route", "") for _, labels in samples}
    assert route in routes
    assert not any(re.search(r"/\d+/", r) for r in routes)


@pytest.mark.service
def test_the_celery_queue_length_is_read_from_redis(client, metrics_on, db, settings, redis_url):
    # A Redis database of its own, so the queue holds exactly what this test puts there.
    url = redis_url.rsplit("/", 1)[0] + "/14"
    settings.REDIS_URL = url
    settings.GANGLIOSIDE_EXECUTOR = "celery"
    broker = redis.Redis.from_url(url)
    broker.delete("celery", "celery\x06\x163")
    try:
        broker.lpush("celery", "a", "b", "c")
        broker.lpush("celery\x06\x163", "d")  # a priority-3 message
        samples = scrape(client)
    finally:
        broker.delete("celery", "celery\x06\x163")
    assert samples[("ganglioside_queue_length", (("queue", "celery"),))] == 4
    assert samples[("ganglioside_state_up", (("source", "broker"),))] == 1


def test_an_unreachable_broker_is_reported_without_failing_the_scrape(
    client, metrics_on, db, settings
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.GANGLIOSIDE_EXECUTOR = "celery"
    samples = scrape(client)
    assert samples[("ganglioside_state_up", (("source", "broker"),))] == 0
    assert not any(name == "ganglioside_queue_length" for name, _ in samples)
    assert ("ganglioside_analyses", (("status", "queued"),)) in samples


@pytest.mark.slow
def test_several_server_processes_are_added_up(tmp_path):
    # What uvicorn's workers do with PROMETHEUS_MULTIPROC_DIR set (deploy/uvicorn.env).
    directory = tmp_path / "prometheus"
    observe = (
        "from ganglioside.web.ops import metrics; "
        "metrics.REQUEST_DURATION.labels('GET', 'health/live', '200').observe(0.01)"
    )
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-c", observe],
            env={
                "PROMETHEUS_MULTIPROC_DIR": str(directory),
                "PATH": "/usr/bin:/bin",
                **{k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")},
            },
            check=True,
        )
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    count = registry.get_sample_value(
        "ganglioside_http_request_duration_seconds_count",
        {"method": "GET", "route": "health/live", "status": "200"},
    )
    assert count == 2
