"""Request ids and JSON logs (ops.middleware.RequestLogMiddleware, ops.jsonlog)."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import AsyncClient

from ganglioside.web.ops import request_id
from ganglioside.web.ops.jsonlog import JsonFormatter, logging_config

pytestmark = pytest.mark.django_db


def access_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "ganglioside.access"]


def test_each_response_carries_a_fresh_request_id(client):
    first = client.get("/health/live")["X-Request-ID"]
    second = client.get("/health/live")["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


def test_the_id_from_the_proxy_is_kept_and_a_malformed_one_replaced(client):
    assert client.get("/", HTTP_X_REQUEST_ID="nginx-id-42")["X-Request-ID"] == "nginx-id-42"
    forged = 'x" , "level": "critical'
    assert client.get("/", HTTP_X_REQUEST_ID=forged)["X-Request-ID"] != forged


def test_one_access_line_per_request_with_route_status_and_user(api, queued_analysis, caplog):
    caplog.set_level(logging.INFO, logger="ganglioside.access")
    response = api.get(f"/api/v1/analyses/{queued_analysis.pk}/", HTTP_X_REQUEST_ID="abc-123")
    (record,) = access_records(caplog)
    assert record.levelno == logging.INFO
    assert record.request_id == "abc-123"
    assert record.status == response.status_code == 200
    assert record.route == "api/v1/analyses/<int:pk>/"
    assert record.user_id == queued_analysis.owner_id
    assert record.method == "GET" and record.duration_ms >= 0


def test_health_probes_are_logged_at_debug_only(client, caplog):
    caplog.set_level(logging.INFO, logger="ganglioside.access")
    client.get("/health/live")
    assert access_records(caplog) == []


def test_lines_logged_while_handling_a_request_carry_its_id(api, queued_analysis, caplog):
    caplog.set_level(logging.INFO)
    formatter = JsonFormatter()
    api.get(f"/api/v1/analyses/{queued_analysis.pk}/", HTTP_X_REQUEST_ID="trace-me-7")
    lines = [json.loads(formatter.format(r)) for r in access_records(caplog)]
    assert [line["request_id"] for line in lines] == ["trace-me-7"]
    assert lines[0]["logger"] == "ganglioside.access"
    assert lines[0]["level"] == "info"
    assert lines[0]["status"] == 200
    # Outside the request the id is gone again.
    assert request_id.current() is None


@pytest.mark.asyncio
async def test_ids_and_logs_also_work_under_the_asgi_handler(caplog):
    caplog.set_level(logging.DEBUG, logger="ganglioside.access")
    response = await AsyncClient().get("/health/live", headers={"X-Request-ID": "async-1"})
    assert response.status_code == 200
    assert response["X-Request-ID"] == "async-1"
    (record,) = access_records(caplog)
    assert record.route == "health/live"


def test_the_formatter_writes_one_json_object_with_extras_and_traceback():
    formatter = JsonFormatter()
    try:
        raise ValueError("bad row 7")
    except ValueError:
        record = logging.getLogger("ganglioside.test").makeRecord(
            "ganglioside.test", logging.ERROR, __file__, 1, "failed %s", ("analysis 3",),
            exc_info=__import__("sys").exc_info(), extra={"analysis_id": 3, "path": object()},
        )  # fmt: skip
    token = request_id.activate("req-9")
    try:
        line = formatter.format(record)
    finally:
        request_id.deactivate(token)
    assert "\n" not in line
    payload = json.loads(line)
    assert payload["message"] == "failed analysis 3"
    assert payload["level"] == "error"
    assert payload["request_id"] == "req-9"
    assert payload["analysis_id"] == 3
    assert payload["path"].startswith("<object object")  # not JSON-able: written as text
    assert "ValueError: bad row 7" in payload["exception"]
    assert payload["time"].endswith("+00:00")


def test_django_request_warnings_carry_the_id_of_their_request(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    client.get("/api/v1/analyses/", HTTP_X_REQUEST_ID="anon-401")
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "django.request"]
    assert lines and all(line["request_id"] == "anon-401" for line in lines)


def test_logs_go_to_stdout_as_json_or_plain_text():
    json_config = logging_config(level="INFO", json_lines=True)
    assert json_config["formatters"]["main"] == {"()": "ganglioside.web.ops.jsonlog.JsonFormatter"}
    assert json_config["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    plain = logging_config(level="DEBUG", json_lines=False)
    assert "format" in plain["formatters"]["main"]
    assert plain["loggers"]["ganglioside"]["level"] == "DEBUG"
