"""Shapes of the studies API."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ganglioside.studies.compare import AGREEMENTS, StudyComparison

from ..models import SampleStatus, Study, StudySample, StudyStatus
from ..selectors import records
from ..services.outputs import CONTENT_TYPES


class StudyCreateSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        allow_empty=False,
        help_text="the samples' tables (CSV, TSV, XLSX or multi-sample exports), or one zip of "
        "them; the design's file column names them (not sent with export)",
    )
    export = serializers.FileField(
        required=False,
        help_text="instead of files and a design: one multi-sample export (e.g. an MS-DIAL "
        "alignment with its metadata rows); the design is built from its metadata (group from "
        "Class, sample_type from File type, injection order, batch) and kept as design.csv",
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
        if "export" in attrs:
            sent: set[str] = {k for k in ("files", "design_file") if k in attrs}
            sent |= {"design"} if attrs.get("design", "").strip() else set()
            extra = sorted(sent)
            if extra:
                raise serializers.ValidationError(
                    {k: ["not sent with export: the design comes from the export"] for k in extra}
                )
            return attrs
        if not attrs.get("files"):
            raise serializers.ValidationError(
                {"files": ["send the samples' tables in files, or one export in export"]}
            )
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


# -- comparison of two studies ------------------------------------------------------------------


class StudyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    comparison = serializers.CharField(help_text="the groups it compared, numerator/denominator")
    url = serializers.URLField(help_text="the study in the API")
    page = serializers.URLField(help_text="the study's page")


class AgreementCountsSerializer(serializers.Serializer):
    """Compounds per agreement label."""

    same_direction = serializers.IntegerField(help_text=AGREEMENTS["same_direction"])
    opposite_directions = serializers.IntegerField(help_text=AGREEMENTS["opposite_directions"])
    changed_only_in_a = serializers.IntegerField(help_text=AGREEMENTS["changed_only_in_a"])
    changed_only_in_b = serializers.IntegerField(help_text=AGREEMENTS["changed_only_in_b"])
    unchanged_in_both = serializers.IntegerField(help_text=AGREEMENTS["unchanged_in_both"])
    only_measured_in_a = serializers.IntegerField(help_text=AGREEMENTS["only_measured_in_a"])
    only_measured_in_b = serializers.IntegerField(help_text=AGREEMENTS["only_measured_in_b"])


class CorrelationSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="spearman")
    n = serializers.IntegerField(help_text="compounds in both studies with both fold changes")
    rho = serializers.FloatField(
        allow_null=True, help_text="null with fewer than three compounds or a constant side"
    )
    p_value = serializers.FloatField(allow_null=True)


class StudyComparisonSummarySerializer(serializers.Serializer):
    n_compounds = serializers.IntegerField(help_text="rows: compounds of A, B or both")
    n_in_both = serializers.IntegerField()
    matched_by_track = serializers.IntegerField(help_text="pairs of the same species and track")
    matched_by_rt = serializers.IntegerField(
        help_text="pairs of one species with different tracks, consensus RTs within rt_tolerance"
    )
    rt_tolerance = serializers.FloatField(help_text="minutes")
    matching = serializers.CharField(help_text="how the compounds were matched, in words")
    significant_q = serializers.FloatField(help_text="a compound is changed below this q value")
    agreement = AgreementCountsSerializer()
    correlation = CorrelationSerializer()
    comparison_a = serializers.CharField()
    comparison_b = serializers.CharField()
    same_comparison = serializers.BooleanField(help_text="both studies compared the same groups")


class StudyParameterChangeSerializer(serializers.Serializer):
    name = serializers.CharField()
    a = serializers.JSONField(help_text="the value in A")
    b = serializers.JSONField(help_text="the value in B")


def _number(**kwargs: Any) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, **kwargs)


class OpenRowSerializer(serializers.Serializer):
    """A row of a study table: its named columns, and columns named after the study's samples
    or groups (``extra_columns``: their schema, as ``additionalProperties``)."""

    extra_columns: dict[str, Any] = {}


class OpenRowExtension(OpenApiSerializerExtension):
    """The schema of an :class:`OpenRowSerializer`: its fields, then ``additionalProperties``."""

    target_class = OpenRowSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = dict(self.target.extra_columns)
        return schema


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(allow_null=True, **kwargs)


class MatrixRowSerializer(OpenRowSerializer):
    """One compound of the matrix: its names, then one column per sample, named after it."""

    extra_columns = {
        "type": "number",
        "nullable": True,
        "description": "the quantity in the sample the column is named after (null: missing)",
    }

    feature_id = serializers.CharField(help_text="the compound's id in every file of the study")
    species = serializers.CharField()
    name = serializers.CharField()
    isomer_track = _text(help_text="the isomer track (early, late …); null: one track only")


class StatisticsRowSerializer(OpenRowSerializer):
    """One compound and contrast of ``statistics.csv``: fold change, tests and q values, QC
    figures, then the mean and the found fraction of each group as ``mean_<group>`` and
    ``found_<group>``."""

    extra_columns = {
        "type": "number",
        "nullable": True,
        "description": "mean_<group>: the group's mean quantity; found_<group>: the share of "
        "its samples the compound was measured in",
    }

    feature_id = serializers.CharField(help_text="the compound's id in every file of the study")
    contrast = serializers.CharField(help_text="numerator/denominator, e.g. disease/control")
    species = serializers.CharField()
    name = serializers.CharField()
    isomer_track = _text(help_text="null: one track only")
    category = _text(help_text="GM, GD, GT, GQ, GA …")
    rt = _number(help_text="consensus RT (min)")
    log2_fold_change = _number(help_text="numerator over denominator of the contrast")
    p_value = _number(help_text="of the study's test (moderated t, Welch or Mann-Whitney)")
    q_value = _number(help_text="Benjamini-Hochberg q value of p_value (filtered rows: null)")
    test = serializers.CharField(help_text="the test of p_value, in words")
    t = _number(required=False, help_text="moderated t statistic (moderated t only)")
    df = _number(required=False, help_text="its degrees of freedom (moderated t only)")
    p_welch = _number()
    q_welch = _number()
    p_mann_whitney = _number()
    q_mann_whitney = _number()
    p_overall = _number(required=False, help_text="more than two groups: any difference")
    q_overall = _number(required=False, help_text="more than two groups")
    p_anova = _number(required=False, help_text="more than two groups")
    p_kruskal_wallis = _number(required=False, help_text="more than two groups")
    found_fraction = _number(help_text="share of all samples the compound was valid in")
    outlier_in = _text(help_text="samples where it was an outlier, separated by ';'")
    fragment_in = _text(help_text="samples where it was an in-source fragment, separated by ';'")
    n_missing = serializers.IntegerField(help_text="samples without a value")
    n_imputed = serializers.IntegerField(help_text="of those, values imputed")
    qc_rsd_before = _number(required=False, help_text="RSD in the QCs before drift correction")
    qc_rsd = _number(required=False, help_text="RSD in the QCs")
    d_ratio = _number(required=False, help_text="QC spread over the study samples' spread")
    blank_ratio = _number(required=False, help_text="study samples over blanks")
    filter = _text(required=False, help_text="the QC filters it failed, separated by ','")


class MatrixSerializer(serializers.Serializer):
    """The compounds × samples matrix: ``columns`` in file order and one object per row."""

    count = serializers.IntegerField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = MatrixRowSerializer(many=True)


class StatisticsSerializer(serializers.Serializer):
    """The rows of ``statistics.csv`` kept by the filters: ``columns`` in file order and one
    object per row."""

    count = serializers.IntegerField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = StatisticsRowSerializer(many=True)


class StudyComparisonRowSerializer(serializers.Serializer):
    """One compound: both studies' values (null where the study did not measure it)."""

    species = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField(allow_blank=True)
    agreement = serializers.ChoiceField(choices=list(AGREEMENTS))
    matched_by = serializers.ChoiceField(
        choices=["track", "rt", ""],
        help_text="track: same species and isomer track; rt: same species, other track, close "
        "consensus RT; empty: in one study only",
    )
    isomer_track_a = serializers.CharField(allow_null=True, allow_blank=True)
    isomer_track_b = serializers.CharField(allow_null=True, allow_blank=True)
    rt_a = _number(help_text="consensus RT (min)")
    rt_b = _number()
    log2_fold_change_a = _number(help_text="numerator over denominator of A's comparison")
    log2_fold_change_b = _number()
    q_value_a = _number()
    q_value_b = _number()
    found_fraction_a = _number(help_text="share of A's samples the compound was valid in")
    found_fraction_b = _number()
    found_numerator_a = _number(help_text="share of the numerator group's samples")
    found_numerator_b = _number()
    found_denominator_a = _number()
    found_denominator_b = _number()
    mean_numerator_a = _number(help_text="mean quantity in the numerator group")
    mean_numerator_b = _number()
    mean_denominator_a = _number()
    mean_denominator_b = _number()


class StudyComparisonPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="rows with the asked label (all without one)")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StudyComparisonRowSerializer(many=True)


class StudyComparisonSerializer(serializers.Serializer):
    """Two studies side by side: how compounds were matched, counts per agreement label, the
    correlation of the fold changes, the parameters that differ and a page of compounds."""

    a = StudyRefSerializer()
    b = StudyRefSerializer()
    summary = StudyComparisonSummarySerializer()
    parameter_changes = StudyParameterChangeSerializer(many=True)
    labels = serializers.DictField(
        child=serializers.CharField(), help_text="agreement label → what it says"
    )
    csv = serializers.URLField(help_text="every row and column as CSV")
    rows = StudyComparisonPageSerializer()


def study_comparison_data(
    request: Any, a: Study, b: Study, result: StudyComparison, page: Any
) -> dict[str, Any]:
    """The answer of the comparison endpoint (``page``: a page of the comparison's rows)."""

    def ref(study: Study) -> dict[str, Any]:
        return {
            "id": study.pk,
            "name": study.name,
            "comparison": study.comparison,
            "url": request.build_absolute_uri(
                reverse("studies-api:study-detail", kwargs={"pk": study.pk})
            ),
            "page": request.build_absolute_uri(reverse("studies:detail", args=[study.pk])),
        }

    def page_url(number: int | None) -> str | None:
        if number is None:
            return None
        query = {"page": number}
        if request.query_params.get("agreement"):
            query = {"agreement": request.query_params["agreement"], **query}
        return request.build_absolute_uri(f"?{urlencode(query)}")

    ids = {"pk": a.pk, "other_id": b.pk}
    return {
        "a": ref(a),
        "b": ref(b),
        "summary": result.summary,
        "parameter_changes": [{"name": p.name, "a": p.a, "b": p.b} for p in result.parameters],
        "labels": dict(AGREEMENTS),
        "csv": request.build_absolute_uri(reverse("studies-api:study-compare-csv", kwargs=ids)),
        "rows": {
            "count": page.paginator.count,
            "next": page_url(page.next_page_number() if page.has_next() else None),
            "previous": page_url(page.previous_page_number() if page.has_previous() else None),
            "results": records(page.object_list),
        },
    }
