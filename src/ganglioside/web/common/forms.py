"""Form fields for the analysis parameters, generated from :class:`ganglioside.AnalysisConfig`
like the API's (:mod:`.parameters`); the upload, re-run and method forms use them."""

from __future__ import annotations

import json
from typing import Any

from django import forms

# A hint for the browser's file picker only: the core recognises the format from the content.
ACCEPTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


_WORDS = {"rt": "RT", "oac": "O-acetyl", "q2": "Q²", "logp": "Log P", "sd": "SD", "z": "z"}


def _label(name: str) -> str:
    words = [_WORDS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def default_text(value: Any) -> str:
    """A parameter's value as its help text shows it."""
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
    help_text = f"{description} Default: {default_text(default)}.".strip()
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
