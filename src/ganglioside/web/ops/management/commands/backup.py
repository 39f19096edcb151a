"""``ganglioside manage backup [--output DIR] [--no-media]``: see ganglioside.web.ops.backup."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ganglioside.web.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the media directory into a new folder under --output."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output", type=Path, default=Path.cwd(), help="parent folder (default: here)"
        )
        parser.add_argument("--no-media", action="store_true", help="database only")

    def handle(self, *args, output: Path, no_media: bool, **options) -> None:
        try:
            path = backup_create(destination=output, include_media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(path))
