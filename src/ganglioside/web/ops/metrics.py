"""Prometheus metrics of the platform, served at ``/metrics`` (see ``views.metrics``).

- ``ganglioside_http_request_duration_seconds`` (histogram; method, route, status): time to
  answer each HTTP request, recorded by ``RequestLogMiddleware``.  ``route`` is the URL pattern
  (``api/v1/analyses/<int:pk>/``), never the raw path, so ids do not multiply the series.
- ``ganglioside_analyses`` (gauge; status): analyses in the database by status, counted when
  scraped.
- ``ganglioside_queue_length`` (gauge; queue): tasks waiting in the Celery queue in Redis, read
  when scraped (only when Celery runs the analyses).

With several server processes (uvicorn workers) each keeps its own counts; when
``PROMETHEUS_MULTIPROC_DIR`` is set (deploy/uvicorn.env sets it) they write them to files
there and a scrape adds up all processes.  The directory must be emptied when the server
starts: systemd's RuntimeDirectory and the container's tmpfs /tmp both start empty.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from functools import partial

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if MULTIPROCESS_DIR:
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)

REQUEST_DURATION = Histogram(
    "ganglioside_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, URL pattern and status code.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

# kombu's Redis transport keeps messages of priority p > 0 in "<queue>\x06\x16<p>".
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class PlatformStateCollector(Collector):
    """Reads the state of the platform (database, broker) at each scrape.

    A source that does not answer is reported as ``ganglioside_state_up{source=...} 0`` (and
    its figures left out) rather than failing the whole scrape, so HTTP metrics keep flowing
    during a database outage and an alert can fire on the gauge.
    """

    def collect(self) -> Iterator[Metric]:
        from django.conf import settings

        up = GaugeMetricFamily(
            "ganglioside_state_up",
            "1 when the source of the state metrics answered this scrape, else 0.",
            labels=["source"],
        )
        sources = [("database", self._analyses)]
        redis_url = settings.REDIS_URL
        if redis_url and getattr(settings, "GANGLIOSIDE_EXECUTOR", "") == "celery":
            sources.append(("broker", partial(self._queue_lengths, redis_url)))
        for source, read in sources:
            try:
                family = read()
            except Exception:
                log.warning("metrics: could not read the %s", source, exc_info=True)
                up.add_metric([source], 0)
            else:
                up.add_metric([source], 1)
                yield family
        yield up

    @staticmethod
    def _analyses() -> Metric:
        from django.db.models import Count

        from ganglioside.web.analyses.models import Analysis, AnalysisStatus

        family = GaugeMetricFamily(
            "ganglioside_analyses", "Analyses in the database by status.", labels=["status"]
        )
        counts = dict(Analysis.objects.order_by().values_list("status").annotate(n=Count("id")))
        for status in AnalysisStatus.values:
            family.add_metric([status], counts.get(status, 0))
        return family

    @staticmethod
    def _queue_lengths(redis_url: str) -> Metric:
        import redis

        from ganglioside.web.celery import app

        queue = app.conf.task_default_queue or "celery"
        family = GaugeMetricFamily(
            "ganglioside_queue_length", "Tasks waiting in the Celery queue.", labels=["queue"]
        )
        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            pipe = client.pipeline()
            for suffix in _PRIORITY_SUFFIXES:
                pipe.llen(queue + suffix)
            family.add_metric([queue], sum(pipe.execute()))
        finally:
            client.close()
        return family


def render() -> bytes:
    """The exposition text of every metric, as served at ``/metrics``."""
    if MULTIPROCESS_DIR:
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
        parts = [generate_latest(processes)]
    else:
        parts = [generate_latest(REGISTRY)]
    state = CollectorRegistry()
    state.register(PlatformStateCollector())
    parts.append(generate_latest(state))
    return b"".join(parts)
