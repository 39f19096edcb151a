"""Log records as one JSON object per line, for log collectors (stdout → journald/docker).

Each line has ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``request_id`` when
the line was written while handling a request or task, any ``extra={...}`` fields of the call,
and ``exception`` with the formatted traceback when there is one.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from . import request_id

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(logging.Formatter):
    """Formats a record as a single line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Django logs some failed requests after the middleware has returned; the request it
        # passes along still carries the id.
        rid = (
            getattr(record, "request_id", None)
            or request_id.current()
            or getattr(getattr(record, "request", None), "request_id", None)
        )
        if rid:
            payload["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra that JSON cannot hold (a request, a path) is logged as text
        # rather than losing the whole line.
        return json.dumps(payload, default=str, ensure_ascii=False)


def logging_config(*, level: str, json_lines: bool) -> dict:
    """A ``LOGGING`` dict: everything to stdout, as JSON lines or as plain text."""
    formatter = (
        {"()": "ganglioside.web.ops.jsonlog.JsonFormatter"}
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "main",
            }
        },
        "root": {"handlers": ["stdout"], "level": "WARNING"},
        "loggers": {
            "ganglioside": {"level": level, "propagate": True},
            # One line per request, written by ops.middleware.RequestLogMiddleware.
            "ganglioside.access": {"level": "INFO", "propagate": True},
            "django.request": {"level": "WARNING", "propagate": True},
            "celery": {"level": "INFO", "propagate": True},
        },
    }
