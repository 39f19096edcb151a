"""Back up and restore the platform: the database and the media directory (uploaded inputs).

A backup is a directory ``ganglioside-backup-<UTC time>/`` holding

- ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.json``
  (any other database, Django's ``dumpdata``);
- ``media.tar.gz``, the whole ``MEDIA_ROOT``;
- ``manifest.json``: when, by which software version, from which database engine, the applied
  migrations, and the SHA-256 of each file, checked before anything is restored.

The directory is written under a ``.partial`` name and renamed when complete, so an
interrupted backup never looks like a good one.  PostgreSQL credentials reach ``pg_dump`` and
``pg_restore`` through ``PG*`` environment variables, never on the command line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess  # nosec B404 (fixed argument lists, no shell)
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

import ganglioside

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
PG_DUMP_FILE = "database.pgdump"
JSON_DUMP_FILE = "database.json"
MEDIA_FILE = "media.tar.gz"
# Rebuilt by `migrate` on the target, and tied to its content-type ids: never dumped.
_DUMPDATA_EXCLUDES = ["contenttypes", "auth.permission", "admin.logentry", "sessions"]


class BackupError(Exception):
    """A backup or restore could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class RestoreReport:
    source: Path
    database_file: str
    media_files: int
    created_at: str
    software_version: str


def backup_create(*, destination: Path, include_media: bool = True) -> Path:
    """Write a complete backup into a new directory under ``destination``; return its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = Path(destination) / f"ganglioside-backup-{stamp}"
    partial = final.with_name(final.name + ".partial")
    if final.exists() or partial.exists():
        raise BackupError(f"{final} already exists; wait a second and try again")
    partial.mkdir(parents=True, mode=0o700)
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor == "postgresql":
            database_file = PG_DUMP_FILE
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                 f"--file={partial / PG_DUMP_FILE}"],
                connection.settings_dict,
            )  # fmt: skip
        else:
            database_file = JSON_DUMP_FILE
            call_command(
                "dumpdata",
                exclude=_DUMPDATA_EXCLUDES,
                natural_foreign=True,
                output=str(partial / JSON_DUMP_FILE),
                verbosity=0,
            )
        files = [database_file]
        if include_media:
            _archive_media(Path(settings.MEDIA_ROOT), partial / MEDIA_FILE)
            files.append(MEDIA_FILE)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "software_version": ganglioside.__version__,
            "database_vendor": connection.vendor,
            "database_file": database_file,
            "media_file": MEDIA_FILE if include_media else None,
            "migrations": _applied_migrations(),
            "sha256": {name: _sha256(partial / name) for name in files},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for child in partial.iterdir():
            # Every user's data and password hashes: readable by the owner only, whatever the
            # umask of the process that wrote them (pg_dump and tar leave 0644).
            child.chmod(0o600)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(final)
    return final


def backup_restore(*, source: Path, include_media: bool = True) -> RestoreReport:
    """Replace the database (and the media directory) with the backup in ``source``.

    The services using the database should be stopped first (docs/OPERATIONS.md).  After the
    data is back, ``migrate`` brings it up to the schema of the installed version, so a backup
    made by an older version restores into a newer one; the reverse is refused.
    """
    source = Path(source)
    manifest = _read_manifest(source)
    connection = connections[DEFAULT_DB_ALIAS]
    database_file = manifest["database_file"]
    if database_file == PG_DUMP_FILE and connection.vendor != "postgresql":
        raise BackupError(
            f"{source} holds a PostgreSQL dump but this installation uses {connection.vendor}; "
            "restore it into PostgreSQL (DATABASE_URL=postgres://...)"
        )
    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            f"{source} was made by a newer version ({manifest['software_version']}) with "
            f"migrations this version lacks: {', '.join(unknown[:5])}; install that version "
            "(or a later one) before restoring"
        )

    if database_file == PG_DUMP_FILE:
        if connection.in_atomic_block:
            # pg_restore runs in its own session and would wait forever on this one's locks.
            raise BackupError("restore cannot run inside a database transaction")
        # --clean drops each object of the dump before re-creating it, all in one transaction:
        # a failure leaves the database as it was.
        connection.close()
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", "--exit-on-error",
             # pg_restore needs the target named; PGDATABASE alone is not enough.
             f"--dbname={connection.settings_dict['NAME']}", str(source / PG_DUMP_FILE)],
            connection.settings_dict,
        )  # fmt: skip
        call_command("migrate", interactive=False, verbosity=0)
    else:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        call_command("loaddata", str(source / JSON_DUMP_FILE), verbosity=0)

    media_files = 0
    if include_media and manifest.get("media_file"):
        media_files = _restore_media(source / manifest["media_file"], Path(settings.MEDIA_ROOT))
    return RestoreReport(
        source=source,
        database_file=database_file,
        media_files=media_files,
        created_at=manifest["created_at"],
        software_version=manifest["software_version"],
    )


# -- helpers ------------------------------------------------------------------------------------


def _pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                          ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):  # fmt: skip
        value = settings_dict.get(key)
        if value:
            env[variable] = str(value)
    return env


def _run(argv: list[str], settings_dict: dict[str, Any]) -> None:
    if shutil.which(argv[0]) is None:
        raise BackupError(
            f"{argv[0]} is not installed; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) in the same major version as the server"
        )
    # A fixed program with arguments built here, no shell: nothing from a user reaches it.
    result = subprocess.run(  # noqa: S603  # nosec B603
        argv, env=_pg_environment(settings_dict), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise BackupError(f"{argv[0]} failed: {' / '.join(detail[-5:]) or result.returncode}")


def _archive_media(media_root: Path, archive: Path) -> None:
    with tarfile.open(archive, "w:gz") as tar:
        if media_root.is_dir():
            for child in sorted(media_root.iterdir()):
                tar.add(child, arcname=child.name)


def _restore_media(archive: Path, media_root: Path) -> int:
    # Unpack next to MEDIA_ROOT first, then swap, so a failure midway keeps the old files.
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = media_root.with_name(media_root.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    with tarfile.open(archive, "r:gz") as tar:
        # The "data" filter refuses absolute paths, "..", links out of the tree and devices.
        tar.extractall(staging, filter="data")  # nosec B202
        count = sum(1 for member in tar.getmembers() if member.isfile())
    previous = media_root.with_name(media_root.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if media_root.exists():
        media_root.rename(previous)
    staging.rename(media_root)
    shutil.rmtree(previous, ignore_errors=True)
    return count


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("app", "name").values_list(
        "app", "name"
    ):
        applied.setdefault(app, []).append(name)
    return applied


def _unknown_migrations(recorded: dict[str, list[str]]) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in sorted(recorded.items())
        for name in names
        if (app, name) not in known
    ]


def _read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a backup: it has no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"{path} has format {manifest.get('format')!r}; this version reads {FORMAT_VERSION}"
        )
    for name, expected in manifest["sha256"].items():
        file = source / name
        if not file.is_file():
            raise BackupError(f"{source} is incomplete: {name} is missing")
        if _sha256(file) != expected:
            raise BackupError(f"{file} is damaged: its SHA-256 differs from the manifest")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
