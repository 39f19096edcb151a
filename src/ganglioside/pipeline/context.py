"""What a rule reads (:class:`Context`) and what a rule is (:class:`Rule`).

The rules run in the order of :data:`ganglioside.pipeline.steps.RULES`; each adds its
:class:`~.contract.Finding` to the context, so a rule reads the details of the rules before it
with :meth:`Context.detail`, by their type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..logp import LogPAssignment
from .contract import Finding
from .rows import ParsedNames, Rows
from .status import decide_status

T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    """One rule: ``apply(context)`` returns its finding.

    ``needs``: the detail types of earlier rules it reads (the order test checks that an
    earlier rule ``makes`` each); ``makes``: the type of its finding's ``detail`` (None when it
    has none); ``progress``: the step it reports before it runs, ``(step, fraction, message)``.
    """

    name: str
    apply: Callable[[Context], Finding]
    needs: tuple[type, ...] = ()
    makes: type | None = None
    progress: tuple[str, float, str] | None = None


@dataclass
class Context:
    """The table as the rules share it, and the findings so far."""

    cfg: AnalysisConfig
    names: ParsedNames
    logp: LogPAssignment
    rows: Rows
    data: pd.DataFrame  # the rules' frame (pipeline.rows.rule_frame)
    table_warnings: tuple[str, ...] = ()  # reading and calibrant warnings
    reference: Mapping[str, Any] | None = None  # a saved calibration's model block
    extras: Mapping[str, np.ndarray] = field(default_factory=dict)  # the export's own columns
    findings: list[Finding] = field(default_factory=list)
    _statuses_read_by: str | None = None

    def detail(self, kind: type[T]) -> T:
        """The detail of type ``kind`` of an earlier rule.

        Raises
        ------
        LookupError
            When no earlier rule made one (the rules are out of order).
        """
        for f in self.findings:
            if isinstance(f.detail, kind):
                return f.detail
        raise LookupError(f"no rule before this one made a {kind.__name__}")

    def statuses(self, reader: str) -> np.ndarray:
        """The statuses the claims so far decide (``reader``: the rule that reads them; no rule
        after it may claim a status)."""
        self._statuses_read_by = reader
        return decide_status(self.findings, len(self.rows.rt))

    def add(self, finding: Finding) -> None:
        """Take a rule's finding.

        Raises
        ------
        RuntimeError
            When it claims statuses after a rule read them.
        """
        if finding.claims and self._statuses_read_by is not None:
            raise RuntimeError(
                f"rule {finding.rule!r} claims statuses after rule {self._statuses_read_by!r} "
                "read them: put it before that rule in RULES"
            )
        self.findings.append(finding)
