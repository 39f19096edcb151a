"""What the methods app stores.  Models hold data only; the ``services`` module writes them.

* :class:`Method`: a user's calibrant list and analysis parameters, chosen at upload.
* :class:`ColumnMapping`: the column mapping a user gave for a file the core did not recognise,
  remembered by the file's header and offered for the next file with that header.
* :class:`AnalysisInput`: how one analysis reads its stored file (the sample of an export, an
  explicit column mapping, the calibrants of the method chosen), copied at upload so that
  editing or deleting a method never changes a past analysis.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Method(models.Model):
    """A named set of calibrants (rows ``name``, ``rt``, ``tolerance``) and parameters."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="methods"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    calibrants = models.JSONField(
        default=list, blank=True, help_text="rows {name, rt, tolerance}; rt may be null"
    )
    parameters = models.JSONField(
        default=dict, blank=True, help_text="parameters that differ from the defaults"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="method_owner_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ColumnMapping(models.Model):
    """The mapping a user gave for files with one header (keyed by the header's signature)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="column_mappings"
    )
    signature = models.CharField(max_length=64, help_text="SHA-256 of the file's header")
    header = models.JSONField(default=list, help_text="the file's columns, in order")
    columns = models.JSONField(default=dict, help_text="key (name, rt, volume …) -> column")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "signature"], name="column_mapping_owner_signature_unique"
            )
        ]

    def __str__(self) -> str:
        return ", ".join(f"{key}={column}" for key, column in self.columns.items())


class AnalysisInput(models.Model):
    """How one analysis reads its stored file; absent for a plain table read as it is."""

    analysis = models.OneToOneField(
        "analyses.Analysis", on_delete=models.CASCADE, related_name="input_choice"
    )
    sample = models.CharField(max_length=500, blank=True, default="")
    columns = models.JSONField(null=True, blank=True, help_text="explicit column mapping")
    calibrants = models.JSONField(null=True, blank=True, help_text="rows {name, rt, tolerance}")
    method_name = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"input of analysis #{self.analysis_id}"
