"""What an outage of Redis looks like to the code, and the error that answers it (503).

Kept on its own, importing nothing of the web app, so that services, the API and the
middleware can all recognise an outage without importing one another.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException

#: Seconds a client is asked to wait when Redis cannot be reached.
OUTAGE_RETRY_AFTER = 30


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "the service is briefly unavailable; try again in a little while"
    default_code = "unavailable"

    def __init__(self, detail: str | None = None, retry_after: int = OUTAGE_RETRY_AFTER) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def outage_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean Redis (cache, broker or channel layer) is unreachable."""
    import redis.exceptions
    from kombu.exceptions import OperationalError

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OperationalError)
