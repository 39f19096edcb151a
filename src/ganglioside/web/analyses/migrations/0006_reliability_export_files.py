"""Exports become files under MEDIA_ROOT written by the worker (``Artifact.path``) instead of
bytes in the database; the bytes of existing exports are written out as files first."""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.db import migrations, models


def _write_out(apps, schema_editor):
    Artifact = apps.get_model("analyses", "Artifact")
    for artifact in Artifact.objects.all().iterator(chunk_size=20):
        relative = Path("exports", str(artifact.analysis_id), uuid.uuid4().hex)
        name = artifact.filename.removeprefix(f"analysis_{artifact.analysis_id}_")
        folder = Path(settings.MEDIA_ROOT) / relative
        folder.mkdir(parents=True, exist_ok=True)
        content = bytes(artifact.content)
        (folder / name).write_bytes(content)
        artifact.path = str(relative / name)
        artifact.sha256 = hashlib.sha256(content).hexdigest()
        artifact.save(update_fields=["path", "sha256"])


def _read_back(apps, schema_editor):
    Artifact = apps.get_model("analyses", "Artifact")
    for artifact in Artifact.objects.all().iterator(chunk_size=20):
        path = Path(settings.MEDIA_ROOT) / artifact.path
        if path.is_file():
            artifact.content = path.read_bytes()
            artifact.save(update_fields=["content"])
        else:
            artifact.delete()


class Migration(migrations.Migration):
    dependencies = [("analyses", "0005_curation")]

    operations = [
        migrations.AddField(
            model_name="artifact",
            name="path",
            field=models.CharField(
                default="", help_text="the file, relative to MEDIA_ROOT", max_length=500
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="artifact", name="content", field=models.BinaryField(default=b"")
        ),
        migrations.RunPython(_write_out, _read_back, elidable=True),
        migrations.RemoveField(model_name="artifact", name="content"),
    ]
