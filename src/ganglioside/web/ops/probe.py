"""Container health probes, run by the health checks of deploy/compose.yaml and the image:

    python -m ganglioside.web.ops.probe http URL        # 200 from URL within 4 s
    python -m ganglioside.web.ops.probe worker          # this host's Celery worker answers
    python -m ganglioside.web.ops.probe beat FILE [MAX_AGE_SECONDS]

Exit status 0 means healthy, 1 unhealthy (with one line on stderr saying why).  The ``http`` and
``beat`` probes import neither Django nor Celery; importing the ``ganglioside`` package itself
costs about half a second of CPU, hence health-check intervals of 30 s and more.
"""

from __future__ import annotations

import glob
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence

# beat rewrites its schedule file at least every few minutes (Celery's beat_sync_every /
# max interval); ten minutes without a write means the scheduler is stuck or gone.
DEFAULT_BEAT_MAX_AGE = 600.0


def site_host(allowed_hosts: str | None) -> str | None:
    """The first concrete name of ``ALLOWED_HOSTS``, for the ``Host`` header of a probe.

    The probe connects to 127.0.0.1, but Django answers 400 to a host name it does not serve.
    """
    for name in (allowed_hosts or "").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return None


def probe_http(url: str, timeout: float = 4.0, host: str | None = None) -> str | None:
    """``None`` when ``url`` answers 200, otherwise what went wrong."""
    if not url.startswith(("http://", "https://")):
        return f"not an http(s) URL: {url!r}"
    request = urllib.request.Request(url, headers={"Host": host} if host else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        return f"{url}: {exc}"
    return None if status == 200 else f"{url} answered {status}"


def probe_beat(schedule: str, max_age: float = DEFAULT_BEAT_MAX_AGE) -> str | None:
    """``None`` when celery beat wrote its schedule file within ``max_age`` seconds."""
    # The dbm module behind the schedule may add a suffix (.db, .dat, ...), hence the glob.
    files = glob.glob(glob.escape(schedule) + "*")
    if not files:
        return f"no schedule file {schedule}* (is beat running with --schedule {schedule}?)"
    age = time.time() - max(os.path.getmtime(f) for f in files)
    return None if age <= max_age else f"{schedule} last written {age:.0f} s ago (> {max_age:.0f})"


def probe_worker(timeout: float = 10.0) -> str | None:
    """``None`` when the Celery worker of this host answers a ping over the broker."""
    from ganglioside.web.celery import app

    # Workers are named celery@<hostname> by default; only ours is asked.
    destination = [f"celery@{socket.gethostname()}"]
    replies = app.control.inspect(destination=destination, timeout=timeout).ping() or {}
    return None if replies else f"no answer from {destination[0]}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: probe http URL | probe worker | probe beat FILE [MAX_AGE_SECONDS]"
    try:
        kind, rest = args[0], args[1:]
        if kind == "http" and len(rest) == 1:
            problem = probe_http(rest[0], host=site_host(os.environ.get("ALLOWED_HOSTS")))
        elif kind == "beat" and len(rest) in (1, 2):
            problem = probe_beat(
                rest[0], float(rest[1]) if len(rest) == 2 else DEFAULT_BEAT_MAX_AGE
            )
        elif kind == "worker" and not rest:
            problem = probe_worker()
        else:
            raise ValueError(usage)
    except (IndexError, ValueError):
        print(usage, file=sys.stderr)
        return 2
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
