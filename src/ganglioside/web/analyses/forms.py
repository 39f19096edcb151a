"""The upload form.  Its parameter fields are generated from :class:`ganglioside.AnalysisConfig`,
like the API's (``api/parameters.py``): a parameter added to the core appears here with its
default and description, and no list of parameters is kept by hand."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings

from ..methods.models import Method
from .api.parameters import _descriptions, defaults

# A hint for the browser's file picker only: the core recognises the format from the content.
ACCEPTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


_WORDS = {"rt": "RT", "oac": "O-acetyl", "q2": "Q²", "logp": "Log P", "sd": "SD", "z": "z"}


def _label(name: str) -> str:
    words = [_WORDS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


class JSONMappingField(forms.CharField):
    """A parameter that is a mapping (``isomer_elution_order``), written as JSON."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"not valid JSON ({exc.msg} at character {exc.pos}); "
                'expected an object such as {"GD1": ["b", "a"]}'
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError('expected a JSON object such as {"GD1": ["b", "a"]}')
        return data


def parameter_field(name: str, default: Any, description: str) -> forms.Field:
    """One optional form field for a parameter; left empty, the default applies."""
    # The docstring marks names up as ``code``; the page shows them plain.
    description = description.replace("``", "")
    help_text = f"{description} Default: {_default_text(default)}.".strip()
    common: dict[str, Any] = {"required": False, "label": _label(name), "help_text": help_text}
    if isinstance(default, bool):
        # A checkbox is always sent (checked or not), so it starts at the default.
        return forms.BooleanField(initial=default, **common)
    if isinstance(default, int):
        return forms.IntegerField(
            initial=default, widget=forms.NumberInput(attrs={"placeholder": default}), **common
        )
    if isinstance(default, float):
        return forms.FloatField(
            initial=default,
            widget=forms.NumberInput(attrs={"step": "any", "placeholder": f"{default:g}"}),
            **common,
        )
    return JSONMappingField(
        initial=json.dumps(default),
        widget=forms.TextInput(attrs={"placeholder": json.dumps(default), "spellcheck": "false"}),
        **common,
    )


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
        described = _descriptions()
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
