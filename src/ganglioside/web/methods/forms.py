"""The forms of the methods app: a method, the sample of an export, a column mapping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from ganglioside.web.common.forms import ACCEPTED_SUFFIXES, parameter_field
from ganglioside.web.common.parameters import defaults, descriptions

from .reading import MAPPING_KEYS, REQUIRED_KEYS

#: The sample choice that creates one analysis per sample.
ALL_SAMPLES = "__all__"

_KEY_LABELS = {
    "name": "Name (the compound)",
    "rt": "RT (min)",
    "volume": "Volume (area)",
    "log_p": "Log P",
    "anchor": "Anchor",
}


class MethodForm(forms.Form):
    """A method's name, calibrant list and parameters (the parameter fields of the upload)."""

    name = forms.CharField(max_length=200, label="Name")
    description = forms.CharField(
        required=False, label="Description", widget=forms.Textarea(attrs={"rows": 2})
    )
    calibrants_file = forms.FileField(
        required=False,
        label="Calibrant list",
        help_text=(
            "CSV, TSV or XLSX with a column name (the standard, e.g. GM3 36:1;O2) and "
            "optionally rt (expected RT, min) and tolerance (min, default 0.5). The rows of "
            "each run that match a calibrant become anchors."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["calibrants_file"].help_text += " Leave empty to keep the current list."
        described = descriptions()
        self.parameter_names: list[str] = []
        for name, default in defaults().items():
            self.fields[name] = parameter_field(name, default, described.get(name, ""))
            self.parameter_names.append(name)

    @property
    def parameter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.parameter_names]

    def parameters(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in self.parameter_names
            if self.cleaned_data.get(name) is not None
        }


class SampleChoiceForm(forms.Form):
    """Which sample of an export to analyse, or all of them."""

    sample = forms.ChoiceField(widget=forms.RadioSelect, label="Sample")

    def __init__(
        self,
        *args: Any,
        samples: Sequence[str],
        analysed: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        analysed = samples if analysed is None else analysed
        apart = len(samples) - len(analysed)
        label = f"All {len(analysed)} samples (one analysis each)"
        if apart:
            label += f"; the {apart} QC, blank and standard runs only when chosen below"
        choices = [(ALL_SAMPLES, label)]
        choices += [(sample, sample) for sample in samples]
        field = self.fields["sample"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.initial = ALL_SAMPLES


class ColumnMappingForm(forms.Form):
    """Which of the file's columns gives the name, RT, volume, and optionally Log P and Anchor."""

    def __init__(self, *args: Any, header: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [(column, column) for column in header]
        for key in MAPPING_KEYS:
            required = key in REQUIRED_KEYS
            blank = ("", "— choose a column —" if required else "— none —")
            self.fields[key] = forms.ChoiceField(
                label=_KEY_LABELS[key], required=required, choices=[blank, *options]
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        used: dict[str, str] = {}
        for key in MAPPING_KEYS:
            column = data.get(key)
            if not column:
                continue
            if column in used:
                self.add_error(key, f"the column {column!r} already gives {used[column]}")
            used[column] = key
        return data

    def columns(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in MAPPING_KEYS if self.cleaned_data.get(key)}
