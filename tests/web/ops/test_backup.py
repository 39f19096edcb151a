"""Backup and restore (ganglioside.web.ops.backup and the `backup` / `restore` commands):
round trips on PostgreSQL (pg_dump/pg_restore) and SQLite (dumpdata/loaddata) with the media
directory, and the refusals that protect a good database from a bad backup."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from ganglioside.web.analyses.models import Analysis, Artifact, Compound
from ganglioside.web.analyses.services import deletion, exports, submission
from ganglioside.web.ops.backup import BackupError, backup_create, backup_restore

from ..conftest import make_upload

pytestmark = pytest.mark.slow


def snapshot(analysis_id: int) -> dict:
    """What must survive a round trip: rows, results, stored exports and the input file."""
    analysis = Analysis.objects.get(pk=analysis_id)
    return {
        "name": analysis.name,
        "owner": analysis.owner.username,
        "status": analysis.status,
        "summary": analysis.summary,
        "compounds": list(
            Compound.objects.filter(analysis=analysis).values_list("row", "name", "status", "z")
        ),
        "artifacts": {
            a.kind: exports.export_path(a).read_bytes()
            for a in Artifact.objects.filter(analysis=analysis)
        },
        "input": analysis.input_file.read(),
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
    }


def round_trip(analysis: Analysis, tmp_path: Path) -> tuple[dict, dict, Path]:
    exports.exports_render(analysis_id=analysis.pk)  # stored export files, in the media folder
    pk = analysis.pk  # delete() below clears analysis.pk
    before = snapshot(pk)
    out = io.StringIO()
    call_command("backup", output=tmp_path / "backups", stdout=out)
    backup = Path(out.getvalue().strip())

    # Damage everything the backup should bring back.
    input_path = Path(analysis.input_file.path)
    deletion.analysis_delete(analysis=analysis)
    get_user_model().objects.create_user("mallory", password="not-in-the-backup-1")
    stray = Path(settings.MEDIA_ROOT) / "stray.txt"
    stray.write_text("written after the backup")

    call_command("restore", str(backup), no_input=True, stdout=io.StringIO())
    assert input_path.is_file()
    assert not stray.exists()
    return before, snapshot(pk), backup


@pytest.mark.service
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_database_and_media(postgres, finished_analysis, tmp_path):
    before, after, backup = round_trip(finished_analysis, tmp_path)
    assert after == before
    assert before["compounds"] and before["artifacts"]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database_vendor"] == "postgresql"
    assert manifest["database_file"] == "database.pgdump"
    assert (backup / "database.pgdump").read_bytes()[:5] == b"PGDMP"  # pg_dump custom format


def test_a_sqlite_installation_round_trips_through_the_commands(tmp_path):
    # Whatever database the test session uses, this runs a SQLite installation of its own
    # through the real commands (dumpdata/loaddata path), as an administrator would.
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k in ("PATH", "HOME") or k.startswith("COVERAGE_")
        },
        "DEBUG": "0",
        "SECRET_KEY": "sqlite-backup-test-" + "s" * 40,
        "GANGLIOSIDE_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage = [str(Path(sys.executable).with_name("ganglioside")), "manage"]

    def run(*args: str) -> str:
        result = subprocess.run([*manage, *args], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.strip()

    user_model = "from django.contrib.auth.models import User; "
    users = user_model + "print(sorted(User.objects.values_list('username', flat=True)))"
    run("migrate", "--noinput")
    run(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth.models import User; User.objects.create_user('ada')",
    )
    (tmp_path / "media" / "inputs" / "f00d").mkdir(parents=True)
    (tmp_path / "media" / "inputs" / "f00d" / "table.csv").write_text("Name,RT\n")
    backup = Path(run("backup", "--output", str(tmp_path / "backups")))
    assert json.loads((backup / "manifest.json").read_text())["database_file"] == "database.json"

    run(
        "shell",
        "--no-imports",
        "-c",
        user_model + "User.objects.all().delete(); User.objects.create_user('eve')",
    )
    (tmp_path / "media" / "inputs" / "f00d" / "table.csv").unlink()
    assert "restored" in run("restore", str(backup), "--no-input")

    assert run("shell", "--no-imports", "-c", users) == "['ada']"
    assert (tmp_path / "media" / "inputs" / "f00d" / "table.csv").read_text() == "Name,RT\n"


@pytest.mark.slow
@pytest.mark.django_db
def test_a_backup_names_its_files_and_their_checksums(user, sample_bytes, tmp_path):
    submission.analysis_create(owner=user, file=make_upload(sample_bytes), start=False)
    backup = backup_create(destination=tmp_path)
    assert backup.name.startswith("ganglioside-backup-") and backup.is_dir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert set(manifest["sha256"]) == {manifest["database_file"], "media.tar.gz"}
    assert "analyses" in manifest["migrations"]
    assert not list(tmp_path.glob("*.partial"))
    # Private data: only the owner may read it.
    assert backup.stat().st_mode & 0o077 == 0


@pytest.mark.slow
@pytest.mark.django_db
def test_a_damaged_backup_is_refused_before_anything_changes(user, tmp_path):
    backup = backup_create(destination=tmp_path)
    media = backup / "media.tar.gz"
    media.write_bytes(media.read_bytes() + b"corruption")
    with pytest.raises(BackupError, match=r"media\.tar\.gz is damaged"):
        backup_restore(source=backup)
    assert get_user_model().objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_a_backup_from_a_newer_version_is_refused(tmp_path):
    backup = backup_create(destination=tmp_path)
    manifest_path = backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"]["analyses"].append("0999_from_the_future")
    manifest["software_version"] = "99.0"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match=r"newer version \(99\.0\).*analyses\.0999"):
        backup_restore(source=backup)


def test_a_folder_without_manifest_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match=r"is not a backup: it has no manifest\.json"):
        call_command("restore", str(tmp_path), no_input=True)


@pytest.mark.django_db
def test_restore_asks_for_confirmation(tmp_path, monkeypatch):
    backup = backup_create(destination=tmp_path)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match=r"restore cancelled; nothing was changed"):
        call_command("restore", str(backup))


@pytest.mark.django_db(transaction=True)
def test_a_database_only_backup_leaves_media_alone(user, tmp_path):
    stray = Path(settings.MEDIA_ROOT) / "kept.txt"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_text("media is not part of this backup")
    out = io.StringIO()
    call_command("backup", output=tmp_path, no_media=True, stdout=out)
    backup = Path(out.getvalue().strip())
    assert not (backup / "media.tar.gz").exists()
    call_command("restore", str(backup), no_input=True, stdout=io.StringIO())
    assert stray.read_text() == "media is not part of this backup"


@pytest.mark.service
@pytest.mark.django_db
def test_a_failing_pg_dump_leaves_no_partial_backup(postgres, tmp_path, monkeypatch):
    # A database that does not exist: pg_dump fails, and its own message is passed on.
    monkeypatch.setitem(connection.settings_dict, "NAME", "no_such_database_for_backup")
    with pytest.raises(BackupError, match=r"pg_dump failed: .*no_such_database_for_backup"):
        backup_create(destination=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.service
@pytest.mark.django_db
def test_restore_refuses_to_run_inside_a_transaction(postgres, tmp_path):
    # Under a plain django_db test everything runs in one transaction: pg_restore would wait on
    # its locks forever.
    backup = backup_create(destination=tmp_path, include_media=False)
    with pytest.raises(BackupError, match="cannot run inside a database transaction"):
        backup_restore(source=backup)


@pytest.mark.django_db
def test_missing_client_tools_are_named(tmp_path, monkeypatch):
    from ganglioside.web.ops import backup as backup_module

    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump anywhere
    with pytest.raises(BackupError, match=r"pg_dump is not installed.*postgresql-client"):
        backup_module._run(["pg_dump", "--version"], {})


@pytest.mark.django_db
def test_a_postgresql_dump_is_refused_on_another_database(tmp_path, monkeypatch):
    backup = backup_create(destination=tmp_path, include_media=False)
    manifest_path = backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (backup / "database.pgdump").write_bytes(b"PGDMP")
    digest = hashlib.sha256(b"PGDMP").hexdigest()
    manifest.update(database_file="database.pgdump", sha256={"database.pgdump": digest})
    manifest_path.write_text(json.dumps(manifest))
    monkeypatch.setattr(connection, "vendor", "sqlite")  # as seen by an SQLite installation
    with pytest.raises(BackupError, match=r"holds a PostgreSQL dump but this installation uses"):
        backup_restore(source=backup)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda m, d: m.write_text("{not json"), r"is not valid JSON"),
        (lambda m, d: m.write_text(json.dumps({"format": 7})), r"format 7; this version reads 1"),
        (lambda m, d: (d / "media.tar.gz").unlink(), r"is incomplete: media\.tar\.gz is missing"),
    ],
)
def test_an_unreadable_backup_is_refused_with_the_reason(tmp_path, damage, message):
    backup = backup_create(destination=tmp_path)
    damage(backup / "manifest.json", backup)
    with pytest.raises(BackupError, match=message):
        backup_restore(source=backup)
