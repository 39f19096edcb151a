from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from ganglioside.result import CATEGORIES, STATUSES

from ..models import Analysis, AnalysisStatus, Compound


class _UtcDateTimeField(forms.DateTimeField):
    """An ISO 8601 date and time, converted to UTC here: PostgreSQL refuses offsets beyond
    ±15:59 that Python accepts (``+16:00``), and a date near year 1 or 9999 may not survive
    the conversion at all; both are answered 400, never passed to the database."""

    input_formats = ["iso-8601"]

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            aware = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
            return aware.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError(
                "the date and time is out of range once converted to UTC", code="invalid"
            ) from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcDateTimeField


class AnalysisFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AnalysisStatus.choices)
    created_after = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="created at or after (ISO 8601)"
    )
    created_before = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="created before (ISO 8601)"
    )

    class Meta:
        model = Analysis
        fields = ["status", "created_after", "created_before"]


class CompoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=[(s, s) for s in STATUSES])
    category = django_filters.ChoiceFilter(choices=[(c, c) for c in CATEGORIES])
    group_key = django_filters.CharFilter(label="RT model group, e.g. GD1+OAc", max_length=200)
    is_anchor = django_filters.BooleanFilter()

    class Meta:
        model = Compound
        fields = ["status", "category", "group_key", "is_anchor"]
