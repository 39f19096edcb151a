"""The upload form.  Its parameter fields are generated from :class:`ganglioside.AnalysisConfig`
(:mod:`ganglioside.web.common.forms`), like the API's: a parameter added to the core appears here
with its default and description, and no list of parameters is kept by hand."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings

from ganglioside.web.common.forms import ACCEPTED_SUFFIXES, default_text, parameter_field
from ganglioside.web.common.parameters import defaults, descriptions

from ..methods.models import Method


class UploadForm(forms.Form):
    """A table, a name, and every parameter of the analysis."""

    file = forms.FileField(
        label="Feature table",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    name = forms.CharField(
        label="Name",
        max_length=200,
        required=False,
        help_text="A label for the analysis; the file name when empty.",
    )

    method = forms.ModelChoiceField(
        queryset=Method.objects.none(),
        required=False,
        label="Method",
        empty_label="— none: parameters below, no calibrants —",
        help_text="A saved method: its calibrants become anchors and its parameters apply; "
        "a parameter changed below from its default overrides the method's.",
    )

    def __init__(self, *args: Any, owner: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        method_field = self.fields["method"]
        assert isinstance(method_field, forms.ModelChoiceField)
        method_field.queryset = (
            Method.objects.filter(owner=owner) if owner else Method.objects.none()
        )
        described = descriptions()
        self.parameter_names: list[str] = []
        for name, default in defaults().items():
            self.fields[name] = parameter_field(name, default, described.get(name, ""))
            self.parameter_names.append(name)
        limit = settings.GANGLIOSIDE_MAX_UPLOAD_MB
        self.fields["file"].help_text = (
            f"CSV, TSV or XLSX, up to {limit:g} MB: one row per peak with the columns Name, RT "
            "and Volume, and optionally Log P and Anchor; or an export of MS-DIAL, LipidSearch, "
            "MZmine or Skyline. Other tables: you will be asked which column gives what."
        )

    @property
    def parameter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.parameter_names]

    def parameters(self) -> dict[str, Any]:
        """The parameters the user gave (an empty field means the default); with a method
        chosen, only those that differ from the default (the method's apply to the rest)."""
        out = {}
        base = defaults() if self.cleaned_data.get("method") is not None else {}
        for name in self.parameter_names:
            value = self.cleaned_data.get(name)
            if value is None or (name in base and value == base[name]):
                continue
            out[name] = value
        return out


class RerunForm(forms.Form):
    """The parameters of an analysis, each starting at its current value, to run it again."""

    name = forms.CharField(
        label="Name",
        max_length=200,
        required=False,
        help_text="Empty: named after the first analysis of the file and what changed.",
    )

    def __init__(self, *args: Any, current: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        described = descriptions()
        self.current = {**defaults(), **current}
        self.parameter_names: list[str] = []
        for name, default in defaults().items():
            value = self.current[name]
            field = parameter_field(name, value, described.get(name, ""))
            field.help_text = (
                f"{described.get(name, '').replace('``', '')} Now: {default_text(value)}; "
                f"default: {default_text(default)}."
            ).strip()
            self.fields[name] = field
            self.parameter_names.append(name)

    @property
    def parameter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.parameter_names]

    def changes(self) -> dict[str, Any]:
        """The parameters given a value other than the current one (empty means unchanged)."""
        out = {}
        for name in self.parameter_names:
            value = self.cleaned_data.get(name)
            if value is None or _same(value, self.current[name]):
                continue
            out[name] = value
        return out


def _same(value: Any, current: Any) -> bool:
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True) == json.dumps(current, sort_keys=True)
    return bool(value == current)


class DecisionForm(forms.Form):
    """A curator's decision about one row: what, and why."""

    row = forms.IntegerField(min_value=1, label="Row", help_text="the row number of the input")
    action = forms.ChoiceField(
        label="Decision",
        choices=[
            ("status", "Set the status"),
            ("clear", "Remove my status override"),
            ("anchor", "Promote to anchor (applies in a re-run)"),
            ("unanchor", "Demote from anchor (applies in a re-run)"),
        ],
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        help_text="with “Set the status”: valid accepts the row, outlier or invalid rejects it",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
        help_text="kept in the audit trail with your name and the time",
    )

    def __init__(self, *args: Any, statuses: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", "—"), *((s, s) for s in statuses)]
