from __future__ import annotations

import django_filters

from ganglioside.result import CATEGORIES, STATUSES

from ..models import Analysis, AnalysisStatus, Compound


class AnalysisFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AnalysisStatus.choices)
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="created at or after (ISO 8601)"
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="created before (ISO 8601)"
    )

    class Meta:
        model = Analysis
        fields = ["status", "created_after", "created_before"]


class CompoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=[(s, s) for s in STATUSES])
    category = django_filters.ChoiceFilter(choices=[(c, c) for c in CATEGORIES])
    group_key = django_filters.CharFilter(label="RT model group, e.g. GD1+OAc")
    is_anchor = django_filters.BooleanFilter()

    class Meta:
        model = Compound
        fields = ["status", "category", "group_key", "is_anchor"]
