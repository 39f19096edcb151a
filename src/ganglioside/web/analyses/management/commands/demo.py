"""``ganglioside manage demo``: a demo account with the bundled sample analysed.

The password is made once and kept in the data folder (``<username>_password``, readable by the
user only), so every ``make run`` prints the same one; ``--reset-password`` makes a new one and
``--password`` sets one.  ``--admin`` makes the account a superuser (the admin at ``/admin/``).
The last lines printed are how to sign in: the address, the user and the password.
"""

from __future__ import annotations

import os
import secrets
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from ganglioside import GangliosideError
from ganglioside.web.analyses.models import Analysis, AnalysisStatus
from ganglioside.web.analyses.services import running, submission

SAMPLE = "measured_sample.csv"


def password_file(username: str) -> Path:
    """Where the demo password of ``username`` is kept."""
    return Path(settings.DATA_DIR).expanduser() / f"{username}_password"


def _store(path: Path, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file keeps its mode through O_CREAT
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")


def demo_password(username: str, *, given: str | None, reset: bool) -> str:
    """The password to give the demo user: ``given``, else the kept one unless ``reset``, else
    a new one; kept in :func:`password_file` for the next run."""
    path = password_file(username)
    password = given
    if password is None and not reset and path.exists():
        password = path.read_text().strip() or None
    password = password or secrets.token_urlsafe(9)
    _store(path, password)
    return password


def sign_in_text(url: str, username: str, password: str, *, admin: bool) -> str:
    """How to sign in, plainly, as the last lines of ``make run``."""
    lines = [
        f"Open {url} and sign in with",
        f"  user      {username}",
        f"  password  {password}",
    ]
    if admin:
        lines.append(f"  (the same account opens the admin at {url.rstrip('/')}/admin/)")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Create a demo user (its password kept in the data folder), load the bundled sample "
        "as a finished analysis of that user, and print how to sign in."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", help="set this password (and keep it)")
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="make a new random password instead of the kept one",
        )
        parser.add_argument("--email", default="", help="the user's e-mail (default: none)")
        parser.add_argument(
            "--admin", action="store_true", help="make the user a superuser (the admin site)"
        )
        parser.add_argument(
            "--url", default="", help="the address printed (default: GANGLIOSIDE_SITE_URL)"
        )

    def handle(self, *args, **options) -> None:
        username = options["username"]
        password = demo_password(
            username, given=options["password"], reset=options["reset_password"]
        )
        User = get_user_model()
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": options["email"]}
        )
        user.set_password(password)
        if options["admin"]:
            user.is_staff = user.is_superuser = True
        user.save()
        note = self._load_sample(user)
        url = options["url"] or settings.GANGLIOSIDE_SITE_URL.rstrip("/") + "/"
        self.stdout.write(note)
        self.stdout.write(sign_in_text(url, username, password, admin=user.is_superuser))

    def _load_sample(self, user) -> str:
        existing = user.analyses.filter(
            input_filename=SAMPLE, status=AnalysisStatus.SUCCEEDED
        ).first()
        if existing is not None:
            return f"The sample is already loaded as analysis #{existing.pk}."
        content = resources.files("ganglioside").joinpath("data", SAMPLE).read_bytes()
        # No e-mail about the demo's own run (the console backend would print all of it).
        with override_settings(GANGLIOSIDE_NOTIFY_BY_EMAIL=False):
            try:
                analysis: Analysis = submission.analysis_create(
                    owner=user,
                    file=SimpleUploadedFile(SAMPLE, content, content_type="text/csv"),
                    name="Sample: measured_sample.csv",
                    start=False,
                )
                # Run here, not in the background: the demo must be finished when it is shown.
                analysis = running.analysis_run(analysis_id=analysis.pk) or analysis
            except GangliosideError as exc:
                raise CommandError(f"the sample could not be analysed: {exc}") from exc
        analysis.refresh_from_db()
        if analysis.status != AnalysisStatus.SUCCEEDED:
            raise CommandError(f"the sample analysis failed: {analysis.error_message}")
        return (
            f"Loaded the sample as analysis #{analysis.pk} "
            f"({analysis.n_compounds} rows, {analysis.duration_seconds:.1f} s)."
        )
