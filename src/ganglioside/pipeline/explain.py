"""The words of the record: the reasons for each status, the evidence and the row warnings,
rendered from the rules' findings (:mod:`.contract`).

Reasons say why in words; the numbers behind them (predicted RT, residual, z, parent row, RT
offset, lost residues) sit in their own columns, so that a reason is shared by many rows.  Every
text is built once per distinct text and held as a categorical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..codes import categorical
from ..result import STATUSES
from .contract import Finding, ranked


@dataclass(frozen=True)
class Explanation:
    """Per row, as categoricals: ``reasons``, ``evidence`` and ``warnings`` of the record."""

    reasons: pd.Categorical
    evidence: pd.Categorical
    warnings: pd.Categorical


def explain(findings: Sequence[Finding], status: np.ndarray) -> Explanation:
    """Reasons for the status, the evidence list and the warnings of every row, from the
    rules' findings and the statuses they decided."""
    evidence = ranked([w for f in findings for w in f.evidence])
    alone = [w for w in evidence if w.alone]
    return Explanation(
        _reasons(findings, status),
        _combine(
            [(w.codes, list(w.labels)) for w in evidence if not w.alone],
            override=(np.asarray(alone[-1].codes) > 0, alone[-1].labels[1]) if alone else None,
        ),
        _combine(
            [(w.codes, list(w.labels)) for w in ranked([w for f in findings for w in f.warnings])]
        ),
    )


def _reasons(findings: Sequence[Finding], status: np.ndarray) -> pd.Categorical:
    """Why each row got its status, in words (the later ranks win where masks overlap)."""
    texts = _Texts(len(status))
    for reason in ranked([r for f in findings for r in f.reasons]):
        rows = np.asarray(reason.mask, dtype=bool)
        if reason.status is not None:
            rows = rows & (status == STATUSES.index(reason.status))
        if reason.text_of is None or reason.keys is None:
            texts.set(rows, reason.text)
            continue
        chosen = np.flatnonzero(rows)
        if chosen.size:
            texts.set_each(chosen, np.asarray(reason.keys)[chosen], reason.text_of)
    return texts.categorical()


def _combine(
    parts: list[tuple[np.ndarray, list[str]]],
    override: tuple[np.ndarray, str] | None = None,
) -> pd.Categorical:
    """Join per-row labels with ';' (empty labels skipped), as a categorical.

    Each part is (integer code per row, label per code).  The text of each distinct
    combination is built once; rows take theirs through one integer code.  ``override``
    (mask, text) replaces the text of the masked rows.
    """
    code, distinct = _combination_codes(parts)
    texts = []
    for value in distinct.tolist():
        words = []
        for _, labels in parts:
            value, j = divmod(value, max(len(labels), 1))
            if labels and labels[j]:
                words.append(labels[j])
        texts.append(";".join(words))
    if override is not None:
        code[override[0]] = len(texts)
        texts.append(override[1])
    # two combinations may read the same; categories are unique
    text_code, unique_texts = pd.factorize(np.array(texts, dtype=object), sort=True)
    return categorical(text_code.astype(np.int32)[code], unique_texts)


def _combination_codes(parts: list[tuple[np.ndarray, list[str]]]) -> tuple[np.ndarray, Any]:
    """A code per row for its combination of part codes (int32), and each code's combination
    (mixed-radix numbers, the first part the least significant digit)."""
    combinations = int(np.prod([max(len(labels), 1) for _, labels in parts]))
    kind: type[np.signedinteger[Any]] = np.int32 if combinations < 2**31 else np.int64
    combined: np.ndarray = np.zeros(len(parts[0][0]), dtype=kind)
    stride = 1
    for codes, labels in parts:
        combined += np.multiply(codes, stride, dtype=kind)
        stride *= max(len(labels), 1)
    code, distinct = pd.factorize(combined)
    return code.astype(np.int32), distinct


class _Texts:
    """Per-row texts held as a code per row into a list of distinct texts (a categorical)."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int32)
        self.texts: list[str] = [""]

    def set(self, rows: np.ndarray, text: str) -> None:
        self.code[rows] = len(self.texts)
        self.texts.append(text)

    def set_each(self, rows: np.ndarray, keys: np.ndarray, text_of: Callable[[Any], str]) -> None:
        """Give ``rows`` the text of their key; each distinct key's text is built once."""
        key_code, distinct = pd.factorize(keys)
        self.code[rows] = len(self.texts) + key_code
        self.texts.extend(text_of(k) for k in distinct.tolist())

    def categorical(self) -> pd.Categorical:
        text_code, distinct = pd.factorize(np.array(self.texts, dtype=object), sort=True)
        return categorical(text_code.astype(np.int32)[self.code], distinct)
