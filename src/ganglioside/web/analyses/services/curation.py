"""Curation: a scientist's decisions about rows, kept as an audit trail and applied to results.

A decision (:class:`~..models.Decision`) is about one input row: set its status (accept or
reject it, with ``valid``, ``outlier``, ``invalid`` ...), remove that override, promote the row to
an anchor or demote it.  Each has a reason, and who made it and when are kept.

* A status decision changes the analysis at once: the stored row gets the new status (the
  core's stays in ``status_computed``; ``override`` and ``override_reason`` say what and why),
  the counts and abundances are recounted, and the stored exports are dropped so that the next
  download renders them with the override.
* An anchor decision changes the input's Anchor flag, which changes the retention-time models:
  it waits for a re-run (``applied`` is false until then).
* A re-run copies every decision of its original (:func:`decisions_copy`); its run changes the
  Anchor flags of the input it hands to the core, and sets the status overrides after the core
  (:func:`analyze_with_decisions`), so the decisions survive any number of re-runs.

Every export shows them: the compound table has the columns ``status_computed``, ``override``
and ``override_reason``, and the summary a ``curation`` block (overrides counted, the statuses
as computed, and the audit trail under ``decisions``: summary.json, the workbook's Summary
sheet, the PDF report); :func:`audit_csv` is the audit trail as a file of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

import ganglioside
from ganglioside import AnalysisConfig
from ganglioside import curation as core
from ganglioside.curation import (
    DecisionError,
    checked,
    recount_summary,
)
from ganglioside.identification import LEVELS

from ..models import Analysis, AnalysisStatus, Artifact, Compound, Decision, DecisionAction

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: Decisions about a row's status, and about its Anchor flag.
STATUS_ACTIONS = (DecisionAction.STATUS, DecisionAction.CLEAR)
ANCHOR_ACTIONS = (DecisionAction.ANCHOR, DecisionAction.UNANCHOR)
__all__ = ["DecisionError", "recount_summary"]  # the core's, as the views and tests use them


class CurationNotReady(Exception):
    """The analysis has not succeeded, so it has no rows to decide about."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(f"the analysis is {status}; decisions are made on a succeeded analysis")


# -- which decisions are in effect (folded by the core: ganglioside.curation.effective) -------


def decision_list(*, analysis: Analysis) -> QuerySet[Decision]:
    """The analysis's decisions, oldest first."""
    return Decision.objects.filter(analysis=analysis).order_by("created_at", "id")


# -- making a decision -------------------------------------------------------------------------


def decision_create(
    *,
    analysis: Analysis,
    user: User,
    row: int,
    action: str,
    reason: str,
    status: str = "",
) -> Decision:
    """Record a decision about ``row`` of a succeeded analysis, and apply a status decision.

    Raises
    ------
    CurationNotReady
        The analysis has not succeeded.
    DecisionError
        Unknown action, a status that is not one of ``ganglioside.STATUSES``, no reason, or no
        such row.
    """
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise CurationNotReady(analysis.status)
    action, status, reason = checked(action, status, reason)
    with transaction.atomic():
        compound = (
            Compound.objects.select_for_update()
            .filter(analysis=analysis, row=row)
            .only("id", "name", "status_computed", "is_anchor", "evidence", "warnings")
            .first()
        )
        if compound is None:
            raise DecisionError(
                f"row {row} is not in analysis #{analysis.pk}; expected a row number from "
                f"1 to {analysis.n_compounds}"
            )
        decision = Decision.objects.create(
            analysis=analysis,
            row=row,
            name=compound.name,
            action=action,
            status=status,
            reason=reason,
            user=user,
            username=user.get_username(),
            created_at=timezone.now(),
            applied=action in STATUS_ACTIONS,
            made_in=analysis.pk,
        )
        if action in STATUS_ACTIONS:
            _set_row_status(compound, decision)
        _refresh(analysis)
    return decision


def _set_row_status(compound: Compound, decision: Decision) -> None:
    """Set the stored row's status as a status decision says (or back to the computed one),
    and its identification level as the core recomputes it for that status
    (:func:`ganglioside.curation.curated_level`, as ``analyze --decisions`` does)."""
    values: dict[str, Any]
    if decision.action == DecisionAction.STATUS:
        values = {
            "status": decision.status,
            "override": decision.status,
            "override_reason": decision.reason,
        }
    else:
        values = {"status": compound.status_computed, "override": "", "override_reason": ""}
    level = core.curated_level(
        {
            "status": values["status"],
            "is_anchor": compound.is_anchor,
            "evidence": compound.evidence,
            "warnings": compound.warnings,
        }
    )
    values["identification_level"] = level
    values["identification"] = LEVELS[level]
    Compound.objects.filter(pk=compound.pk).update(**values)


def _refresh(analysis: Analysis) -> None:
    """Recount the stored analysis after a decision, and drop its stale exports."""
    frame = pd.DataFrame.from_records(
        list(Compound.objects.filter(analysis=analysis).values_list(*_RECOUNT_COLUMNS)),
        columns=list(_RECOUNT_COLUMNS),
    )
    frame["volume_consolidated"] = pd.to_numeric(frame["volume_consolidated"], errors="coerce")
    summary = recount_summary(analysis.summary or {}, frame)
    summary["curation"]["decisions"] = audit_rows(analysis)
    Analysis.objects.filter(pk=analysis.pk).update(
        summary=summary,
        status_counts={s: n for s, n in summary["by_status"].items() if n},
        curated_at=timezone.now(),
        export_failures={},
    )
    # Written before the decision: the next download asks the worker for them again (at once:
    # the once-a-minute guard of downloads is reset).
    Artifact.objects.filter(analysis=analysis).delete()
    cache.delete(f"exports-requested:{analysis.pk}")
    analysis.refresh_from_db()


_RECOUNT_COLUMNS = (
    "status", "status_computed", "override", "category", "group_key", "ceramide",
    "volume_consolidated",
)  # fmt: skip


# -- applying decisions to a run of the core (ganglioside.curation) ---------------------------


def analyze_with_decisions(
    analysis: Analysis,
    path: Path,
    config: AnalysisConfig,
    progress: Any = None,
    *,
    sample: str | None = None,
    columns: Mapping[str, str] | None = None,
    calibrants: Any = None,
) -> ganglioside.AnalysisResult:
    """Run the core on the stored input (``sample``, ``columns`` and ``calibrants`` as
    :func:`ganglioside.analyze` takes them) with the analysis's applied decisions.

    Applied anchor decisions change the input's Anchor flags; status overrides are set after
    the core.  Without decisions this is :func:`ganglioside.analyze` on the file plus the
    (empty) curation columns.
    """
    decisions = [d for d in decision_list(analysis=analysis) if d.applied]
    return core.analyze_with_decisions(
        path,
        decisions,
        config,
        progress,
        audit=[_audit_row(d) for d in decision_list(analysis=analysis)],
        sample=sample,
        columns=columns,
        calibrants=calibrants,
    )


# -- re-runs and the audit trail ----------------------------------------------------------------


def decisions_copy(*, source: Analysis, target: Analysis) -> int:
    """Copy every decision of ``source`` to its re-run ``target`` (applied there); the count."""
    copies = [
        Decision(
            analysis=target,
            row=d.row,
            name=d.name,
            action=d.action,
            status=d.status,
            reason=d.reason,
            user_id=d.user_id,
            username=d.username,
            created_at=d.created_at,
            applied=True,
            made_in=d.made_in,
        )
        for d in decision_list(analysis=source)
    ]
    Decision.objects.bulk_create(copies)
    return len(copies)


def _audit_row(decision: Decision) -> dict[str, Any]:
    return {
        "decided_at": decision.created_at.isoformat(),
        "user": decision.username,
        "row": decision.row,
        "name": decision.name,
        "action": decision.action,
        "status": decision.status,
        "reason": decision.reason,
        "applied": decision.applied,
        "made_in_analysis": decision.made_in,
    }


def audit_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """The audit trail as rows of :data:`ganglioside.curation.AUDIT_COLUMNS` (oldest first)."""
    return [_audit_row(d) for d in decision_list(analysis=analysis)]


def audit_csv(analysis: Analysis) -> str:
    """The audit trail as CSV text: the decisions file ``ganglioside analyze --decisions``
    reads."""
    return core.decisions_csv(audit_rows(analysis))
