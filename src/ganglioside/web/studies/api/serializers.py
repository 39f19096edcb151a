"""Shapes of the studies API."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import SampleStatus, Study, StudySample, StudyStatus
from ..services.outputs import CONTENT_TYPES


class StudyCreateSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        help_text="the samples' tables (CSV, TSV, XLSX or multi-sample exports), or one zip of "
        "them; the design's file column names them",
    )
    design_file = serializers.FileField(
        required=False, help_text="the design table (CSV, TSV or XLSX): sample, file, group …"
    )
    design = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="the design typed as CSV text (when no design_file is sent)",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    parameters = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text='study parameters as a JSON object, e.g. {"quantity": "total"}',
    )

    def validate_parameters(self, value: str) -> dict[str, Any]:
        if not value.strip():
            return {}
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise serializers.ValidationError(f"not JSON: {exc.msg} at {exc.pos}") from None
        if not isinstance(parsed, dict):
            raise serializers.ValidationError("expected a JSON object of parameters")
        return parsed

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "design_file" not in attrs and not attrs.get("design", "").strip():
            raise serializers.ValidationError(
                {"design": ["send the design as design_file or type it in design"]}
            )
        return attrs


class StudySampleSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=SampleStatus.choices, read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = StudySample
        fields = [
            "id",
            "position",
            "sample",
            "group",
            "input_filename",
            "status",
            "error_message",
            "attempts",
            "started_at",
            "finished_at",
            "duration_seconds",
            "n_compounds",
            "status_counts",
            "borrowed_anchors",
            "warnings",
            "links",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"page": {"type": "string"}, "compounds": {"type": "string"}},
        }
    )
    def get_links(self, row: StudySample) -> dict[str, str]:
        ids = {"pk": row.study_id, "sample_id": row.pk}
        return {
            "page": reverse(
                "studies:sample", kwargs={"study_id": row.study_id, "sample_id": row.pk}
            ),
            "compounds": reverse("studies-api:sample-compounds", kwargs=ids),
        }


class StudyListSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=StudyStatus.choices, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Study
        fields = [
            "id",
            "name",
            "status",
            "groups",
            "design_filename",
            "created_at",
            "finished_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, study: Study) -> str:
        return reverse("studies-api:study-detail", kwargs={"pk": study.pk})


class StudyDetailSerializer(StudyListSerializer):
    progress = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    samples = StudySampleSerializer(many=True, read_only=True)

    class Meta(StudyListSerializer.Meta):
        fields = [
            *StudyListSerializer.Meta.fields,
            "comparison",
            "parameters",
            "software_version",
            "started_at",
            "summary",
            "warnings",
            "error_message",
            "error_details",
            "design",
            "progress",
            "samples",
            "files",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "total": {"type": "integer"},
                "done": {"type": "integer"},
                **{s: {"type": "integer"} for s in SampleStatus.values},
            },
        }
    )
    def get_progress(self, study: Study) -> dict[str, int]:
        counts = {s: 0 for s in SampleStatus.values}
        for row in study.samples.all():
            counts[row.status] = counts.get(row.status, 0) + 1
        done = counts[SampleStatus.SUCCEEDED] + counts[SampleStatus.FAILED]
        return {"total": sum(counts.values()), "done": done, **counts}

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
            },
        }
    )
    def get_files(self, study: Study) -> list[dict[str, str]]:
        names = sorted(study.files.values_list("name", flat=True))
        return [
            {
                "name": n,
                "url": reverse("studies-api:study-file", kwargs={"pk": study.pk, "name": n}),
            }
            for n in names
            if n in CONTENT_TYPES
        ]


class FinishSerializer(serializers.Serializer):
    """No fields: finishing uses the samples that succeeded."""


class RowsSerializer(serializers.Serializer):
    """Rows of a study table: ``columns`` and one object per row."""

    count = serializers.IntegerField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.DictField())
