"""Settings for the test suite: the real settings with test-friendly defaults.

Only defaults are set, so ``DATABASE_URL`` and ``REDIS_URL`` from the environment still point
the tests at PostgreSQL and Redis (CI does).  Runs happen inline unless a test chooses otherwise,
and the rate limits are out of the way except in the tests that lower them on purpose.
"""

from __future__ import annotations

import os
import tempfile
from urllib.parse import urlsplit, urlunsplit


def _worker_redis_url(url: str, worker: str) -> str:
    """``url`` moved to a Redis database of its own for pytest-xdist worker ``worker`` (gw0 ...).

    The workers of a parallel run share one Redis server; each takes the database after the
    given one plus its number (modulo the 16 databases Redis has), so that one worker's Celery
    queues and channel groups never meet another's.
    """
    parts = urlsplit(url)
    given = int(parts.path.lstrip("/") or 0)
    own = (given + 1 + int(worker.removeprefix("gw"))) % 16
    return urlunsplit(parts._replace(path=f"/{own}"))


if os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _worker_redis_url(
        os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"]
    )

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("GANGLIOSIDE_EXECUTOR", "inline")
os.environ.setdefault("GANGLIOSIDE_DATA_DIR", tempfile.mkdtemp(prefix="ganglioside-tests-"))
os.environ.setdefault("GANGLIOSIDE_API_RATE", "100000/s")
os.environ.setdefault("GANGLIOSIDE_UPLOAD_RATE", "100000/min")
os.environ.setdefault("GANGLIOSIDE_AUTH_RATE", "100000/min")
# Exports are written on first download in tests (by the inline executor), which keeps the runs
# of the many tests that never download short; the tests of the worker's path turn it on.
os.environ.setdefault("GANGLIOSIDE_EXPORTS_AFTER_RUN", "0")
# The test client speaks plain HTTP; the HTTPS redirect and secure cookies are tested on their own.
os.environ.setdefault("GANGLIOSIDE_HTTPS", "0")
# Beats of running jobs: rare in tests (a beat writes from a thread of its own).
os.environ.setdefault("GANGLIOSIDE_HEARTBEAT_EVERY", "60")

from ganglioside.web.settings import *  # noqa: E402, F403

# Hashing passwords slowly protects nothing in tests and costs seconds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Rate-limit counters in process memory even when REDIS_URL is set: clearing them between tests
# must not flush the Redis database that the broker and channel layer use.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The tests' SQLite database is a file, like the embedded default, not Django's in-memory test
# database: that one is a shared cache, where a table read by one connection is locked for the
# others with an error that no busy timeout waits for ("database table is locked"), which the
# server's background threads then met at random.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.mkdtemp(prefix="ganglioside-test-db-"), "tests.sqlite3")
    }
