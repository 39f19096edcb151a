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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

import ganglioside
from ganglioside import AnalysisConfig
from ganglioside.inputs import Export, read_export
from ganglioside.inputs.columns import map_columns
from ganglioside.result import CATEGORIES, STATUSES
from ganglioside.summary import QUANTIFIED, abundance

from ..models import Analysis, AnalysisStatus, Artifact, Compound, Decision, DecisionAction

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: Columns the curation adds to the compound table, after ``status``'s neighbours.
CURATION_COLUMNS: tuple[str, ...] = ("status_computed", "override", "override_reason")
#: Decisions about a row's status, and about its Anchor flag.
STATUS_ACTIONS = (DecisionAction.STATUS, DecisionAction.CLEAR)
ANCHOR_ACTIONS = (DecisionAction.ANCHOR, DecisionAction.UNANCHOR)
MAX_REASON = 2000
#: The columns of the audit trail, as exported.
AUDIT_COLUMNS: tuple[str, ...] = (
    "decided_at", "user", "row", "name", "action", "status", "reason", "applied",
    "made_in_analysis",
)  # fmt: skip


class DecisionError(ValueError):
    """A decision that cannot be made; the message says what was wrong and what is expected."""


class CurationNotReady(Exception):
    """The analysis has not succeeded, so it has no rows to decide about."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(f"the analysis is {status}; decisions are made on a succeeded analysis")


# -- which decisions are in effect -------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    status: str
    reason: str


@dataclass
class Effective:
    """The decisions in effect: the last status decision and the last anchor decision per row."""

    overrides: dict[int, Override] = field(default_factory=dict)
    anchors: dict[int, bool] = field(default_factory=dict)


def effective(decisions: Iterable[Decision]) -> Effective:
    """Fold decisions, oldest first, into the state they leave (a later one wins)."""
    out = Effective()
    for decision in decisions:
        if decision.action == DecisionAction.STATUS:
            out.overrides[decision.row] = Override(decision.status, decision.reason)
        elif decision.action == DecisionAction.CLEAR:
            out.overrides.pop(decision.row, None)
        elif decision.action in ANCHOR_ACTIONS:
            out.anchors[decision.row] = decision.action == DecisionAction.ANCHOR
    return out


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
    action, status, reason = _checked(action, status, reason)
    with transaction.atomic():
        compound = (
            Compound.objects.select_for_update()
            .filter(analysis=analysis, row=row)
            .only("id", "name", "status_computed")
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


def _checked(action: str, status: str, reason: str) -> tuple[str, str, str]:
    if action not in DecisionAction.values:
        raise DecisionError(
            f"unknown action {action!r}; expected one of {', '.join(DecisionAction.values)}"
        )
    status = (status or "").strip()
    if action == DecisionAction.STATUS and status not in STATUSES:
        raise DecisionError(
            f"status {status!r} is not a status; expected one of {', '.join(STATUSES)}"
        )
    if action != DecisionAction.STATUS and status:
        raise DecisionError(f"a status is given only with action 'status', not {action!r}")
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("a reason is required: say why, for the audit trail")
    if len(reason) > MAX_REASON:
        raise DecisionError(f"the reason is {len(reason)} characters; at most {MAX_REASON}")
    return action, status, reason


def _set_row_status(compound: Compound, decision: Decision) -> None:
    """Set the stored row's status as a status decision says (or back to the computed one)."""
    if decision.action == DecisionAction.STATUS:
        values = {
            "status": decision.status,
            "override": decision.status,
            "override_reason": decision.reason,
        }
    else:
        values = {"status": compound.status_computed, "override": "", "override_reason": ""}
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


# -- the summary after overrides ----------------------------------------------------------------


def _pair_counts(frame: pd.DataFrame, key: str) -> dict[str, dict[str, int]]:
    """Rows counted by (``key``, status), zero counts left out, keys in text order."""
    counts = frame.groupby([frame[key].astype(str), frame["status"].astype(str)]).size()
    out: dict[str, dict[str, int]] = {}
    keys = counts.index.get_level_values(0).tolist()
    statuses = counts.index.get_level_values(1).tolist()
    for value, status, n in sorted(zip(keys, statuses, counts.tolist(), strict=True)):
        if n:
            out.setdefault(str(value), {})[str(status)] = int(n)
    return out


def recount_summary(summary: Mapping[str, Any], compounds: pd.DataFrame) -> dict[str, Any]:
    """``summary`` with the counts and abundances that depend on the status recounted.

    ``compounds`` needs ``status``, ``category``, ``group_key``, ``ceramide``,
    ``volume_consolidated`` and, for the ``curation`` block, ``status_computed`` and
    ``override``.  The consolidated volumes stay as the core computed them: an override decides
    whether a row is quantified, not which peaks were merged into it.
    """
    frame = compounds.assign(status=compounds["status"].astype(str))
    counts = frame["status"].value_counts()
    kept = frame.loc[frame["status"] != "invalid"]
    pairs = _pair_counts(kept, "category")
    out = dict(summary)
    out["by_status"] = {s: int(counts.get(s, 0)) for s in STATUSES}
    out["by_category"] = {
        c: {s: pairs[c].get(s, 0) for s in STATUSES[:4]} for c in CATEGORIES if c in pairs
    }
    out["by_headgroup"] = _pair_counts(kept, "group_key")
    quantified = frame["status"].isin(QUANTIFIED)
    out["abundance"] = {
        **dict(summary.get("abundance") or {}),
        "total_volume": float(frame.loc[quantified, "volume_consolidated"].sum()),
        "by_category": abundance(frame, "category"),
        "by_headgroup": abundance(frame, "group_key"),
        "by_ceramide": abundance(frame, "ceramide"),
    }
    if "override" in frame.columns:
        overridden = frame["override"].astype(str) != ""
        computed = frame["status_computed"].astype(str).value_counts()
        out["curation"] = {
            "overrides": int(overridden.sum()),
            "by_status_computed": {s: int(computed.get(s, 0)) for s in STATUSES},
        }
    return out


# -- applying decisions to a run of the core ---------------------------------------------------


def apply_overrides(result: ganglioside.AnalysisResult, overrides: Mapping[int, Override]) -> None:
    """Add the curation columns to ``result.compounds`` and set the overridden statuses.

    ``status_computed`` is the core's status; ``override`` and ``override_reason`` are empty
    where no decision applies.  The summary is left as it is (see :func:`recount_summary`).
    """
    frame = result.compounds
    computed = frame["status"].astype(str).to_numpy(dtype=object)
    status = computed.copy()
    override = np.full(len(frame), "", dtype=object)
    reason = np.full(len(frame), "", dtype=object)
    if overrides:
        index = pd.Index(frame["row"].to_numpy())
        for row, decided in overrides.items():
            position = index.get_indexer([row])[0]
            if position >= 0:
                status[position] = override[position] = decided.status
                reason[position] = decided.reason
    at = list(frame.columns).index("status") + 1
    frame["status"] = pd.Categorical(status, categories=list(STATUSES))
    for offset, (name, values) in enumerate(
        zip(CURATION_COLUMNS, (computed, override, reason), strict=True)
    ):
        frame.insert(at + offset, name, values)


def anchored_export(
    path: Path,
    anchors: Mapping[int, bool],
    *,
    sample: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> Export:
    """The stored input, read as the core reads it (its ``sample`` of an export, its column
    mapping), with the Anchor flag of some rows changed.

    Rows are the 1-based data rows of the table the analysis read (``Compound.row``).  A table
    without an Anchor column gets one (empty cells mean not an anchor).  Every other cell is
    handed over as the text it was, so the core checks and reports it as it would the file, and
    an instrument export keeps its format and evidence columns.  The export returned holds the
    one sample.
    """
    export = read_export(path, columns)
    name = export.choose(sample)
    chosen = export.samples[name]
    raw = chosen.raw
    cells = raw.cells.copy()
    header = list(raw.header)
    position = map_columns(raw).get("anchor")
    if position is None:
        position = len(header)
        header.append("Anchor")
        cells[cells.shape[1]] = ""
    column = cells.columns[position]
    cells[column] = cells[column].astype(object)
    for row, is_anchor in anchors.items():
        if 1 <= row <= len(cells):
            cells.iat[row - 1, position] = "T" if is_anchor else "F"
    table = replace(raw, cells=cells, header=header)
    return replace(export, samples={name: replace(chosen, raw=table)})


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
    decisions = list(decision_list(analysis=analysis))
    state = effective(d for d in decisions if d.applied)
    source: Path | Export = path
    if state.anchors:
        source = anchored_export(path, state.anchors, sample=sample, columns=columns)
        columns = None  # applied in reading the export
    options = {"sample": sample, "columns": columns, "calibrants": calibrants}
    result = ganglioside.analyze(source, config=config, progress=progress, **options)
    apply_overrides(result, state.overrides)
    if decisions:
        result.summary = recount_summary(result.summary, result.compounds)
        result.summary["curation"]["decisions"] = [_audit_row(d) for d in decisions]
    return result


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
    """The audit trail as rows of :data:`AUDIT_COLUMNS` (oldest first)."""
    return [_audit_row(d) for d in decision_list(analysis=analysis)]


def audit_csv(analysis: Analysis) -> str:
    """The audit trail as CSV text (text cells that a spreadsheet would run are neutralised)."""
    from ganglioside.report.safe import table_text

    frame = pd.DataFrame(audit_rows(analysis), columns=list(AUDIT_COLUMNS), dtype=object)
    return table_text(frame)
