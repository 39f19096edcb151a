"""``ganglioside manage purge_expired``: apply the retention policy now (see ops.cleanup)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ganglioside.web.ops.cleanup import analyses_purge_expired


class Command(BaseCommand):
    help = (
        "Delete finished analyses older than GANGLIOSIDE_RETENTION_DAYS and upload folders "
        "no analysis refers to."
    )

    def handle(self, *args, **options) -> None:
        report = analyses_purge_expired()
        self.stdout.write(
            f"deleted {len(report.analyses)} analyses and "
            f"{len(report.orphan_folders)} orphaned upload folders"
        )
