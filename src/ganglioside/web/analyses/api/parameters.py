"""API fields for the analysis parameters, generated from :class:`ganglioside.AnalysisConfig`.

Generating them keeps the API, its schema (with each default and description) and the core in
step: a parameter added to the core appears in the API without touching this file.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from ganglioside import AnalysisConfig


class _OptionalBoolean(serializers.BooleanField):
    # A checkbox missing from a multipart form means "not given", not False.
    default_empty_html = empty


def _descriptions() -> dict[str, str]:
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
    described = _descriptions()
    fields: dict[str, serializers.Field] = {}
    for name, default in defaults().items():
        help_text = f"{described.get(name, '').rstrip('.')}. Default: {default!r}.".lstrip(". ")
        options: dict[str, Any] = {"required": False, "help_text": help_text}
        if with_defaults:
            options["default"] = default
        if isinstance(default, bool):
            field: serializers.Field = _OptionalBoolean(**options)
        elif isinstance(default, int):
            field = serializers.IntegerField(**options)
        elif isinstance(default, float):
            field = serializers.FloatField(**options)
        else:
            field = serializers.JSONField(binary=True, **options)
        fields[name] = field
    return fields


def given_parameters(validated: dict[str, Any]) -> dict[str, Any]:
    """The parameter values in validated serializer data."""
    known = {f.name for f in dataclasses.fields(AnalysisConfig)}
    return {k: v for k, v in validated.items() if k in known}
