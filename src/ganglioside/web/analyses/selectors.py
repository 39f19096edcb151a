"""Selectors: read-only queries, scoped to their owner, shaped to avoid N+1 queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet
from django.http import Http404

from .models import Analysis, Compound, Decision, FragmentEvent, RTModel

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Large JSON and text columns a list never shows.
_LIST_DEFERRED = ("summary", "warnings", "parameters", "error_details")


def analysis_list(*, user: User) -> QuerySet[Analysis]:
    """The user's analyses, newest first, without the heavy columns."""
    return Analysis.objects.filter(owner=user).defer(*_LIST_DEFERRED)


def analysis_status_counts(*, user: User) -> dict[str, int]:
    """How many of the user's analyses are in each status."""
    rows = analysis_list(user=user).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def comparable_analyses(*, user: User, limit: int) -> list[Analysis]:
    """The user's succeeded analyses, newest first (at most ``limit``), as a comparison's
    choices: their id, name, file and date."""
    analyses = analysis_list(user=user).filter(status="succeeded")
    return list(analyses.only("id", "name", "input_filename", "created_at", "status")[:limit])


def analysis_get(*, user: User, analysis_id: int | str, only_id: bool = False) -> Analysis:
    """The user's analysis ``analysis_id`` (with ``only_id``, just its id loaded: enough to
    read its rows, without decoding its summary and parameters).

    Raises
    ------
    django.http.Http404
        When it does not exist or belongs to someone else (the two look the same).
    """
    try:
        analyses = Analysis.objects.only("id") if only_id else Analysis.objects
        return analyses.get(pk=int(analysis_id), owner=user)
    except (Analysis.DoesNotExist, ValueError, TypeError):
        raise Http404("no such analysis") from None


def compound_list(*, analysis: Analysis) -> QuerySet[Compound]:
    """The analysis's compound rows in input order."""
    return Compound.objects.filter(analysis=analysis).order_by("row")


def rt_model_list(*, analysis: Analysis) -> QuerySet[RTModel]:
    return RTModel.objects.filter(analysis=analysis).order_by("position")


def fragment_list(*, analysis: Analysis) -> QuerySet[FragmentEvent]:
    return FragmentEvent.objects.filter(analysis=analysis).order_by("fragment_row", "parent_row")


def row_decisions(*, analysis: Analysis, row: int) -> QuerySet[Decision]:
    """The decisions about one row of the analysis, oldest first."""
    return Decision.objects.filter(analysis=analysis, row=row).order_by("created_at", "id")


def curation_counts(*, analysis: Analysis) -> dict[str, int]:
    """How many decisions the analysis has, how many wait for a re-run, and how many of its rows
    carry a status set by a curator (from the summary's ``curation`` block: no query)."""
    block = (analysis.summary or {}).get("curation") or {}
    decisions = block.get("decisions") or []
    return {
        "decisions": len(decisions),
        "pending": sum(1 for d in decisions if not d.get("applied", True)),
        "overridden": int(block.get("overrides") or 0),
    }


def overridden_count(*, analysis: Analysis) -> int:
    """How many of the analysis's stored rows carry a status set by a curator."""
    return Compound.objects.filter(analysis=analysis).exclude(override="").count()


def valid_anchor_count(*, analysis: Analysis) -> int:
    """How many of the analysis's valid rows are anchors (a part of the valid count)."""
    return Compound.objects.filter(analysis=analysis, status="valid", is_anchor=True).count()


def compound_get(*, analysis: Analysis, row: int) -> Compound:
    """Row ``row`` of the analysis (Http404 when the table has no such row)."""
    try:
        return Compound.objects.get(analysis=analysis, row=row)
    except Compound.DoesNotExist:
        raise Http404("no such row") from None


def compound_links(*, analysis: Analysis, row: int) -> dict[str, list]:
    """What row ``row`` is linked to: the fragment links where it is the fragment
    (``parents``) or the parent (``fragments``), and its O-acetyl partners (``oac_base``: the
    base peak it pairs with; ``oac_acetylated``: peaks that pair with it as their base)."""
    links = FragmentEvent.objects.filter(analysis=analysis)
    compounds = Compound.objects.filter(analysis=analysis).only(
        "row", "name", "status", "rt", "oac_label", "oac_shift"
    )
    return {
        "parents": list(links.filter(fragment_row=row).order_by("parent_row")),
        "fragments": list(links.filter(parent_row=row).order_by("fragment_row")),
        "oac_acetylated": list(compounds.filter(oac_base_row=row).order_by("row")),
    }
