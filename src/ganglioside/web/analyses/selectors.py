"""Selectors: read-only queries, scoped to their owner, shaped to avoid N+1 queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from .models import Analysis, Compound, FragmentEvent, RTModel

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
