"""Curation: a scientist's decisions about rows, applied to a result (pure functions).

A decision is about one input row (its 1-based data row): set its status (``status``, with one
of :data:`~ganglioside.result.STATUSES`), remove that override (``clear``), promote the row to
an anchor (``anchor``) or demote it (``unanchor``); each has a reason.  Decisions are folded
oldest first (a later one about the same row wins).

* Anchor decisions change the input's Anchor flags before the analysis
  (:func:`anchored_export`), so they change the RT models.
* Status decisions are set after it (:func:`apply_overrides`): the compound table gains
  ``status_computed`` (the analysis's own status), ``override`` and ``override_reason``; an
  overridden row's identification level is recomputed from its new status
  (:func:`curated_level`); the counts and abundances are recounted (:func:`recount_summary`);
  the summary's ``curation`` block lists the decisions (the audit trail).

:func:`analyze_with_decisions` does all of it; ``ganglioside analyze --decisions FILE`` and the
web platform's runs call it.  The decisions file is the web platform's audit trail
(:func:`read_decisions`, :func:`decisions_csv`): columns ``row``, ``action``, ``status`` and
``reason`` (``decided_at``, ``user``, ``name``, ``applied`` and ``made_in_analysis`` are kept
when present).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .codes import categorical
from .config import AnalysisConfig
from .errors import InputError
from .identification import LEVELS, level_of_row
from .inputs import Export, read_export
from .inputs.columns import map_columns
from .result import STATUSES, AnalysisResult
from .summary import abundances, status_counts

#: What a decision does to its row.
ACTIONS = ("status", "clear", "anchor", "unanchor")
#: Columns the curation adds to the compound table, right after ``status``.
CURATION_COLUMNS: tuple[str, ...] = ("status_computed", "override", "override_reason")
#: The columns of the audit trail (the decisions file).
AUDIT_COLUMNS: tuple[str, ...] = (
    "decided_at", "user", "row", "name", "action", "status", "reason", "applied",
    "made_in_analysis",
)  # fmt: skip
MAX_REASON = 2000


class DecisionError(ValueError):
    """A decision that cannot be made; the message says what was wrong and what is expected."""


class DecisionLike(Protocol):
    """What folding needs of a decision (the web's stored decisions have it too)."""

    @property
    def row(self) -> int: ...
    @property
    def action(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str: ...


@dataclass(frozen=True)
class Decision:
    """One decision, as the audit trail lists it."""

    row: int
    action: str
    reason: str
    status: str = ""
    name: str = ""
    user: str = ""
    decided_at: str = ""
    applied: bool = True
    made_in_analysis: int | None = None

    def audit_row(self) -> dict[str, Any]:
        """The decision as a row of :data:`AUDIT_COLUMNS`."""
        return {
            "decided_at": self.decided_at,
            "user": self.user,
            "row": self.row,
            "name": self.name,
            "action": self.action,
            "status": self.status,
            "reason": self.reason,
            "applied": self.applied,
            "made_in_analysis": self.made_in_analysis,
        }


def checked(action: str, status: str, reason: str) -> tuple[str, str, str]:
    """``(action, status, reason)`` of a decision, trimmed and checked.

    Raises
    ------
    DecisionError
        Unknown action, a status that is not a status (or one given with another action), no
        reason, or a reason longer than :data:`MAX_REASON`.
    """
    if action not in ACTIONS:
        raise DecisionError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    status = (status or "").strip()
    if action == "status" and status not in STATUSES:
        raise DecisionError(
            f"status {status!r} is not a status; expected one of {', '.join(STATUSES)}"
        )
    if action != "status" and status:
        raise DecisionError(f"a status is given only with action 'status', not {action!r}")
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("a reason is required: say why, for the audit trail")
    if len(reason) > MAX_REASON:
        raise DecisionError(f"the reason is {len(reason)} characters; at most {MAX_REASON}")
    return action, status, reason


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


def effective(decisions: Iterable[DecisionLike]) -> Effective:
    """Fold decisions, oldest first, into the state they leave (a later one wins)."""
    out = Effective()
    for decision in decisions:
        if decision.action == "status":
            out.overrides[decision.row] = Override(decision.status, decision.reason)
        elif decision.action == "clear":
            out.overrides.pop(decision.row, None)
        elif decision.action in ("anchor", "unanchor"):
            out.anchors[decision.row] = decision.action == "anchor"
    return out


# -- the result after overrides ----------------------------------------------------------------


def recount_summary(summary: Mapping[str, Any], compounds: pd.DataFrame) -> dict[str, Any]:
    """``summary`` with the counts and abundances that depend on the status recounted.

    ``compounds`` needs ``status``, ``category``, ``group_key``, ``ceramide``,
    ``volume_consolidated`` and, for the ``curation`` block, ``status_computed`` and
    ``override``.  The consolidated volumes stay as the analysis computed them: an override
    decides whether a row is quantified, not which peaks were merged into it.
    """
    status = pd.Categorical(compounds["status"].astype(str), categories=list(STATUSES))
    frame = compounds.assign(status=status)
    out = {**dict(summary), **status_counts(frame)}
    out["abundance"] = {**dict(summary.get("abundance") or {}), **abundances(frame)}
    if "override" in frame.columns:
        overridden = frame["override"].astype(str) != ""
        computed = frame["status_computed"].astype(str).value_counts()
        out["curation"] = {
            "overrides": int(overridden.sum()),
            "by_status_computed": {s: int(computed.get(s, 0)) for s in STATUSES},
        }
    return out


def apply_overrides(result: AnalysisResult, overrides: Mapping[int, Override]) -> AnalysisResult:
    """A copy of ``result`` whose compound table has the curation columns and the overridden
    statuses (``status_computed`` is the analysis's status; ``override`` and
    ``override_reason`` are empty where no decision applies).  The summary is left as it is
    (see :func:`recount_summary`)."""
    frame = result.compounds.copy()
    computed = frame["status"].astype(str).to_numpy(dtype=object)
    status = computed.copy()
    override = np.full(len(frame), "", dtype=object)
    reason = np.full(len(frame), "", dtype=object)
    index = pd.Index(frame["row"].to_numpy())
    overridden = []
    for row, decided in overrides.items():
        position = index.get_indexer([row])[0]
        if position >= 0:
            status[position] = override[position] = decided.status
            reason[position] = decided.reason
            overridden.append(position)
    at = list(frame.columns).index("status") + 1
    frame["status"] = pd.Categorical(status, categories=list(STATUSES))
    if overridden and "identification_level" in frame.columns:
        _relevel(frame, overridden)
    for offset, (name, values) in enumerate(
        zip(CURATION_COLUMNS, (computed, override, reason), strict=True)
    ):
        frame.insert(at + offset, name, values)
    return replace(result, compounds=frame)


def curated_level(row: Mapping[str, Any]) -> int:
    """The identification level of a compound row under its (possibly overridden) status.

    ``row`` needs ``status``, ``is_anchor``, ``evidence`` and ``warnings``.  The level follows
    the status by the analysis's own rule (:func:`ganglioside.identification.level_of_row`):
    a curator's ``valid`` counts as the RT check the row passed (3, or 2 with a sialic-acid
    MS/MS ion; 1 only for an anchor), ``unverified`` is 4 and a rejection (``outlier``,
    ``fragment``, ``invalid``) is 5, contradicted; evidence the decision does not change (an
    m/z beyond tolerance, an implausible composition) still caps it.  With the computed status
    this gives back the computed level, so clearing an override restores it.
    """
    return level_of_row(
        str(row["status"]),
        anchor=bool(row["is_anchor"]),
        evidence=row.get("evidence", ""),
        warnings=row.get("warnings", ""),
    )


def _relevel(frame: pd.DataFrame, positions: Sequence[int]) -> None:
    """Recompute ``identification_level`` (and its label) of the rows at ``positions``."""
    level = frame["identification_level"].to_numpy(copy=True)
    columns = ("status", "is_anchor", "evidence", "warnings")
    for position in positions:
        level[position] = curated_level(
            {c: frame[c].iat[position] for c in columns if c in frame.columns}
        )
    frame["identification_level"] = level
    if "identification" in frame.columns:
        frame["identification"] = categorical(level.astype(np.int8), LEVELS)


def curate(
    result: AnalysisResult, decisions: Sequence[DecisionLike], audit: Sequence[Mapping[str, Any]]
) -> AnalysisResult:
    """``result`` with the status decisions of ``decisions`` set, recounted when there are
    decisions, and ``audit`` (rows of :data:`AUDIT_COLUMNS`) in its summary's ``curation``."""
    curated = apply_overrides(result, effective(decisions).overrides)
    if not decisions and not audit:
        return curated
    summary = recount_summary(curated.summary, curated.compounds)
    summary["curation"]["decisions"] = [dict(row) for row in audit]
    return replace(curated, summary=summary)


def anchored_export(
    path: str | Path,
    anchors: Mapping[int, bool],
    *,
    sample: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> Export:
    """The input, read as the analysis reads it (its ``sample`` of an export, its column
    mapping), with the Anchor flag of some rows changed (:func:`with_anchors`)."""
    return with_anchors(read_export(path, columns), anchors, sample)


def with_anchors(export: Export, anchors: Mapping[int, bool], sample: str | None = None) -> Export:
    """``export``'s ``sample`` with the Anchor flag of some rows changed; the export returned
    holds the one sample.

    Rows are the 1-based data rows of the table the analysis reads.  A table without an Anchor
    column gets one (empty cells mean not an anchor).  Every other cell is handed over as the
    text it was, so the analysis checks and reports it as it would the file, and an instrument
    export keeps its format and evidence columns.
    """
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
    source: str | Path,
    decisions: Sequence[DecisionLike],
    config: AnalysisConfig | Mapping[str, Any] | None = None,
    progress: Any = None,
    *,
    audit: Sequence[Mapping[str, Any]] | None = None,
    sample: str | None = None,
    columns: Mapping[str, str] | None = None,
    calibrants: Any = None,
) -> AnalysisResult:
    """:func:`ganglioside.analyze` of the file ``source`` with ``decisions`` (oldest first):
    anchor decisions change the input's Anchor flags, status decisions are set after the
    analysis and the counts recounted; ``audit`` (the decisions as rows of
    :data:`AUDIT_COLUMNS`, by default from ``decisions`` when they are :class:`Decision`)
    goes into the summary.  Without decisions: the analysis plus the (empty) curation
    columns."""
    from .pipeline import analyze

    state = effective(decisions)
    data: str | Path | Export = source
    if state.anchors:
        data = anchored_export(source, state.anchors, sample=sample, columns=columns)
        columns = None  # applied in reading the export
    result = analyze(data, config, progress, sample=sample, columns=columns, calibrants=calibrants)
    if audit is None:
        audit = [d.audit_row() for d in decisions if isinstance(d, Decision)]
    return curate(result, decisions, audit)


# -- the decisions file ------------------------------------------------------------------------


def read_decisions(path: str | Path) -> list[Decision]:
    """The decisions of a decisions file (the web's audit trail, CSV), oldest first.

    Raises
    ------
    InputError
        A missing file or column, or a row whose row number, action, status or reason is
        wrong (the message names the line, the column and the value).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the decisions file: {exc}", file=str(path)) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("row", "action", "reason") if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"the decisions file has no column {', '.join(repr(c) for c in missing)}; expected "
            f"the columns of the audit trail ({', '.join(AUDIT_COLUMNS)})",
            file=str(path),
        )
    return [_decision(record, line, path) for line, record in enumerate(reader, start=2)]


def _decision(record: Mapping[str, str | None], line: int, path: Path) -> Decision:
    """One line of the decisions file (``line``: its line number, the header being line 1)."""
    text = {k: (v or "").strip() for k, v in record.items() if k is not None}
    where = f"line {line}"
    try:
        row = int(text.get("row", ""))
        if row < 1:
            raise ValueError
    except ValueError:
        raise InputError(
            f"{where}, column 'row': {text.get('row', '')!r} is not a row number (1, 2, …)",
            file=str(path),
        ) from None
    try:
        action, status, reason = checked(
            text.get("action", ""), text.get("status", ""), text.get("reason", "")
        )
    except DecisionError as exc:
        raise InputError(f"{where}: {exc}", file=str(path)) from None
    made_in = text.get("made_in_analysis", "")
    return Decision(
        row=row,
        action=action,
        reason=reason,
        status=status,
        name=text.get("name", ""),
        user=text.get("user", ""),
        decided_at=text.get("decided_at", ""),
        applied=True,  # a run from the file applies them all, as a re-run does
        made_in_analysis=int(made_in) if made_in.isdigit() else None,
    )


def decisions_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows of :data:`AUDIT_COLUMNS` as the decisions file (CSV text; text cells that a
    spreadsheet would run are neutralised)."""
    import pandas as pd

    from .report.safe import safe_csv

    # one writer for every CSV: a reason holding a CR, a LF, a comma or a quote is quoted
    frame = pd.DataFrame(list(rows), columns=list(AUDIT_COLUMNS), dtype=object)
    return safe_csv(frame)
