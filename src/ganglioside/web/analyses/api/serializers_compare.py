"""The comparison of two analyses as the API answers it: the matching, the counts, the status
and parameter changes, the abundance differences and a page of the changed rows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from rest_framework import serializers

from ..comparison import Comparison, StatusChange
from ..models import Analysis


class AnalysisRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.URLField()


class MatchingSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=["row", "species", "name"],
        help_text="row: the same file (same checksum), row by row; species (or name, for "
        "analyses stored before the species was recorded): the same species at nearly the same "
        "retention time, in elution order",
    )
    rt_tolerance = serializers.FloatField(
        allow_null=True, help_text="largest RT difference (min) of a pair; null row by row"
    )
    description = serializers.CharField()


class ComparisonCountsSerializer(serializers.Serializer):
    matched = serializers.IntegerField(help_text="rows paired with a row of the other analysis")
    only_a = serializers.IntegerField()
    only_b = serializers.IntegerField()
    status_differs = serializers.IntegerField()


class TransitionSerializer(serializers.Serializer):
    a = serializers.CharField(help_text="status in A")
    b = serializers.CharField(help_text="status in B")
    rows = serializers.IntegerField()


class ParameterChangeSerializer(serializers.Serializer):
    name = serializers.CharField()
    a = serializers.JSONField(help_text="the value in A")
    b = serializers.JSONField(help_text="the value in B")


class AbundanceDifferenceSerializer(serializers.Serializer):
    key = serializers.CharField()
    percent_a = serializers.FloatField(allow_null=True)
    percent_b = serializers.FloatField(allow_null=True)
    difference = serializers.FloatField(allow_null=True, help_text="B − A, percentage points")


class StatusChangeSerializer(serializers.Serializer):
    row_a = serializers.IntegerField()
    row_b = serializers.IntegerField()
    name = serializers.CharField(help_text="the name in A")
    group_key = serializers.CharField()
    status_a = serializers.CharField()
    status_b = serializers.CharField()
    z_a = serializers.FloatField(allow_null=True)
    z_b = serializers.FloatField(allow_null=True)
    reasons_b = serializers.CharField()


class StatusChangePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StatusChangeSerializer(many=True)


class ComparisonSerializer(serializers.Serializer):
    """Two analyses side by side: how rows were matched, counts, the parameters and abundances
    that differ, and a page of the rows whose status differs."""

    a = AnalysisRefSerializer()
    b = AnalysisRefSerializer()
    matching = MatchingSerializer()
    counts = ComparisonCountsSerializer()
    transitions = TransitionSerializer(many=True)
    parameter_changes = ParameterChangeSerializer(many=True)
    abundance = serializers.DictField(
        child=AbundanceDifferenceSerializer(many=True), help_text="level → rows"
    )
    changes = StatusChangePageSerializer()


def comparison_data(request: Any, result: Comparison, page: Any) -> dict[str, Any]:
    """The answer of the comparison endpoint (``page``: a page of ``result.changes``)."""

    def ref(analysis: Analysis) -> dict[str, Any]:
        url = request.build_absolute_uri(reverse("api:analysis-detail", args=[analysis.pk]))
        return {"id": analysis.pk, "name": analysis.name, "url": url}

    def page_url(number: int | None) -> str | None:
        if number is None:
            return None
        return request.build_absolute_uri(
            f"?{urlencode({'a': result.a.pk, 'b': result.b.pk, 'page': number})}"
        )

    return {
        "a": ref(result.a),
        "b": ref(result.b),
        "matching": {
            "method": result.matching.method,
            "rt_tolerance": result.matching.rt_tolerance,
            "description": result.matching.description,
        },
        "counts": {
            "matched": result.matched,
            "only_a": result.only_a,
            "only_b": result.only_b,
            "status_differs": result.n_changes,
        },
        "transitions": [{"a": sa, "b": sb, "rows": n} for sa, sb, n in result.transitions],
        "parameter_changes": [
            {"name": c.name, "a": c.before, "b": c.after} for c in result.parameter_changes
        ],
        "abundance": {
            level: [
                {
                    "key": r.key,
                    "percent_a": r.percent_a,
                    "percent_b": r.percent_b,
                    "difference": r.difference,
                }
                for r in rows
            ]
            for level, rows in result.abundance.items()
        },
        "changes": {
            "count": result.n_changes,
            "next": page_url(page.next_page_number() if page.has_next() else None),
            "previous": page_url(page.previous_page_number() if page.has_previous() else None),
            "results": [_change_data(c) for c in page.object_list],
        },
    }


def _change_data(change: StatusChange) -> dict[str, Any]:
    return {
        "row_a": change.row,
        "row_b": change.row_b,
        "name": change.name,
        "group_key": change.group_key,
        "status_a": change.status,
        "status_b": change.status_b,
        "z_a": change.z,
        "z_b": change.z_b,
        "reasons_b": change.reasons_b,
    }
