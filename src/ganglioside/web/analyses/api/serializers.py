"""Input and output serializers of the API (input ones validate shape only; the core and the
services validate meaning)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ganglioside.result import STATUSES
from ganglioside.web.common.parameters import parameter_fields

from ..models import (
    Analysis,
    AnalysisStatus,
    ArtifactKind,
    Compound,
    Decision,
    DecisionAction,
    FragmentEvent,
    RTModel,
)

EXPORT_FORMATS = tuple(ArtifactKind.values)


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='send as the header "Authorization: Token <token>"')


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            key: {"type": "string"} for key in ("name", "rt", "volume", "log_p", "anchor", "class")
        },
        "additionalProperties": False,
        "description": "explicit column mapping for a table the app does not recognise: which "
        'column gives what, e.g. {"name": "Metabolite", "rt": "RT (min)", "volume": "Area"} '
        "(in multipart, as JSON text)",
    }
)
class ColumnMappingField(serializers.JSONField):
    """A column mapping: a JSON object of key -> column header (JSON text in a form)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(binary=True, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise serializers.ValidationError(
                'expected a JSON object of column names, e.g. {"name": "Metabolite"}'
            )
        return value


def _analysis_create_serializer() -> type[serializers.Serializer]:
    attrs: dict[str, Any] = {
        "file": serializers.FileField(help_text="CSV, TSV or XLSX feature table"),
        "name": serializers.CharField(
            required=False, allow_blank=True, max_length=200, help_text="defaults to the file name"
        ),
        "sample": serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=500,
            help_text="the sample to analyse of an export with several (required for one)",
        ),
        "columns": ColumnMappingField(required=False),
        "method": serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="id of one of your methods (/api/v1/methods/): its calibrants become "
            "anchors and its parameters apply; parameters given here override them",
        ),
        **parameter_fields(with_defaults=False),
        "__doc__": "A table to analyse and the analysis parameters (all optional).",
    }
    return type("AnalysisCreateSerializer", (serializers.Serializer,), attrs)


def _analysis_rerun_serializer() -> type[serializers.Serializer]:
    attrs: dict[str, Any] = {
        "name": serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=200,
            help_text="defaults to the first analysis's name and what changed, e.g. \"sample "
            '(re-run 2: outlier_z 3.0)"',
        ),
        **parameter_fields(with_defaults=False),
        "__doc__": "Parameters to change; the others keep the values of the original analysis.",
    }
    return type("AnalysisRerunSerializer", (serializers.Serializer,), attrs)


AnalysisCreateSerializer = _analysis_create_serializer()
AnalysisRerunSerializer = _analysis_rerun_serializer()


class ProgressSerializer(serializers.Serializer):
    step = serializers.CharField(source="progress_step", help_text="current step of the core")
    fraction = serializers.FloatField(source="progress_fraction", help_text="0 to 1")
    message = serializers.CharField(source="progress_message")


class InputFileSerializer(serializers.Serializer):
    filename = serializers.CharField(source="input_filename")
    size = serializers.IntegerField(source="input_size", help_text="bytes")
    sha256 = serializers.CharField(source="input_sha256")


class AnalysisErrorSerializer(serializers.Serializer):
    message = serializers.CharField(source="error_message")
    details = serializers.JSONField(source="error_details")


class AnalysisListSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=AnalysisStatus.choices)
    progress = ProgressSerializer(source="*")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = [
            "id",
            "url",
            "name",
            "status",
            "progress",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "n_compounds",
            "status_counts",
            "input_filename",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, obj: Analysis) -> str:
        return _absolute(self.context, reverse("api:analysis-detail", args=[obj.pk]))

    def to_representation(self, instance: Analysis) -> dict[str, Any]:
        """The list row, built directly: a page of 50 stays cheap (the declared fields above
        describe it for the schema; a test checks both agree)."""
        base = self.context.get("_list_base")
        if base is None:
            base = _absolute(self.context, reverse("api:analysis-list"))
            self.context["_list_base"] = base
        return {
            "id": instance.pk,
            "url": f"{base}{instance.pk}/",
            "name": instance.name,
            "status": instance.status,
            "progress": {
                "step": instance.progress_step,
                "fraction": instance.progress_fraction,
                "message": instance.progress_message,
            },
            "created_at": _datetime(instance.created_at),
            "started_at": _datetime(instance.started_at),
            "finished_at": _datetime(instance.finished_at),
            "duration_seconds": instance.duration_seconds,
            "n_compounds": instance.n_compounds,
            "status_counts": instance.status_counts,
            "input_filename": instance.input_filename,
        }


_DATETIME = serializers.DateTimeField()


def _datetime(value: Any) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


class AnalysisLinksSerializer(serializers.Serializer):
    compounds = serializers.URLField()
    models = serializers.URLField()
    fragments = serializers.URLField()
    rerun = serializers.URLField()
    decisions = serializers.URLField(help_text="the decisions about rows (audit trail)")
    websocket = serializers.CharField(help_text="path of the live-progress WebSocket")
    exports = serializers.DictField(child=serializers.URLField(), help_text="format → URL")


class AnalysisDetailSerializer(AnalysisListSerializer):
    input = InputFileSerializer(source="*")
    error = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta(AnalysisListSerializer.Meta):
        fields = [
            *AnalysisListSerializer.Meta.fields,
            "parameters",
            "software_version",
            "attempts",
            "summary",
            "warnings",
            "input",
            "error",
            "links",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Analysis) -> dict[str, Any]:
        return serializers.ModelSerializer.to_representation(self, instance)

    @extend_schema_field(AnalysisErrorSerializer(allow_null=True))
    def get_error(self, obj: Analysis) -> dict[str, Any] | None:
        if obj.status != AnalysisStatus.FAILED:
            return None
        return AnalysisErrorSerializer(obj).data

    @extend_schema_field(AnalysisLinksSerializer)
    def get_links(self, obj: Analysis) -> dict[str, Any]:
        def url(name: str, *args: Any) -> str:
            return _absolute(self.context, reverse(f"api:{name}", args=[obj.pk, *args]))

        return {
            "compounds": url("analysis-compounds"),
            "models": url("analysis-models"),
            "fragments": url("analysis-fragments"),
            "rerun": url("analysis-rerun"),
            "decisions": url("analysis-decisions"),
            "websocket": f"/ws/analyses/{obj.pk}/",
            "exports": {kind: url("analysis-export", kind) for kind in EXPORT_FORMATS},
        }


def _absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class PlainRowSerializer(serializers.ModelSerializer):
    """Read-only rows whose stored values are already JSON-ready.

    The declared fields describe the output (and the schema); the values are read straight
    from the model, which keeps a 100-row page of 50 columns fast (DRF's per-field
    conversion would cost more than the query).  The list views give it the rows as
    dictionaries (``queryset.values(*row_names())``), already in the output's shape, so no
    model instance is built at all.
    """

    _names: ClassVar[list[str]]  # set on each subclass by _plain_names()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if isinstance(instance, dict):
            return instance
        names = self._plain_names()
        return {name: getattr(instance, name) for name in names}

    @classmethod
    def row_names(cls) -> list[str]:
        """The output's keys, in order: the model's columns but the excluded ones."""
        return cls._plain_names()

    @classmethod
    def _plain_names(cls) -> list[str]:
        cached = cls.__dict__.get("_names")
        if cached is None:
            excluded = set(cls.Meta.exclude or ())
            model: type[models.Model] = cls.Meta.model
            cached = [f.name for f in model._meta.concrete_fields if f.name not in excluded]
            cls._names = cached
        return cached


class CompoundSerializer(PlainRowSerializer):
    """One input row with its per-row record (see ``ganglioside.result.COMPOUND_COLUMNS``)."""

    status = serializers.ChoiceField(choices=[(s, s) for s in STATUSES])

    class Meta:
        model = Compound
        exclude = ["id", "analysis"]
        read_only_fields = [f.name for f in Compound._meta.concrete_fields]


class RTModelSerializer(PlainRowSerializer):
    """One fitted retention-time model."""

    class Meta:
        model = RTModel
        exclude = ["id", "analysis"]
        read_only_fields = [f.name for f in RTModel._meta.concrete_fields]


class FragmentEventSerializer(PlainRowSerializer):
    """One in-source fragment link."""

    class Meta:
        model = FragmentEvent
        exclude = ["id", "analysis"]
        read_only_fields = [f.name for f in FragmentEvent._meta.concrete_fields]


# -- curation -----------------------------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer):
    """A decision about one row, as kept in the audit trail."""

    action = serializers.ChoiceField(choices=DecisionAction.choices)
    user = serializers.CharField(source="username", help_text="who decided")
    made_in = serializers.IntegerField(
        help_text="the analysis the decision was made in (a re-run carries its original's)"
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "row",
            "name",
            "action",
            "status",
            "reason",
            "user",
            "created_at",
            "applied",
            "made_in",
        ]
        read_only_fields = fields


class DecisionCreateSerializer(serializers.Serializer):
    """A decision about one row of a succeeded analysis."""

    row = serializers.IntegerField(min_value=1, help_text="the input row (as in compounds)")
    action = serializers.ChoiceField(
        choices=DecisionAction.choices,
        help_text="status: set the row's status (applied at once); clear: remove that override; "
        "anchor / unanchor: change the input's Anchor flag (applied by a re-run)",
    )
    status = serializers.ChoiceField(
        choices=[(s, s) for s in STATUSES],
        required=False,
        allow_blank=True,
        help_text="with action status: the status to set (valid accepts, outlier or invalid "
        "rejects)",
    )
    reason = serializers.CharField(max_length=2000, help_text="why, for the audit trail")
