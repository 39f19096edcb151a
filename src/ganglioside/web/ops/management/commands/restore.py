"""``ganglioside manage restore BACKUP_DIR [--no-input] [--no-media]``: see ops.backup."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ganglioside.web.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Replace the database and the media directory with a backup made by `backup`. "
        "Stop the web, worker and beat services first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", type=Path, help="a ganglioside-backup-* folder")
        parser.add_argument("--no-input", action="store_true", help="do not ask to confirm")
        parser.add_argument("--no-media", action="store_true", help="database only")

    def handle(self, *args, source: Path, no_input: bool, no_media: bool, **options) -> None:
        if not no_input:
            answer = input(
                f"This replaces ALL data of this installation with {source}. Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled; nothing was changed")
        try:
            report = backup_restore(source=source, include_media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored {report.source} (made {report.created_at} by version "
            f"{report.software_version}): database from {report.database_file}, "
            f"{report.media_files} media files"
        )
