"""Error reporting to Sentry (or a compatible service) when ``SENTRY_DSN`` is set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import request_id

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint


def _tag_request_id(event: Event, hint: Hint) -> Event:
    # The same id as in the JSON logs and the X-Request-ID response header, so a user's report
    # ("request id ...") leads to both the log lines and the error.
    rid = request_id.current()
    if rid:
        event.setdefault("tags", {})["request_id"] = rid
    return event


def init_sentry(
    *, dsn: str, environment: str, release: str, traces_sample_rate: float = 0.0
) -> None:
    """Start the Sentry SDK with the Django, Celery and logging integrations.

    No personal data is sent (``send_default_pii`` off): no cookies, no user names or e-mail
    addresses, no request bodies (uploaded tables stay private).
    """
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        max_request_body_size="never",
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=_tag_request_id,
    )
