"""/health/live and /health/ready."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_live_answers_200_without_touching_anything(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_the_database_and_the_channel_layer(client, settings):
    settings.REDIS_URL = None
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["channel_layer"] == {"status": "ok"}
    assert "broker" not in body["checks"]


def test_ready_answers_503_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["status"] == "error"
    assert "Connection" in body["checks"]["broker"]["error"]


def test_ready_answers_503_when_the_database_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("database unreachable")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "status": "error",
        "error": "OSError: database unreachable",
    }


@pytest.mark.service
def test_ready_checks_the_real_broker_and_redis_channel_layer(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": redis_url, "socket_timeout": 30}],
                "prefix": "ganglioside-test",
            },
        }
    }
    response = client.get("/health/ready")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"] == {"status": "ok"}
    assert response.json()["checks"]["channel_layer"] == {"status": "ok"}
