from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.filters import OrderingFilter

from ganglioside.identification import LEVELS
from ganglioside.result import CATEGORIES, STATUSES

from ..models import Analysis, AnalysisStatus, Compound

_ROW_PART = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?$")


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


class RowNumbersField(forms.CharField):
    """Row numbers and ranges, e.g. ``70, 72, 100-120``, as a list of (first, last) pairs."""

    def clean(self, value: Any) -> list[tuple[int, int]] | None:
        text = super().clean(value)
        if not text:
            return None
        spans = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            match = _ROW_PART.match(part)
            if not match:
                raise forms.ValidationError(
                    f"{part!r} is not a row number or a range like 100-120 "
                    "(expected row numbers and ranges separated by commas, e.g. 70, 72, 100-120)"
                )
            first = int(match.group(1))
            last = int(match.group(2) or first)
            if last < first:
                raise forms.ValidationError(f"the range {part!r} ends before it starts")
            spans.append((first, last))
        return spans


@extend_schema_field(OpenApiTypes.STR)
class RowNumbersFilter(django_filters.Filter):
    field_class = RowNumbersField

    def filter(self, qs: QuerySet, value: list[tuple[int, int]] | None) -> QuerySet:
        if not value:
            return qs
        wanted = Q()
        for first, last in value:
            wanted |= Q(row=first) if first == last else Q(row__range=(first, last))
        return qs.filter(wanted)


class CompoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=[(s, s) for s in STATUSES])
    category = django_filters.ChoiceFilter(choices=[(c, c) for c in CATEGORIES])
    group_key = django_filters.CharFilter(label="RT model group, e.g. GD1+OAc", max_length=200)
    is_anchor = django_filters.BooleanFilter()
    identification_level = django_filters.ChoiceFilter(
        choices=[(k, f"{k} {label}") for k, label in enumerate(LEVELS) if k],
        label="identification level: 1 standard, 2 MS/MS + RT, 3 RT-consistent MS1, "
        "4 composition only, 5 contradicted",
    )
    rows = RowNumbersFilter(label="row numbers and ranges, e.g. 70, 72, 100-120")

    class Meta:
        model = Compound
        fields = ["status", "category", "group_key", "is_anchor", "identification_level", "rows"]


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=`` that answers 400, with the columns it knows, when asked for another
    (DRF's own drops an unknown column without a word and keeps its default order)."""

    def remove_invalid_fields(
        self, queryset: QuerySet, fields: Iterable[str], view: Any, request: Any
    ) -> list[str]:
        terms = [term for term in fields if term]  # "a,,b" or a trailing comma: nothing asked
        valid = super().remove_invalid_fields(queryset, terms, view, request)
        unknown = [term for term in terms if term not in valid]
        if unknown:
            allowed = self.allowed(queryset, view, request)
            raise ApiValidationError(
                {
                    self.ordering_param: [
                        f"cannot order by {', '.join(map(repr, unknown))}; expected one or more "
                        f"of {', '.join(allowed)} separated by commas, each with '-' first "
                        "for descending"
                    ]
                }
            )
        return valid

    def allowed(self, queryset: QuerySet, view: Any, request: Any = None) -> list[str]:
        """The columns a view orders by."""
        return [name for name, _ in self.get_valid_fields(queryset, view, {"request": request})]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        fields = getattr(view, "ordering_fields", None) or []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "columns to order by, separated by commas, '-' first for "
                f"descending: {', '.join(fields)}; another answers 400",
                "schema": {"type": "string"},
            }
        ]


class CompoundOrderingFilter(StrictOrderingFilter):
    """``?ordering=`` as DRF reads it, with rows that have no value last in either direction
    and the row number breaking ties (so that pages do not overlap)."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        terms = [
            F(name[1:]).desc(nulls_last=True)
            if name.startswith("-")
            else F(name).asc(nulls_last=True)
            for name in ordering
        ]
        if not any(name.lstrip("-") == "row" for name in ordering):
            terms.append(F("row").asc())
        return queryset.order_by(*terms)
