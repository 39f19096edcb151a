"""API fields for the analysis parameters, generated from :class:`ganglioside.AnalysisConfig`.

Generating them keeps the API, its schema (with each default and description) and the core in
step: a parameter added to the core appears in the API without touching this file.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from ganglioside import AnalysisConfig
from ganglioside.config import PARAMETER_BOUNDS, Bounds

#: Parameter → its range (the core's, so the schema states it and a value out of range is
#: refused by the serializer with the field named).
BOUNDS: dict[str, Bounds] = PARAMETER_BOUNDS


class _OptionalBoolean(serializers.BooleanField):
    # A checkbox missing from a multipart form means "not given", not False.
    default_empty_html = empty


class _BoundedFloat(serializers.FloatField):
    """A finite number within :class:`Bounds`, including an exclusive minimum."""

    def __init__(self, *, bounds: Bounds, **options: Any) -> None:
        self.bounds = bounds
        # An exclusive minimum is checked below (a MinValueValidator would make it inclusive,
        # in the schema too).
        if not bounds.exclusive and math.isfinite(bounds.minimum):
            options["min_value"] = bounds.minimum
        if bounds.maximum is not None:
            options["max_value"] = bounds.maximum
        super().__init__(**options)

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("expected a finite number")
        if self.bounds.exclusive and value <= self.bounds.minimum:
            raise serializers.ValidationError(
                f"expected a number greater than {self.bounds.minimum:g}"
            )
        return value


def _bounded_float(bounds: Bounds, **options: Any) -> serializers.Field:
    """A :class:`_BoundedFloat` whose schema states its range (an exclusive minimum too)."""
    schema: dict[str, Any] = {"type": "number", "format": "double"}
    if math.isfinite(bounds.minimum):
        schema["minimum"] = bounds.minimum
        if bounds.exclusive:
            schema["exclusiveMinimum"] = True
    if bounds.maximum is not None:
        schema["maximum"] = bounds.maximum
    kind = extend_schema_field(schema)(type("BoundedFloat", (_BoundedFloat,), {}))
    return kind(bounds=bounds, **options)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "example": {"GD1": ["b", "a"]},
    }
)
class _ElutionOrderField(serializers.Field):
    """``{core: [letter, ...]}``, given as an object (JSON) or as JSON text (a form field)."""

    default_error_messages = {
        "shape": 'expected an object such as {{"GD1": ["b", "a"]}}: each core name maps to a '
        "list of isomer letters, earliest first",
    }

    def to_internal_value(self, data: Any) -> dict[str, list[str]]:
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("shape")
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v)
            for k, v in data.items()
        ):
            self.fail("shape")
        return {k: list(v) for k, v in data.items()}

    def to_representation(self, value: Any) -> Any:
        return value


def descriptions() -> dict[str, str]:
    """Attribute descriptions from the NumPy-style docstring of AnalysisConfig."""
    text = inspect.getdoc(AnalysisConfig) or ""
    out: dict[str, str] = {}
    names: list[str] = []
    for line in text.splitlines():
        head = re.match(r"^(\w+(?:, \w+)*):$", line)
        if head:
            names = head.group(1).split(", ")
            for name in names:
                out[name] = ""
        elif names and line.startswith("    "):
            for name in names:
                out[name] = (out[name] + " " + line.strip()).strip()
        elif not line.strip():
            continue
        else:
            names = []
    return out


def defaults() -> dict[str, Any]:
    """Every parameter with its default, JSON-ready."""
    return AnalysisConfig().to_dict()


def parameter_fields(*, with_defaults: bool) -> dict[str, serializers.Field]:
    """One optional serializer field per parameter.

    With ``with_defaults`` the default is declared on the field (shown in the schema); without,
    a missing field means "keep the current value" (used by re-runs).
    """
    described = descriptions()
    fields: dict[str, serializers.Field] = {}
    for name, default in defaults().items():
        help_text = f"{described.get(name, '').rstrip('.')}. Default: {default!r}.".lstrip(". ")
        options: dict[str, Any] = {"required": False, "help_text": help_text}
        if with_defaults:
            options["default"] = default
        bounds = BOUNDS.get(name)
        if isinstance(default, bool):
            field: serializers.Field = _OptionalBoolean(**options)
        elif isinstance(default, int):
            if bounds is not None:
                options["min_value"] = int(bounds.minimum)
            field = serializers.IntegerField(**options)
        elif isinstance(default, float):
            field = _bounded_float(bounds or Bounds(-math.inf), **options)
        elif isinstance(default, dict):
            field = _ElutionOrderField(**options)
        else:
            field = serializers.JSONField(binary=True, **options)
        fields[name] = field
    return fields


def given_parameters(validated: dict[str, Any]) -> dict[str, Any]:
    """The parameter values in validated serializer data."""
    known = {f.name for f in dataclasses.fields(AnalysisConfig)}
    return {k: v for k, v in validated.items() if k in known}
