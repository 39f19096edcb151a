"""Curation: the status a curator set (``override``, ``override_reason``) next to the core's
(``status_computed``), the audit trail (``Decision``), re-runs linked to the first analysis of
their file (``rerun_of``), the time of the last decision (``curated_at``), and the PDF report
as an export kind.

Rows stored before this migration get ``status_computed`` = their status (no override yet).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _computed_is_stored_status(apps, schema_editor):
    Compound = apps.get_model("analyses", "Compound")
    Compound.objects.update(status_computed=models.F("status"))


class Migration(migrations.Migration):
    dependencies = [
        ("analyses", "0004_compound_species_internal_standard"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="analysis",
            name="curated_at",
            field=models.DateTimeField(
                blank=True, help_text="when a decision last changed the stored result", null=True
            ),
        ),
        migrations.AddField(
            model_name="analysis",
            name="rerun_of",
            field=models.ForeignKey(
                blank=True,
                help_text="the first analysis of the file this one re-runs",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="reruns",
                to="analyses.analysis",
            ),
        ),
        migrations.AddField(
            model_name="compound",
            name="override",
            field=models.CharField(
                blank=True,
                default="",
                help_text="the status a curator set, or empty",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="compound",
            name="override_reason",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="compound",
            name="status_computed",
            field=models.CharField(
                blank=True, default="", help_text="the status the core computed", max_length=16
            ),
        ),
        migrations.RunPython(_computed_is_stored_status, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="artifact",
            name="kind",
            field=models.CharField(
                choices=[
                    ("csv", "Compounds (CSV)"),
                    ("xlsx", "Workbook (XLSX)"),
                    ("json", "Everything (JSON)"),
                    ("html", "Report (HTML)"),
                    ("pdf", "Report (PDF)"),
                ],
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="compound",
            name="status",
            field=models.CharField(help_text="the status, after any override", max_length=16),
        ),
        migrations.CreateModel(
            name="Decision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("row", models.PositiveIntegerField(help_text="the input row (as Compound.row)")),
                (
                    "name",
                    models.TextField(
                        blank=True, default="", help_text="the row's name when decided"
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("status", "Set the status"),
                            ("clear", "Remove the status override"),
                            ("anchor", "Promote to anchor"),
                            ("unanchor", "Demote from anchor"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="the status set (action status)",
                        max_length=16,
                    ),
                ),
                ("reason", models.TextField()),
                (
                    "username",
                    models.CharField(help_text="kept when the user is deleted", max_length=150),
                ),
                ("created_at", models.DateTimeField(help_text="when the decision was made")),
                (
                    "applied",
                    models.BooleanField(
                        default=True,
                        help_text="the stored result reflects it (anchor changes await a re-run)",
                    ),
                ),
                (
                    "made_in",
                    models.PositiveIntegerField(
                        help_text="id of the analysis the decision was made in (a re-run copies it)"
                    ),
                ),
                (
                    "analysis",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="decisions",
                        to="analyses.analysis",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["analysis", "created_at", "id"],
                "indexes": [models.Index(fields=["analysis", "row"], name="decision_analysis_row")],
            },
        ),
    ]
