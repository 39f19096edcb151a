"""Background execution without a broker: the bounded thread pool of the server process."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from ganglioside.web.analyses import execution
from ganglioside.web.analyses.models import Analysis
from ganglioside.web.analyses.services import submission

from .conftest import make_upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_without_a_broker_the_upload_runs_in_a_background_thread(user, sample_bytes, settings):
    settings.GANGLIOSIDE_EXECUTOR = "threads"
    settings.GANGLIOSIDE_THREADS = 1
    try:
        with transaction.atomic():
            analysis = submission.analysis_create(owner=user, file=make_upload(sample_bytes))
            # not started before the upload is committed
            assert Analysis.objects.get(pk=analysis.pk).status == "queued"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = Analysis.objects.get(pk=analysis.pk).status
            if status in ("succeeded", "failed"):
                break
            time.sleep(0.1)
        finished = Analysis.objects.get(pk=analysis.pk)
        assert finished.status == "succeeded", finished.error_message
        assert "threads" in finished.worker
        assert finished.compounds.count() == 323
    finally:
        execution.shutdown(wait=True)


@pytest.mark.service
def test_with_a_broker_the_upload_is_sent_to_celery_with_its_id(
    user, sample_bytes, settings, redis_url
):
    from ganglioside.web.celery import app

    settings.GANGLIOSIDE_EXECUTOR = "celery"
    app.conf.broker_url = redis_url
    queue = f"ganglioside-test-{time.monotonic_ns()}"
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with transaction.atomic():
            analysis = submission.analysis_create(owner=user, file=make_upload(sample_bytes))
        analysis.refresh_from_db()
        assert analysis.task_id  # the Celery task id is recorded
        import redis

        client = redis.Redis.from_url(redis_url)
        assert client.llen(queue) == 1
        client.delete(queue)
    finally:
        app.conf.task_default_queue = default_queue
