"""Selectors: read-only queries, scoped to their owner, shaped to avoid N+1 queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import Analysis, Compound, Decision, FragmentEvent, RTModel

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Large JSON and text columns a list never shows.
_LIST_DEFERRED = ("summary", "warnings", "parameters", "error_details")


def analysis_list(*, user: User) -> QuerySet[Analysis]:
    """The user's analyses, newest first, without the heavy columns."""
    return Analysis.objects.filter(owner=user).defer(*_LIST_DEFERRED)


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


def curation_counts(*, analysis: Analysis) -> dict[str, int]:
    """How many decisions the analysis has, how many wait for a re-run, and how many of its rows
    carry a status set by a curator."""
    counts = Decision.objects.filter(analysis=analysis).aggregate(
        decisions=Count("id"), pending=Count("id", filter=Q(applied=False))
    )
    overridden = Compound.objects.filter(analysis=analysis).exclude(override="").count()
    return {**counts, "overridden": overridden}
