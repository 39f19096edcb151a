"""The rule contract: what every rule hands on, one :class:`Finding` per table.

A rule (:class:`~ganglioside.pipeline.context.Rule`) reads the shared rows and the details of
the rules before it and returns a :class:`Finding`: all arrays positional, one value per row.

* ``claims`` — the statuses it asks for, by name (:data:`~.status.PRECEDENCE` orders them:
  the first claim that holds for a row decides its status);
* ``reasons`` — why a row got its status, in words (later ranks overwrite earlier ones);
* ``evidence`` and ``warnings`` — one word per row each (joined with ``;`` in rank order);
* ``notes`` — the file's warnings (listed in rank order);
* ``columns`` — record columns of its own (named in
  :data:`~ganglioside.result.COMPOUND_COLUMNS`);
* ``detail`` — a typed object the later rules and the record read (e.g. the RT model's fit).

Ranks place a rule's words among the others (ties keep the rules' order); the rules of the
first release use the ranks in tens listed in docs/ARCHITECTURE.md, a new rule's words go
after them by default (:data:`LAST`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The default rank: after the words of every rule of the first release.
LAST = 1000


@dataclass(frozen=True)
class Claim:
    """The rows in ``mask`` claim the status ``status`` (one of
    :data:`~ganglioside.result.STATUSES`) for the reason named ``name`` (a name in
    :data:`~ganglioside.pipeline.status.PRECEDENCE`)."""

    name: str
    status: str
    mask: np.ndarray


@dataclass(frozen=True)
class Reason:
    """The text ``text`` for the rows in ``mask`` whose final status is ``status`` (any status
    when None).  With ``text_of``, each row's text is ``text_of(keys[row])``, built once per
    distinct key (``keys``: one key per row)."""

    mask: np.ndarray
    text: str = ""
    status: str | None = None
    rank: int = LAST
    keys: np.ndarray | None = None
    text_of: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class Words:
    """One word per row: ``labels[codes[row]]`` ("" for none).  ``alone``: the rows with a
    word show it alone (the other rules' words of that row are dropped)."""

    codes: np.ndarray
    labels: Sequence[str]
    rank: int = LAST
    alone: bool = False

    @classmethod
    def flag(cls, mask: np.ndarray, word: str, rank: int = LAST) -> Words:
        """``word`` on the rows of ``mask``."""
        return cls(np.asarray(mask, dtype=bool).astype(np.int8), ("", word), rank)


@dataclass(frozen=True)
class Note:
    """One warning of the file."""

    text: str
    rank: int = LAST


@dataclass(frozen=True)
class Finding:
    """What one rule found about every row of one table."""

    rule: str
    detail: Any = None
    claims: tuple[Claim, ...] = ()
    reasons: tuple[Reason, ...] = ()
    evidence: tuple[Words, ...] = ()
    warnings: tuple[Words, ...] = ()
    notes: tuple[Note, ...] = ()
    columns: Mapping[str, Any] = field(default_factory=dict)


def ranked(items: Sequence[Any]) -> list[Any]:
    """``items`` (each with a ``rank``) in rank order, ties in their given order."""
    return sorted(items, key=lambda item: item.rank)
