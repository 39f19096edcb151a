"""The embedded database (SQLite) under concurrency: a statement that meets a lock is retried.

The settings open SQLite in WAL mode (readers never block the writer), with a busy timeout
(a writer waits for the other writer), and start every ``transaction.atomic()`` with
``BEGIN IMMEDIATE`` (a transaction takes the write lock when it starts, so it never has to
upgrade a read lock half way, which SQLite refuses at once without waiting).  What can still
meet a lock is a writer waiting longer than the busy timeout; :func:`retry_locked_statements`
installs, on every SQLite connection, a wrapper that runs such a statement again, a few times
with growing pauses, when that is safe: a statement outside a transaction (it did nothing), or
the ``BEGIN`` of a transaction (nothing was done yet).  Inside a transaction the error goes up:
the transaction is rolled back and the job that ran it records its failure
(:func:`ganglioside.web.dispatch.dispatch`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

log = logging.getLogger(__name__)

#: The messages of SQLite's two lock errors: ``SQLITE_BUSY`` (another connection writes) and
#: ``SQLITE_LOCKED`` (a table locked within a shared cache).
LOCK_MESSAGES = ("database is locked", "database table is locked")
#: Pauses (seconds) before each new try of a statement that met a lock.
RETRY_PAUSES = (0.05, 0.2, 0.5, 1.0, 2.0, 4.0)


def is_lock_error(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's refusal to wait any longer for a lock."""
    return isinstance(exc, OperationalError) and any(m in str(exc) for m in LOCK_MESSAGES)


def retry_locked_statements(sender: Any, connection: BaseDatabaseWrapper, **_: Any) -> None:
    """Receiver of ``connection_created``: on a SQLite connection, retry the statements that
    meet a lock (see the module's description); other databases are left alone."""
    if connection.vendor == "sqlite" and _retrying not in connection.execute_wrappers:
        connection.execute_wrappers.append(_retrying)


def _retrying(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    connection = context["connection"]
    for pause in (*RETRY_PAUSES, None):
        try:
            return execute(sql, params, many, context)
        except OperationalError as exc:
            safe = not connection.in_atomic_block or str(sql).lstrip().upper().startswith("BEGIN")
            if pause is None or not safe or not is_lock_error(exc):
                raise
            log.warning("the database is locked; trying again in %.2f s: %s", pause, exc)
            time.sleep(pause)
    raise AssertionError("not reached")  # pragma: no cover
