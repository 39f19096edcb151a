"""Page views: parse, check permission, call a selector or service, render.

Every view that takes an analysis id resolves it through :func:`selectors.analysis_get`, which
answers 404 for another user's analysis exactly as for a missing one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ganglioside import ConfigError, InputError
from ganglioside.report.plots import POINT_STYLES
from ganglioside.result import CATEGORIES, PROGRESS_STEPS, STATUSES
from ganglioside.web.common.auth import SignedInRequest
from ganglioside.web.common.staticfinders import PLOTLY_STATIC_PATH
from ganglioside.web.common.throttles import UploadRateThrottle, upload_limit_message

from ..common.errors import service_error_answer
from ..methods.reading import ColumnsNeeded, SampleChoiceNeeded
from . import comparison, figures, selectors
from .file_responses import export_response
from .forms import DecisionForm, UploadForm
from .models import Analysis, AnalysisStatus, ArtifactKind
from .services import deletion, downloads, exports, submission
from .views_choice import ask_choice

if TYPE_CHECKING:
    pass


HISTORY_PAGE_SIZE = 20
CHANGES_PAGE_SIZE = 100
COMPARE_CHOICES = 200

#: Downloads offered on the detail page, with a line on what each holds.
DOWNLOADS = (
    ("csv", "Compounds (CSV)", "one row per input row with its status and reasons"),
    ("xlsx", "Workbook (XLSX)", "compounds, models, fragments and summary sheets"),
    ("json", "Summary (JSON)", "counts, abundances, models and every parameter"),
    ("html", "Report (HTML)", "a self-contained report with the interactive charts"),
    ("pdf", "Report (PDF)", "a printable report: summary, vector charts, rows to review, tables"),
)


@login_required
@require_GET
def home(request: SignedInRequest) -> HttpResponse:
    """The signed-in user's dashboard: counts by status and the latest analyses."""
    counts = selectors.analysis_status_counts(user=request.user)
    recent = list(selectors.analysis_list(user=request.user)[:8])
    return render(
        request,
        "analyses/home.html",
        {
            "recent": recent,
            "counts": [(s.value, s.label, counts.get(s.value, 0)) for s in AnalysisStatus],
            "total": sum(counts.values()),
        },
    )


def upload_throttled(request: HttpRequest) -> float | None:
    """Seconds to wait when the user reached the upload limit (the API's), else ``None``."""
    throttle = UploadRateThrottle()
    # The throttle reads only the request's user and address, which a page request has too.
    if throttle.allow_request(request, None):
        return None
    return throttle.wait() or 1.0


def _start_upload(
    request: SignedInRequest, checked: submission.CheckedUpload, name: str
) -> HttpResponse:
    analysis = submission.analysis_create_checked(owner=request.user, upload=checked, name=name)
    return redirect("pages:analysis", analysis_id=analysis.pk)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: SignedInRequest) -> HttpResponse:
    """The upload form; a valid table is stored and queued, then its page is shown.

    The form and the table are checked first: only an accepted upload counts against the
    upload limit, so a missing or unreadable file is answered with its error, not with 429.
    """
    input_error: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, owner=request.user)
        status = 400
        if form.is_valid():
            given = {
                "file": form.cleaned_data["file"],
                "name": form.cleaned_data.get("name") or "",
                "parameters": form.parameters(),
                "method": form.cleaned_data.get("method"),
            }
            start: Callable[[], HttpResponse] | None = None
            counted = True  # an accepted upload counts; one that still asks a choice not yet
            try:
                checked = submission.upload_check(
                    file=given["file"], parameters=given["parameters"], method=given["method"]
                )
            except (SampleChoiceNeeded, ColumnsNeeded) as need:
                # A multi-sample export or an unrecognised table: keep it and ask.
                start = partial(ask_choice, request, need, **given)
                counted = False  # counted when the choice starts its analyses
            except InputError as exc:
                # Shown in full next to the file field (message, file, row, column, value).
                input_error = exc.to_dict()
            except ConfigError as exc:
                message = str(exc)
                field = next((n for n in form.parameter_names if message.startswith(n)), None)
                form.add_error(field, message)
            else:
                start = partial(_start_upload, request, checked, given["name"])
            if start is not None:
                wait = upload_throttled(request) if counted else None
                if wait is None:
                    return start()
                form.add_error(None, upload_limit_message(wait))
                status = 429
    else:
        form = UploadForm(owner=request.user)
    return render(
        request,
        "analyses/upload.html",
        {
            "form": form,
            "input_error": input_error,
            "max_upload_mb": settings.GANGLIOSIDE_MAX_UPLOAD_MB,
            "max_upload_bytes": int(settings.GANGLIOSIDE_MAX_UPLOAD_MB * 1024 * 1024),
        },
        status=status,
    )


@login_required
@require_GET
def history(request: SignedInRequest) -> HttpResponse:
    """The user's analyses, newest first, filtered by status, a page at a time."""
    status = request.GET.get("status", "")
    analyses = selectors.analysis_list(user=request.user)
    if status in AnalysisStatus.values:
        analyses = analyses.filter(status=status)
    else:
        status = ""
    page = Paginator(analyses, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.analysis_status_counts(user=request.user)
    return render(
        request,
        "analyses/history.html",
        {
            "page": page,
            "status": status,
            "filters": [("", "All", sum(counts.values()))]
            + [(s.value, s.label, counts.get(s.value, 0)) for s in AnalysisStatus],
        },
    )


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _summary_cards(analysis: Any) -> list[dict[str, Any]]:
    """Counts by status as the CLI and summary.json give them (the anchors a part of valid)."""
    summary = analysis.summary or {}
    by_status = summary.get("by_status") or analysis.status_counts or {}
    cards: list[dict[str, Any]] = [
        {"label": "rows", "value": summary.get("rows", analysis.n_compounds), "key": "rows"}
    ]
    cards += [_status_card(status, by_status.get(status, 0)) for status in STATUSES]
    anchors = selectors.valid_anchor_count(analysis=analysis)
    next(c for c in cards if c["key"] == "valid")["note"] = (
        f"of which {_counted(anchors, 'anchor')}"
    )
    cards += _model_cards(summary)
    return cards


def _status_card(status: str, count: int) -> dict[str, Any]:
    """One status's card; a status the charts draw no points for (``istd``) gets a plain one."""
    style = POINT_STYLES.get(status)
    return {
        "label": status,
        "value": count,
        "key": status,
        "color": style.color if style else "",
        "glyph": style.glyph if style else "",
    }


def _model_cards(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The cards of the RT models and the fragment links."""
    models = summary.get("models") or {}
    by_level = models.get("by_level") or {}
    fragments = summary.get("fragments") or {}
    return [
        {"label": "RT-model groups", "value": summary.get("groups", 0), "key": "groups"},
        {
            "label": "RT models",
            "value": models.get("count", 0),
            "key": "models",
            "note": ", ".join(f"{_counted(n, 'row')} {level}" for level, n in by_level.items()),
        },
        {
            "label": "fragment links",
            "value": fragments.get("events", 0),
            "key": "fragments",
            "note": _counted(fragments.get("parents", 0), "parent"),
        },
    ]


def _page_data(request: HttpRequest, analysis: Any) -> dict[str, Any]:
    """What the detail page's script needs, handed over as JSON (no inline script)."""
    pk = analysis.pk
    return {
        "id": pk,
        "status": analysis.status,
        "finished": analysis.is_finished,
        "step": analysis.progress_step,
        "fraction": analysis.progress_fraction,
        "message": analysis.progress_message,
        "steps": list(PROGRESS_STEPS),
        "websocket": f"/ws/analyses/{pk}/",
        "api": reverse("api:analysis-detail", args=[pk]),
        "compounds": reverse("api:analysis-compounds", args=[pk]),
        "outcome": reverse("pages:analysis-outcome", args=[pk]),
        "rtChart": reverse("pages:analysis-rt-chart", args=[pk]),
        "charts": {
            kind: reverse("pages:analysis-chart", args=[pk, kind]) for kind in figures.OVERVIEWS
        },
        "fragments": reverse("api:analysis-fragments", args=[pk]),
        "rowPage": reverse("pages:analysis-row", args=[pk, 1]).removesuffix("1/"),
        "plotConfig": figures.PLOT_CONFIG,
        "colors": {k: v.color for k, v in POINT_STYLES.items()},
    }


def _outcome_context(analysis: Any) -> dict[str, Any]:
    """The results (or the failure) part of the detail page."""
    context: dict[str, Any] = {"analysis": analysis}
    if analysis.status == AnalysisStatus.SUCCEEDED:
        abundance = figures.abundance_figures_json(analysis)
        context.update(
            cards=_summary_cards(analysis),
            groups=figures.rt_groups(analysis),
            abundance_category=abundance.get("category"),
            abundance_headgroup=abundance.get("headgroup"),
            abundance_ceramide=abundance.get("ceramide"),
            models=list(selectors.rt_model_list(analysis=analysis)),
            downloads=[
                (kind, label, note, reverse("pages:analysis-download", args=[analysis.pk, kind]))
                for kind, label, note in DOWNLOADS
                if kind in ArtifactKind.values
            ],
            statuses=STATUSES,
            categories=CATEGORIES,
            parameters=sorted((analysis.parameters or {}).items()),
            curation=selectors.curation_counts(analysis=analysis),
        )
    return context


@login_required
@require_GET
def analysis_detail(request: SignedInRequest, analysis_id: int) -> HttpResponse:
    """One analysis: live progress while it runs, then its results."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    context = _outcome_context(analysis)
    context["page_data"] = _page_data(request, analysis)
    context["steps"] = PROGRESS_STEPS
    context["plotly_js"] = PLOTLY_STATIC_PATH
    return render(request, "analyses/detail.html", context)


@login_required
@require_GET
def compound_detail(request: SignedInRequest, analysis_id: int, row: int) -> HttpResponse:
    """One row of an analysis: its evidence, its place on its group's RT chart, its fragment
    links and its O-acetyl partners."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise Http404("the analysis has no results")
    compound = selectors.compound_get(analysis=analysis, row=row)
    base = None
    if compound.oac_base_row is not None:
        base = selectors.compound_get(analysis=analysis, row=compound.oac_base_row)
    decisions = list(selectors.row_decisions(analysis=analysis, row=compound.row))
    page_data = {
        "id": analysis.pk,
        "row": compound.row,
        "rtChart": reverse("pages:analysis-rt-chart", args=[analysis.pk]),
        "group": compound.group_key,
        "point": {"x": compound.log_p, "y": compound.rt},
        "plotConfig": figures.PLOT_CONFIG,
    }
    return render(
        request,
        "analyses/compound.html",
        {
            "analysis": analysis,
            "compound": compound,
            "oac_base": base,
            # The core joins reasons with "; " (names hold ";"), evidence and warnings with ";".
            "reasons": [r for r in compound.reasons.split("; ") if r],
            "evidence": [e for e in compound.evidence.split(";") if e],
            "warnings": [w for w in compound.warnings.split(";") if w],
            **selectors.compound_links(analysis=analysis, row=compound.row),
            "page_data": page_data,
            "plotly_js": PLOTLY_STATIC_PATH,
            "color": style.color if (style := POINT_STYLES.get(compound.status)) else "",
            # The decisions about the row and a form for a new one (views_curation takes it).
            "decisions": decisions,
            "override_decision": _override_decision(compound, decisions),
            "form": DecisionForm(statuses=STATUSES, initial={"row": compound.row}),
        },
    )


def _override_decision(compound: Any, decisions: list[Any]) -> Any:
    """The decision that set the row's current status override (the latest applied one)."""
    if not compound.override:
        return None
    setting = [
        d for d in decisions if d.applied and d.action == "status" and d.status == compound.override
    ]
    return setting[-1] if setting else None  # oldest first: the last one holds


@login_required
@require_GET
def analysis_outcome(request: SignedInRequest, analysis_id: int) -> HttpResponse:
    """The results (or failure) fragment of the detail page, loaded when a run finishes."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    return render(request, "analyses/_outcome.html", _outcome_context(analysis))


@login_required
@require_GET
def analysis_rt_chart(request: SignedInRequest, analysis_id: int) -> HttpResponse:
    """The RT-against-Log-P chart of one group, as Plotly JSON (``?group=``)."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    group = request.GET.get("group", "")
    if not group:
        default = next((g for g in figures.rt_groups(analysis) if g.get("default")), None)
        group = default["key"] if default else ""
    text = figures.rt_figure_json(analysis, group) if group else None
    if text is None:
        return JsonResponse({"error": f"no RT chart for group {group!r}"}, status=404)
    response = HttpResponse(
        '{"group": %s, "figure": %s}' % (json.dumps(group), text),  # noqa: UP031
        content_type="application/json",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def analysis_overview_chart(request: SignedInRequest, analysis_id: int, kind: str) -> HttpResponse:
    """A chart of every scored row (``residuals``, ``observed-predicted``) as Plotly JSON."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    text = figures.overview_figure_json(analysis, kind)
    if text is None:
        return JsonResponse({"error": f"no chart {kind!r}"}, status=404)
    response = HttpResponse('{"figure": %s}' % text, content_type="application/json")  # noqa: UP031
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def analysis_download(request: SignedInRequest, analysis_id: int, kind: str) -> HttpResponseBase:
    """A finished analysis's export as a file download; while it is written, a page showing
    progress that asks again by itself; when writing failed, the reason and a button to write
    it again.  Never an error page in place of the file."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    try:
        artifact = downloads.analysis_download(
            analysis=analysis, kind=kind, wait=downloads.PAGE_WAIT_SECONDS
        )
    except exports.ExportError as exc:
        return _export_problem(request, analysis, kind, exc)
    return export_response(artifact)


@login_required
@require_POST
def analysis_export_again(
    request: SignedInRequest, analysis_id: int, kind: str
) -> HttpResponseBase:
    """Write an export again after it failed (one click on its page), then download it."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    try:
        downloads.analysis_export_again(analysis=analysis, kind=kind)
    except exports.ExportError as exc:
        if not isinstance(exc, exports.ExportPending):
            return _export_problem(request, analysis, kind, exc)
    return redirect("pages:analysis-download", analysis_id=analysis.pk, kind=kind)


def _export_problem(
    request: SignedInRequest, analysis: Analysis, kind: str, exc: exports.ExportError
) -> HttpResponseBase:
    answer = service_error_answer(exc)
    if answer is not None and answer.status == 404:
        raise Http404(str(exc)) from exc
    label = dict(ArtifactKind.choices).get(kind, kind)
    context = {"analysis": analysis, "kind": kind, "label": label}
    if isinstance(exc, exports.ExportPending):
        context["retry_after"] = 2
        return render(request, "analyses/export_pending.html", context, status=202)
    if isinstance(exc, exports.ExportFailed):
        context["reason"] = exc.reason
        return render(request, "analyses/export_failed.html", context, status=422)
    messages.error(request, str(exc).capitalize() + ".")
    return redirect("pages:analysis", analysis_id=analysis.pk)


@login_required
@require_POST
def analysis_delete(request: SignedInRequest, analysis_id: int) -> HttpResponse:
    """Delete an analysis with its results and input file."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    name = analysis.name
    try:
        deletion.analysis_delete(analysis=analysis)
    except deletion.AnalysisBusy as exc:
        messages.error(request, str(exc).capitalize() + ".")
        return redirect("pages:analysis", analysis_id=analysis.pk)
    messages.success(request, f"Deleted “{name}”.")
    return redirect("pages:history")


def _picked(request: HttpRequest) -> tuple[str, str]:
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    ids = request.GET.getlist("id")  # two ticked rows of the history page
    if not (a or b) and len(ids) == 2:
        a, b = ids
    return a, b


@login_required
@require_GET
def compare(request: SignedInRequest) -> HttpResponse:
    """Two of the user's analyses side by side: abundances and rows whose status differs."""
    a_id, b_id = _picked(request)
    choices = selectors.comparable_analyses(user=request.user, limit=COMPARE_CHOICES)
    context: dict[str, Any] = {
        "choices": choices,
        "a_id": a_id,
        "b_id": b_id,
        "plotly_js": PLOTLY_STATIC_PATH,
    }
    if a_id and b_id:
        a = selectors.analysis_get(user=request.user, analysis_id=a_id)
        b = selectors.analysis_get(user=request.user, analysis_id=b_id)
        if a.status != AnalysisStatus.SUCCEEDED or b.status != AnalysisStatus.SUCCEEDED:
            context["problem"] = "Both analyses must have succeeded to be compared."
        else:
            result = comparison.compare(a, b)
            changes = Paginator(result.changes, CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
            context.update(
                result=result,
                changes=changes,
                figures={
                    f"fig-compare-{level}": comparison.abundance_figure(rows, level, a, b).to_json()
                    for level, rows in result.abundance.items()
                },
                plot_config=figures.PLOT_CONFIG,
            )
    elif a_id or b_id:
        context["problem"] = "Pick two analyses."
    return render(request, "analyses/compare.html", context)
