"""Study pages: the list, the form that starts a study, the study page (progress per sample,
figures, the species table with filters, downloads) and each sample's own page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import ValidationError

from ganglioside import ConfigError, InputError
from ganglioside.studies.outputs import STATISTICS_LEAD, STUDY_OUTPUTS
from ganglioside.web.common.staticfinders import PLOTLY_STATIC_PATH
from ganglioside.web.common.throttles import UploadRateThrottle, upload_limit_message

from . import formatting, selectors
from .api.views import species_filters
from .forms import StudyForm
from .models import StudyStatus
from .services import actions, creation
from .services.outputs import CONTENT_TYPES
from .services.sample_analysis import sample_analysis_open
from .services.stored import compounds_frame

if TYPE_CHECKING:
    from ganglioside.web.common.auth import SignedInRequest

#: Rows of a sample's compounds shown on its page (all are in the download).
SAMPLE_ROWS_SHOWN = 500
#: The statistics' QC measures shown in the species table when the design had QCs or blanks.
QC_COLUMNS = ("qc_rsd_before", "qc_rsd", "d_ratio", "blank_ratio")
#: The study's figures shown on its page, in this order (those it has).
FIGURES = ("volcano", "heatmap", "pca", "composition", "drift", "boxes", "qc", "batches")
#: Files offered for download, in the order of the study's output registry (a new output is
#: offered without a change here).
DOWNLOADS = tuple(STUDY_OUTPUTS)


@login_required
@require_GET
def study_list(request: SignedInRequest) -> HttpResponse:
    studies = selectors.study_list(user=request.user)[:200]
    return render(request, "studies/list.html", {"studies": studies})


@login_required
@require_http_methods(["GET", "POST"])
def study_new(request: SignedInRequest) -> HttpResponse:
    """The form: tables (several files or one zip) and the design; errors shown next to it."""
    design_error: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        form = StudyForm(request.POST, request.FILES)
        files = request.FILES.getlist("files")
        status = 400
        # A study that starts counts against the upload limit (as the API's); one refused
        # (unreadable tables, a bad design) is taken back.
        throttle = UploadRateThrottle()
        if form.is_valid() and not throttle.allow_request(request, None):
            form.add_error(None, upload_limit_message(throttle.wait()))
            status = 429
        elif form.is_valid():
            try:
                study = _create(request, form, files)
            except creation.ExportWithoutGroups as exc:  # the design built, to fill in
                design_error = exc.to_dict()
                form = StudyForm({**request.POST.dict(), "design": exc.design_text})
            except InputError as exc:  # DesignError too: every problem listed
                design_error = exc.to_dict()
            except ConfigError as exc:
                form.add_error("parameters", str(exc))
            else:
                return redirect("studies:detail", study_id=study.pk)
            throttle.refund()
    else:
        form = StudyForm()
    context = {
        "form": form,
        "design_error": design_error,
        "max_upload_mb": settings.GANGLIOSIDE_MAX_UPLOAD_MB,
    }
    return render(request, "studies/new.html", context, status=status)


def _create(request: SignedInRequest, form: StudyForm, files: list[Any]) -> Any:
    """The study of the form: from its export, else from its tables and design."""
    name = form.cleaned_data.get("name") or ""
    parameters = form.cleaned_data.get("parameters") or {}
    export = form.cleaned_data.get("export")
    if export and files:
        raise InputError("send one export, or the tables with a design, not both", file=export.name)
    if export:
        return creation.study_create_from_export(
            owner=request.user, export=export, name=name, parameters=parameters
        )
    return creation.study_create(
        owner=request.user,
        files=files,
        design=form.design_source(),
        name=name,
        parameters=parameters,
    )


def _design_table(rows: list[dict[str, Any]] | None) -> tuple[list[str], list[list[Any]]]:
    """The stored design as columns and rows (empty cells for missing values)."""
    rows = rows or []
    columns = list(dict.fromkeys(k for row in rows for k in row))
    cells = [["" if row.get(c) is None else row.get(c) for c in columns] for row in rows]
    return columns, cells


@login_required
@require_GET
def study_design(request: SignedInRequest, study_id: int) -> HttpResponse:
    """The study's design file, as sent or as built from its export."""
    study = selectors.study_get(user=request.user, study_id=study_id)
    name, content, kind = selectors.design_file(study=study)
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Content-Length"] = str(len(content))
    return response


@login_required
@require_GET
def study_detail(request: SignedInRequest, study_id: int) -> HttpResponse:
    study = selectors.study_get(user=request.user, study_id=study_id)
    samples = list(selectors.sample_list(study=study))
    names = set(selectors.file_names(study=study))
    context: dict[str, Any] = {
        "study": study,
        "samples": samples,
        "failed": [s for s in samples if s.status == "failed"],
        "downloads": [n for n in DOWNLOADS if n in names],
        "plotly_js": PLOTLY_STATIC_PATH,
        "api_url": reverse("studies-api:study-detail", kwargs={"pk": study.pk}),
        "finished": study.is_finished or study.status == StudyStatus.WAITING,
        "figure_names": [n for n in FIGURES if n in (study.figures or {})],
    }
    context["design_columns"], context["design_rows"] = _design_table(study.design)
    context.update(_results_context(request, study, names))
    return render(request, "studies/detail.html", context)


def _results_context(request: SignedInRequest, study: Any, names: set[str]) -> dict[str, Any]:
    """What the page shows of the study's results: QC filters, studies to compare, species."""
    context: dict[str, Any] = {"qc_filters": _qc_filters(study.summary)}
    if study.status == StudyStatus.SUCCEEDED:
        others = selectors.comparable_studies(user=request.user, exclude=study)
        context["compare_choices"] = list(others)
    if "statistics.csv" in names:
        context.update(_species_context(request, study))
    if "index_statistics.csv" in names:
        context["indices_table"] = _indices_table(study)
    return context


def _indices_table(study: Any) -> dict[str, Any]:
    """The ganglioside-level indices' tests (sialylation index, O-acetylated fraction, a-/b-
    series ratio, category shares) per contrast, as the page shows them."""
    frame = selectors.table_of(study=study, name="index_statistics.csv")
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    return formatting.table(list(frame.columns), selectors.records(frame), numeric=numeric)


#: The QC filters of the summary (``qc_filters``), in words.
QC_FILTER_WORDS = {
    "qc_rsd": "with a QC RSD above the limit",
    "d_ratio": "with a D-ratio above the limit (QC spread as large as the samples')",
    "blank": "not clearly above the blanks",
    "detection": "found in too few samples of every group",
    "filtered": "in all",
}


def _qc_filters(summary: dict[str, Any] | None) -> list[tuple[str, int]]:
    """The summary's QC filter counts with their words (filters that left nothing out too)."""
    counts = (summary or {}).get("qc_filters") or {}
    return [
        (QC_FILTER_WORDS.get(name, name.replace("_", " ")), int(n))
        for name, n in counts.items()
        if isinstance(n, int | float)
    ]


def _species_context(request: SignedInRequest, study: Any) -> dict[str, Any]:
    try:
        filters = species_filters(request.GET)
    except ValidationError:
        filters = species_filters({})
    frame = selectors.species_rows(study=study, **filters)
    # the statistics' leading columns but the name of the test, then the QC measures and the
    # filter when the design had QCs or blanks
    columns = [c for c in STATISTICS_LEAD if c in frame.columns and c != "test"]
    columns += [c for c in QC_COLUMNS if c in frame.columns and frame[c].notna().any()]
    if "filter" in frame.columns and frame["filter"].fillna("").astype(str).str.strip().any():
        columns.append("filter")
    return {
        "filters": filters,
        "species_columns": columns,
        "species_table": formatting.table(columns, selectors.records(frame[columns])),
        "species_count": len(frame),
    }


@login_required
@require_POST
def study_finish(request: SignedInRequest, study_id: int) -> HttpResponse:
    study = selectors.study_get(user=request.user, study_id=study_id)
    try:
        actions.study_finish_without_failed(study=study)
    except InputError as exc:
        messages.error(request, str(exc))
    return redirect("studies:detail", study_id=study.pk)


@login_required
@require_POST
def sample_rerun(request: SignedInRequest, study_id: int, sample_id: int) -> HttpResponse:
    study = selectors.study_get(user=request.user, study_id=study_id)
    sample = selectors.sample_get(study=study, sample_id=sample_id)
    try:
        actions.study_sample_rerun(sample=sample)
    except InputError as exc:
        messages.error(request, str(exc))
    return redirect("studies:detail", study_id=study.pk)


@login_required
@require_POST
def sample_analysis(request: SignedInRequest, study_id: int, sample_id: int) -> HttpResponse:
    """Open the sample as an analysis of its own (made the first time) and go to its page."""
    study = selectors.study_get(user=request.user, study_id=study_id)
    sample = selectors.sample_get(study=study, sample_id=sample_id)
    try:
        analysis = sample_analysis_open(sample=sample)
    except InputError as exc:
        messages.error(request, str(exc)[:1].upper() + str(exc)[1:] + ".")
        return redirect("studies:sample", study_id=study.pk, sample_id=sample.pk)
    return redirect("pages:analysis", analysis_id=analysis.pk)


@login_required
@require_GET
def sample_detail(request: SignedInRequest, study_id: int, sample_id: int) -> HttpResponse:
    """A sample's own analysis: counts, warnings, error, and its compounds."""
    study = selectors.study_get(user=request.user, study_id=study_id)
    sample = selectors.sample_get(study=study, sample_id=sample_id)
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    if sample.compounds is not None:
        frame = compounds_frame(bytes(sample.compounds), columns=None)
        wanted = (
            "row",
            "name",
            "rt",
            "volume",
            "status",
            "category",
            "predicted_rt",
            "z",
            "reasons",
        )
        columns = [c for c in wanted if c in frame.columns]
        shown = frame[columns].head(SAMPLE_ROWS_SHOWN)
        rows = selectors.records(shown)
    analysis = sample.analysis if sample.analysis_id else None
    context = {
        "study": study,
        "sample": sample,
        "analysis": analysis,
        "rows_linked": analysis is not None and analysis.status == "succeeded",
        "columns": columns,
        "rows": rows,
        "compounds_table": formatting.table(columns, rows),
        "rows_shown": SAMPLE_ROWS_SHOWN,
        "compounds_url": reverse(
            "studies-api:sample-compounds", kwargs={"pk": study.pk, "sample_id": sample.pk}
        ),
    }
    return render(request, "studies/sample.html", context)


@login_required
@require_GET
def download(request: SignedInRequest, study_id: int, name: str) -> HttpResponse:
    study = selectors.study_get(user=request.user, study_id=study_id)
    stored = selectors.study_file(study=study, name=name)
    response = HttpResponse(bytes(stored.content), content_type=CONTENT_TYPES[stored.name])
    response["Content-Disposition"] = f'attachment; filename="{stored.name}"'
    response["Content-Length"] = str(stored.size)
    return response


@login_required
@require_POST
def study_delete(request: SignedInRequest, study_id: int) -> HttpResponse:
    study = selectors.study_get(user=request.user, study_id=study_id)
    actions.study_delete(study=study)
    messages.success(request, f"Study {study.name} deleted.")
    return redirect("studies:list")
