"""The page comparing two studies: counts per agreement label, fold change A against B, the
compounds with their label (filtered by label), the parameters that differ, and the CSV."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ganglioside.parameter_diff import value_text
from ganglioside.studies.compare import AGREEMENT_STYLE, AGREEMENTS, agreement_figure, rows_csv
from ganglioside.web.analyses.figures import PLOT_CONFIG
from ganglioside.web.common.staticfinders import PLOTLY_STATIC_PATH

from . import selectors

if TYPE_CHECKING:
    from ganglioside.studies.compare import StudyComparison
    from ganglioside.web.common.auth import SignedInRequest

    from .models import Study

#: Columns of the comparison table on the page (every column is in the CSV).
PAGE_COLUMNS = (
    "name",
    "isomer_track_a",
    "isomer_track_b",
    "agreement",
    "matched_by",
    "log2_fold_change_a",
    "q_value_a",
    "log2_fold_change_b",
    "q_value_b",
    "found_fraction_a",
    "found_fraction_b",
)


@login_required
@require_GET
def compare_pick(request: SignedInRequest, study_id: int) -> HttpResponse:
    """``?with=<id>`` from the study page's choice: on to the comparison page."""
    study = selectors.study_get(user=request.user, study_id=study_id)
    other = (request.GET.get("with") or "").strip()
    if other.isdigit():
        return redirect("studies:comparison", study_id=study.pk, other_id=int(other))
    return redirect("studies:detail", study_id=study.pk)


@login_required
@require_GET
def compare_page(request: SignedInRequest, study_id: int, other_id: int) -> HttpResponse:
    try:
        a, b, result = selectors.study_comparison(
            user=request.user, study_id=study_id, other_id=other_id
        )
    except selectors.StudyNotReady as exc:
        a = selectors.study_get(user=request.user, study_id=study_id)
        b = selectors.study_get(user=request.user, study_id=other_id)
        refused = {"a": a, "b": b, "problem": str(exc).capitalize() + "."}
        return render(request, "studies/compare.html", refused, status=409)
    agreement = request.GET.get("agreement", "")
    if agreement not in AGREEMENTS:
        agreement = ""
    context: dict[str, Any] = {
        "a": a,
        "b": b,
        "result": result,
        "summary": result.summary,
        "agreement": agreement,
        "labels": _labels(result),
        "parameters": [
            {"name": p.name, "a": value_text(p.a), "b": value_text(p.b)} for p in result.parameters
        ],
        "figure": agreement_figure(result, _title(a), _title(b)).to_json(),
        "plot_config": PLOT_CONFIG,
        "plotly_js": PLOTLY_STATIC_PATH,
        **_table(result, agreement),
    }
    return render(request, "studies/compare.html", context)


def _title(study: Study) -> str:
    return f"#{study.pk} {study.name} ({study.comparison})"


def _labels(result: StudyComparison) -> list[dict[str, Any]]:
    counts = result.summary["agreement"]
    return [
        {"code": code, "text": text, "count": counts[code], "colour": AGREEMENT_STYLE[code][0]}
        for code, text in AGREEMENTS.items()
    ]


def _table(result: StudyComparison, agreement: str) -> dict[str, Any]:
    frame = selectors.comparison_rows(result, agreement)
    records = selectors.records(frame[list(PAGE_COLUMNS)])
    rows = [
        {
            **row,
            "agreement_text": AGREEMENTS[row["agreement"]],
            "colour": AGREEMENT_STYLE[row["agreement"]][0],
        }
        for row in records
    ]
    return {"rows": rows, "row_count": len(rows)}


@login_required
@require_GET
def compare_csv(request: SignedInRequest, study_id: int, other_id: int) -> HttpResponse:
    """The comparison's every row and column as CSV (409 while a study has not succeeded)."""
    try:
        a, b, result = selectors.study_comparison(
            user=request.user, study_id=study_id, other_id=other_id
        )
    except selectors.StudyNotReady as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    return csv_response(rows_csv(result), a, b)


def csv_filename(a: Study, b: Study) -> str:
    return f"study_{a.pk}_vs_{b.pk}.csv"


def csv_response(text: str, a: Study, b: Study) -> HttpResponse:
    content = text.encode("utf-8")
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(a, b)}"'
    response["Content-Length"] = str(len(content))
    return response
