"""``ganglioside manage demo``: a demo account with the bundled sample analysed."""

from __future__ import annotations

import secrets
from importlib import resources

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from ganglioside import GangliosideError
from ganglioside.web.analyses.models import AnalysisStatus
from ganglioside.web.analyses.services import running, submission

SAMPLE = "measured_sample.csv"


class Command(BaseCommand):
    help = (
        "Create (or reset) a demo user, print its credentials, and load the bundled sample "
        "table as a finished analysis of that user."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", help="default: a new random password on every call")
        parser.add_argument("--email", default="demo@example.org")

    def handle(self, *args, username: str, password: str | None, email: str, **options) -> None:
        password = password or secrets.token_urlsafe(9)
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        user.set_password(password)
        user.save()

        existing = user.analyses.filter(
            input_filename=SAMPLE, status=AnalysisStatus.SUCCEEDED
        ).first()
        if existing is None:
            content = resources.files("ganglioside").joinpath("data", SAMPLE).read_bytes()
            try:
                analysis = submission.analysis_create(
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
            self.stdout.write(
                f"Loaded the sample as analysis #{analysis.pk} "
                f"({analysis.n_compounds} rows, {analysis.duration_seconds:.1f} s)."
            )
        else:
            self.stdout.write(f"The sample is already loaded as analysis #{existing.pk}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo user {'created' if created else 'reset'}:  "
                f"username {username}   password {password}"
            )
        )
