"""What a study stores: the study, one row per sample (with its analysis stored once) and the
study's output files.

Models hold data only; creating and running studies is the job of the ``services`` package.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StudyStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting: a sample failed"
    COMBINING = "combining", "Combining"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class SampleStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Study(models.Model):
    """Many samples, a design putting them in groups, and the study step comparing the groups.

    The uploaded tables and the design are kept in ``folder`` (under ``MEDIA_ROOT``), which
    every worker reads.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="studies"
    )
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=StudyStatus.choices, default=StudyStatus.QUEUED
    )
    folder = models.CharField(max_length=300, help_text="its files, relative to MEDIA_ROOT")
    design_filename = models.CharField(max_length=255)
    design = models.JSONField(default=list, help_text="the checked design, one row per sample")
    groups = models.JSONField(default=list, help_text="the groups, in design order")
    comparison = models.CharField(max_length=200, blank=True, default="")
    parameters = models.JSONField(default=dict, help_text="every parameter of the study")
    software_version = models.CharField(max_length=32, blank=True, default="")

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    summary = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    figures = models.JSONField(default=dict, blank=True, help_text="name → Plotly figure")
    shared_anchors = models.JSONField(
        default=dict,
        blank=True,
        help_text="anchors pooled across the samples by the first to run (empty: not yet)",
    )
    error_message = models.TextField(blank=True, default="")
    error_details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "studies"
        indexes = [models.Index(fields=["owner", "-created_at"], name="study_owner_created")]

    def __str__(self) -> str:
        return f"{self.name} (study #{self.pk}, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (StudyStatus.SUCCEEDED, StudyStatus.FAILED)


class StudySample(models.Model):
    """One sample of a study: its table, its group, and its analysis stored once.

    ``compounds`` holds the sample's ``compounds.csv`` (as ``ganglioside analyze`` writes it),
    written by the worker that analysed it; the study step reads it back, so no sample is
    analysed twice (a sample that borrows anchors is run once more, with them).
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="samples")
    position = models.PositiveIntegerField()
    sample = models.CharField(max_length=200)
    group = models.CharField(max_length=200)
    input_filename = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=SampleStatus.choices, default=SampleStatus.QUEUED
    )
    error_message = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True, default="")
    worker = models.CharField(
        max_length=200, blank=True, default="", help_text="host:pid:executor running it"
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="last beat of the process running it"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)

    source = models.CharField(max_length=255, blank=True, default="")
    compounds = models.BinaryField(null=True, blank=True, help_text="its compounds.csv")
    n_compounds = models.PositiveIntegerField(default=0)
    status_counts = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    borrowed_anchors = models.PositiveIntegerField(default=0)
    # The sample opened as an analysis of its own (charts, row pages, curation), on request.
    analysis = models.OneToOneField(
        "analyses.Analysis",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="study_sample",
    )

    class Meta:
        ordering = ["study", "position"]
        constraints = [
            models.UniqueConstraint(fields=["study", "sample"], name="studysample_unique_name")
        ]
        indexes = [models.Index(fields=["study", "status"], name="studysample_study_status")]

    def __str__(self) -> str:
        return f"{self.sample} ({self.group}, {self.status})"


class StudyFile(models.Model):
    """One output file of a finished study (``matrix.csv``, ``study.xlsx`` …), kept as bytes so
    that a worker on another machine can write it and any web server can serve it."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=100)
    content_type = models.CharField(max_length=128)
    content = models.BinaryField()
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["study", "name"]
        constraints = [
            models.UniqueConstraint(fields=["study", "name"], name="studyfile_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} of study #{self.study_id}"
