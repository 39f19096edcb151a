"""The id of the request (or Celery task) being handled, for logs and responses.

nginx sends one in ``X-Request-ID`` (``$request_id``, also in its own logs); a request without
one, or with a malformed one, gets a fresh id.  The id lives in a context variable so every
log line written while handling the request carries it, in sync and async code alike.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

HEADER = "X-Request-ID"
# What is accepted from outside: short and plain, so it cannot forge log structure.
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_current: ContextVar[str | None] = ContextVar("ganglioside_request_id", default=None)


def current() -> str | None:
    """The id of the request being handled, or ``None`` outside a request."""
    return _current.get()


def accept(candidate: str | None) -> str:
    """``candidate`` when it is a well-formed id, otherwise a new random one."""
    if candidate and _VALID.match(candidate):
        return candidate
    return uuid.uuid4().hex


def activate(request_id: str) -> Token[str | None]:
    return _current.set(request_id)


def deactivate(token: Token[str | None]) -> None:
    _current.reset(token)
