"""Pages where the scientist acts on an analysis: re-run it with changed parameters, decide about
rows (accept, reject, promote or demote an anchor) and read or download the audit trail.

Like :mod:`.views_pages`: parse, check ownership through :func:`selectors.analysis_get` (404
for another user's analysis), call one service, render or redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ganglioside import ConfigError
from ganglioside.result import STATUSES
from ganglioside.web.common.auth import SignedInRequest

from . import selectors
from .forms import DecisionForm, RerunForm
from .models import Analysis, AnalysisStatus
from .services import curation, submission
from .views_pages import upload_limit_message, upload_throttled


@login_required
@require_http_methods(["GET", "POST"])
def analysis_rerun(request: SignedInRequest, analysis_id: int) -> HttpResponse:
    """The parameters of an analysis, each at its current value; changed ones are run again
    on the same file (a new analysis, which also carries the decisions)."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    current = dict(analysis.parameters or {})
    status = 200
    if request.method == "POST":
        form = RerunForm(request.POST, current=current)
        status = 400
        if form.is_valid():
            created = _rerun(request, analysis, form)
            if created is not None:
                messages.success(request, f"Queued “{created.name}”.")
                return redirect("pages:analysis", analysis_id=created.pk)
            status = 429 if form.non_field_errors() else 400
    else:
        form = RerunForm(current=current)
    decisions = list(curation.decision_list(analysis=analysis))
    context = {"analysis": analysis, "form": form, "decisions": decisions}
    return render(request, "analyses/rerun.html", context, status=status)


def _rerun(request: SignedInRequest, analysis: Analysis, form: RerunForm) -> Analysis | None:
    """Queue the re-run, or put the reason it cannot be on the form and return ``None``."""
    changes = form.changes()
    try:
        submission.rerun_config(analysis=analysis, changes=changes)
    except ConfigError as exc:
        message = str(exc)
        field = next((n for n in form.parameter_names if message.startswith(n)), None)
        form.add_error(field, message)
        return None
    wait = upload_throttled(request)
    if wait is not None:
        form.add_error(None, upload_limit_message(wait))
        return None
    return submission.analysis_rerun(
        analysis=analysis, changes=changes, name=form.cleaned_data.get("name") or ""
    )


def _decide(request: SignedInRequest, analysis: Analysis, form: DecisionForm) -> bool:
    """Record the decision of a valid form; its errors go on the form."""
    data = form.cleaned_data
    try:
        decision = curation.decision_create(
            analysis=analysis,
            user=request.user,
            row=data["row"],
            action=data["action"],
            status=data.get("status") or "",
            reason=data["reason"],
        )
    except (curation.DecisionError, curation.CurationNotReady) as exc:
        form.add_error(None, str(exc)[:1].upper() + str(exc)[1:] + ".")
        return False
    if decision.applied:
        messages.success(request, f"Row {decision.row}: {_decision_text(decision)} (recorded).")
    else:
        messages.success(
            request,
            f"Row {decision.row}: {_decision_text(decision)} (recorded; it applies when you "
            "re-run the analysis).",
        )
    return True


def _decision_text(decision: Any) -> str:
    if decision.action == "status":
        return f"status set to {decision.status}"
    return {"clear": "status override removed", "anchor": "promoted to anchor"}.get(
        decision.action, "demoted from anchor"
    )


def _curation_context(analysis: Analysis) -> dict[str, Any]:
    decisions = list(curation.decision_list(analysis=analysis))
    return {
        "analysis": analysis,
        "decisions": decisions,
        "pending": [d for d in decisions if not d.applied],
        "overridden": selectors.overridden_count(analysis=analysis),
        "succeeded": analysis.status == AnalysisStatus.SUCCEEDED,
    }


@login_required
@require_http_methods(["GET", "POST"])
def analysis_curation(request: SignedInRequest, analysis_id: int) -> HttpResponse:
    """The decisions about an analysis's rows (the audit trail) and a form for a new one."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    status = 200
    if request.method == "POST":
        form = DecisionForm(request.POST, statuses=STATUSES)
        if form.is_valid() and _decide(request, analysis, form):
            return redirect("pages:analysis-curation", analysis_id=analysis.pk)
        status = 400
    else:
        form = DecisionForm(statuses=STATUSES, initial={"row": request.GET.get("row")})
    context = {**_curation_context(analysis), "form": form}
    return render(request, "analyses/curation.html", context, status=status)


@login_required
@require_POST
def compound_decide(request: SignedInRequest, analysis_id: int, row: int) -> HttpResponse:
    """A decision about one row, from its page: back to the page, or the form with its errors."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    compound = selectors.compound_get(analysis=analysis, row=row)
    data = request.POST.copy()
    data["row"] = str(row)
    form = DecisionForm(data, statuses=STATUSES)
    if form.is_valid() and _decide(request, analysis, form):
        return redirect("pages:analysis-row", analysis_id=analysis.pk, row=row)
    context = {
        "analysis": analysis,
        "compound": compound,
        "decisions": list(selectors.row_decisions(analysis=analysis, row=row)),
        "form": form,
    }
    return render(request, "analyses/decide.html", context, status=400)


@login_required
@require_GET
def compound_goto(request: SignedInRequest, analysis_id: int) -> HttpResponse:
    """``?row=N`` → the page of row N (the analysis page's "decide about a row" form)."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id, only_id=True)
    try:
        row = int(request.GET.get("row", ""))
    except ValueError:
        raise Http404("give a row number: ?row=<n>") from None
    return redirect("pages:analysis-row", analysis_id=analysis.pk, row=row)


@login_required
@require_GET
def analysis_audit_csv(request: SignedInRequest, analysis_id: int) -> HttpResponse:
    """The audit trail as a CSV file."""
    analysis = selectors.analysis_get(user=request.user, analysis_id=analysis_id)
    response = HttpResponse(curation.audit_csv(analysis), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="analysis_{analysis.pk}_audit.csv"'
    return response
