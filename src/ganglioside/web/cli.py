"""``ganglioside serve | worker | beat | manage`` (the core CLI hands these to :func:`main`).

* ``serve [--host H] [--port P]``: apply migrations, then serve HTTP and WebSocket with uvicorn.
* ``worker [celery options]``: a Celery worker (needs ``REDIS_URL``), run by a small supervisor
  that starts it again when it exits on an error (``--no-supervise``: the worker itself).
* ``beat [celery options]``: the Celery beat scheduler of the stuck-run sweep (needs
  ``REDIS_URL``).
* ``manage <command> ...``: any Django management command (``migrate``, ``createsuperuser``,
  ``demo``, ...).
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SETTINGS = "ganglioside.web.settings"
COMMANDS = ("serve", "worker", "beat", "manage")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _local_secret_key() -> None:
    """Give a laptop install a persistent random SECRET_KEY when none is set.

    The key lives in the per-user data folder (readable by the user only).  Deployments set
    ``SECRET_KEY`` themselves; then this does nothing.
    """
    if os.environ.get("SECRET_KEY") or os.environ.get("DJANGO_SETTINGS_MODULE", SETTINGS) != (
        SETTINGS
    ):
        return
    import platformdirs

    folder = Path(
        os.environ.get("GANGLIOSIDE_DATA_DIR")
        or platformdirs.user_data_dir("ganglioside", appauthor=False)
    ).expanduser()
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    os.environ["SECRET_KEY"] = path.read_text().strip()


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    _local_secret_key()
    import django

    django.setup()


def _serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ganglioside serve", description="Migrate the database and serve the web platform."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--no-migrate", action="store_true", help="skip applying migrations")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="also create the demo user (an admin) with the sample analysed, and print how to "
        "sign in once the server listens (what `make run` does)",
    )
    parser.add_argument(
        "--reset-password", action="store_true", help="with --demo: a new demo password"
    )
    args = parser.parse_args(argv)
    if args.host in LOOPBACK:
        # Served to this machine only, over plain HTTP: no HTTPS redirect, readable logs.
        os.environ.setdefault("GANGLIOSIDE_HTTPS", "0")
        os.environ.setdefault("LOG_JSON", "0")
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=1)
    url = f"http://{args.host}:{args.port}/"
    banner = f"serving {url} (Ctrl-C stops)"
    if args.demo:
        # What the demo prints (the sample loaded, how to sign in) is kept for the end.
        out = io.StringIO()
        call_command("demo", admin=True, url=url, reset_password=args.reset_password, stdout=out)
        banner = f"{out.getvalue().rstrip()}\n(Ctrl-C stops the server)"
    if settings.GANGLIOSIDE_EXECUTOR == "threads":
        _prepare_thread_pool(settings)
    _run_uvicorn(args.host, args.port, settings.LOG_LEVEL.lower(), banner)
    return 0


def _prepare_thread_pool(settings: Any) -> None:
    """Re-send the analyses and study samples a previous server left behind, and warm up as a
    Celery worker does (the first upload then runs as fast as the next ones: pygoslin's
    grammars, the writers and caches are loaded)."""
    from ganglioside.web.analyses.services.recovery import analyses_sweep_stuck
    from ganglioside.web.studies.services.recovery import studies_sweep_stuck

    report = analyses_sweep_stuck(resend_all_queued=True)
    if report.requeued or report.failed:
        print(f"re-queued analyses {report.requeued}; failed {report.failed}")
    # The samples of studies too (those a stopping server put back in the queue).
    samples = studies_sweep_stuck(resend_all_queued=True)
    if samples.requeued or samples.failed:
        print(f"re-queued study samples {samples.requeued}; failed {samples.failed}")
    if settings.GANGLIOSIDE_WORKER_WARM_UP:
        from ganglioside.web.analyses.warmup import warm_up

        # The analysis and the light exports: the server is up in a few seconds, and the
        # report writers load with the first run's files.
        warm_up(kinds=WARM_UP_EXPORTS)


#: Exports rendered by the embedded server's warm-up (the HTML and PDF writers load later).
WARM_UP_EXPORTS = ("csv", "json")


def _run_uvicorn(host: str, port: int, log_level: str, banner: str) -> None:
    """Serve with uvicorn; ``banner`` is printed once the socket listens (the last line a
    newcomer reads before the access log)."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                print(banner, flush=True)

    config = uvicorn.Config(
        "ganglioside.web.asgi:application",
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=True,
    )
    Server(config).run()


def _celery(kind: str, argv: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    if not os.environ.get("REDIS_URL"):
        sys.stderr.write(
            f"ganglioside {kind}: REDIS_URL is not set. A {kind} needs a Redis broker, e.g.\n"
            "  REDIS_URL=redis://127.0.0.1:6379/0 ganglioside " + kind + "\n"
            "Without REDIS_URL, `ganglioside serve` runs analyses in its own threads.\n"
        )
        return 2
    if kind == "worker" and "--no-supervise" not in argv:
        return supervise(
            [sys.executable, "-m", "ganglioside.web.cli", "worker", "--no-supervise", *argv]
        )
    argv = [a for a in argv if a != "--no-supervise"]
    _setup()
    from ganglioside.web.celery import app

    if kind == "worker":
        app.worker_main(["worker", "--loglevel=INFO", *argv])
    else:
        from django.conf import settings

        schedule = Path(settings.DATA_DIR) / "celerybeat-schedule"
        app.start(["beat", "--loglevel=INFO", f"--schedule={schedule}", *argv])
    return 0


def supervise(command: list[str], *, max_delay: float = 30.0) -> int:
    """Run ``command`` and start it again whenever it exits on an error, until it exits
    cleanly or this process is asked to stop (SIGTERM or SIGINT, passed on to it).

    A worker can exit on its own when the broker drops in the middle of a task; a bare
    ``ganglioside worker`` must not stay down then.  The delay between starts doubles up to
    ``max_delay`` seconds and is reset once a start has lasted a minute.
    """
    import signal
    import subprocess
    import time

    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    delay = 1.0
    try:
        while True:
            started = time.monotonic()
            child = subprocess.Popen(command)  # noqa: S603 (our own interpreter and module)
            code = child.wait()
            if stopping or code == 0:
                return code
            if time.monotonic() - started > 60:
                delay = 1.0
            sys.stderr.write(
                f"ganglioside worker: exited with {code}; starting again in {delay:g} s\n"
            )
            time.sleep(delay)
            if stopping:
                return code
            delay = min(delay * 2, max_delay)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _manage(argv: Sequence[str]) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ganglioside manage", *argv])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run a web subcommand; ``argv`` starts with its name (``["serve", "--port", "9000"]``).

    Returns
    -------
    int
        The exit status.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        sys.stderr.write(f"usage: ganglioside {{{','.join(COMMANDS)}}} ...\n")
        return 2
    command, rest = args[0], args[1:]
    try:
        if command == "serve":
            return _serve(rest)
        if command in ("worker", "beat"):
            return _celery(command, rest)
        return _manage(rest)
    except SystemExit as exc:  # argparse and Django report usage errors this way
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)


if __name__ == "__main__":
    raise SystemExit(main())
