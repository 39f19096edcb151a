"""The form that starts a study (the tables come as a list of files, read by the view)."""

from __future__ import annotations

import json
from typing import Any

from django import forms


class StudyForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, help_text="a label (optional)")
    export = forms.FileField(
        required=False,
        label="…or one multi-sample export",
        help_text="instead of the tables and a design: one export with its samples' metadata "
        "(an MS-DIAL alignment's Class, File type, Injection order and Batch ID rows, or an "
        "mzTab-M file); the design is built from them and kept as design.csv",
    )
    design_file = forms.FileField(
        required=False,
        label="Design file",
        help_text="CSV, TSV or XLSX with the columns sample, file, group (sample_type — "
        "sample, qc or blank —, batch, injection_order, subject, amount, replicate_of and "
        "covariates optional)",
    )
    design = forms.CharField(
        required=False,
        label="…or type the design",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60, "spellcheck": "false"}),
        help_text="CSV text; the file column names the uploaded tables",
    )
    parameters = forms.CharField(
        required=False,
        label="Parameters (JSON, optional)",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60, "spellcheck": "false"}),
        help_text='e.g. {"model": "group + batch + age", "compare": "B/A,C/A", '
        '"quantity": "pqn", "imputation": "min_prob"}',
    )

    def clean_parameters(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("parameters") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"not JSON: {exc.msg} at character {exc.pos}") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("expected a JSON object of parameters")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("export"):
            if data.get("design_file") or (data.get("design") or "").strip():
                self.add_error("export", "send an export or a design, not both")
            return data
        if not data.get("design_file") and not (data.get("design") or "").strip():
            self.add_error("design", "upload a design file or type the design")
        return data

    def design_source(self) -> Any:
        return self.cleaned_data.get("design_file") or self.cleaned_data.get("design") or ""
