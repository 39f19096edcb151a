"""What the platform stores: an analysis, one compound row per input row, the RT model
reports, the fragment events and the exported files.

Models hold data only; creating, running and deleting analyses is the job of the ``services``
package.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.text import get_valid_filename


class AnalysisStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


def input_file_path(instance: Analysis, filename: str) -> str:
    # A random folder per upload keeps the original file name (shown to the user and used
    # by the core to recognise the format) without collisions.
    safe = get_valid_filename(PurePath(filename).name) or "input"
    return f"inputs/{uuid.uuid4().hex}/{safe}"


class Analysis(models.Model):
    """One uploaded table and the run of the analysis core on it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analyses"
    )
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.QUEUED
    )

    progress_step = models.CharField(max_length=32, blank=True, default="")
    progress_fraction = models.FloatField(default=0.0)
    progress_message = models.TextField(blank=True, default="")

    parameters = models.JSONField(default=dict, help_text="every parameter of the run")
    software_version = models.CharField(max_length=32, blank=True, default="")

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="last sign of life of the worker running it"
    )

    input_file = models.FileField(upload_to=input_file_path, max_length=500)
    input_filename = models.CharField(max_length=255)
    input_size = models.BigIntegerField(default=0)
    input_sha256 = models.CharField(max_length=64, blank=True, default="")

    summary = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    n_compounds = models.PositiveIntegerField(default=0)
    status_counts = models.JSONField(default=dict, blank=True)

    error_message = models.TextField(blank=True, default="")
    error_details = models.JSONField(default=dict, blank=True)
    export_failures = models.JSONField(
        default=dict,
        blank=True,
        help_text="export format → why writing it failed (cleared when it is written)",
    )

    rerun_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reruns",
        help_text="the first analysis of the file this one re-runs",
    )
    curated_at = models.DateTimeField(
        null=True, blank=True, help_text="when a decision last changed the stored result"
    )

    task_id = models.CharField(max_length=64, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "analyses"
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="analysis_owner_created"),
            models.Index(fields=["owner", "status"], name="analysis_owner_status"),
            models.Index(fields=["status", "heartbeat_at"], name="analysis_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk}, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (AnalysisStatus.SUCCEEDED, AnalysisStatus.FAILED)

    @property
    def group_name(self) -> str:
        """The channel-layer group that receives this analysis's progress events."""
        return f"analysis_{self.pk}"


class Compound(models.Model):
    """One input row with its per-row record (``ganglioside.result.COMPOUND_COLUMNS``)."""

    # No index of its own: the unique (analysis, row) index starts with it, and one index
    # fewer makes storing a large table faster.
    analysis = models.ForeignKey(
        Analysis, on_delete=models.CASCADE, related_name="compounds", db_index=False
    )
    row = models.PositiveIntegerField()
    name = models.TextField(blank=True, default="")
    species = models.CharField(max_length=128, blank=True, default="")
    rt = models.FloatField(null=True, blank=True)
    volume = models.FloatField(null=True, blank=True)
    log_p = models.FloatField(null=True, blank=True)
    log_p_source = models.CharField(max_length=16, blank=True, default="")
    log_p_expected = models.FloatField(null=True, blank=True)
    is_anchor = models.BooleanField(default=False)
    is_internal_standard = models.BooleanField(default=False)
    group_key = models.TextField(blank=True, default="")
    core = models.CharField(max_length=32, blank=True, default="")
    category = models.CharField(max_length=8, blank=True, default="")
    isomer = models.CharField(max_length=16, blank=True, default="")
    modifications = models.TextField(blank=True, default="")
    ceramide = models.CharField(max_length=64, blank=True, default="")
    carbons = models.IntegerField(null=True, blank=True)
    double_bonds = models.IntegerField(null=True, blank=True)
    oxygens = models.IntegerField(null=True, blank=True)
    neuac = models.IntegerField(null=True, blank=True)
    neugc = models.IntegerField(null=True, blank=True)
    hex = models.IntegerField(null=True, blank=True)
    hexnac = models.IntegerField(null=True, blank=True)
    dhex = models.IntegerField(null=True, blank=True)
    oac = models.IntegerField(null=True, blank=True)
    sugar_count = models.IntegerField(null=True, blank=True)
    formula = models.CharField(max_length=128, blank=True, default="")
    mass = models.FloatField(null=True, blank=True)
    mz_h = models.FloatField(null=True, blank=True)
    mz_2h = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, help_text="the status, after any override")
    status_computed = models.CharField(
        max_length=16, blank=True, default="", help_text="the status the core computed"
    )
    override = models.CharField(
        max_length=16, blank=True, default="", help_text="the status a curator set, or empty"
    )
    override_reason = models.TextField(blank=True, default="")
    reasons = models.TextField(blank=True, default="")
    evidence = models.TextField(blank=True, default="")
    warnings = models.TextField(blank=True, default="")
    predicted_rt = models.FloatField(null=True, blank=True)
    residual = models.FloatField(null=True, blank=True)
    z = models.FloatField(null=True, blank=True)
    pi_low = models.FloatField(null=True, blank=True)
    pi_high = models.FloatField(null=True, blank=True)
    model_level = models.CharField(max_length=16, blank=True, default="")
    model_id = models.CharField(max_length=200, blank=True, default="")
    isomer_track = models.CharField(max_length=32, blank=True, default="")
    oac_label = models.CharField(max_length=16, blank=True, default="")
    oac_base_row = models.IntegerField(null=True, blank=True)
    oac_shift = models.FloatField(null=True, blank=True)
    fragment_of = models.IntegerField(null=True, blank=True)
    fragment_parent = models.IntegerField(null=True, blank=True)
    fragment_delta_rt = models.FloatField(null=True, blank=True)
    fragment_lost = models.CharField(max_length=128, blank=True, default="")
    volume_consolidated = models.FloatField(null=True, blank=True)
    identification_level = models.SmallIntegerField(
        null=True,
        blank=True,
        help_text="1 standard, 2 MS/MS + RT, 3 RT-consistent MS1, 4 composition only, "
        "5 contradicted",
    )
    identification = models.CharField(max_length=16, blank=True, default="")
    mz_error_ppm = models.FloatField(null=True, blank=True)
    ms2_evidence = models.TextField(blank=True, default="")
    artefact_of = models.IntegerField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text="extra input columns, unchanged")

    class Meta:
        ordering = ["analysis", "row"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "row"], name="compound_unique_row")
        ]
        indexes = [
            models.Index(fields=["analysis", "status"], name="compound_analysis_status"),
            models.Index(fields=["analysis", "category"], name="compound_analysis_category"),
            models.Index(fields=["analysis", "group_key"], name="compound_analysis_group"),
            models.Index(fields=["analysis", "is_anchor"], name="compound_analysis_anchor"),
        ]

    def __str__(self) -> str:
        return f"row {self.row}: {self.name} ({self.status})"


class RTModel(models.Model):
    """One fitted retention-time model (``ganglioside.result.ModelReport``)."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="rt_models")
    position = models.PositiveIntegerField(default=0)
    model_id = models.CharField(max_length=200)
    level = models.CharField(max_length=16)
    groups = models.JSONField(default=list)
    n_anchors = models.IntegerField()
    n_rows = models.IntegerField()
    slope = models.FloatField(null=True)
    slope_se = models.FloatField(null=True)
    intercepts = models.JSONField(default=dict)
    r2 = models.FloatField(null=True, blank=True)
    q2 = models.FloatField(null=True, blank=True)
    rmse_loo = models.FloatField(null=True, blank=True)
    mae_loo = models.FloatField(null=True, blank=True)
    residual_sd = models.FloatField(null=True)
    df = models.IntegerField()
    logp_range = models.JSONField(null=True, blank=True)
    tracks = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # The quadratic term of a bent line (null when straight) and the Log P each bent group
    # bends about: the charts draw the line as it was fitted.
    curvature = models.FloatField(null=True, blank=True)
    curvature_se = models.FloatField(null=True, blank=True)
    centres = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["analysis", "position"]
        verbose_name = "RT model"
        constraints = [
            models.UniqueConstraint(fields=["analysis", "model_id"], name="rtmodel_unique_id")
        ]

    def __str__(self) -> str:
        return f"{self.model_id} ({self.level})"


class FragmentEvent(models.Model):
    """One in-source fragment link: a fragment peak and the parent it came from."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="fragments")
    parent_row = models.IntegerField()
    parent_name = models.TextField(blank=True, default="")
    fragment_row = models.IntegerField()
    fragment_name = models.TextField(blank=True, default="")
    root_row = models.IntegerField(null=True, blank=True)
    delta_rt = models.FloatField(null=True, blank=True)
    lost = models.CharField(max_length=128, blank=True, default="")
    parent_volume = models.FloatField(null=True, blank=True)
    fragment_volume = models.FloatField(null=True, blank=True)
    volume_ratio = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["analysis", "fragment_row", "parent_row"]
        indexes = [models.Index(fields=["analysis", "fragment_row"], name="fragment_analysis_row")]

    def __str__(self) -> str:
        return f"row {self.fragment_row} ← row {self.parent_row}"


class ArtifactKind(models.TextChoices):
    CSV = "csv", "Compounds (CSV)"
    XLSX = "xlsx", "Workbook (XLSX)"
    JSON = "json", "Everything (JSON)"
    HTML = "html", "Report (HTML)"
    PDF = "pdf", "Report (PDF)"


class Artifact(models.Model):
    """A downloadable export of a finished analysis: a file written by the worker.

    The file lives under ``MEDIA_ROOT`` (``path`` is relative to it), which the web servers and
    the workers share; it is served as a file, never rendered by the web process.
    """

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="artifacts")
    kind = models.CharField(max_length=8, choices=ArtifactKind.choices)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    path = models.CharField(max_length=500, help_text="the file, relative to MEDIA_ROOT")
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["analysis", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "kind"], name="artifact_unique_kind")
        ]

    def __str__(self) -> str:
        return self.filename


class DecisionAction(models.TextChoices):
    STATUS = "status", "Set the status"
    CLEAR = "clear", "Remove the status override"
    ANCHOR = "anchor", "Promote to anchor"
    UNANCHOR = "unanchor", "Demote from anchor"


class Decision(models.Model):
    """A curator's decision about one row: who, when, what and why (the audit trail).

    A status decision (``status`` or ``clear``) changes the analysis's stored result at once
    (the core's status stays in ``Compound.status_computed``); an anchor decision changes the
    input's Anchor flag, so it takes effect in a re-run.  A re-run copies every decision of
    its original, keeping who made it, when, why and in which analysis (``made_in``).
    """

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="decisions")
    row = models.PositiveIntegerField(help_text="the input row (as Compound.row)")
    name = models.TextField(blank=True, default="", help_text="the row's name when decided")
    action = models.CharField(max_length=16, choices=DecisionAction.choices)
    status = models.CharField(
        max_length=16, blank=True, default="", help_text="the status set (action status)"
    )
    reason = models.TextField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="kept when the user is deleted")
    created_at = models.DateTimeField(help_text="when the decision was made")
    applied = models.BooleanField(
        default=True,
        help_text="the stored result reflects it (anchor changes await a re-run)",
    )
    made_in = models.PositiveIntegerField(
        help_text="id of the analysis the decision was made in (a re-run copies it)"
    )

    class Meta:
        ordering = ["analysis", "created_at", "id"]
        indexes = [models.Index(fields=["analysis", "row"], name="decision_analysis_row")]

    def __str__(self) -> str:
        what = f"{self.action} {self.status}".strip()
        return f"row {self.row}: {what} by {self.username}"
